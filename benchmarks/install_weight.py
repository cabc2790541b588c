"""What installing territoires costs: venv size, distributions, import times.

Usage::

    python benchmarks/install_weight.py PROJECT_DIR [--venv DIR] [--extras EXTRA,...] [--repeat 5]

Creates a fresh venv in ``DIR`` (a temporary folder by default), installs
``PROJECT_DIR`` into it without test tools (``pip install PROJECT_DIR[extras]``),
then prints, as Markdown: the install's wall time (pip on this machine, its
cache warm), the number of distributions, the size of the venv on disk and the
median wall time of importing ``territoires``, ``territoires.maps`` and, where
installed, ``mapclassify`` (each in a fresh interpreter, ``--repeat`` times).

``--reuse`` measures an existing ``--venv`` again (import times only move
with the machine's load: measure the two venvs one after the other).
Run it once on the old revision (``git worktree add /tmp/old <rev>``) and once
on the new one to compare.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

STATEMENTS = {
    "import territoires": "import territoires",
    "import territoires.maps": "import territoires.maps",
    "import mapclassify": "import mapclassify",
}


def _size(path: Path) -> int:
    total = 0
    for root, _dirs, files in os.walk(path):
        for f in files:
            p = Path(root) / f
            if not p.is_symlink():
                total += p.stat().st_size
    return total


def _time_import(python: Path, statement: str, repeat: int) -> tuple[float, float] | None:
    """Median wall and CPU seconds of ``statement`` in fresh interpreters.

    CPU time (user + system of the process) moves little with the load of a
    shared machine; wall time is what a user waits.
    """
    wall, cpu = [], []
    for _ in range(repeat):
        code = (f"import time; w, c = time.perf_counter(), time.process_time(); {statement}; "
                "print(time.perf_counter() - w, time.process_time() - c)")
        r = subprocess.run([str(python), "-c", code], capture_output=True, text=True)
        if r.returncode:
            return None
        w, c = r.stdout.strip().splitlines()[-1].split()
        wall.append(float(w))
        cpu.append(float(c))
    return statistics.median(wall), statistics.median(cpu)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("project")
    ap.add_argument("--venv")
    ap.add_argument("--extras", default="")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--reuse", action="store_true", help="measure an existing --venv without installing")
    a = ap.parse_args(argv)
    venv = Path(a.venv or tempfile.mkdtemp(prefix="territoires-weight-"))
    python = venv / "bin" / "python"
    install_s = None
    if not a.reuse:
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        target = str(Path(a.project).resolve()) + (f"[{a.extras}]" if a.extras else "")
        start = time.perf_counter()
        subprocess.run([str(python), "-m", "pip", "install", "-q", target], check=True, stderr=subprocess.DEVNULL)
        install_s = time.perf_counter() - start
    dists = subprocess.run([str(python), "-m", "pip", "list", "--format=freeze"], capture_output=True, text=True, check=True)
    n_dist = len([line for line in dists.stdout.splitlines() if line and not line.startswith(("pip==", "setuptools=="))])
    print(f"| venv | {venv} |\n|---|---|")
    if install_s is not None:
        print(f"| install (pip, warm cache) | {install_s:.0f} s |")
    print(f"| distributions (without pip, setuptools) | {n_dist} |")
    print(f"| venv size | {_size(venv) / 1e6:.0f} MB |")
    for label, stmt in STATEMENTS.items():
        t = _time_import(python, stmt, a.repeat)
        shown = "not installed" if t is None else f"{t[0]:.2f} s wall, {t[1]:.2f} s CPU"
        print(f"| `{label}` (median of {a.repeat}) | {shown} |")


if __name__ == "__main__":
    main()
