"""French place-name helpers shared by every room (no geometry, no I/O)."""

from __future__ import annotations

import re
import unicodedata

__all__ = ["INSEE_RE", "TNCC_ARTICLES", "departement_of", "fold", "pad_insee", "with_article"]

#: INSEE "type de nom en clair" (TNCC): the article that precedes a name.
TNCC_ARTICLES = {
    "0": "",
    "1": "",
    "2": "Le ",
    "3": "La ",
    "4": "Les ",
    "5": "L'",
    "6": "Aux ",
    "7": "Las ",
    "8": "Los ",
}


def with_article(name: str, tncc: str | int | None) -> str:
    """Return ``name`` preceded by its INSEE article (``"Absie", 5`` gives ``"L'Absie"``)."""
    article = TNCC_ARTICLES.get(str(tncc), "") if tncc is not None else ""
    return f"{article}{name}"


def fold(text: str) -> str:
    """Lower-case, accent-free, punctuation-free key for matching names.

    >>> fold("Saint-Maixent-l'École")
    'saint maixent l ecole'
    """
    text = unicodedata.normalize("NFKD", str(text))
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    text = re.sub(r"\bst\b", "saint", text)
    text = re.sub(r"\bste\b", "sainte", text)
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


def pad_insee(value) -> str | None:
    """Normalise an INSEE commune code to a 5-character string, or None.

    Integers lose leading zeros in spreadsheets (``1053`` for ``"01053"``);
    Corsican codes keep their letter (``"2A004"``).
    """
    if value is None:
        return None
    text = str(value).strip()
    if text == "" or text.lower() in {"nan", "na", "none", "null", "\\n"}:
        return None
    if text.endswith(".0") and text[:-2].isdigit():
        text = text[:-2]
    text = text.upper()
    if text.isdigit() and len(text) < 5:
        text = text.zfill(5)
    return text


INSEE_RE = re.compile(r"^(?:\d{5}|2[AB]\d{3})$")


def departement_of(code_insee: str) -> str:
    """Département code of an INSEE commune code (``"97101"`` gives ``"971"``)."""
    return code_insee[:3] if code_insee.startswith("97") else code_insee[:2]
