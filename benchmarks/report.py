"""Time the committee's file end to end, each run in a fresh process.

    python benchmarks/report.py            # 3 runs, medians
    python benchmarks/report.py --runs 1

Measures ``territoires rapport --dept 79 --as-of 2021-09-14 --depuis 2021-07-13``
(HTML + PDF) as a user runs it: a new Python process each time (imports
included), the boundary cache already built (the first ``load_territory``
of a checkout builds it once). Reports wall time, CPU time (user + system of
the child: less sensitive than wall time to other processes sharing the
machine) and peak memory, and, from a second fresh process, the time of each
phase (imports, territory, figures and maps, HTML, PDF).

The target (issue 18): the whole 79 report in under 15 s on the 2-core
development machine.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time

CLI = [sys.executable, "-m", "territoires.cli", "rapport", "--dept", "79", "--as-of", "2021-09-14",
       "--depuis", "2021-07-13", "--made-on", "2026-11-29"]

PHASES = r"""
import json, sys, time
t0 = time.perf_counter(); c0 = time.process_time()
import territoires
from territoires.report import rapport
t1 = time.perf_counter()
t = territoires.load_territory("79")
t2 = time.perf_counter()
r = rapport(t, as_of="2021-09-14", depuis="2021-07-13", made_on="2026-11-29")
t3 = time.perf_counter()
r.to_html(sys.argv[1] + "/r.html")
t4 = time.perf_counter()
r.to_pdf(sys.argv[1] + "/r.pdf")
t5 = time.perf_counter()
print(json.dumps({"imports": t1 - t0, "territory": t2 - t1, "figures and maps": t3 - t2, "html": t4 - t3, "pdf": t5 - t4,
                  "total": t5 - t0, "cpu": time.process_time() - c0}))
"""


def run_cli(out: str) -> dict:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run([*CLI, "--out", out], check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"wall": wall, "cpu": cpu, "peak_mb": after.ru_maxrss / 1024}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as out:
        subprocess.run([sys.executable, "-c", "import territoires; territoires.load_territory('79')"], check=True)  # cache built
        runs = [run_cli(out) for _ in range(args.runs)]
        phases = json.loads(subprocess.run([sys.executable, "-c", PHASES, out], check=True, capture_output=True, text=True).stdout)
        sizes = {f: os.path.getsize(os.path.join(out, f)) for f in sorted(os.listdir(out))}
    med = {k: statistics.median(r[k] for r in runs) for k in ("wall", "cpu")}
    print(f"territoires rapport 79 (HTML + PDF), fresh process, {args.runs} run(s), medians:")
    print(f"  wall {med['wall']:.2f} s, CPU {med['cpu']:.2f} s, peak memory {max(r['peak_mb'] for r in runs):.0f} MB "
          "(all runs: " + ", ".join(f"{r['wall']:.1f}" for r in runs) + " s wall)")
    print("  load average (1 min) at the end: " + f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print("  phases of one more fresh run: " + ", ".join(f"{k} {v:.2f} s" for k, v in phases.items()))
    print("  files: " + ", ".join(f"{k} {v / 1e6:.1f} MB" for k, v in sizes.items() if not k.startswith(".")))
    print(f"  target: under 15 s — {'met' if med['wall'] < 15 else 'NOT met'} on wall time, "
          f"{'met' if med['cpu'] < 15 else 'NOT met'} on CPU time")


if __name__ == "__main__":
    main()
