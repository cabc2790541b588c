"""The printable PDF of the report, A4 landscape, drawn with matplotlib (no browser).

Why matplotlib's ``PdfPages`` rather than reportlab: the maps are already
matplotlib figures (:func:`territoires.maps.static.figure`), so they go into
the PDF as vectors — sharp at any print resolution — with the same look as
the PNG maps, and the library needs no new dependency. The price is a small
layout engine here: text wrapped by a width estimate, tables split across
pages with their header repeated.

Every page carries the report's title and date and its number ("page 3 / 14")
at the top, and the section's sources at the bottom (map pages: the map's own
credit line, which names its sources).
"""

from __future__ import annotations

import logging
import textwrap
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import matplotlib
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure

from territoires.fileio import atomic_path
from territoires.maps.static import RC, figure
from territoires.report.text import fr_number

__all__ = ["CHAR_EM", "Layout", "Page", "TEXT_RC", "render_pdf"]

if TYPE_CHECKING:
    from territoires.report.model import Report, Section, Table

#: Text pages use the PDF core Helvetica (every reader has it, nothing to embed):
#: eight times faster to write than an embedded TrueType font. Map pages keep
#: the maps' own DejaVu Sans (embedded).
TEXT_RC = {"pdf.use14corefonts": True, "font.family": "sans-serif", "font.sans-serif": ["Helvetica"]}
#: Characters outside the core fonts' encoding (cp1252) and their stand-ins.
_CP1252_FIX = str.maketrans({"\u202f": "\xa0", "\u2009": " ", "\u2212": "-", "\u2192": "->", "\u2264": "<=", "\u2265": ">=", "\u2248": "~"})

W, H = 11.69, 8.27  # A4 landscape, inches
MX, TOP, BOTTOM = 0.55, 0.75, 0.85  # margins (inches): sides, top (below the header), bottom (above the footer)
BLEU, GRIS, ROUGE = "#000091", "#3a3a3a", "#b34000"
CHAR_EM = 0.56  # mean DejaVu Sans character width, in em (wrapping estimate)


def _chars(width_in: float, size: float) -> int:
    return max(4, int(width_in * 72 / (size * CHAR_EM)))


def _core(text: str) -> str:
    """``text`` in the core fonts' encoding: known stand-ins, then ``?`` for the rest."""
    return str(text).translate(_CP1252_FIX).encode("cp1252", "replace").decode("cp1252")


def _wrap(text: str, width_in: float, size: float) -> list[str]:
    return textwrap.wrap(_core(text), _chars(width_in, size), break_long_words=True) or [""]


@dataclass
class Page:
    ops: list = field(default_factory=list)  # (x_in, y_in_from_top, text, kwargs)
    rects: list = field(default_factory=list)  # (x, y_top, w, h, color)
    spec: object = None  # a map page
    section: Section | None = None
    sources: list = field(default_factory=list)  # the section's sources, numbered as in its tables


