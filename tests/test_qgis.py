"""The GeoPackage a QGIS user opens: typed fields, plain names, one drawing per commune, embedded styles."""

import json
import sqlite3
import xml.etree.ElementTree as ET

import geopandas as gpd
import pyogrio
import pytest
import shapely

from territoires.maps import style as S
from territoires.qml import layer_qml, qgis_color

pytestmark = pytest.mark.integration

AS_OF = "2021-09-14"


@pytest.fixture(scope="module")
def gpkg(t79, tmp_path_factory):
    from territoires.exports import to_geopackage

    return to_geopackage(t79, tmp_path_factory.mktemp("gpkg") / "79.gpkg", as_of=AS_OF)


def _styles(path) -> dict[str, ET.Element]:
    with sqlite3.connect(path) as db:
        rows = db.execute("SELECT f_table_name, styleQML, useAsDefault, f_geometry_column FROM layer_styles").fetchall()
    assert all(r[2] == 1 and r[3] == "geom" for r in rows)
    return {name: ET.fromstring(qml.split("\n", 1)[1]) for name, qml, *_ in rows}


def test_one_layer_per_level_and_programme_with_plain_names(gpkg):
    layers = [name for name, _ in pyogrio.list_layers(gpkg) if name != "layer_styles"]
    assert layers == ["communes", "cantons", "epci", "departement", "france_services", "conseillers_numeriques",
                      "pvd", "acv", "crte", "fonds_friches", "ingenierie_anct", "zones_blanches"]
    assert all(n.isascii() and n == n.lower() and " " not in n for n in layers)
    fs = pyogrio.read_dataframe(gpkg, layer="france_services")
    assert fs["statut"].value_counts().to_dict() == {"labellisée": 17, "en projet": 9}


def test_fields_are_typed_and_internal_columns_left_out(gpkg):
    for layer in ("communes", "cantons", "france_services", "pvd", "crte"):
        info = pyogrio.read_info(gpkg, layer=layer)
        types = dict(zip(info["fields"], info["ogr_types"], strict=True))
        assert not {"_line", "start_unknown", "origin", "origin_source", "canton_split"} & set(types), layer
        for name, kind in types.items():
            if name.startswith(("date_", "signe_le", "labellise_le", "projet_depuis")):
                assert kind == "OFTDate", (layer, name, kind)
            if name.startswith(("population", "n_communes")):
                assert kind == "OFTInteger", (layer, name, kind)
    assert pyogrio.read_info(gpkg, layer="communes")["crs"] == "EPSG:2154"


def test_split_commune_drawn_once_with_its_canton_codes(gpkg):
    cantons = pyogrio.read_dataframe(gpkg, layer="cantons")
    niort = shapely.get_geometry(gpd.read_file(gpkg, layer="communes").query("code_insee == '79191'").geometry.iloc[0], 0)
    holding = cantons[cantons.geometry.contains(niort.representative_point())]
    assert list(holding["nom"]) == ["Niort (cantons 1 à 3)"] and list(holding["cantons"]) == ["7910;7911;7912"]
    assert len(cantons) == 15 and cantons["code_canton"].is_unique


def test_embedded_qml_follows_the_maps_style_model(gpkg):
    styles = _styles(gpkg)
    assert set(styles) == {n for n, _ in pyogrio.list_layers(gpkg)} - {"layer_styles"}
    fs = styles["france_services"].find("renderer-v2")
    assert fs.get("type") == "categorizedSymbol" and fs.get("attr") == "statut"
    # one row is « labellisée » (as in the maps' popups), not « labellisées »; the style's classes are the data's values
    assert [c.get("value") for c in fs.iter("category")] == ["labellisée", "en projet", ""]
    assert set(gpd.read_file(gpkg, layer="france_services")["statut"]) == {"labellisée", "en projet"}
    colors = {o.get("name"): o.get("value") for o in fs.find("symbols/symbol[@name='0']").iter("Option") if o.get("name")}
    assert colors["color"] == qgis_color(S.BLEU_FRANCE) and colors["size_unit"] == "Point"
    project = {o.get("name"): o.get("value") for o in fs.find("symbols/symbol[@name='1']").iter("Option") if o.get("name")}
    assert project["outline_color"] == qgis_color(S.ORANGE_TERRE_BATTUE) and project["color"].endswith(",0")
    cantons = styles["cantons"]
    assert cantons.find("labeling/settings/text-style").get("fieldName") == "nom"
    line = {o.get("name"): o.get("value") for o in cantons.iter("Option") if o.get("name")}
    assert line["style"] == "no" and line["outline_color"] == qgis_color(S.LINES["canton"]["color"])
    crte = styles["crte"].find("renderer-v2")
    assert crte.get("attr") == "groupe" and len(crte.findall("categories/category")) == 7  # 6 contracts + "autre"
    pvd = {o.get("name"): o.get("value") for o in styles["pvd"].iter("Option") if o.get("name")}
    assert pvd["color"] == qgis_color(S.PROGRAMME_COLORS["pvd"])


def test_single_layers_as_geojson_and_flatgeobuf_are_named_after_the_layer(t79, tmp_path):
    from territoires.exports import write_layer

    g = write_layer(t79, "cantons", tmp_path / "79.geojson", as_of=AS_OF)
    doc = json.loads(g.read_text(encoding="utf-8"))
    assert doc["name"] == "cantons" and len(doc["features"]) == 15
    assert -1 < doc["features"][0]["geometry"]["coordinates"][0][0][0][0] < 0  # WGS 84 longitudes
    f = write_layer(t79, "france_services", tmp_path / "fs.fgb", as_of=AS_OF)
    assert [n for n, _ in pyogrio.list_layers(f)] == ["france_services"]
    assert len(pyogrio.read_dataframe(f)) == 26
    assert [p.name for p in tmp_path.iterdir()] and all(not p.name.startswith(".") for p in tmp_path.iterdir())
    with pytest.raises(KeyError, match="aucune ligne"):
        write_layer(t79, "couverture_mobile", tmp_path / "x.geojson", as_of=AS_OF)


def test_qml_is_well_formed_for_every_kind():
    for geom, sym in (("point", S.Symbol("point")), ("polygon", S.Symbol("line", dash="4 2")), ("line", S.Symbol("line"))):
        root = ET.fromstring(layer_qml(geom, sym, label="nom").split("\n", 1)[1])
        assert root.tag == "qgis" and root.find("layerGeometryType").text in "012"
