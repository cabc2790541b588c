"""Analysis room: questions asked of a territory. Every function returns a table.

>>> import territoires
>>> from territoires.analysis import cantons_without_site
>>> t = territoires.load_territory("79")
>>> cantons_without_site(t, as_of="2021-09-14")["nom_canton"].tolist()
['Frontenay-Rohan-Rohan', 'La Gâtine', 'Parthenay']
"""

from territoires.analysis.access import (
    OSRMRouter,
    Router,
    StraightLineRouter,
    access_by_commune,
    access_summary,
    population_beyond,
    routed_band,
)
from territoires.analysis.change import changes_between
from territoires.analysis.coverage import canton_coverage, cantons_without_site
from territoires.analysis.origins import Origins
from territoires.analysis.programmes import (
    crte_check,
    engineering_eligibility,
    engineering_requests,
    pvd_without_site,
)
from territoires.analysis.scenarios import suggest_sites, what_if
from territoires.analysis.since import programme_changes
from territoires.analysis.targets import targets_progress
from territoires.analysis.traveltime import DensityModel, KindParameters

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
