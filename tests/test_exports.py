"""The one table writer: neutralised formula leads, integers as integers, French decimals, JSON twin."""

import csv
import json
from datetime import date

import numpy as np
import pandas as pd
import pytest

from territoires.exports import csv_text, json_text, neutralise, to_csv, write_table

HOSTILE = '=HYPERLINK("http://x","clic")'


def _table():
    return pd.DataFrame({
        "code_insee": ["79001", "79002", "79003", "79004", "79005", "79006"],
        "nom": [HOSTILE, "+33 6 12", "-2+3", "@SUM(A1)", "\tcach\u00e9", "\rretour"],
        "population": [979.0, 305.0, np.nan, 1200.0, 12.0, 4.0],
        "part": [9.9, 0.0333, -0.5, np.nan, 1.0, 2.25],
        "debut": [date(2021, 9, 14), None, date(2020, 1, 1), None, None, None],
        "couvert": [True, False, True, False, True, False],
    })


@pytest.mark.parametrize("text", [HOSTILE, "+1", "-1+2", "@A1", "\t=1", "\r=1"])
def test_every_formula_lead_is_neutralised(text):
    assert neutralise(text) == "'" + text


def test_hostile_name_opened_as_text_shows_the_neutralised_form(tmp_path):
    f = tmp_path / "communes.csv"
    to_csv(_table(), f, sep=";", bom=True)
    raw = f.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    text = raw.decode("utf-8-sig")
    assert '\'=HYPERLINK(""http://x"",""clic"")' in text  # quoted CSV field, the quote doubled
    lines = text.splitlines()
    assert lines[0] == "code_insee;nom;population;part;debut;couvert"
    assert lines[1] == '79001;"\'=HYPERLINK(""http://x"",""clic"")";979;9,9;2021-09-14;oui'
    for lead in ("'+33 6 12", "'-2+3", "'@SUM(A1)"):
        assert lead in text
    assert "=HYPERLINK" not in text.replace("'=HYPERLINK", "")
    # a CSV reader gets back exactly what a spreadsheet shows as text
    with open(f, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter=";"))
    assert [r["nom"][0] for r in rows] == ["'"] * 6
    assert [r["population"] for r in rows] == ["979", "305", "", "1200", "12", "4"]


def test_french_conventions_only_with_semicolon():
    fr = csv_text(_table(), sep=";").splitlines()
    en = csv_text(_table(), sep=",").splitlines()
    assert fr[2].endswith(";305;0,0333;;non") and en[2].endswith(",305,0.0333,,false")
    assert ";-0,5;2020-01-01;" in fr[3]  # a negative number stays a number
    assert "979.0" not in "".join(en) and ",979," in en[1]


def test_json_has_the_same_content():
    rows = json.loads(json_text(_table()))
    assert rows[0] == {"code_insee": "79001", "nom": HOSTILE, "population": 979, "part": 9.9, "debut": "2021-09-14", "couvert": True}
    assert rows[2]["population"] is None and rows[3]["part"] is None
    assert isinstance(rows[1]["population"], int)


def test_to_stdout_and_bad_separator(capsys):
    write_table(_table().head(1), None, "csv", sep=";")
    assert capsys.readouterr().out.startswith("code_insee;nom;")
    with pytest.raises(ValueError, match="un seul caractère"):
        csv_text(_table(), sep=";;")
    with pytest.raises(ValueError, match="format de tableau inconnu"):
        write_table(_table(), None, "xlsx")


def test_geometry_columns_are_left_out():
    import geopandas as gpd
    import shapely

    g = gpd.GeoDataFrame({"nom": ["a"]}, geometry=[shapely.Point(0, 0)], crs=2154)
    assert csv_text(g) == "nom\r\na\r\n"
