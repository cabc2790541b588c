"""The choropleth map: communes coloured by a value in quantile classes (national maps too)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from territoires import __version__
from territoires.dates import to_date as _today
from territoires.french import number
from territoires.maps import style as S
from territoires.maps.credits import source_lines
from territoires.maps.geometry import areas_km2, default_tolerance, simplified
from territoires.maps.layers import _dep_label, _dep_slug
from territoires.maps.panels import panels_of
from territoires.maps.style import Layer, LegendEntry, MapSpec, Symbol

__all__ = ["choropleth_map"]

if TYPE_CHECKING:
    from territoires.dates import DateLike
    from territoires.territory.core import Territory


def choropleth_map(
    territory: Territory, column: str = "densite", title: str | None = None, k: int = 5, made_on: DateLike = None,
    tolerance: float | None = None,
) -> MapSpec:
    """Communes coloured by ``column`` in ``k`` quantile classes (:mod:`territoires.maps.classify`).

    ``column="densite"`` (default) is the population per km² computed from
    the commune areas in the projected CRS. Built for national maps: the
    geometry is simplified at 500 m and rounded to 3 decimals (about 100 m);
    a territory spanning several CRS zones gets one panel per zone
    (métropole, overseas insets).

    Examples
    --------
    >>> import territoires
    >>> spec = choropleth_map(territoires.load_territory("79"), k=4)
    >>> spec.layers[0].data["classe"].nunique()
    4
    """
    tol = tolerance if tolerance is not None else default_tolerance(territory)
    g = simplified(territory, tol)["communes"]
    data = g[["code_insee", "nom", "population", "geometry"]].copy()
    if column == "densite":
        areas = areas_km2(territory)
        data["densite"] = (data["population"].astype(float) / data["code_insee"].map(areas)).round(1)
    from territoires.maps.classify import quantiles

    y = data[column].astype(float)
    ok = y.notna().to_numpy()
    q = quantiles(y[ok].to_numpy(), k=k)
    edges = [float(y[ok].min()), *q.bins]
    labels = [f"{number(round(edges[i]))} – {number(round(edges[i + 1]))}" for i in range(len(q.bins))]
    cls = np.full(len(data), "sans donnée", dtype=object)
    cls[ok] = [labels[i] for i in q.yb]
    data["classe"] = cls
    data["valeur"] = y.map(lambda v: "" if pd.isna(v) else number(round(v, 1), 1))
    palette = ["#dee5fd", "#a1b5ee", "#6a7fd0", "#3d4ba8", "#1b1b35", "#0b0b20", "#000000"]
    colors = {lab: palette[i] for i, lab in enumerate(labels)}
    colors["sans donnée"] = S.GRIS_FOND
    fill = Layer(title or column, data[["code_insee", "nom", "classe", "valeur", "geometry"]], Symbol("fill", palette[0], edgecolor=palette[0], linewidth=0.0),
                 by="classe", classes=colors, tooltip=[("nom", "Commune"), ("valeur", title or column)])
    legend = [LegendEntry(lab, Symbol("fill", colors[lab], edgecolor=S.GRIS_TEXTE), fill.name, title or column) for lab in labels]
    if (~ok).any():
        legend.append(LegendEntry(f"sans donnée ({int((~ok).sum())} communes)", Symbol("fill", S.GRIS_FOND, edgecolor=S.GRIS_TEXTE), fill.name, title or column))
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
    panels = panels_of(territory)
    return MapSpec(
        bounds=panels[0].bounds if panels else None,
        panels=panels,
        decimals=3 if national else 5,
        slug=f"choropleth-{column}-{_dep_slug(territory)}",
        title=label, subtitle=f"{_dep_label(territory)} — {number(len(data))} communes, classes par quantiles",
        layers=[fill, dep], legend=legend, sources=source_lines(territory, extra=["Populations : INSEE, via la source des limites"]),
        made_on=_today(made_on), crs=territory.crs, version=__version__,
    )
