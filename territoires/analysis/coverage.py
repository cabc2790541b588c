"""Which cantons have a site of a programme on a date."""

from __future__ import annotations

import numpy as np
import pandas as pd

from territoires.sources.programmes import programme as _programme


def _site_lists(sites: pd.DataFrame, key: str) -> pd.DataFrame:
    """Per ``key``: number of sites, their communes (sorted, ", "), their ids (";"), one groupby."""
    by_commune = sites.assign(_c=sites["commune"].astype(str)).sort_values([key, "_c"], kind="stable")
    names = by_commune.groupby(key, sort=False)["_c"].agg(", ".join)
    ids = sites.assign(_i=sites["site_id"].astype(str)).groupby(key, sort=False)["_i"].agg(";".join)
    return pd.DataFrame({"n": sites.groupby(key).size(), "names": names, "ids": ids})


def canton_coverage(territory, programme: str = "france_services", as_of=None, sites=None) -> pd.DataFrame:
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
        per canton inside a group (``kind`` ``fraction``): ``code_canton, nom, kind, cantons, population, n_labelled, labelled, n_projects, projects, project_ids, covered, statut``. A group is covered if any of its
        communes has a labelled site; the status of the cantons inside it is
        ``indéterminé`` (which fraction holds the site is not known), not guessed.

    A join on canton codes: sites are counted and listed per code in one
    groupby each, then looked up by code (no geometry, no per-row Python).
    """
    p = _programme(programme)
    units = territory.canton_units
    if sites is None:
        sites = territory.sites(p.key, as_of=as_of)
    sites = sites[sites["code_canton"].notna()]
    lab = _site_lists(sites[sites["status"] == p.active_status], "code_canton")
    proj = _site_lists(sites[sites["status"] == p.project_status], "code_canton")
    out = pd.DataFrame(
        {
            "code_canton": units["code_canton"].to_numpy(),
            "nom": units["nom"].to_numpy(),
            "kind": units["kind"].to_numpy(),
            "cantons": units["cantons"].to_numpy(),
            "code_departement": units["code_departement"].to_numpy(),
            "population": units["population"].to_numpy(),
        }
    )
    code = out["code_canton"]
    out["n_labelled"] = code.map(lab["n"]).fillna(0).astype(int)
    out["labelled"] = code.map(lab["names"]).fillna("")
    out["n_projects"] = code.map(proj["n"]).fillna(0).astype(int)
    out["projects"] = code.map(proj["names"]).fillna("")
    out["project_ids"] = code.map(proj["ids"]).fillna("")
    out["covered"] = out["n_labelled"] > 0
    out["statut"] = np.where(out["covered"], "couvert", "sans site")
    # The cantons inside groups: their own status is undetermined.
    groups = out[out["kind"] == "groupe"]
    if len(groups):
        frac = groups[["code_canton", "nom", "code_departement", "covered", "cantons"]].rename(columns={"code_canton": "group", "nom": "group_nom"})
        frac = frac.assign(code_canton=frac["cantons"].astype(str).str.split(";")).explode("code_canton")
        frac = frac[frac["code_canton"].fillna("") != ""]
        names = pd.Series(territory.cantons["nom"].to_numpy(), index=territory.cantons["code_canton"].to_numpy())
        frac_rows = pd.DataFrame(
            {
                "code_canton": frac["code_canton"].to_numpy(),
                "nom": frac["code_canton"].map(names).fillna(frac["code_canton"]).to_numpy(),
                "kind": "fraction",
                "cantons": frac["group"].to_numpy(),
                "code_departement": frac["code_departement"].to_numpy(),
                "population": pd.NA, "n_labelled": pd.NA, "labelled": "", "n_projects": pd.NA,
                "projects": "", "project_ids": "", "covered": pd.NA,
                "statut": ("indéterminé (groupe " + frac["group_nom"].astype(str) + " "
                           + np.where(frac["covered"], "couvert", "sans site") + ")").to_numpy(),
            }
        )
        out = pd.concat([out, frac_rows], ignore_index=True)
    out["population"] = out["population"].astype("Int64")
    out["covered"] = out["covered"].astype("boolean")
    for c in ("n_labelled", "n_projects"):
        out[c] = out[c].astype("Int64")
    return out.sort_values(["code_departement", "code_canton"], ignore_index=True)


def cantons_without_site(territory, programme: str = "france_services", as_of=None, sites=None) -> pd.DataFrame:
    """Canton units with no labelled site on ``as_of``, and the projects that would close the gap.

    Returns one row per canton or canton group: ``code_canton, nom, kind, population, projects, project_ids, closed_by_projects``.

    Examples
    --------
    >>> cantons_without_site(load_territory("79"), as_of="2021-09-14")["nom"].tolist()  # doctest: +SKIP
    ['Frontenay-Rohan-Rohan', 'La Gâtine', 'Parthenay']
    """
    cov = canton_coverage(territory, programme, as_of, sites=sites)
    gaps = cov[(cov["kind"] != "fraction") & ~cov["covered"].fillna(False).astype(bool)].copy()
    gaps["closed_by_projects"] = gaps["n_projects"] > 0
    cols = ["code_canton", "nom", "kind", "code_departement", "population", "projects", "project_ids", "closed_by_projects"]
    return gaps[cols].reset_index(drop=True)
