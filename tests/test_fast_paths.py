"""The fast paths of loading and of sites/gaps give what the plain computation gives (small synthetic data)."""

from __future__ import annotations

from datetime import date, datetime

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from territoires.analysis.coverage import canton_coverage, cantons_without_site
from territoires.naming import departement_of
from territoires.sources.programmes import programme, to_geodataframe
from territoires.territory import cache
from territoires.territory.queries import site_status, sites
from territoires.territory.stages import on_or_before, stage_on
from territoires.territory.store import store_of
from territoires.territory.timeline import replay_positions, status_on

from . import synthetic as S


# ------------------------------------------------------------ on_or_before
def _plain_on_or_before(series, d):
    return np.array([v is not None and not pd.isna(v) and v <= d for v in series], dtype=bool)


@pytest.mark.parametrize("values", [
    [date(2020, 1, 1), None, float("nan"), date(2021, 1, 1), date(2022, 1, 1), pd.NA, pd.NaT],
    [None, None],
    [float("nan")] * 3,
    [],
    [date(2021, 1, 1)],
])
def test_on_or_before_is_the_plain_comparison(values):
    s = pd.Series(values, dtype=object)
    for d in (date(2019, 1, 1), date(2021, 1, 1), date(2030, 1, 1)):
        assert on_or_before(s, d).tolist() == _plain_on_or_before(s, d).tolist()
    assert on_or_before(pd.Series([np.nan, np.nan]), date(2021, 1, 1)).tolist() == [False, False]  # float64 column


def test_on_or_before_refuses_what_the_plain_comparison_refuses():
    s = pd.Series([datetime(2020, 1, 1, 12)], dtype=object)  # a datetime is not compared with a date
    with pytest.raises(TypeError):
        _plain_on_or_before(s, date(2021, 1, 1))
    with pytest.raises(TypeError):
        on_or_before(s, date(2021, 1, 1))


# ------------------------------------------------------------ sites and gaps
def _plain_sites(territory, key, as_of, statuses=None, neighbours=False):
    """``sites`` written plainly: row-by-row département test, Series.map lookups."""
    p = programme(key)
    store = store_of(territory)
    data = store.table(p.key).data
    if not neighbours and len(data):
        data = data[data["code_insee"].map(departement_of).isin(territory.departements).to_numpy()]
    data = replay_positions(pd.DataFrame(data), store.positions(p.key), as_of)
    st = status_on(data, as_of, p.active_status, p.project_status)
    out = data.assign(status=st)[st != None].copy()  # noqa: E711
    if p.stages:
        out["etape"] = stage_on(out, as_of, p.stages)
    if statuses is not None:
        out = out[out["status"].isin(list(statuses))]
    gdf = to_geodataframe(out.drop(columns=[c for c in ("geometry",) if c in out]))
    gdf["start_unknown"] = gdf["start_date"].isna()
    if p.start_alias:
        gdf[p.start_alias] = gdf["start_date"]
    com = territory.communes.set_index("code_insee")
    gdf["code_canton"] = gdf["code_insee"].map(com["code_canton"])
    gdf["siren_epci"] = gdf["code_insee"].map(com["siren_epci"])
    gdf["commune_actuelle"] = gdf["code_insee"].map(com["nom"])
    gdf = gdf.to_crs(territory.crs)
    first = ["site_id", "nom", "code_insee", "commune", "status", *([p.start_alias] if p.start_alias else [])]
    rest = [c for c in gdf.columns if c not in first and c != "geometry"]
    return gdf[[*first, *rest, "geometry"]].reset_index(drop=True)


