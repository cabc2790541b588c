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

from importlib.metadata import PackageNotFoundError, version

try:  # the one place the version is written is pyproject.toml
    __version__ = version("territoires")
except PackageNotFoundError:  # pragma: no cover - a source tree that was never installed
    __version__ = "0+unknown"

from territoires.errors import (  # noqa: E402
    InputError,
    MissingLayerError,
    TerritoiresError,
    UnknownDepartementError,
)
from territoires.territory import Territory, load_territory  # noqa: E402
from territoires.territory.programmes import read_programme  # noqa: E402

__all__ = [
    "InputError",
    "MissingLayerError",
    "TerritoiresError",
    "Territory",
    "UnknownDepartementError",
    "__version__",
    "load_territory",
    "read_programme",
]