class Layout:
    """Lays text pages out top to bottom; starts a new page when one is full."""

    def __init__(self):
        self.pages: list[Page] = []
        self.y = 0.0
        self.section: Section | None = None
        self.sources: list[str] = []

    def new_page(self) -> None:
        self.pages.append(Page(section=self.section, sources=self.sources))
        self.y = TOP

    def need(self, h: float) -> None:
        if not self.pages or self.pages[-1].spec is not None or self.y + h > H - BOTTOM:
            self.new_page()

    def text(self, text: str, size: float = 9, x: float = MX, width: float = W - 2 * MX, gap: float = 0.04, **kw) -> None:
        lines = _wrap(text, width, size)
        lh = size * 1.35 / 72
        for line in lines:
            self.need(lh)
            self.pages[-1].ops.append((x, self.y, line, {"fontsize": size, "color": kw.get("color", GRIS), "fontweight": kw.get("weight", "normal")}))
            self.y += lh
        self.y += gap

    def figures(self, section: Section) -> None:
        """Key figures as boxes, four per row."""
        if not section.figures:
            return
        cols, gap = 4, 0.12
        bw = (W - 2 * MX - gap * (cols - 1)) / cols
        for i in range(0, len(section.figures), cols):
            row = section.figures[i:i + cols]
            boxes = [self._figure_lines(f, bw - 0.16) for f in row]
            bh = max(sum(h for _, _, h, _ in b) for b in boxes) + 0.14
            self.need(bh + gap)
            page = self.pages[-1]
            for j, b in enumerate(boxes):
                x = MX + j * (bw + gap)
                page.rects.append((x, self.y, bw, bh, "#f5f5fe"))
                page.rects.append((x, self.y, 0.04, bh, BLEU))
                y = self.y + 0.07
                for text, size, lh, style in b:
                    page.ops.append((x + 0.1, y, text, {"fontsize": size, **style}))
                    y += lh
            self.y += bh + gap

    @staticmethod
    def _figure_lines(f, width: float) -> list[tuple[str, float, float, dict]]:
        out = []
        for line in _wrap(f.label, width, 8):
            out.append((line, 8, 0.15, {"fontweight": "bold", "color": GRIS}))
        out.append((_core(f.text), 15, 0.3, {"fontweight": "bold", "color": BLEU}))
        if f.deck is not None:
            color = ROUGE if f.deck != f.value else GRIS
            out.append((_core(f"selon le comité : {fr_number(f.deck)}"), 7.5, 0.14, {"color": color}))
        for line in _wrap(f.note, width, 7)[:4] if f.note else []:
            out.append((line, 7, 0.13, {"color": GRIS}))
        return out

    def source_ref(self, text: str) -> str:
        """``[n]``: the number of ``text`` in the section's sources (added if new)."""
        sources = self.sources
        if text not in sources:
            sources.append(text)
        return f"[{sources.index(text) + 1}]"

    def table(self, t: Table, size: float = 7.2) -> None:
        df = t.data
        cols = [str(c) for c in df.columns]
        cells = [[("" if isinstance(v, str) and not v else (v if isinstance(v, str) else fr_number(v))) for v in r] for r in df.itertuples(index=False)]
        if "Source" in cols:
            i = cols.index("Source")
            for r in cells:
                r[i] = self.source_ref(r[i]) if r[i] else ""
        widths = _widths(cols, cells, size)
        total = W - 2 * MX
        lh = size * 1.3 / 72
        self.need(0.5)
        self.text(t.title, 9.5, weight="bold", color=BLEU, gap=0.03)

        def header():
            hl = [_wrap(c, w - 0.08, size) for c, w in zip(cols, widths, strict=True)]
            h = max(len(x) for x in hl) * lh + 0.06
            self.need(h + lh)
            page, x = self.pages[-1], MX
            page.rects.append((MX, self.y, total, h, "#ececfe"))
            for lines, w in zip(hl, widths, strict=True):
                for k, line in enumerate(lines):
                    page.ops.append((x + 0.04, self.y + 0.03 + k * lh, line, {"fontsize": size, "fontweight": "bold", "color": GRIS}))
                x += w
            self.y += h

        header()
        if not cells:
            self.text("(aucune ligne)", size)
        for r in cells:
            wrapped = [_wrap(v, w - 0.08, size) for v, w in zip(r, widths, strict=True)]
            h = max(len(x) for x in wrapped) * lh + 0.05
            if self.y + h > H - BOTTOM:
                self.new_page()
                header()
            page, x = self.pages[-1], MX
            page.rects.append((MX, self.y + h - 0.004, total, 0.004, "#dddddd"))
            for lines, w in zip(wrapped, widths, strict=True):
                for k, line in enumerate(lines):
                    page.ops.append((x + 0.04, self.y + 0.025 + k * lh, line, {"fontsize": size, "color": GRIS}))
                x += w
            self.y += h
        if t.note:
            self.text(t.note, 7, gap=0.02)
        self.y += 0.1

    def add_section(self, s: Section) -> None:
        self.section = s
        self.sources = list(s.sources)
        self.new_page()
        self.text(s.title, 16, weight="bold", color=BLEU, gap=0.06)
        if s.intro:
            self.text(s.intro, 9.5, gap=0.1)
        self.figures(s)
        for t in s.tables:
            self.table(t)
        for n in s.notes:
            self.text(f"• {n}", 7.5, gap=0.01)
        for spec in s.maps:
            self.pages.append(Page(spec=spec, section=s, sources=self.sources))


