"""Analysis room: questions asked of a territory. Every function returns a table.

>>> import territoires
>>> from territoires.analysis import cantons_without_site
>>> t = territoires.load_territory("79")
>>> cantons_without_site(t, as_of="2021-09-14")["nom_canton"].tolist()
['Frontenay-Rohan-Rohan', 'La Gâtine', 'Parthenay']
"""

from typing import Any

# Each name is imported from its module on first use (PEP 562): a canton
# count does not import the access model, its routers and their HTTP client.
_LAZY = {
    "OSRMRouter": "access", "Router": "access", "StraightLineRouter": "access", "access_by_commune": "access",
    "access_summary": "access", "population_beyond": "access", "routed_band": "access",
    "changes_between": "change",
    "canton_coverage": "coverage", "cantons_without_site": "coverage",
    "Origins": "origins",
    "crte_check": "programmes", "engineering_eligibility": "programmes", "engineering_requests": "programmes",
    "pvd_without_site": "programmes",
    "suggest_sites": "suggest", "what_if": "scenarios",
    "programme_changes": "since",
    "targets_progress": "targets",
    "DensityModel": "traveltime", "KindParameters": "traveltime",
}


def __getattr__(name: str) -> Any:
    """The names of :data:`_LAZY`, imported from their module on first access."""
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


__all__ = [
    "DensityModel",
    "KindParameters",
    "OSRMRouter",
    "Origins",
    "Router",
    "StraightLineRouter",
    "access_by_commune",
    "access_summary",
    "canton_coverage",
    "cantons_without_site",
    "changes_between",
    "crte_check",
    "engineering_eligibility",
    "engineering_requests",
    "population_beyond",
    "programme_changes",
    "routed_band",
    "pvd_without_site",
    "suggest_sites",
    "targets_progress",
    "what_if",
]
