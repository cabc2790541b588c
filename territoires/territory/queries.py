"""Questions asked of a territory's programmes: sites and members on a date, indicators.

``Territory.sites``, ``.members`` and ``.indicators`` call these. Each
converts ``as_of`` once (:func:`territoires.dates.to_date`), asks the
territory's :class:`~territoires.territory.store.ProgrammeStore` for tables
read once, and the registry entry for what the statuses are.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd

from territoires.dates import DateLike, to_date
from territoires.sources.programmes import programme, to_geodataframe
from territoires.sources.textio import parse_date
from territoires.territory.stages import stage_on
from territoires.territory.store import store_of
from territoires.territory.timeline import replay_positions, status_on

if TYPE_CHECKING:
    from territoires.territory.core import Territory

__all__ = ["indicator", "indicator_date", "indicator_number", "indicators", "member_communes", "members", "site_points", "site_status", "sites"]

#: status of an active member (members have no project stage)
MEMBER_STATUS = "member"


def sites(
    territory: Territory,
    programme_key: str,
    as_of: DateLike = None,
    statuses: Iterable[str] | None = None,
    neighbours: bool = False,
) -> gpd.GeoDataFrame:
    """Sites of a programme on a date, in the territory's CRS.

    Parameters
    ----------
    territory : Territory
    programme_key : str
        A programme with sites, e.g. ``"france_services"`` (aliases accepted).
    as_of : DateLike
        The date (today if None).
    statuses : iterable of str, optional
        Keep only these statuses (default: all present on the date).
    neighbours : bool
        Also return sites of other départements that are in the loaded
        tables, for cross-border access.

    Returns
    -------
    GeoDataFrame
        ``site_id, nom, code_insee, commune, status``, the registry's start
        alias (``labelled_on`` for France Services), then ``project_from,
        start_date, position_date, code_canton, siren_epci, source``… and the
        point geometry. ``status`` is the registry entry's ``active_status``
        (``"labelled"`` for France Services, ``"active"`` otherwise) or its
        ``project_status``.

    Examples
    --------
    >>> import territoires
    >>> t = territoires.load_territory("79")
    >>> sites(t, "france-services", as_of="2021-09-14")["status"].value_counts().to_dict()
    {'labelled': 17, 'project': 9}
    """
    p, d, data, st = _dated(territory, programme_key, as_of, neighbours)
    out = data.assign(status=st)[st != None].copy()  # noqa: E711
    if p.stages:
        out["etape"] = stage_on(out, d, p.stages)
    if statuses is not None:
        out = out[out["status"].isin(list(statuses))]
    gdf = to_geodataframe(out.drop(columns=[c for c in ("geometry",) if c in out]))
    gdf["start_unknown"] = gdf["start_date"].isna()
    if p.start_alias:
        gdf[p.start_alias] = gdf["start_date"]
    # A join on commune codes: one lookup of the codes, then three takes.
    # commune_actuelle: the commune as named today, beside the source's (of its day)
    looked = _of_communes(territory, gdf["code_insee"], {"code_canton": "code_canton", "siren_epci": "siren_epci", "commune_actuelle": "nom"})
    for col, values in looked.items():
        gdf[col] = values
    gdf = gdf.to_crs(territory.crs)
    first = ["site_id", "nom", "code_insee", "commune", "status"]
    first += [p.start_alias] if p.start_alias else []
    rest = [c for c in gdf.columns if c not in first and c != "geometry"]
    return gdf[[*first, *rest, "geometry"]].reset_index(drop=True)


def site_points(territory: Territory, programme_key: str, as_of: DateLike = None, neighbours: bool = False) -> pd.DataFrame:
    """The columns of :func:`sites` an access computation reads: ``site_id, nom, code_insee, commune, status, longitude, latitude``.

    The same rows, in the same order, as ``sites(territory, programme_key,
    as_of, neighbours=neighbours)``, positions replayed on the date, with the
    coordinates as WGS 84 numbers (NaN where missing) instead of a geometry
    in the territory's CRS: no point objects, no stages, no commune lookups.

    Examples
    --------
    >>> import territoires
    >>> t = territoires.load_territory("79")
    >>> site_points(t, "france-services", as_of="2021-09-14")["status"].value_counts().to_dict()
    {'labelled': 17, 'project': 9}
    """
    p, d, data, st = _dated(territory, programme_key, as_of, neighbours)
    keep = np.asarray(st != None)  # noqa: E711
    none = pd.Series([None] * len(data), index=data.index, dtype=object)
    out = pd.DataFrame({c: data.get(c, none)[keep] for c in ("site_id", "nom", "code_insee", "commune")})
    out["status"] = st[keep]
    for c in ("longitude", "latitude"):  # as to_geodataframe reads them
        out[c] = pd.to_numeric(data.get(c, none)[keep], errors="coerce").astype(float)
    return out.reset_index(drop=True)


def _sites_programme(programme_key: str):
    """The registry entry of a programme with sites (an error for one with members)."""
    p = programme(programme_key)
    if p.kind != "sites":
        raise ValueError(f"{p.key} has members, not sites: use territory.members({p.key!r})")
    return p


def _dated(territory: Territory, programme_key: str, as_of: DateLike, neighbours: bool):
    """The entry, the date, the rows with positions replayed on it, and each row's status (None: not yet or no longer)."""
    p, d = _sites_programme(programme_key), to_date(as_of)
    store, data = _rows(territory, p, neighbours)
    data = replay_positions(pd.DataFrame(data), store.positions(p.key), d)
    return p, d, data, status_on(data, d, p.active_status, p.project_status)


