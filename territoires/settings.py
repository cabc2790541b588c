"""Configuration: where the cache lives, CRS per zone, estimator defaults.

Change a setting by assigning to it (``territoires.settings.cache_dir = ...``)
or through the environment variables documented below, as in osmnx.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = [
    "DEFAULT_CIRCUITY",
    "DEFAULT_SPEED_KMH",
    "METROPOLE_CRS",
    "OVERSEAS_CRS",
    "PACKAGE_DIR",
    "PROGRAMMES_DIR",
    "WEB_CRS",
    "cache_dir",
    "crs_for_departement",
    "geo_api_url",
    "http_timeout",
    "progress",
]

#: Package root (``territoires/``), found the same from a checkout or a wheel.
PACKAGE_DIR = Path(__file__).resolve().parent

#: Curated programme tables shipped inside the package.
PROGRAMMES_DIR = PACKAGE_DIR / "data" / "programmes"


def _default_cache_dir() -> Path:
    env = os.environ.get("TERRITOIRES_CACHE_DIR")
    if env:
        return Path(env)
    checkout = PACKAGE_DIR.parent
    if (checkout / "pyproject.toml").exists() and (checkout / "data" / "communes").is_dir():
        return checkout / "data" / "communes"
    try:  # each platform's convention (XDG on Linux, ~/Library/Caches on macOS, %LOCALAPPDATA% on Windows)
        import platformdirs

        return Path(platformdirs.user_cache_dir("territoires", appauthor=False))
    except ImportError:  # pragma: no cover - platformdirs is a dependency
        xdg = os.environ.get("XDG_CACHE_HOME")
        return (Path(xdg) if xdg else Path.home() / ".cache") / "territoires"


#: Where boundary layers are cached as GeoParquet, per source and vintage.
#: ``data/communes/`` in a checkout (kept: tests and benchmarks share it); the
#: platform's user cache folder (``platformdirs``, e.g. ``~/.cache/territoires``)
#: for an installed package; ``$TERRITOIRES_CACHE_DIR`` overrides both.
#: ``territoires cache`` shows it, ``--verify`` checks it, ``--clear`` empties it.
cache_dir: Path = _default_cache_dir()

#: Projected CRS in metres for each zone: every measurement is made in these.
METROPOLE_CRS = "EPSG:2154"  # RGF93 v1 / Lambert-93
OVERSEAS_CRS = {
    "971": "EPSG:5490",  # RGAF09 / UTM 20N (Guadeloupe)
    "972": "EPSG:5490",  # RGAF09 / UTM 20N (Martinique)
    "973": "EPSG:2972",  # RGFG95 / UTM 22N (Guyane)
    "974": "EPSG:2975",  # RGR92 / UTM 40S (La Réunion)
    "976": "EPSG:4471",  # RGM04 / UTM 38S (Mayotte)
}
#: CRS of the web (folium) boundary only.
WEB_CRS = "EPSG:4326"

#: Straight-line access estimator defaults (see ``territoires.analysis.access``).
#: Circuity: ratio of road distance to straight-line distance. Network distance
#: is about 1.2 times the straight line between random urban points (Newell,
#: 1980; O'Sullivan found 1.21-1.23 around transit stations, 1996), and Ballou,
#: Rahardja & Sakai (2002) estimate such factors country by country. Rural
#: roads wind more, so the default is 1.3: a choice, documented, a parameter.
DEFAULT_CIRCUITY = 1.3
#: Mean door-to-door speed in km/h, slow urban ends of the trip included.
#: 60 km/h is our conservative choice for rural départements, not a measured
#: value: pass ``StraightLineRouter(speed_kmh=...)`` or ``--speed`` to change it.
DEFAULT_SPEED_KMH = 60.0

#: Show progress bars on long work (only when stderr is a terminal).
progress: bool = True


def crs_for_departement(code: str) -> str:
    """Projected CRS (metres) used for measurements in département ``code``."""
    return OVERSEAS_CRS.get(code, METROPOLE_CRS)

#: geo.api.gouv.fr base address (the optional online boundary source).
geo_api_url: str = os.environ.get("TERRITOIRES_GEO_API_URL", "https://geo.api.gouv.fr")
#: Seconds before an HTTP request (geo.api.gouv.fr, OSRM) gives up.
http_timeout: float = 30.0
