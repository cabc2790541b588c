"""Programme tables: curated (``data/programmes/<dep>/``) and official files.

Public entry point: :func:`parse_programme` (syntax and values);
``territoires.read_programme`` adds the checks against the boundaries.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd

from territoires import settings
from territoires.sources.programmes.crte import read_crte
from territoires.sources.programmes.model import (
    PROGRAMMES,
    SITE_COLUMNS,
    Programme,
    ProgrammeTable,
    programme,
)
from territoires.sources.programmes.readers import (
    read_acv,
    read_cnfs_json,
    read_curated,
    read_france_services,
    read_generic,
    read_pvd,
)

__all__ = [
    "PROGRAMMES",
    "Programme",
    "ProgrammeTable",
    "curated_departements",
    "curated_path",
    "parse_programme",
    "programme",
    "to_geodataframe",
]


#: Official-layout readers, by the registry's ``Programme.reader`` name.
OFFICIAL_READERS = {
    "france_services": read_france_services,
    "pvd": read_pvd,
    "acv": read_acv,
    "crte": read_crte,
}


def curated_path(departement: str, key: str) -> Path | None:
    """Path of the curated table of ``key`` for ``departement``, if there is one."""
    p = programme(key)
    if not p.curated_file:
        return None
    path = settings.PROGRAMMES_DIR / departement / p.curated_file
    return path if path.exists() else None


def curated_departements() -> list[str]:
    """Départements with curated programme tables shipped in the package (``["79"]``)."""
    return sorted(d.name for d in settings.PROGRAMMES_DIR.iterdir() if d.is_dir())


def parse_programme(path, key: str, mapping: dict | None = None, source: str | None = None, **kw) -> ProgrammeTable:
    """Read a programme file (curated or official) into a :class:`ProgrammeTable`.

    The layout is recognised from the file: a curated table (normalised
    columns), or the official layouts of France Services (2020, 2021–22,
    2024), PVD, ACV, CRTE (three tables) and the 2021 conseillers numériques
    JSON. ``mapping`` (normalised column → file column) reads any other
    layout, e.g. a New Deal Mobile site list.
    """
    p = programme(key)
    path = Path(path)
    if mapping:
        table = read_generic(path, p, mapping, source)
    elif path.suffix.lower() == ".json":
        table = read_cnfs_json(path, p, source)
    elif _is_curated(path, p):
        table = read_curated(path, p)
    elif p.reader in OFFICIAL_READERS:
        table = OFFICIAL_READERS[p.reader](path, p, source, **kw)
    else:
        from territoires.errors import InputError

        raise InputError(
            path,
            f"aucun format officiel connu pour le programme {p.key} : donner la correspondance des colonnes, par exemple "
            "mapping={'site_id': 'id', 'code_insee': 'insee', 'latitude': 'lat', 'longitude': 'lon'}",
        )
    if p.kind == "sites":
        table.data = to_geodataframe(table.data)
    return table


def _is_curated(path: Path, p: Programme) -> bool:
    if not path.is_file() or path.suffix.lower() != ".csv":  # never open a FIFO or a device here
        return False
    try:
        with open(path, "rb") as fh:
            head = fh.readline(65536).decode("utf-8-sig", errors="replace")
    except OSError:
        return False
    cols = {c.strip().strip('"') for c in head.replace(";", ",").split(",")}
    need = {"site_id", "start_date", "source"} if p.kind == "sites" else {"unit_type", "unit_code", "start_date", "source"}
    return need <= cols


def to_geodataframe(frame: pd.DataFrame) -> gpd.GeoDataFrame:
    """Sites as points in WGS 84 (empty geometry where coordinates are missing)."""
    frame = frame.copy()
    for col in SITE_COLUMNS:
        if col not in frame:
            frame[col] = pd.Series([None] * len(frame), index=frame.index, dtype=object)
    lon = pd.to_numeric(frame["longitude"], errors="coerce").astype(float)
    lat = pd.to_numeric(frame["latitude"], errors="coerce").astype(float)
    geom = gpd.points_from_xy(lon, lat, crs=settings.WEB_CRS)
    gdf = gpd.GeoDataFrame(frame, geometry=geom, crs=settings.WEB_CRS)  # frame: this function's own copy
    missing = (lon.isna() | lat.isna()).to_numpy()
    if missing.any():
        gdf.loc[missing, "geometry"] = None
    return gdf
