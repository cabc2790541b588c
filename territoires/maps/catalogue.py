"""The maps: each builder returns a :class:`MapSpec` drawn from territory and analysis results.

Builders compute nothing themselves: they ask the territory for its sites and
members and the analysis room for gaps and access, then describe layers.
"""

from __future__ import annotations

from datetime import date

import geopandas as gpd
import numpy as np
import pandas as pd

from territoires import __version__
from territoires.analysis import access_by_commune, canton_coverage, population_beyond
from territoires.dates import to_date as _today
from territoires.maps import style as S
from territoires.maps.geometry import areas_km2, default_tolerance, main_view, simplified
from territoires.maps.style import Layer, LegendEntry, MapSpec, Symbol, french_date
from territoires.sources.programmes import programme

FS = programme("france_services")


def _dep_label(territory) -> str:
    if len(territory.departements) == 1:
        row = territory.outline.iloc[0]
        return f"{row['nom']} ({row['code_departement']})"
    if len(territory.departements) > 20:
        return "France"
    return ", ".join(territory.departements)


def _dep_slug(territory) -> str:
    return territory.departements[0] if len(territory.departements) == 1 else ("france" if len(territory.departements) > 20 else "-".join(territory.departements))


def _communes(n: int) -> str:
    return f"{n} commune" if n < 2 else f"{n} communes"


def _fmt_date(v) -> str:
    if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NaT:
        return ""
    try:
        return v.strftime("%d/%m/%Y")
    except AttributeError:
        return str(v)


def _dated_spec(territory, name: str, d: date, title: str, layers, legend, sources: str, made_on=None,
                subtitle: str | None = None, **extra) -> MapSpec:
    """A map of ``territory`` on date ``d``: file name ``<name>-<dep>-<date>``, boundary source credited."""
    return MapSpec(
        slug=f"{name}-{_dep_slug(territory)}-{d.isoformat()}",
        title=title,
        subtitle=subtitle or f"{_dep_label(territory)} — au {french_date(d)}",
        layers=layers,
        legend=legend,
        sources=f"{S.SOURCE_BOUNDARIES} ({_cog_text(territory)}), {sources}",
        made_on=_today(made_on),
        crs=territory.crs,
        version=__version__,
        **extra,
    )


def _cog_text(territory) -> str:
    """``communes au COG 2025`` (+ the polygons' COG year when it differs)."""
    text = f"communes au COG {territory.vintage or 'non précisé'}"
    geo = getattr(territory, "geometry_vintage", "")
    if geo and geo != territory.vintage:
        text += f", contours au COG {geo}"
    return text


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


def base_layers(territory, tolerance: float | None = None, communes: bool = True, epci: bool = False, canton_labels: bool = True,
                cantons: bool = True) -> tuple[list[Layer], list[LegendEntry]]:
    """Commune, canton (and EPCI) limits and the département outline (only these layers are simplified)."""
    g = simplified(territory, tolerance)
    layers, legend = [], []
    if communes:
        sym = Symbol("line", S.LINES["commune"]["color"], linewidth=S.LINES["commune"]["width"])
        layers.append(Layer("Limites communales", g["communes"][["code_insee", "nom", "population", "geometry"]], sym,
                            tooltip=[("nom", "Commune"), ("code_insee", "Code INSEE")], interactive=False))
        legend.append(LegendEntry("Limites communales", sym, "Limites communales", "Limites"))
    if epci:
        sym = Symbol("line", S.LINES["epci"]["color"], linewidth=S.LINES["epci"]["width"], dash="4 2")
        layers.append(Layer("Limites des EPCI", g["epcis"][["siren", "nom", "geometry"]], sym, tooltip=[("nom", "EPCI")], interactive=False))
        legend.append(LegendEntry("Limites des EPCI", sym, "Limites des EPCI", "Limites"))
    if cantons:
        sym = Symbol("line", S.LINES["canton"]["color"], linewidth=S.LINES["canton"]["width"])
        units = g["canton_units"][["code_canton", "nom", "kind", "population", "geometry"]]
        layers.append(Layer("Limites cantonales", units, sym, tooltip=[("nom", "Canton")], label="nom" if canton_labels else None, interactive=False))
        legend.append(LegendEntry("Limites cantonales", sym, "Limites cantonales", "Limites"))
    sym = Symbol("line", S.LINES["departement"]["color"], linewidth=S.LINES["departement"]["width"])
    layers.append(Layer("Limite départementale", g["outline"][["code_departement", "nom", "geometry"]], sym, interactive=False))
    legend.append(LegendEntry("Limite départementale", sym, "Limite départementale", "Limites"))
    return layers, legend


