"""The curated tables' ``notes`` reach users (GeoPackage and CSV exports, the committee's report): they are French."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

import territoires

DATA = Path(territoires.__file__).parent / "data" / "programmes"
ENGLISH = re.compile(r"\b(the|not|of|only|found|renamed|same|listed|later|year|month|perimeter|project|shipped|latest|as)\b", re.I)
TABLES = sorted(p for p in DATA.glob("*/*.csv") if "notes" in pd.read_csv(p, dtype=str, nrows=0).columns)


def test_there_are_tables_with_notes():
    assert len(TABLES) >= 8


@pytest.mark.parametrize("path", TABLES, ids=[f"{p.parent.name}/{p.name}" for p in TABLES])
def test_notes_are_french(path):
    notes = pd.read_csv(path, dtype=str, keep_default_na=False)["notes"]
    english = [(i + 2, n) for i, n in enumerate(notes) if ENGLISH.search(n.replace("« ", "").split("»")[-1])]
    assert not english, f"{path.name}: English notes (line, text): {english}"
