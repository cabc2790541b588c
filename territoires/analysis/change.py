"""What changed between two dates."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from territoires.analysis.access import access_by_commune, population_beyond
from territoires.analysis.coverage import cantons_without_site
from territoires.dates import DateLike, to_date
from territoires.sources.programmes import programme as _programme

if TYPE_CHECKING:
    from territoires.territory.core import Territory

__all__ = ["changes_between"]


def changes_between(
    territory: Territory, start: DateLike, end: DateLike, programme: str = "france_services", threshold: float = 30
) -> dict[str, pd.DataFrame]:
    """Sites labelled between ``start`` (excluded) and ``end`` (included), gaps closed, access moved.

    Returns a dict of tables: ``labelled`` (the new sites), ``gaps_closed``
    and ``gaps_opened`` (canton units, as :func:`cantons_without_site`),
    ``access`` (``date, population_au_dela, part_au_dela, ecart``: population
    beyond ``threshold`` on both dates and the difference).

    Examples
    --------
    >>> import territoires
    >>> t = territoires.load_territory("79")
    >>> ch = changes_between(t, "2021-01-01", "2021-09-14", programme="france-services")
    >>> len(ch["labelled"]), len(ch["gaps_closed"]), len(ch["gaps_opened"])
    (8, 5, 0)
    """
    d0, d1 = to_date(start), to_date(end)
    p = _programme(programme)  # the alias is resolved once, here
    programme = p.key
    s1 = territory.sites(programme, as_of=d1)
    s0 = territory.sites(programme, as_of=d0)
    active = p.active_status
    new_ids = set(s1.loc[s1["status"] == active, "site_id"]) - set(s0.loc[s0["status"] == active, "site_id"])
    labelled = pd.DataFrame(s1[s1["site_id"].isin(new_ids)].drop(columns="geometry"))
    g0 = cantons_without_site(territory, programme, d0)
    g1 = cantons_without_site(territory, programme, d1)
    closed = g0[~g0["code_canton"].isin(g1["code_canton"])]
    opened = g1[~g1["code_canton"].isin(g0["code_canton"])]
    p0 = population_beyond(access_by_commune(territory, programme, d0), [threshold]).iloc[0]
    p1 = population_beyond(access_by_commune(territory, programme, d1), [threshold]).iloc[0]
    acc = pd.DataFrame(
        {
            "date": [d0, d1],
            "population_au_dela": [int(p0["population"]), int(p1["population"])],
            "part_au_dela": [float(p0["part"]), float(p1["part"])],
        }
    )
    acc["ecart"] = acc["population_au_dela"].diff()
    return {"labelled": labelled.reset_index(drop=True), "gaps_closed": closed.reset_index(drop=True), "gaps_opened": opened.reset_index(drop=True), "access": acc}
