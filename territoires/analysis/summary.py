"""Where each programme stands on a date: counts by stage, the data's vintage, the deck's indicators beside.

Row-level facts (sites, members) are counted on the date, by stage where the
programme has stages ("2 CRTE signés, 4 périmètres arrêtés, non signés").
Figures that exist only as aggregates in a source (the deck's "23
recrutements dans 21 structures", "19 demandes reçues") are dated indicators:
they are listed beside the counts, never added to them.
"""

from __future__ import annotations

from datetime import date

import pandas as pd

from territoires.dates import to_date
from territoires.french import number

__all__ = ["programme_summary", "programme_status_text", "indicators_on"]

SUMMARY_COLUMNS = [
    "programme", "libelle", "nb", "unite", "detail", "etat_connu_au", "au_dela_du_millesime", "indicateurs",
]


def indicators_on(territory, programme_key: str, as_of=None) -> pd.DataFrame:
    """The programme's sourced indicators dated on or before ``as_of`` (the latest of each name).

    Examples
    --------
    >>> import territoires
    >>> t = territoires.load_territory("79")
    >>> ind = indicators_on(t, "conseillers_numeriques", "2021-09-14")
    >>> dict(zip(ind["indicateur"], ind["valeur"]))["recrutements"]
    '23'
    >>> len(indicators_on(t, "conseillers_numeriques", "2021-01-01"))
    0
    """
    d = to_date(as_of)
    ind = territory.indicators(programme_key)
    if ind.empty:
        return ind
    ok = ind["date"].map(lambda v: v is not None and not pd.isna(v) and v <= d)
    ind = ind[ok.to_numpy()]
    return ind.sort_values("date", kind="stable").drop_duplicates("indicateur", keep="last").reset_index(drop=True)


def _indicator_text(ind: pd.DataFrame) -> str:
    parts = []
    for r in ind.itertuples():
        if r.unite == "date":
            continue
        try:
            v = number(int(r.valeur))
        except ValueError:
            v = str(r.valeur)
        name = getattr(r, "libelle", None) or r.indicateur.replace("_", " ")
        unit = "€" if r.unite == "EUR" else r.unite
        parts.append(f"{name} : {v} {unit}")
    if not parts:
        return ""
    when = max(ind["date"]).strftime("%d/%m/%Y")
    return f"indicateurs au {when} ({'; '.join(parts)})"


def _rows(territory, key: str, d: date) -> pd.DataFrame:
    from territoires.sources.programmes import programme

    p = programme(key)
    return territory.sites(key, as_of=d) if p.kind == "sites" else territory.members(key, as_of=d)


def programme_status_text(territory, programme_key: str, as_of=None) -> tuple[int, str]:
    """``(count, "detail")`` of a programme on a date, by stage when it has stages.

    Examples
    --------
    >>> import territoires
    >>> t = territoires.load_territory("79")
    >>> programme_status_text(t, "crte", "2021-09-14")
    (6, '6 CRTE : 2 signés (27/08/2021, 31/08/2021), 4 périmètres arrêtés, non signés')
    """
    from territoires.sources.programmes import programme
    from territoires.territory.stages import stage_counts

    p = programme(programme_key)
    d = to_date(as_of)
    rows = _rows(territory, p.key, d)
    unit = p.count_label or p.unit_label
    n = int(rows[p.count_by].dropna().nunique()) if p.count_by and p.count_by in rows else len(rows)
    if p.stages:
        counts = stage_counts(rows, p.stages, p.count_by)
        parts = []
        for st in reversed(p.stages):
            if not counts[st.key]:
                continue
            part = f"{counts[st.key]} {st.label if counts[st.key] == 1 else st.plural}"
            # a few dated events (contract signatures) are worth their dates
            if p.count_by and st.column != "start_date" and st.column in rows and counts[st.key] <= 5:
                days = sorted({v for v in rows.loc[rows["etape"] == st.key, st.column] if v is not None and not pd.isna(v)})
                if days:
                    part += " (" + ", ".join(v.strftime("%d/%m/%Y") for v in days) + ")"
            parts.append(part)
        if p.total_in_detail or not parts:
            detail = f"{n} {unit}" + (f" : {', '.join(parts)}" if parts else "")
        else:
            detail = ", ".join(parts)
    elif p.breakdown and p.breakdown in rows and len(rows):
        by = rows[p.breakdown].fillna("non précisé").value_counts()
        items = sorted(by.items(), key=lambda kv: (-int(kv[1]), str(kv[0])))
        detail = f"{n} {unit} : " + ", ".join(f"{int(c)} {k}" for k, c in items)
    else:
        detail = f"{n} {unit}"
    return n, detail


def programme_summary(territory, as_of=None) -> pd.DataFrame:
    """One row per registered programme: where it stands on ``as_of``.

    Returns
    -------
    DataFrame
        ``programme, libelle, nb, unite, detail`` (counts by stage or kind),
        ``etat_connu_au`` (the data's vintage, French text),
        ``au_dela_du_millesime`` (the date is after the vintage: the answer is
        the state known then), ``indicateurs`` (the sourced aggregates dated
        on or before the date, beside the counts). A programme without data
        for the territory has ``nb`` missing and the reason in ``detail``
        (the French text of :class:`~territoires.NoProgrammeDataError`).

    Examples
    --------
    >>> import territoires
    >>> t = territoires.load_territory("79")
    >>> s = programme_summary(t, "2021-09-14").set_index("programme")
    >>> s.loc["crte", "detail"]
    '6 CRTE : 2 signés (27/08/2021, 31/08/2021), 4 périmètres arrêtés, non signés'
    >>> bool(s.loc["conseillers_numeriques", "au_dela_du_millesime"])
    True
    """
    from territoires.sources.programmes import PROGRAMMES
    from territoires.territory.national import NoProgrammeDataError
    from territoires.territory.programmes import known_as_of, known_as_of_text

    d = to_date(as_of)
    out: list[dict[str, object]] = []
    for key, p in PROGRAMMES.items():
        try:
            n, detail = programme_status_text(territory, key, d)
        except NoProgrammeDataError as exc:  # said on its line: the other programmes are still answered
            out.append({"programme": key, "libelle": p.label, "nb": None, "unite": p.count_label or p.unit_label,
                        "detail": exc.french(), "etat_connu_au": "", "au_dela_du_millesime": False, "indicateurs": ""})
            continue
        vintage = known_as_of(territory, key)
        out.append({
            "programme": key,
            "libelle": p.label,
            "nb": n,
            "unite": p.count_label or p.unit_label,
            "detail": detail,
            "etat_connu_au": known_as_of_text(territory, key),
            "au_dela_du_millesime": bool(vintage is not None and d > vintage),
            "indicateurs": _indicator_text(indicators_on(territory, key, d)),
        })
    table = pd.DataFrame(out, columns=SUMMARY_COLUMNS)
    if table["nb"].isna().any():
        table["nb"] = table["nb"].astype("Int64")
    return table
