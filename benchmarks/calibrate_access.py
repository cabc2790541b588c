"""Calibration of the access estimate against ANCT's national statement.

ANCT states that 95 % of the French live within 20 minutes of a France
Services site and 99 % within 30 minutes (2023, road times by INSEE's
methods). Given a national list in the official layout, this script prints
the national shares beyond 20 and 30 minutes, and per département, under the
default model (``densite-3``), the same model from town halls, and the
estimator of earlier versions (× 1.3 at 60 km/h from town halls)::

    python benchmarks/calibrate_access.py liste-france-services.csv [--as-of 2024-08-01]
    python benchmarks/calibrate_access.py --synthetic cantons   # no official file at hand

``--synthetic communes`` writes and uses benchmarks/synthetic_sites.py's list
(2,800 random communes, seed 0); ``--synthetic cantons`` one site at the town
hall of every canton's bureau centralisateur (the programme's "one site per
canton" aim), and of the most populous commune of each EPCI for the communes
in no canton (Métropole de Lyon, Martinique, Guyane). Both are **synthetic**: their figures say how the models
behave on a plausible layout, never whether they agree with ANCT.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).parent))

ANCT = {20: 0.05, 30: 0.01}


def canton_sites_file(territory, path) -> Path:
    """A synthetic national list: one site at each bureau centralisateur's town hall (official 2024 layout)."""
    frames = []
    for z in territory.zones():
        bc = set(z.cantons["bureau_centralisateur"].dropna())
        # communes in no canton (Métropole de Lyon, Martinique, Guyane): the most populous commune of each EPCI
        free = z.communes[z.communes["code_canton"].isna()].sort_values("population", ascending=False)
        bc |= set(free.drop_duplicates("siren_epci")["code_insee"])
        zc = z.communes.assign(origin=z.commune_origins.geometry)  # the town halls: their own layer (t.commune_origins)
        com = zc[zc["code_insee"].isin(bc) & zc["origin"].notna()]
        pts = com.set_geometry("origin").to_crs(4326)
        frames.append(pd.DataFrame({"insee_com": com["code_insee"].to_numpy(), "lib_com": com["nom"].to_numpy(),
                                    "insee_dep": com["code_departement"].to_numpy(),
                                    "latitude": pts.geometry.y.round(6).to_numpy(), "longitude": pts.geometry.x.round(6).to_numpy()}))
    allc = pd.concat(frames, ignore_index=True).sort_values("insee_com").reset_index(drop=True)
    out = pd.DataFrame({
        "id_fs": [f"S{i:05d}" for i in range(1, len(allc) + 1)], "insee_dep": allc["insee_dep"],
        "lib_fs": "Site synthétique " + allc["lib_com"], "adresse": "", "complement_adresse": "",
        "insee_com": allc["insee_com"], "code_postal": "", "lib_com": allc["lib_com"],
        "latitude": allc["latitude"], "longitude": allc["longitude"], "type_fs": "Principal", "format_fs": "Fixe",
        "labellisation_fs": "Espace labellisé 01/01/2022",
    })
    out.to_csv(path, index=False)
    return Path(path)


def models():
    from territoires import analysis as A

    return {
        "densite-3": A.DensityModel(),
        "densite-3, mairies": A.DensityModel(origins=A.Origins("mairie")),
        "ancien (×1,3 à 60 km/h, mairies)": A.StraightLineRouter(),
        "repère #19 (×1,69 à 50 km/h, mairies)": A.StraightLineRouter(1.69, 50),
    }


def run(path: Path, as_of: str | None, synthetic: str | None, per_dep: int) -> pd.DataFrame:
    import territoires
    from territoires import analysis as A

    t = territoires.load_territory("all")
    table = territoires.read_programme(path, "france_services")
    t.add_programme(table)
    label = f"liste SYNTHÉTIQUE ({synthetic})" if synthetic else f"liste {path.name}"
    print(f"{label} — {len(table.data)} lignes lues — au {as_of or 'aujourd hui'}")
    print("ANCT (2023) : 5 % au-delà de 20 min, 1 % au-delà de 30 min (temps routiers)\n")
    rows, deps = [], {}
    for name, router in models().items():
        t0 = time.perf_counter()
        acc = A.access_by_commune(t, as_of=as_of, router=router)
        pb = A.population_beyond(acc, [20, 30]).set_index("seuil_min")
        rows.append({"modèle": name, "au-delà de 20 min": pb.at[20, "part"], "au-delà de 30 min": pb.at[30, "part"],
                     "habitants > 20": pb.at[20, "population"], "habitants > 30": pb.at[30, "population"],
                     "points d'origine": int(acc["nb_origines"].sum()), "secondes": round(time.perf_counter() - t0, 1)})
        deps[name] = A.access_summary(acc, by="code_departement").set_index("code_departement")
        print(f"  {name}: {acc.attrs['router']}")
    res = pd.DataFrame(rows)
    fmt = res.copy()
    for c in ("au-delà de 20 min", "au-delà de 30 min"):
        fmt[c] = (fmt[c] * 100).map(lambda v: f"{v:.2f} %")
    print("\nFrance entière :")
    print(fmt.to_string(index=False))
    first = next(iter(deps))
    d = pd.DataFrame({f"{n} > {s}": deps[n][f"part_au_dela_{s}"] * 100 for n in deps for s in (20, 30)})
    d = d.sort_values(f"{first} > 20", ascending=False)
    print(f"\nPar département (part en %, {per_dep if per_dep else 'tous'} départements les plus éloignés selon {first}) :")
    print((d.head(per_dep) if per_dep else d).round(2).to_string())
    if synthetic:
        print("\nListe synthétique : ces parts ne se comparent pas aux 95 % / 99 % de l'ANCT.")
    return res


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("liste", nargs="?", type=Path, help="liste nationale France Services (format officiel)")
    ap.add_argument("--as-of", default=None, help="date (AAAA-MM-JJ) ; défaut : aujourd'hui")
    ap.add_argument("--synthetic", choices=["communes", "cantons"], help="liste synthétique au lieu d'un fichier")
    ap.add_argument("--departements", type=int, default=15, help="lignes du tableau par département (0 : toutes)")
    args = ap.parse_args(argv)
    if not args.liste and not args.synthetic:
        ap.error("donner une liste nationale ou --synthetic communes|cantons")
    if args.synthetic:
        import territoires

        t = territoires.load_territory("all")
        tmp = Path(tempfile.mkdtemp()) / f"synthetique-{args.synthetic}.csv"
        if args.synthetic == "communes":
            from synthetic_sites import write_national_file

            write_national_file(t, tmp)
        else:
            canton_sites_file(t, tmp)
        args.liste = tmp
    run(args.liste, args.as_of, args.synthetic, args.departements)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
