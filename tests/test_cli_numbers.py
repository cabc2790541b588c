"""The command line prints numbers the French way: decimal comma, thin no-break space between thousands."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from territoires import settings
from territoires.cli import main
from territoires.clitext import screen_table
from territoires.territory import derived

NNBSP = "\u202f"
#: a decimal point between digits: an English number
ENGLISH_DECIMAL = re.compile(r"\d\.\d")


def test_the_cache_command_prints_sizes_in_french(tmp_path, monkeypatch, capsys):
    from territoires.territory import cache

    monkeypatch.setattr(settings, "cache_dir", tmp_path)
    noise = np.random.default_rng(0).random(300_000)  # 2.4 MB that no codec shrinks
    cache.write(tmp_path, "k-1", {"a": pd.DataFrame({"x": noise})}, {"source": "test", "vintage": "1", "departements": ["79"]})
    derived.save("essais", "t", derived.key_of("a"), pd.DataFrame({"x": noise}))
    assert main(["cache"]) == 0
    out = capsys.readouterr().out
    sizes = re.findall(r"(\S+) Mo$", out, flags=re.M)
    assert len(sizes) == 2 and all(re.fullmatch(r"2,\d", s) for s in sizes), out
    assert not ENGLISH_DECIMAL.search(out.replace(str(tmp_path), "")), out
    assert main(["cache", "--clear"]) == 0
    out = capsys.readouterr().out
    assert re.search(r"\((\d+,\d|\d+) Mo libérés\)", out) and not ENGLISH_DECIMAL.search(out.replace(str(tmp_path), "")), out


def test_screen_tables_group_thousands_and_use_a_decimal_comma():
    table = screen_table(pd.DataFrame({"population": [18412, 979, 1234567], "part": [0.1831, 0.5, 12.25]}))
    assert table["population"].tolist() == [f"18{NNBSP}412", "979", f"1{NNBSP}234{NNBSP}567"]
    assert table["part"].tolist() == ["0,1831", "0,5", "12,25"]


@pytest.mark.integration
def test_gaps_access_prints_french_numbers(t79, capsys):
    assert main(["gaps", "access", "--dept", "79", "--as-of", "2021-07-13", "--circuity", "1.3", "--speed", "60"]) == 0
    out = capsys.readouterr().out
    lines = re.findall(r"au-delà de (\d+) min : ([\d\u202f]+) habitants \(([\d,]+) %\), ([\d\u202f]+) communes", out)
    assert [s for s, *_ in lines] == ["20", "30"]
    for _, people, part, _n in lines:
        assert re.fullmatch(r"\d{1,3}(\u202f\d{3})*", people) and re.fullmatch(r"\d+,\d\d", part), lines
    assert int(lines[1][1].replace(NNBSP, "")) > 999  # a figure big enough to be grouped
    assert not ENGLISH_DECIMAL.search(out) and not re.search(r"\d,\d{3}\b(?!\d)(?= habitants)", out), out
    # the table: populations grouped by thousands
    assert re.search(rf"\b\d{{2}}{NNBSP}\d{{3}}\b", out.split("\n", 4)[-1]), out
