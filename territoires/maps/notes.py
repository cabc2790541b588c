"""Notes written under a map's legend: what the data do not cover, said rather than drawn silently."""

from __future__ import annotations

from datetime import date

from territoires.french import count, number, percent

__all__ = ["access_note", "coverage_notes"]


def coverage_notes(territory, key: str, label: str) -> list[str]:
    """Say which départements have no canton (collectivités uniques) and which have no row of the programme at any date."""
    com = territory.communes
    no_canton = sorted(set(com.loc[com["code_canton"].isna(), "code_departement"]) - set(com.loc[com["code_canton"].notna(), "code_departement"]))
    known = territory.sites(key, as_of=date.max)
    with_data = set(com.loc[com["code_insee"].isin(known["code_insee"]), "code_departement"])
    without = [dep for dep in territory.departements if dep not in with_data and dep not in no_canton]
    notes = []
    if no_canton:
        notes.append(f"Sans cantons (collectivité unique) : {', '.join(no_canton)}.")
    if without:
        shown = ", ".join(without[:8]) + (f"… ({len(without)} départements)" if len(without) > 8 else "")
        notes.append(f"Aucune donnée {label} chargée pour : {shown} — leurs cantons apparaissent sans site faute de données.")
    return notes


def _vintage_notes(territory, keys, d: date) -> list[str]:
    """"État connu au …" for each programme whose data stop before ``d``."""
    from territoires.sources.programmes import programme
    from territoires.territory.programmes import known_as_of, known_as_of_text

    notes = []
    for key in keys:
        v = known_as_of(territory, key)
        if v is not None and d > v:
            notes.append(f"{programme(key).label} : état connu {known_as_of_text(territory, key)} (données postérieures non disponibles).")
    return notes


def _cnfs_notes(territory, d: date) -> list[str]:
    from territoires.analysis.summary import indicators_on

    notes = _vintage_notes(territory, ["conseillers_numeriques"], d)
    ind = indicators_on(territory, "conseillers_numeriques", d)
    if len(ind):
        v = dict(zip(ind["indicateur"], ind["valeur"], strict=True))
        when = max(ind["date"]).strftime("%d/%m/%Y")
        if "recrutements" in v and "structures" in v:
            notes.append(f"Au {when} (CLCT) : {v['recrutements']} recrutements dans {v['structures']} structures, "
                         "liste non publiée : seules les structures de la liste ANCT sont placées.")
    return notes


def access_note(acc, threshold: float) -> str:
    """People beyond 20 min and the threshold, and the sites counted (neighbours' included when loaded)."""
    from territoires.analysis import population_beyond

    parts = []
    for r in population_beyond(acc, sorted({20, threshold})).itertuples():
        parts.append(f"au-delà de {r.seuil_min:g} min : {number(r.population)} habitants ({percent(r.part)})")
    n, out = acc.attrs.get("nb_sites", 0), acc.attrs.get("nb_sites_hors_territoire", 0)
    text = " ; ".join(parts)
    return f"{text[0].upper()}{text[1:]} — {count(n, 'site compté', 'sites comptés')}, dont {number(out)} hors du département."
