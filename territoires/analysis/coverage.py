"""Which cantons have a site of a programme on a date."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from territoires.dates import DateLike
from territoires.sources.programmes import programme as _programme

if TYPE_CHECKING:
    from territoires.territory.core import Territory

__all__ = ["canton_coverage", "cantons_without_site"]


def _site_lists(sites: pd.DataFrame, key: str) -> pd.DataFrame:
    g = sites.groupby(key)
    return pd.DataFrame(
        {
            "n": g.size(),
            "names": g["commune"].agg(lambda s: ", ".join(sorted(s.astype(str)))),
            "ids": g["site_id"].agg(lambda s: ";".join(map(str, s))),
        }
    )


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
            "nom_canton": units["nom"].to_numpy(),
            "type": units["kind"].to_numpy(),
            "cantons": units["cantons"].to_numpy(),
            "code_departement": units["code_departement"].to_numpy(),
            "population": units["population"].to_numpy(),
        }
    )
    out["nb_sites"] = out["code_canton"].map(lab["n"]).fillna(0).astype(int)
    out["sites"] = out["code_canton"].map(lambda c: lab["names"].get(c, ""))
    out["nb_projets"] = out["code_canton"].map(proj["n"]).fillna(0).astype(int)
    out["projets"] = out["code_canton"].map(lambda c: proj["names"].get(c, ""))
    out["ids_projets"] = out["code_canton"].map(lambda c: proj["ids"].get(c, ""))
    out["couvert"] = out["nb_sites"] > 0
    out["statut"] = out["couvert"].map({True: "couvert", False: "sans site"})
    # The cantons inside groups: their own status is undetermined.
    frac_rows = []
    canton_name = dict(zip(territory.cantons["code_canton"], territory.cantons["nom"], strict=True))
    for g in out[out["type"] == "groupe"].itertuples():
        for code in filter(None, str(g.cantons).split(";")):
            frac_rows.append(
                {
                    "code_canton": code,
                    "nom_canton": canton_name.get(code, code),
                    "type": "fraction",
                    "cantons": g.code_canton,
                    "code_departement": g.code_departement,
                    "population": pd.NA,
                    "nb_sites": pd.NA,
                    "sites": "",
                    "nb_projets": pd.NA,
                    "projets": "",
                    "ids_projets": "",
                    "couvert": pd.NA,
                    "statut": f"indéterminé (groupe {g.nom_canton} {'couvert' if g.couvert else 'sans site'})",
                }
            )
    if frac_rows:
        out = pd.concat([out, pd.DataFrame(frac_rows)], ignore_index=True)
    out["population"] = out["population"].astype("Int64")
    out["couvert"] = out["couvert"].astype("boolean")
    for c in ("nb_sites", "nb_projets"):
        out[c] = out[c].astype("Int64")
    return out.sort_values(["code_departement", "code_canton"], ignore_index=True)


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
    cov = canton_coverage(territory, programme, as_of, sites=sites)
    gaps = cov[(cov["type"] != "fraction") & ~cov["couvert"].fillna(False).astype(bool)].copy()
    gaps["comble_par_projets"] = gaps["nb_projets"] > 0
    cols = ["code_canton", "nom_canton", "type", "code_departement", "population", "projets", "ids_projets", "comble_par_projets"]
    return gaps[cols].reset_index(drop=True)
