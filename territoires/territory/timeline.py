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
    pos = positions.sort_values(["site_id", "position_date"], kind="stable")
    latest = pos[on_or_before(pos["position_date"], as_of)].drop_duplicates("site_id", keep="last").set_index("site_id")
    earliest = pos.drop_duplicates("site_id", keep="first").set_index("site_id")
    # the first row of each site that has published positions
    rows = cur.index[cur["site_id"].isin(earliest.index) & ~cur["site_id"].duplicated()]
    sid = cur.loc[rows, "site_id"]
    own = cur.loc[rows, "position_date"]
    own_ok = pd.Series(on_or_before(own, as_of), index=rows)
    has_latest = sid.isin(latest.index)
    # Nothing published on or before the date: the earliest position published
    # (closest in time), flagged as attested only later, unless the table's own
    # position is older than every published one.
    first_date = sid.map(earliest["position_date"])
    own_older = pd.Series([o is not None and not pd.isna(o) and o < f for o, f in zip(own, first_date, strict=True)], index=rows, dtype=bool)
    later = ~own_ok & ~has_latest
    cur.loc[rows[later.to_numpy()], "position_posterieure"] = True
    use_latest = rows[(~own_ok & has_latest).to_numpy()]
    use_earliest = rows[(later & ~own_older).to_numpy()]
    for idx, table in ((use_latest, latest), (use_earliest, earliest)):
        if len(idx):
            chosen = table.loc[cur.loc[idx, "site_id"]]
            cur.loc[idx, "latitude"] = chosen["latitude"].astype(float).to_numpy()
            cur.loc[idx, "longitude"] = chosen["longitude"].astype(float).to_numpy()
            cur.loc[idx, "adresse"] = chosen["adresse"].to_numpy()
            cur.loc[idx, "position_date"] = chosen["position_date"].to_numpy()
            cur.loc[idx, "position_source"] = chosen["source"].to_numpy()
    return cur
