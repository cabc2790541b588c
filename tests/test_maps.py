"""Maps checked for content: legend entries, layer names, markers per status, text, bytes."""

import re
from datetime import date

import pytest

from territoires import maps
from territoires.maps import catalogue
from territoires.maps.geometry import simplified
from territoires.maps.interactive import to_html

from . import synthetic as S

MADE_ON = date(2026, 11, 29)


def page_data_of(html: str) -> dict:
    """The JSON data embedded in a map page."""
    import json

    m = re.search(r'<script type="application/json" id="territoires-data">(.*?)</script>', html, re.S)
    return json.loads(m.group(1))


def hostile_territory():
    t = S.territory()
    t.add_programme(S.sites_table([
        {"site_id": "x1", "commune": 1, "nom": "<img src=x onerror=alert(1)>", "adresse": "<script>alert(2)</script>"},
        {"site_id": "x2", "commune": 5, "nom": "Site \"quoted\" & <b>bold</b>", "start_date": date(2030, 1, 1), "project_from": date(2020, 6, 1)},
    ]))
    return t


def test_france_services_spec_on_synthetic():
    t = hostile_territory()
    spec = catalogue.france_services_map(t, as_of="2021-01-01", made_on=MADE_ON)
    names = [lyr.name for lyr in spec.layers]
    assert names == ["Limites communales", "Limites cantonales", "Limite départementale", "France Services labellisées", "France Services en projet"]
    labels = [e.label for e in spec.legend]
    assert labels[:2] == ["Labellisées (1)", "Projets (1)"]
    assert {"Limites communales", "Limites cantonales", "Limite départementale"} <= set(labels)
    # the credit comes from the data drawn: the synthetic boundaries and the rows' own source
    assert spec.credit == (
        "Sources : Limites : synthetic (millésime test), licence non précisée\n"
        "France Services : test (2 lignes)\n"
        "Réalisation : territoires 0.1.0, 29/11/2026"
    )


def test_html_escapes_hostile_names_and_is_offline():
    t = hostile_territory()
    html = to_html(catalogue.france_services_map(t, as_of="2021-01-01", made_on=MADE_ON))
    assert "<img src=x" not in html and "<script>alert(2)" not in html
    # kept verbatim in the page's JSON, with "<" written \u003c (set with textContent in the page)
    assert "\\u003cimg src=x onerror=alert(1)>" in html
    data = page_data_of(html)
    sites = next(lyr for lyr in data["layers"] if lyr["name"] == "France Services labellisées")
    assert sites["props"][sites["fields"].index("nom")] == ["<img src=x onerror=alert(1)>"]
    assert not re.search(r"<(script|link)[^>]+(src|href)=\"https?://", html)
    assert "L.map(" in html


def test_html_is_deterministic_and_small(t79):
    spec = catalogue.france_services_map(t79, as_of="2021-09-14", made_on=MADE_ON)
    a, b = to_html(spec), to_html(spec)
    assert a == b
    assert len(a.encode()) < 1.5e6
    cdn = to_html(spec, self_contained=False)
    assert len(cdn.encode()) < 0.6e6 and "cdn.jsdelivr.net/npm/leaflet@1.9.3" in cdn