def _territory(object_cantons=False):
    t = S.territory()
    if object_cantons:  # a zone whose communes have no canton: an all-missing object column
        t.communes["code_canton"] = pd.Series([None] * len(t.communes), dtype=object)
    rows = [
        {"site_id": "1", "commune": 1, "start_date": date(2020, 1, 1)},
        {"site_id": "2", "commune": 3, "start_date": date(2022, 6, 1), "project_from": date(2021, 1, 1)},
        {"site_id": "3", "commune": 5, "start_date": None},  # start unknown
        {"site_id": "4", "commune": 7, "start_date": date(2019, 1, 1), "end_date": date(2021, 6, 30)},
        {"site_id": "5", "commune": 9, "start_date": date(2023, 1, 1)},
        {"site_id": "6", "commune": 2, "start_date": date(2021, 3, 1)},
    ]
    table = S.sites_table(rows)
    extra = table.data.iloc[[0, 1, 2]].copy()
    extra["site_id"] = ["7", "8", "9"]
    extra["code_insee"] = ["97101", "79191", "00042"]  # overseas, another département, a code the territory lacks
    table.data = pd.concat([table.data, extra], ignore_index=True)
    t.add_programme(table)
    return t


@pytest.mark.parametrize("object_cantons", [False, True])
def test_sites_are_the_plain_sites(object_cantons):
    t = _territory(object_cantons)
    for as_of in (date(2018, 1, 1), date(2021, 1, 1), date(2021, 9, 14), date(2024, 12, 31)):
        for neighbours in (False, True):
            for statuses in (None, ["labelled"]):
                fast = sites(t, "france_services", as_of=as_of, statuses=statuses, neighbours=neighbours)
                plain = _plain_sites(t, "france_services", as_of, statuses, neighbours)
                pd.testing.assert_frame_equal(fast, plain, check_exact=True)
        s = _plain_sites(t, "france_services", as_of)
        pd.testing.assert_frame_equal(site_status(t, "france_services", as_of), pd.DataFrame(s[["site_id", "commune", "code_insee", "status", "code_canton"]]), check_exact=True)


def _plain_gaps(cov):
    gaps = cov[(cov["type"] != "fraction") & ~cov["couvert"].fillna(False).astype(bool)].copy()
    gaps["comble_par_projets"] = gaps["nb_projets"] > 0
    cols = ["code_canton", "nom_canton", "type", "code_departement", "population", "projets", "ids_projets", "comble_par_projets"]
    return gaps[cols].reset_index(drop=True)


def test_coverage_and_gaps_are_those_of_the_plain_sites():
    t = _territory()
    for as_of in (date(2018, 1, 1), date(2021, 9, 14), date(2024, 12, 31)):
        plain = _plain_sites(t, "france_services", as_of)
        cov = canton_coverage(t, as_of=as_of)
        pd.testing.assert_frame_equal(cov, canton_coverage(t, as_of=as_of, sites=plain), check_exact=True)
        pd.testing.assert_frame_equal(cantons_without_site(t, as_of=as_of), _plain_gaps(cov), check_exact=True)
    assert cantons_without_site(t, as_of=date(2018, 1, 1))["code_canton"].tolist() == ["0001", "0002", "0004"]  # 0003: a site whose start is unknown counts


# ------------------------------------------------------------ cache.read
@pytest.mark.parametrize("crs", ["EPSG:4326", "EPSG:2154", "+proj=laea +lat_0=45 +lon_0=0 +ellps=GRS80 +units=m", None])
def test_cache_read_is_geopandas_read_parquet(tmp_path, crs):
    pts = [shapely.Point(1, 45), shapely.Point(2, 46), None]
    frame = gpd.GeoDataFrame(
        {"code_departement": ["00", "01", "00"], "nom": ["a", None, "c"], "population": [1.0, 2.0, np.nan],
         "origin": gpd.GeoSeries(pts, crs=crs), "geometry": gpd.GeoSeries([shapely.box(0, 0, 1, 1), shapely.box(1, 1, 2, 2), None], crs=crs)},
        geometry="geometry", crs=crs,
    )
    frame.to_parquet(tmp_path / "layer.parquet", index=False)
    pd.DataFrame({"x": ["a", "b"]}).to_parquet(tmp_path / "plain.parquet", index=False)
    for filters in (None, [("code_departement", "in", ["00"])]):
        ours = cache.read(tmp_path, "layer", filters=filters)
        theirs = gpd.read_parquet(tmp_path / "layer.parquet", filters=filters)
        assert type(ours) is gpd.GeoDataFrame and ours.geometry.name == theirs.geometry.name
        for c in theirs.columns:
            if isinstance(theirs[c].dtype, gpd.array.GeometryDtype):
                assert isinstance(ours[c].dtype, gpd.array.GeometryDtype)
                assert ours[c].crs == theirs[c].crs
                assert (ours[c].crs is None) or ours[c].crs.to_json() == theirs[c].crs.to_json()
                assert list(shapely.to_wkb(ours[c].to_numpy())) == list(shapely.to_wkb(theirs[c].to_numpy()))
            else:
                pd.testing.assert_series_equal(ours[c], theirs[c], check_exact=True)
        assert list(ours.columns) == list(theirs.columns) and ours.index.equals(theirs.index)
    pd.testing.assert_frame_equal(cache.read(tmp_path, "plain"), pd.read_parquet(tmp_path / "plain.parquet"))
    if crs is not None:  # each CRS is built once
        assert cache.read(tmp_path, "layer").crs is cache.read(tmp_path, "layer").crs


