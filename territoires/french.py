"""Numbers as a French reader writes them: decimal comma, narrow no-break space between thousands.

One place for every room (list summaries, maps, report, command line), so a
figure reads the same wherever it is shown.

Examples
--------
>>> number(36481), number(9.754), number(0.5, 1), number(1234.56, 1)
('36\u202f481', '9,75', '0,5', '1\u202f234,6')
>>> percent(0.0426), percent(0.5, 0)
('4,3 %', '50 %')
>>> count(0, "site compté", "sites comptés"), count(2631, "ligne")
('0 site compté', '2\u202f631 lignes')
"""

from __future__ import annotations

__all__ = ["THIN", "count", "number", "percent"]

#: Between groups of thousands (narrow no-break space, as French typography and the committee's slides use).
THIN = "\u202f"


def number(x: float, digits: int = 2) -> str:
    """``x`` with ``digits`` decimals (none for a whole number), decimal comma, thousands grouped.

    Examples
    --------
    >>> number(2631), number(-1234.5, 1), number(3.0), number(0.126, 1)
    ('2\u202f631', '-1\u202f234,5', '3', '0,1')
    """
    if float(x).is_integer():
        return f"{int(x):,}".replace(",", THIN)
    return f"{x:,.{digits}f}".replace(",", THIN).replace(".", ",")


def percent(share: float, digits: int = 1) -> str:
    """A share (0–1) as a French percentage: ``0.0425`` → ``"4,3 %"``.

    Examples
    --------
    >>> percent(0.12345, 2), percent(1.0)
    ('12,35 %', '100,0 %')
    """
    return f"{share * 100:,.{digits}f}".replace(",", THIN).replace(".", ",") + " %"


def count(n: int, singular: str, plural: str | None = None) -> str:
    """``n`` and its noun, singular below 2 as French writes it (« 0 site », « 1 site », « 2 sites »).

    Parameters
    ----------
    n : how many
    singular : the noun (and its agreeing words) for one
    plural : for two or more (default: ``singular`` + "s")

    Examples
    --------
    >>> count(0, "site"), count(1, "site"), count(2, "site"), count(12_000, "commune")
    ('0 site', '1 site', '2 sites', '12\u202f000 communes')
    """
    return f"{number(n)} {singular if abs(n) < 2 else (plural or singular + 's')}"
