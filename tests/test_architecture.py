"""The package's shape: no import cycle, data flowing one way, small modules."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("import_graph", ROOT / "docs" / "import_graph.py")
import_graph = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(import_graph)

#: modules over the limit that other work streams own and split (noted, not hidden)
#: every module of the package is under the limit now; none is excused
OVER_LIMIT_ELSEWHERE: set[str] = set()


def test_no_import_cycle():
    g = import_graph.graph()
    assert g["territoires.territory.core"], "the graph should see core's imports"
    assert import_graph.cycles(g) == []


def test_the_script_finds_a_cycle_when_there_is_one():
    g = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert import_graph.cycles(g) == [["a", "b", "c"]]


def test_no_upward_import_between_rooms():
    assert import_graph.upward(import_graph.graph()) == []


def test_modules_stay_under_400_lines():
    big = {m: n for m, n in import_graph.sizes().items() if n > import_graph.LIMIT}
    assert set(big) <= OVER_LIMIT_ELSEWHERE, big
