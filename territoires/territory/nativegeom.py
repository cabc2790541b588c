"""Geometry columns kept as coordinate and offset arrays, decoded without WKB.

The boundary cache holds GeoParquet files with WKB geometry (what QGIS,
geopandas and any GeoParquet reader open). Decoding WKB costs more than
reading the file: ``shapely.from_wkb`` of the 34,875 national communes takes
about 90 ms, ``shapely.from_ragged_array`` of the same geometries about
30 ms. So the geometry of each cache file read is also kept, through
:mod:`territoires.territory.derived` (made from the whole file the first
time it is read), in the GeoArrow native layout (coordinates plus offsets,
one group per geometry type so that a Polygon stays a Polygon next to
MultiPolygons) in an uncompressed Arrow IPC file, memory-mapped when read
(the coordinates reach GEOS without a copy), keyed by the SHA-256 of the
cache file it was taken from. A territory of some départements makes only
its rows (:func:`decode` with ``keep``). ``territoires cache --verify``
compares the copies with the files (:func:`verify`).

A frame read from a copy is remembered (:func:`remember`) so that a
fingerprint of its polygons can name the file instead of reading every
coordinate, as long as it holds the very geometries read
(:func:`made_from`).

:func:`encode` gives ``None`` for what the layout cannot hold exactly
(geometry collections, linear rings, Z or M coordinates): such a column is
read from WKB as before. :func:`decode` gives back the same geometries as
``shapely.from_wkb`` of the file (same types, coordinates, empty and missing
geometries; tests/test_nativegeom.py pins it).
"""

from __future__ import annotations

import weakref

import numpy as np
import pyarrow as pa
import shapely
from shapely import GeometryType

from territoires.territory import derived

__all__ = ["FORMAT", "KIND", "decode", "encode", "key", "load", "made_from", "remember", "save", "token", "verify"]

#: Bump when the layout of the kept arrays changes (older copies are then simply not found).
FORMAT = 2
#: Folder of the kept geometry under the derived tables.
KIND = "geometrie"
#: Geometry types the ragged layout holds (not collections nor linear rings).
_TYPES = {int(t) for t in (GeometryType.POINT, GeometryType.LINESTRING, GeometryType.POLYGON,
                           GeometryType.MULTIPOINT, GeometryType.MULTILINESTRING, GeometryType.MULTIPOLYGON)}


def _one(values: np.ndarray) -> pa.Array:
    """``values`` as a one-row list column (columns of one table may then have any length)."""
    return pa.LargeListArray.from_arrays(pa.array([0, len(values)], pa.int64()), pa.array(values))


def encode(geoms: np.ndarray) -> pa.Table | None:
    """The geometries as a one-row table of coordinate and offset arrays, or ``None`` if they do not fit.

    Parameters
    ----------
    geoms : array of shapely geometries or ``None``

    Returns
    -------
    pyarrow.Table or None
        Columns ``type`` (shapely type id per geometry, −1 when missing) and,
        for each type present, ``<id>_xy`` (x and y interleaved) and ``<id>_o0``,
        ``<id>_o1``… (the offsets of :func:`shapely.to_ragged_array`).

    Examples
    --------
    >>> import shapely
    >>> t = encode(np.array([shapely.Point(1, 2), None], dtype=object))
    >>> t.column("type").to_pylist()
    [[0, -1]]
    """
    geoms = np.asarray(geoms, dtype=object)
    types = shapely.get_type_id(geoms).astype(np.int8)
    present = geoms[types >= 0]
    if not set(np.unique(types[types >= 0]).tolist()) <= _TYPES or shapely.has_z(present).any() or _has_m(present):
        return None
    cols = {"type": _one(types)}
    for t in np.unique(types[types >= 0]).tolist():
        typ, coords, offsets = shapely.to_ragged_array(geoms[types == t])
        if int(typ) != t or coords.shape[1] != 2:
            return None
        cols[f"{t}_xy"] = _one(np.ascontiguousarray(coords).ravel())  # x0, y0, x1, y1…: read back without a copy
        for i, o in enumerate(offsets):
            cols[f"{t}_o{i}"] = _one(np.asarray(o, dtype=np.int64))
    return pa.table(cols)


def _has_m(geoms: np.ndarray) -> bool:
    has_m = getattr(shapely, "has_m", None)  # shapely >= 2.1
    return bool(has_m is not None and len(geoms) and has_m(geoms).any())


