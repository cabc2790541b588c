"""Tiny hand-made territories for unit tests (squares of 10 km in Lambert-93).

Layout (x to the right, y up), each cell a commune of 10 km × 10 km::

    y=20  C7 C8 C9
    y=10  C4 C5 C6
    y=0   C1 C2 C3
          x=0 10 20

Cantons: K1 = C1, C2, C4; K2 = C3, C6, C9; K3 = C5 (a canton of one commune),
and C7, C8 form canton K4. Populations are set per test.
"""

from __future__ import annotations

from datetime import date

import geopandas as gpd
import pandas as pd
import shapely
from shapely import box

from territoires.sources.programmes import ProgrammeTable
from territoires.territory.core import BoundaryReport, Territory

CRS = "EPSG:2154"
SIZE = 10_000.0
X0, Y0 = 400_000.0, 6_600_000.0


def cell(i: int, j: int):
    return box(X0 + i * SIZE, Y0 + j * SIZE, X0 + (i + 1) * SIZE, Y0 + (j + 1) * SIZE)


CANTON_OF = {1: "0001", 2: "0001", 4: "0001", 3: "0002", 6: "0002", 9: "0002", 5: "0003", 7: "0004", 8: "0004"}


def territory(populations: dict[int, int] | None = None) -> Territory:
    pops = populations or {k: 1000 for k in range(1, 10)}
    rows = []
    for k in range(1, 10):
        i, j = (k - 1) % 3, (k - 1) // 3
        rows.append(
            {
                "code_insee": f"00{k:03d}",
                "nom": f"Commune {k}",
                "population": pops.get(k, 0),
                "code_canton": CANTON_OF[k],
                "cantons": CANTON_OF[k],
                "canton_split": False,
                "siren_epci": "200000001" if k <= 6 else "200000002",
                "code_departement": "00",
                "geometry_source": "source",
                "geometry": cell(i, j),
            }
        )
    com = gpd.GeoDataFrame(rows, geometry="geometry", crs=CRS)
    com["origin"] = gpd.GeoSeries(shapely.centroid(com.geometry.to_numpy()), crs=CRS)
    units = com.dissolve("code_canton").reset_index()[["code_canton", "geometry"]]
    units["nom"] = "Canton " + units["code_canton"]
    units["kind"] = "canton"
    units["cantons"] = units["code_canton"]
    units["bureau_centralisateur"] = None
    units["n_communes"] = com.groupby("code_canton").size().to_numpy()
    units["population"] = com.groupby("code_canton")["population"].sum().astype("Int64").to_numpy()
    units["code_departement"] = "00"
    cantons = units.drop(columns=["kind", "cantons"]).assign(n_fractions=0, code_groupe=None, geometry_source="source")
    epcis = com.dissolve("siren_epci").reset_index()[["siren_epci", "geometry"]].rename(columns={"siren_epci": "siren"})
    epcis["nom"] = ["EPCI A", "EPCI B"]
    epcis["nature"] = "CC"
    epcis["n_communes"] = [6, 3]
    epcis["population"] = com.groupby("siren_epci")["population"].sum().astype("Int64").to_numpy()
    epcis["code_departement"] = "00"
    outline = gpd.GeoDataFrame({"code_departement": ["00"], "nom": ["Synthétique"], "code_region": ["00"], "n_communes": [9], "population": [sum(pops.values())]}, geometry=[com.union_all()], crs=CRS)
    empty = pd.DataFrame(columns=["code_insee", "nom"])
    return Territory(
        departements=["00"], crs=CRS, communes=com, cantons=cantons, canton_units=units, epcis=epcis,
        outline=outline, report=BoundaryReport(empty, empty, empty), source="synthetic", vintage="test",
    )


def sites_table(rows: list[dict], programme: str = "france_services") -> ProgrammeTable:
    """A France Services table of sites at the centre of the given communes.

    Each row: ``{"site_id", "commune": k, "start_date", "project_from"?, "nom"?}``.
    """
    recs = []
    for r in rows:
        k = r["commune"]
        i, j = (k - 1) % 3, (k - 1) // 3
        c = gpd.GeoSeries([cell(i, j).centroid], crs=CRS).to_crs(4326).iloc[0]
        recs.append(
            {
                "site_id": r["site_id"], "nom": r.get("nom", f"Site {r['site_id']}"), "code_insee": f"00{k:03d}",
                "commune": f"Commune {k}", "adresse": r.get("adresse", ""), "code_postal": None,
                "latitude": c.y, "longitude": c.x, "project_from": r.get("project_from"),
                "start_date": r.get("start_date", date(2020, 1, 1)), "end_date": r.get("end_date"),
                "source": "test", "_line": len(recs) + 2,
            }
        )
    data = pd.DataFrame(recs)
    return ProgrammeTable(programme, "sites", "synthetic", data, pd.DataFrame(columns=["file", "line", "column", "value", "reason", "severity"]), len(recs), "test")
