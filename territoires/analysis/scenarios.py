"""What-if on sites, and where the next sites should go (greedy maximal coverage)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd

from territoires.analysis.access import StraightLineRouter, access_by_commune, population_beyond
from territoires.analysis.coverage import canton_coverage
from territoires.dates import DateLike
from territoires.sources.programmes import programme as _programme

if TYPE_CHECKING:
    from territoires.analysis.access import Router
    from territoires.territory.core import Territory

__all__ = ["candidate_sites", "greedy_max_coverage", "suggest_sites", "what_if"]


def _active(territory, programme, as_of):
    p = _programme(programme)
    s = territory.sites(p.key, as_of=as_of, neighbours=True)
    return s[s["status"] == p.active_status]


def _origins(territory) -> gpd.GeoSeries:
    """Origin point of every commune, in the territory's CRS, indexed by INSEE code."""
    parts = []
    for z in territory.zones():
        o = gpd.GeoSeries(z.commune_origins.geometry.to_numpy(), crs=z.crs, index=z.commune_origins["code_insee"].to_numpy())
        parts.append(o.to_crs(territory.crs))
    return gpd.GeoSeries(pd.concat(parts), crs=territory.crs)


def candidate_sites(
    territory: Territory, communes: Sequence[str], label: str = "candidat", programme: str = "france_services"
) -> gpd.GeoDataFrame:
    """Candidate sites placed at the origin point of each commune (town hall), active on any date.

    Examples
    --------
    >>> import territoires
    >>> c = candidate_sites(territoires.load_territory("79"), ["79191"])
    >>> c.loc[0, ["site_id", "commune", "status", "code_canton"]].tolist()
    ['candidat-79191', 'Niort', 'labelled', '7999']
    """
    com = territory.communes.set_index("code_insee")
    missing = [c for c in communes if c not in com.index]
    if missing:
        raise KeyError(f"commune code(s) not in the territory: {', '.join(missing)}")
    sub = com.loc[communes]
    return gpd.GeoDataFrame(
        {
            "site_id": [f"{label}-{c}" for c in communes],
            "nom": [f"{label} {n}" for n in sub["nom"]],
            "code_insee": communes,
            "commune": sub["nom"].to_numpy(),
            "status": _programme(programme).active_status,
            "code_canton": sub["code_canton"].to_numpy(),
        },
        geometry=gpd.GeoSeries(_origins(territory).loc[communes].to_numpy(), crs=territory.crs),
        crs=territory.crs,
    )


def what_if(
    territory: Territory,
    add: Sequence[str] | gpd.GeoDataFrame | None = None,
    remove: Sequence[str] | None = None,
    as_of: DateLike = None,
    threshold: float = 30,
    programme: str = "france_services",
    router: Router | None = None,
) -> pd.DataFrame:
    """Compare access and canton coverage before and after adding or removing sites.

    Parameters
    ----------
    add : commune codes (a site at the commune's origin point) or a
        GeoDataFrame of sites
    remove : site ids to remove
    threshold : minutes

    Returns
    -------
    DataFrame with rows ``avant`` / ``apres`` (column ``scenario``) and columns
    ``nb_sites, population_au_dela, part_au_dela, nb_cantons_sans_site, cantons_sans_site``
    (names of the cantons without a site); ``attrs["gained_cantons"]`` lists the cantons
    the change covers.

    Examples
    --------
    >>> import territoires
    >>> t = territoires.load_territory("79")
    >>> w = what_if(t, add=["79130", "79311", "79202"], as_of="2021-09-14", threshold=20)
    >>> w[["scenario", "nb_sites", "nb_cantons_sans_site"]].values.tolist()
    [['avant', 17, 3], ['apres', 20, 0]]
    >>> w.attrs["gained_cantons"]
    ['Frontenay-Rohan-Rohan', 'La Gâtine', 'Parthenay']
    """
    programme = _programme(programme).key  # the alias is resolved once, here
    # router None: the default access model (densite-3), as in access_by_commune
    before = _active(territory, programme, as_of)
    after = before
    if remove:
        after = after[~after["site_id"].astype(str).isin([str(r) for r in remove])]
    if add is not None:
        extra = add if isinstance(add, gpd.GeoDataFrame) else candidate_sites(territory, list(add), programme=programme)
        extra = extra.to_crs(territory.crs)
        after = gpd.GeoDataFrame(pd.concat([after, extra], ignore_index=True), crs=territory.crs)
    rows = []
    for label, s in (("avant", before), ("apres", after)):
        acc = access_by_commune(territory, programme, as_of, router=router, sites=s)
        pb = population_beyond(acc, [threshold]).iloc[0]
        s_local = s.assign(status=_programme(programme).active_status)
        cov = canton_coverage(territory, programme, as_of, sites=s_local)
        units = cov[cov["type"] != "fraction"]
        gaps = units[~units["couvert"].fillna(False).astype(bool)]
        rows.append(
            {
                "scenario": label,
                "nb_sites": len(s),
                "population_au_dela": int(pb["population"]),
                "part_au_dela": float(pb["part"]),
                "nb_cantons_sans_site": len(gaps),
                "cantons_sans_site": ", ".join(gaps["nom_canton"]),
            }
        )
    out = pd.DataFrame(rows)
    gained = sorted(set(out.iloc[0]["cantons_sans_site"].split(", ")) - set(out.iloc[1]["cantons_sans_site"].split(", ")) - {""})
    out.attrs["gained_cantons"] = gained
    out.attrs["threshold"] = threshold
    return out


