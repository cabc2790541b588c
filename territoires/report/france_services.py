"""The France Services section: labelled sites and projects, cantons without a site, access, targets."""

from __future__ import annotations

import pandas as pd

from territoires import analysis as A
from territoires import maps
from territoires.french import percent
from territoires.report.common import (
    deck,
    deck_source,
    french_columns,
    indicators_table,
    sources_of,
    vintage_line,
)
from territoires.report.model import KeyFigure, Section, Table
from territoires.sources.programmes import programme

__all__ = ["THRESHOLDS", "france_services_section"]

THRESHOLDS = (20, 30)


def france_services_section(territory, d, made_on, boundaries: str) -> Section:
    p = programme("france_services")
    s = territory.sites(p.key, as_of=d)
    lab = s[s["status"] == p.active_status]
    proj = s[s["status"] == p.project_status]
    gaps = A.cantons_without_site(territory, p.key, d)
    acc = A.access_by_commune(territory, p.key, d)
    beyond = A.population_beyond(acc, list(THRESHOLDS))
    targets = A.targets_progress(territory, d)
    router = acc.attrs.get("router", "")

    def src(name):
        return deck_source(territory, p.key, name)

    figs = [
        KeyFigure("Sites labellisés", len(lab), "sites", deck(territory, p.key, "sites_labellises", d), src("sites_labellises")),
        KeyFigure("Projets (dossiers en instruction)", len(proj), "projets", deck(territory, p.key, "dossiers_en_instruction", d), src("dossiers_en_instruction")),
        KeyFigure("Cantons ou groupes de cantons sans site labellisé", len(gaps), "", None, "",
                  ", ".join(gaps["nom_canton"].astype(str))),
        KeyFigure("dont comblés par un projet", int(gaps["comble_par_projets"].sum()), "", None, ""),
    ]
    for r in beyond.itertuples():
        share = percent(r.part)
        figs.append(KeyFigure(f"Habitants à plus de {r.seuil_min:g} min d'un site labellisé", int(r.population), "habitants",
                              None, "", f"{share} de la population, {r.nb_communes} commune(s) ; {router}"))
    for r in targets.itertuples():
        figs.append(KeyFigure(f"Cible « {r.cible} »", r.valeur, f"sur {r.objectif}", None, r.source or "",
                              f"écart {r.ecart:+d}" + ("" if r.atteint is not None else " ; atteinte indéterminée") + (f" ; {r.note}" if r.note else "")))
    canton_name = dict(zip(territory.canton_units["code_canton"], territory.canton_units["nom"], strict=True))
    status_fr = {p.active_status: "labellisée", p.project_status: "projet (dossier en instruction)"}
    sites = s.assign(canton=s["code_canton"].map(canton_name), statut=s["status"].map(status_fr))
    sites = sites.sort_values(["status", "commune", "nom"], key=lambda c: c.astype(str))
    tables = [
        Table(f"Sites au {d.strftime('%d/%m/%Y')} ({len(lab)} labellisés, {len(proj)} projets)", french_columns(sites, {
            "nom": "Nom", "commune": "Commune", "canton": "Canton", "statut": "Statut", "start_date": "Labellisée le",
            "project_from": "Projet attesté le", "source": "Source"}, as_of=d),
            "Un projet est daté du jour où une source le montre comme tel ; une date de labellisation postérieure "
            "à la date du rapport n'est pas affichée."),
        Table("Cantons sans France Services labellisée et projets qui combleraient le manque", french_columns(
            gaps, {"code_canton": "Code", "nom_canton": "Canton", "population": "Population",
                   "projets": "Projets dans le canton", "comble_par_projets": "Comblé par un projet"}),
            "Un groupe de cantons (commune partagée entre plusieurs cantons) est couvert si l'une de ses communes a un site."),
        Table("Population au-delà des seuils", pd.DataFrame({
            "Seuil (min)": beyond["seuil_min"], "Habitants au-delà": beyond["population"].astype(int),
            "Part (%)": (beyond["part"] * 100).round(2), "Communes": beyond["nb_communes"]}), f"Modèle : {router}."),
        Table("Objectifs départementaux", french_columns(targets, {
            "cible": "Cible", "objectif": "Objectif", "valeur": "Valeur", "ecart": "Écart", "atteint": "Atteint",
            "echeance": "Échéance", "note": "Note", "source": "Source"})),
    ]
    ind = indicators_table(territory, p.key, d)
    if ind is not None:
        tables.append(ind)
    specs = [maps.build(territory, n, as_of=d, made_on=made_on) for n in ("france-services", "cantons-sans-site", "acces")]
    sources = [boundaries, *sources_of(s, territory.indicators(p.key))]
    return Section(
        p.key, "France Services",
        f"Le réseau France Services au {d.strftime('%d/%m/%Y')} : sites labellisés et projets, cantons sans site, "
        "temps d'accès estimé, progression vers les objectifs.",
        figs, tables, specs, sources, [vintage_line(territory, p.key), f"Temps d'accès : {router}."],
    )
