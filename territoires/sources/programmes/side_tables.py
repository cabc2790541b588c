"""Readers of the curated side tables: published positions, indicators and table vintages.

Beside each programme table, ``data/programmes/<dep>/`` may hold
``<programme>_positions.csv`` (every position a site was published at, with
its date), ``indicateurs.csv`` (sourced figures and targets) and
``millesimes.csv`` (up to when each table is known). These readers parse and
check them; the territory's programme store calls each once per territory.
A bad cell is an :class:`~territoires.errors.InputError` naming the file, the
line and the column.
"""

from __future__ import annotations

import calendar
from datetime import date
from pathlib import Path

import pandas as pd

from territoires.errors import InputError
from territoires.sources.textio import DateError, parse_date, parse_float, read_rows

__all__ = [
    "INDICATOR_COLUMNS",
    "POSITION_COLUMNS",
    "VINTAGE_COLUMNS",
    "read_indicators",
    "read_positions",
    "read_vintages",
]

POSITION_COLUMNS = ["site_id", "position_date", "adresse", "latitude", "longitude", "source"]
INDICATOR_COLUMNS = ["departement", "programme", "indicateur", "libelle", "valeur", "unite", "date", "source", "notes"]
VINTAGE_COLUMNS = ["programme", "etat_connu_au", "precision", "source"]


def _frame(path: Path, required: list[str]) -> tuple[pd.DataFrame, list[int]]:
    rows = read_rows(path)
    missing = [c for c in required if c not in rows.header]
    if missing:
        raise InputError(path, f"colonne(s) manquante(s) {', '.join(missing)} ; en-tête : {', '.join(rows.header)}")
    if rows.malformed:
        line, reason = rows.malformed[0]
        raise InputError(path, reason, line=line)
    return pd.DataFrame(rows.rows, columns=rows.header), list(rows.lines)


def _dates(path: Path, frame: pd.DataFrame, lines: list[int], column: str, required: bool) -> list[date | None]:
    out = []
    for value, line in zip(frame[column], lines, strict=True):
        try:
            d = parse_date(value)
        except DateError as exc:
            raise InputError(path, str(exc), line=line, column=column) from None
        if d is None and required:
            raise InputError(path, "date vide", line=line, column=column)
        out.append(d)
    return out


def read_positions(path: str | Path) -> pd.DataFrame:
    """Published positions of sites: one row per (site, publication date).

    Parameters
    ----------
    path : str or Path
        A ``<programme>_positions.csv`` file.

    Returns
    -------
    DataFrame
        ``site_id, position_date`` (date), ``adresse, latitude, longitude``
        (floats), ``source``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "fs_positions.csv"
    >>> _ = p.write_text("site_id,position_date,adresse,latitude,longitude,source\\n"
    ...                  "460,31/03/2020,1 rue A,\\"46,31\\",-0.48,ANCT\\n", encoding="utf-8")
    >>> read_positions(p)[["site_id", "position_date", "latitude"]].to_dict("records")
    [{'site_id': '460', 'position_date': datetime.date(2020, 3, 31), 'latitude': 46.31}]
    """
    path = Path(path)
    frame, lines = _frame(path, POSITION_COLUMNS)
    frame["position_date"] = _dates(path, frame, lines, "position_date", required=True)
    for col in ("latitude", "longitude"):
        values = []
        for value, line in zip(frame[col], lines, strict=True):
            try:
                v = parse_float(value)
            except ValueError:
                raise InputError(path, f"pas un nombre : {value!r}", line=line, column=col) from None
            if v is None:
                raise InputError(path, "coordonnée vide", line=line, column=col)
            values.append(v)
        frame[col] = values
    return frame[POSITION_COLUMNS]


def read_indicators(path: str | Path) -> pd.DataFrame:
    """Sourced indicators and targets: ``departement, programme, indicateur, libelle, valeur, unite, date, source, notes``.

    ``libelle`` (the French label shown to users) is optional in the file; when
    absent it is the identifier with spaces.

    ``date`` (the date the source states the figure) is a ``datetime.date``;
    ``valeur`` stays text (its ``unite`` says how to read it).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "indicateurs.csv"
    >>> _ = p.write_text("departement,programme,indicateur,valeur,unite,date,source,notes\\n"
    ...                  "79,france_services,plafond_sites,23,sites,2021-09-14,CLCT,\\n", encoding="utf-8")
    >>> read_indicators(p).loc[0, ["indicateur", "valeur", "date"]].tolist()
    ['plafond_sites', '23', datetime.date(2021, 9, 14)]
    """
    path = Path(path)
    required = [c for c in INDICATOR_COLUMNS if c not in ("libelle", "notes")]
    frame, lines = _frame(path, required)
    if "notes" not in frame:
        frame["notes"] = ""
    if "libelle" not in frame:
        frame["libelle"] = frame["indicateur"].str.replace("_", " ")
    frame["date"] = _dates(path, frame, lines, "date", required=False)
    return frame[INDICATOR_COLUMNS]


def _period_end(value: str) -> tuple[date | None, str]:
    v = str(value or "").strip()
    if len(v) == 4 and v.isdigit():
        return date(int(v), 12, 31), "annee"
    if len(v) == 7 and v[4] == "-" and v[:4].isdigit() and v[5:].isdigit():
        y, m = int(v[:4]), int(v[5:])
        return date(y, m, calendar.monthrange(y, m)[1]), "mois"
    if v:
        return parse_date(v), "jour"
    return None, ""


def read_vintages(path: str | Path) -> pd.DataFrame:
    """Up to when each curated table is known: ``programme, etat_connu_au, precision, source``.

    ``etat_connu_au`` is the last day covered by the table's latest source (a
    month or a year stated alone counts up to its last day); ``precision`` is
    ``"jour"``, ``"mois"`` or ``"annee"``; both empty when no date is stated.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "millesimes.csv"
    >>> _ = p.write_text("programme,etat_connu_au,source\\nacv,2024-09,ANCT\\nzones_blanches,2015,Fr3\\n", encoding="utf-8")
    >>> read_vintages(p)[["etat_connu_au", "precision"]].values.tolist()
    [[datetime.date(2024, 9, 30), 'mois'], [datetime.date(2015, 12, 31), 'annee']]
    """
    path = Path(path)
    frame, lines = _frame(path, ["programme", "etat_connu_au", "source"])
    ends, precision = [], []
    for value, line in zip(frame["etat_connu_au"], lines, strict=True):
        try:
            d, p = _period_end(value)
        except (DateError, ValueError) as exc:
            raise InputError(path, str(exc), line=line, column="etat_connu_au") from None
        ends.append(d)
        precision.append(p)
    frame["etat_connu_au"] = ends
    frame["precision"] = precision
    return frame[VINTAGE_COLUMNS]
