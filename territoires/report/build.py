"""Assemble the committee's file: :func:`rapport`."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

import pandas as pd

from territoires import __version__
from territoires import analysis as A
from territoires.dates import DateLike
from territoires.dates import to_date_or_none as as_date
from territoires.maps import style as S
from territoires.report.common import rows_cache
from territoires.report.france_services import france_services_section
from territoires.report.model import KeyFigure, LeftOut, Report, Section, Table
from territoires.report.sections import (
    SECTIONS,
    crte_section,
    engineering_section,
    left_out_parts,
    numerique_section,
    pvd_acv_section,
)
from territoires.sources.programmes import programme

if TYPE_CHECKING:
    from territoires.territory.core import Territory

__all__ = ["CHANGE_LABELS", "changes_section", "rapport"]

CHANGE_LABELS = {"entrée": "Entrées (labellisations, nouveaux membres)", "nouveau projet": "Nouveaux projets",
                 "signature": "Signatures", "sortie": "Sorties"}


def changes_section(territory, since: date, d: date, present: list[str]) -> Section:
    """What changed between the last meeting and this one, every programme with data."""
    ch = A.programme_changes(territory, since, d, programmes=present)
    figs = [KeyFigure(label, int((ch["changement"] == kind).sum()), "") for kind, label in CHANGE_LABELS.items()]
    tables = []
    fs = programme("france_services")
    if fs.key in present:
        cb = A.changes_between(territory, since, d, fs.key)
        figs.append(KeyFigure("France Services : cantons sans site comblés", len(cb["gaps_closed"]), "", None, "",
                              ", ".join(cb["gaps_closed"]["nom_canton"].astype(str))))
        figs.append(KeyFigure("France Services : cantons passés sans site", len(cb["gaps_opened"]), "", None, "",
                              ", ".join(cb["gaps_opened"]["nom_canton"].astype(str))))
        acc = cb["access"]
        tables.append(Table("France Services : population à plus de 30 min", pd.DataFrame({
            "Date": acc["date"], "Habitants au-delà": acc["population_au_dela"], "Part (%)": (acc["part_au_dela"] * 100).round(2)})))
    for kind, label in CHANGE_LABELS.items():
        part = ch[ch["changement"] == kind]
        if len(part):
            tables.append(Table(label, part[["libelle_programme", "nom", "commune", "date", "source"]].rename(columns={
                "libelle_programme": "Programme", "nom": "Nom", "commune": "Commune, contrat ou objet", "date": "Date", "source": "Source"})))
    return Section(
        "changements", f"Ce qui a changé depuis le {since.strftime('%d/%m/%Y')}",
        f"Entre le {since.strftime('%d/%m/%Y')} (exclu) et le {d.strftime('%d/%m/%Y')} (inclus), pour chaque programme.",
        figs, tables, [], [],
        ["La date d'un changement est celle où une source l'atteste : un fait plus ancien, que la source ne date pas, "
         "apparaît à la date de cette source (par exemple les projets France Services, attestés par le comité lui-même)."],
    )


def rapport(territory: Territory | str, as_of: DateLike = None, depuis: DateLike = None, made_on: DateLike = None) -> Report:
    """The committee's file for ``territory`` (a :class:`Territory` or a département code) on ``as_of``.

    Sections follow the deck's order (CRTE; PVD and ACV; France Services;
    conseillers numériques and other ANCT programmes; engineering), preceded
    by the changes since ``depuis`` when given. A section whose programmes
    have no data in the territory is not built: it is listed in
    ``Report.left_out`` with the reason, as is every programme without data.

    Examples
    --------
    >>> r = territoires.rapport("79", as_of="2021-09-14", depuis="2021-07-13")   # doctest: +SKIP
    >>> r["france_services"].figure("Sites labellisés").value                    # doctest: +SKIP
    17
    >>> r.to_html("rapport.html"); r.to_pdf("rapport.pdf")                      # doctest: +SKIP
    """
    from territoires.territory import Territory, load_territory

    t = territory if isinstance(territory, Territory) else load_territory(territory)
    d = as_date(as_of) or date.today()
    since = as_date(depuis)
    if since is not None and since >= d:
        raise ValueError(f"--depuis ({since.isoformat()}) doit précéder la date du rapport ({d.isoformat()})")
    made = as_date(made_on) or date.today()
    boundaries = _boundaries_line(t)
    with rows_cache():
        return _build(t, d, since, made, boundaries)


def _build(t, d, since, made, boundaries) -> Report:
    present, left = left_out_parts(t)
    sections: list[Section] = []
    if since is not None:
        sections.append(changes_section(t, since, d, present))
    builders = {
        "crte": lambda: crte_section(t, d, made, boundaries),
        "pvd_acv": lambda: pvd_acv_section(t, d, made, boundaries, present),
        "france_services": lambda: france_services_section(t, d, made, boundaries),
        "numerique": lambda: numerique_section(t, d, made, boundaries, present),
        "ingenierie_anct": lambda: engineering_section(t, d, made, boundaries),
    }
    for key, title, keys in SECTIONS:
        if not set(keys) & set(present):
            left.insert(0, LeftOut(key, title, "aucune donnée pour ses programmes (détail ci-dessous)", "section"))
            continue
        sections.append(builders[key]())
    label = _label(t)
    return Report(label, d, since, sections, _order(left), made, __version__, boundaries)


def _boundaries_line(t) -> str:
    parts = [f"communes au COG {t.vintage}" if t.vintage else ""]
    geo = getattr(t, "geometry_vintage", "")
    if geo:
        parts.append(f"contours au COG {geo}")
    version = getattr(t, "source_version", "")
    src = f"{t.source} {version}".strip()
    detail = ", ".join(p for p in parts if p)
    return f"Limites : {S.SOURCE_BOUNDARIES} ({src}{', ' + detail if detail else ''} ; populations INSEE de ce millésime)"


def _order(left: list[LeftOut]) -> list[LeftOut]:
    """Whole sections first, then programmes, in the deck's order."""
    order = {k: i for i, (k, _, _) in enumerate(SECTIONS)}
    prog = {p: i for i, (_, _, keys) in enumerate(SECTIONS) for p in keys}
    whole = [lo for lo in left if lo.kind == "section"]
    parts = [lo for lo in left if lo.kind != "section"]
    return sorted(whole, key=lambda lo: order[lo.key]) + sorted(parts, key=lambda lo: prog.get(lo.key, 99))


def _label(t) -> str:
    if len(t.departements) == 1:
        row = t.outline.iloc[0]
        return f"{row['nom']} ({row['code_departement']})"
    return ", ".join(t.departements)