# ------------------------------------------------------------ layers read when first used
def _tiny(tmp_path, monkeypatch):
    import territoires
    from territoires import settings

    from .test_sources_boundaries import write_admin_express

    monkeypatch.setattr(settings, "cache_dir", tmp_path / "cache")
    gpkg = write_admin_express(tmp_path / "ae.gpkg")
    t = territoires.load_territory("79", source="admin-express", path=gpkg)
    (folder,) = [p for p in (tmp_path / "cache").iterdir() if "@" in p.name]
    return t, folder


def test_lazy_layers_are_the_eager_reads(tmp_path, monkeypatch):
    from territoires.territory.loading import COMMUNE_CODES, LAZY, clip_epcis

    t, folder = _tiny(tmp_path, monkeypatch)
    assert not set(LAZY) & set(t.__dict__)  # nothing read yet
    codes = t.commune_codes()
    assert "communes" not in t.__dict__
    plain = {n: gpd.read_parquet(folder / f"EPSG-2154__{n}.parquet") for n in ("communes", "cantons", "canton_units", "epcis", "departements")}
    plain["epcis"] = clip_epcis(plain["epcis"], plain["communes"])
    # the file's second geometry column is a layer of its own: the communes have one geometry column
    full = plain["communes"]
    plain["commune_origins"] = gpd.GeoDataFrame(full[["code_insee", "origin_source"]], geometry=full["origin"].to_numpy(), crs=full["origin"].crs)
    plain["communes"] = full.drop(columns="origin")
    for attr, name in (("canton_units", "canton_units"), ("communes", "communes"), ("commune_origins", "commune_origins"), ("cantons", "cantons"),
                       ("epcis", "epcis"), ("outline", "departements")):
        ours, theirs = getattr(t, attr), plain[name]
        pd.testing.assert_frame_equal(pd.DataFrame(ours).drop(columns="geometry"), pd.DataFrame(theirs).drop(columns="geometry"), check_exact=True)
        assert list(shapely.to_wkb(ours.geometry.to_numpy())) == list(shapely.to_wkb(theirs.geometry.to_numpy()))
        assert ours.crs == theirs.crs
    pd.testing.assert_frame_equal(codes, pd.DataFrame(t.communes[COMMUNE_CODES]), check_exact=True)
    assert t.commune_codes() is t.communes  # once loaded, the communes themselves
    assert len(t.report.communes_without_canton) == 0


def test_epcis_read_first_need_no_commune_polygon_and_are_the_same(tmp_path, monkeypatch):
    from territoires.territory.loading import clip_epcis

    t, folder = _tiny(tmp_path, monkeypatch)
    epcis = t.epcis
    assert "communes" not in t.__dict__  # counted on the commune codes, no polygon decoded
    plain = clip_epcis(gpd.read_parquet(folder / "EPSG-2154__epcis.parquet"), gpd.read_parquet(folder / "EPSG-2154__communes.parquet"))
    pd.testing.assert_frame_equal(pd.DataFrame(epcis).drop(columns="geometry"), pd.DataFrame(plain).drop(columns="geometry"), check_exact=True)
    assert epcis["n_communes_in_territory"].sum() == len(t.communes)