def _commune_then_and_now(sites: gpd.GeoDataFrame) -> list[str]:
    """The site's commune as its source names it, with today's when it differs."""
    from territoires.naming import fold

    then = sites["commune"].fillna("").astype(str)
    now = sites["commune_actuelle"].fillna("").astype(str) if "commune_actuelle" in sites else then
    return [t if not n or fold(t) == fold(n) else f"{t} (aujourd'hui {n})" for t, n in zip(then, now, strict=True)]


def _site_layer(sites: gpd.GeoDataFrame, name: str, symbol: Symbol, date_label: str = "Labellisée le") -> Layer:
    d = pd.DataFrame(
        {
            "nom": sites["nom"].astype(str),
            "commune": _commune_then_and_now(sites),
            "adresse": sites["adresse"].fillna("").astype(str) if "adresse" in sites else "",
            "date": [_fmt_date(v) for v in sites["start_date"]] if "start_date" in sites else "",
            "statut": sites["status"].map({FS.active_status: "labellisée", FS.project_status: "projet (dossier en instruction)"}).fillna(sites["status"]).astype(str),
            "site_id": sites["site_id"].astype(str),
        }
    )
    gdf = gpd.GeoDataFrame(d, geometry=sites.geometry.to_numpy(), crs=sites.crs)
    return Layer(
        name, gdf, symbol,
        tooltip=[("nom", "Nom"), ("commune", "Commune")],
        popup=[("nom", "Nom"), ("adresse", "Adresse"), ("commune", "Commune"), ("date", date_label), ("statut", "Statut"), ("site_id", "Identifiant")],
    )


LABELLED = Symbol("point", S.BLEU_FRANCE, edgecolor=S.BLANC, size=9, linewidth=0.8)
PROJECT = Symbol("point", S.BLANC, edgecolor=S.ORANGE_TERRE_BATTUE, size=9, linewidth=2.0, hollow=True)


def france_services_map(territory, as_of=None, made_on=None) -> MapSpec:
    """The deck's map: labelled France Services and projects over commune and canton limits."""
    d = _today(as_of)
    s = territory.sites("france_services", as_of=d)
    lab, proj = s[s["status"] == FS.active_status], s[s["status"] == FS.project_status]
    layers, legend = base_layers(territory)
    n_lab, n_proj = len(lab), len(proj)
    layers.append(_site_layer(lab, "France Services labellisées", LABELLED))
    layers.append(_site_layer(proj, "France Services en projet", PROJECT, "Labellisée le (ultérieurement)"))
    legend = [
        LegendEntry(f"Labellisées ({n_lab})", LABELLED, "France Services labellisées", "France Services"),
        LegendEntry(f"Projets ({n_proj})", PROJECT, "France Services en projet", "France Services"),
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
        "ANCT (liste des structures France services)", made_on,
        subtitle=f"{_dep_label(territory)} — état d'avancement au {french_date(d)}", notes=notes,
    )


