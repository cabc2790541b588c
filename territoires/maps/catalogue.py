"""The maps: each builder returns a :class:`MapSpec` drawn from territory and analysis results.

Builders compute nothing themselves: they ask the territory for its sites and
members and the analysis room for gaps and access, then describe layers.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from territoires import __version__
from territoires.dates import to_date as _today
from territoires.french import number, percent
from territoires.maps import style as S
from territoires.maps.choropleth import choropleth_map
from territoires.maps.credits import source_lines
from territoires.maps.geometry import simplified
from territoires.maps.layers import (
    LABELLED,
    PROJECT,
    _communes,
    _dep_label,
    _dep_slug,
    _fmt_date,
    _members_fill,
    _national,
    _site_layer,
    base_layers,
)
from territoires.maps.notes import _cnfs_notes, _vintage_notes, access_note, coverage_notes
from territoires.maps.panels import panels_of
from territoires.maps.style import Layer, LegendEntry, MapSpec, Symbol, french_date
from territoires.sources.programmes import programme

__all__ = [
    "ACCESS_BINS",
    "ACCESS_LABELS",
    "FS",
    "LABELLED",
    "MAPS",
    "PROJECT",
    "access_map",
    "base_layers",
    "choropleth_map",
    "conseillers_map",
    "crte_map",
    "france_services_map",
    "gaps_map",
    "mobile_map",
    "overview_map",
    "pvd_acv_map",
]

if TYPE_CHECKING:
    pass

FS = programme("france_services")


def _dated_spec(territory, name: str, d: date, title: str, layers, legend, tables: dict, made_on=None,
                subtitle: str | None = None, extra_sources=(), *, programmes: tuple[str, ...], **extra) -> MapSpec:
    """A map of ``territory`` on date ``d``: file name ``<name>-<dep>-<date>``.

    ``tables``: French programme label → the rows drawn, whose ``source``
    column makes the credit (see :mod:`~territoires.maps.credits`). A
    territory spanning several CRS zones gets its panels (métropole, insets)
    and opens, interactive, on the main one.
    """
    from territoires.territory.statenote import list_credit, map_vintage_note

    vintage = map_vintage_note(territory, d, programmes)  # "état connu au …" when d is after the drawn programmes' vintage
    lists = list_credit(territory)
    extra_sources = [*extra_sources, f"Listes nationales : {lists}"] if lists else list(extra_sources)
    subtitle = subtitle or f"{_dep_label(territory)} — au {french_date(d)}"
    panels = panels_of(territory)
    if panels and "bounds" not in extra:
        extra["bounds"] = panels[0].bounds
    if _national(territory):
        for lyr in layers:  # thousands of names: none written on a national page
            lyr.label = None
    return MapSpec(
        slug=f"{name}-{_dep_slug(territory)}-{d.isoformat()}",
        title=title,
        subtitle=f"{subtitle} ({vintage})" if vintage else subtitle,
        layers=layers,
        legend=legend,
        sources=source_lines(territory, tables, extra_sources),
        made_on=_today(made_on),
        crs=territory.crs,
        version=__version__,
        panels=panels,
        **extra,
    )


def france_services_map(territory, as_of=None, made_on=None) -> MapSpec:
    """The deck's map: labelled France Services and projects over commune and canton limits."""
    d = _today(as_of)
    s = territory.sites("france_services", as_of=d)
    lab, proj = s[s["status"] == FS.active_status], s[s["status"] == FS.project_status]
    layers, legend = base_layers(territory)
    n_lab, n_proj = len(lab), len(proj)
    layers.append(_site_layer(lab, FS.active_layer, LABELLED))
    layers.append(_site_layer(proj, FS.project_layer, PROJECT, "Labellisée le (ultérieurement)"))
    legend = [
        LegendEntry(f"Labellisées ({n_lab})", LABELLED, FS.active_layer, "France Services"),
        LegendEntry(f"Projets ({n_proj})", PROJECT, FS.project_layer, "France Services"),
        *legend,
    ]
    # Projects whose first source is later than the date cannot be shown: say so.
    later = territory.sites("france_services", as_of=date.max)
    known_later = later[later["project_from"].map(lambda v: v is not None and not pd.isna(v) and v > d) & later["start_date"].map(lambda v: v is not None and not pd.isna(v) and v > d)]
    notes = []
    if len(known_later):
        first = min(known_later["project_from"])
        notes.append(
            f"{len(known_later)} projet(s) attesté(s) seulement à partir du {first.strftime('%d/%m/%Y')} : "
            "non représenté(s) à cette date, faute de source plus ancienne."
        )
    return _dated_spec(
        territory, "france-services", d, "Le réseau France Services", layers, legend,
        {"France Services": s}, made_on,
        subtitle=f"{_dep_label(territory)} — état d'avancement au {french_date(d)}", notes=notes, programmes=("france_services",),
    )


