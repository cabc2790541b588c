"""French number, date and boolean text for the report's figures and tables."""

from __future__ import annotations

from datetime import date

import pandas as pd

from territoires.french import number

__all__ = ["fr_number"]


def fr_number(v) -> str:
    """``36481`` → ``"36 481"`` (narrow no-break space), ``0.0974`` → ``"0,0974"``."""
    if v is None or v is pd.NA or v is pd.NaT or (isinstance(v, float) and pd.isna(v)):
        return "—"
    if hasattr(v, "item") and not isinstance(v, str | date):  # numpy scalars, numpy.bool_ included (a bool column's cells)
        v = v.item()
    if isinstance(v, bool):
        return "oui" if v else "non"
    if isinstance(v, date):
        return v.strftime("%d/%m/%Y")
    if isinstance(v, int | float):
        return number(v, 1)
    return str(v)