def _republish(folder, edit=None):
    """Copy a cache version under a new name, publish it, remove the old one (a rebuild long ago)."""
    import hashlib
    import json
    import shutil

    key = folder.name.split("@")[0]
    new = folder.parent / f"{key}@copie"
    shutil.copytree(folder, new)
    raw = (new / "manifest.json").read_bytes()
    if edit:
        meta = json.loads(raw)
        edit(meta)
        raw = json.dumps(meta).encode()
        (new / "manifest.json").write_bytes(raw)
    (folder.parent / f"{key}.current").write_text(json.dumps({"folder": new.name, "manifest_sha256": hashlib.sha256(raw).hexdigest()}))
    shutil.rmtree(folder)


def test_a_layer_read_after_a_rebuild_comes_from_the_same_files_or_fails_clearly(tmp_path, monkeypatch):
    from territoires.errors import TerritoiresError

    t, folder = _tiny(tmp_path, monkeypatch)
    expected = gpd.read_parquet(folder / "EPSG-2154__communes.parquet")
    _republish(folder)  # same files
    assert t.communes["code_insee"].tolist() == expected["code_insee"].tolist()

    (tmp_path / "b").mkdir()
    t, folder = _tiny(tmp_path / "b", monkeypatch)

    def other_cantons(meta):
        meta["files"]["EPSG-2154__cantons.parquet"] = "0" * 64

    _republish(folder, other_cantons)
    with pytest.raises(TerritoiresError, match="reconstruit"):
        _ = t.cantons
    assert len(t.canton_units)  # an unchanged file still reads


# ------------------------------------------------------------ point near its département
@pytest.mark.parametrize("split", [False, True])
@pytest.mark.parametrize("grid", [False, True])
@pytest.mark.parametrize("few", [0, 10**6])
def test_near_departement_is_one_plain_dwithin(monkeypatch, split, grid, few):
    """Interior grid cells, per-département point tests (or a direct dwithin for a few points) then one dwithin
    query give the plain dwithin(point, own outlines, 0.01)."""
    from territoires.territory import checks
    from territoires.territory.reference import interior_cells

    outlines = [shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1), shapely.box(0, 1, 2, 2)]
    codes = ["01", "02", "03"]
    # edges off the grid's lines (1/32 degree): grid cells straddle them
    outlines.append(shapely.Polygon([(0.1013, 2.1007), (1.9021, 2.1309), (1.0037, 2.9011)]))
    codes.append("06")
    if split:  # a département in two outlines (one per CRS zone), and a hole
        outlines += [shapely.box(2, 0, 3, 1).difference(shapely.box(2.4, 0.4, 2.6, 0.6)), shapely.box(3.5, 0, 4, 1)]
        codes += ["05", "05"]
    outlines, codes = np.array(outlines, dtype=object), np.array(codes, dtype=object)
    of_code: dict = {}
    for i, c in enumerate(codes):
        of_code.setdefault(c, []).append(i)
    monkeypatch.setattr(checks, "_outline_index", lambda source: (outlines, codes, of_code))
    monkeypatch.setattr(checks, "_outline_tree", lambda source: shapely.STRtree(outlines))
    cells = interior_cells(outlines, codes) if grid else (np.empty(0, dtype=np.int64), [])
    monkeypatch.setattr(checks, "_interior", lambda source: cells)
    monkeypatch.setattr(checks, "_FEW", few)
    rng = np.random.default_rng(0)
    xy = rng.uniform(-0.05, 4.05, size=(800, 2)) * [1, 0.5]
    xy[:40, 0] = 1.0  # on the border of 01 and 02
    xy[40:60, 0] = 2.004  # just outside 02, within 0.01
    xy[60:80] = [2.5, 0.5]  # in the hole of 05
    xy[80:90] = [2.405, 0.5]  # in the hole, within 0.01 of 05
    near_edges = rng.uniform([0.05, 2.05], [1.95, 2.95], size=(1500, 2))  # around the triangle, many within a cell of its edges
    points = shapely.points(np.concatenate([xy, near_edges]))
    points[90] = shapely.LineString([(0.5, 0.5), (0.6, 0.6)])  # not a point: the index query alone
    deps = np.concatenate([rng.choice(np.array(["01", "02", "03", "04", "05"], dtype=object), size=len(xy)),
                           np.full(len(near_edges), "06", dtype=object)])
    deps[60:90:2] = "05"
    plain = np.array([any(c == d and shapely.dwithin(g, p, 0.01) for g, c in zip(outlines, codes, strict=True))
                      for p, d in zip(points, deps, strict=True)])
    inside, known = checks._near_departement("x", points, deps)
    assert inside.tolist() == plain.tolist() and 0 < inside.sum() < len(points)
    tri = plain[len(xy):]
    assert 0 < tri.sum() < len(tri)  # points of the triangle inside and outside it
    assert known.tolist() == np.isin(deps, codes).tolist()


