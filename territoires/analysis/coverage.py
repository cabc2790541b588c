"""Which cantons have a site of a programme on a date."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from territoires import collector
from territoires.dates import DateLike
from territoires.sources.programmes import programme as _programme
from territoires.territory.loading import canton_unit_codes
from territoires.territory.queries import site_status

if TYPE_CHECKING:
    from territoires.territory.core import Territory

__all__ = ["canton_coverage", "cantons_without_site"]

#: The canton units' columns the coverage tables show, under their French names.
UNIT_COLUMNS = {"code_canton": "code_canton", "nom": "nom_canton", "kind": "type", "cantons": "cantons",
                "code_departement": "code_departement", "population": "population"}
#: The columns of :func:`cantons_without_site`.
GAP_COLUMNS = ["code_canton", "nom_canton", "type", "code_departement", "population", "projets", "ids_projets", "comble_par_projets"]


def _joined(keys: np.ndarray, values: np.ndarray, sep: str, sort_values: bool) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Per distinct key: how many values and the values joined by ``sep`` (one sort, one pass over groups)."""
    order = np.lexsort((values, keys)) if sort_values else np.argsort(keys, kind="stable")
    k, v = keys[order], values[order]
    if not len(k):
        return k, np.array([], dtype=int), []
    starts = np.flatnonzero(np.r_[True, k[1:] != k[:-1]])
    ends = np.r_[starts[1:], len(k)]
    return k[starts], ends - starts, [sep.join(v[s:e]) for s, e in zip(starts, ends, strict=True)]


def _site_lists(sites: pd.DataFrame, key: str, lists: bool = True) -> pd.DataFrame:
    """Per ``key``: number of sites, their communes (sorted, ", "), their ids (";", in table order; both "" unless ``lists``)."""
    keys = sites[key].to_numpy(dtype=object)
    if not lists:
        uk, n = np.unique(keys, return_counts=True) if len(keys) else (keys, np.array([], dtype=int))
        return pd.DataFrame({"n": n, "names": "", "ids": ""}, index=pd.Index(uk, dtype=object))
    # a row without a commune name (a list's empty lib_com) is named by its code: pandas' astype(str) keeps NaN
    names_in = sites["commune"].fillna(sites["code_insee"]) if "code_insee" in sites else sites["commune"]
    uk, n, names = _joined(keys, names_in.fillna("").astype(str).to_numpy(dtype=object), ", ", True)
    _, _, ids = _joined(keys, sites["site_id"].fillna("").astype(str).to_numpy(dtype=object), ";", False)
    return pd.DataFrame({"n": n, "names": np.array(names, dtype=object), "ids": np.array(ids, dtype=object)}, index=pd.Index(uk, dtype=object))


