"""The committee's file as a Python object: sections of figures, tables, maps and sources.

A :class:`Report` holds :class:`Section` objects in the deck's order; each
displays itself in a notebook (``_repr_html_``), and a user can reorder,
drop or pick sections before writing the HTML or the PDF.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import pandas as pd

from territoires.maps.style import MapSpec, french_date
from territoires.report.text import fr_number

__all__ = ["KeyFigure", "LeftOut", "Report", "Section", "Table"]


@dataclass
class KeyFigure:
    """One key figure: the value the data give and, when the deck gives one, the deck's."""

    label: str
    value: object
    unit: str = ""
    deck: object = None  # the committee's own figure (sourced indicator), if any
    source: str = ""
    note: str = ""

    @property
    def text(self) -> str:
        unit = self.unit
        if unit and self.value in (0, 1) and not isinstance(self.value, bool) and not unit.startswith("sur"):
            first, _, rest = unit.partition(" ")
            unit = (first[:-1] if first.endswith("s") else first) + (f" {rest}" if rest else "")  # French: 0 and 1 take the singular
        return f"{fr_number(self.value)}{' ' + unit if unit else ''}"


@dataclass
class Table:
    """A table shown in a section, with French column names."""

    title: str
    data: pd.DataFrame
    note: str = ""

    def _repr_html_(self) -> str:
        from territoires.report.html import table_html

        return table_html(self)


@dataclass
class Section:
    """One part of the file (a programme or the changes since the last meeting)."""

    key: str
    title: str
    intro: str = ""
    figures: list[KeyFigure] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    maps: list[MapSpec] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def figure(self, label_start: str) -> KeyFigure:
        """The key figure whose label starts with ``label_start``."""
        for f in self.figures:
            if f.label.startswith(label_start):
                return f
        raise KeyError(f"no key figure {label_start!r} in section {self.key!r}: {[f.label for f in self.figures]}")

    def table(self, title_start: str) -> Table:
        for t in self.tables:
            if t.title.startswith(title_start):
                return t
        raise KeyError(f"no table {title_start!r} in section {self.key!r}: {[t.title for t in self.tables]}")

    def _repr_html_(self) -> str:
        """The section in a notebook, its interactive maps included (self-contained)."""
        from territoires.report.html import section_html

        return f"<style>{_css()}</style>" + section_html(self, maps=True)


@dataclass
class LeftOut:
    """A section or part left out of the file, and why."""

    key: str
    title: str
    reason: str
    kind: str = "programme"  # or "section"


@dataclass
class Report:
    """The committee's file for a territory on a date."""

    territory_label: str
    as_of: date
    since: date | None
    sections: list[Section]
    left_out: list[LeftOut]
    made_on: date
    version: str
    boundaries: str = ""

    @property
    def title(self) -> str:
        return f"Comité local de cohésion territoriale — {self.territory_label}"

    @property
    def subtitle(self) -> str:
        s = f"Situation au {french_date(self.as_of)}"
        if self.since:
            s += f", changements depuis le {french_date(self.since)}"
        return s

    def __getitem__(self, key: str) -> Section:
        for s in self.sections:
            if s.key == key:
                return s
        raise KeyError(f"no section {key!r}; sections: {', '.join(s.key for s in self.sections)}")

    def __iter__(self):
        return iter(self.sections)

    def __repr__(self) -> str:
        return f"<Report {self.territory_label} au {self.as_of}: {len(self.sections)} sections, {len(self.left_out)} laissée(s) de côté>"

    def _repr_html_(self) -> str:
        """The whole file in a notebook: figures and tables; display a section for its maps."""
        from territoires.report.html import report_body

        return f"<style>{_css()}</style>" + report_body(self, maps=False)

    def to_html(self, path=None) -> str:
        """The self-contained HTML page (written to ``path`` if given)."""
        from territoires.report.html import render_html

        return render_html(self, path)

    def to_pdf(self, path) -> None:
        """The printable A4 PDF (matplotlib, no browser)."""
        from territoires.report.pdf import render_pdf

        render_pdf(self, path)


def _css() -> str:
    from territoires.report.html import CSS

    return CSS.replace("body {", ".territoires-report-body {")