def _widths(cols: list[str], cells: list[list[str]], size: float) -> list[float]:
    """Column widths (inches): short columns get their natural width, long ones share the rest."""
    total = W - 2 * MX
    char = size * CHAR_EM / 72
    natural = [max([len(w) for w in c.split()] + [len(c) // 2] + [len(str(r[i])) for r in cells]) * char + 0.12 for i, c in enumerate(cols)]
    if sum(natural) <= total:
        return [w * total / sum(natural) for w in natural]
    fair = total / len(cols)
    short = [w <= fair for w in natural]
    rest = total - sum(w for w, s in zip(natural, short, strict=True) if s)
    long_sum = sum(min(w, 6.0) for w, s in zip(natural, short, strict=True) if not s)
    return [w if s else rest * min(w, 6.0) / long_sum for w, s in zip(natural, short, strict=True)]


def _cover(r: Report, starts: dict[str, int]) -> Layout:
    lay = Layout()
    lay.new_page()
    lay.y = 1.4
    lay.text(r.title, 22, weight="bold", color=BLEU, gap=0.1)
    lay.text(r.subtitle, 13, gap=0.1)
    lay.text(f"Réalisé le {r.made_on.strftime('%d/%m/%Y')} avec territoires {r.version}. {r.boundaries}.", 9, gap=0.3)
    lay.text("Sommaire", 13, weight="bold", color=BLEU, gap=0.05)
    for s in r.sections:
        lay.text(f"{s.title} — page {starts.get(s.key, '?')}", 10.5, gap=0.02)
    if r.left_out:
        lay.y += 0.2
        lay.text("Laissé de côté", 13, weight="bold", color=ROUGE, gap=0.05)
        for lo in r.left_out:
            lay.text(f"{lo.title}{' (section)' if lo.kind == 'section' else ''} : {lo.reason}", 9, gap=0.02)
    return lay


def _frame(fig, r: Report, n: int, total: int, page: Page, map_page: bool) -> None:
    """Header (title, date, page number) and, on text pages, the sources footer."""
    head = f"{r.title} — au {r.as_of.strftime('%d/%m/%Y')} — page {n} / {total}"
    head = _core(head) if not map_page else head
    fig.text(1 - 0.25 / W, 1 - 0.12 / H, head, ha="right", va="top", fontsize=7, color=GRIS)
    if map_page:
        return
    section = page.section
    fig.text(0.25 / W, 1 - 0.12 / H, _core(section.title if section else r.subtitle), ha="left", va="top", fontsize=7, color=BLEU)
    sources = page.sources or [r.boundaries]
    text = "Sources : " + " ; ".join(f"[{i}] {x}" for i, x in enumerate(sources, start=1))
    lines = _wrap(text, W - 2 * MX, 6)
    if len(lines) > 5:
        lines = [*lines[:4], lines[4][: max(0, len(lines[4]) - 40)] + " … (liste complète dans la version HTML)"]
    for k, line in enumerate(lines):
        fig.text(MX / W, (0.12 + (len(lines) - 1 - k) * 0.11) / H, line, fontsize=6, color="#666666")


def _draw(fig, page: Page) -> None:
    from matplotlib.patches import Rectangle

    for x, y, w, h, color in page.rects:
        fig.patches.append(Rectangle((x / W, 1 - (y + h) / H), w / W, h / H, transform=fig.transFigure, facecolor=color, edgecolor="none", zorder=0))
    for x, y, text, kw in page.ops:
        # baselines, not bounding-box tops: a row's cells line up whatever their letters
        fig.text(x / W, 1 - (y + kw.get("fontsize", 9) * 0.8 / 72) / H, text, va="baseline", ha="left", **kw)


def _close(fig) -> None:
    """Release a map figure (``maps.static.figure`` may register it with pyplot)."""
    import sys

    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close(fig)


def render_pdf(r: Report, path) -> Path:
    """Write the report's PDF to ``path`` (atomically, no creation date: same input, same bytes)."""
    body = Layout()
    for s in r.sections:
        body.add_section(s)
    cover = _cover(r, {})
    n_cover = len(cover.pages)
    starts: dict[str, int] = {}
    for i, p in enumerate(body.pages):
        if p.section is not None and p.section.key not in starts:
            starts[p.section.key] = n_cover + i + 1
    cover = _cover(r, starts)
    pages = cover.pages + body.pages
    total = len(pages)
    path = Path(path)
    meta = {"Title": f"{r.title} — {r.subtitle}", "Creator": f"territoires {r.version}", "Producer": None,
            "CreationDate": None, "ModDate": None}
    logging.getLogger("matplotlib.font_manager").setLevel(logging.ERROR)  # "Helvetica: using medium"
    # fonts are written when the file closes, with the rcParams then in force: keep RC around it all
    with matplotlib.rc_context(RC), atomic_path(path) as tmp, PdfPages(tmp, metadata=meta) as pdf:
        for n, page in enumerate(pages, start=1):
            # figures built without pyplot: nothing to close, nothing kept in a global registry
            with matplotlib.rc_context({} if page.spec is not None else TEXT_RC):
                fig = figure(page.spec) if page.spec is not None else Figure(figsize=(W, H))
                if page.spec is None:
                    _draw(fig, page)
                _frame(fig, r, n, total, page, page.spec is not None)
                pdf.savefig(fig)
                if page.spec is not None:
                    _close(fig)
    return path
