"""One way to say a date: :func:`to_date` is how every date enters the library.

``as_of``, ``made_on``, ``start`` and ``end`` arguments, CLI options and the
date cells of programme tables all go through :func:`to_date` (cells through
:func:`territoires.sources.textio.parse_date`, which it calls for text).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TypeAlias

from territoires.sources.textio import DateError, parse_date

__all__ = ["DateLike", "to_date", "to_date_or_none"]

#: What a date argument accepts: ``None`` or ``"today"`` (today), ISO text
#: (``"2021-09-14"``), French text (``"14/09/2021"``), a ``date`` or a
#: ``datetime``.
DateLike: TypeAlias = date | datetime | str | None

_TODAY = {"today", "aujourd'hui", "aujourdhui", "now", "maintenant"}


def to_date_or_none(value: DateLike) -> date | None:
    """A date, or ``None`` for ``None`` and empty text (no default to today).

    Parameters
    ----------
    value : DateLike
        ``None``, ``"today"``, ISO or French text, ``date`` or ``datetime``.

    Returns
    -------
    datetime.date or None

    Examples
    --------
    >>> to_date_or_none("14/09/2021")
    datetime.date(2021, 9, 14)
    >>> to_date_or_none(None) is None
    True
    """
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if hasattr(value, "to_pydatetime"):  # pandas Timestamp
        return value.to_pydatetime().date()
    if not isinstance(value, str):
        raise DateError(f"not a date: {value!r} (expected a date, a datetime or text such as 2021-09-14)")
    if value.strip().lower() in _TODAY:
        return date.today()
    return parse_date(value)


def to_date(value: DateLike = None) -> date:
    """Turn a :data:`DateLike` into a ``datetime.date``; ``None`` means today.

    Parameters
    ----------
    value : DateLike
        ``None`` or ``"today"`` (today's date), ISO text (``"2021-09-14"``),
        French text (``"14/09/2021"``, ``"14 septembre 2021"``), a ``date``
        or a ``datetime`` (its date).

    Returns
    -------
    datetime.date

    Raises
    ------
    territoires.sources.textio.DateError
        For text that is not a date (a ``ValueError``).

    Examples
    --------
    >>> to_date("2021-09-14")
    datetime.date(2021, 9, 14)
    >>> to_date("14/09/2021")
    datetime.date(2021, 9, 14)
    >>> from datetime import datetime
    >>> to_date(datetime(2021, 9, 14, 18, 30))
    datetime.date(2021, 9, 14)
    >>> to_date("today") == to_date(None) == date.today()
    True
    """
    d = to_date_or_none(value)
    return date.today() if d is None else d
