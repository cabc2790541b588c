"""Maps room: pictures of a territory and of analysis results, static and interactive.

>>> from territoires.maps import write_maps                    # doctest: +SKIP
>>> write_maps(t, ["france-services"], as_of="2021-09-14", out="maps/")  # doctest: +SKIP
"""

from __future__ import annotations

from pathlib import Path

from territoires.fileio import safe_name
from territoires.maps.catalogue import MAPS
from territoires.maps.choropleth import choropleth_map
from territoires.maps.interactive import render_html, to_html
from territoires.maps.static import figure, render_static
from territoires.maps.style import MapSpec

FORMATS = ("png", "pdf", "svg", "html")
DEFAULT_FORMATS = ("png", "html")

__all__ = [
    "DEFAULT_FORMATS",
    "FORMATS",
    "MAPS",
    "MapSpec",
    "build",
    "choropleth_map",
    "figure",
    "render_html",
    "render_static",
    "to_html",
    "write_map",
    "write_maps",
]


def build(territory, name: str, as_of=None, made_on=None, **kw) -> MapSpec:
    """The :class:`MapSpec` of map ``name`` (see :data:`MAPS`) for ``territory``."""
    if name not in MAPS:
        raise KeyError(f"unknown map {name!r}; maps: {', '.join(MAPS)}")
    return MAPS[name](territory, as_of=as_of, made_on=made_on, **kw)


def write_map(spec: MapSpec, out: str | Path, formats=DEFAULT_FORMATS, self_contained: bool = True, basemap: str | None = None,
              page: str = "A4", orientation: str | None = None) -> list[Path]:
    """Write ``spec`` into folder ``out`` in each format; return the paths.

    ``page`` (``"A4"``, ``"A3"``) and ``orientation`` (``"portrait"``,
    ``"paysage"``, default chosen from the territory's shape) lay out the
    static formats.

    File names come from the map's slug, made safe (no path separators), so
    nothing taken from data can write outside ``out``.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    base = safe_name(spec.slug)
    paths = []
    for fmt in formats:
        fmt = fmt.strip().lower()
        if fmt not in FORMATS:
            raise ValueError(f"unknown format {fmt!r}; choose among {', '.join(FORMATS)}")
        target = out / f"{base}.{fmt}"
        if target.resolve().parent != out.resolve():
            raise ValueError(f"refusing to write outside {out}: {target}")
        if fmt == "html":
            render_html(spec, target, self_contained=self_contained, basemap=basemap)
        else:
            render_static(spec, target, page=page, orientation=orientation)
        paths.append(target)
    return paths


def write_maps(territory, names=None, as_of=None, out="maps", formats=DEFAULT_FORMATS, made_on=None, **kw) -> list[Path]:
    """Build and write several maps (all of :data:`MAPS` by default)."""
    from territoires.progress import track

    paths = []
    for name in track(names or list(MAPS), "territoires : cartes"):
        paths += write_map(build(territory, name, as_of=as_of, made_on=made_on), out, formats, **kw)
    return paths
