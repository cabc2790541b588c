"""pyproj transformers between two CRS: PROJ's choice of operation made once, kept on disk.

``pyproj.Transformer.from_crs`` searches PROJ's database for the operations
between two CRS: 6–10 ms per pair in a new process, 30 ms for the five CRS
zones of France, paid again by every process that projects sites into them.
The operation it picks depends only on the two CRS, on PROJ (its version,
its data folder and grids, whether it may download grids) and on
``always_xy``. When that operation is one pipeline, its PROJ string
(``Transformer.definition``) rebuilds the same transformer with
``Transformer.from_pipeline``, which searches nothing (under 1 ms).

:func:`transformer` keeps those strings as derived tables
(``<cache>/derived/projections/``, :mod:`territoires.territory.derived`),
keyed by everything above. A string is kept only when:

- PROJ resolved the pair to a single operation (a pair with several
  candidate operations, chosen point by point by area of use, reports
  ``unavailable until proj_trans is called`` and is never kept: it is
  searched again in each process, as without this module);
- the rebuilt transformer gives bit-identical coordinates to the searched
  one on a grid of control points across both CRS's areas of use.

A kept string that PROJ cannot read is treated as missing (searched again
and replaced).

Examples
--------
>>> t = transformer("EPSG:4326", "EPSG:2154")
>>> [round(v) for v in t.transform(-0.4594, 46.3239)]  # a point in Niort, to Lambert-93 metres
[433928, 6586273]
"""

from __future__ import annotations

import contextlib
from functools import lru_cache

import numpy as np
import pyproj
from pyproj import CRS, Transformer

from territoires.territory import derived

__all__ = ["transformer"]

#: Kind of the derived tables holding the pipelines.
KIND = "projections"

#: Version of the rule that decides what is kept (bump to drop every kept pipeline).
SCHEMA = 1

#: Control points per side of the grid checked before a pipeline is kept.
GRID = 9


def _key(src: str, dst: str) -> str:
    try:
        data = pyproj.datadir.get_data_dir()
    except Exception:  # noqa: BLE001 - no data folder: part of the key like any other value
        data = ""
    return derived.key_of(SCHEMA, src, dst, "always_xy", pyproj.__version__, pyproj.proj_version_str, data,
                          pyproj.network.is_network_enabled())


def _slug(src: str, dst: str) -> str:
    return f"{src}--{dst}".replace(":", "-").replace("/", "-").replace(" ", "")[:80]


def _control_points(src: CRS, dst: CRS) -> tuple[np.ndarray, np.ndarray] | None:
    """A grid of points in ``src`` coordinates over the area of use both CRS share (None without one)."""
    areas = [c.area_of_use for c in (src, dst) if c.area_of_use is not None]
    if not areas:
        return None
    west, south = max(a.west for a in areas), max(a.south for a in areas)
    east, north = min(a.east for a in areas), min(a.north for a in areas)
    if not (west < east and south < north):
        return None
    lon, lat = np.meshgrid(np.linspace(west, east, GRID), np.linspace(south, north, GRID))
    x, y = Transformer.from_crs(CRS.from_epsg(4326), src, always_xy=True).transform(lon.ravel(), lat.ravel())
    return np.asarray(x, dtype=float), np.asarray(y, dtype=float)


def _same_on_grid(searched: Transformer, rebuilt: Transformer, src: CRS, dst: CRS) -> bool:
    pts = _control_points(src, dst)
    if pts is None:
        return False
    a, b = searched.transform(*pts), rebuilt.transform(*pts)
    return all(np.array_equal(np.asarray(u), np.asarray(v), equal_nan=True) for u, v in zip(a, b, strict=True))


def _kept(src: str, dst: str, key: str) -> Transformer | None:
    table = derived.load_arrow(KIND, _slug(src, dst), key)
    if table is None or "definition" not in table.column_names or table.num_rows != 1:
        return None
    try:
        return Transformer.from_pipeline(str(table.column("definition")[0].as_py()))
    except (pyproj.exceptions.ProjError, TypeError, ValueError):
        return None


@lru_cache(maxsize=64)
def transformer(src: str, dst: str) -> Transformer:
    """The transformer from ``src`` to ``dst`` (any text pyproj reads; x = longitude or easting, ``always_xy``).

    Made once per process; across processes, rebuilt from the PROJ pipeline
    kept on disk when PROJ's choice is a single operation (see the module).

    Examples
    --------
    >>> t = transformer("EPSG:2154", "EPSG:4326")
    >>> [round(v, 4) for v in t.transform(433928.0, 6586273.0)]
    [-0.4594, 46.3239]
    """
    key = _key(src, dst)
    kept = _kept(src, dst, key)
    if kept is not None:
        return kept
    s, d = CRS.from_user_input(src), CRS.from_user_input(dst)
    searched = Transformer.from_crs(s, d, always_xy=True)
    definition = searched.definition
    if definition.startswith("proj=") or definition.startswith("+proj="):
        with contextlib.suppress(pyproj.exceptions.ProjError):
            rebuilt = Transformer.from_pipeline(definition)
            if _same_on_grid(searched, rebuilt, s, d):
                import pyarrow as pa

                derived.save_arrow(KIND, _slug(src, dst), key, pa.table({"source": [src], "target": [dst], "definition": [definition]}))
    return searched