@pytest.mark.parametrize("object_cantons", [False, True])
def test_site_points_are_the_sites_access_reads(object_cantons):
    """access reads site_points (no point objects): the same sites, columns and coordinates as from sites()."""
    from territoires.analysis.sitepoints import COLUMNS, SitePoints
    from territoires.territory.queries import site_points

    t = _territory(object_cantons)
    active = programme("france_services").active_status
    for as_of in (date(2018, 1, 1), date(2021, 9, 14), date(2024, 12, 31)):
        for neighbours in (False, True):
            plain = SitePoints(sites(t, "france_services", as_of=as_of, neighbours=neighbours), active)
            fast = SitePoints.of_lonlat(site_points(t, "france_services", as_of=as_of, neighbours=neighbours), active)
            assert len(fast) == len(plain) > 0
            np.testing.assert_array_equal(fast.xy("EPSG:2154"), plain.xy("EPSG:2154"))
            for c in COLUMNS:
                assert fast.columns[c].tolist() == plain.columns[c].tolist()
                rows = np.r_[np.arange(len(plain)), -1]
                assert list(fast.take(c, rows)) == list(plain.take(c, rows))


@pytest.mark.parametrize("as_of", ["2019-06-01", "2021-09-14", "2024-08-01", None])
def test_gaps_of_79_are_those_of_canton_coverage(as_of):
    # cantons_without_site builds only the gaps' rows; canton_coverage builds every unit: same gaps, dtypes and order
    # (79 has a canton group, Niort; 2024-08-01 and today have no gap: the empty table keeps the dtypes)
    import territoires

    t = territoires.load_territory("79")
    cov = canton_coverage(t, as_of=as_of)
    pd.testing.assert_frame_equal(cantons_without_site(t, as_of=as_of), _plain_gaps(cov), check_exact=True)
    some = sites(t, "france_services", as_of=as_of).iloc[::2]  # what-if: every other site
    pd.testing.assert_frame_equal(cantons_without_site(t, as_of=as_of, sites=some),
                                  _plain_gaps(canton_coverage(t, as_of=as_of, sites=some)), check_exact=True)


@pytest.mark.parametrize("deps", ["79", ["79", "971"]])
def test_canton_unit_codes_are_the_layer_columns_without_polygons(deps):
    import territoires
    from territoires.territory.loading import CANTON_UNIT_CODES, canton_unit_codes

    t = territoires.load_territory(deps)
    light = canton_unit_codes(t)
    if not t.is_multizone:  # read without the layer: no polygon decoded
        assert "canton_units" not in t.__dict__
    pd.testing.assert_frame_equal(light, t.canton_units[CANTON_UNIT_CODES], check_exact=True)
    pd.testing.assert_frame_equal(canton_unit_codes(t), t.canton_units[CANTON_UNIT_CODES], check_exact=True)  # once loaded: its columns
    synthetic = S.territory()
    pd.testing.assert_frame_equal(canton_unit_codes(synthetic), synthetic.canton_units[CANTON_UNIT_CODES], check_exact=True)
