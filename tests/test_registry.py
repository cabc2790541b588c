"""The registry drives behaviour: an alias and the canonical key give the same answer everywhere.

Every public function that takes a programme (found by signature, so a new
one cannot be forgotten) is called with every registered alias and compared
with the call by canonical key: same table, or the same error.
"""

from __future__ import annotations

import inspect
from pathlib import Path

import pandas as pd
import pytest

import territoires
from territoires import analysis as A
from territoires import exports
from territoires.sources.programmes import PROGRAMMES, curated_path
from territoires.sources.programmes.model import ALIASES, programme
from territoires.territory.core import Territory

AS_OF = "2021-09-14"

#: every spelling the registry accepts, with its canonical key
SPELLINGS = sorted(
    {(alias, key) for alias, key in ALIASES.items()}
    | {(key.replace("_", "-"), key) for key in PROGRAMMES}
    | {(key.upper(), key) for key in PROGRAMMES}
)


def _call_gpkg(t, p, tmp):
    path = Path(tmp) / f"{p}.gpkg"
    exports.to_geopackage(t, path, as_of=AS_OF, programmes=[p])
    import pyogrio

    return pd.DataFrame(pyogrio.list_layers(path), columns=["name", "geometry_type"])


#: how to call each public function taking a programme (name -> call(t, p, tmp))
CALLS = {
    "Territory.sites": lambda t, p, tmp: t.sites(p, as_of=AS_OF),
    "Territory.members": lambda t, p, tmp: t.members(p, as_of=AS_OF),
    "Territory.indicators": lambda t, p, tmp: t.indicators(p),
    "Territory.programme_report": lambda t, p, tmp: t.programme_report(p),
    "read_programme": lambda t, p, tmp: territoires.read_programme(
        curated_path("79", programme(p).key) or Path(tmp) / "absent.csv", p
    ).data,
    "access_by_commune": lambda t, p, tmp: A.access_by_commune(t, programme=p, as_of=AS_OF),
    "canton_coverage": lambda t, p, tmp: A.canton_coverage(t, programme=p, as_of=AS_OF),
    "cantons_without_site": lambda t, p, tmp: A.cantons_without_site(t, programme=p, as_of=AS_OF),
    "changes_between": lambda t, p, tmp: A.changes_between(t, "2021-01-01", AS_OF, programme=p),
    "pvd_without_site": lambda t, p, tmp: A.pvd_without_site(t, as_of=AS_OF, programme=p),
    "suggest_sites": lambda t, p, tmp: A.suggest_sites(t, k=1, as_of=AS_OF, programme=p),
    "what_if": lambda t, p, tmp: A.what_if(t, add=["79191"], as_of=AS_OF, programme=p),
    "to_geopackage": _call_gpkg,
}
HEAVY = {"read_programme", "access_by_commune", "changes_between", "pvd_without_site", "suggest_sites", "what_if", "to_geopackage"}


def _public_functions_taking_a_programme() -> set[str]:
    import territoires.maps as M

    found = set()
    for mod in (territoires, A, M, exports):
        for name in mod.__all__:
            obj = getattr(mod, name)
            if inspect.isfunction(obj) and {"programme", "programmes"} & set(inspect.signature(obj).parameters):
                found.add(name)
    for name, fn in inspect.getmembers(Territory, inspect.isfunction):
        if not name.startswith("_") and "programme" in inspect.signature(fn).parameters:
            found.add(f"Territory.{name}")
    return found


def test_every_public_function_taking_a_programme_is_covered():
    assert _public_functions_taking_a_programme() == set(CALLS)


def _outcome(call, t, p, tmp):
    try:
        return "ok", call(t, p, tmp)
    except (KeyError, ValueError) as exc:
        return type(exc).__name__, str(exc)


def _same(a, b):
    if isinstance(a, dict):
        assert a.keys() == b.keys()
        for k in a:
            _same(a[k], b[k])
    elif isinstance(a, pd.DataFrame):
        pd.testing.assert_frame_equal(pd.DataFrame(a), pd.DataFrame(b))
        assert a.attrs.keys() == b.attrs.keys()
    else:
        assert a == b


_CANONICAL: dict = {}


@pytest.mark.integration
@pytest.mark.parametrize(
    "function",
    [pytest.param(f, marks=pytest.mark.slow) if f in HEAVY else f for f in sorted(CALLS)],
)
@pytest.mark.parametrize("spelling,key", SPELLINGS)
def test_alias_gives_the_canonical_answer(t79, tmp_path, function, spelling, key):
    call = CALLS[function]
    if (function, key) not in _CANONICAL:
        (tmp_path / "canonical").mkdir()
        _CANONICAL[(function, key)] = _outcome(call, t79, key, tmp_path / "canonical")
    expected = _CANONICAL[(function, key)]
    got = _outcome(call, t79, spelling, tmp_path)
    assert got[0] == expected[0], (got, expected)
    _same(got[1], expected[1])


@pytest.mark.integration
def test_changes_between_through_an_alias_finds_the_eight_new_sites(t79):
    changes = A.changes_between(t79, "2021-01-01", "2021-09-14", programme="france-services")
    assert len(changes["labelled"]) == 8
    assert set(changes["labelled"]["status"]) == {programme("france-services").active_status}
