"""Progress against the département's sourced targets (France Services)."""

from __future__ import annotations

import pandas as pd

from territoires.analysis.coverage import canton_coverage
from territoires.dates import DateLike, to_date
from territoires.sources.programmes import programme as _programme
from territoires.territory.core import Territory

__all__ = ["targets_progress"]


def targets_progress(territory: Territory, as_of: DateLike = None) -> pd.DataFrame:
    """France Services progress on ``as_of`` against the targets in ``indicateurs.csv``.

    Rows: ``labelled sites vs objective`` (21 by end 2022 in 79), ``vs the ceiling`` (23: ``atteint`` when not
    exceeded, the row's name says so), ``cantons covered vs one per canton`` (17). Each row has
    ``cible, valeur, ecart, atteint, echeance, source``. A canton group (Niort)
    does not count its cantons as covered: which of its cantons holds a site is
    not known, so the row counts them apart ("Niort (cantons 1 à 3) : 1 site
    pour 3 cantons") and ``atteint`` is None (undetermined) when they decide it.

    Examples
    --------
    >>> import territoires
    >>> tp = targets_progress(territoires.load_territory("79"), "2021-09-14").set_index("cible")
    >>> row = tp.loc["objectif de sites labellisés"]
    >>> int(row["objectif"]), int(row["valeur"]), bool(row["atteint"])
    (21, 17, False)
    >>> int(tp.at["plafond de sites non dépassé (quota + 10 %)", "objectif"])
    23
    """
    from territoires.territory.queries import indicator_date, indicator_number, indicators

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
        objective = indicator_number(territory, "france_services", "objectif_sites_fin_2022")
        deadline = indicator_date(territory, "france_services", "echeance_objectif")
        rows.append(
            {"cible": "objectif de sites labellisés", "objectif": objective, "valeur": n_lab, "ecart": n_lab - objective,
             "atteint": n_lab >= objective, "echeance": deadline, "en_retard": d > deadline and n_lab < objective,
             "source": src("objectif_sites_fin_2022"), "note": f"{n_proj} projet(s) en instruction"}
        )
    except KeyError:
        pass
    try:
        ceiling = indicator_number(territory, "france_services", "plafond_sites")
        rows.append(
            {"cible": "plafond de sites non dépassé (quota + 10 %)", "objectif": ceiling, "valeur": n_lab, "ecart": n_lab - ceiling,
             "atteint": n_lab <= ceiling, "echeance": None, "en_retard": False, "source": src("plafond_sites"),
             "note": "dépassé" if n_lab > ceiling else ""}
        )
    except KeyError:
        pass
    cov = canton_coverage(territory, "france_services", d)
    units = cov[cov["type"] != "fraction"]
    covered = units["couvert"].fillna(False).astype(bool)
    n_in = units["cantons"].str.split(";").map(len)
    whole = units["type"] != "groupe"
    # Cantons inside a canton group (Niort-1/2/3) share the group's sites: which
    # canton holds a site is not known, so they are counted apart.
    certain = int(n_in[whole & covered].sum())
    undetermined = int(n_in[~whole & covered].sum())
    n_cantons = len(territory.cantons)
    notes = [
        f"{g.nom_canton} : {int(g.nb_sites)} site{'s' if g.nb_sites > 1 else ''} pour {n} cantons "
        "(répartition entre ces cantons non déterminée)"
        for g, n in zip(units[~whole].itertuples(), n_in[~whole], strict=True)
    ]
    try:
        per_canton = indicator_number(territory, "france_services", "objectif_un_site_par_canton")
    except KeyError:
        per_canton = n_cantons
    reached = True if certain >= per_canton else (False if certain + undetermined < per_canton else None)
    rows.append(
        {"cible": "un site par canton", "objectif": per_canton, "valeur": certain, "ecart": certain - per_canton,
         "atteint": reached, "echeance": None, "en_retard": False,
         "source": src("objectif_un_site_par_canton"),
         "note": "; ".join([f"{certain} cantons couverts avec certitude, {undetermined} de statut indéterminé", *notes])}
    )
    out = pd.DataFrame(rows)
    out.attrs["as_of"] = d.isoformat()  # text: a table's attrs are saved as JSON (to_parquet)
    return out
