"""A synthetic national France Services list for benchmarks only.

The official national list is not shipped with the project. To measure the
national case, 2,800 sites are placed at the town halls (origin points) of
2,800 communes drawn at random (seed 0). These are **not** real sites: they
are a workload of the right size, written in the official 2024 layout so the
benchmark reads it like the real file.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

N_SITES = 2800


def write_national_file(territory, path, n: int = N_SITES, seed: int = 0):
    rng = np.random.default_rng(seed)
    frames = []
    for z in territory.zones():
        zc = z.communes.assign(origin=z.commune_origins.geometry)  # the town halls: their own layer (t.commune_origins)
        com = zc[zc["origin"].notna()]
        pts = com.set_geometry("origin").to_crs(4326)
        frames.append(pd.DataFrame({"insee_com": com["code_insee"].to_numpy(), "lib_com": com["nom"].to_numpy(),
                                    "insee_dep": com["code_departement"].to_numpy(),
                                    "latitude": pts.geometry.y.round(6).to_numpy(), "longitude": pts.geometry.x.round(6).to_numpy()}))
    allc = pd.concat(frames, ignore_index=True)
    pick = allc.iloc[np.sort(rng.choice(len(allc), size=n, replace=False))].reset_index(drop=True)
    days = rng.integers(0, 365 * 4, size=n)
    dates = pd.Timestamp("2020-01-01") + pd.to_timedelta(days, unit="D")
    out = pd.DataFrame(
        {
            "id_fs": np.arange(1, n + 1).astype(str), "insee_dep": pick["insee_dep"], "lib_fs": "Site synthétique " + pick["lib_com"],
            "adresse": "", "complement_adresse": "", "insee_com": pick["insee_com"], "code_postal": "", "lib_com": pick["lib_com"],
            "latitude": pick["latitude"], "longitude": pick["longitude"], "type_fs": "Principal", "format_fs": "Fixe",
            "labellisation_fs": ["Espace labellisé " + d.strftime("%d/%m/%Y") for d in dates],
        }
    )
    out.to_csv(path, index=False)
    return path
