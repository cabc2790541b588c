"""territoires: French territorial-cohesion analysis.

Boundaries (communes, cantons, EPCI, département), programme membership over
time (France Services, Petites villes de demain, CRTE, ...), coverage gaps and
maps, for one département or for the whole of France.

>>> import territoires
>>> t = territoires.load_territory("79")
>>> t.sites("france_services", as_of="2021-09-14")["status"].value_counts().to_dict()
{'labelled': 17, 'project': 9}
"""

from __future__ import annotations

from typing import Any

from territoires import settings  # noqa: E402,F401  (``territoires.settings.cache_dir = ...`` after ``import territoires``)
from territoires.errors import (  # noqa: E402
    InputError,
    MissingLayerError,
    TerritoiresError,
    UnknownDepartementError,
    UnknownProgrammeError,
)

# The territory room pulls in geopandas, pandas and pyproj (about 2 s), the
# report room every room: they are imported on first use of these names
# (PEP 562), so ``import territoires``, the command line's help and its
# argument errors stay instant, and the root package depends on no room.
_LAZY = {
    "Territory": "territoires.territory",
    "load_territory": "territoires.territory",
    "read_programme": "territoires.territory.programmes",
    "NoProgrammeDataError": "territoires.territory.national",
    "download_list": "territoires.territory.national",
    "import_list": "territoires.territory.national",
    "rapport": "territoires.report",
}


def _version() -> str:
    """The installed version (the one place it is written is pyproject.toml), read on first use (30 ms of imports)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("territoires")
    except PackageNotFoundError:  # pragma: no cover - a source tree that was never installed
        return "0+unknown"


def __getattr__(name: str) -> Any:
    """``__version__`` and the names of :data:`_LAZY`, found on first access."""
    if name == "__version__":
        globals()[name] = value = _version()
        return value
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'territoires' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY) | {"__version__"})


__all__ = [
    "InputError",
    "MissingLayerError",
    "NoProgrammeDataError",
    "TerritoiresError",
    "Territory",
    "UnknownDepartementError",
    "UnknownProgrammeError",
    "__version__",
    "download_list",
    "import_list",
    "load_territory",
    "rapport",
    "read_programme",
]
