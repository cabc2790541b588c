"""The self-contained HTML report: no network, no CDN, interactive maps inlined.

Each interactive map is the maps room's self-contained page (Leaflet inlined
from the ``xstatic-leaflet`` package) placed in an ``<iframe srcdoc>``: the
maps keep their own scripts and ids apart, and the page loads nothing.
Every text taken from data is HTML-escaped.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

from territoires.fileio import write_text
from territoires.maps.interactive import to_html as map_html
from territoires.report.text import fr_number

__all__ = ["CSS", "left_out_html", "map_iframe", "render_html", "report_body", "section_html", "table_html"]

if TYPE_CHECKING:
    from territoires.report.model import KeyFigure, Report, Section, Table

e = html.escape

CSS = """
body { font: 14px/1.45 "Marianne", Arial, sans-serif; color: #3a3a3a; margin: 0; background: #f6f6f6; }
header.report { background: #000091; color: #fff; padding: 18px 32px; }
header.report h1 { margin: 0 0 4px; font-size: 24px; }
header.report p { margin: 2px 0; }
nav.toc { background: #fff; padding: 10px 32px; border-bottom: 1px solid #ddd; }
nav.toc a { margin-right: 18px; color: #000091; text-decoration: none; font-weight: bold; }
main { padding: 8px 32px 32px; }
section.part { background: #fff; margin: 18px 0; padding: 16px 24px; border-radius: 4px; box-shadow: 0 1px 3px rgba(0,0,0,.15); }
section.part h2 { color: #000091; margin: 0 0 6px; }
.figures { display: grid; grid-template-columns: repeat(auto-fill, minmax(230px, 1fr)); gap: 10px; margin: 12px 0; }
.figure { border-left: 4px solid #000091; background: #f5f5fe; padding: 8px 10px; }
.figure .value { font-size: 22px; font-weight: bold; color: #000091; }
.figure .label { font-weight: bold; }
.figure .deck, .figure .note { font-size: 12px; }
.figure .deck.differs { color: #b34000; }
iframe.map { width: 100%; height: 640px; border: 1px solid #ccc; margin: 8px 0; background: #fff; }
.table h4 { margin: 14px 0 4px; }
table { border-collapse: collapse; width: 100%; font-size: 12.5px; }
th, td { border: 1px solid #ddd; padding: 3px 6px; text-align: left; vertical-align: top; }
th { background: #ececfe; }
p.note, .sources { font-size: 12px; color: #555; }
.leftout { background: #fff4f3; border-left: 4px solid #e1000f; padding: 8px 14px; margin: 18px 0; }
footer.report { font-size: 12px; color: #666; padding: 0 32px 24px; }
@media print { iframe.map { display: none; } body { background: #fff; } }
"""


def _figure_html(f: KeyFigure) -> str:
    deck = ""
    if f.deck is not None:
        differs = " differs" if f.deck != f.value else ""
        deck = f'<div class="deck{differs}">selon le comité : {e(fr_number(f.deck))}</div>'
    note = f'<div class="note">{e(f.note)}</div>' if f.note else ""
    src = f'<div class="note">source : {e(f.source)}</div>' if f.source else ""
    return (f'<div class="figure"><div class="label">{e(f.label)}</div><div class="value">{e(f.text)}</div>'
            f"{deck}{note}{src}</div>")


def map_iframe(spec) -> str:
    """One interactive map, self-contained, in an ``iframe srcdoc``."""
    page = map_html(spec, self_contained=True)
    return f'<iframe class="map" title="{e(spec.title)}" srcdoc="{e(page, quote=True)}"></iframe>'


def section_html(s: Section, maps: bool = True, iframes: dict | None = None) -> str:
    parts = [f'<section class="part" id="{e(s.key)}"><h2>{e(s.title)}</h2>']
    if s.intro:
        parts.append(f"<p>{e(s.intro)}</p>")
    if s.figures:
        parts.append('<div class="figures">' + "".join(_figure_html(f) for f in s.figures) + "</div>")
    if maps:
        for spec in s.maps:
            parts.append(iframes[spec.slug] if iframes and spec.slug in iframes else map_iframe(spec))
    elif s.maps:
        parts.append('<p class="note">Cartes : ' + e(", ".join(m.title for m in s.maps)) + "</p>")
    parts += [table_html(t) for t in s.tables]
    if s.notes:
        parts.append('<div class="sources"><strong>Millésimes et remarques</strong><ul>' + "".join(f"<li>{e(n)}</li>" for n in s.notes) + "</ul></div>")
    if s.sources:
        parts.append('<div class="sources"><strong>Sources</strong><ul>' + "".join(f"<li>{e(x)}</li>" for x in s.sources) + "</ul></div>")
    parts.append("</section>")
    return "".join(parts)


def left_out_html(r: Report) -> str:
    if not r.left_out:
        return ""
    items = "".join(
        f"<li><strong>{e(lo.title)}</strong>{' (section)' if lo.kind == 'section' else ''} : {e(lo.reason)}</li>" for lo in r.left_out
    )
    return f'<div class="leftout" id="laisse-de-cote"><strong>Laissé de côté</strong><ul>{items}</ul></div>'


def report_body(r: Report, maps: bool = True, iframes: dict | None = None) -> str:
    head = (f'<header class="report"><h1>{e(r.title)}</h1><p>{e(r.subtitle)}</p>'
            f"<p>Réalisé le {r.made_on.strftime('%d/%m/%Y')} avec territoires {e(r.version)} — {e(r.boundaries)}</p></header>")
    toc = '<nav class="toc">' + "".join(f'<a href="#{e(s.key)}">{e(s.title)}</a>' for s in r.sections)
    toc += ('<a href="#laisse-de-cote">Laissé de côté</a>' if r.left_out else "") + "</nav>"
    body = "".join(section_html(s, maps, iframes) for s in r.sections)
    return f"{head}{toc}<main>{left_out_html(r)}{body}</main>"


def render_html(r: Report, path=None) -> str:
    """The whole page; written atomically to ``path`` when given."""
    page = (
        '<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{e(r.title)} — {e(r.subtitle)}</title><style>{CSS}</style></head><body>"
        f"{report_body(r)}"
        f'<footer class="report">{e(r.title)} — {e(r.subtitle)} — territoires {e(r.version)}</footer></body></html>'
    )
    if path is not None:
        write_text(path, page)
    return page


def table_html(t: Table) -> str:
    """A table as HTML, every cell escaped."""
    e = html.escape
    head = "".join(f"<th>{e(str(c))}</th>" for c in t.data.columns)
    rows = []
    for r in t.data.itertuples(index=False):
        rows.append("<tr>" + "".join(f"<td>{e(fr_number(v) if not isinstance(v, str) else v)}</td>" for v in r) + "</tr>")
    body = "".join(rows) if rows else f'<tr><td colspan="{max(len(t.data.columns), 1)}">(aucune ligne)</td></tr>'
    note = f'<p class="note">{e(t.note)}</p>' if t.note else ""
    return f'<div class="table"><h4>{e(t.title)}</h4><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>{note}</div>'
