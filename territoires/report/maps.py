"""The one map the maps room does not have yet: engineering requests by beneficiary."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd

from territoires import __version__
from territoires import analysis as A
from territoires.maps import style as S
from territoires.maps.catalogue import base_layers
from territoires.maps.geometry import simplified
from territoires.maps.style import Layer, LegendEntry, MapSpec, Symbol, french_date

__all__ = ["engineering_map"]


def engineering_map(territory, d, made_on) -> MapSpec:
    """Communes and EPCI with an engineering request recorded on ``d``."""
    req = A.engineering_requests(territory, d)
    g = simplified(territory)
    objets = req.groupby(["type_unite", "code"])["objet"].agg(lambda s: " ; ".join(map(str, s)))
    ops = req.groupby(["type_unite", "code"])["operateur"].agg(lambda s: ", ".join(sorted(set(map(str, s)))))

    def fill(frame: gpd.GeoDataFrame, code_col: str, unit_type: str, name: str, color: str) -> Layer:
        codes = set(req.loc[req["type_unite"] == unit_type, "code"].dropna())
        sel = frame[frame[code_col].isin(codes)][[code_col, "nom", "geometry"]].copy()
        sel["objet"] = [objets.get((unit_type, c), "") for c in sel[code_col]]
        sel["operateur"] = [ops.get((unit_type, c), "") for c in sel[code_col]]
        return Layer(name, sel, Symbol("fill", color, edgecolor=S.BLANC, linewidth=0.3, opacity=0.8),
                     tooltip=[("nom", "Bénéficiaire")], popup=[("nom", "Bénéficiaire"), ("objet", "Objet"), ("operateur", "Opérateur")],
                     label="nom" if unit_type == "commune" else None)

    epci = fill(g["epcis"], "siren", "epci", "EPCI demandeurs", S.CAFE_CREME)
    com = fill(g["communes"], "code_insee", "commune", "Communes demandeuses", S.ORANGE_TERRE_BATTUE)
    base, legend = base_layers(territory, canton_labels=False)
    n_other = int((~req["type_unite"].isin(["commune", "epci"])).sum())
    notes = [f"{n_other} demande(s) d'un groupement sans périmètre dans les limites (PETR) : non cartographiée(s)."] if n_other else []
    legend = [
        LegendEntry(f"Communes ({len(com.data)})", com.symbol, com.name, "Ingénierie"),
        LegendEntry(f"EPCI ({len(epci.data)})", epci.symbol, epci.name, "Ingénierie"),
        *legend,
    ]
    dep = territory.outline.iloc[0]
    label = f"{dep['nom']} ({dep['code_departement']})" if len(territory.departements) == 1 else ", ".join(territory.departements)
    return MapSpec(
        slug=f"ingenierie-{'-'.join(territory.departements)}-{d.isoformat()}",
        title="Demandes d'appui en ingénierie", subtitle=f"{label} — au {french_date(d)}",
        layers=[epci, com, *base], legend=legend,
        sources=f"{S.SOURCE_BOUNDARIES}, {_sources(req)}", made_on=made_on, crs=territory.crs, version=__version__, notes=notes,
    )


def _sources(req: pd.DataFrame) -> str:
    vals = list(dict.fromkeys(str(s).split(",")[0] + ("" if "," not in str(s) else ", " + str(s).split(",")[1].strip()) for s in req["source"].dropna()))
    return " ; ".join(vals) or "données des demandes"