def gaps_map(territory, as_of=None, made_on=None) -> MapSpec:
    """Cantons without a labelled France Services, and the projects that would close the gap."""
    d = _today(as_of)
    cov = canton_coverage(territory, "france_services", d)
    g = simplified(territory)
    units = g["canton_units"][["code_canton", "geometry"]].merge(cov[cov["type"] != "fraction"], on="code_canton")
    units["etat"] = np.where(units["couvert"].fillna(False).astype(bool), "couvert", "sans site")
    units["population"] = units["population"].astype("Int64").astype(str)
    colors = {"couvert": "#dee5fd", "sans site": "#f8a39a"}
    fill = Layer("Couverture des cantons", units[["code_canton", "nom_canton", "etat", "population", "sites", "projets", "geometry"]],
                 Symbol("fill", "#dee5fd", edgecolor=S.LINES["canton"]["color"], linewidth=0.9), by="etat", classes=colors,
                 tooltip=[("nom_canton", "Canton"), ("etat", "État")],
                 popup=[("nom_canton", "Canton"), ("etat", "État"), ("population", "Population"), ("sites", "Sites labellisés"), ("projets", "Projets")],
                 label="nom_canton")
    s = territory.sites("france_services", as_of=d)
    layers, legend = base_layers(territory, cantons=False)
    layers = [fill, *layers]
    layers.append(_site_layer(s[s["status"] == FS.active_status], "France Services labellisées", LABELLED))
    layers.append(_site_layer(s[s["status"] == FS.project_status], "France Services en projet", PROJECT))
    n_gap = int((units["etat"] == "sans site").sum())
    legend = [
        LegendEntry("Canton couvert", Symbol("fill", colors["couvert"], edgecolor=S.GRIS_TEXTE), "Couverture des cantons", "Cantons"),
        LegendEntry(f"Canton sans France Services labellisée ({n_gap})", Symbol("fill", colors["sans site"], edgecolor=S.GRIS_TEXTE), "Couverture des cantons", "Cantons"),
        LegendEntry("Labellisées", LABELLED, "France Services labellisées", "France Services"),
        LegendEntry("Projets", PROJECT, "France Services en projet", "France Services"),
        *[e for e in legend if e.layer != "Limites cantonales"],
    ]
    notes = []
    if (cov["type"] == "groupe").any():
        notes.append("Cantons d'une commune partagée (Niort 1 à 3) : couverture évaluée pour le groupe.")
    return _dated_spec(territory, "cantons-sans-france-services", d, "Cantons sans France Services labellisée",
                       layers, legend, "ANCT", made_on, notes=notes)


ACCESS_BINS = [10, 20, 30]
ACCESS_LABELS = ["moins de 10 min", "10 à 20 min", "20 à 30 min", "plus de 30 min"]


def access_map(territory, as_of=None, made_on=None, router=None, threshold: float = 30) -> MapSpec:
    """Estimated time to the nearest labelled France Services, by commune."""
    d = _today(as_of)
    acc = access_by_commune(territory, "france_services", d, router=router)
    pb = population_beyond(acc, [threshold]).iloc[0]
    g = simplified(territory)["communes"][["code_insee", "geometry"]]
    data = g.merge(acc.drop(columns="geometry")[["code_insee", "nom_commune", "population", "minutes", "commune_site_proche"]].rename(columns={"nom_commune": "nom"}), on="code_insee")
    import mapclassify  # imported here: it pulls in scipy.stats (1 s)

    y = data["minutes"].fillna(np.inf).to_numpy()
    top = max(float(np.nanmax(y[np.isfinite(y)])) if np.isfinite(y).any() else 31, 30.0001)
    cls = mapclassify.UserDefined(np.where(np.isfinite(y), y, top), bins=[*ACCESS_BINS, top])
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
    layers = [fill, *layers, _site_layer(s[s["status"] == FS.active_status], "France Services labellisées", LABELLED)]
    counts = data["classe"].value_counts()
    legend = [
        *[LegendEntry(f"{lab} ({_communes(int(counts.get(lab, 0)))})", Symbol("fill", colors[lab], edgecolor=S.GRIS_TEXTE), "Temps d'accès estimé", "Temps d'accès estimé")
          for lab in ACCESS_LABELS],
        LegendEntry("France Services labellisées", LABELLED, "France Services labellisées", "France Services"),
        *legend,
    ]
    share = f"{pb['part'] * 100:.1f}".replace(".", ",")
    pop = f"{int(pb['population']):,}".replace(",", "\u202f")
    return _dated_spec(
        territory, "acces-france-services", d,
        f"Accès aux France Services : {pop} habitants à plus de {threshold:g} min ({share} %)",
        layers, legend, "populations INSEE, ANCT", made_on,
        subtitle=f"{_dep_label(territory)} — au {french_date(d)} — {acc.attrs['router']}",
        notes=["Temps estimés à vol d'oiseau, non routés : voir la documentation."],
    )