def gaps_map(territory, as_of=None, made_on=None) -> MapSpec:
    """Cantons without a labelled France Services, and the projects that would close the gap."""
    # analysis is imported by the maps that use it, not on the way to the others
    from territoires.analysis import canton_coverage

    d = _today(as_of)
    cov = canton_coverage(territory, "france_services", d)
    g = simplified(territory)
    units = g["canton_units"][["code_canton", "geometry"]].merge(cov[cov["type"] != "fraction"], on="code_canton")
    units["etat"] = np.where(units["couvert"].fillna(False).astype(bool), "couvert", "sans site")
    units["population"] = units["population"].astype("Int64").astype(str)
    units["sans_site"] = units["etat"] == "sans site"  # the map's answer: always named
    colors = {"couvert": "#dee5fd", "sans site": "#f8a39a"}
    fill = Layer("Couverture des cantons", units[["code_canton", "nom_canton", "etat", "sans_site", "population", "sites", "projets", "geometry"]],
                 Symbol("fill", "#dee5fd", edgecolor=S.LINES["canton"]["color"], linewidth=0.15 if _national(territory) else 0.9),
                 by="etat", classes=colors,
                 tooltip=[("nom_canton", "Canton"), ("etat", "État")],
                 popup=[("nom_canton", "Canton"), ("etat", "État"), ("population", "Population"), ("sites", "Sites labellisés"), ("projets", "Projets")],
                 label="nom_canton", keep="sans_site")
    s = territory.sites("france_services", as_of=d)
    layers, legend = base_layers(territory, communes=not _national(territory), cantons=False)
    layers = [fill, *layers]
    # Nationally (2,000 cantons, 2,800 sites) the fill is the message: small points, no names.
    lab_sym = Symbol("point", S.BLEU_FRANCE, edgecolor=S.BLEU_FRANCE, size=1.5, linewidth=0.0) if _national(territory) else LABELLED
    layers.append(_site_layer(s[s["status"] == FS.active_status], FS.active_layer, lab_sym))
    layers.append(_site_layer(s[s["status"] == FS.project_status], FS.project_layer, PROJECT))
    n_gap = int((units["etat"] == "sans site").sum())
    legend = [
        LegendEntry("Canton couvert", Symbol("fill", colors["couvert"], edgecolor=S.GRIS_TEXTE), "Couverture des cantons", "Cantons"),
        LegendEntry(f"Canton sans France Services labellisée ({n_gap})", Symbol("fill", colors["sans site"], edgecolor=S.GRIS_TEXTE), "Couverture des cantons", "Cantons"),
        LegendEntry("Labellisées", lab_sym, FS.active_layer, "France Services"),
        LegendEntry("Projets", PROJECT, FS.project_layer, "France Services"),
        *[e for e in legend if e.layer != "Limites cantonales"],
    ]
    notes = []
    groups = sorted(cov.loc[cov["type"] == "groupe", "nom_canton"].astype(str))
    if groups:
        shown = ", ".join(groups[:3]) + (f"… ({len(groups)} groupes)" if len(groups) > 3 else "")
        notes.append(f"Cantons d'une commune partagée ({shown}) : couverture évaluée pour le groupe.")
    notes += coverage_notes(territory, "france_services", "France Services")
    return _dated_spec(territory, "cantons-sans-france-services", d, "Cantons sans France Services labellisée",
                       layers, legend, {"France Services": s}, made_on, notes=notes, programmes=("france_services",))


ACCESS_BINS = [10, 20, 30]
ACCESS_LABELS = ["moins de 10 min", "10 à 20 min", "20 à 30 min", "plus de 30 min"]


