"""Benchmarks: territoires against what a user would write without it, measured in one run.

Usage: ``python benchmarks/run.py [--repeat 3] [--only gaps,access] [--before DIR]``.

Every task is timed twice, each time in new Python processes:

- **fresh**: one process does everything (interpreter start, imports, reading
  the GeoParquet files or loading the territory, the task once) and exits;
  the time is the whole process, measured from outside; median of
  ``--repeat`` processes; the library's and the hand script's processes
  alternate (lib, hand, lib, hand…), so a change of load on the machine
  falls on both; the fresh ratio is printed for the medians and, in
  brackets, for the fastest process of each side (``timeit``'s advice: the
  slower runs measure other processes' interference);
- **warm**: one process prepares (imports, loading: not timed), runs the task
  once, then times ``--repeat`` more runs; median.
- **in process, cold** (national analysis rows): in the same fresh
  processes, the time from after ``import geopandas`` (which both sides
  need, run before the clock starts) to the end of the task's first run:
  the library's own imports, loading or reading the files, the task once;
  not the interpreter's start, that shared import, nor its exit. It is what
  a notebook user waits for on a first call once geopandas is imported;
  the fresh column stays the whole process.

Peak memory is the fresh process's maximum resident set (imports included).
The library's modules are byte-compiled first, as ``pip install`` leaves
them (and as the hand scripts' packages are).
The hand scripts (``tasks.py``) read the library's GeoParquet boundary cache
as their input files. ``floor`` rows time the bare GEOS query (STRtree) the
task needs, warm; the first check of a list has the bare ``read_csv`` of the
list (no checks) as its floor, fresh, and the same checks by hand as its
baseline. ``--before DIR`` also times ``import territoires`` and the first
79 map with another checkout of the library (``git archive`` of an older
commit) on the same cache. Scaling: access + canton gaps on 1, 12 and all
départements, with the fixed and the per-commune cost fitted separately
(least squares ``t = a + b × communes``) for fresh and warm times.

The rows of the library's access model (densite-3) compare it with the same
model written by hand on the same origin points (``ORIG``); the rows of the
hand's question (straight line from town halls) ask the library that question.
The national tasks use a synthetic list of 2,800 sites (``synthetic_sites.py``):
a workload of the real size, not real sites.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from tasks import SCALING, SCALING_TASK, TASKS  # noqa: E402

CHILD = """
import json, resource, sys, time
T0 = time.perf_counter()
{prelude}
TI = time.perf_counter()

CACHE, SITES, OUT, DEPS, FS79, ORIG, MODE, REPEAT = {args!r}
if isinstance(DEPS, str) and "," in DEPS:
    DEPS = DEPS.split(",")
NOTE = ""
{setup}
T1 = time.perf_counter()
def task():
    global NOTE
{task}
task()
T2 = time.perf_counter()
warm = []
if MODE == "warm":
    for _ in range(REPEAT):
        _s = time.perf_counter(); task(); warm.append(time.perf_counter() - _s)
