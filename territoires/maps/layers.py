"""Layers shared by the map builders: boundaries, sites, member communes, and small text helpers."""

from __future__ import annotations

from datetime import date

import geopandas as gpd
import numpy as np
import pandas as pd

from territoires.maps import style as S
from territoires.maps.geometry import TOLERANCE_DEPARTEMENT, simplified
from territoires.maps.style import Layer, LegendEntry, Symbol
from territoires.sources.programmes import programme

__all__ = ["FS", "LABELLED", "PROJECT", "base_layers"]

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


def _national(territory) -> bool:
    return len(territory.departements) > 20


def base_layers(territory, tolerance: float | None = None, communes: bool = True, epci: bool = False, canton_labels: bool = True,
                cantons: bool = True) -> tuple[list[Layer], list[LegendEntry]]:
    """Commune, canton (and EPCI) limits and the département outline (only the layers asked for are simplified)."""
    g = simplified(territory, tolerance)
    layers, legend = [], []
    if communes:
        sym = Symbol("line", S.LINES["commune"]["color"], linewidth=S.LINES["commune"]["width"])
        layers.append(Layer("Limites communales", g["communes"][["code_insee", "nom", "population", "geometry"]], sym,
                            tooltip=[("nom", "Commune"), ("code_insee", "Code INSEE")], interactive=False))
        legend.append(LegendEntry("Limites communales", sym, "Limites communales", "Limites"))
    from territoires.territory.arrondissements import arrondissements

    arr = arrondissements(territory)
    if len(arr):  # Paris, Lyon, Marseille
        sym = Symbol("line", S.LINES["canton"]["color"], linewidth=S.LINES["commune"]["width"] * 1.5, dash="3 2")
        layers.append(Layer("Arrondissements municipaux", arr[["code_insee", "nom", "geometry"]], sym,
                            tooltip=[("nom", "Arrondissement"), ("code_insee", "Code INSEE")], interactive=False))
        legend.append(LegendEntry(f"Arrondissements municipaux ({len(arr)})", sym, "Arrondissements municipaux", "Limites"))
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
        name, gdf, symbol, label="commune", keep=True,  # the sites' towns carry the map's answer
        tooltip=[("nom", "Nom"), ("commune", "Commune")],
        popup=[("nom", "Nom"), ("adresse", "Adresse"), ("commune", "Commune"), ("date", date_label), ("statut", "Statut"), ("site_id", "Identifiant")],
    )


LABELLED = Symbol("point", S.BLEU_FRANCE, edgecolor=S.BLANC, size=9, linewidth=0.8)
PROJECT = Symbol("point", S.BLANC, edgecolor=S.ORANGE_TERRE_BATTUE, size=9, linewidth=2.0, hollow=True)


def _members_fill(territory, key: str, name: str, color: str, as_of: date, tooltip_extra=()) -> tuple[Layer, int]:
    """Member communes filled, each drawn as it stood when its source named it (commune déléguée if so).

    The layer keeps the rows drawn in ``layer.rows`` (its credit line).
    """
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
    layer.rows = mc  # for the credit line
    return layer, len(sel)