def _rows(territory: Territory, p, neighbours: bool):
    """The store and the rows of programme ``p`` whose commune is in the territory (all rows with ``neighbours``)."""
    store = store_of(territory)
    data = store.table(p.key).data
    if not neighbours and len(data):
        data = data[_of_departements(store, p.key, data, territory.departements)]
    return store, data


def _of_communes(territory: Territory, codes: pd.Series, columns: dict[str, str]) -> dict[str, pd.Series]:
    """``Series.map`` of ``codes`` on commune columns (new name → column), as one code lookup and takes."""
    com = territory.commune_codes()
    index = _commune_index(territory, com)
    row = index.get_indexer(codes.to_numpy(dtype=object))
    out = {}
    for col, src in columns.items():
        if isinstance(com[src].dtype, pd.api.extensions.ExtensionDtype):  # text columns: what Series.map gives
            out[col] = pd.Series(com[src].array.take(row, allow_fill=True), index=codes.index)
        else:  # an object column (a zone without cantons): Series.map and its dtype inference
            out[col] = codes.map(pd.Series(com[src].to_numpy(), index=index))
    return out


def site_status(territory: Territory, programme_key: str, as_of: DateLike = None) -> pd.DataFrame:
    """The columns of :func:`sites` a count per canton needs: ``site_id, commune, code_insee, status, code_canton``.

    The same rows, in the same order, as ``sites(territory, programme_key,
    as_of)`` (statuses and canton codes alike), without positions, stages or
    geometry: what :func:`territoires.analysis.canton_coverage` reads.

    Examples
    --------
    >>> import territoires
    >>> t = territoires.load_territory("79")
    >>> site_status(t, "france-services", as_of="2021-09-14")["status"].value_counts().to_dict()
    {'labelled': 17, 'project': 9}
    """
    p, d = _sites_programme(programme_key), to_date(as_of)
    _, data = _rows(territory, p, neighbours=False)
    dates = [c for c in ("start_date", "source_date", "end_date", "project_from") if c in data]
    st = status_on(pd.DataFrame({c: data[c] for c in dates}, index=data.index), d, p.active_status, p.project_status)
    keep = st != None  # noqa: E711
    none = pd.Series([None] * len(data), index=data.index, dtype=object)
    out = pd.DataFrame({c: data.get(c, none)[keep] for c in ("site_id", "commune", "code_insee")})
    out["status"] = st[keep]
    out["code_canton"] = _of_communes(territory, out["code_insee"], {"code_canton": "code_canton"})["code_canton"]
    return out.reset_index(drop=True)


def _of_departements(store, key: str, data: pd.DataFrame, departements: list[str]) -> np.ndarray:
    """Whether each row's INSEE code is of one of ``departements`` (:func:`~territoires.naming.departement_of`, vectorised).

    The codes' départements are found once per table (kept on the store,
    for the next date or zone asking), then each question is one lookup.
    """
    cache = store.__dict__.setdefault("_row_departements", {})
    hit = cache.get(key)
    if hit is None or hit[0] is not data:
        text = data["code_insee"].astype("str")
        two, three = text.str.slice(0, 2), text.str.slice(0, 3)
        rows, uniques = pd.factorize(three.where(two == "97", two))  # a missing code: -1
        hit = cache[key] = (data, rows, uniques)
    _, rows, uniques = hit
    keep = np.append(uniques.isin(list(departements)), False)
    return keep[rows]


def _commune_index(territory: Territory, communes: pd.DataFrame) -> pd.Index:
    """The commune codes of ``communes`` (the territory's) as an index, made once per communes table."""
    hit = territory.__dict__.get("_commune_index")
    if hit is None or hit[0] is not communes:
        hit = territory.__dict__["_commune_index"] = (communes, pd.Index(communes["code_insee"].to_numpy(dtype=object)))
    return hit[1]