def access_map(territory, as_of=None, made_on=None, router=None, threshold: float = 30) -> MapSpec:
    """Estimated time to the nearest labelled France Services, by commune."""
    from territoires.analysis import access_by_commune, population_beyond

    d = _today(as_of)
    acc = access_by_commune(territory, "france_services", d, router=router)
    pb = population_beyond(acc, [threshold]).iloc[0]
    g = simplified(territory)["communes"][["code_insee", "geometry"]]
    data = g.merge(acc.drop(columns="geometry")[["code_insee", "nom_commune", "population", "minutes", "commune_site_proche"]].rename(columns={"nom_commune": "nom"}), on="code_insee")
    from territoires.maps.classify import user_defined

    y = data["minutes"].fillna(np.inf).to_numpy()
    top = max(float(np.nanmax(y[np.isfinite(y)])) if np.isfinite(y).any() else 31, 30.0001)
    cls = user_defined(np.where(np.isfinite(y), y, top), bins=[*ACCESS_BINS, top])
    data["classe"] = [ACCESS_LABELS[i] for i in cls.yb]
    data["minutes_txt"] = data["minutes"].map(lambda v: "" if pd.isna(v) else f"{v:.0f} min")
    data["population"] = data["population"].astype("Int64").astype(str)
    colors = dict(zip(ACCESS_LABELS, S.SEQUENTIAL[:4], strict=True))
    fill = Layer("Temps d'accès estimé", data[["code_insee", "nom", "population", "minutes_txt", "commune_site_proche", "classe", "geometry"]],
                 Symbol("fill", S.SEQUENTIAL[0], edgecolor=S.BLANC, linewidth=0.2), by="classe", classes=colors,
                 tooltip=[("nom", "Commune"), ("minutes_txt", "Temps estimé")],
                 popup=[("nom", "Commune"), ("population", "Population"), ("minutes_txt", "Temps estimé"), ("commune_site_proche", "France Services la plus proche à")])
    s = territory.sites("france_services", as_of=d)
    layers, legend = base_layers(territory, communes=False)
    lab = s[s["status"] == FS.active_status]
    layers = [fill, *layers, _site_layer(lab, FS.active_layer, LABELLED)]
    counts = data["classe"].value_counts()
    legend = [
        *[LegendEntry(f"{lab} ({_communes(int(counts.get(lab, 0)))})", Symbol("fill", colors[lab], edgecolor=S.GRIS_TEXTE), "Temps d'accès estimé", "Temps d'accès estimé")
          for lab in ACCESS_LABELS],
        LegendEntry(FS.active_layer, LABELLED, FS.active_layer, "France Services"),
        *legend,
    ]
    share, pop = percent(pb["part"]), number(int(pb["population"]))
    return _dated_spec(
        territory, "acces-france-services", d,
        f"Accès aux France Services : {pop} habitants à plus de {threshold:g} min ({share})",
        layers, legend, {"France Services": lab}, made_on, programmes=("france_services",),
        extra_sources=["Populations : INSEE, via la source des limites"],
        subtitle=f"{_dep_label(territory)} — au {french_date(d)} — {acc.attrs.get('modele', acc.attrs['router'])}",
        notes=[access_note(acc, threshold), f"Modèle : {acc.attrs['router']}."],
    )


def crte_map(territory, as_of=None, made_on=None) -> MapSpec:
    """CRTE perimeters: communes coloured by contract, EPCI limits."""
    from territoires.analysis.summary import programme_status_text
    from territoires.territory.programmes import member_communes

    d = _today(as_of)
    mc = member_communes(territory, "crte", d)
    g = simplified(territory)["communes"][["code_insee", "nom", "geometry"]]
    crte = mc.drop_duplicates("code_insee").set_index("code_insee")
    data = g.copy()
    data["crte"] = data["code_insee"].map(crte["group_name"]).fillna("hors CRTE")
    data["signature"] = data["code_insee"].map(crte["signed_on"]).map(_fmt_date).replace("", "date non trouvée") if "signed_on" in crte else ""
    names = sorted(n for n in data["crte"].unique() if n != "hors CRTE")
    colors = {n: S.CATEGORICAL[i % len(S.CATEGORICAL)] for i, n in enumerate(names)}
    colors["hors CRTE"] = S.GRIS_FOND
    fill = Layer("Périmètres des CRTE", data, Symbol("fill", S.GRIS_FOND, edgecolor=S.BLANC, linewidth=0.2, opacity=0.85), by="crte", classes=colors,
                 tooltip=[("nom", "Commune"), ("crte", "CRTE")], popup=[("nom", "Commune"), ("crte", "CRTE"), ("signature", "Signé le")])
    layers, legend = base_layers(territory, communes=False, epci=True, cantons=False)
    layers = [fill, *layers]
    legend = [LegendEntry(n, Symbol("fill", colors[n], edgecolor=S.GRIS_TEXTE), "Périmètres des CRTE", "CRTE") for n in names]
    if (data["crte"] == "hors CRTE").any():
        legend.append(LegendEntry("hors CRTE", Symbol("fill", S.GRIS_FOND, edgecolor=S.GRIS_TEXTE), "Périmètres des CRTE", "CRTE"))
    legend += [
        LegendEntry("Limites des EPCI", Symbol("line", S.LINES["epci"]["color"], linewidth=1.1, dash="4 2"), "Limites des EPCI", "Limites"),
        LegendEntry("Limite départementale", Symbol("line", S.LINES["departement"]["color"], linewidth=1.6), "Limite départementale", "Limites"),
    ]
    return _dated_spec(
        territory, "crte", d, "Contrats de relance et de transition écologique (CRTE)", layers, legend,
        {"CRTE": mc.drop_duplicates(["unit_type", "unit_code"])}, made_on,
        subtitle=f"{_dep_label(territory)} — {programme_status_text(territory, 'crte', d)[1]} au {french_date(d)}",
        notes=_vintage_notes(territory, ["crte"], d), programmes=("crte",),
    )


