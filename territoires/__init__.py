"""territoires: French territorial-cohesion analysis.

Boundaries (communes, cantons, EPCI, département), programme membership over
time (France Services, Petites villes de demain, CRTE, ...), coverage gaps and
maps, for one département or for the whole of France.

>>> import territoires
>>> t = territoires.load_territory("79")            # doctest: +SKIP
>>> t.sites("france_services", as_of="2021-09-14")  # doctest: +SKIP
"""

from __future__ import annotations

__version__ = "0.1.0"

from territoires.errors import (  # noqa: E402
    InputError,
    MissingLayerError,
    TerritoiresError,
    UnknownDepartementError,
)
from territoires.territory import Territory, load_territory  # noqa: E402
from territoires.territory.national import (  # noqa: E402
    NoProgrammeDataError,
    download_list,
    import_list,
)
from territoires.territory.programmes import read_programme  # noqa: E402

__all__ = [
    "InputError",
    "MissingLayerError",
    "NoProgrammeDataError",
    "TerritoiresError",
    "Territory",
    "UnknownDepartementError",
    "__version__",
    "download_list",
    "import_list",
    "load_territory",
    "read_programme",
]
