"""Which cantons have a site of a programme on a date."""

from __future__ import annotations

import pandas as pd

from territoires.sources.programmes import programme as _programme


def _site_lists(sites: pd.DataFrame, key: str) -> pd.DataFrame:
    g = sites.groupby(key)
    return pd.DataFrame(
        {
            "n": g.size(),
            "names": g["commune"].agg(lambda s: ", ".join(sorted(s.astype(str)))),
            "ids": g["site_id"].agg(lambda s: ";".join(map(str, s))),
        }
    )


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
    out["n_labelled"] = out["code_canton"].map(lab["n"]).fillna(0).astype(int)
    out["labelled"] = out["code_canton"].map(lambda c: lab["names"].get(c, ""))
    out["n_projects"] = out["code_canton"].map(proj["n"]).fillna(0).astype(int)
    out["projects"] = out["code_canton"].map(lambda c: proj["names"].get(c, ""))
    out["project_ids"] = out["code_canton"].map(lambda c: proj["ids"].get(c, ""))
    out["covered"] = out["n_labelled"] > 0
    out["statut"] = out["covered"].map({True: "couvert", False: "sans site"})
    # The cantons inside groups: their own status is undetermined.
    frac_rows = []
    canton_name = dict(zip(territory.cantons["code_canton"], territory.cantons["nom"], strict=True))
    for g in out[out["kind"] == "groupe"].itertuples():
        for code in filter(None, str(g.cantons).split(";")):
            frac_rows.append(
                {
                    "code_canton": code,
                    "nom": canton_name.get(code, code),
                    "kind": "fraction",
                    "cantons": g.code_canton,
                    "code_departement": g.code_departement,
                    "population": pd.NA,
                    "n_labelled": pd.NA,
                    "labelled": "",
                    "n_projects": pd.NA,
                    "projects": "",
                    "project_ids": "",
                    "covered": pd.NA,
                    "statut": f"indéterminé (groupe {g.nom} {'couvert' if g.covered else 'sans site'})",
                }
            )
    if frac_rows:
        out = pd.concat([out, pd.DataFrame(frac_rows)], ignore_index=True)
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
