"""Answers on a date after the data's vintage say which state they show (« état connu au … »), on every command."""

from __future__ import annotations

import io

import pandas as pd
import pytest

from territoires.cli import main

AFTER, BEFORE = "2025-06-01", "2021-09-14"  # the curated 79 France Services list is known up to 01/08/2024


@pytest.mark.parametrize("command", [
    ["gaps", "access", "--dept", "79"],
    ["suggest", "--dept", "79", "-k", "1", "--threshold", "20"],
    ["gaps", "cantons", "--dept", "79"],
])
def test_the_vintage_is_printed_beside_a_later_answer(command, capsys):
    assert main([*command, "--as-of", AFTER]) == 0
    head = capsys.readouterr().out.splitlines()[0]
    assert "(état connu au 01/08/2024)" in head, head
    assert main([*command, "--as-of", BEFORE]) == 0
    assert "état connu" not in capsys.readouterr().out


@pytest.mark.parametrize("command", [
    ["gaps", "access", "--dept", "79"],
    ["suggest", "--dept", "79", "-k", "1", "--threshold", "20"],
])
def test_the_vintage_is_a_column_of_csv_output(command, capsys):
    assert main([*command, "--as-of", AFTER, "--format", "csv"]) == 0
    table = pd.read_csv(io.StringIO(capsys.readouterr().out), dtype=str)
    assert (table["etat_connu_au"] == "01/08/2024").all() and len(table)
    assert main([*command, "--as-of", BEFORE, "--format", "csv"]) == 0
    assert pd.read_csv(io.StringIO(capsys.readouterr().out), dtype=str, keep_default_na=False)["etat_connu_au"].eq("").all()
