"""The plain row-by-row normalisation: the reference :func:`columnar.normalise` is pinned against.

It was the readers' normalisation before the column-at-a-time one
(:mod:`territoires.sources.programmes.columnar`); it lives here, with the
tests, so that the package holds one implementation of the rules and the
tests an independent, obviously correct one (tests/test_columnar.py).
"""

from __future__ import annotations

import math
from datetime import date, timedelta

import pandas as pd

from territoires.naming import INSEE_RE, pad_insee
from territoires.sources.programmes.engine import (
    EARLIEST,
    FUTURE_MARGIN_DAYS,
    UNIT_TYPES,
    _get,
    _name,
    _outside_reason,
    raise_missing,
    row_unit_type,
)
from territoires.sources.programmes.model import DATE_COLUMNS, MEMBER_COLUMNS, SITE_COLUMNS, Report
from territoires.sources.textio import DateError, Rows, parse_date, parse_float


def normalise_rows(
    rows: Rows,
    kind: str,
    mapping: dict,
    report: Report,
    required: tuple[str, ...] = (),
    id_column: str | None = None,
    keep_extra: bool | list[str] = False,
    today: date | None = None,
) -> pd.DataFrame:
    """Apply ``mapping`` to every row of ``rows`` and validate the values, row by row.

    The plain reference of the readers' :func:`territoires.sources.programmes.columnar.normalise`
    (which gives the same frame and report a column at a time).

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
