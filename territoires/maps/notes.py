"""Notes written under a map's legend: what the data do not cover, said rather than drawn silently."""

from __future__ import annotations

from datetime import date


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