def _values(table: pa.Table, name: str) -> np.ndarray:
    return table.column(name).chunk(0).values.to_numpy(zero_copy_only=False)


def decode(table: pa.Table, keep: np.ndarray | None = None) -> np.ndarray:
    """The geometries of a table made by :func:`encode` (object array, ``None`` where missing).

    ``keep``: a boolean mask of the rows wanted; only those are made.

    Examples
    --------
    >>> import shapely
    >>> g = np.array([shapely.box(0, 0, 1, 1), None, shapely.MultiPoint([(0, 0), (1, 1)])], dtype=object)
    >>> [x.wkt if x is not None else None for x in decode(encode(g))]
    ['POLYGON ((1 0, 1 1, 0 1, 0 0, 1 0))', None, 'MULTIPOINT ((0 0), (1 1))']
    >>> [x.wkt for x in decode(encode(g), keep=np.array([False, False, True]))]
    ['MULTIPOINT ((0 0), (1 1))']
    """
    types = _values(table, "type")
    if keep is not None and len(keep) != len(types):
        raise ValueError(f"mask of {len(keep)} rows for {len(types)} geometries")
    wanted = types if keep is None else types[keep]
    out = np.full(len(wanted), None, dtype=object)
    for t in np.unique(wanted[wanted >= 0]).tolist():
        coords = _values(table, f"{t}_xy").reshape(-1, 2)
        n_off = sum(1 for c in table.column_names if c.startswith(f"{t}_o"))
        offsets = tuple(_values(table, f"{t}_o{i}") for i in range(n_off))
        rows = types == t
        _check_offsets(len(coords), offsets, int(rows.sum()))
        if keep is not None:
            coords, offsets = _subset(coords, offsets, keep[rows])
        out[wanted == t] = shapely.from_ragged_array(GeometryType(t), coords, offsets or None)
    return out


def _ranges(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """The positions ``starts[i] .. starts[i] + lengths[i] - 1``, one run after the other."""
    total = int(lengths.sum())
    if total == 0:
        return np.empty(0, dtype=np.int64)
    before = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    return np.repeat(starts - before, lengths) + np.arange(total)


def _subset(coords: np.ndarray, offsets: tuple[np.ndarray, ...], sel: np.ndarray) -> tuple[np.ndarray, tuple[np.ndarray, ...]]:
    """The ragged arrays of the geometries ``sel`` (boolean) only: offsets rebuilt from the geometries down to the coordinates."""
    idx = np.flatnonzero(sel)
    new: list[np.ndarray] = []
    for o in reversed(offsets):  # the last offsets index the geometries, the first the coordinates
        starts = o[idx]
        lengths = o[idx + 1] - starts
        new.append(np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64))
        idx = _ranges(starts, lengths)
    return coords[idx], tuple(reversed(new))


def _check_offsets(n_coords: int, offsets: tuple[np.ndarray, ...], n_geoms: int) -> None:
    """Raise ValueError unless the offsets index what they should (a damaged file must not reach GEOS)."""
    size = n_coords
    for o in offsets:
        if len(o) == 0 or o[0] != 0 or o[-1] != size or (np.diff(o) < 0).any():
            raise ValueError("offsets do not index their parts")
        size = len(o) - 1
    if size != n_geoms:
        raise ValueError(f"{size} geometries for {n_geoms} rows")


def key(file_sha256: str, column: str) -> str:
    """The derived-table key of one geometry column of one cache file (by its SHA-256).

    Examples
    --------
    >>> key("ab" * 32, "geometry") == key("ab" * 32, "origin")
    False
    """
    return derived.key_of(KIND, FORMAT, file_sha256, column)


def load(layer: str, file_sha256: str, column: str, n_rows: int, keep: np.ndarray | None = None) -> np.ndarray | None:
    """The kept geometry of ``column`` of a cache file, or ``None`` (none kept, unreadable, wrong length).

    ``n_rows``: the rows of the file; ``keep``: a boolean mask of the rows wanted (all by default).

    Examples
    --------
    >>> load("aucune", "00" * 32, "geometry", 3) is None
    True
    """
    table = derived.load_arrow(KIND, f"{layer}-{column}", key(file_sha256, column))
    if table is None:
        return None
    try:
        if len(_values(table, "type")) != n_rows:
            return None
        return decode(table, keep)
    except (KeyError, ValueError, IndexError, TypeError, pa.ArrowException, shapely.errors.ShapelyError):
        return None


