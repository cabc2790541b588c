"""Programmes on a territory: one import for the seam's pieces.

The seam is split by job, each module importing only the ones above it:

- :mod:`territoires.territory.checks`: a table checked against the boundary
  vintage; ``read_programme``;
- :mod:`territoires.territory.store`: the tables, positions, indicators and
  vintages of a territory, each read once;
- :mod:`territoires.territory.timeline`: status on a date, position replay;
- :mod:`territoires.territory.queries`: ``sites``, ``members``, indicators;
- :mod:`territoires.territory.vintages`: up to when the data are known.
"""

from __future__ import annotations

from territoires.territory.checks import read_programme, validate
from territoires.territory.queries import indicator, indicators, member_communes, members, sites
from territoires.territory.store import ProgrammeStore, store_of
from territoires.territory.timeline import replay_positions, status_on
from territoires.territory.vintages import known_as_of, known_as_of_text, vintages

__all__ = [
    "ProgrammeStore",
    "indicator",
    "indicators",
    "known_as_of",
    "known_as_of_text",
    "member_communes",
    "members",
    "read_programme",
    "replay_positions",
    "sites",
    "status_on",
    "store_of",
    "validate",
    "vintages",
]
