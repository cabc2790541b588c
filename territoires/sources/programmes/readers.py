"""Readers: the curated tables and every published layout of the official files.

Each reader turns one file layout into the normalised model
(:mod:`territoires.sources.programmes.model`) through
:func:`~territoires.sources.programmes.columnar.normalise`.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from territoires.errors import InputError
from territoires.sources.programmes.columnar import normalise
from territoires.sources.programmes.model import (
    DATE_COLUMNS,
    MEMBER_COLUMNS,
    SITE_COLUMNS,
    Programme,
    ProgrammeTable,
    Report,
)
from territoires.sources.textio import Rows, read_rows

__all__ = [
    "FS_LAYOUTS",
    "ITINERANT_FORMATS",
    "detect_fs_layout",
    "read_acv",
    "read_cnfs_json",
    "read_curated",
    "read_france_services",
    "read_generic",
    "read_pvd",
]

ITINERANT_FORMATS = {"itinérante", "itinerante", "bus_équivalent", "bus_equivalent", "bus"}


_KEYS: dict[tuple, list[str]] = {}


class _col:  # noqa: N801 - used like a function in mappings
    """First present, non-empty column among ``names`` (case-insensitive)."""

    def __init__(self, *names):
        self.names = names
        self.__name__ = names[0]

    def __call__(self, row):
        # the file's columns for these names, found once per header (rows of a file share theirs)
        header = tuple(row.keys())
        keys = _KEYS.get((self.names, header))
        if keys is None:
            lower = {k.lower(): k for k in header}  # the last of columns differing only by case, as a dict of the row would
            keys = _KEYS[(self.names, header)] = [lower[n.lower()] for n in self.names if n.lower() in lower]
            if len(_KEYS) > 256:
                _KEYS.clear()
        for k in keys:
            v = row[k]
            if v not in (None, ""):
                return v
        return None

    def bind(self, header):
        """A faster getter for rows of a file with this ``header``."""
        lower = {h.lower(): h for h in header}
        keys = [lower[n.lower()] for n in self.names if n.lower() in lower]

        def get(row):
            for k in keys:
                v = row.get(k)
                if v not in (None, ""):
                    return v
            return None

        return get

    def values_of(self, rows: Rows, header) -> list:
        """This column on every row (what :meth:`bind`'s getter gives row by row), a name at a time."""
        lower = {h.lower(): h for h in header}
        keys = [lower[n.lower()] for n in self.names if n.lower() in lower]
        if not keys:
            return [None] * len(rows.lines)
        out = _nonempty(rows.column(keys[0]))
        for k in keys[1:]:  # the next name, on the rows still empty
            col = rows.column(k)
            for i in [i for i, v in enumerate(out) if v is None]:
                w = col[i]
                if w not in (None, ""):
                    out[i] = w
        return out

    def resolve(self, header) -> str:
        """The file's own name of this column (the first of ``names`` in ``header``)."""
        lower = {h.lower(): h for h in header}
        for n in self.names:
            if n.lower() in lower:
                return lower[n.lower()]
        return self.names[0]


def _nonempty(values: list) -> list:
    """Each value, or None when it is None or empty text (``v not in (None, "")``, as :meth:`_col.bind`'s getter tests it)."""
    if set(map(type, values)) <= {str, type(None)}:
        return [v or None for v in values]  # for text and None, the same test, faster
    return [None if v in (None, "") else v for v in values]


class _const:  # noqa: N801 - used like a function in mappings
    """The same value on every row."""

    def __init__(self, value):
        self.value = value

    def __call__(self, row):
        return self.value

    def values_of(self, rows: Rows, header) -> list:
        return [self.value] * len(rows.lines)


class _of:  # noqa: N801 - used like a function in mappings
    """``fn`` of some columns' values (each a :class:`_col`: first present, non-empty of its names)."""

    def __init__(self, fn, *columns: _col):
        self.fn, self.columns = fn, columns

    def __call__(self, row):
        return self.fn(*(c(row) for c in self.columns))

    def bind(self, header):
        """A getter for rows of a file with this ``header``."""
        getters = [c.bind(header) for c in self.columns]
        return lambda row: self.fn(*(g(row) for g in getters))

    def values_of(self, rows: Rows, header) -> list:
        """``fn`` on every row, the columns read a column at a time (``fn`` once per distinct tuple of values: a pure function)."""
        args = list(zip(*(c.values_of(rows, header) for c in self.columns), strict=True))
        once = {v: self.fn(*v) for v in dict.fromkeys(args)}
        return [once[v] for v in args]


def _finish(programme: Programme, path, rows_or_n, frame: pd.DataFrame, report: Report, layout: str) -> ProgrammeTable:
    n = rows_or_n if isinstance(rows_or_n, int) else len(rows_or_n)
    enc = getattr(rows_or_n, "encoding", "")
    return ProgrammeTable(programme.key, programme.kind, str(path), frame, report.frame(), n, layout, dict(frame.attrs.get("source_columns", {})), enc)


# ---------------------------------------------------------------- curated
def read_curated(path, programme: Programme) -> ProgrammeTable:
    """A curated table of ``data/programmes/<dep>/``: normalised column names."""
    rows = read_rows(path)
    report = Report(str(path))
    base = SITE_COLUMNS if programme.kind == "sites" else MEMBER_COLUMNS
    missing = [c for c in base if c not in rows.header]
    if missing:
        raise InputError(
            path,
            f"table organisée ({programme.kind}) sans la ou les colonnes {', '.join(missing)} ; "
            f"attendues au moins : {', '.join(base)}",
            line=1,
            column=missing[0],
        )
    mapping = {c: c for c in rows.header if c in base or c in DATE_COLUMNS}
    required = ("site_id", "nom", "code_insee", "source") if programme.kind == "sites" else ("unit_type", "unit_name", "source")
    id_col = "site_id" if programme.kind == "sites" else None
    frame = normalise(rows, programme.kind, mapping, report, required, id_col, keep_extra=True)
    return _finish(programme, path, rows, frame, report, "curated")


# ---------------------------------------------------------- France Services
FS_LAYOUTS = {
    "fs-2024": {"id_fs", "lib_fs", "labellisation_fs", "insee_com"},
    "fs-2021": {"lib_fs", "latitude", "longitude"},
    "fs-2020": {"MATRICULE", "lib_france_services", "LATITUDE", "LONGITUDE"},
    "fs-2020-01": {"lib_france_services", "lat", "long"},
}


def detect_fs_layout(header: list[str]) -> str:
    h = set(header)
    for name, cols in FS_LAYOUTS.items():
        if cols <= h:
            return name
    return ""


def read_france_services(path, programme: Programme, source: str | None = None) -> ProgrammeTable:
    """The ANCT *Liste des structures France services*, any vintage (2020 to 2024)."""
    rows = read_rows(path)
    layout = detect_fs_layout(rows.header)
    if not layout:
        raise InputError(
            path,
            "pas une liste France Services d'un format connu (2024 : id_fs, lib_fs, insee_com, "
            f"labellisation_fs… ; 2020 : MATRICULE, lib_france_services…). En-tête : {', '.join(rows.header[:12])} ; "
            "pour un autre format, donner la correspondance des colonnes (read_programme(..., mapping={...}))",
            line=1,
        )
    src = source or f"ANCT, liste des structures France services ({Path(str(path)).name})"

    def itinerant(fmt, it):
        fmt, it = (fmt or "").strip().lower(), (it or "").strip().lower()
        return "oui" if fmt in ITINERANT_FORMATS or it == "oui" else "non"

    def adresse(a, c):
        return " – ".join(p for p in (a or "", c or "") if p) or None

    mapping = {
        "site_id": _col("id_fs", "matricule", "MATRICULE"),
        "nom": _col("lib_fs", "lib_france_services"),
        "code_insee": _col("insee_com"),
        "commune": _col("lib_com"),
        "adresse": _of(adresse, _col("adresse", "ADRESSE"), _col("complement_adresse", "COMPLEMENT.D.ADRESSE", "adresse_cplmt")),
        "code_postal": _col("code_postal"),
        "latitude": _col("latitude", "LATITUDE", "lat"),
        "longitude": _col("longitude", "LONGITUDE", "long"),
        "start_date": _col("labellisation_fs", "Labellisation", "labellisation"),
        "type_fs": _col("type_fs"),
        "format_fs": _col("format_fs", "FORMAT_FS"),
        "itinerant": _of(itinerant, _col("format_fs", "FORMAT_FS"), _col("itinerance", "ITINERANCE")),
        # "oui" for an antenna of a France Services (type_fs "Antenne", 2024 layout)
        "antenne": _of(lambda t: {"antenne": "oui", "principal": "non"}.get((t or "").strip().lower()), _col("type_fs")),
        "departement": _col("insee_dep", "DEPARTEMENT"),
        "source": _const(src),
    }
    report = Report(str(path))
    required = ("nom", "code_insee")
    frame = normalise(rows, "sites", mapping, report, required, id_column="site_id")
    if layout == "fs-2020-01" and report.rejected_lines:
        report.warn(1, "insee_com", None, "la présentation de janvier 2020 laisse insee_com vide : ses lignes ne peuvent pas être rattachées à une commune")
    return _finish(programme, path, rows, frame, report, layout)


# ---------------------------------------------------------------- PVD, ACV
def read_pvd(path, programme: Programme, source: str | None = None, listed_on=None) -> ProgrammeTable:
    """ANCT *Programme Petites villes de demain* list (2021 and later layouts).

    Membership start is unknown in the file: pass ``listed_on`` (the list's
    date) to date it, otherwise rows are flagged ``start_unknown``.
    """
    rows = read_rows(path)
    if "insee_com" not in rows.header:
        raise InputError(path, f"pas de colonne « insee_com » : pas une liste PVD. En-tête : {', '.join(rows.header[:12])}", line=1, column="insee_com")
    src = source or f"ANCT, liste Petites villes de demain ({Path(str(path)).name})"
    mapping = {
        "unit_type": _const("commune"),
        "unit_code": _col("insee_com"),
        "unit_name": _col("lib_com", "lib_com_carto", "insee_com"),
        "member_id": _col("id_pvd"),
        "start_date": _const(listed_on),
        "signed_on": _col("date_signature"),
        "siren_epci": _col("siren_epci"),
        "population": _col("pop"),
        "source": _const(src),
    }
    report = Report(str(path))
    frame = normalise(rows, "members", mapping, report, ("unit_code",), id_column="unit_code")
    return _finish(programme, path, rows, frame, report, "pvd")


def read_acv(path, programme: Programme, source: str | None = None) -> ProgrammeTable:
    """ANCT *Action cœur de ville* list (2018 ``codgeo``/``DATE_SIGN`` or 2024 layout)."""
    rows = read_rows(path)
    if not ({"insee_com", "codgeo"} & set(rows.header)):
        raise InputError(path, f"pas de colonne « insee_com » (ni « codgeo ») : pas une liste ACV. En-tête : {', '.join(rows.header[:12])}", line=1)
    src = source or f"ANCT, liste Action cœur de ville ({Path(str(path)).name})"
    mapping = {
        "unit_type": _const("commune"),
        "unit_code": _col("insee_com", "codgeo"),
        "unit_name": _col("lib_com", "libgeo", "lib_acv", "insee_com", "codgeo"),
        "member_id": _col("id_acv"),
        "start_date": _col("date_signature", "DATE_SIGN"),
        "signed_on": _col("date_signature", "DATE_SIGN"),
        "siren_epci": _col("siren_epci"),
        "source": _const(src),
    }
    report = Report(str(path))
    frame = normalise(rows, "members", mapping, report, ("unit_code",))
    return _finish(programme, path, rows, frame, report, "acv")


# ----------------------------------------------------- conseillers numériques
def read_cnfs_json(path, programme: Programme, source: str | None = None) -> ProgrammeTable:
    """ANCT 2021 JSON of structures granted conseillers numériques."""
    try:
        raw = Path(path).read_bytes()
        text = raw.decode("utf-8-sig")
        data = json.loads(text)
    except FileNotFoundError as exc:
        raise InputError(path, "fichier introuvable") from exc
    except UnicodeDecodeError as exc:
        raise InputError(path, f"pas un texte UTF-8 ({exc.reason})") from exc
    except json.JSONDecodeError as exc:
        raise InputError(path, f"JSON invalide : {exc.msg}", line=exc.lineno) from exc
    if isinstance(data, dict):
        lists = [v for v in data.values() if isinstance(v, list)]
        data = lists[0] if lists else [data]
    if not isinstance(data, list):
        raise InputError(path, "expected a JSON array of structures")
    header = sorted({k for d in data if isinstance(d, dict) for k in d})
    rows, lines, malformed = [], [], []
    for i, d in enumerate(data, start=1):
        if not isinstance(d, dict):
            malformed.append((i, "l'enregistrement n'est pas un objet JSON"))
            continue
        rows.append({k: ("" if v is None else str(v)) for k, v in d.items()})
        lines.append(i)
    jrows = Rows(str(path), "utf-8", "json", header, rows, lines, malformed)
    src = source or f"ANCT, conseillers numériques France Services ({Path(str(path)).name})"
    mapping = {
        "site_id": _col("siret", "id"),
        "nom": _col("raison_sociale"),
        "code_insee": _col("insee_com"),
        "commune": _col("commune_insee", "lib_com"),
        "adresse": _col("adresse"),
        "code_postal": _col("code_postal_bis", "code_postal"),
        "latitude": _col("latitude"),
        "longitude": _col("longitude"),
        "start_date": _col("date_de_validation_en_comité_de_sélection"),
        "nb_cnfs": _col("nb_cnfs"),
        "type_structure": _col("type"),
        "source": _const(src),
    }
    report = Report(str(path))
    frame = normalise(jrows, "sites", mapping, report, ("nom", "code_insee"), id_column="site_id")
    return _finish(programme, path, jrows, frame, report, "cnfs-json-2021")


# ----------------------------------------------------------------- generic
def read_generic(path, programme: Programme, mapping: dict[str, str], source: str | None = None) -> ProgrammeTable:
    """Any delimited file, driven by ``mapping`` (normalised column → file column).

    Used for files whose schema is not published (New Deal Mobile sites).
    Unmapped columns are kept as attributes.
    """
    rows = read_rows(path)
    absent = [src for src in mapping.values() if isinstance(src, str) and src not in rows.header]
    if absent:
        raise InputError(
            path,
            f"mapped column(s) {', '.join(absent)} not in the header ({', '.join(rows.header)})",
            line=1,
            column=absent[0],
        )
    m: dict = dict(mapping)
    if programme.kind == "members" and "unit_type" not in m:
        m["unit_type"] = _const("commune")
    if "source" not in m:
        m["source"] = _const(source or f"{Path(str(path)).name}")
    required = ("code_insee",) if programme.kind == "sites" else ("unit_code",)
    id_col = "site_id" if programme.kind == "sites" and "site_id" in m else None
    frame = normalise(rows, programme.kind, m, Report(str(path)) if False else (report := Report(str(path))), required, id_col, keep_extra=True)
    return _finish(programme, path, rows, frame, report, "mapping")
