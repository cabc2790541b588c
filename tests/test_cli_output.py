"""What the commands answer: the date, names beside codes, why a table is empty, JSON and CSV for programs."""

import json

import pytest

from territoires.cli import main

pytestmark = pytest.mark.integration


def test_json_on_stdout_is_the_table_alone(capsys):
    assert main(["gaps", "cantons", "--dept", "79", "--as-of", "2021-09-14", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["nom_canton"] for r in rows] == ["Frontenay-Rohan-Rohan", "La Gâtine", "Parthenay"]
    assert all(isinstance(r["population"], int) for r in rows)


def test_table_says_its_date_and_why_it_is_empty(capsys):
    assert main(["suggest", "--dept", "79", "-k", "2", "--threshold", "600", "--as-of", "2021-07-13"]) == 0
    out = capsys.readouterr().out
    assert "au 13/07/2021" in out
    assert "(aucune ligne : toutes les communes sont à moins de 600 min d'un site en service au 13/07/2021" in out
    assert main(["suggest", "--dept", "79", "-k", "2", "--threshold", "600", "--as-of", "2021-07-13", "--format", "csv"]) == 0
    captured = capsys.readouterr()
    assert captured.out.startswith("rang,") and "aucune ligne : toutes les communes" in captured.err


def test_names_beside_codes_and_french_cells(capsys):
    assert main(["suggest", "--dept", "79", "-k", "1", "--threshold", "20", "--as-of", "2021-07-13"]) == 0
    out = capsys.readouterr().out
    assert "nom_canton" in out and "Parthenay" in out
    assert main(["targets", "--dept", "79", "--as-of", "2022-12-31"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Objectifs France Services au 31/12/2022") and " oui " in out and "True" not in out


def test_boundaries_csv_of_any_layer(tmp_path, capsys):
    f = tmp_path / "cantons.csv"
    assert main(["boundaries", "--dept", "79", "--format", "csv", "--layer", "cantons", "--sep", ";", "--out", str(f)]) == 0
    text = f.read_text(encoding="utf-8")
    assert '7999;Niort (cantons 1 à 3);groupe;"7910;7911;7912";79191;1;' in text
    assert main(["boundaries", "--dept", "79", "--format", "csv", "--layer", "nulle-part", "--out", str(f)]) == 2
    assert "couche inconnue « nulle-part »" in capsys.readouterr().err
