"""Normalisation shared by every programme reader: the row-by-row reference and its helpers.

A reader describes a file layout as a *mapping* from normalised column to
source column (or to a function of the row); :func:`normalise_rows` applies it
row by row (the plain reference; the readers use
:func:`territoires.sources.programmes.columnar.normalise`, the same result a
column at a time),
checks each value and fills the rejection report. Nothing is dropped
silently: a row either loads or is rejected with its line, column and reason.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import date, timedelta

import pandas as pd

from territoires.naming import INSEE_RE, pad_insee
from territoires.sources.programmes.model import (
    DATE_COLUMNS,
    MEMBER_COLUMNS,
    SITE_COLUMNS,
    Report,
)
from territoires.sources.textio import DateError, Rows, parse_date, parse_float

__all__ = [
    "EARLIEST",
    "FUTURE_MARGIN_DAYS",
    "UNIT_TYPES",
    "normalise_rows",
    "raise_missing",
    "row_unit_type",
]

Source = str | Callable[[dict], object] | None

#: Dates later than this many days after today are reported as in the future.
FUTURE_MARGIN_DAYS = 366
EARLIEST = date(1990, 1, 1)
UNIT_TYPES = {"commune", "epci", "group"}


def _get(row: dict, src: Source):
    if src is None:
        return None
    if callable(src):
        return src(row)
    return row.get(src)


def normalise_rows(
    rows: Rows,
    kind: str,
    mapping: dict[str, Source],
    report: Report,
    required: tuple[str, ...] = (),
    id_column: str | None = None,
    keep_extra: bool | list[str] = False,
    today: date | None = None,
) -> pd.DataFrame:
    """Apply ``mapping`` to every row of ``rows`` and validate the values, row by row.

    The plain reference of the readers' :func:`territoires.sources.programmes.columnar.normalise`
    (which gives the same frame and report a column at a time): kept to pin it.

    Parameters
    ----------
    rows : parsed file
    kind : ``"sites"`` or ``"members"``
    mapping : normalised column → source column name or function of the row
    report : where problems go
    required : normalised columns that must be non-empty
    id_column : normalised column whose values must be unique
    keep_extra : also keep the file's unmapped columns (True) or these ones
    """
    today = today or date.today()
    base = SITE_COLUMNS if kind == "sites" else MEMBER_COLUMNS
    # Columns the mapping names must exist in the header.
    for target, src in mapping.items():
        if isinstance(src, str) and src not in rows.header and target in required:
            raise_missing(rows, src, target)
    for line, reason in rows.malformed:
        report.reject(line, None, None, reason)
    for line, doubt in getattr(rows, "notes", []):
        report.warn(line, None, None, doubt)
    used = {s for s in mapping.values() if isinstance(s, str)}
    extras = (
        [h for h in rows.header if h not in used and h not in mapping]
        if keep_extra is True
        else list(keep_extra or [])
    )
    out: list[dict] = []
    seen: dict[str, tuple[int, dict]] = {}
    names = {t: _name(mapping, t, rows.header) for t in mapping}
    getters = {t: (s.bind(rows.header) if hasattr(s, "bind") else s) for t, s in mapping.items()}
    for row, line in zip(rows.rows, rows.lines, strict=True):
        rec: dict = {}
        ok = True
        for target, src in getters.items():
            col = names[target]
            try:
                value = _get(row, src)
            except (ValueError, KeyError, TypeError) as exc:
                report.reject(line, col, None, str(exc))
                ok = False
                continue
            text = "" if value is None else str(value).strip()
            if target in DATE_COLUMNS:
                try:
                    d = parse_date(text) if not isinstance(value, date) else value
                except DateError as exc:
                    report.reject(line, col, text, str(exc))
                    ok = False
                    continue
                if d is not None and d > today + timedelta(days=FUTURE_MARGIN_DAYS):
                    report.warn(line, col, text, f"date dans le futur ({d.isoformat()})")
                if d is not None and d < EARLIEST:
                    report.reject(line, col, text, f"date antérieure à {EARLIEST.year} : {d.isoformat()} n'est pas une date de programme")
                    ok = False
                    continue
                rec[target] = d
            elif target in ("latitude", "longitude"):
                try:
                    rec[target] = parse_float(text)
                except ValueError:
                    report.reject(line, col, text, "pas un nombre")
                    ok = False
                    continue
                if rec[target] is not None and not math.isfinite(rec[target]):
                    report.reject(line, col, text, f"{target} n'est pas un nombre fini (NaN ou infini) : le site n'aurait pas de position")
                    ok = False
            elif target == "code_insee" or (target == "unit_code" and row_unit_type(mapping, row) == "commune"):
                code = pad_insee(text)
                if code is not None and not INSEE_RE.match(code):
                    report.reject(line, col, text, "pas un code commune INSEE (5 caractères, p. ex. 79191 ou 2A004)")
                    ok = False
                    continue
                rec[target] = code
            elif target == "code_postal":
                rec[target] = text.zfill(5) if text.isdigit() and len(text) < 5 else (text[:-2].zfill(5) if text.endswith(".0") and text[:-2].isdigit() else text) or None
            else:
                rec[target] = text or None
        if not ok:
            continue
        missing = [t for t in required if rec.get(t) in (None, "")]
        if missing:
            t = missing[0]
            report.reject(line, _name(mapping, t, rows.header), None, f"champ obligatoire {t!r} vide")
            continue
        if kind == "sites" and not _check_coordinates(rec, line, mapping, report, rows.header):
            continue
        if kind == "members" and rec.get("unit_type") and rec["unit_type"] not in UNIT_TYPES:
            report.reject(line, _name(mapping, "unit_type"), rec["unit_type"], f"unit_type doit être l'une des valeurs {sorted(UNIT_TYPES)}")
            continue
        for a, b in (("project_from", "start_date"), ("start_date", "end_date")):
            if rec.get(a) and rec.get(b) and rec[a] > rec[b]:
                report.reject(line, _name(mapping, b, rows.header), rec[b], f"{b} {rec[b]} est antérieure à {a} {rec[a]}")
                ok = False
                break
        if not ok:
            continue
        for h in extras:
            rec[h] = row.get(h) or None
        if id_column and rec.get(id_column):
            key = str(rec[id_column])
            if key in seen:
                first_line, first = seen[key]
                same = {k: v for k, v in first.items() if k != "_line"} == rec
                reason = (
                    f"doublon exact de la ligne {first_line}"
                    if same
                    else f"{id_column} {key!r} en double (première occurrence ligne {first_line}) avec des données différentes"
                )
                report.reject(line, _name(mapping, id_column, rows.header), key, reason)
                continue
            seen[key] = (line, dict(rec))
        rec["_line"] = line
        out.append(rec)
    frame = pd.DataFrame(out, columns=list(dict.fromkeys([*base, *mapping, *extras, "_line"])))
    frame.attrs["source_columns"] = {t: _name(mapping, t, rows.header) for t in mapping}
    return frame


def _name(mapping, target, header=None):
    src = mapping.get(target)
    if isinstance(src, str):
        return src
    if hasattr(src, "resolve") and header is not None:
        return src.resolve(header)
    return target


def row_unit_type(mapping, row) -> str | None:
    src = mapping.get("unit_type")
    v = _get(row, src)
    return str(v).strip() if v else None


def _check_coordinates(rec: dict, line: int, mapping, report: Report, header=None) -> bool:
    lat, lon = rec.get("latitude"), rec.get("longitude")
    if lat is None and lon is None:
        return True
    if (lat is None) != (lon is None):
        t = "latitude" if lat is None else "longitude"
        report.reject(line, _name(mapping, t, header), None, "une seule coordonnée renseignée : donner la latitude et la longitude, ou aucune")
        return False
    if abs(lat) > 90 or abs(lon) > 180:
        report.reject(line, _name(mapping, "latitude", header), f"{lat}, {lon}", _outside_reason(lat, lon))
        return False
    return True


def _outside_reason(lat: float, lon: float) -> str:
    """Why coordinates outside the WGS 84 bounds are rejected."""
    if abs(lat) > 1000 and abs(lon) > 1000:
        return "coordonnées en mètres projetés (Lambert-93 ?), pas en degrés WGS 84"
    return "coordonnées hors des bornes WGS 84 (latitude entre -90 et 90, longitude entre -180 et 180)"


def raise_missing(rows: Rows, column: str, target: str):
    from territoires.errors import InputError

    raise InputError(
        rows.path,
        f"column {column!r} (for {target}) not found in the header; columns present: {', '.join(rows.header)}",
        line=1,
        column=column,
    )
