"""Numbers shown to users are French: decimal comma, thousands grouped by a narrow no-break space."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from territoires.french import THIN, number, percent
from territoires.sources.programmes import ProgrammeTable


@pytest.mark.parametrize(("x", "digits", "text"), [
    (0, 2, "0"), (7, 2, "7"), (2631, 2, f"2{THIN}631"), (1234567, 2, f"1{THIN}234{THIN}567"), (-1234, 2, f"-1{THIN}234"),
    (3.0, 2, "3"), (9.754, 2, "9,75"), (1234.56, 1, f"1{THIN}234,6"), (0.5, 1, "0,5"), (-0.25, 1, "-0,2"),
])
def test_number(x, digits, text):
    assert number(x, digits) == text


def test_percent():
    assert percent(0.0426) == "4,3 %" and percent(0) == "0,0 %"
    assert percent(0.12345, 2) == "12,35 %" and percent(1.0) == "100,0 %" and percent(12.5, 0) == f"1{THIN}250 %"


def test_list_summary_groups_thousands():
    t = ProgrammeTable("france_services", "sites", "liste.csv", pd.DataFrame({"x": range(2631)}),
                       pd.DataFrame(columns=["file", "line", "column", "value", "reason", "severity"]), 2631, "test")
    assert f"2{THIN}631 lignes lues, 2{THIN}631 chargées, 0 rejetées" in t.summary()


def test_choropleth_values_and_classes_are_french(t79):
    from territoires.maps import choropleth_map

    layer = choropleth_map(t79).layers[0].data
    values = layer["valeur"][layer["valeur"] != ""]
    assert len(values) and not values.str.contains(r"\.").any()  # 1 234,5 — never 1,234.5 nor 1234.5
    assert values.str.fullmatch(r"-?\d{1,3}(\u202f\d{3})*(,\d)?").all()
    decimals = values[values.str.contains(",")]
    assert len(decimals) > 100  # densities with a decimal part
    for label in layer["classe"].unique():
        if label != "sans donnée":
            assert re.fullmatch(r"\d{1,3}(\u202f\d{3})* – \d{1,3}(\u202f\d{3})*", label), label


def test_choropleth_subtitle_groups_the_count_not_the_departement_list():
    import territoires
    from territoires.maps import choropleth_map

    spec = choropleth_map(territoires.load_territory(["79", "86"]))
    assert spec.subtitle.startswith("79, 86 — ")  # the list's comma stays a comma
    assert "communes, classes par quantiles" in spec.subtitle
    assert re.search(r"— \d{1,3}(\u202f\d{3})* communes", spec.subtitle)


def test_programme_summary_groups_indicator_values(t79):
    from territoires.analysis.summary import programme_summary

    text = " ".join(programme_summary(t79, as_of="2024-08-01").astype(str).to_numpy().ravel())
    assert not re.search(r"\d,\d{3}\b", text)  # never an English thousands comma
    assert re.search(r"\d\u202f\d{3}", text)  # 79's indicators include amounts in thousands, grouped


def test_counts_are_singular_below_two():
    from territoires.french import count

    assert [count(n, "site compté", "sites comptés") for n in (0, 1, 2)] == ["0 site compté", "1 site compté", "2 sites comptés"]
    assert count(34875, "commune") == "34\u202f875 communes"


def test_the_access_note_says_0_site_in_the_singular():
    import pandas as pd

    from territoires.maps.notes import access_note

    acc = pd.DataFrame({"population": [100.0], "minutes": [10.0], "population_au_dela_20": [0.0], "population_au_dela_30": [0.0]})
    acc.attrs.update(nb_sites=0, nb_sites_hors_territoire=0)
    assert access_note(acc, 30).endswith("— 0 site compté, dont 0 hors du département.")
