"""Maps room: pictures of a territory and of analysis results, static and interactive.

>>> import tempfile, territoires
>>> from territoires.maps import write_maps
>>> t = territoires.load_territory("79")
>>> paths = write_maps(t, ["france-services"], as_of="2021-09-14", out=tempfile.mkdtemp(), formats=["html"])
>>> [p.name for p in paths]
['france-services-79-2021-09-14.html']
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from territoires.fileio import safe_name
from territoires.maps.catalogue import MAPS
from territoires.maps.choropleth import choropleth_map
from territoires.maps.interactive import render_html, to_html
from territoires.maps.notebook import InteractiveMap
from territoires.maps.static import figure, render_static
from territoires.maps.style import MapSpec

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from territoires.dates import DateLike
    from territoires.territory.core import Territory

FORMATS = ("png", "pdf", "svg", "html")
DEFAULT_FORMATS = ("png", "html")

__all__ = [
    "DEFAULT_FORMATS",
    "FORMATS",
    "InteractiveMap",
    "MAPS",
    "MapSpec",
    "boundaries_spec",
    "build",
    "choropleth_map",
    "explore",
    "figure",
    "render_html",
    "render_static",
    "to_html",
    "write_map",
    "write_maps",
]


def build(territory: Territory, name: str, as_of: DateLike = None, made_on: DateLike = None, **kw: Any) -> MapSpec:
    """The :class:`MapSpec` of map ``name`` (see :data:`MAPS`) for ``territory``.

    Examples
    --------
    >>> import territoires
    >>> spec = build(territoires.load_territory("79"), "france-services", as_of="2021-09-14")
    >>> spec.slug, spec.title
    ('france-services-79-2021-09-14', 'Le réseau France Services')
    """
    if name not in MAPS:
        raise KeyError(f"carte inconnue « {name} » ; cartes : {', '.join(MAPS)}")
    return MAPS[name](territory, as_of=as_of, made_on=made_on, **kw)


def boundaries_spec(territory: Territory, made_on: DateLike = None) -> MapSpec:
    """A map of the territory's boundaries alone: communes, cantons (named), EPCI, outline.

    Parameters
    ----------
    territory : Territory
        The territory to draw.
    made_on : DateLike, optional
        Date printed in the credit line (default: today).

    Returns
    -------
    MapSpec

    Examples
    --------
    >>> import territoires
    >>> from territoires import maps
    >>> spec = maps.boundaries_spec(territoires.load_territory("79"))
    >>> [layer.name for layer in spec.layers][:2]
    ['Limites communales', 'Limites des EPCI']
    """
    from territoires import __version__
    from territoires.dates import to_date
    from territoires.maps import style as S
    from territoires.maps.catalogue import base_layers

    layers, legend = base_layers(territory, epci=True)
    deps = ", ".join(territory.departements) if len(territory.departements) <= 5 else f"{len(territory.departements)} départements"
    return MapSpec(
        slug=safe_name(f"limites-{deps}"), title="Limites administratives",
        subtitle=f"{deps} — {len(territory.communes)} communes, {len(territory.canton_units)} cantons ou groupes, {len(territory.epcis)} EPCI",
        layers=layers, legend=legend, sources=f"{S.SOURCE_BOUNDARIES} {territory.vintage}".strip(),
        made_on=to_date(made_on), crs=territory.crs, version=__version__,
    )


def explore(obj: MapSpec | Territory, self_contained: bool = True, basemap: str | None = None) -> InteractiveMap:
    """An interactive map of a :class:`MapSpec` or of a territory's boundaries, shown inline in a notebook.

    Like ``GeoDataFrame.explore()``, the returned object displays itself in
    a notebook; ``.save(path)`` writes the page, ``.to_html()`` returns it.

    Parameters
    ----------
    obj : MapSpec or Territory
        A map description (:func:`build`), or a territory: its communes,
        cantons (named), EPCI and outline (:func:`boundaries_spec`).
    self_contained : bool, default True
        Embed Leaflet (from ``xstatic-leaflet``), so the map shows with no network.
    basemap : str, optional
        An xyzservices tile name (``"OpenStreetMap"``); needs the network.

    Returns
    -------
    InteractiveMap

    Examples
    --------
    >>> import territoires
    >>> from territoires import maps
    >>> t = territoires.load_territory("79")
    >>> m = maps.explore(maps.build(t, "crte", as_of="2021-12-31"))
    >>> type(m).__name__, "unpkg.com" in m.to_html(), m._repr_html_().startswith("<iframe")
    ('InteractiveMap', False, True)
    """
    spec = obj if isinstance(obj, MapSpec) else boundaries_spec(obj)
    return InteractiveMap(spec, self_contained=self_contained, basemap=basemap)


def _spec_figure(self: MapSpec, page: str = "A4", orientation: str | None = None) -> Figure:
    """The static map as a :class:`matplotlib.figure.Figure` (no pyplot state touched) on an A4 or A3 page."""
    return figure(self, page=page, orientation=orientation)


def _spec_explore(self: MapSpec, self_contained: bool = True, basemap: str | None = None) -> InteractiveMap:
    """The interactive map, shown inline in a notebook and offline (see :func:`explore`)."""
    return explore(self, self_contained=self_contained, basemap=basemap)


def _spec_png(self: MapSpec) -> bytes:
    """Notebooks show a map specification as its static map."""
    from territoires.maps.notebook import png_bytes

    return png_bytes(self)


# A MapSpec displays itself (notebooks) and draws itself; the renderers import
# style.py, so the methods are attached here, where both are known.
MapSpec.figure = _spec_figure  # type: ignore[attr-defined]
MapSpec.explore = _spec_explore  # type: ignore[attr-defined]
MapSpec._repr_png_ = _spec_png  # type: ignore[attr-defined]


def write_map(
    spec: MapSpec, out: str | Path, formats: Iterable[str] = DEFAULT_FORMATS, self_contained: bool = True, basemap: str | None = None,
    page: str = "A4", orientation: str | None = None,
) -> list[Path]:
    """Write ``spec`` into folder ``out`` in each format; return the paths.

    ``page`` (``"A4"``, ``"A3"``) and ``orientation`` (``"portrait"``,
    ``"paysage"``, default chosen from the territory's shape) lay out the
    static formats.

    File names come from the map's slug, made safe (no path separators), so
    nothing taken from data can write outside ``out``.

    Examples
    --------
    >>> import tempfile
    >>> from datetime import date
    >>> import geopandas as gpd, shapely
    >>> from territoires.maps.style import Layer, Symbol
    >>> square = gpd.GeoDataFrame({"nom": ["A"]}, geometry=[shapely.box(0, 0, 1000, 1000)], crs=2154)
    >>> spec = MapSpec("demo/../x", "Démo", "Un carré", [Layer("Carré", square, Symbol("fill"))], [],
    ...                "aucune", date(2021, 9, 14), "EPSG:2154")
    >>> [p.name for p in write_map(spec, tempfile.mkdtemp(), ["svg", "html"])]
    ['demo-x.svg', 'demo-x.html']
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    base = safe_name(spec.slug)
    paths = []
    for fmt in formats:
        fmt = fmt.strip().lower()
        if fmt not in FORMATS:
            raise ValueError(f"format inconnu « {fmt} » ; formats : {', '.join(FORMATS)}")
        target = out / f"{base}.{fmt}"
        if target.resolve().parent != out.resolve():
            raise ValueError(f"écriture hors du dossier {out} refusée : {target}")
        if fmt == "html":
            render_html(spec, target, self_contained=self_contained, basemap=basemap)
        else:
            render_static(spec, target, page=page, orientation=orientation)
        paths.append(target)
    return paths


def write_maps(
    territory: Territory,
    names: Sequence[str] | None = None,
    as_of: DateLike = None,
    out: str | Path = "maps",
    formats: Iterable[str] = DEFAULT_FORMATS,
    made_on: DateLike = None,
    **kw: Any,
) -> list[Path]:
    """Build and write several maps (all of :data:`MAPS` by default); ``kw`` goes to :func:`write_map`.

    Examples
    --------
    >>> import tempfile, territoires
    >>> t = territoires.load_territory("79")
    >>> [p.name for p in write_maps(t, ["crte"], as_of="2021-12-31", out=tempfile.mkdtemp(), formats=["html"])]
    ['crte-79-2021-12-31.html']
    """
    from territoires.progress import track

    paths = []
    for name in track(names or list(MAPS), "territoires : cartes"):
        paths += write_map(build(territory, name, as_of=as_of, made_on=made_on), out, formats, **kw)
    return paths
