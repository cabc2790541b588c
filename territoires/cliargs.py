"""Command-line arguments checked at the edge, one French line each.

Every number, date, separator and list the user types is checked here,
before any data is read, and refused with one line saying what is accepted.
"""

from __future__ import annotations

import argparse
import math
from datetime import date, timedelta

__all__ = ["EARLIEST", "FUTURE_DAYS", "MAP_FORMATS", "as_of", "check_source", "formats", "future_note", "in_range", "mapping", "separator"]

#: Dates before this are not programme dates (the earliest programme is 2014's MSAP).
EARLIEST = date(1990, 1, 1)
#: Dates further in the future than this are refused (the data stops at today).
FUTURE_DAYS = 366
MAP_FORMATS = ("png", "pdf", "svg", "html")

__all__ = ["as_of", "basemap", "check_source", "circuity", "formats", "future_note", "in_range", "k_sites", "mapping", "separator",
           "site_programme", "speed", "threshold"]


def _number(text: str, what: str) -> float:
    try:
        x = float(str(text).replace(",", "."))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{what} : « {text} » n'est pas un nombre") from None
    if not math.isfinite(x):
        raise argparse.ArgumentTypeError(f"{what} : « {text} » n'est pas un nombre fini")
    return x


def in_range(what: str, low: float, high: float, unit: str = "", integer: bool = False):
    """An argparse ``type`` accepting numbers in [low, high]."""

    def check(text: str):
        x = _number(text, what)
        if integer and x != int(x):
            raise argparse.ArgumentTypeError(f"{what} : « {text} » doit être un nombre entier")
        if not low <= x <= high:
            u = f" {unit}" if unit else ""
            raise argparse.ArgumentTypeError(f"{what} : {text}{u} hors de l'intervalle accepté [{low:g} ; {high:g}]{u}")
        return int(x) if integer else x

    check.__name__ = what
    return check


threshold = in_range("seuil", 1, 600, "min")
speed = in_range("vitesse", 5, 200, "km/h")
circuity = in_range("circuité", 1, 5)
k_sites = in_range("nombre de sites k", 1, 100, integer=True)


def separator(text: str) -> str:
    """One character, not a quote, a newline or a letter/digit."""
    text = {"\\t": "\t", "tab": "\t"}.get(text, text)
    if len(text) != 1:
        raise argparse.ArgumentTypeError(f"séparateur : « {text} » doit être un seul caractère (',', ';', '\\t' ou '|')")
    if text in "\"\r\n" or text.isalnum():
        raise argparse.ArgumentTypeError(f"séparateur : « {text} » n'est pas utilisable (choisir ',', ';', '\\t' ou '|')")
    return text


def formats(text: str) -> list[str]:
    items = [f.strip().lower() for f in str(text).split(",") if f.strip()]
    if not items:
        raise argparse.ArgumentTypeError(f"formats : au moins un format parmi {', '.join(MAP_FORMATS)}")
    bad = [f for f in items if f not in MAP_FORMATS]
    if bad:
        raise argparse.ArgumentTypeError(f"formats : « {', '.join(bad)} » inconnu(s) ; formats possibles : {', '.join(MAP_FORMATS)}")
    return list(dict.fromkeys(items))


def basemap(text: str) -> str:
    """A basemap: an xyzservices name or a tile address with {z}, {x} and {y} (an unknown name drew no tiles, silently)."""
    import xyzservices

    try:
        xyzservices.providers.query_name(text)
        return text
    except ValueError:
        pass
    if all(k in text for k in ("{z}", "{x}", "{y}")):
        return text
    raise argparse.ArgumentTypeError(
        f"fond de carte : « {text} » inconnu ; un nom xyzservices (ex. OpenStreetMap) "
        "ou une adresse de tuiles avec {z}, {x} et {y}"
    )


def site_programme(text: str) -> str:
    """A programme with sites (``--programme`` of ``gaps`` and ``suggest``): its registry key, or one French line."""
    from territoires.sources.programmes.model import PROGRAMMES, programme

    with_sites = ", ".join(k.replace("_", "-") for k, p in PROGRAMMES.items() if p.kind == "sites")
    try:
        p = programme(text)
    except KeyError:
        raise argparse.ArgumentTypeError(f"programme : « {text} » inconnu ; programmes avec des sites : {with_sites}") from None
    if p.kind != "sites":
        raise argparse.ArgumentTypeError(
            f"programme : « {text} » ({p.label}) a des communes ou des EPCI membres, pas des sites ; "
            f"programmes avec des sites : {with_sites}"
        )
    return p.key


def as_of(text: str) -> date:
    """A date the data can speak about: from 1990 to a year from today ("today"/"aujourd'hui" accepted)."""
    from territoires.dates import to_date_or_none
    from territoires.sources.textio import DateError

    try:
        d = to_date_or_none(text)
    except DateError:
        raise argparse.ArgumentTypeError(f"date : « {text} » n'est pas une date (AAAA-MM-JJ ou JJ/MM/AAAA)") from None
    if d is None:
        raise argparse.ArgumentTypeError("date : vide (AAAA-MM-JJ ou JJ/MM/AAAA)")
    if d < EARLIEST:
        raise argparse.ArgumentTypeError(f"date : {d.isoformat()} est avant {EARLIEST.year}, avant toute donnée des programmes")
    limit = date.today() + timedelta(days=FUTURE_DAYS)
    if d > limit:
        raise argparse.ArgumentTypeError(
            f"date : {d.isoformat()} est après le {limit.strftime('%d/%m/%Y')} ; les données s'arrêtent à aujourd'hui"
        )
    return d


def future_note(d: date | str | None) -> str | None:
    """The line stating that a date lies beyond the data (None when it does not)."""
    if isinstance(d, str):  # a command whose --as-of is still text
        from territoires.dates import to_date_or_none

        try:
            d = to_date_or_none(d)
        except ValueError:
            return None
    if d is not None and d > date.today():
        return (f"attention : le {d.strftime('%d/%m/%Y')} est postérieur à aujourd'hui ; "
                "les résultats montrent l'état connu à ce jour, pas une prévision")
    return None


def mapping(text: str) -> dict[str, str]:
    """``target=column,target=column`` → dict, with one line per mistake."""
    out: dict[str, str] = {}
    for pair in str(text).split(","):
        if not pair.strip():
            continue
        if "=" not in pair:
            raise argparse.ArgumentTypeError(
                f"correspondance : « {pair.strip()} » sans « = » ; forme attendue : site_id=id,code_insee=insee,latitude=lat"
            )
        target, col = (x.strip() for x in pair.split("=", 1))
        if not target or not col:
            raise argparse.ArgumentTypeError(f"correspondance : « {pair.strip()} » a un côté vide (colonne=colonne_du_fichier)")
        if target in out:
            raise argparse.ArgumentTypeError(f"correspondance : « {target} » donné deux fois")
        out[target] = col
    if not out:
        raise argparse.ArgumentTypeError("correspondance : vide ; forme attendue : site_id=id,code_insee=insee")
    return out


def check_source(args) -> str | None:
    """The mistake in ``--source``/``--path`` (None when they agree)."""
    source, path = getattr(args, "source", None), getattr(args, "path", None)
    if source == "admin-express" and not path:
        return "--source admin-express demande --path (le GeoPackage ou le dossier ADMIN EXPRESS)"
    if path and source != "admin-express":
        return f"--path ne sert qu'avec --source admin-express (source choisie : {source})"
    return None
