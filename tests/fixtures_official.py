"""Official-layout files written by the tests, from the curated facts.

The France Services 2024 layout is reproduced exactly: comma-separated,
UTF-8 without BOM, LF line ends, text fields double-quoted, empty fields
unquoted, latitude and longitude unquoted decimals, INSEE codes quoted,
``labellisation_fs`` as ``Espace labellisé DD/MM/YYYY``.
"""

from __future__ import annotations

import pandas as pd

from territoires import settings

FS2024_HEADER = [
    "id_fs", "insee_dep", "lib_fs", "adresse", "complement_adresse", "insee_com", "code_postal", "lib_com",
    "latitude", "longitude", "mail", "telephone", "h_lundi", "h_mardi", "h_mercredi", "h_jeudi", "h_vendredi",
    "h_samedi", "prise_rdv", "commentaire", "type_fs", "format_fs", "groupe_fs", "labellisation_fs",
]
NUMERIC = {"latitude", "longitude"}


def _field(name: str, value) -> str:
    if value is None or value == "" or (isinstance(value, float) and pd.isna(value)):
        return ""
    if name in NUMERIC:
        return str(value)
    return '"' + str(value).replace('"', '""') + '"'


def fs2024_lines(rows: list[dict]) -> str:
    out = [",".join(f'"{h}"' for h in FS2024_HEADER)]
    for r in rows:
        out.append(",".join(_field(h, r.get(h)) for h in FS2024_HEADER))
    return "\n".join(out) + "\n"


def curated_fs_as_2024_rows() -> list[dict]:
    cur = pd.read_csv(settings.PROGRAMMES_DIR / "79" / "france_services.csv", dtype=str, keep_default_na=False)
    rows = []
    for r in cur.itertuples():
        y, m, d = r.start_date.split("-")
        rows.append(
            {
                "id_fs": r.site_id, "insee_dep": "79", "lib_fs": r.nom, "adresse": r.adresse, "complement_adresse": "",
                "insee_com": r.code_insee, "code_postal": r.code_postal, "lib_com": r.commune,
                "latitude": r.latitude, "longitude": r.longitude, "prise_rdv": "Non",
                "type_fs": r.type_fs, "format_fs": r.format_fs, "labellisation_fs": f"Espace labellisé {d}/{m}/{y}",
            }
        )
    return rows
