"""« état connu au … »: the vintage of the data a question is answered from, when the date is after it.

The store records, per programme and département, the last day its data
describe (curated ``millesimes.csv`` or the national list's date; see
:mod:`territoires.territory.national`). A question dated after that day is
still answered, with that day stated: on the CLI line, in CSV exports
(``etat_connu_au``) and in map subtitles.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import TYPE_CHECKING

from territoires.dates import DateLike
from territoires.sources.programmes import programme as _programme
from territoires.sources.textio import as_date
from territoires.territory.store import store_of

if TYPE_CHECKING:
    from territoires.territory.core import Territory

__all__ = ["list_credit", "map_vintage_note", "state_note"]


def _phrase(label: str) -> str:
    """« état connu au 01/08/2024 », « … en 09/2024 », « … en 2015 »: the preposition follows the label's precision."""
    return f"état connu {'au' if label.count('/') == 2 else 'en'} {label}"


def _late(territory: Territory, programme_key: str, as_of: DateLike = None) -> tuple[date, str] | None:
    key = _programme(programme_key).key
    store = store_of(territory)
    store.table(key)
    d = as_date(as_of) or date.today()
    vint = store.list_vintages.get(key, {})
    late = sorted({v for v in vint.values() if v is not None and d > v[0]})
    return late[0] if late else None


def state_note(territory: Territory, programme_key: str, as_of: DateLike = None) -> str | None:
    """``"état connu au DD/MM/YYYY"`` when ``as_of`` is after the data's vintage, else None.

    A vintage known to the month or the year only reads ``"état connu en 09/2024"``,
    ``"état connu en 2015"``.

    With several départements of different vintages, the earliest one that
    ``as_of`` exceeds is named.

    Examples
    --------
    >>> state_note(load_territory("86"), "france_services", "2025-01-01")  # doctest: +SKIP
    'état connu au 01/08/2024'
    """
    late = _late(territory, programme_key, as_of)
    return _phrase(late[1]) if late else None


def map_vintage_note(territory: Territory, as_of: DateLike, programmes: Iterable[str] | None = None) -> str | None:
    """The earliest "état connu au" among ``programmes`` (the ones a map draws; default: those already read for ``territory``).

    A map names the vintage of what it draws only: the France Services map of a
    territory whose 2015 zones blanches were read before does not say « état connu en 2015 ».
    """
    store = store_of(territory)
    read = list(store.tables)  # what the map drew was read to draw it; nothing is read here
    keys = read if programmes is None else [k for k in (_programme(p).key for p in programmes) if k in read]
    late = [v for k in keys if k in store.list_vintages and (v := _late(territory, k, as_of)) is not None]
    return _phrase(min(late)[1]) if late else None


def list_credit(territory: Territory) -> str:
    """The national lists a territory's answers used, for a map's source line (empty if none).

    Names the stored file and its date, so that a map drawn from a local or
    synthetic copy never passes for the ANCT publication.
    """
    from territoires.sources import liststore

    store = store_of(territory)
    parts = []
    for key, table in list(store.tables.items()):
        if "national" not in str(table.layout):
            continue
        e = liststore.current(key)
        if e is None:
            continue
        where = f"data.gouv.fr {e.resource_id[:8]}" if e.origin == "data.gouv.fr" else f"fichier {e.title}"
        parts.append(f"liste du {e.list_date.strftime('%d/%m/%Y')}, {where}")
    return "; ".join(parts)