def pvd_acv_map(territory, as_of=None, made_on=None) -> MapSpec:
    """Petites villes de demain and Action cœur de ville towns."""
    d = _today(as_of)
    pvd, n_pvd = _members_fill(territory, "pvd", "Petites villes de demain", S.VIOLET_GLYCINE, d, [("signed_on_txt", "Convention d'adhésion signée le")])
    acv, n_acv = _members_fill(territory, "acv", "Action cœur de ville", S.BLEU_ECUME, d, [("signed_on_txt", "Convention signée le")])
    layers, legend = base_layers(territory, canton_labels=False)
    for lyr in (pvd, acv):
        lyr.label, lyr.keep = "nom", True  # the programme's towns are the map's answer
    layers = [pvd, acv, *layers]
    legend = [
        LegendEntry(f"Petites villes de demain ({n_pvd})", pvd.symbol, pvd.name, "Programmes"),
        LegendEntry(f"Action cœur de ville ({n_acv})", acv.symbol, acv.name, "Programmes"),
        *legend,
    ]
    notes = _vintage_notes(territory, ["pvd", "acv"], d)
    former = [f"{n} (aujourd'hui {a})" for n, a in zip(pvd.data["nom"], pvd.data["nom_actuel"], strict=True) if a]
    if former:
        notes.append("Communes dessinées telles qu'à la date de la source (communes déléguées depuis) : " + ", ".join(former) + ".")
    return _dated_spec(territory, "pvd-acv", d, "Petites villes de demain et Action cœur de ville",
                       layers, legend, {"Petites villes de demain": pvd.rows, "Action cœur de ville": acv.rows}, made_on, notes=notes,
                       programmes=("pvd", "acv"))


def conseillers_map(territory, as_of=None, made_on=None) -> MapSpec:
    """Structures hosting conseillers numériques France Services."""
    d = _today(as_of)
    s = territory.sites("conseillers_numeriques", as_of=d)
    sym = Symbol("point", S.VERT_MENTHE, edgecolor=S.BLANC, size=9)
    layer = _site_layer(s, "Structures conseillers numériques", sym, "Validée le")
    layer.data["nb_cnfs"] = s["nb_cnfs"].astype(str).to_numpy() if "nb_cnfs" in s else ""
    layer.data["type"] = s["type_structure"].astype(str).to_numpy() if "type_structure" in s else ""
    layer.popup = [("nom", "Structure"), ("commune", "Commune"), ("nb_cnfs", "Conseillers"), ("type", "Statut"), ("date", "Validée le")]
    layers, legend = base_layers(territory)
    n_posts = int(pd.to_numeric(s.get("nb_cnfs"), errors="coerce").fillna(0).sum()) if len(s) else 0
    legend = [LegendEntry(f"Structures ({len(s)}, {n_posts} postes)", sym, layer.name, "Conseillers numériques"), *legend]
    return _dated_spec(territory, "conseillers-numeriques", d, "Conseillers numériques France Services : structures d'accueil",
                       [*layers, layer], legend, {"Conseillers numériques": s}, made_on,
                       notes=_cnfs_notes(territory, d), programmes=("conseillers_numeriques",))


