"""Every public analysis table of the 79 committee saves to Parquet and reads back whole.

pandas writes a table's ``attrs`` into the Parquet metadata as JSON: an attribute
that JSON cannot hold (a date, a Python object) made ``to_parquet`` fail.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest

from territoires import analysis as A

AS_OF = "2021-09-14"

TABLES = {
    "access_by_commune": lambda t: A.access_by_commune(t, as_of=AS_OF),
    "access_summary": lambda t: A.access_summary(A.access_by_commune(t, as_of=AS_OF)),
    "population_beyond": lambda t: A.population_beyond(A.access_by_commune(t, as_of=AS_OF)),
    "canton_coverage": lambda t: A.canton_coverage(t, as_of=AS_OF),
    "cantons_without_site": lambda t: A.cantons_without_site(t, as_of=AS_OF),
    "targets_progress": lambda t: A.targets_progress(t, as_of=AS_OF),
    "programme_changes": lambda t: A.programme_changes(t, "2021-01-01", AS_OF),
    "pvd_without_site": lambda t: A.pvd_without_site(t, as_of=AS_OF),
    "crte_check": lambda t: A.crte_check(t),
    "engineering_requests": lambda t: A.engineering_requests(t),
    "what_if": lambda t: A.what_if(t, as_of=AS_OF),
}


@pytest.mark.parametrize("name", sorted(TABLES))
def test_an_analysis_table_saves_to_parquet_and_reads_back(t79, tmp_path, name):
    table = TABLES[name](t79)
    path = tmp_path / f"{name}.parquet"
    table.to_parquet(path)
    back = (gpd.read_parquet if isinstance(table, gpd.GeoDataFrame) else pd.read_parquet)(path)
    assert list(back.columns) == list(table.columns) and len(back) == len(table) > 0
    assert set(back.attrs) == set(table.attrs)
    for k, v in table.attrs.items():
        if isinstance(v, (str, int, float, bool, list)):
            assert back.attrs[k] == v, k


def test_dates_in_attributes_are_iso_text(t79):
    assert A.targets_progress(t79, as_of=AS_OF).attrs["as_of"] == AS_OF
    ch = A.programme_changes(t79, "2021-01-01", AS_OF)
    assert (ch.attrs["depuis"], ch.attrs["au"]) == ("2021-01-01", AS_OF)
