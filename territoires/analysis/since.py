"""What changed in every programme between two dates: entries, new projects, signatures, exits."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from territoires.dates import DateLike
from territoires.dates import to_date_or_none as as_date
from territoires.sources.programmes import PROGRAMMES
from territoires.sources.programmes import programme as _programme

if TYPE_CHECKING:
    from territoires.territory.core import Territory

__all__ = ["CHANGE_COLUMNS", "CHANGE_KINDS", "programme_changes"]

#: Columns of :func:`programme_changes` (French, as the tables users see).
CHANGE_COLUMNS = ["programme", "libelle_programme", "changement", "code", "nom", "commune", "date", "source"]

#: The kinds of change, in the order a committee reads them.
CHANGE_KINDS = ("entrée", "nouveau projet", "signature", "sortie")


def _key(frame: pd.DataFrame, kind: str) -> pd.Series:
    """One identity per row: the site id, or the membership's unit, group and purpose."""
    if kind == "sites":
        return frame["site_id"].astype(str)
    parts = [c for c in ("unit_type", "unit_code", "unit_name", "group_name", "member_id", "objet") if c in frame]
    if not len(frame):
        return pd.Series([], dtype=str)
    return pd.Series(["|".join(map(str, row)) for row in frame[parts].itertuples(index=False)], index=frame.index)


def _active(frame: pd.DataFrame, active) -> np.ndarray:
    if not len(frame):
        return np.zeros(0, dtype=bool)
    if active is None:
        return np.ones(len(frame), dtype=bool)
    return (frame["status"] == active).to_numpy()


def _in(v, d0, d1) -> bool:
    v = as_date(v) if v is not None and not (isinstance(v, float) and pd.isna(v)) and v is not pd.NaT else None
    return v is not None and d0 < v <= d1


def _rows(frame: pd.DataFrame, p, kind: str, change: str, date_col: str) -> list[dict]:
    out = []
    for r in frame.to_dict("records"):
        if p.kind == "sites":
            code, name, commune = r.get("site_id"), r.get("nom"), r.get("commune")
        else:
            code, name = r.get("unit_code"), r.get("unit_name")
            commune = r.get("group_name") or r.get("objet") or ""
        out.append({
            "programme": p.key, "libelle_programme": p.label, "changement": change,
            "code": "" if code is None or pd.isna(code) else str(code), "nom": "" if name is None else str(name),
            "commune": "" if commune is None or (isinstance(commune, float) and pd.isna(commune)) else str(commune),
            "date": as_date(r.get(date_col)) if r.get(date_col) is not None and not pd.isna(r.get(date_col)) else None,
            "source": r.get("source", ""),
        })
    return out


def programme_changes(
    territory: Territory, start: DateLike, end: DateLike, programmes: Sequence[str] | None = None
) -> pd.DataFrame:
    """Every change of status between ``start`` (excluded) and ``end`` (included).

    For each programme of the registry (or of ``programmes``): sites or
    members that became active (``entrée``: labelled, member), new projects
    (``nouveau projet``), signatures dated in the interval (``signature``,
    from a ``signed_on`` column) and exits (``sortie``).

    A row's date is the date its source attests the fact: a start date set
    to a list's or a meeting's date (when the real date is not known) shows
    as a change on that date, so read ``source`` with it.

    Returns
    -------
    DataFrame
        ``programme, libelle_programme, changement, code, nom, commune, date,
        source``, sorted by programme (registry order), kind and date.
        ``attrs["depuis"]`` and ``attrs["au"]`` hold the two dates (ISO 8601 text).

    Examples
    --------
    >>> import territoires
    >>> t = territoires.load_territory("79")
    >>> ch = programme_changes(t, "2021-07-13", "2021-09-14", ["france_services", "crte"])
    >>> ch.groupby(["programme", "changement"]).size().to_dict()
    {('crte', 'entrée'): 8, ('crte', 'signature'): 4, ('france_services', 'nouveau projet'): 9}
    """
    d0, d1 = as_date(start), as_date(end)
    if d0 is None or d1 is None:
        raise ValueError("programme_changes needs two dates")
    if d0 >= d1:
        raise ValueError(f"the first date ({d0}) must be before the second ({d1})")
    keys = [_programme(k).key for k in programmes] if programmes else list(PROGRAMMES)
    rows: list[dict] = []
    for key in keys:
        p = _programme(key)
        if p.kind == "sites":
            a = pd.DataFrame(territory.sites(key, as_of=d0)).drop(columns="geometry", errors="ignore")
            b = pd.DataFrame(territory.sites(key, as_of=d1)).drop(columns="geometry", errors="ignore")
            active, project = p.active_status, p.project_status
        else:
            # every membership returned on a date is active on it
            a, b = territory.members(key, as_of=d0), territory.members(key, as_of=d1)
            active, project = None, None
        ka, kb = _key(a, p.kind), _key(b, p.kind)
        act_a, act_b = _active(a, active), _active(b, active)
        was_active = set(ka[act_a])
        was_project = set(ka[(a["status"] == project).to_numpy()]) if len(a) and project else set()
        if len(b):
            st = b["status"].to_numpy()
            new_active = b[act_b & ~kb.isin(was_active).to_numpy()]
            rows += _rows(new_active, p, p.kind, "entrée", "start_date")
            if project:
                new_proj = b[(st == project) & ~kb.isin(was_project | was_active).to_numpy()]
                rows += _rows(new_proj, p, p.kind, "nouveau projet", "project_from")
            if "signed_on" in b:
                signed = b[[_in(v, d0, d1) for v in b["signed_on"]]]
                rows += _rows(signed, p, p.kind, "signature", "signed_on")
        if len(a):
            gone = a[act_a & ~ka.isin(set(kb[act_b])).to_numpy()]
            rows += _rows(gone, p, p.kind, "sortie", "end_date")
    out = pd.DataFrame(rows, columns=CHANGE_COLUMNS)
    order = {k: i for i, k in enumerate(PROGRAMMES)}
    kinds = {k: i for i, k in enumerate(CHANGE_KINDS)}
    if len(out):
        out = out.assign(_p=out["programme"].map(order), _k=out["changement"].map(kinds), _d=out["date"].map(lambda v: v or d1))
        out = out.sort_values(["_p", "_k", "_d", "nom"], kind="stable").drop(columns=["_p", "_k", "_d"])
    out = out.reset_index(drop=True)
    out.attrs["depuis"], out.attrs["au"] = d0.isoformat(), d1.isoformat()  # text: attrs are saved as JSON
    return out