#: Geometry arrays of frames read from the kept copies, by ``id``: a weak reference to the array, its
#: geometries when read (kept alive while the array lives, so an id is never reused meanwhile) and a token.
_MADE: dict[int, tuple[weakref.ref, np.ndarray, str]] = {}


def token(file_sha256: str, column: str, n_rows: int, keep: np.ndarray | None = None) -> str:
    """What a geometry column read from the kept copy was made from: file, column and rows.

    Examples
    --------
    >>> token("ab" * 32, "geometry", 3) == token("ab" * 32, "geometry", 3, np.array([True, True, False]))
    False
    """
    rows = b"" if keep is None else np.packbits(keep).tobytes()
    return derived.key_of(KIND, FORMAT, file_sha256, column, n_rows, rows)


def _ids(geoms: np.ndarray) -> np.ndarray:
    return np.fromiter(map(id, geoms), dtype=np.int64, count=len(geoms))


def remember(array: object, made: str) -> None:
    """Note that the geometry ``array`` of a frame (a ``GeometryArray``) holds the geometries of ``made`` (:func:`token`)."""
    key = id(array)

    def forget(_: weakref.ref, k: int = key) -> None:
        _MADE.pop(k, None)

    _MADE[key] = (weakref.ref(array, forget), np.array(array, dtype=object, copy=True), made)


def made_from(array: object) -> str | None:
    """The :func:`token` of the kept copy ``array`` was read from, if it still holds exactly those geometries.

    Shapely geometries are immutable: an array holding the very objects it
    was read with (same order) holds that file's geometries; one changed
    in place (a geometry replaced), or any other array, gives ``None``. A
    token is a cheap stand-in for a fingerprint of the coordinates
    (:mod:`territoires.analysis.originstore`).

    Examples
    --------
    >>> import shapely
    >>> made_from(np.array([shapely.Point(0, 0)], dtype=object)) is None
    True
    """
    entry = _MADE.get(id(array))
    if entry is None or entry[0]() is not array:
        return None
    geoms = np.asarray(array, dtype=object)
    return entry[2] if len(geoms) == len(entry[1]) and np.array_equal(_ids(geoms), _ids(entry[1])) else None


def save(layer: str, file_sha256: str, column: str, geoms: np.ndarray) -> None:
    """Keep ``geoms`` (a column of a cache file) for :func:`load`; nothing when they do not fit the layout.

    Examples
    --------
    >>> import shapely, tempfile
    >>> from territoires import settings
    >>> old, settings.cache_dir = settings.cache_dir, tempfile.mkdtemp()
    >>> save("essai", "00" * 32, "geometry", np.array([shapely.Point(1, 2)], dtype=object))
    >>> load("essai", "00" * 32, "geometry", 1)[0].wkt
    'POINT (1 2)'
    >>> settings.cache_dir = old
    """
    table = encode(geoms)
    if table is not None:
        derived.save_arrow(KIND, f"{layer}-{column}", key(file_sha256, column), table)


def verify(folder, files: dict[str, str]) -> list[str]:
    """Compare the kept geometry of the cache files ``files`` (name → SHA-256) of ``folder`` with their WKB; remove copies that differ.

    The slow check of ``territoires cache --verify``: a copy that does not
    give back exactly the file's geometries is removed (it is made again
    from the file at the next read). Returns the copies removed
    (``layer-column``).

    Examples
    --------
    >>> import tempfile
    >>> verify(tempfile.mkdtemp(), {})
    []
    """
    import json
    from pathlib import Path

    import pyarrow.parquet as pq

    removed = []
    for fname, digest in files.items():
        path = Path(folder) / fname
        meta = pq.read_schema(path).metadata or {}
        if b"geo" not in meta:
            continue
        layer = fname[: -len(".parquet")]
        columns = [c for c, m in json.loads(meta[b"geo"])["columns"].items() if m.get("encoding") == "WKB"]
        for c in columns:
            name, k = f"{layer}-{c}", key(digest, c)
            if not derived.path_of(KIND, name, k, derived.ARROW).is_file():
                continue
            wkb = pq.read_table(path, columns=[c]).column(c).to_numpy(zero_copy_only=False)
            kept = load(layer, digest, c, len(wkb))
            plain = shapely.from_wkb(wkb)
            if kept is None or not (shapely.to_wkb(kept) == shapely.to_wkb(plain)).all():
                derived.path_of(KIND, name, k, derived.ARROW).unlink(missing_ok=True)
                removed.append(name)
    return removed
