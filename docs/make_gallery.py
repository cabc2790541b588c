"""Regenerate the gallery previews shown in the README: ``python docs/make_gallery.py [--national]``.

Writes one small PNG per map of Deux-Sèvres (14 September 2021) under
``docs/gallery/``, at 60 dpi so the committed previews stay light, and the
density map of ``79,971,974`` (three panels). ``--national`` also
writes the national choropleth and cantons-without-site maps with their five
overseas insets (they load the whole of France: about a minute or more).
"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import matplotlib.pyplot as plt

import territoires
from territoires import maps
from territoires.fileio import atomic_path

OUT = Path(__file__).resolve().parent / "gallery"
AS_OF = date(2021, 9, 14)


def _save(spec, name: str) -> None:
    fig = maps.figure(spec)
    target = OUT / f"{name}.png"
    with atomic_path(target) as tmp:
        fig.savefig(tmp, dpi=60, format="png", metadata={"Software": None})
    plt.close(fig)
    print(f"écrit : {target}")


def main(national: bool = False) -> None:
    OUT.mkdir(exist_ok=True)
    t = territoires.load_territory("79")
    for name in maps.MAPS:
        _save(maps.build(t, name, as_of=AS_OF, made_on=AS_OF), name)
    # three CRS zones, three panels; programme maps of 971/974 need the national lists (territoires donnees)
    three = territoires.load_territory(["79", "971", "974"])
    _save(maps.choropleth_map(three, made_on=AS_OF), "densite-79-971-974")
    if national:
        france = territoires.load_territory("all")
        _save(maps.choropleth_map(france, made_on=AS_OF), "national-densite")
        _save(maps.build(france, "cantons-sans-site", as_of=AS_OF, made_on=AS_OF), "national-cantons-sans-site")


if __name__ == "__main__":
    main(national="--national" in sys.argv[1:])
