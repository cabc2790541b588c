"""Normalisation of a programme file's rows, a column at a time.

:func:`normalise` gives exactly what a plain row-by-row loop gives (the
reference it is pinned against, tests/reference_normalise.py): the
same frame (columns, dtypes, values) and the same report lines in the same
order. It takes each mapped column whole, parses each distinct date, code
and postcode once, and keeps the per-row Python work to the rows that have
something to report. Report lines are collected per row, in the reference's
order (the cells in mapping order, then at most one row rejection:
required field, coordinates, unit type, date order, duplicate id), and
written row by row at the end.
"""

from __future__ import annotations

import math
import re
from datetime import date, timedelta

import numpy as np
import pandas as pd

from territoires.naming import INSEE_RE, pad_insee
from territoires.sources.programmes.engine import (
    EARLIEST,
    FUTURE_MARGIN_DAYS,
    UNIT_TYPES,
    Source,
    _name,
    _outside_reason,
    raise_missing,
    row_unit_type,
)
from territoires.sources.programmes.model import DATE_COLUMNS, MEMBER_COLUMNS, SITE_COLUMNS, Report
from territoires.sources.textio import DateError, Rows, parse_date, parse_float

__all__ = ["normalise"]

_ERRORS = (ValueError, KeyError, TypeError)


def _values(table: Rows, src, header: list[str]) -> tuple[list, dict[int, str]]:
    """The source's value on every row, and the rows where getting it failed (row → message).

    The same values as the reference's ``_get(row, getter)`` row by row
    (``getter`` bound to the header when the source can be): a whole column
    at once when the source knows how (``values_of``, reading the file's
    columns), else the getter row by row; row by row again, catching, only
    when some row failed.
    """
    if src is None:
        return [None] * len(table.lines), {}
    if isinstance(src, str):
        return list(table.column(src)), {}
    getter = src.bind(header) if hasattr(src, "bind") else src
    try:
        if hasattr(src, "values_of"):
            return src.values_of(table, header), {}
        return [getter(r) for r in table.rows], {}
    except _ERRORS:
        pass
    out, failed = [], {}
    for i, r in enumerate(table.rows):
        try:
            out.append(getter(r))
        except _ERRORS as exc:
            out.append(None)
            failed[i] = str(exc)
    return out, failed


def _text(value) -> str:
    return "" if value is None else str(value).strip()


#: The official lists' date forms ("Espace labellisé 01/09/2020", "01/09/2020"): what parse_date reads them as, sooner.
_DMY_FAST = re.compile(r"(?:Espace labellisé )?([0-9]{2})/([0-9]{2})/([0-9]{4})")


def _parse_date(text: str) -> date | None:
    """``parse_date(text)``: the common forms read directly, any other text (or an impossible date) by ``parse_date``."""
    m = _DMY_FAST.fullmatch(text)
    if m:
        try:
            return date(int(m[3]), int(m[2]), int(m[1]))
        except ValueError:
            pass  # parse_date raises the DateError with its message
    return parse_date(text)


def _date_cell(value, latest: date):
    """(value, events, ok) of one date cell; events are (severity, text, reason)."""
    text = _text(value)
    try:
        d = _parse_date(text) if not isinstance(value, date) else value
    except DateError as exc:
        return None, [("rejected", text, str(exc))], False
    events = []
    if d is not None and d > latest:
        events.append(("warning", text, f"date dans le futur ({d.isoformat()})"))
    if d is not None and d < EARLIEST:
        events.append(("rejected", text, f"date antérieure à {EARLIEST.year} : {d.isoformat()} n'est pas une date de programme"))
        return None, events, False
    return d, events, True


def _float_cell(value, target: str):
    text = _text(value)
    try:
        x = parse_float(text)
    except ValueError:
        return None, [("rejected", text, "pas un nombre")], False
    if x is not None and not math.isfinite(x):
        return x, [("rejected", text, f"{target} n'est pas un nombre fini (NaN ou infini) : le site n'aurait pas de position")], False
    return x, [], True


