"""Reading a territory's layers from the boundary cache, each when first used.

:func:`territoires.load_territory` checks the cache and the codes at once,
then each layer (communes, cantons, canton units, EPCI, outline) and the
boundary report is read from the cache the first time it is used: a
national canton-gap count never decodes the commune polygons, a map reads
them once. What is read is what an eager load reads (same files, same
filters, same order).

A layer read after the cache was rebuilt under another version is read from
the new version only when the manifest shows the file unchanged (same
SHA-256); otherwise the territory must be loaded again (a clear error, never
a mix of two vintages).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from territoires import collector
from territoires.errors import TerritoiresError, UnknownDepartementError
from territoires.territory import cache
from territoires.territory.build import zone_slug

__all__ = ["CANTON_UNIT_CODES", "COMMUNE_CODES", "LAZY", "canton_unit_codes", "ORIGIN_COLUMNS", "clip_epcis", "commune_layer_loaders", "layer_loaders", "normalise_codes",
           "split_origins"]

log = logging.getLogger(__name__)

#: The attributes of a Territory read when first used.
LAZY = ("communes", "commune_origins", "cantons", "canton_units", "epcis", "outline", "report")
#: The commune columns a code lookup needs (read without geometry while the communes are not loaded).
COMMUNE_CODES = ["code_insee", "nom", "code_canton", "siren_epci"]
#: The canton units' columns a count of sites per canton reads (:func:`canton_unit_codes`).
CANTON_UNIT_CODES = ["code_canton", "nom", "kind", "cantons", "code_departement", "population"]
#: The columns of :attr:`Territory.commune_origins <territoires.territory.core.Territory>` besides its point geometry.
ORIGIN_COLUMNS = ["code_insee", "origin_source"]


def split_origins(communes: pd.DataFrame, crs: str | None = None) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """The communes without their ``origin`` point column, and those points as a layer of their own.

    The cache files keep each commune's origin point (its town hall, else a
    point on its surface) in a second geometry column ``origin``; a public
    layer has one geometry column, so that ``to_file`` (GeoPackage, GeoJSON,
    Shapefile) writes it. The points become a GeoDataFrame
    ``code_insee, origin_source, geometry`` with the communes' index and
    CRS, one row per commune in the same order (a commune without a point:
    a missing geometry, ``origin_source`` ``"missing"``; points given without
    ``origin_source``: ``"given"``). ``communes`` itself
    is not changed; polygons read from a cache file's kept copy stay known
    as such (:func:`~territoires.territory.nativegeom.made_from`).

    Examples
    --------
    >>> import shapely
    >>> com = gpd.GeoDataFrame({"code_insee": ["79001"], "origin": gpd.GeoSeries([shapely.Point(1, 1)])},
    ...                        geometry=[shapely.box(0, 0, 2, 2)], crs="EPSG:2154")
    >>> com, origins = split_origins(com)
    >>> list(com.columns), list(origins.columns), origins.geometry.iloc[0].wkt
    (['code_insee', 'geometry'], ['code_insee', 'origin_source', 'geometry'], 'POINT (1 1)')
    """
    if isinstance(communes, gpd.GeoDataFrame) and communes.crs is not None:
        crs = communes.crs
    if "origin" in communes:
        from territoires.territory import nativegeom

        pts = communes["origin"]
        made = nativegeom.made_from(communes.geometry.array) if isinstance(communes, gpd.GeoDataFrame) else None
        communes = communes.drop(columns="origin")
        if made is not None:  # the same polygon objects in a new array: the origin store names them by their file
            nativegeom.remember(communes.geometry.array, made)
        points = pts.array if isinstance(pts.dtype, gpd.array.GeometryDtype) else gpd.array.from_wkb(pts.to_numpy(), crs=crs)
    else:
        points = gpd.array.from_shapely(np.full(len(communes), None, dtype=object), crs=crs)
    source = communes["origin_source"] if "origin_source" in communes else pd.Series(
        np.where(shapely.is_missing(np.asarray(points)), "missing", "given"), index=communes.index)
    # columns as they are (no copy of the codes as Python strings), the points' array with its CRS
    origins = gpd.GeoDataFrame({"code_insee": communes["code_insee"], "origin_source": source, "geometry": points}, index=communes.index)
    return communes, origins


def normalise_codes(departements, valid: list[str]) -> list[str]:
    """Département codes as the source writes them (``"all"`` gives every valid code)."""
    if isinstance(departements, str | int):
        departements = [departements]
    out = []
    for d in departements:
        code = str(d).strip().upper()
        if code.lower() in ("all", "france", "tout"):
            return list(valid)
        if code.isdigit() and len(code) == 1:
            code = "0" + code
        if code not in valid:
            raise UnknownDepartementError(str(d), valid)
        if code not in out:
            out.append(code)
    if not out:
        raise UnknownDepartementError("", valid)
    return out


def clip_epcis(epcis: gpd.GeoDataFrame, communes: pd.DataFrame) -> gpd.GeoDataFrame:
    """Mark EPCI extending beyond the territory (their geometry is the whole EPCI); ``communes``: at least ``siren_epci``."""
    inside = communes.groupby("siren_epci").size()
    epcis = epcis.copy()
    epcis["n_communes_in_territory"] = epcis["siren"].map(inside).fillna(0).astype(int)
    epcis["complete"] = epcis["n_communes_in_territory"] == epcis["n_communes"]
    return epcis


class _Reader:
    """Reads files of one cache version; after a rebuild, the same files of the new version if unchanged."""

    def __init__(self, folder: Path, meta: dict, reopen: Callable[[], Path]):
        self.folder, self.meta, self.reopen = folder, meta, reopen

    @collector.pausing  # a national layer: tens of thousands of polygons, no cycles
    def read(self, name: str, filters=None, columns=None) -> pd.DataFrame:
        try:
            return self._read(self.folder, name, filters, columns, self.meta["files"].get(f"{name}.parquet"))
        except OSError:
            pass  # the version was swept (rebuilt by another process more than RETIRED_GRACE ago)
        fname = f"{name}.parquet"
        folder = self.reopen()
        if cache.manifest(folder).get("files", {}).get(fname) != self.meta["files"].get(fname):
            raise TerritoiresError(
                f"le cache des limites a été reconstruit avec d'autres données depuis le chargement de ce territoire "
                f"({fname}) : chargez le territoire à nouveau (territoires.load_territory)"
            )
        self.folder = folder
        return self._read(folder, name, filters, columns, self.meta["files"].get(fname))

    @staticmethod
    def _read(folder: Path, name: str, filters, columns, digest: str | None) -> pd.DataFrame:
        if columns is None:  # the geometry from the kept coordinate arrays (digest: the file's SHA-256)
            return cache.read(folder, name, filters=filters, digest=digest)
        import pyarrow.parquet as pq

        path = Path(folder) / f"{name}.parquet"
        if filters is None:  # one file, whole: without the dataset machinery read_table builds (and imports, ~10 ms)
            return pq.ParquetFile(path, memory_map=True).read(columns=columns, use_pandas_metadata=True).to_pandas()
        return pq.read_table(path, columns=columns, filters=filters, use_pandas_metadata=True).to_pandas()


def layer_loaders(reader: _Reader | None, folder: Path, meta: dict, reopen: Callable[[], Path], crs: str, deps: list[str],
                  all_in_zone: bool, slug: str | None = None) -> tuple[_Reader, dict[str, Callable[[], pd.DataFrame]]]:
    """One loader per layer of one zone (``communes, cantons, canton_units, epcis, departements, commune_codes``).

    Each reads what the eager load read: the zone's file, filtered on the
    départements unless the territory holds the whole zone.
    """
    reader = reader or _Reader(folder, meta, reopen)
    slug = slug or zone_slug(crs)
    flt = None if all_in_zone else [("code_departement", "in", deps)]

    def communes() -> gpd.GeoDataFrame:
        com = reader.read(f"{slug}__communes", filters=flt)
        if "origin" in com and not isinstance(com["origin"], gpd.GeoSeries):
            com["origin"] = gpd.GeoSeries.from_wkb(com["origin"], crs=crs)
        return com

    def epcis() -> gpd.GeoDataFrame:
        frame = reader.read(f"{slug}__epcis")
        if not all_in_zone:
            keep = frame["code_departement"].str.split(";").map(lambda ds: bool(set(ds) & set(deps)))
            frame = frame[keep.to_numpy()].reset_index(drop=True)
        return frame

    def commune_origins() -> gpd.GeoDataFrame:  # the points only: no polygon decoded
        frame = reader.read(f"{slug}__communes", filters=flt, columns=[*ORIGIN_COLUMNS, "origin"])
        return split_origins(frame, crs)[1]

    loaders = {
        "communes": communes,
        "commune_origins": commune_origins,
        "epcis": epcis,
        "commune_codes": lambda: reader.read(f"{slug}__communes", filters=flt, columns=COMMUNE_CODES),
        "canton_unit_codes": lambda: reader.read(f"{slug}__canton_units", filters=flt, columns=CANTON_UNIT_CODES),
    }
    for name in ("cantons", "canton_units", "departements"):
        loaders[name] = (lambda n: lambda: reader.read(f"{slug}__{n}", filters=flt))(name)
    return reader, loaders


def commune_layer_loaders(territory, loaders: dict[str, Callable[[], pd.DataFrame]]) -> dict[str, Callable[[], gpd.GeoDataFrame]]:
    """The ``communes`` and ``commune_origins`` loaders of ``territory``: two layers of one cache file.

    Reading the communes also gives their origin points (kept for
    :attr:`commune_origins` if not read yet); reading the points first
    reads only their columns. A territory spanning several CRS zones has
    WGS 84 communes without points: its points are its zones', in WGS 84,
    in its communes' order.
    """

    def communes() -> gpd.GeoDataFrame:
        frame = loaders["communes"]()
        if "origin" not in frame:  # the WGS 84 communes of several zones: their points are the zones'
            return frame
        com, origins = split_origins(frame, territory.crs)
        if territory.__dict__.get("_lazy", {}).pop("commune_origins", None) is not None:
            territory.__dict__["commune_origins"] = origins
        return com

    def commune_origins() -> gpd.GeoDataFrame:
        if not territory.is_multizone:
            return loaders["commune_origins"]()
        parts = [z.commune_origins.to_crs(territory.crs) for z in territory.zones()]
        by_code = pd.concat(parts, ignore_index=True).set_index("code_insee", drop=False)
        codes = territory.commune_codes()
        out = by_code.reindex(codes["code_insee"].to_numpy())
        out.index = codes.index
        out["code_insee"] = codes["code_insee"].to_numpy()
        out["origin_source"] = out["origin_source"].fillna("missing")
        return gpd.GeoDataFrame(out, geometry="geometry", crs=territory.crs)

    return {"communes": communes, "commune_origins": commune_origins}


def canton_unit_codes(territory) -> pd.DataFrame:
    """:data:`CANTON_UNIT_CODES` of the canton units, in ``territory.canton_units`` order.

    The loaded layer's columns, or, before the canton units are read, the
    same columns read from the cache without geometry (what a count of sites
    per canton needs: no polygon decoded for it).

    Examples
    --------
    >>> import territoires
    >>> list(canton_unit_codes(territoires.load_territory("79")).columns)
    ['code_canton', 'nom', 'kind', 'cantons', 'code_departement', 'population']
    """
    lazy = territory.__dict__.get("_lazy", {})
    if "canton_units" not in territory.__dict__ and "_canton_unit_codes_table" in {*territory.__dict__, *lazy}:
        return territory._canton_unit_codes_table
    return territory.canton_units[CANTON_UNIT_CODES]
