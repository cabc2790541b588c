"""Deux-Sèvres: people beyond 20 and 30 minutes under the default model and the earlier estimator.

    python benchmarks/access_79.py [--dates 2021-07-13 2022-12-31] [--dept 79]

Only the sites of the loaded tables count: the curated 79 table has no site of
the neighbouring départements, so border communes are measured without them.
"""

from __future__ import annotations

import argparse

import pandas as pd


def main(argv=None) -> int:
    import territoires
    from territoires import analysis as A

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dates", nargs="+", default=["2021-07-13", "2022-12-31"])
    ap.add_argument("--dept", default="79")
    args = ap.parse_args(argv)
    t = territoires.load_territory(args.dept)
    models = {"densite-3 (défaut)": A.DensityModel(), "densite-3, mairies": A.DensityModel(origins=A.Origins("mairie")),
              "ancien (×1,3 à 60 km/h, mairies)": A.StraightLineRouter(1.3, 60)}
    rows = []
    for d in args.dates:
        for name, router in models.items():
            acc = A.access_by_commune(t, as_of=d, router=router)
            pb = A.population_beyond(acc, [20, 30]).set_index("seuil_min")
            rows.append({"date": d, "modèle": name, "sites": acc.attrs["nb_sites"],
                         "> 20 min": pb.at[20, "population"], "part > 20": f"{pb.at[20, 'part'] * 100:.2f} %",
                         "> 30 min": pb.at[30, "population"], "part > 30": f"{pb.at[30, 'part'] * 100:.2f} %"})
    print(pd.DataFrame(rows).to_string(index=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
