"""100 calls of ``Territory.sites`` on different dates: how often the positions file is read, how long it takes.

Before the programme store (issue 11) every ``sites()`` call re-read
``france_services_positions.csv``; now the store reads it once per territory.
Usage: ``python benchmarks/positions_reads.py``.
"""

from __future__ import annotations

import time
from datetime import date, timedelta

import territoires
from territoires.sources.programmes import side_tables

reads = 0
_real = side_tables.read_positions


def _counted(path):
    global reads
    reads += 1
    return _real(path)


side_tables.read_positions = _counted
t = territoires.load_territory("79")
t.sites("france_services", as_of="2021-09-14")  # first call: reads and checks the tables
start = time.perf_counter()
for i in range(100):
    t.sites("france_services", as_of=date(2019, 1, 1) + timedelta(days=15 * i))
elapsed = time.perf_counter() - start
print(f"101 sites() calls: positions file read {reads} time(s); 100 warm calls in {elapsed:.2f} s ({elapsed * 10:.1f} ms per call)")
