"""The sites an access computation uses: plain numpy columns, coordinates projected per CRS zone.

Asked once for the whole territory, then projected into each zone's CRS with
one :class:`pyproj.Transformer` per pair of CRS (the transformation
``GeoDataFrame.to_crs`` applies, without copying the table for each zone;
made by :func:`territoires.territory.transforms.transformer`).
"""

from __future__ import annotations

from functools import lru_cache

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from territoires.territory.transforms import transformer

__all__ = ["SitePoints"]

COLUMNS = ("code_insee", "site_id", "nom", "commune")


@lru_cache(maxsize=16)
def _projected(src: str, dst: str, lonlat: bytes) -> np.ndarray:
    """(m, 2) coordinates of ``lonlat`` (the bytes of an (m, 2) float array) in ``dst``, read-only: the same
    sites asked again (one national list, zone after zone, call after call) are projected once."""
    a = np.frombuffer(lonlat, dtype=float).reshape(-1, 2)
    x, y = transformer(src, dst).transform(a[:, 0], a[:, 1])
    out = np.column_stack([x, y])
    out.flags.writeable = False
    return out


@lru_cache(maxsize=64)
def _same(a: str, b: str) -> bool:
    return a == b or CRS.from_user_input(a) == CRS.from_user_input(b)


class _Columns(dict):
    """:data:`COLUMNS` of the rows ``ok`` of ``source`` as object arrays (None where absent), each made when first asked."""

    def __init__(self, source, ok: np.ndarray):
        super().__init__()
        self._source, self._ok = source, ok

    def __missing__(self, column: str) -> np.ndarray:
        if column not in COLUMNS:
            raise KeyError(column)
        src, ok = self._source, self._ok
        if isinstance(src, _Columns):
            value = src[column][ok]
        elif column in src:
            value = src[column].to_numpy(dtype=object)[ok]
        else:
            value = np.full(int(ok.sum()), None, dtype=object)
        self[column] = value
        return value


class SitePoints:
    """Sites with a location (``status`` equal to ``active`` when the table has a status).

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> s = gpd.GeoDataFrame({"site_id": ["a", "b"], "status": ["labelled", "project"]},
    ...                      geometry=[shapely.Point(-0.46, 46.32), shapely.Point(0, 46)], crs=4326)
    >>> sp = SitePoints(s, "labelled")
    >>> len(sp), sp.xy("EPSG:2154").round(-3).tolist()
    (1, [[434000.0, 6586000.0]])
    """

    def __init__(self, sites: gpd.GeoDataFrame, active: str | None = None):
        s = sites[(sites["status"] == active).to_numpy()] if active is not None and "status" in sites else sites
        g = s.geometry.to_numpy()
        ok = ~(shapely.is_missing(g) | shapely.is_empty(g))
        self.crs = str(s.crs) if s.crs is not None else None
        self.has_code = "code_insee" in s
        self.lonlat = shapely.get_coordinates(g[ok]).reshape(-1, 2)
        self.columns = _Columns(s, ok)
        #: the columns as pandas arrays (for :meth:`take`)
        self.arrays = {c: s[c].array[ok] for c in COLUMNS if c in s}
        #: row of each site in the table these sites were taken from
        self.rows = np.arange(int(ok.sum()))
        self._positions: tuple[pd.Index, np.ndarray] | None = None

    @classmethod
    def of_lonlat(cls, table: pd.DataFrame, active: str | None = None, crs: str = "EPSG:4326") -> SitePoints:
        """Sites from a plain table with ``longitude`` and ``latitude`` in ``crs`` (rows without both are left out).

        What :func:`territoires.territory.queries.site_points` returns: the same
        sites as ``SitePoints(territory.sites(...), active)``, without point objects.

        Examples
        --------
        >>> import pandas as pd
        >>> s = pd.DataFrame({"site_id": ["a", "b", "c"], "status": ["labelled", "project", "labelled"],
        ...                   "longitude": [-0.46, 0.0, None], "latitude": [46.32, 46.0, 46.0]})
        >>> sp = SitePoints.of_lonlat(s, "labelled")
        >>> len(sp), sp.xy("EPSG:2154").round(-3).tolist()
        (1, [[434000.0, 6586000.0]])
        """
        s = table[(table["status"] == active).to_numpy()] if active is not None and "status" in table else table
        lon, lat = s["longitude"].to_numpy(dtype=float), s["latitude"].to_numpy(dtype=float)
        ok = ~(np.isnan(lon) | np.isnan(lat))
        out = object.__new__(cls)
        out.crs, out.has_code = crs, "code_insee" in s
        out.lonlat = np.column_stack([lon[ok], lat[ok]])
        out.columns = _Columns(s, ok)
        out.arrays = {c: s[c].array[ok] for c in COLUMNS if c in s}
        out.rows = np.arange(int(ok.sum()))
        out._positions = None
        return out

    def positions(self, index: pd.Index) -> np.ndarray:
        """Position of each site's commune in ``index`` (−1: not there), looked up once."""
        if self._positions is None or self._positions[0] is not index:
            self._positions = (index, index.get_indexer(self.columns["code_insee"]))
        return self._positions[1]

    def __len__(self) -> int:
        return len(self.lonlat)

    def subset(self, departements: list[str]) -> SitePoints:
        """The sites of communes of these départements."""
        from territoires.naming import departement_of

        keep = pd.Series(self.columns["code_insee"]).map(departement_of).isin(departements).to_numpy()
        out = object.__new__(SitePoints)
        out.crs, out.has_code, out.lonlat = self.crs, self.has_code, self.lonlat[keep]
        out.columns = _Columns(self.columns, keep)
        out.arrays, out.rows = self.arrays, self.rows[keep]
        out._positions = None
        return out

    def take(self, column: str, rows: np.ndarray) -> pd.api.extensions.ExtensionArray | list:
        """Values of ``column`` at ``rows`` of :attr:`rows`' table (−1: missing), as a string array when the column is one."""
        arr = self.arrays.get(column)
        if arr is not None and isinstance(arr.dtype, pd.StringDtype):
            return arr.take(rows, allow_fill=True)
        values = arr.to_numpy(dtype=object) if arr is not None else np.full(len(self.rows), None, dtype=object)
        return np.r_[values, None][rows].tolist()  # a list: pandas infers its type as it did before

    def xy(self, crs: str) -> np.ndarray:
        """(m, 2) coordinates in ``crs``."""
        if len(self) == 0:
            return self.lonlat
        if self.crs is None:
            raise ValueError("les sites n'ont pas de système de coordonnées : définissez-le (GeoDataFrame.set_crs) "
                             "avant de calculer les temps d'accès")
        if _same(self.crs, str(crs)):
            return self.lonlat
        return _projected(self.crs, str(crs), np.ascontiguousarray(self.lonlat, dtype=float).tobytes())