peak = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024
print("@@" + json.dumps({{"setup": T1 - T0, "first": T2 - T1, "cold": T2 - TI, "warm": warm, "peak": peak, "note": str(NOTE)}}))
"""


def _indent(code: str) -> str:
    return "\n".join("    " + line for line in (code.strip() or "pass").splitlines())


def run_child(setup: str, task: str, ctx: dict, mode: str, repeat: int, env: dict | None = None, out: str | None = None,
              prelude: str = "") -> dict:
    """One new interpreter; returns its report and the whole process time (``wall``).

    ``prelude``: imports run before the in-process clock (``cold``: setup and
    the task's first run, in process, after the prelude) starts; they count
    in ``wall`` as any import does.
    """
    code = CHILD.format(args=(ctx["cache"], ctx["sites"], out or tempfile.mkdtemp(), ctx.get("deps", "all"), ctx["fs79"], ctx["orig"], mode, repeat),
                        setup=setup, task=_indent(task), prelude=prelude)
    t0 = time.perf_counter()
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ctx.get("cwd", ROOT), env=env or ctx.get("env"))
    wall = time.perf_counter() - t0
    if r.returncode:
        raise RuntimeError(r.stderr[-3000:])
    line = next(x for x in r.stdout.splitlines() if x.startswith("@@"))
    out = json.loads(line[2:])
    out["wall"] = wall
    return out


def measure(script, ctx, repeat) -> dict:
    """Fresh (median whole process, peak) and warm (median task) times of one script."""
    return measure_side_by_side({"lib": script}, ctx, repeat)["lib"]


def measure_side_by_side(scripts: dict, ctx, repeat, warm_only: tuple = (), prelude: str = "") -> dict:
    """:func:`measure` of several scripts, their fresh processes interleaved (lib, hand, lib, hand…).

    A change in the machine's load during the row then falls on both sides
    alike instead of on whichever ran second. ``warm_only``: keys timed warm
    only (the GEOS floors).
    """
    fresh: dict = {k: [] for k in scripts if k not in warm_only}
    for _ in range(repeat):
        for k in fresh:
            fresh[k].append(run_child(*scripts[k], ctx, "fresh", 0, prelude=prelude))
    out = {}
    for k, (setup, task) in scripts.items():
        warm = run_child(setup, task, ctx, "warm", repeat)
        f = fresh.get(k) or [warm]
        out[k] = {"fresh": statistics.median(r["wall"] for r in f), "fresh_min": min(r["wall"] for r in f), "peak": max(r["peak"] for r in f),
                  "cold": statistics.median(r["cold"] for r in f),
                  "warm": statistics.median(warm["warm"]), "note": f[-1]["note"]}
    return out


PREPARE = """
import json, sys
from pathlib import Path
sys.path.insert(0, {here!r})
import territoires
from synthetic_sites import write_national_file
from territoires import settings
t = territoires.load_territory("all")
cache = max((p for p in Path(settings.cache_dir).iterdir() if (p / "manifest.json").exists()), key=lambda p: p.stat().st_mtime)
sites = write_national_file(t, Path({tmp!r}) / "liste-fs-synthetique.csv")
territoires.read_programme(sites, "france_services")  # checked once and kept, as after a first use (list_first times that)
from territoires.maps.geometry import simplified
g = simplified(t)  # national map layers simplified once and kept on disk, as after a first national map
for k in g:
    g[k]
# the access model's national origin points, as one plain table for the hand scripts of that model
import pandas as pd
from territoires.analysis import DensityModel
from territoires.analysis.originstore import territory_origins
held = territory_origins(t, DensityModel().origins)
codes = t.communes["code_insee"].to_numpy()
orig = Path({tmp!r}) / "origines.parquet"
pd.concat([pd.DataFrame({{"crs": z.crs, "code_insee": codes[z.commune], "x": z.x, "y": z.y, "population": z.population,
                          "densite": held.density[z.commune]}}) for z in held.zones], ignore_index=True).to_parquet(orig)
print("@@" + json.dumps({{"cache": str(cache), "sites": str(sites), "fs79": str(settings.PROGRAMMES_DIR / "79" / "france_services.csv"),
                         "orig": str(orig)}}))
"""


def prepare(tmp: Path) -> dict:
    """The cache folder, the synthetic national list and the curated 79 table, made in a child process.

    (The parent stays small: Linux keeps a process's peak resident set across
    ``exec``, so a large parent would inflate every child's peak.)
    """
    r = subprocess.run([sys.executable, "-c", PREPARE.format(here=str(HERE), tmp=str(tmp))], capture_output=True, text=True, cwd=ROOT, check=True)
    return json.loads(next(x for x in r.stdout.splitlines() if x.startswith("@@"))[2:])


def fmt(x: float) -> str:
    return f"{x:.2f}" if x < 100 else f"{x:.0f}"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--only", help="comma-separated task keys (" + ", ".join([*TASKS, "scaling", "cold", "before", "browser"]) + ")")
    ap.add_argument("--chromium", default="/usr/bin/chromium", help="for the first render and pan of the national choropleth")
    ap.add_argument("--before", help="another checkout of territoires, for before/after of import and the first 79 map")
    args = ap.parse_args(argv)
    only = set(args.only.split(",")) if args.only else None
    tmp = Path(tempfile.mkdtemp())
    # byte-compiled as after `pip install` (which compiles), like the hand scripts' packages: with
    # PYTHONDONTWRITEBYTECODE set, an editable checkout would be recompiled in every process
    for tree in (ROOT / "territoires", *([Path(args.before) / "territoires"] if args.before else [])):
        subprocess.run([sys.executable, "-m", "compileall", "-q", str(tree)], check=True)
    ctx = prepare(tmp)
    load = os.getloadavg()
    print(f"territoires benchmarks — {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"median of {args.repeat}, load average at start {load[0]:.1f}\n")
    print("| task | territoires fresh | warm | peak | by hand fresh | warm | peak | ratio fresh | ratio in process, cold | ratio warm "
          "| floor | by hand is | notes |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|")
    results = {}
    for key, spec in TASKS.items():
        if only and key not in only:
            continue
        whole = spec.get("whole_process")
        # a GEOS floor is timed warm; the floor of a whole-process row (the bare read of a list) fresh, with the two sides
        m = measure_side_by_side({k: spec[k] for k in ("lib", "hand", "floor") if k in spec}, ctx, args.repeat,
                                 warm_only=() if whole else ("floor",), prelude=spec.get("prelude", ""))
        lib, hand, floor = m["lib"], m.get("hand"), m.get("floor")
        results[key] = (lib, hand, floor)
        row = [spec["title"], f"{fmt(lib['fresh'])} s", "—" if whole else f"{fmt(lib['warm'])} s", f"{lib['peak']:.0f} MB"]
        if hand:
            row += [f"{fmt(hand['fresh'])} s", "—" if whole else f"{fmt(hand['warm'])} s", f"{hand['peak']:.0f} MB",
                    f"{lib['fresh'] / hand['fresh']:.2f} (min {lib['fresh_min'] / hand['fresh_min']:.2f})",
                    f"{lib['cold'] / hand['cold']:.2f} ({fmt(lib['cold'])} / {fmt(hand['cold'])} s)" if spec.get("prelude") else "",
                    "—" if whole else f"{lib['warm'] / hand['warm']:.2f}"]
        else:
            row += ["", "", "", "", "", ""]
        if floor and whole:
            row.append(f"{fmt(floor['fresh'])} s fresh (×{lib['fresh'] / floor['fresh']:.2f})")
        else:
            row.append(f"{fmt(floor['warm'])} s warm (×{lib['warm'] / floor['warm']:.1f})" if floor else "")
        row.append(spec.get("hand_is", ""))
        row.append(lib["note"] + (f" / by hand: {hand['note']}" if hand else ""))
        print("| " + " | ".join(row) + " |", flush=True)
    if (not only or "browser" in only) and Path(args.chromium).exists():
        from browser import measure as in_browser

        out = tmp / "page"
        out.mkdir()
        run_child(*TASKS["choropleth"]["lib"], ctx, "fresh", 0, out=str(out))
        b = in_browser(out / "lib.html", args.chromium, args.repeat)
        print(f"| national choropleth in headless Chromium (offline) | first render {b['first_render_s']:.2f} s | pan {b['pan_ms']:.0f} ms | | | | | | | | | | {b['size_mb']:.1f} MB |")
    if not only or "cold" in only:
        # each build in its own empty folder (the same folder would be warm from the second build on)
        cold = [run_child("import territoires", "t = territoires.load_territory('79')\nNOTE = 'cache built'", ctx, "fresh", 0,
                          env=dict(os.environ, TERRITOIRES_CACHE_DIR=str(tmp / f"cold-cache-{i}")))
                for i in range(max(1, args.repeat // 2))]
        c = min(cold, key=lambda r: r["wall"])
        print(f"| cold cache build (empty cache, load_territory('79')) | {fmt(c['wall'])} s | — | {c['peak']:.0f} MB | | | | | | | | | builds the national cache |")
    if args.before and (not only or "before" in only):
        # the older checkout gets its own cache, built once before timing (untimed)
        env = dict(os.environ, PYTHONPATH=str(Path(args.before).resolve()), TERRITOIRES_CACHE_DIR=str(tmp / "before-cache"))
        bctx = dict(ctx, cwd=str(Path(args.before).resolve()))  # with -c, the working folder comes first on sys.path
        where = run_child("import territoires", "territoires.load_territory('79')\nNOTE = territoires.__file__", bctx, "fresh", 0, env=env)["note"]
        print(f"\n| before ({where}) / after, warm cache, whole process | before | after |\n|---|---:|---:|")
        for key in ("import", "maps79"):
            before = statistics.median(run_child(*TASKS[key]["lib"], bctx, "fresh", 0, env=env)["wall"] for _ in range(args.repeat))
            after = results[key][0]["fresh"] if key in results else measure(TASKS[key]["lib"], ctx, args.repeat)["fresh"]
            print(f"| {TASKS[key]['title']} | {fmt(before)} s | {fmt(after)} s |", flush=True)
    if not only or "scaling" in only:
        print("\n| access + canton gaps | communes | fresh | warm |\n|---|---:|---:|---:|")
        pts = []
        for deps, label in SCALING.items():
            m = measure(SCALING_TASK, dict(ctx, deps=deps), args.repeat)
            n = int(m["note"])
            pts.append((n, m["fresh"], m["warm"]))
            print(f"| {label} | {n:,} | {fmt(m['fresh'])} s | {m['warm'] * 1000:.1f} ms |", flush=True)
        n = np.array([p[0] for p in pts], dtype=float)
        for i, what in ((1, "fresh"), (2, "warm")):
            b, a = np.polyfit(n, np.array([p[i] for p in pts]), 1)
            print(f"\n{what}: t ≈ {a:.3f} s fixed + {b * 1e6:.2f} µs per commune", end="")
        print()
    print(f"\nload average at the end {os.getloadavg()[0]:.1f} (2 cores shared with other sessions when above 2)")


if __name__ == "__main__":
    main()
