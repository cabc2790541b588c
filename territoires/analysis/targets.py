"""Progress against the département's sourced targets (France Services)."""

from __future__ import annotations

import pandas as pd

from territoires.analysis.coverage import canton_coverage
from territoires.dates import to_date
from territoires.sources.programmes import programme as _programme


def targets_progress(territory, as_of=None) -> pd.DataFrame:
    """France Services progress on ``as_of`` against the targets in ``indicateurs.csv``.

    Rows: ``labelled sites vs objective`` (21 by end 2022 in 79), ``vs the ceiling`` (23), ``cantons covered vs one per canton`` (17). Each row has
    ``cible, valeur, ecart, atteint, echeance, source``. A canton group (Niort)
    counts its cantons as covered when it is covered, and the row says so.
    """
    from territoires.territory.programmes import indicator, indicators

    d = to_date(as_of)
    p = _programme("france_services")
    sites = territory.sites(p.key, as_of=d)
    n_lab = int((sites["status"] == p.active_status).sum())
    n_proj = int((sites["status"] == p.project_status).sum())
    ind = indicators(territory, "france_services").set_index("indicateur")
    rows = []

    def src(name):
        return ind.at[name, "source"] if name in ind.index else ""

    try:
        objective = indicator(territory, "france_services", "objectif_sites_fin_2022")
        deadline = indicator(territory, "france_services", "echeance_objectif")
        rows.append(
            {"cible": "objectif de sites labellisés", "objectif": objective, "valeur": n_lab, "ecart": n_lab - objective,
             "atteint": n_lab >= objective, "echeance": deadline, "en_retard": d > deadline and n_lab < objective,
             "source": src("objectif_sites_fin_2022"), "note": f"{n_proj} projet(s) en instruction"}
        )
    except KeyError:
        pass
    try:
        ceiling = indicator(territory, "france_services", "plafond_sites")
        rows.append(
            {"cible": "plafond de sites (quota + 10 %)", "objectif": ceiling, "valeur": n_lab, "ecart": n_lab - ceiling,
             "atteint": n_lab <= ceiling, "echeance": None, "en_retard": False, "source": src("plafond_sites"),
             "note": "dépassé" if n_lab > ceiling else ""}
        )
    except KeyError:
        pass
    cov = canton_coverage(territory, "france_services", d)
    units = cov[cov["type"] != "fraction"]
    covered_cantons = int(units.loc[units["couvert"].fillna(False).astype(bool), "cantons"].str.split(";").map(len).sum())
    n_cantons = len(territory.cantons)
    groups = units[units["type"] == "groupe"]
    note = ""
    if len(groups):
        note = "dont cantons de groupes couverts comptés couverts : " + ", ".join(groups["nom_canton"])
    try:
        per_canton = indicator(territory, "france_services", "objectif_un_site_par_canton")
    except KeyError:
        per_canton = n_cantons
    rows.append(
        {"cible": "un site par canton", "objectif": per_canton, "valeur": covered_cantons, "ecart": covered_cantons - per_canton,
         "atteint": covered_cantons >= per_canton, "echeance": None, "en_retard": False,
         "source": src("objectif_un_site_par_canton"), "note": note}
    )
    out = pd.DataFrame(rows)
    out.attrs["as_of"] = d
    return out
