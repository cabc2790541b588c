"""Reader of the CRTE's three linked ANCT tables (list, communes, groupings).

ANCT publishes a CRTE as three tables (``liste-crte``, ``liste-crte-com``,
``liste-crte-grpt``); this reader joins them, accounting per file and per
row. Kept apart from :mod:`~territoires.sources.programmes.readers` by size.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from territoires.errors import InputError
from territoires.sources.programmes.columnar import normalise
from territoires.sources.programmes.model import MEMBER_COLUMNS, Programme, ProgrammeTable, Report
from territoires.sources.programmes.readers import _col, _const
from territoires.sources.textio import Rows, read_rows

__all__ = ["read_crte"]


# --------------------------------------------------------------------- CRTE
def _crte_files(path) -> dict[str, Path]:
    p = Path(path)
    folder = p if p.is_dir() else p.parent
    found = {}
    for f in sorted(folder.glob("*.csv")):
        n = f.name.lower()
        if "crte" not in n:
            continue
        if "-com" in n:
            found["communes"] = f
        elif "grpt" in n:
            found["groupements"] = f
        else:
            found["liste"] = f
    if "communes" not in found and "groupements" not in found:
        raise InputError(
            path,
            "CRTE files not found: expected liste-crte-*.csv with liste-crte-com*.csv and/or liste-crte-grpt*.csv beside it",
        )
    return found


def _crte_list(path: Path) -> tuple[dict[str, str], Report, int]:
    """Contract names of the CRTE list file: (id → name, report, rows used)."""
    lrows = read_rows(path)
    rep = Report(str(path))
    for line, reason in lrows.malformed:
        rep.reject(line, None, None, reason)
    names: dict[str, str] = {}
    first: dict[str, int] = {}
    for r, line in zip(lrows.rows, lrows.lines, strict=True):
        key = (r.get("id_crte") or "").strip()
        if not key:
            rep.reject(line, "id_crte", None, "ligne de contrat sans id_crte")
        elif key in names:
            rep.reject(line, "id_crte", key, f"id_crte en double (première occurrence ligne {first[key]})")
        else:
            names[key], first[key] = (r.get("lib_crte") or "").strip(), line
    return names, rep, len(names)


def read_crte(path, programme: Programme, source: str | None = None) -> ProgrammeTable:
    """The ANCT CRTE three-table layout: contracts, communes and groupements.

    ``insee_com`` rows may list several contracts as ``"id1 ; id2"``: each id
    gives one membership row (same input line; an id repeated in one row
    counts once). Accounting is per file and per row: every row of the three
    files is loaded (a membership row with at least one membership), used (a
    contract row naming its contract) or rejected, with its own file and line.
    """
    files = _crte_files(path)
    names: dict[str, str] = {}
    reports = []
    n_input, n_lookup = 0, 0
    if "liste" in files:
        names, lrep, n_lookup = _crte_list(files["liste"])
        n_input += n_lookup + len(lrep.rejected_lines)
        reports.append(lrep.frame())
    frames = []
    encodings = []
    for part, unit in (("communes", "commune"), ("groupements", None)):
        if part not in files:
            continue
        rows = read_rows(files[part])
        encodings.append(rows.encoding)
        n_input += len(rows)
        report = Report(str(files[part]))
        expanded = []
        lines = []
        for r, line in zip(rows.rows, rows.lines, strict=True):
            raw_ids = [i.strip() for i in (r.get("id_crte") or "").split(";") if i.strip()]
            ids = list(dict.fromkeys(raw_ids)) or [""]
            if len(ids) < len(raw_ids):
                report.warn(line, "id_crte", r.get("id_crte"), "le même contrat figure deux fois sur cette ligne : compté une fois")
            for i in ids:
                if i and names and i not in names:
                    report.warn(line, "id_crte", i, "contrat absent du fichier liste des CRTE : pas de nom de contrat")
                expanded.append({**r, "id_crte": i})
                lines.append(line)
        xrows = Rows(rows.path, rows.encoding, rows.separator, rows.header, expanded, lines, rows.malformed, rows.notes)
        src = source or f"ANCT, liste des CRTE ({files[part].name})"
        if unit == "commune":
            mapping = {
                "unit_type": _const("commune"),
                "unit_code": _col("insee_com"),
                "unit_name": _col("lib_com", "insee_com"),
            }
        else:
            mapping = {
                "unit_type": lambda r: "epci" if (r.get("siren_groupement") or "").isdigit() and len(r.get("siren_groupement") or "") == 9 else "group",
                "unit_code": _col("siren_groupement"),
                "unit_name": _col("lib_groupement", "siren_groupement"),
            }
        mapping.update(
            {
                "member_id": _col("id_crte"),
                "group_name": lambda r: names.get(r.get("id_crte", ""), r.get("lib_crte") or None),
                "source": _const(src),
            }
        )
        frame = normalise(xrows, "members", mapping, report, ("unit_code", "member_id"))
        # the same (unit, contract) in two rows: the second is a duplicate
        key = frame["unit_code"].astype(str) + "|" + frame["member_id"].astype(str)
        dup = key.duplicated()
        for i in frame.index[dup]:
            unit, contract, line = frame.at[i, "unit_code"], frame.at[i, "member_id"], int(frame.at[i, "_line"])
            first = int(frame.loc[key == f"{unit}|{contract}", "_line"].iloc[0])
            report.reject(line, "id_crte", contract, f"{unit} déjà membre de {contract} (ligne {first})")
        frame = frame[~dup].reset_index(drop=True)
        # a row loaded for one id and rejected for another is loaded, with a warning
        rep = report.frame()
        loaded = set(frame["_line"])
        partial = (rep["severity"] == "rejected") & rep["line"].isin(loaded)
        rep.loc[partial, "severity"] = "warning"
        rep.loc[partial, "reason"] = "un des contrats de la ligne n'est pas chargé : " + rep.loc[partial, "reason"]
        frame["_file"] = str(files[part])
        frames.append(frame)
        reports.append(rep)
    data = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=MEMBER_COLUMNS)
    rep = pd.concat(reports, ignore_index=True)
    cols = dict(frames[0].attrs.get("source_columns", {})) if frames else {}
    enc = ", ".join(dict.fromkeys(encodings))
    return ProgrammeTable(programme.key, "members", str(path), data, rep, n_input, "crte-3-tables", cols, enc, n_lookup)
