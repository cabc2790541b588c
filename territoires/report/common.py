"""Small helpers shared by the section builders: data presence, sources, deck indicators."""

from __future__ import annotations

import contextlib
from datetime import date

import pandas as pd

from territoires.report.model import LeftOut, Table
from territoires.sources.programmes import programme

__all__ = ["all_rows", "build_map", "deck", "deck_source", "first_date", "french_columns", "indicators_table", "missing", "rows_cache", "sources_of", "table_origin", "vintage_line"]

_CACHE: dict | None = None


@contextlib.contextmanager
def rows_cache():
    """Within this block, :func:`all_rows` reads each programme once (one report build)."""
    global _CACHE
    old, _CACHE = _CACHE, {}
    try:
        yield
    finally:
        _CACHE = old


def all_rows(territory, key: str) -> pd.DataFrame:
    """Every row of a programme in the territory, whatever the date (ended rows aside)."""
    p = programme(key)
    if _CACHE is None:
        return _all_rows(territory, p)
    k = (id(territory), p.key)
    if k not in _CACHE:
        _CACHE[k] = _all_rows(territory, p)
    return _CACHE[k]


def _all_rows(territory, p) -> pd.DataFrame:
    if p.kind == "sites":
        return pd.DataFrame(territory.sites(p.key, as_of=date.max)).drop(columns="geometry", errors="ignore")
    return territory.members(p.key, as_of=date.max)


def table_origin(territory, key: str) -> str:
    """Where the programme's table comes from: the curated tables or an imported file."""
    from territoires.territory.programmes import store_of

    t = store_of(territory).table(key)
    if t.path == "curated":
        from territoires.sources.programmes import curated_path

        with_file = [d for d in territory.departements if curated_path(d, programme(key).key) is not None]
        if not with_file:
            return "aucune table organisée pour ce département et aucune liste nationale importée"
        return f"tables organisées du projet (territoires/data/programmes/{', '.join(with_file)})"
    return f"fichier importé {t.path} (format {t.layout or 'générique'}, {len(t.data)} lignes chargées, {t.n_rejected} rejetée(s))"


def missing(territory, key: str) -> LeftOut | None:
    """A :class:`LeftOut` when the territory has no row of ``key`` at all."""
    from territoires.territory.national import NoProgrammeDataError

    p = programme(key)
    try:
        if len(all_rows(territory, p.key)):
            return None
    except NoProgrammeDataError as exc:
        return LeftOut(p.key, p.label, exc.french())
    deps = ", ".join(territory.departements)
    origin = table_origin(territory, p.key)
    if origin.startswith("tables organisées"):
        origin += " : la table de ce programme y est vide"
    return LeftOut(p.key, p.label, f"aucune ligne pour {deps} — {origin}")


def deck(territory, key: str, name: str, d: date | None = None):
    """The committee's sourced indicator ``name`` known on ``d`` (None when there is none).

    An indicator dated after ``d`` is not known on ``d``: a report for an
    earlier meeting does not show the later deck's figures.
    """
    from territoires.analysis.summary import indicators_on
    from territoires.territory.programmes import indicator

    if d is not None:
        ind = indicators_on(territory, key, d)
        if ind.empty or name not in set(ind["indicateur"]):
            return None
    try:
        return indicator(territory, key, name)
    except KeyError:
        return None


def deck_source(territory, key: str, name: str) -> str:
    ind = territory.indicators(key)
    row = ind[ind["indicateur"] == name]
    return "" if row.empty else str(row["source"].iloc[0])


def indicators_table(territory, key: str, d: date) -> Table | None:
    """The département's sourced indicators for ``key`` known on ``d`` (the deck's own figures)."""
    from territoires.analysis.summary import indicators_on

    ind = indicators_on(territory, key, d)
    if ind.empty:
        return None
    out = pd.DataFrame({
        "Indicateur": ind["libelle"] if "libelle" in ind else ind["indicateur"].str.replace("_", " "),
        "Valeur": [_indicator_value(v, u) for v, u in zip(ind["valeur"], ind["unite"], strict=True)],
        "Unité": ind["unite"].map(lambda u: "€" if u == "EUR" else u), "Date": ind["date"], "Source": ind["source"], "Note": ind["notes"],
    })
    return Table(f"Indicateurs sourcés ({programme(key).label})", out, "Chiffres donnés par la source citée, non recalculés.")


def _indicator_value(value, unit) -> str:
    """An indicator's value as the report writes it: ``65 000``, ``31/12/2022`` (the table stores text: ``65000``, ``2022-12-31``)."""
    from territoires.french import number

    text = str(value)
    if unit == "date":
        with contextlib.suppress(ValueError):
            return date.fromisoformat(text).strftime("%d/%m/%Y")
        return text
    try:
        return number(float(text.replace(",", ".")))
    except ValueError:
        return text


def build_map(territory, name: str, d: date, made_on: date, notes: list[str]):
    """The maps room's map ``name``, or None with a note when one of its programmes has no data."""
    from territoires import maps
    from territoires.territory.national import NoProgrammeDataError

    try:
        return maps.build(territory, name, as_of=d, made_on=made_on)
    except NoProgrammeDataError as exc:
        notes.append(f"Carte « {name} » non produite : {exc.french()}")
        return None


def sources_of(*frames: pd.DataFrame) -> list[str]:
    """Distinct non-empty ``source`` values of the frames, in order of appearance."""
    seen: list[str] = []
    for f in frames:
        if f is None or "source" not in f:
            continue
        for s in f["source"].dropna().astype(str):
            if s and s not in seen:
                seen.append(s)
    return seen


def vintage_line(territory, key: str) -> str:
    """The programme's origin, the date its data are known to, and the latest date in its rows."""
    from territoires.territory.programmes import known_as_of_text

    known = known_as_of_text(territory, key)
    rows = all_rows(territory, key)
    dates = []
    for c in ("start_date", "project_from", "signed_on", "position_date"):
        if c in rows:
            dates += [v for v in rows[c] if isinstance(v, date)]
    last = f", dernière date présente : {max(dates).strftime('%d/%m/%Y')}" if dates else ""
    known = f", état connu {known}" if known else ", date de l'état des données non connue"  # known: « au 01/08/2024 », « en 2015 »
    return f"{programme(key).label} : {table_origin(territory, key)}{known}{last}"


def french_columns(df: pd.DataFrame, columns: dict[str, str], key: str | None = None, as_of: date | None = None) -> pd.DataFrame:
    """Keep ``columns`` present in ``df`` (in that order), renamed to their French names.

    With a programme ``key``, the ``etape`` codes become the registry's stage labels.
    With ``as_of``, a date after it is left empty: a report for that day does not
    know a later labelling or signature.
    """
    keep = [c for c in columns if c in df]
    out = pd.DataFrame(df[keep])
    if as_of is not None:
        for c in keep:
            if out[c].map(lambda v: isinstance(v, date)).any():
                out[c] = out[c].map(lambda v: None if isinstance(v, date) and v > as_of else v)
    if key is not None and "etape" in out:
        labels = {s.key: s.label for s in (programme(key).stages or ())}
        out["etape"] = out["etape"].map(lambda v: labels.get(v, v))
    return out.rename(columns=columns).reset_index(drop=True)


def first_date(v) -> date | None:
    return v if isinstance(v, date) else None