def _code_cell(value):
    text = _text(value)
    code = pad_insee(text)
    if code is not None and not INSEE_RE.match(code):
        return None, [("rejected", text, "pas un code commune INSEE (5 caractères, p. ex. 79191 ou 2A004)")], False
    return code, [], True


def _postcode_cell(value):
    text = _text(value)
    return (text.zfill(5) if text.isdigit() and len(text) < 5 else (text[:-2].zfill(5) if text.endswith(".0") and text[:-2].isdigit() else text) or None), [], True


def _cells(raw: list, cell) -> tuple[list, list]:
    """``cell`` on every value: (results, [(row, (value, events, ok))] of the rows with events or failures).

    Computed once per distinct value when the values are all text or None
    (dates and codes repeat); value by value otherwise.
    """
    if set(map(type, raw)) <= {str, type(None)}:
        results = {v: cell(v) for v in dict.fromkeys(raw)}
        flagged = {v for v, r in results.items() if r[1] or not r[2]}
        return [results[v][0] for v in raw], ([(i, results[v]) for i, v in enumerate(raw) if v in flagged] if flagged else [])
    res = [cell(v) for v in raw]
    return [r[0] for r in res], [(i, r) for i, r in enumerate(res) if r[1] or not r[2]]


def _code_cells(raw: list) -> tuple[list, list]:
    """:func:`_code_cell` on every value, as :func:`_cells` returns it.

    Five ASCII digits are a code as they stand (``pad_insee`` keeps them,
    ``INSEE_RE`` matches them): only the other values go through the cell.
    """
    if not set(map(type, raw)) <= {str, type(None)}:
        return _cells(raw, _code_cell)
    out = [v if v is not None and len(v) == 5 and v.isascii() and v.isdigit() else None for v in raw]
    rest = [i for i, v in enumerate(out) if v is None]
    if not rest:
        return out, []
    sub, flagged = _cells([raw[i] for i in rest], _code_cell)
    for i, v in zip(rest, sub, strict=True):
        out[i] = v
    return out, [(rest[j], r) for j, r in flagged]


def _float_cells(raw: list, target: str) -> tuple[list, list]:
    """:func:`_float_cell` on every value, as :func:`_cells` returns it.

    Text that ``float`` reads as a finite number has neither a space nor a
    comma inside: ``parse_float`` reads it the same, so it is not called;
    when every value is such text, the column is read in one pass.
    """
    if set(map(type, raw)) == {str}:
        try:
            xs = list(map(float, raw))
        except ValueError:
            pass
        else:
            if all(map(math.isfinite, xs)):
                return xs, []
    out, flagged = [], []
    for i, v in enumerate(raw):
        if type(v) is str:
            try:
                x = float(v)
            except ValueError:
                pass
            else:
                if math.isfinite(x):
                    out.append(x)
                    continue
        r = _float_cell(v, target)
        out.append(r[0])
        if r[1] or not r[2]:
            flagged.append((i, r))
    return out, flagged


def _memo(cell):
    """``cell`` computed once per distinct value (values of one type and hash: text, dates, None)."""
    seen: dict = {}

    def once(value):
        try:
            k = (type(value), value)
            hit = seen.get(k)
        except TypeError:  # unhashable: not memoised
            return cell(value)
        if hit is None:
            hit = seen[k] = cell(value)
        return hit

    return once


