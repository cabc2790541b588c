"""Regenerate the gallery previews shown in the README: ``python docs/make_gallery.py``.

Writes one small PNG per map of Deux-Sèvres (14 September 2021) under
``docs/gallery/``, at 60 dpi so the committed previews stay light.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import matplotlib.pyplot as plt

import territoires
from territoires import maps
from territoires.fileio import atomic_path

OUT = Path(__file__).resolve().parent / "gallery"
AS_OF = date(2021, 9, 14)


def main() -> None:
    OUT.mkdir(exist_ok=True)
    t = territoires.load_territory("79")
    for name in maps.MAPS:
        spec = maps.build(t, name, as_of=AS_OF, made_on=AS_OF)
        fig = maps.figure(spec)
        target = OUT / f"{name}.png"
        with atomic_path(target) as tmp:
            fig.savefig(tmp, dpi=60, format="png", metadata={"Software": None})
        plt.close(fig)
        print(f"écrit : {target}")


if __name__ == "__main__":
    main()
