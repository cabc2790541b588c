"""Output for the users' tools: CSV for spreadsheets, JSON for programs, GeoPackage for QGIS.

Every table the library writes goes through one writer, :func:`write_table`:

- **Formula leads neutralised** (OWASP, *CSV Injection*): a text cell that
  starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is
  written with a leading single quote (``'=HYPERLINK(…)``), so a spreadsheet
  shows it as text and never evaluates it. Numbers are numbers and are left
  alone (``-0,5`` stays a number).
- **Integers as integers**: a numeric column whose values are all whole
  (populations, counts, even when pandas holds them as floats because of a
  missing value) is written ``979``, never ``979.0``.
- **French conventions** when the separator is ``;`` (the French
  spreadsheets' default): decimal comma (``9,9``), booleans ``oui``/``non``.
  With ``,`` the decimal point and ``true``/``false`` are used.
- **Dates in ISO 8601** (``2021-09-14``) in every case: LibreOffice and Excel
  in French read them as dates on import, they cannot be mistaken for
  month-first dates by a spreadsheet set to another language, they sort as
  text, and programs read them without a format string.
- Missing values are empty cells; geometry columns are left out (use
  :func:`to_geopackage` or :func:`write_layer` for them). Rows end with
  CRLF (RFC 4180), so a carriage return inside a name is quoted, not a row break.

``fmt="json"`` writes the same rows and columns as a JSON array of objects
(numbers as numbers, dates as ISO strings, missing values as ``null``); only
the spreadsheet neutralisation is CSV's own.

Every file is written atomically.
"""

from __future__ import annotations

import csv
import io
import json
import math
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from territoires.columns import column_kind
from territoires.fileio import write_bytes
from territoires.qgis import layer_names, to_geopackage, write_layer

__all__ = ["FORMULA_LEADS", "column_kind", "layer_names", "neutralise", "table_records", "to_csv", "to_geopackage", "to_json", "write_layer", "write_table"]

#: First characters a spreadsheet may read as the start of a formula (OWASP).
FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(text: str) -> str:
    """``text`` made inert for a spreadsheet: a formula lead gets a ``'`` in front.

    >>> neutralise('=HYPERLINK("http://x","clic")')
    '\\'=HYPERLINK("http://x","clic")'
    >>> neutralise("Niort")
    'Niort'
    """
    return "'" + text if text.startswith(FORMULA_LEADS) else text


def _plain(table: pd.DataFrame) -> pd.DataFrame:
    frame = pd.DataFrame(table)
    geo = [c for c in frame.columns if str(frame[c].dtype) == "geometry"]
    return frame.drop(columns=geo).reset_index(drop=True)


def _missing(v) -> bool:
    if v is None or v is pd.NA or v is pd.NaT:
        return True
    return isinstance(v, float) and math.isnan(v)


def _iso(v) -> str:
    if isinstance(v, (pd.Timestamp, datetime)):
        return v.date().isoformat() if (v.hour, v.minute, v.second, v.microsecond) == (0, 0, 0, 0) else v.isoformat()
    return v.isoformat()


def table_records(table: pd.DataFrame) -> tuple[list[str], list[list]]:
    """Column names and rows of plain Python values (int, float, bool, ISO date str, str, None).

    The one conversion shared by the CSV and the JSON writers.
    """
    frame = _plain(table)
    columns = [str(c) for c in frame.columns]
    cols = []
    for c in frame.columns:
        kind, raw = column_kind(frame[c]), frame[c].astype(object).tolist()
        converters: dict[str, Callable[[Any], Any]] = {
            "int": lambda v: int(round(float(v))),
            "float": float,
            "bool": bool,
            "date": _iso,
            "text": str,
        }
        conv = converters[kind]
        cols.append([None if _missing(v) else conv(v) for v in raw])
    return columns, [list(row) for row in zip(*cols, strict=True)] if cols else []


def _cell(v, decimal: str, french: bool) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return ("oui" if v else "non") if french else ("true" if v else "false")
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if not math.isfinite(v):
            return ""
        return np.format_float_positional(v, trim="-").replace(".", decimal)
    return neutralise(str(v))


def csv_text(table: pd.DataFrame, sep: str = ",", decimal: str | None = None) -> str:
    """The CSV text of ``table`` (see the module's rules); ``decimal`` defaults to ``,`` when ``sep`` is ``;``."""
    if len(sep) != 1:
        raise ValueError(f"le séparateur CSV doit être un seul caractère, pas {sep!r}")
    french = sep == ";"
    decimal = decimal or ("," if french else ".")
    if decimal == sep:
        raise ValueError(f"le séparateur décimal {decimal!r} ne peut pas être aussi le séparateur de colonnes")
    columns, rows = table_records(table)
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=sep, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)  # RFC 4180: CR and LF inside a field get quoted
    w.writerow([neutralise(c) for c in columns])
    for row in rows:
        w.writerow([_cell(v, decimal, french) for v in row])
    return buf.getvalue()


def json_text(table: pd.DataFrame) -> str:
    """The same rows as :func:`csv_text`, as a JSON array of objects (UTF-8, not ASCII-escaped)."""
    columns, rows = table_records(table)
    clean = [[None if isinstance(v, float) and not math.isfinite(v) else v for v in row] for row in rows]
    return json.dumps([dict(zip(columns, row, strict=True)) for row in clean], ensure_ascii=False, indent=1) + "\n"


def write_table(table: pd.DataFrame, path: str | Path | None = None, fmt: str = "csv", sep: str = ",",
                bom: bool = False, decimal: str | None = None) -> Path | None:
    """Write ``table`` as CSV or JSON to ``path`` (atomically), or to standard output if ``path`` is None.

    ``bom`` adds a UTF-8 byte order mark (Excel needs it to read UTF-8 CSV).
    """
    if fmt == "csv":
        text = csv_text(table, sep=sep, decimal=decimal)
    elif fmt == "json":
        text = json_text(table)
    else:
        raise ValueError(f"format de tableau inconnu {fmt!r} : csv ou json")
    if path is None:
        sys.stdout.write(text)
        return None
    return write_bytes(path, text.encode("utf-8-sig" if bom and fmt == "csv" else "utf-8"))


def to_csv(table: pd.DataFrame, path: str | Path, sep: str = ",", bom: bool = False, decimal: str | None = None) -> Path:
    """Write ``table`` as CSV (UTF-8; ``sep=";"`` and ``bom=True`` for French spreadsheets)."""
    write_table(table, path, "csv", sep=sep, bom=bom, decimal=decimal)
    return Path(path)


def to_json(table: pd.DataFrame, path: str | Path) -> Path:
    """Write ``table`` as a JSON array of objects: the CSV's content for programs."""
    write_table(table, path, "json")
    return Path(path)