def greedy_max_coverage(cover: np.ndarray, weights: np.ndarray, k: int) -> list[tuple[int, float]]:
    """Greedy maximal coverage: pick ``k`` columns covering the most weight.

    ``cover[i, j]`` is True when candidate ``j`` covers demand ``i``. Each
    step takes the candidate with the largest uncovered weight (ties: lowest
    index). The greedy result covers at least (1 − 1/e) ≈ 63 % of the optimum
    (Nemhauser, Wolsey & Fisher 1978, for monotone submodular maximisation);
    on small cases it is often optimal but not always.

    Returns ``[(candidate index, gain), ...]`` in pick order; stops early
    when no candidate adds anything.

    Examples
    --------
    >>> import numpy as np
    >>> cover = np.array([[1, 0, 1], [1, 0, 0], [0, 1, 1]], dtype=bool)
    >>> greedy_max_coverage(cover, np.array([10.0, 5.0, 8.0]), k=2)
    [(2, 18.0), (0, 5.0)]
    """
    covered = np.zeros(cover.shape[0], dtype=bool)
    picks = []
    for _ in range(k):
        gains = (cover & ~covered[:, None]).T @ weights
        j = int(np.argmax(gains))
        if gains[j] <= 0:
            break
        picks.append((j, float(gains[j])))
        covered |= cover[:, j]
    return picks


SUGGEST_COLUMNS = ["rang", "code_insee", "nom_commune", "code_canton", "gain_population", "population_au_dela_apres", "nb_communes_couvertes"]


def suggest_sites(
    territory: Territory,
    k: int = 2,
    threshold: float = 30,
    candidates: Sequence[str] | None = None,
    as_of: DateLike = None,
    programme: str = "france_services",
    router: StraightLineRouter | None = None,
) -> pd.DataFrame:
    """Choose ``k`` new sites among candidate communes to bring the most people within ``threshold``.

    Demand: every commune's population at its origin point, counted only if
    it is beyond ``threshold`` minutes of the current labelled sites.
    Candidates: the given commune codes (default: every commune without a
    site). A candidate covers a commune if the estimated time between their
    origin points is within the threshold. Greedy maximal coverage
    (:func:`greedy_max_coverage`; guarantee (1 − 1/e) of the optimum).

    Returns
    -------
    DataFrame ranked by pick: ``rang, code_insee, nom_commune, code_canton, gain_population, population_au_dela_apres, nb_communes_couvertes``.

    Examples
    --------
    >>> import territoires
    >>> t = territoires.load_territory("79")
    >>> s = suggest_sites(t, k=2, threshold=20, as_of="2021-07-13")
    >>> s[["rang", "nom_commune"]].values.tolist()
    [[1, 'La Chapelle-Bertrand'], [2, 'Le Bourdet']]
    """
    if territory.is_multizone:
        raise ValueError(
            "suggest_sites works within one CRS zone (candidates and demand must be measured in "
            "metres together): call it on each of territory.zones()"
        )
    programme = _programme(programme).key  # the alias is resolved once, here
    router = router or StraightLineRouter()
    acc = access_by_commune(territory, programme, as_of, router=router)
    com = territory.communes.set_index("code_insee")
    demand = acc[acc["minutes"].isna() | (acc["minutes"] > threshold)]
    current = set(_active(territory, programme, as_of)["code_insee"])
    cand = list(candidates) if candidates is not None else [c for c in com.index if c not in current]
    if demand.empty or not cand:
        return pd.DataFrame(columns=SUGGEST_COLUMNS)
    org = territory.commune_origins.set_index("code_insee").geometry
    dem_pts = gpd.GeoSeries(org.loc[demand["code_insee"]].to_numpy(), crs=territory.crs)
    cand_pts = gpd.GeoSeries(org.loc[cand].to_numpy(), crs=territory.crs)
    minutes = router.matrix(dem_pts, cand_pts)
    cover = minutes <= threshold
    w = demand["population"].astype(float).fillna(0).to_numpy()
    picks = greedy_max_coverage(cover, w, k)
    remaining = float(w.sum())
    rows = []
    covered = np.zeros(len(w), dtype=bool)
    for rank, (j, gain) in enumerate(picks, start=1):
        newly = cover[:, j] & ~covered
        covered |= cover[:, j]
        remaining -= gain
        code = cand[j]
        rows.append(
            {
                "rang": rank,
                "code_insee": code,
                "nom_commune": com.at[code, "nom"],
                "code_canton": com.at[code, "code_canton"],
                "gain_population": int(gain),
                "population_au_dela_apres": int(round(remaining)),
                "nb_communes_couvertes": int(newly.sum()),
            }
        )
    out = pd.DataFrame(rows)
    out.attrs.update({"threshold": threshold, "router": router.describe(), "population_beyond_before": int(w.sum())})
    return out
