"""How a table column is written out: integer, decimal, boolean, date or text (shared by every export)."""

from __future__ import annotations

from datetime import date, datetime

import numpy as np
import pandas as pd

__all__ = ["column_kind"]


def _is_whole(values: pd.Series) -> bool:
    v = pd.to_numeric(values, errors="coerce").dropna().to_numpy(dtype=float)
    return bool(len(v)) and bool(np.all(np.isfinite(v))) and bool(np.all(v == np.round(v))) and bool(np.all(np.abs(v) < 2**53))


def column_kind(col: pd.Series) -> str:
    """``int``, ``float``, ``bool``, ``date`` or ``text``: how a column is written."""
    if pd.api.types.is_bool_dtype(col):
        return "bool"
    if pd.api.types.is_numeric_dtype(col):
        return "int" if pd.api.types.is_integer_dtype(col) or _is_whole(col) else "float"
    if pd.api.types.is_datetime64_any_dtype(col):
        return "date"
    values = col.dropna()
    if len(values) and values.map(lambda v: isinstance(v, (date, datetime, pd.Timestamp))).all():
        return "date"
    if len(values) and values.map(lambda v: isinstance(v, (bool, np.bool_))).all():
        return "bool"
    return "text"
