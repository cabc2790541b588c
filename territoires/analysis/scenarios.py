"""What-if on sites: access and canton coverage before and after adding or removing sites.

Where the next sites should go is :mod:`territoires.analysis.suggest`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import geopandas as gpd
import pandas as pd

from territoires.analysis.access import access_by_commune, population_beyond
from territoires.analysis.coverage import canton_coverage
from territoires.dates import DateLike
from territoires.sources.programmes import programme as _programme

if TYPE_CHECKING:
    from territoires.analysis.access import Router
    from territoires.territory.core import Territory

__all__ = ["candidate_sites", "what_if"]


def _active(territory, programme, as_of):
    p = _programme(programme)
    s = territory.sites(p.key, as_of=as_of, neighbours=True)
    return s[s["status"] == p.active_status]


def _origins(territory) -> gpd.GeoSeries:
    """Origin point of every commune, in the territory's CRS, indexed by INSEE code."""
    parts = []
    for z in territory.zones():
        o = gpd.GeoSeries(z.commune_origins.geometry.to_numpy(), crs=z.crs, index=z.commune_origins["code_insee"].to_numpy())
        parts.append(o.to_crs(territory.crs))
    return gpd.GeoSeries(pd.concat(parts), crs=territory.crs)


def candidate_sites(
    territory: Territory, communes: Sequence[str], label: str = "candidat", programme: str = "france_services"
) -> gpd.GeoDataFrame:
    """Candidate sites placed at the origin point of each commune (town hall), active on any date.

    Examples
    --------
    >>> import territoires
    >>> c = candidate_sites(territoires.load_territory("79"), ["79191"])
    >>> c.loc[0, ["site_id", "commune", "status", "code_canton"]].tolist()
    ['candidat-79191', 'Niort', 'labelled', '7999']
    """
    com = territory.communes.set_index("code_insee")
    missing = [c for c in communes if c not in com.index]
    if missing:
        raise KeyError(f"commune code(s) not in the territory: {', '.join(missing)}")
    sub = com.loc[communes]
    return gpd.GeoDataFrame(
        {
            "site_id": [f"{label}-{c}" for c in communes],
            "nom": [f"{label} {n}" for n in sub["nom"]],
            "code_insee": communes,
            "commune": sub["nom"].to_numpy(),
            "status": _programme(programme).active_status,
            "code_canton": sub["code_canton"].to_numpy(),
        },
        geometry=gpd.GeoSeries(_origins(territory).loc[communes].to_numpy(), crs=territory.crs),
        crs=territory.crs,
    )


def what_if(
    territory: Territory,
    add: Sequence[str] | gpd.GeoDataFrame | None = None,
    remove: Sequence[str] | None = None,
    as_of: DateLike = None,
    threshold: float = 30,
    programme: str = "france_services",
    router: Router | None = None,
) -> pd.DataFrame:
    """Compare access and canton coverage before and after adding or removing sites.

    Parameters
    ----------
    add : commune codes (a site at the commune's origin point) or a
        GeoDataFrame of sites
    remove : site ids to remove
    threshold : minutes

    Returns
    -------
    DataFrame with rows ``avant`` / ``apres`` (column ``scenario``) and columns
    ``nb_sites, population_au_dela, part_au_dela, nb_cantons_sans_site, cantons_sans_site``
    (names of the cantons without a site); ``attrs["gained_cantons"]`` lists the cantons
    the change covers.

    Examples
    --------
    >>> import territoires
    >>> t = territoires.load_territory("79")
    >>> w = what_if(t, add=["79130", "79311", "79202"], as_of="2021-09-14", threshold=20)
    >>> w[["scenario", "nb_sites", "nb_cantons_sans_site"]].values.tolist()
    [['avant', 17, 3], ['apres', 20, 0]]
    >>> w.attrs["gained_cantons"]
    ['Frontenay-Rohan-Rohan', 'La Gâtine', 'Parthenay']
    """
    programme = _programme(programme).key  # the alias is resolved once, here
    # router None: the default access model (densite-3), as in access_by_commune
    before = _active(territory, programme, as_of)
    after = before
    if remove:
        after = after[~after["site_id"].astype(str).isin([str(r) for r in remove])]
    if add is not None:
        extra = add if isinstance(add, gpd.GeoDataFrame) else candidate_sites(territory, list(add), programme=programme)
        extra = extra.to_crs(territory.crs)
        after = gpd.GeoDataFrame(pd.concat([after, extra], ignore_index=True), crs=territory.crs)
    rows = []
    for label, s in (("avant", before), ("apres", after)):
        acc = access_by_commune(territory, programme, as_of, router=router, sites=s)
        pb = population_beyond(acc, [threshold]).iloc[0]
        s_local = s.assign(status=_programme(programme).active_status)
        cov = canton_coverage(territory, programme, as_of, sites=s_local)
        units = cov[cov["type"] != "fraction"]
        gaps = units[~units["couvert"].fillna(False).astype(bool)]
        rows.append(
            {
                "scenario": label,
                "nb_sites": len(s),
                "population_au_dela": int(pb["population"]),
                "part_au_dela": float(pb["part"]),
                "nb_cantons_sans_site": len(gaps),
                "cantons_sans_site": ", ".join(gaps["nom_canton"]),
            }
        )
    out = pd.DataFrame(rows)
    gained = sorted(set(out.iloc[0]["cantons_sans_site"].split(", ")) - set(out.iloc[1]["cantons_sans_site"].split(", ")) - {""})
    out.attrs["gained_cantons"] = gained
    out.attrs["threshold"] = threshold
    return out
