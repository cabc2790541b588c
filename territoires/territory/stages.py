"""Facts true on their date: the effective start of a row and its stage on a date.

A row counts from the date its sources attest it, never before:

- its ``start_date`` when known;
- otherwise its ``source_date`` (the date of the source that attests the
  row, e.g. the year-end of the 2015 *zones blanches* arrêtés), so an undated
  row is not counted in 2010;
- a row with neither keeps the old rule (counted, flagged ``start_unknown``)
  so that an undated official list still answers; its table's vintage says
  when it was known.

A programme with distinct stages (registry :class:`~territoires.sources.programmes.model.Stage`)
has each stage dated by its own column; :func:`stage_on` gives, for a date,
the last stage each row had reached.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

__all__ = ["effective_start", "on_or_before", "stage_on", "stage_counts"]


def on_or_before(series: pd.Series, d: date) -> np.ndarray:
    """Boolean array: the value is a date on or before ``d`` (missing values are False).

    One vectorised test for missing values, then one element-wise ``<=`` on
    the others (the same comparison as ``v <= d`` for each value).

    Examples
    --------
    >>> import pandas as pd
    >>> from datetime import date
    >>> on_or_before(pd.Series([date(2020, 1, 1), None, float("nan"), date(2022, 1, 1)]), date(2021, 1, 1)).tolist()
    [True, False, False, False]
    """
    values = np.asarray(series.to_numpy(dtype=object) if hasattr(series, "to_numpy") else list(series), dtype=object)
    out = np.zeros(len(values), dtype=bool)
    present = ~pd.isna(values)
    if present.any():
        out[present] = np.asarray(values[present] <= d, dtype=bool)
    return out


def effective_start(frame: pd.DataFrame) -> pd.Series:
    """``start_date``, else ``source_date`` (the date the source attests the row), else missing.

    Examples
    --------
    >>> import pandas as pd
    >>> from datetime import date
    >>> f = pd.DataFrame({"start_date": [None, date(2021, 1, 22)], "source_date": [date(2015, 12, 31), None]})
    >>> [d.isoformat() for d in effective_start(f)]
    ['2015-12-31', '2021-01-22']
    """
    start = frame["start_date"] if "start_date" in frame else pd.Series([None] * len(frame), index=frame.index, dtype=object)
    if "source_date" not in frame:
        return start
    return start.where(start.notna(), frame["source_date"])


def stage_on(frame: pd.DataFrame, as_of: date, stages) -> np.ndarray:
    """The key of the last stage each row has reached on ``as_of`` (None before the first).

    Parameters
    ----------
    frame : a programme table (sites or members)
    as_of : the date
    stages : the registry entry's ``stages`` (ordered); the first stage's
        column falls back on the row's effective start (see :func:`effective_start`)

    Examples
    --------
    >>> import pandas as pd
    >>> from datetime import date
    >>> from territoires.sources.programmes.model import programme
    >>> crte = pd.DataFrame({"start_date": [date(2021, 8, 27), date(2021, 9, 14)],
    ...                      "signed_on": [date(2021, 8, 27), None]})
    >>> list(stage_on(crte, date(2021, 9, 14), programme("crte").stages))
    ['signe', 'perimetre']
    >>> list(stage_on(crte, date(2021, 8, 1), programme("crte").stages))
    [None, None]
    """
    out = np.full(len(frame), None, dtype=object)
    for i, st in enumerate(stages):
        if st.column == "start_date" or (i == 0 and st.column not in frame):
            col = effective_start(frame)
        elif st.column in frame:
            col = frame[st.column]
        else:
            continue
        out[on_or_before(col, as_of)] = st.key
    return out


def stage_counts(frame: pd.DataFrame, stages, count_by: str | None = None) -> dict[str, int]:
    """Rows (or distinct ``count_by`` values) per stage key, in the stages' order.

    ``frame`` must hold an ``etape`` column (see :func:`stage_on`). With
    ``count_by``, a group counts at the *least advanced* stage of its rows
    (a contract is signed when all its EPCI rows are).
    """
    order = {st.key: i for i, st in enumerate(stages)}
    counts = {st.key: 0 for st in stages}
    if frame.empty or "etape" not in frame:
        return counts
    if count_by and count_by in frame:
        rank = frame["etape"].map(order)
        per_group = rank.groupby(frame[count_by]).min().dropna().astype(int)
        for r in per_group:
            counts[stages[r].key] += 1
        return counts
    for k, n in frame["etape"].value_counts().items():
        if k in counts:
            counts[k] = int(n)
    return counts