@pytest.mark.integration
def test_deck_map_content(t79, tmp_path):
    spec = catalogue.france_services_map(t79, as_of="2021-09-14", made_on=MADE_ON)
    by = {lyr.name: lyr for lyr in spec.layers}
    assert len(by["France Services labellisées"].data) == 17
    assert len(by["France Services en projet"].data) == 9
    assert len(by["Limites communales"].data) == 252
    assert len(by["Limites cantonales"].data) == 15
    paths = maps.write_map(spec, tmp_path, ["svg", "pdf", "png", "html"])
    names = sorted(p.name for p in paths)
    assert names == [f"france-services-79-2021-09-14.{x}" for x in ("html", "pdf", "png", "svg")]
    svg = (tmp_path / "france-services-79-2021-09-14.svg").read_text()
    for text in ("Le réseau France Services", "état d'avancement au 14 septembre 2021", "Labellisées (17)", "Projets (9)",
                 "Limites communales", "Limites cantonales", "Sources : Limites : IGN ADMIN EXPRESS", "10 km", "La Gâtine",
                 "projet : données Préfecture — DDT des Deux-Sèvres", "(9 lignes)"):
        assert text.replace("'", "&#39;") in svg or text in svg, text
    html = (tmp_path / "france-services-79-2021-09-14.html").read_text()
    data = {lyr["name"]: lyr for lyr in page_data_of(html)["layers"]}
    lab, proj = data["France Services labellisées"], data["France Services en projet"]
    assert lab["props"][lab["fields"].index("statut")] == ["labellisée"] * 17
    assert proj["props"][proj["fields"].index("statut")] == ["projet (dossier en instruction)"] * 9
    labels = page_data_of(html)["labels"]  # names: one point layer per named layer, ranked, with their zoom
    (cantons,) = [lb for lb in labels if lb["name"] == "Noms des cantons"]
    assert len(cantons["text"]) == 15 and "Niort (cantons 1 à 3)" in cantons["text"]
    assert sorted(cantons["priority"]) == cantons["priority"] and len(cantons["minzoom"]) == 15
    towns = set(by["France Services labellisées"].data["commune"]) | set(by["France Services en projet"].data["commune"])
    assert sum(len(lb["text"]) for lb in labels) == 15 + len(towns)  # canton names and the sites' towns, each once
    png = (tmp_path / "france-services-79-2021-09-14.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    import struct

    w, h = struct.unpack(">II", png[16:24])
    assert (w, h) == (2481, 3507)  # A4 portrait at 300 dpi: Deux-Sèvres is tall


@pytest.mark.integration
def test_deck_map_on_13_july_says_why_it_shows_no_project(t79):
    spec = catalogue.france_services_map(t79, as_of="2021-07-13", made_on=MADE_ON)
    assert "Projets (0)" in [e.label for e in spec.legend]
    assert spec.notes == ["9 projet(s) attesté(s) seulement à partir du 14/09/2021 : non représenté(s) à cette date, faute de source plus ancienne."]


@pytest.mark.integration
def test_static_outputs_are_deterministic(t79, tmp_path):
    spec = catalogue.france_services_map(t79, as_of="2021-09-14", made_on=MADE_ON)
    for fmt in ("svg", "pdf"):
        a = maps.render_static(spec, tmp_path / f"a.{fmt}").read_bytes()
        b = maps.render_static(spec, tmp_path / f"b.{fmt}").read_bytes()
        assert a == b, fmt


@pytest.mark.integration
def test_every_map_builds_with_its_layers(t79):
    expected = {
        "france-services": "France Services labellisées",
        "cantons-sans-site": "Couverture des cantons",
        "acces": "Temps d'accès estimé",
        "crte": "Périmètres des CRTE",
        "pvd-acv": "Petites villes de demain",
        "conseillers-numeriques": "Structures conseillers numériques",
        "couverture-mobile": "Zones blanches centres-bourgs (2015)",
        "programmes": "Conseillers numériques",
    }
    assert set(expected) == set(maps.MAPS)
    for name, layer in expected.items():
        spec = maps.build(t79, name, as_of="2021-09-14", made_on=MADE_ON)
        assert layer in [lyr.name for lyr in spec.layers], name
        assert all(e.layer in [lyr.name for lyr in spec.layers] for e in spec.legend), name
    gaps = maps.build(t79, "cantons-sans-site", as_of="2021-09-14")
    assert "Canton sans France Services labellisée (3)" in [e.label for e in gaps.legend]
    crte = maps.build(t79, "crte", as_of="2021-12-31")
    assert len([e for e in crte.legend if e.group == "CRTE"]) == 6
    acc = maps.build(t79, "acces", as_of="2021-07-13")
    assert "habitants à plus de 30 min" in acc.title
    mobile = maps.build(t79, "couverture-mobile")
    assert "Sites New Deal Mobile (0)" in [e.label for e in mobile.legend] and mobile.notes


@pytest.mark.integration
def test_simplification_keeps_shared_borders(t79):
    import shapely

    g = simplified(t79, 200.0)["communes"]
    assert shapely.coverage_is_valid(g.geometry.to_numpy())
    total = g.geometry.area.sum()
    union = g.geometry.union_all().area
    assert abs(total - union) / union < 1e-6  # no overlap opened
    assert abs(union - t79.communes.area.sum()) / union < 0.01


def test_output_names_cannot_escape_the_folder(tmp_path):
    t = S.territory()
    t.add_programme(S.sites_table([]))  # an empty list given on purpose (without one: NoProgrammeDataError)
    spec = catalogue.france_services_map(t, made_on=MADE_ON)
    spec.slug = "../../etc/evil"
    (p,) = maps.write_map(spec, tmp_path / "out", ["html"])
    assert p.parent == tmp_path / "out" and p.name == "etc-evil.html"


def test_printed_credit_names_only_the_layers_printed(t79):
    """The overview's Fonds friches layer is off at opening: the page neither draws nor lists it, so it does not credit it."""
    from matplotlib.text import Text

    from territoires.maps.static import figure

    spec = catalogue.overview_map(t79, as_of="2021-09-14", made_on=date(2026, 11, 30))
    assert [lyr.name for lyr in spec.layers if not lyr.show] == ["Fonds friches"]
    assert "\nFonds friches : " in spec.credit  # the interactive map, where it can be switched on, credits it
    texts = [t.get_text() for t in figure(spec).findobj(Text)]
    credit = next(t for t in texts if t.startswith("Sources : "))
    assert "Fonds friches" not in credit and "Petites villes de demain : ANCT" in credit.replace("\n", " ")
    assert credit.rstrip().endswith("Réalisation : territoires " + spec.version + ", 30/11/2026")


@pytest.mark.parametrize("build", ["gaps_map", "pvd_acv_map", "mobile_map"])
def test_printed_lines_break_as_french_text_does(t79, build):
    """No printed line starts with « : » or « ; », none splits a hyphenated name (« Sauzé- / Vaussais », « centres- / bourgs »)."""
    from matplotlib.text import Text

    from territoires.maps.static import figure

    spec = getattr(catalogue, build)(t79, as_of="2021-09-14", made_on=date(2026, 11, 30))
    lines = [ln for t in figure(spec).findobj(Text) for ln in t.get_text().split("\n")]
    assert any(w in "\n".join(lines) for w in ("Sauzé-", "centres-", "partagée"))  # the texts at stake are printed
    assert [ln for ln in lines if ln.lstrip().startswith((":", ";", "»"))] == []
    assert [ln for ln in lines if ln.rstrip().endswith("-") or ln.rstrip().endswith("«")] == []