def normalise(
    rows: Rows,
    kind: str,
    mapping: dict[str, Source],
    report: Report,
    required: tuple[str, ...] = (),
    id_column: str | None = None,
    keep_extra: bool | list[str] = False,
    today: date | None = None,
) -> pd.DataFrame:
    """Apply ``mapping`` to every row of ``rows`` and validate the values, a column at a time.

    The same frame and the same report lines, in the same order, as the
    plain row-by-row reference (tests/reference_normalise.py).

    Examples
    --------
    >>> from territoires.sources.textio import read_rows
    >>> rows = read_rows(b"id,insee,lat,lon\\n1,1053,46.2,5.2\\n2,79191,,\\n", "exemple.csv")
    >>> report = Report("exemple.csv")
    >>> frame = normalise(rows, "sites", {"site_id": "id", "code_insee": "insee", "latitude": "lat", "longitude": "lon"}, report)
    >>> frame["code_insee"].tolist(), len(report.lines)
    (['01053', '79191'], 0)
    """
    today = today or date.today()
    latest = today + timedelta(days=FUTURE_MARGIN_DAYS)
    base = SITE_COLUMNS if kind == "sites" else MEMBER_COLUMNS
    header = rows.header
    for target, src in mapping.items():
        if isinstance(src, str) and src not in header and target in required:
            raise_missing(rows, src, target)
    for line, reason in rows.malformed:
        report.reject(line, None, None, reason)
    for line, doubt in getattr(rows, "notes", []):
        report.warn(line, None, None, doubt)
    used = {s for s in mapping.values() if isinstance(s, str)}
    extras = [h for h in header if h not in used and h not in mapping] if keep_extra is True else list(keep_extra or [])
    lines, n = rows.lines, len(rows.lines)
    names = {t: _name(mapping, t, header) for t in mapping}
    events: dict[int, list] = {}  # row → [(severity, column, value, reason)], in the reference's order
    ok = np.ones(n, dtype=bool)
    cols: dict[str, list] = {}
    unit_types = None
    for target, src in mapping.items():
        col = names[target]
        raw, failed = _values(rows, src, header)
        if target in DATE_COLUMNS:
            out, flagged = _cells(raw, lambda v: _date_cell(v, latest))
        elif target in ("latitude", "longitude"):
            out, flagged = _float_cells(raw, target)
        elif target == "code_insee":
            out, flagged = _code_cells(raw)
        elif target == "unit_code":
            if unit_types is None:  # evaluated as the reference does: only where the value was read
                unit_types = [None if i in failed else row_unit_type(mapping, r) for i, r in enumerate(rows.rows)]
            code, plain = _memo(_code_cell), _memo(lambda v: (_text(v) or None, [], True))
            res = [(code if t == "commune" else plain)(v) for t, v in zip(unit_types, raw, strict=True)]
            out, flagged = [r[0] for r in res], [(i, r) for i, r in enumerate(res) if r[1] or not r[2]]
        elif target == "code_postal":
            out, flagged = _cells(raw, _postcode_cell)
        elif set(map(type, raw)) <= {str, type(None)}:
            if None in raw:
                out, flagged = [(v.strip() or None) if v else None for v in raw], []
            else:  # all text: the same, stripped in one pass
                out, flagged = [v or None for v in map(str.strip, raw)], []
        else:
            out, flagged = [_text(v) or None for v in raw], []
        for i, (_, cell_events, cell_ok) in flagged:
            if cell_events:
                events.setdefault(i, []).extend((sev, col, text, reason) for sev, text, reason in cell_events)
            if not cell_ok:
                ok[i] = False
        for i, message in failed.items():  # the getter failed: its event comes in mapping order too
            events.setdefault(i, []).append(("rejected", col, None, message))
            ok[i] = False
            out[i] = None
        cols[target] = out
    alive = ok.copy()

    def reject(mask: np.ndarray, column_of_row, value_of, reason_of) -> None:
        for i in np.flatnonzero(mask).tolist():
            events.setdefault(i, []).append(("rejected", column_of_row(i), value_of(i), reason_of(i)))
        alive[mask] = False

    def column_of(t: str) -> list:
        return cols[t] if t in cols else [None] * n

    # required fields: the first one missing
    for t in required:
        vals = column_of(t)
        missing = alive & np.fromiter((v in (None, "") for v in vals), dtype=bool, count=n)
        reject(missing, lambda i, t=t: _name(mapping, t, header), lambda i: None, lambda i, t=t: f"champ obligatoire {t!r} vide")
    if kind == "sites":
        lat, lon = column_of("latitude"), column_of("longitude")
        no_lat = np.fromiter((v is None for v in lat), dtype=bool, count=n)
        no_lon = np.fromiter((v is None for v in lon), dtype=bool, count=n)
        reject(alive & (no_lat != no_lon), lambda i: _name(mapping, "latitude" if no_lat[i] else "longitude", header), lambda i: None,
               lambda i: "une seule coordonnée renseignée : donner la latitude et la longitude, ou aucune")
        both = alive & ~no_lat & ~no_lon
        y = np.array([v if b else 0.0 for v, b in zip(lat, both, strict=True)], dtype=float)
        x = np.array([v if b else 0.0 for v, b in zip(lon, both, strict=True)], dtype=float)
        out_of_bounds = both & ((np.abs(y) > 90) | (np.abs(x) > 180))
        reject(out_of_bounds, lambda i: _name(mapping, "latitude", header), lambda i: f"{lat[i]}, {lon[i]}", lambda i: _outside_reason(lat[i], lon[i]))
    if kind == "members":
        ut = column_of("unit_type")
        wrong = alive & np.fromiter((bool(v) and v not in UNIT_TYPES for v in ut), dtype=bool, count=n)
        reject(wrong, lambda i: _name(mapping, "unit_type"), lambda i: ut[i],
               lambda i: f"unit_type doit être l'une des valeurs {sorted(UNIT_TYPES)}")
    for a, b in (("project_from", "start_date"), ("start_date", "end_date")):
        va, vb = column_of(a), column_of(b)
        if not any(va) or not any(vb):  # a column without any date: no row has both
            continue
        late = alive & np.fromiter((bool(x and y and x > y) for x, y in zip(va, vb, strict=True)), dtype=bool, count=n)
        reject(late, lambda i, b=b: _name(mapping, b, header), lambda i, vb=vb: vb[i], lambda i, a=a, b=b, va=va, vb=vb: f"{b} {vb[i]} est antérieure à {a} {va[i]}")
    keys = [*mapping, *extras]
    for h in extras:
        cols[h] = [v or None for v in rows.column(h)]
    if id_column:
        ids = column_of(id_column)
        seen: dict[str, int] = {}
        for i in np.flatnonzero(alive).tolist():
            v = ids[i]
            if not v:
                continue
            k = str(v)
            first = seen.get(k)
            if first is None:
                seen[k] = i
                continue
            same = all(cols[c][first] is cols[c][i] or cols[c][first] == cols[c][i] for c in keys)
            reason = (f"doublon exact de la ligne {lines[first]}" if same
                      else f"{id_column} {k!r} en double (première occurrence ligne {lines[first]}) avec des données différentes")
            events.setdefault(i, []).append(("rejected", _name(mapping, id_column, header), k, reason))
            alive[i] = False
    for i in sorted(events):
        for severity, column, value, reason in events[i]:
            (report.reject if severity == "rejected" else report.warn)(lines[i], column, value, reason)
    table = [cols[k] for k in keys] + [lines]
    if not alive.all():
        keep = np.flatnonzero(alive).tolist()
        table = [[c[i] for i in keep] for c in table]
    keys.append("_line")
    columns = list(dict.fromkeys([*base, *mapping, *extras, "_line"]))
    m = len(table[-1])
    if m:  # what pd.DataFrame(list of row dicts, columns=columns) gives, built from the columns (a missing one: NaN)
        by_key = dict(zip(keys, table, strict=True))
        frame = pd.DataFrame({c: by_key[c] if c in by_key else [np.nan] * m for c in columns}, columns=columns)
    else:
        frame = pd.DataFrame([], columns=columns)
    frame.attrs["source_columns"] = {t: _name(mapping, t, header) for t in mapping}
    return frame

