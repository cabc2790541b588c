"""Geometry to matplotlib artists, in one pass over the coordinates.

What ``GeoDataFrame.plot`` draws, built without it: the same normalised
rings as compound paths (exterior then holes, each closed), the same line
parts, the same styles, so the pixels are the same. GeoPandas builds a
patch per geometry, imports pyplot and draws the whole figure once per
call (``draw_idle``); a map with three layers paid three full draws before
its save. Geometry collections (none in the boundary layers) still go
through GeoPandas.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely
from matplotlib.collections import LineCollection, PathCollection
from matplotlib.path import Path

from territoires.maps.geometry import limits_once
from territoires.maps.style import Layer, Symbol

__all__ = ["draw_layer", "line_segments", "polygon_paths"]

_POLYGONAL = (shapely.GeometryType.POLYGON, shapely.GeometryType.MULTIPOLYGON)
_LINEAR = (shapely.GeometryType.LINESTRING, shapely.GeometryType.MULTILINESTRING, shapely.GeometryType.LINEARRING)


def dash(symbol: Symbol):
    """The matplotlib line style of ``symbol`` (``"solid"`` or an on/off dash pattern)."""
    if not symbol.dash:
        return "solid"
    parts = [float(x) for x in symbol.dash.split()]
    return (0, tuple(parts))


def polygon_paths(geoms: np.ndarray) -> list[Path]:
    """One compound :class:`~matplotlib.path.Path` per (multi)polygon, as GeoPandas builds them.

    Each ring of the normalised geometry becomes ``MOVETO``, ``LINETO``…,
    ``CLOSEPOLY`` (its closing vertex kept, as ``Path(ring, closed=True)``
    keeps it), exterior before holes, parts in order.

    Examples
    --------
    >>> import shapely
    >>> sq = shapely.box(0, 0, 2, 2).difference(shapely.box(0.5, 0.5, 1, 1))
    >>> [p.codes.tolist() for p in polygon_paths(np.array([sq]))]
    [[1, 2, 2, 2, 79, 1, 2, 2, 2, 79]]
    """
    geoms = shapely.normalize(np.asarray(geoms, dtype=object))
    if not len(geoms):
        return []
    kind, coords, offsets = shapely.to_ragged_array(geoms, include_z=False)
    rings = offsets[0]
    if kind == shapely.GeometryType.POLYGON:
        by_geom = rings[offsets[1]]
    else:
        by_geom = rings[offsets[1][offsets[2]]]
    codes = np.full(len(coords), Path.LINETO, dtype=Path.code_type)
    codes[rings[:-1]] = Path.MOVETO
    codes[rings[1:] - 1] = Path.CLOSEPOLY
    return [Path(coords[a:b], codes[a:b]) for a, b in zip(by_geom[:-1].tolist(), by_geom[1:].tolist(), strict=True)]


def line_segments(geoms: np.ndarray) -> list[np.ndarray]:
    """The ``(n, 2)`` vertex arrays of the normalised lines' parts, as GeoPandas passes them to a LineCollection.

    Examples
    --------
    >>> import shapely
    >>> [s.tolist() for s in line_segments(np.array([shapely.box(0, 0, 1, 1).boundary]))]
    [[[0.0, 0.0], [0.0, 1.0], [1.0, 1.0], [1.0, 0.0], [0.0, 0.0]]]
    """
    parts = shapely.get_parts(shapely.normalize(np.asarray(geoms, dtype=object)))
    if not len(parts):
        return []
    coords, index = shapely.get_coordinates(parts, return_index=True)
    cuts = np.flatnonzero(np.diff(index)) + 1
    return np.split(coords, cuts)


def _shared_once(lines: gpd.GeoSeries) -> gpd.GeoSeries:
    """The units' limits with each shared border once (see :func:`~territoires.maps.geometry.limits_once`)."""
    once = limits_once(lines.to_numpy())
    return lines if len(once) == len(lines) else gpd.GeoSeries(once, crs=lines.crs)


def _aspect(ax, data) -> None:
    """GeoPandas' aspect: latitude-corrected for a geographic CRS, equal otherwise."""
    if data.crs is not None and data.crs.is_geographic:
        b = data.total_bounds
        ax.set_aspect(1 / np.cos(np.mean([b[1], b[3]]) * np.pi / 180))
    else:
        ax.set_aspect("equal")


def draw_layer(ax, layer: Layer) -> None:
    """Draw ``layer`` on ``ax``: points as a scatter, lines as the units' limits, fills by class.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> from matplotlib.figure import Figure
    >>> ax = Figure().add_subplot()
    >>> d = gpd.GeoDataFrame(geometry=[shapely.box(0, 0, 1, 1)], crs=2154)
    >>> draw_layer(ax, Layer("Carré", d, Symbol("fill", "#dee5fd")))
    >>> len(ax.collections)
    1
    """
    data = layer.data
    if data is None or data.empty:
        return
    data = data[data.geometry.notna() & ~data.geometry.is_empty]
    sym = layer.symbol
    if sym.kind == "point":
        xy = shapely.get_coordinates(data.geometry.to_numpy())
        ax.scatter(xy[:, 0], xy[:, 1], s=sym.size**2, marker="o",
                   facecolors="none" if sym.hollow else sym.color, edgecolors=sym.edgecolor,
                   linewidths=sym.linewidth, zorder=5, label=layer.name)
        return
    if sym.kind == "line":
        lines = _shared_once(data.boundary) if sym.dash else data.boundary
        types = shapely.get_type_id(lines.to_numpy())
        if len(lines) and np.isin(types, _LINEAR).all():
            _aspect(ax, lines)
            ax.add_collection(LineCollection(line_segments(lines.to_numpy()), linewidth=sym.linewidth, linestyle=dash(sym),
                                             zorder=3, color=sym.color), autolim=True)
            ax.autoscale_view()
        else:
            lines.plot(ax=ax, color=sym.color, linewidth=sym.linewidth, linestyle=dash(sym), zorder=3)
        return
    if layer.by and layer.classes:
        colors = data[layer.by].map(layer.classes).fillna(sym.color).to_numpy()
    else:
        colors = sym.color
    types = shapely.get_type_id(data.geometry.to_numpy())
    if not np.isin(types, _POLYGONAL).all():
        data.plot(ax=ax, color=colors, edgecolor=sym.edgecolor, linewidth=sym.linewidth, alpha=sym.opacity, zorder=1)
        return
    _aspect(ax, data)
    ax.add_collection(PathCollection(polygon_paths(data.geometry.to_numpy()), facecolor=colors, edgecolor=sym.edgecolor,
                                     linewidth=sym.linewidth, alpha=sym.opacity, zorder=1), autolim=True)
    ax.autoscale_view()
