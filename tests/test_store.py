"""The programme store reads each side file once per territory."""

from __future__ import annotations

import pytest

import territoires
from territoires import analysis as A
from territoires.sources.programmes import side_tables


@pytest.fixture
def counted(monkeypatch):
    calls = {"read_positions": 0, "read_indicators": 0, "read_vintages": 0}
    for name in calls:
        real = getattr(side_tables, name)

        def wrapper(path, _real=real, _name=name):
            calls[_name] += 1
            return _real(path)

        monkeypatch.setattr(side_tables, name, wrapper)
    return calls


@pytest.mark.integration
def test_positions_are_read_once_per_territory(counted):
    t = territoires.load_territory("79")  # a new territory: a new store
    assert counted["read_positions"] == 0
    A.changes_between(t, "2021-01-01", "2021-09-14", programme="france-services")
    for year in range(2019, 2025):
        t.sites("france_services", as_of=f"{year}-06-30")
        t.sites("fs", as_of=f"{year}-12-31", neighbours=True)
    assert counted["read_positions"] == 1  # 79 has one positions file (France Services)
    A.targets_progress(t, "2021-09-14")
    t.indicators("france_services")
    assert counted["read_indicators"] == 1
    other = territoires.load_territory("79")
    other.sites("france_services", as_of="2021-09-14")
    assert counted["read_positions"] == 2  # once more for the other territory, not per call


def test_bad_position_date_names_file_line_and_column(tmp_path):
    p = tmp_path / "france_services_positions.csv"
    p.write_text(
        "site_id,position_date,adresse,latitude,longitude,source\n"
        "1,2020-03-31,a,46.3,-0.4,s\n"
        "2,31/13/2020,b,46.3,-0.4,s\n",
        encoding="utf-8",
    )
    with pytest.raises(territoires.InputError) as err:
        side_tables.read_positions(p)
    assert (err.value.line, err.value.column) == (3, "position_date")
    assert str(p) in str(err.value)