def canton_coverage(
    territory: Territory, programme: str = "france_services", as_of: DateLike = None, sites: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Every canton unit and canton with its labelled sites and projects on ``as_of``.

    Parameters
    ----------
    territory : Territory
    programme : programme with sites (default France Services)
    as_of : date or ISO text (today if None)
    sites : use these sites instead of ``territory.sites(programme, as_of)``
        (what-if analyses pass a modified table)

    Returns
    -------
    DataFrame
        One row per canton unit (``kind`` ``canton`` or ``groupe``) and one
        per canton inside a group (``type`` ``fraction``): ``code_canton, nom_canton, type, cantons, code_departement, population, nb_sites, sites, nb_projets, projets, ids_projets, couvert, statut``
        (``sites`` and ``projets``: communes of the active sites and of the
        projects). A group is covered if any of its
        communes has a labelled site; the status of the cantons inside it is
        ``indéterminé`` (which fraction holds the site is not known), not guessed.

    A join on canton codes: sites are counted and listed per code with one
    sort each, then looked up by code (no geometry, no per-row Python).

    Examples
    --------
    >>> import territoires
    >>> t = territoires.load_territory("79")
    >>> cov = canton_coverage(t, as_of="2021-09-14").set_index("code_canton")
    >>> row = cov.loc["7902"]
    >>> row["nom_canton"], row["type"], int(row["nb_sites"]), row["statut"]
    ('Bressuire', 'canton', 1, 'couvert')
    >>> cov.loc["7999", ["type", "statut"]].tolist()
    ['groupe', 'couvert']
    """
    return _coverage(territory, programme, as_of, sites, full=True)


def _coverage(territory: Territory, programme: str, as_of: DateLike, sites: pd.DataFrame | None, full: bool) -> pd.DataFrame:
    """:func:`canton_coverage`; unless ``full``, what gaps need: no rows for the cantons inside groups, no names of the labelled sites."""
    p = _programme(programme)
    units = territory.canton_units
    if sites is None:  # the columns of territory.sites(p.key, as_of) needed here, without positions or geometry
        sites = site_status(territory, p.key, as_of=as_of)
    keep = [c for c in ("code_canton", "status", "commune", "site_id", "code_insee") if c in sites]  # code_insee: a nameless row's name
    sites = pd.DataFrame({c: sites[c].to_numpy() for c in keep})  # no geometry needed
    sites = sites[sites["code_canton"].notna().to_numpy()]
    status = sites["status"].to_numpy()
    lab = _site_lists(sites[status == p.active_status], "code_canton", lists=full)
    proj = _site_lists(sites[status == p.project_status], "code_canton")
    out = pd.DataFrame({new: units[old].to_numpy() for old, new in UNIT_COLUMNS.items()})
    code = pd.Index(out["code_canton"].to_numpy(dtype=object))
    lab = lab.reindex(code)  # the join on canton codes
    proj = proj.reindex(code)
    out["nb_sites"] = lab["n"].fillna(0).astype(int).to_numpy()
    out["sites"] = lab["names"].fillna("").to_numpy()
    out["nb_projets"] = proj["n"].fillna(0).astype(int).to_numpy()
    out["projets"] = proj["names"].fillna("").to_numpy()
    out["ids_projets"] = proj["ids"].fillna("").to_numpy()
    out["couvert"] = out["nb_sites"] > 0
    out["statut"] = np.where(out["couvert"], "couvert", "sans site")
    # The cantons inside groups: their own status is undetermined.
    groups = out[out["type"] == "groupe"]
    if full and len(groups):
        frac = groups[["code_canton", "nom_canton", "code_departement", "couvert", "cantons"]].rename(columns={"code_canton": "group", "nom_canton": "group_nom"})
        frac = frac.assign(code_canton=frac["cantons"].astype(str).str.split(";")).explode("code_canton")
        frac = frac[frac["code_canton"].fillna("") != ""]
        names = pd.Series(territory.cantons["nom"].to_numpy(), index=territory.cantons["code_canton"].to_numpy())
        frac_rows = pd.DataFrame(
            {
                "code_canton": frac["code_canton"].to_numpy(),
                "nom_canton": frac["code_canton"].map(names).fillna(frac["code_canton"]).to_numpy(),
                "type": "fraction",
                "cantons": frac["group"].to_numpy(),
                "code_departement": frac["code_departement"].to_numpy(),
                "population": pd.NA, "nb_sites": pd.NA, "sites": "", "nb_projets": pd.NA,
                "projets": "", "ids_projets": "", "couvert": pd.NA,
                "statut": ("indéterminé (groupe " + frac["group_nom"].astype(str) + " "
                           + np.where(frac["couvert"], "couvert", "sans site") + ")").to_numpy(),
            }
        )
        out = pd.concat([out, frac_rows], ignore_index=True)
    out["population"] = out["population"].astype("Int64")
    out["couvert"] = out["couvert"].astype("boolean")
    for c in ("nb_sites", "nb_projets"):
        out[c] = out[c].astype("Int64")
    return out.sort_values(["code_departement", "code_canton"], ignore_index=True)


@collector.pausing
def cantons_without_site(
    territory: Territory, programme: str = "france_services", as_of: DateLike = None, sites: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Canton units with no labelled site on ``as_of``, and the projects that would close the gap.

    Returns one row per canton or canton group: ``code_canton, nom_canton, type, code_departement, population, projets, ids_projets, comble_par_projets``.

    Examples
    --------
    >>> import territoires
    >>> gaps = cantons_without_site(territoires.load_territory("79"), as_of="2021-09-14")
    >>> gaps["nom_canton"].tolist(), bool(gaps["comble_par_projets"].all())
    (['Frontenay-Rohan-Rohan', 'La Gâtine', 'Parthenay'], True)
    """
    p = _programme(programme)
    units = canton_unit_codes(territory)  # the canton units' columns, without their polygons when not loaded yet
    if sites is None:  # the columns of territory.sites(p.key, as_of) needed here, without positions or geometry
        sites = site_status(territory, p.key, as_of=as_of)
    code = sites["code_canton"].to_numpy(dtype=object)
    status = sites["status"].to_numpy(dtype=object)
    known = pd.notna(code)
    # a unit is a gap when no labelled site has its code (the join on canton codes of canton_coverage); only
    # the gaps' rows are then built, with canton_coverage's columns, dtypes and order
    labelled = set(code[known & (status == p.active_status)].tolist())
    ucodes = units["code_canton"].to_numpy(dtype=object)
    rows = np.flatnonzero(np.fromiter((c not in labelled for c in ucodes.tolist()), dtype=bool, count=len(ucodes)))
    if not len(rows):  # no gap: the empty table with the dtypes canton_coverage infers from the whole
        cov = _coverage(territory, programme, as_of, sites, full=False)
        cov["comble_par_projets"] = cov["nb_projets"] > 0
        return cov.loc[[], GAP_COLUMNS].reset_index(drop=True)
    picked = pd.DataFrame({c: sites[c].to_numpy()[known & (status == p.project_status)] for c in ("code_canton", "commune", "site_id")})
    proj = _site_lists(picked, "code_canton")
    out = pd.DataFrame({new: units[old].to_numpy()[rows] for old, new in UNIT_COLUMNS.items() if new in GAP_COLUMNS})
    proj = proj.reindex(pd.Index(out["code_canton"].to_numpy(dtype=object)))
    out["projets"] = proj["names"].fillna("").to_numpy()
    out["ids_projets"] = proj["ids"].fillna("").to_numpy()
    out["population"] = out["population"].astype("Int64")
    out["comble_par_projets"] = pd.array(proj["n"].fillna(0).astype(int).to_numpy(), dtype="Int64") > 0
    out = out.sort_values(["code_departement", "code_canton"], ignore_index=True)
    return out[GAP_COLUMNS]