def members(territory: Territory, programme_key: str, as_of: DateLike = None) -> pd.DataFrame:
    """Members of a programme active on ``as_of`` (today if None), one row each.

    Rows for communes of other départements are left out; EPCI and groups are
    kept when they have a commune in the territory (or no code, for named
    groups of the territory's curated tables). For a programme with sites,
    the sites of the date without geometry.

    Examples
    --------
    >>> import territoires
    >>> t = territoires.load_territory("79")
    >>> len(members(t, "petites-villes-de-demain", as_of="2021-09-14"))
    18
    """
    p = programme(programme_key)
    d = to_date(as_of)
    if p.kind == "sites":
        s = sites(territory, p.key, as_of=d)
        return pd.DataFrame(s.drop(columns="geometry"))
    data = store_of(territory).table(p.key).data
    if data.empty:
        return data.assign(status=pd.Series(dtype=object), start_unknown=pd.Series(dtype=bool))
    st = status_on(data, d, MEMBER_STATUS)
    out = data.assign(status=st)[st != None].copy()  # noqa: E711
    if p.stages:
        out["etape"] = stage_on(out, d, p.stages)
    com = territory.communes
    keep = np.ones(len(out), dtype=bool)
    is_com = (out["unit_type"] == "commune").to_numpy()
    keep[is_com] = out.loc[is_com, "unit_code"].isin(com["code_insee"]).to_numpy()
    is_epci = (out["unit_type"] == "epci").to_numpy()
    keep[is_epci] = out.loc[is_epci, "unit_code"].isin(com["siren_epci"]).to_numpy()
    out = out[keep]
    out["start_unknown"] = out["start_date"].isna()
    return out.reset_index(drop=True)


def member_communes(territory: Territory, programme_key: str, as_of: DateLike = None) -> pd.DataFrame:
    """One row per (commune, membership): EPCI memberships expanded to their communes.

    Examples
    --------
    >>> import territoires
    >>> t = territoires.load_territory("79")
    >>> member_communes(t, "crte", "2021-12-31")["code_insee"].nunique()
    252
    """
    m = members(territory, programme_key, as_of)
    com = territory.communes[["code_insee", "nom", "siren_epci", "code_canton"]]
    direct = m[m["unit_type"] == "commune"].merge(com, left_on="unit_code", right_on="code_insee", how="left")
    via = m[m["unit_type"] == "epci"].merge(com, left_on="unit_code", right_on="siren_epci", how="left")
    return pd.concat([direct, via], ignore_index=True)


def indicators(territory: Territory, programme_key: str | None = None) -> pd.DataFrame:
    """Sourced indicators and targets of the territory's départements.

    Returns ``departement, programme, indicateur, valeur, unite, date, source,
    notes`` (``valeur`` as text; see :func:`indicator` for a typed value).

    Examples
    --------
    >>> import territoires
    >>> t = territoires.load_territory("79")
    >>> "plafond_sites" in set(indicators(t, "fs")["indicateur"])
    True
    """
    out = store_of(territory).indicators()
    if programme_key:
        out = out[out["programme"] == programme(programme_key).key]
    return out.reset_index(drop=True)


def indicator(territory: Territory, programme_key: str, name: str) -> int | float | date | None:
    """One indicator's value (int, float or date) for the territory.

    Raises ``KeyError`` when the territory has no such indicator.

    Examples
    --------
    >>> import territoires
    >>> t = territoires.load_territory("79")
    >>> indicator(t, "france_services", "plafond_sites")
    23
    >>> indicator(t, "france_services", "echeance_objectif")
    datetime.date(2022, 12, 31)
    """
    ind = indicators(territory, programme_key)
    row = ind[ind["indicateur"] == name]
    if row.empty:
        raise KeyError(f"no indicator {name!r} for {programme_key} in {territory.departements}")
    v, unit = row["valeur"].iloc[0], row["unite"].iloc[0]
    if unit == "date":
        return parse_date(v)
    try:
        return int(v)
    except ValueError:
        return float(v)


def indicator_number(territory: Territory, programme_key: str, name: str) -> int | float:
    """An indicator that is a number; ``TypeError`` if it is a date.

    Examples
    --------
    >>> import territoires
    >>> indicator_number(territoires.load_territory("79"), "fs", "objectif_sites_fin_2022")
    21
    """
    v = indicator(territory, programme_key, name)
    if not isinstance(v, int | float):
        raise TypeError(f"indicator {name!r} of {programme_key} is not a number: {v!r}")
    return v


def indicator_date(territory: Territory, programme_key: str, name: str) -> date:
    """An indicator that is a date; ``TypeError`` otherwise.

    Examples
    --------
    >>> import territoires
    >>> indicator_date(territoires.load_territory("79"), "fs", "echeance_objectif")
    datetime.date(2022, 12, 31)
    """
    v = indicator(territory, programme_key, name)
    if not isinstance(v, date):
        raise TypeError(f"indicator {name!r} of {programme_key} is not a date: {v!r}")
    return v