def mobile_map(territory, as_of=None, made_on=None) -> MapSpec:
    """Mobile coverage: New Deal Mobile sites (when known) and 2015 white zones."""
    d = _today(as_of)
    zb, n_zb = _members_fill(territory, "zones_blanches", "Zones blanches centres-bourgs (2015)", S.JAUNE_TOURNESOL, d)
    zb.label, zb.keep = "nom", True
    s = territory.sites("couverture_mobile", as_of=d)
    sym = Symbol("point", S.ROUGE_MARIANNE, edgecolor=S.BLANC, size=8)
    sites_layer = _site_layer(s, "Sites New Deal Mobile", sym, "En service le")
    layers, legend = base_layers(territory, canton_labels=False)
    notes = [] if len(s) else ["Aucun site New Deal Mobile dans les données : la liste officielle du département n'a pas été trouvée."]
    legend = [
        LegendEntry(f"Zones blanches 2015 ({_communes(n_zb)})", zb.symbol, zb.name, "Couverture mobile"),
        LegendEntry(f"Sites New Deal Mobile ({len(s)})", sym, sites_layer.name, "Couverture mobile"),
        *legend,
    ]
    return _dated_spec(territory, "couverture-mobile", d, "Couverture mobile : New Deal Mobile et zones blanches",
                       [zb, *layers, sites_layer], legend, {"Zones blanches": zb.rows, "New Deal Mobile": s}, made_on,
                       notes=notes, programmes=("couverture_mobile", "zones_blanches"))


def overview_map(territory, as_of=None, made_on=None) -> MapSpec:
    """Every programme on one map, each a layer to switch on and off."""
    d = _today(as_of)
    pvd, n_pvd = _members_fill(territory, "pvd", "Petites villes de demain", S.VIOLET_GLYCINE, d)
    acv, n_acv = _members_fill(territory, "acv", "Action cœur de ville", S.BLEU_ECUME, d)
    ff, n_ff = _members_fill(territory, "fonds_friches", "Fonds friches", S.CAFE_CREME, d)
    ff.show = False
    fs = territory.sites("france_services", as_of=d)
    cn = territory.sites("conseillers_numeriques", as_of=d)
    cn_sym = Symbol("point", S.VERT_MENTHE, edgecolor=S.BLANC, size=6)
    layers, legend = base_layers(territory, epci=True)
    layers = [
        pvd, acv, ff, *layers,
        _site_layer(fs[fs["status"] == FS.active_status], FS.active_layer, LABELLED),
        _site_layer(fs[fs["status"] == FS.project_status], FS.project_layer, PROJECT),
        _site_layer(cn, "Conseillers numériques", cn_sym, "Validée le"),
    ]
    layers[-1].label = None  # on this map, the France Services towns are named, not every structure's
    legend = [
        LegendEntry(f"Labellisées ({int((fs['status'] == FS.active_status).sum())})", LABELLED, FS.active_layer, "France Services"),
        LegendEntry(f"Projets ({int((fs['status'] == FS.project_status).sum())})", PROJECT, FS.project_layer, "France Services"),
        LegendEntry(f"Structures conseillers numériques ({len(cn)})", cn_sym, "Conseillers numériques", "Numérique"),
        LegendEntry(f"Petites villes de demain ({n_pvd})", pvd.symbol, pvd.name, "Revitalisation"),
        LegendEntry(f"Action cœur de ville ({n_acv})", acv.symbol, acv.name, "Revitalisation"),
        LegendEntry(f"Fonds friches ({n_ff})", ff.symbol, ff.name, "Revitalisation"),
        *legend,
    ]
    return _dated_spec(territory, "programmes", d, "Les programmes de cohésion territoriale", layers, legend,
                       {"France Services": fs, "Conseillers numériques": cn, "Petites villes de demain": pvd.rows,
                        "Action cœur de ville": acv.rows, "Fonds friches": ff.rows}, made_on,
                       programmes=("france_services", "conseillers_numeriques", "pvd", "acv", "fonds_friches"))


#: Map name (CLI) → builder.
MAPS = {
    "france-services": france_services_map,
    "cantons-sans-site": gaps_map,
    "acces": access_map,
    "crte": crte_map,
    "pvd-acv": pvd_acv_map,
    "conseillers-numeriques": conseillers_map,
    "couverture-mobile": mobile_map,
    "programmes": overview_map,
}
