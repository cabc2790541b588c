"""Output for the users' tools: CSV for spreadsheets, GeoPackage for QGIS.

GeoPackage layers carry the same names as the map layers (``Limites communales``, ``Limites cantonales``, ``France Services labellisées``…), so a
QGIS project and the generated maps speak the same language. Every file is
written atomically.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from territoires.fileio import atomic_path, write_bytes

__all__ = ["BOUNDARY_LAYERS", "to_csv", "to_geopackage"]

BOUNDARY_LAYERS = {
    "Limites communales": "communes",
    "Limites cantonales": "canton_units",
    "Cantons": "cantons",
    "Limites des EPCI": "epcis",
    "Limite départementale": "outline",
}


def to_csv(table: pd.DataFrame, path: str | Path, sep: str = ",", bom: bool = False) -> Path:
    """Write a table as CSV: UTF-8, with a BOM and ``sep=";"`` for French spreadsheets.

    Geometry columns are left out (use :func:`to_geopackage` for them).
    """
    frame = pd.DataFrame(table).drop(columns=[c for c in table.columns if str(table[c].dtype) == "geometry"], errors="ignore")
    text = frame.to_csv(index=False, sep=sep)
    return write_bytes(path, text.encode("utf-8-sig" if bom else "utf-8"))


def to_geopackage(territory, path: str | Path, as_of=None, programmes=("france_services",)) -> Path:
    """Write the boundary layers and programme sites of ``territory`` to one GeoPackage.

    Layers: ``Limites communales`` (communes), ``Limites cantonales`` (cantons
    and canton groups), ``Cantons`` (the 17 real cantons), ``Limites des EPCI``,
    ``Limite départementale``, then for each programme with sites its
    active sites and projects on ``as_of`` (``France Services labellisées``,
    ``France Services en projet``).
    """
    import warnings

    from territoires.sources.programmes import programme
    from territoires.territory.national import NoProgrammeDataError

    layers = {}
    for name, attr in BOUNDARY_LAYERS.items():
        gdf = getattr(territory, attr)
        layers[name] = gdf.drop(columns=[c for c in ("origin",) if c in gdf])
    for key in programmes:
        p = programme(key)
        if p.kind != "sites":
            continue
        try:
            s = territory.sites(key, as_of=as_of)
        except NoProgrammeDataError as exc:  # boundaries still export; the missing sites are said, not hidden
            warnings.warn(f"couches {p.label} non écrites : {exc.french()}", stacklevel=2)
            continue
        obj = s.select_dtypes(exclude=["geometry"]).columns
        s = s.astype({c: "string" for c in obj if s[c].dtype == object})
        layers[p.active_layer] = s[s["status"] == p.active_status]
        layers[p.project_layer] = s[s["status"] == p.project_status]
    with atomic_path(path) as tmp:
        tmp.unlink()
        for name, gdf in layers.items():
            gdf.to_file(tmp, layer=name, driver="GPKG", mode="a" if tmp.exists() else "w")
    return Path(path)
