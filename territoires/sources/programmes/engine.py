"""Helpers shared by the programme readers' normalisation.

A reader describes a file layout as a *mapping* from normalised column to
source column (or to a function of the row);
:func:`territoires.sources.programmes.columnar.normalise` applies it a
column at a time, checks each value and fills the rejection report. Nothing
is dropped silently: a row either loads or is rejected with its line, column
and reason. (tests/reference_normalise.py keeps the plain row-by-row version
the columnar one is pinned against.)
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from territoires.sources.textio import Rows

__all__ = [
    "EARLIEST",
    "FUTURE_MARGIN_DAYS",
    "UNIT_TYPES",
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


def _outside_reason(lat: float, lon: float) -> str:
    """Why coordinates outside the WGS 84 bounds are rejected."""
    if abs(lat) > 1000 and abs(lon) > 1000:
        return "coordonnées en mètres projetés (Lambert-93 ?), pas en degrés WGS 84"
    return "coordonnées hors des bornes WGS 84 (latitude entre -90 et 90, longitude entre -180 et 180)"


def raise_missing(rows: Rows, column: str, target: str):
    from territoires.errors import InputError

    raise InputError(
        rows.path,
        f"colonne « {column} » (pour {target}) absente de l'en-tête ; colonnes présentes : {', '.join(rows.header)}",
        line=1,
        column=column,
    )
