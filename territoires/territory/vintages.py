"""Up to when a territory's programme data are known (``millesimes.csv``)."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

import pandas as pd

from territoires.sources.programmes import programme
from territoires.territory.store import store_of

if TYPE_CHECKING:
    from territoires.territory.core import Territory

__all__ = ["known_as_of", "known_as_of_text", "vintages"]


def vintages(territory: Territory) -> pd.DataFrame:
    """When each curated table was last known: ``departement, programme, etat_connu_au, precision, source``.

    One row per département table. ``etat_connu_au`` is the last day covered
    by the table's latest source (a month or a year stated alone counts up to
    its last day); ``precision`` is ``"jour"``, ``"mois"`` or ``"annee"``;
    empty when no date can be stated.

    Examples
    --------
    >>> import territoires
    >>> t = territoires.load_territory("79")
    >>> v = vintages(t).set_index("programme")
    >>> v.at["france_services", "etat_connu_au"], v.at["france_services", "precision"]
    (datetime.date(2024, 8, 1), 'jour')
    """
    return store_of(territory).vintages().copy()


def _latest(territory: Territory, programme_key: str) -> pd.DataFrame:
    key = programme(programme_key).key
    v = vintages(territory)
    return v[(v["programme"] == key) & v["etat_connu_au"].notna()]


def known_as_of(territory: Territory, programme_key: str) -> date | None:
    """The date up to which the territory's data of ``programme_key`` are known, or None.

    The latest date over the territory's départements (a national list added
    with :meth:`Territory.add_programme` brings its own date in its table).

    Examples
    --------
    >>> import territoires
    >>> known_as_of(territoires.load_territory("79"), "france-services")
    datetime.date(2024, 8, 1)
    """
    v = _latest(territory, programme_key)
    return max(v["etat_connu_au"]) if len(v) else None


def known_as_of_text(territory: Territory, programme_key: str) -> str:
    """French text of :func:`known_as_of`: ``"au 01/08/2024"``, ``"en 09/2024"``, ``"en 2015"`` or ``""``.

    Examples
    --------
    >>> import territoires
    >>> known_as_of_text(territoires.load_territory("79"), "france_services")
    'au 01/08/2024'
    """
    v = _latest(territory, programme_key)
    if v.empty:
        return ""
    r = v.sort_values("etat_connu_au").iloc[-1]
    d = r["etat_connu_au"]
    return {"annee": f"en {d.year}", "mois": f"en {d.month:02d}/{d.year}"}.get(r["precision"], f"au {d.strftime('%d/%m/%Y')}")
