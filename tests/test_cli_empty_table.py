"""A programme whose table holds no row and no known state is no data: gaps and suggest say so, never « every canton is a gap »."""

from __future__ import annotations

import pytest

from territoires.cli import main


@pytest.mark.parametrize("command", [
    ["gaps", "cantons"],
    ["gaps", "access"],
    ["suggest", "-k", "1"],
])
def test_an_empty_curated_table_is_an_error_not_a_gap_everywhere(command, capsys):
    # 79's couverture_mobile.csv ships empty: the New Deal Mobile site list was not found (millesimes.csv: no date)
    assert main([*command, "--dept", "79", "--programme", "couverture-mobile", "--as-of", "2021-09-14"]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith("territoires : erreur : aucune donnée couverture-mobile pour 79 : la table du projet est vide"), err
    assert err.count("\n") == 1


def test_a_table_with_rows_is_still_answered(capsys):
    assert main(["gaps", "cantons", "--dept", "79", "--programme", "conseillers-numeriques", "--as-of", "2021-09-14"]) == 0
    assert capsys.readouterr().out.startswith("Cantons sans site labellisé (conseillers_numeriques) au 14/09/2021")
