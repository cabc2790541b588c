"""The page: orientation, the map's boxes, the legend and the insets, chosen from the territory's extent.

Every length is in inches, origin at the page's bottom left. The title
block sits on top and the source lines at the bottom, across the page; the
map region between them holds the main panel, the legend block (legend and
notes) beside or below it, and the insets (overseas départements) in a
column or a row. Of the candidate arrangements, the one that draws the main
panel at the largest scale wins, ties going to the first listed (portrait
before landscape, legend on the right before below): a tall département
such as Deux-Sèvres comes out in portrait, a wide one in landscape.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["GAP", "INSET_TITLE", "MARGIN", "PAGES", "Box", "Layout", "choose"]

PAGES = {"A4": (8.27, 11.69), "A3": (11.69, 16.54)}  # portrait width, height
MARGIN = 0.3
GAP = 0.15
INSET_TITLE = 0.2


@dataclass(frozen=True)
class Box:
    x: float
    y: float
    w: float
    h: float

    def fraction(self, page: tuple[float, float]) -> tuple[float, float, float, float]:
        """``(left, bottom, width, height)`` as fractions of the page (matplotlib ``add_axes``)."""
        return (self.x / page[0], self.y / page[1], self.w / page[0], self.h / page[1])


@dataclass(frozen=True)
class Layout:
    page: tuple[float, float]
    orientation: str  # "portrait" or "paysage"
    main: Box
    insets: list[Box]  # map boxes (their titles sit above them, inside the inset cell)
    legend: Box  # where the legend block goes (top left anchor = x, y + h)
    scale: float  # inches of page per metre of the main panel (to compare arrangements)


def _fit(box_w: float, box_h: float, ext_w: float, ext_h: float) -> float:
    if box_w <= 0 or box_h <= 0 or ext_w <= 0 or ext_h <= 0:
        return 0.0
    return min(box_w / ext_w, box_h / ext_h)


def choose(
    extent: tuple[float, float],
    legend: tuple[float, float],
    top: float,
    bottom: float,
    insets: list[tuple[float, float]] = (),
    page: str = "A4",
    orientation: str | None = None,
) -> Layout:
    """The best arrangement for a main panel of ``extent`` (metres, width × height).

    ``legend``: the legend block's size (inches); ``top``/``bottom``: heights
    of the title block and of the source lines; ``insets``: extents of the
    overseas panels; ``orientation``: ``"portrait"``, ``"paysage"`` or
    ``None`` (chosen).
    """
    if page not in PAGES:
        raise ValueError(f"format de page inconnu : {page!r} (formats : {', '.join(PAGES)})")
    pw, ph = PAGES[page]
    orients = [orientation] if orientation else ["portrait", "paysage"]
    best = None
    for o in orients:
        if o not in ("portrait", "paysage"):
            raise ValueError(f"orientation inconnue : {o!r} (portrait ou paysage)")
        size = (pw, ph) if o == "portrait" else (ph, pw)
        W, H = size
        rx, ry, rw, rh = MARGIN, MARGIN + bottom, W - 2 * MARGIN, H - 2 * MARGIN - top - bottom
        lw, lh = legend
        for where in ("right", "below"):
            if where == "right":
                map_box = Box(rx, ry, rw - lw - GAP, rh)
                leg = Box(rx + rw - lw, ry + rh - lh, lw, lh)
            else:
                map_box = Box(rx, ry + lh + GAP, rw, rh - lh - GAP)
                leg = Box(rx, ry, lw, lh)
            for arr in (("column", "row") if insets else ("none",)):
                main, boxes = _split(map_box, arr, len(insets), insets)
                scale = _fit(main.w, main.h, *extent)
                if min([scale, *[_fit(b.w, b.h, *e) for b, e in zip(boxes, insets, strict=True)]]) <= 0:
                    continue
                if best is None or scale > best.scale * 1.0001:
                    best = Layout(size, o, main, boxes, leg, scale)
    if best is None:
        raise ValueError("la légende ne laisse pas de place à la carte : page trop petite")
    return best


def _split(region: Box, arrangement: str, n: int, extents) -> tuple[Box, list[Box]]:
    """The main panel's box and the inset boxes (map part, title excluded) of ``region``."""
    if n == 0 or arrangement == "none":
        return region, []
    if arrangement == "column":
        cw = min(region.w * 0.24, 2.2)
        cell = (region.h - GAP * (n - 1)) / n
        boxes = [Box(region.x, region.y + region.h - (i + 1) * cell - i * GAP, cw, cell - INSET_TITLE) for i in range(n)]
        return Box(region.x + cw + GAP, region.y, region.w - cw - GAP, region.h), boxes
    rh = min(region.h * 0.24, 2.2)
    cell = (region.w - GAP * (n - 1)) / n
    boxes = [Box(region.x + i * (cell + GAP), region.y, cell, rh - INSET_TITLE) for i in range(n)]
    return Box(region.x, region.y + rh + GAP, region.w, region.h - rh - GAP), boxes
