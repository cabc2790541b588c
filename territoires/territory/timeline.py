"""The timeline of a programme table: status on a date, and the position a site had then.

``as_of`` is converted once, by :func:`territoires.dates.to_date`, before
it reaches these functions: they take a ``datetime.date``.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from territoires.territory.stages import effective_start, on_or_before

__all__ = ["replay_positions", "status_on"]


def status_on(frame: pd.DataFrame, as_of: date, active: str, project: str = "project") -> np.ndarray:
    """Status of each row on ``as_of``: ``active``, ``project`` or None (absent).

    A row counts from its effective start (``start_date``, else the
    ``source_date`` of the source attesting it): never before. It is a
    project from ``project_from`` until its start, and absent after
    ``end_date``. The status words come from the registry entry.

    Examples
    --------
    >>> import pandas as pd
    >>> from datetime import date
    >>> f = pd.DataFrame({"start_date": [date(2020, 1, 1), date(2022, 1, 1)],
    ...                   "project_from": [None, date(2021, 6, 1)], "end_date": [None, None]})
    >>> status_on(f, date(2021, 9, 14), "labelled").tolist()
    ['labelled', 'project']
    >>> status_on(f, date(2019, 1, 1), "labelled").tolist()
    [None, None]
    """
    start = effective_start(frame)
    started = on_or_before(start, as_of)
    unknown = start.isna().to_numpy()
    ended = on_or_before(frame["end_date"], as_of) if "end_date" in frame else np.zeros(len(frame), bool)
    proj = on_or_before(frame["project_from"], as_of) & ~started if "project_from" in frame else np.zeros(len(frame), bool)
    out = np.full(len(frame), None, dtype=object)
    out[(started | unknown) & ~ended] = active
    out[proj & ~ended & ~unknown] = project
    return out


def replay_positions(data: pd.DataFrame, positions: pd.DataFrame | None, as_of: date) -> pd.DataFrame:
    """Put each site at the last position published on or before ``as_of``.

    Parameters
    ----------
    data : DataFrame
        Sites with ``site_id, latitude, longitude, adresse, position_date, source``.
    positions : DataFrame or None
        Every published position (:func:`territoires.sources.programmes.side_tables.read_positions`).
    as_of : datetime.date

    Returns
    -------
    DataFrame
        A copy of ``data`` with the position of the date, ``position_source``
        and ``position_posterieure`` (True when nothing was published on or
        before the date and the earliest later position is shown).

    Examples
    --------
    >>> import pandas as pd
    >>> from datetime import date
    >>> sites = pd.DataFrame({"site_id": ["1"], "latitude": [46.0], "longitude": [-0.4], "adresse": ["new"],
    ...                       "position_date": [date(2024, 8, 1)], "source": ["2024 list"]})
    >>> pos = pd.DataFrame({"site_id": ["1"], "position_date": [date(2020, 3, 31)], "adresse": ["old"],
    ...                     "latitude": [46.3], "longitude": [-0.5], "source": ["2020 map"]})
    >>> replay_positions(sites, pos, date(2021, 9, 14))[["adresse", "position_source"]].values.tolist()
    [['old', '2020 map']]
    """
    if positions is None or data.empty:
        return data
    cur = data.copy()
    if "position_date" not in cur:
        return cur
    cur["position_source"] = cur.get("source", None)
    cur["position_posterieure"] = False
    for sid, grp in positions.groupby("site_id"):
        idx = cur.index[cur["site_id"] == sid]
        if not len(idx):
            continue
        i = idx[0]
        candidates = [(r.position_date, r) for r in grp.itertuples() if r.position_date <= as_of]
        current_date = cur.at[i, "position_date"]
        if current_date is not None and not pd.isna(current_date) and current_date <= as_of:
            continue  # the table's own position is already the latest published
        if candidates:
            _, r = max(candidates, key=lambda t: t[0])
        else:
            # Nothing published on or before the date: the earliest position
            # published (closest in time), flagged as attested only later.
            later = [(r.position_date, r) for r in grp.itertuples()]
            if current_date is not None and not pd.isna(current_date) and all(current_date < t[0] for t in later):
                cur.at[i, "position_posterieure"] = True
                continue
            _, r = min(later, key=lambda t: t[0])
            cur.at[i, "position_posterieure"] = True
        cur.at[i, "latitude"], cur.at[i, "longitude"] = float(r.latitude), float(r.longitude)
        cur.at[i, "adresse"] = r.adresse
        cur.at[i, "position_date"] = r.position_date
        cur.at[i, "position_source"] = r.source
    return cur