def _members_fill(territory, key: str, name: str, color: str, as_of: date, tooltip_extra=()) -> tuple[Layer, int]:
    """Member communes filled, each drawn as it stood when its source named it (commune déléguée if so)."""
    from territoires.maps.geometry import TOLERANCE_DEPARTEMENT
    from territoires.territory.history import as_they_stood
    from territoires.territory.programmes import member_communes

    mc = member_communes(territory, key, as_of)
    rows = mc.drop_duplicates("code_insee")
    rows = pd.DataFrame({"code_insee": rows["code_insee"].to_numpy(),
                         "nom_source": rows["unit_name"].to_numpy() if "unit_name" in rows else None,
                         **{c.removesuffix("_txt"): rows[c.removesuffix("_txt")].to_numpy() for c, _ in tooltip_extra if c.removesuffix("_txt") in rows}})
    sel = as_they_stood(territory, rows)
    simple = simplified(territory)["communes"].set_index("code_insee").geometry
    keep = ~sel["commune_deleguee"].to_numpy(dtype=bool)
    geoms = sel.geometry.to_numpy().copy()
    geoms[keep] = simple.reindex(sel["code_insee"][keep]).to_numpy()
    if (~keep).any():
        geoms[~keep] = sel.geometry[~keep].simplify(TOLERANCE_DEPARTEMENT if territory.crs != "EPSG:4326" else 0.0004).to_numpy()
    sel = gpd.GeoDataFrame(sel.drop(columns="geometry"), geometry=geoms, crs=sel.crs)
    sel["nom_actuel"] = np.where(keep, "", sel["nom_actuel"].astype(str))
    for col, _ in tooltip_extra:
        src = col.removesuffix("_txt")
        sel[col] = sel[src].map(_fmt_date) if src in sel else ""
    popup = [("nom", "Commune"), ("code_insee", "Code INSEE"), *tooltip_extra]
    if (~keep).any():
        popup.insert(1, ("nom_actuel", "Aujourd'hui commune déléguée de"))
    layer = Layer(name, sel[["code_insee", "nom", "nom_actuel", "population", *[c for c, _ in tooltip_extra], "geometry"]],
                  Symbol("fill", color, edgecolor=S.BLANC, linewidth=0.3, opacity=0.85),
                  tooltip=[("nom", "Commune")], popup=popup)
    return layer, len(sel)


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
        "préfecture des Deux-Sèvres, ANCT", made_on,
        subtitle=f"{_dep_label(territory)} — {programme_status_text(territory, 'crte', d)[1]} au {french_date(d)}",
        notes=_vintage_notes(territory, ["crte"], d),
    )


def pvd_acv_map(territory, as_of=None, made_on=None) -> MapSpec:
    """Petites villes de demain and Action cœur de ville towns."""
    d = _today(as_of)
    pvd, n_pvd = _members_fill(territory, "pvd", "Petites villes de demain", S.VIOLET_GLYCINE, d, [("signed_on_txt", "Convention d'adhésion signée le")])
    acv, n_acv = _members_fill(territory, "acv", "Action cœur de ville", S.BLEU_ECUME, d, [("signed_on_txt", "Convention signée le")])
    layers, legend = base_layers(territory, canton_labels=False)
    for lyr in (pvd, acv):
        lyr.label = "nom"
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
                       layers, legend, "ANCT", made_on, notes=notes)


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
                       [*layers, layer], legend, "ANCT (structures lauréates)", made_on,
                       notes=_cnfs_notes(territory, d))


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


