"""Territory room: one département (or several) at one date, joined once."""

from territoires.territory.core import BoundaryReport, Territory, load_territory

__all__ = ["BoundaryReport", "Territory", "load_territory"]
