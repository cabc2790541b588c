"""Interactive maps inside notebooks: an object that displays itself, as ``GeoDataFrame.explore()`` does.

The interactive page is the library's own self-contained HTML
(:func:`~territoires.maps.interactive.to_html`); a notebook shows it in an
``iframe`` whose ``srcdoc`` holds the page (escaped), so it needs no server,
no network and no trust from the notebook (the page runs in its own frame).
"""

from __future__ import annotations

import html
import io
from dataclasses import dataclass
from pathlib import Path

import matplotlib

from territoires.maps.interactive import render_html, to_html
from territoires.maps.static import RC, figure
from territoires.maps.style import MapSpec

__all__ = ["InteractiveMap", "png_bytes"]


@dataclass
class InteractiveMap:
    """The interactive map of a :class:`MapSpec`, displayed inline by Jupyter.

    Examples
    --------
    >>> from territoires.maps.style import demo_spec
    >>> spec = demo_spec()
    >>> m = InteractiveMap(spec)
    >>> out = m._repr_html_()
    >>> out.startswith("<iframe"), "cdn.jsdelivr.net" in out
    (True, False)
    """

    spec: MapSpec
    self_contained: bool = True
    basemap: str | None = None
    #: height of the frame in a notebook, in CSS pixels
    height: int = 600

    def to_html(self) -> str:
        """The whole HTML page (self-contained unless ``self_contained=False``)."""
        return to_html(self.spec, self_contained=self.self_contained, basemap=self.basemap)

    def save(self, path: str | Path) -> Path:
        """Write the page to ``path`` atomically; return the path."""
        return render_html(self.spec, path, self_contained=self.self_contained, basemap=self.basemap)

    def _repr_html_(self) -> str:
        doc = html.escape(self.to_html(), quote=True)
        title = html.escape(self.spec.title, quote=True)
        return (f'<iframe srcdoc="{doc}" title="{title}" style="width:100%;height:{int(self.height)}px;border:0" '
                'sandbox="allow-scripts"></iframe>')


def png_bytes(spec: MapSpec, dpi: int = 100) -> bytes:
    """The PNG of ``spec`` in memory, as a notebook shows a :class:`MapSpec` (``_repr_png_``).

    Examples
    --------
    >>> from territoires.maps.style import demo_spec
    >>> spec = demo_spec()
    >>> png_bytes(spec, dpi=20)[:4]
    b'\x89PNG'
    """
    buf = io.BytesIO()
    with matplotlib.rc_context(RC):
        figure(spec).savefig(buf, format="png", dpi=dpi, metadata={"Software": None})
    return buf.getvalue()