def mobile_map(territory, as_of=None, made_on=None) -> MapSpec:
    """Mobile coverage: New Deal Mobile sites (when known) and 2015 white zones."""
    d = _today(as_of)
    zb, n_zb = _members_fill(territory, "zones_blanches", "Zones blanches centres-bourgs (2015)", S.JAUNE_TOURNESOL, d)
    zb.label = "nom"
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
                       [zb, *layers, sites_layer], legend, "France 3 Nouvelle-Aquitaine (zones blanches 2015)", made_on,
                       notes=notes)


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
        _site_layer(fs[fs["status"] == FS.active_status], "France Services labellisées", LABELLED),
        _site_layer(fs[fs["status"] == FS.project_status], "France Services en projet", PROJECT),
        _site_layer(cn, "Conseillers numériques", cn_sym, "Validée le"),
    ]
    legend = [
        LegendEntry(f"Labellisées ({int((fs['status'] == FS.active_status).sum())})", LABELLED, "France Services labellisées", "France Services"),
        LegendEntry(f"Projets ({int((fs['status'] == FS.project_status).sum())})", PROJECT, "France Services en projet", "France Services"),
        LegendEntry(f"Structures conseillers numériques ({len(cn)})", cn_sym, "Conseillers numériques", "Numérique"),
        LegendEntry(f"Petites villes de demain ({n_pvd})", pvd.symbol, pvd.name, "Revitalisation"),
        LegendEntry(f"Action cœur de ville ({n_acv})", acv.symbol, acv.name, "Revitalisation"),
        LegendEntry(f"Fonds friches ({n_ff})", ff.symbol, ff.name, "Revitalisation"),
        *legend,
    ]
    return _dated_spec(territory, "programmes", d, "Les programmes de cohésion territoriale", layers, legend,
                       "ANCT, préfecture des Deux-Sèvres", made_on)


def choropleth_map(territory, column: str = "densite", title: str | None = None, k: int = 5, made_on=None, tolerance: float | None = None) -> MapSpec:
    """Communes coloured by ``column`` in ``k`` quantile classes (mapclassify).

    ``column="densite"`` (default) is the population per km² computed from
    the commune areas in the projected CRS. Built for national maps: the
    geometry is simplified at 500 m and rounded to 3 decimals (about 100 m).
    """
    tol = tolerance if tolerance is not None else default_tolerance(territory)
    g = simplified(territory, tol)["communes"]
    data = g[["code_insee", "nom", "population", "geometry"]].copy()
    if column == "densite":
        areas = areas_km2(territory)
        data["densite"] = (data["population"].astype(float) / data["code_insee"].map(areas)).round(1)
    import mapclassify

    y = data[column].astype(float)
    ok = y.notna().to_numpy()
    q = mapclassify.Quantiles(y[ok].to_numpy(), k=k)
    edges = [float(y[ok].min()), *q.bins]
    labels = [f"{edges[i]:,.0f} – {edges[i + 1]:,.0f}".replace(",", "\u202f") for i in range(len(q.bins))]
    cls = np.full(len(data), "sans donnée", dtype=object)
    cls[ok] = [labels[i] for i in q.yb]
    data["classe"] = cls
    data["valeur"] = y.map(lambda v: "" if pd.isna(v) else f"{v:,.1f}".replace(",", "\u202f"))
    palette = ["#dee5fd", "#a1b5ee", "#6a7fd0", "#3d4ba8", "#1b1b35", "#0b0b20", "#000000"]
    colors = {lab: palette[i] for i, lab in enumerate(labels)}
    colors["sans donnée"] = S.GRIS_FOND
    fill = Layer(title or column, data[["code_insee", "nom", "classe", "valeur", "geometry"]], Symbol("fill", palette[0], edgecolor=palette[0], linewidth=0.0),
                 by="classe", classes=colors, tooltip=[("nom", "Commune"), ("valeur", title or column)])
    legend = [LegendEntry(lab, Symbol("fill", colors[lab], edgecolor=S.GRIS_TEXTE), fill.name, title or column) for lab in labels]
    outline = simplified(territory, tol)["outline"][["code_departement", "nom", "geometry"]]
    dep = Layer("Limites départementales", outline, Symbol("line", S.LINES["departement"]["color"], linewidth=0.6), interactive=False)
    legend.append(LegendEntry("Limites départementales", dep.symbol, dep.name, "Limites"))
    label = title or ("Densité de population (hab./km²)" if column == "densite" else column)
    fill.name = label
    for e in legend:
        if e.layer == (title or column):
            e.layer = label
            e.group = label
    national = len(territory.departements) > 5
    view = main_view(territory)
    return MapSpec(
        bounds=view,
        decimals=3 if national else 5,
        slug=f"choropleth-{column}-{_dep_slug(territory)}",
        title=label, subtitle=f"{_dep_label(territory)} — {len(data):,} communes, classes par quantiles".replace(",", "\u202f"),
        layers=[fill, dep], legend=legend, sources=f"{S.SOURCE_BOUNDARIES} (populations INSEE)",
        made_on=_today(made_on), crs=territory.crs, version=__version__,
    )


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
