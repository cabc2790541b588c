"""One model for every programme: a table of memberships or a table of sites.

A programme is data, not a class: its registry entry (:data:`PROGRAMMES`)
says whether it has *sites* (places with a point) or *members* (communes,
EPCI or named groups), its French label and its curated file. Adding a
programme is adding a registry entry, a table and, for a new official file
layout, a reader.

Normalised columns
------------------
sites
    ``site_id, nom, code_insee, commune, adresse, code_postal, latitude, longitude, project_from, start_date, end_date, source`` + attributes.
    On a date D a site is *active* (``"labelled"`` for France Services) when
    ``start_date <= D`` and not ended, a *project* when
    ``project_from <= D < start_date``.
members
    ``unit_type`` (``commune``, ``epci`` or ``group``), ``unit_code``,
    ``unit_name``, ``member_id``, ``group_name``, ``start_date``,
    ``end_date``, ``source`` + attributes. A member is active on D when
    ``start_date <= D`` (or the start is unknown) and not ended.

``start_date`` is the earliest date on which the source attests the fact;
an empty ``start_date`` means unknown and the row is flagged
``start_unknown`` rather than given an invented date.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from territoires.french import number

__all__ = [
    "ALIASES",
    "DATE_COLUMNS",
    "MEMBER_COLUMNS",
    "PROGRAMMES",
    "Programme",
    "ProgrammeTable",
    "REPORT_COLUMNS",
    "Report",
    "SITE_COLUMNS",
    "Stage",
    "programme",
]

SITE_COLUMNS = [
    "site_id", "nom", "code_insee", "commune", "adresse", "code_postal",
    "latitude", "longitude", "project_from", "start_date", "end_date", "source",
]
MEMBER_COLUMNS = [
    "unit_type", "unit_code", "unit_name", "member_id", "group_name",
    "start_date", "end_date", "source",
]
DATE_COLUMNS = ("project_from", "start_date", "end_date", "signed_on", "source_date", "position_date")
REPORT_COLUMNS = ["file", "line", "column", "value", "reason", "severity"]


@dataclass(frozen=True)
class Stage:
    """One dated stage of a programme's facts (e.g. a CRTE *signé*).

    ``column`` is the table column holding the date the stage is reached;
    ``label``/``plural`` name it for users (French).
    """

    key: str
    column: str
    label: str
    plural: str


@dataclass(frozen=True)
class Programme:
    """Registry entry of a programme.

    ``stages`` lists, in order, the dated stages a row goes through (a France
    Services *projet* then *labellisée*; a CRTE *périmètre arrêté* then
    *signé*; a PVD commune *sélectionnée* then *convention signée*). On a
    date a row is at the last stage whose date is on or before it. ``count_by``
    names the column whose distinct values are counted (CRTE: one contract
    per ``group_name``, over several EPCI rows).
    """

    key: str
    label: str  # French, for users
    kind: str  # "sites" or "members"
    curated_file: str | None
    active_status: str = "active"
    project_status: str = "project"
    unit_label: str = "membres"
    #: French word for an active site or member ("labellisée", "active")
    active_word: str = "actifs"
    #: name of the column repeating ``start_date`` in ``sites()`` (e.g. ``labelled_on``)
    start_alias: str | None = None
    #: French name of the groups members form (CRTE: "contrats"), if they do
    group_label: str | None = None
    #: official-layout reader of ``territoires.sources.programmes.readers``
    reader: str | None = None

    stages: tuple[Stage, ...] = ()
    count_by: str | None = None
    count_label: str | None = None
    #: column whose values split the count in summaries (e.g. the operator of an engineering study)
    breakdown: str | None = None
    #: whether summaries state the total before the stages ("6 CRTE : 2 signés, …")
    total_in_detail: bool = True
    #: French word for a site that counts, masculine singular (« cantons sans site actif », « … sans site labellisé »)
    site_word: str = "actif"
    #: whether some sites are antennas of a main one (France Services: ``--antennes`` chooses whether they count)
    antennas: bool = False

    def status_label(self, status: str) -> str:
        """French word for a status value of one row (« labellisée », its stage's singular; ``active_word`` names layers)."""
        if status == self.active_status:
            return self.stages[-1].label if self.stages else self.active_word
        if status == self.project_status:
            return "en projet"
        return str(status)

    @property
    def active_layer(self) -> str:
        """Layer name of the active sites (maps, GeoPackage)."""
        return f"{self.short_label} {self.active_word}"

    @property
    def project_layer(self) -> str:
        """Layer name of the sites in project (maps, GeoPackage)."""
        return f"{self.short_label} en projet"

    @property
    def short_label(self) -> str:
        """The label without its parenthesis ("Couverture mobile")."""
        return self.label.split(" (")[0]


PROGRAMMES: dict[str, Programme] = {
    p.key: p
    for p in [
        Programme("france_services", "France Services", "sites", "france_services.csv", "labelled", unit_label="sites labellisés",
                  active_word="labellisées", start_alias="labelled_on", reader="france_services",
                  stages=(Stage("projet", "project_from", "projet", "projets"), Stage("labellise", "start_date", "labellisée", "labellisées")),
                  total_in_detail=False, site_word="labellisé", antennas=True),
        Programme("conseillers_numeriques", "Conseillers numériques France Services", "sites", "conseillers_numeriques.csv", unit_label="structures"),
        Programme("couverture_mobile", "Couverture mobile (New Deal / dispositif de couverture ciblée)", "sites", "couverture_mobile.csv", unit_label="sites"),
        Programme("pvd", "Petites villes de demain", "members", "pvd.csv", unit_label="communes", reader="pvd",
                  stages=(Stage("selectionnee", "start_date", "sans convention signée", "sans convention signée"),
                          Stage("convention_signee", "signed_on", "avec convention d'adhésion signée", "avec convention d'adhésion signée"))),
        Programme("acv", "Action cœur de ville", "members", "acv.csv", unit_label="communes", reader="acv"),
        Programme("crte", "Contrats de relance et de transition écologique", "members", "crte.csv", unit_label="EPCI",
                  group_label="contrats", reader="crte",
                  stages=(Stage("perimetre", "start_date", "périmètre arrêté, non signé", "périmètres arrêtés, non signés"),
                          Stage("signe", "signed_on", "signé", "signés")),
                  count_by="group_name", count_label="CRTE"),
        Programme("fonds_friches", "Fonds friches (1er appel à projets)", "members", "fonds_friches.csv", unit_label="communes"),
        Programme("ingenierie_anct", "Ingénierie en appui des collectivités (ANCT et partenaires)", "members", "ingenierie_anct.csv",
                  unit_label="appuis (études)", breakdown="operateur"),
        Programme("zones_blanches", "Zones blanches centres-bourgs (2015)", "members", "zones_blanches.csv", unit_label="communes"),
    ]
}

ALIASES = {
    "france-services": "france_services", "fs": "france_services", "franceservices": "france_services",
    "conseillers-numeriques": "conseillers_numeriques", "cnfs": "conseillers_numeriques",
    "new-deal-mobile": "couverture_mobile", "dcc": "couverture_mobile", "couverture-mobile": "couverture_mobile",
    "petites-villes-de-demain": "pvd", "action-coeur-de-ville": "acv",
    "fonds-friches": "fonds_friches", "ingenierie": "ingenierie_anct", "ingenierie-anct": "ingenierie_anct",
    "zones-blanches": "zones_blanches",
}


def programme(key: str) -> Programme:
    """The registry entry of ``key`` (accepts ``france-services`` style aliases)."""
    k = str(key).strip().lower()
    k = ALIASES.get(k, k).replace("-", "_")
    if k not in PROGRAMMES:
        from territoires.errors import UnknownProgrammeError

        raise UnknownProgrammeError(key, PROGRAMMES)
    return PROGRAMMES[k]


@dataclass
class ProgrammeTable:
    """A programme table read from a file, with its rejection report.

    ``data`` holds the rows that loaded; ``report`` one line per problem
    (``file, line, column, value, reason, severity``): severity ``rejected``
    for a row that was not loaded, ``warning`` for a loaded row with a doubt.
    Every input row is either in ``data`` or rejected:
    ``len(data) + n_rejected == n_input``.

    Unpacks as ``data, report = read_programme(...)``.
    """

    programme: str
    kind: str
    path: str
    data: pd.DataFrame
    report: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=REPORT_COLUMNS))
    n_input: int = 0
    layout: str = ""
    #: normalised column → the file's column, to name it in reports
    source_columns: dict = field(default_factory=dict)
    #: how the file was decoded (``utf-8``, ``cp1252``, ``utf-8 (+ cp1252 lines)``…)
    encoding: str = ""
    #: input rows used as a lookup, not as data rows (CRTE contract names)
    n_lookup: int = 0

    def column(self, target: str) -> str:
        """The file's name of normalised column ``target``, to name it in reports."""
        name = self.source_columns.get(target, target)
        return target if name in ("<lambda>", "get") else name

    def __iter__(self):
        return iter((self.data, self.report))

    @property
    def rejected(self) -> pd.DataFrame:
        """The report lines of rows that were not loaded."""
        return self.report[self.report["severity"] == "rejected"]

    @property
    def n_rejected(self) -> int:
        """How many input rows were rejected (distinct file lines)."""
        return len(self.rejected[["file", "line"]].drop_duplicates())

    @property
    def n_loaded(self) -> int:
        """Input rows that gave at least one data row (one row may give several)."""
        if "_line" not in self.data or "_file" not in self.data or not len(self.data):
            return len(self.data)  # one data row per input row
        return len(self.data[["_file", "_line"]].drop_duplicates())

    def check_accounting(self) -> None:
        """Raise AssertionError unless loaded + used + rejected rows == input rows."""
        total = self.n_loaded + self.n_lookup + self.n_rejected
        assert total == self.n_input, (
            f"{self.path}: {self.n_loaded} loaded + {self.n_lookup} used + {self.n_rejected} rejected != {self.n_input} input rows"
        )

    def summary(self) -> str:
        """One French line: rows read, loaded, rejected, warnings."""
        n_warn = int((self.report["severity"] == "warning").sum())
        how = ", ".join(x for x in (self.layout, self.encoding and f"encodage {self.encoding}") if x)
        return (
            f"{self.path} ({how}) : {number(self.n_input)} lignes lues, {number(self.n_loaded + self.n_lookup)} chargées, "
            f"{number(self.n_rejected)} rejetées, {number(n_warn)} avertissement(s)"
        )

    def report_text(self) -> str:
        """The report, one line per problem, in the form ``file:line: column: reason``."""
        out = []
        words = {"rejected": "rejetée", "warning": "avertissement"}
        for r in self.report.sort_values(["file", "line"], kind="stable").itertuples():
            col = f" colonne {r.column!r}" if isinstance(r.column, str) and r.column else ""
            val = f" (valeur {r.value!r})" if r.value not in (None, "") else ""
            out.append(f"{r.file}:{r.line}:{col} {words.get(r.severity, r.severity)}: {r.reason}{val}")
        return "\n".join(out)


class Report:
    """Collects report lines while a reader works."""

    def __init__(self, path: str):
        self.path = path
        self.lines: list[dict] = []
        self.rejected_lines: set[int] = set()

    def reject(self, line: int, column: str | None, value, reason: str) -> None:
        """Record that ``line`` was not loaded, and why."""
        self.lines.append(
            {"file": self.path, "line": line, "column": column, "value": _short(value), "reason": reason, "severity": "rejected"}
        )
        self.rejected_lines.add(line)

    def warn(self, line: int, column: str | None, value, reason: str) -> None:
        """Record a doubt about a loaded ``line``."""
        self.lines.append(
            {"file": self.path, "line": line, "column": column, "value": _short(value), "reason": reason, "severity": "warning"}
        )

    def frame(self) -> pd.DataFrame:
        """The collected lines as a report table (``file, line, column, value, reason, severity``)."""
        return pd.DataFrame(self.lines, columns=REPORT_COLUMNS)


def _short(value) -> str:
    text = "" if value is None else str(value)
    return text if len(text) <= 80 else text[:77] + "..."
