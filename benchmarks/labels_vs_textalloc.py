"""Compare textalloc with territoires.maps.labels on the France Services map of 79 (2021-09-14).

Run from the checkout: ``PYTHONPATH=. python benchmarks/labels_vs_textalloc.py DIR`` where DIR holds
textalloc (``pip install --no-deps --target DIR textalloc``; it is not a dependency). Both write the
same 40 names (15 cantons, may be dropped; 25 sites' towns, must be written) on the same figure;
overlaps are measured on the drawn boxes as in ``tests/test_labels.py``.

Measured on 2026-11-29 (2 shared cores): ours 40/40 names, 0 name-name and 0 name-marker overlaps,
``place()`` 0.14–0.25 s; textalloc 1.2.4 given the markers' sizes wrote 15/40 names (15 towns that must
be written left out), 0.43 s; without the sizes, 40 names but 24 over markers. Both deterministic.
"""

from __future__ import annotations

import sys
import time

sys.path.insert(0, sys.argv[1] if len(sys.argv) > 1 else "/tmp/ta")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import shapely  # noqa: E402
import textalloc as ta  # noqa: E402

import territoires  # noqa: E402
from territoires import maps  # noqa: E402
from territoires.maps import labels as L  # noqa: E402
from territoires.maps import static  # noqa: E402
from tests.test_labels import _drawn_boxes  # noqa: E402


def measure(fig):
    names, markers = _drawn_boxes(fig)
    boxes = [b for _, b in names]
    return len(names), len(L.overlaps(boxes, tol=0.5)), len(L.overlaps(boxes, markers, tol=0.5)), {t for t, _ in names}


def ours(spec):
    orig, spent = L.place, []

    def timed(*a, **k):
        t0 = time.perf_counter()
        r = orig(*a, **k)
        spent.append(time.perf_counter() - t0)
        return r

    L.place = timed
    try:
        fig = static.figure(spec)
    finally:
        L.place = orig
    m = measure(fig)
    plt.close(fig)
    return sum(spent), m


def with_textalloc(spec, sizes: bool):
    saved = [(lyr, lyr.label) for lyr in spec.layers]
    for lyr in spec.layers:
        lyr.label = None
    fig = static.figure(spec)
    for lyr, lab in saved:
        lyr.label = lab
    ax = fig.axes[0]
    wanted = L.collect(spec.layers)
    xy = np.vstack([shapely.get_coordinates(lyr.data.geometry.to_numpy()) for lyr in spec.layers if lyr.symbol.kind == "point"])
    extra = {"scatter_sizes": [81.0] * len(xy)} if sizes else {}
    t0 = time.perf_counter()
    ta.allocate(ax, [w.x for w in wanted], [w.y for w in wanted], [w.text for w in wanted], x_scatter=xy[:, 0], y_scatter=xy[:, 1],
                textsize=6.5, linewidth=0.4, linecolor="#3a3a3a", draw_all=False,
                bbox={"boxstyle": "square,pad=0.12", "fc": "white", "ec": "none", "alpha": 0.8}, **extra)
    dt = time.perf_counter() - t0
    for txt in ax.texts:
        if txt.get_bbox_patch() is not None and txt.get_gid() is None:
            txt.set_gid("territoires-label")
    m = measure(fig)
    plt.close(fig)
    return dt, m, {w.text for w in wanted if w.keep}


def main() -> None:
    t = territoires.load_territory("79")
    spec = maps.build(t, "france-services", as_of="2021-09-14", made_on="2021-09-14")
    dt, (n, nn, nm, _) = ours(spec)
    print(f"territoires.maps.labels: {n} names, {nn} name-name, {nm} name-marker overlaps, place() {dt:.2f} s")
    for sizes in (True, False):
        dt, (n, nn, nm, written), keep = with_textalloc(spec, sizes)
        print(f"textalloc (marker sizes given: {sizes}): {n} names, {nn} name-name, {nm} name-marker overlaps, "
              f"{dt:.2f} s; must-write names left out: {len(keep - written)}")


if __name__ == "__main__":
    main()
