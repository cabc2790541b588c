"""The command line's French: argparse's own texts translated, defaults stated in every help line.

argparse takes its texts through :func:`gettext.gettext`; :func:`french_argparse`
swaps in French texts for the duration of a parse (and restores argparse as it
was, so a program importing territoires keeps its own language).
:class:`FrenchHelpFormatter` appends the default to each option's help line:
``(défaut : 79)``, ``(défaut : non)`` for a switch, ``(obligatoire)`` for a
required option.
"""

from __future__ import annotations

import argparse
import contextlib
import errno

# french_number: the commands' name for the shared French number format
from territoires.french import number as french_number

__all__ = ["ARGPARSE_FR", "FrenchHelpFormatter", "METAVARS", "NAMES", "NONE_DEFAULTS", "OPTION_HELP", "POSITIONAL_HELP", "answered_on", "french_argparse", "french_number", "frenchify", "os_error_line", "screen_table", "with_names"]

#: argparse's texts (Python 3.11 to 3.13) → French.
ARGPARSE_FR = {
    "usage: ": "usage : ",
    "positional arguments": "arguments",
    "options": "options",
    "optional arguments": "options",
    "show this help message and exit": "afficher cette aide et quitter",
    "show program's version number and exit": "afficher la version et quitter",
    "%(prog)s: error: %(message)s\n": "%(prog)s : erreur : %(message)s\n",
    "the following arguments are required: %s": "arguments obligatoires manquants : %s",
    "invalid choice: %(value)r (choose from %(choices)s)": "choix invalide : %(value)r (choisir parmi %(choices)s)",
    "invalid choice: %(value)r, maybe you meant %(closest)r? (choose from %(choices)s)":
        "choix invalide : %(value)r, vouliez-vous dire %(closest)r ? (choisir parmi %(choices)s)",
    "unrecognized arguments: %s": "arguments non reconnus : %s",
    "argument %(argument_name)s: %(message)s": "argument %(argument_name)s : %(message)s",
    "expected one argument": "une valeur attendue",
    "expected at most one argument": "au plus une valeur attendue",
    "expected at least one argument": "au moins une valeur attendue",
    "invalid %(type)s value: %(value)r": "valeur invalide (%(type)s attendu) : %(value)r",
    "ambiguous option: %(option)s could match %(matches)s": "option ambiguë : %(option)s peut désigner %(matches)s",
    "not allowed with argument %s": "incompatible avec l'argument %s",
    "one of the arguments %s is required": "l'un des arguments %s est obligatoire",
    "ignored explicit argument %r": "valeur %r ignorée",
    "can't open '%(filename)s': %(error)s": "impossible d'ouvrir « %(filename)s » : %(error)s",
    "unknown parser %(parser_name)r (choices: %(choices)s)": "commande inconnue %(parser_name)r (commandes : %(choices)s)",
}
def _fr(text: str) -> str:
    return ARGPARSE_FR.get(text, text)


def _nfr(singular: str, plural: str, n: int) -> str:
    table = {"expected %s argument": "%s valeur attendue", "expected %s arguments": "%s valeurs attendues"}
    text = singular if n == 1 else plural
    return table.get(text, text)


@contextlib.contextmanager
def french_argparse():
    """argparse speaks French inside this block."""
    old = argparse._, getattr(argparse, "ngettext", None)
    argparse._ = _fr
    if old[1] is not None:
        argparse.ngettext = _nfr
    try:
        yield
    finally:
        argparse._ = old[0]
        if old[1] is not None:
            argparse.ngettext = old[1]


#: French help of options that share a meaning across commands, for an option written without ``help=``.
OPTION_HELP = {
    "--as-of": "date de l'état décrit : AAAA-MM-JJ ou JJ/MM/AAAA",
    "--out": "fichier à écrire",
    "--sep": "séparateur CSV (';' : conventions des tableurs français, virgule décimale)",
    "--bom": "UTF-8 avec BOM (Excel)",
    "-k": "nombre de sites à proposer",
    "--threshold": "seuil de temps d'accès, en minutes",
    "--programme": "programme : france_services, conseillers_numeriques, couverture_mobile…",
    "--by": "une ligne par canton, EPCI, département ou commune",
    "--circuity": "détour appliqué à la distance à vol d'oiseau",
    "--speed": "vitesse moyenne en km/h",
    "--format": "format de sortie",
}
#: Help of positional arguments, by (command, name).
POSITIONAL_HELP: dict[tuple[str | None, str], str] = {
    ("gaps", "what"): "cantons : cantons sans site ; access : temps d'accès au site le plus proche",
    ("import", "file"): "fichier officiel à valider (CSV)",
    ("import", "programme"): "programme du fichier",
    ("map", "name"): "carte à écrire",
    ("donnees", "action"): "telecharger : depuis data.gouv.fr ; importer : un fichier local ; liste : les listes enregistrées",
}
#: Placeholders shown in usage lines, by destination (argparse would print the English ``AS_OF``).
METAVARS = {
    "as_of": "DATE", "made_on": "DATE", "out": "FICHIER", "path": "CHEMIN", "dept": "DÉP", "sep": "SÉP",
    "threshold": "MINUTES", "k": "N", "speed": "KM/H", "circuity": "DÉTOUR", "programme": "PROGRAMME",
    "osrm": "URL", "basemap": "FOND", "mapping": "COLONNES", "formats": "FORMATS", "layer": "COUCHE",
}
#: What an option whose default is None means when it is left out.
NONE_DEFAULTS = {
    "--as-of": "aujourd'hui",
    "--made-on": "aujourd'hui",
    "--out": "sortie standard",
    "--path": "aucun, la source n'en demande pas",
    "--osrm": "aucun, temps estimés",
    "--basemap": "aucun, carte hors ligne",
    "--mapping": "colonnes reconnues d'après l'en-tête",
    "--depuis": "aucune, pas de comparaison",
    "--fichier": "aucun, téléchargement",
    "--sites": "aucune, les listes enregistrées et les tables du projet",
}


def _default_text(action: argparse.Action) -> str | None:
    if action.required:
        return "obligatoire"
    if isinstance(action, (argparse._StoreTrueAction, argparse._StoreFalseAction)):
        return "oui" if action.default else "non"
    if action.default is argparse.SUPPRESS:
        return None
    if action.default is None:
        said = next((NONE_DEFAULTS[o] for o in action.option_strings if o in NONE_DEFAULTS), None)
        return f"défaut : {said}" if said else None
    if isinstance(action.default, float):
        return f"défaut : {action.default:g}".replace(".", ",")
    return f"défaut : {action.default}"


class FrenchHelpFormatter(argparse.HelpFormatter):
    """Help lines that end with the option's default (or say it is required)."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        if not action.option_strings or "défaut" in text or "obligatoire" in text or text is argparse.SUPPRESS:
            return text
        if isinstance(action, (argparse._HelpAction, argparse._VersionAction)):
            return text
        extra = _default_text(action)
        if extra is None:
            return text
        extra = extra.replace("%", "%%")
        if isinstance(action, (argparse._StoreTrueAction, argparse._StoreFalseAction)):
            extra = f"défaut : {extra}"
        return f"{text} ({extra})" if text else f"({extra})"


def frenchify(parser: argparse.ArgumentParser, command: str | None = None) -> argparse.ArgumentParser:
    """Give ``parser`` and every subcommand's parser the French help formatter and the shared help texts."""
    parser.formatter_class = FrenchHelpFormatter
    for action in parser._actions:
        if action.option_strings and action.metavar is None and action.choices is None and action.nargs != 0:
            action.metavar = METAVARS.get(action.dest)
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                frenchify(sub, name)
        elif action.help in ARGPARSE_FR:  # -h and --version carry argparse's English when built outside french_argparse
            action.help = ARGPARSE_FR[action.help]
        elif not action.help:
            if action.option_strings:
                action.help = next((OPTION_HELP[o] for o in action.option_strings if o in OPTION_HELP), None)
            else:
                action.help = POSITIONAL_HELP.get((command, action.dest))
    return parser


def answered_on(d, territory=None) -> str:
    """The date an answer is for, as every command prints it: ``"au 14/09/2021"``.

    A date later than the data's own vintage says so (the boundaries' COG year).
    """
    text = f"au {d.strftime('%d/%m/%Y')}"
    vintage = str(getattr(territory, "vintage", "") or "")
    if vintage.isdigit() and d.year > int(vintage):
        text += f" (communes au COG {vintage})"
    return text


#: Code column → (name column, where the names are in a territory, its code column there).
NAMES = {
    "code_canton": ("nom_canton", "canton_units", "code_canton"),
    "siren_epci": ("nom_epci", "epcis", "siren"),
    "code_departement": ("nom_departement", "outline", "code_departement"),
    "code_insee": ("nom_commune", "communes", "code_insee"),
}


def with_names(table, territory):
    """``table`` with each code column followed by its name (``code_canton`` → ``nom_canton``…), if missing."""
    out = table.copy()
    for code, (name, layer, key) in NAMES.items():
        if code not in out.columns or name in out.columns or ("nom" in out.columns and code == "code_insee"):
            continue
        ref = getattr(territory, layer)
        names = dict(zip(ref[key].astype(str), ref["nom"].astype(str), strict=False))
        if code == "code_canton":  # the real cantons too (a canton inside a group)
            names = {**dict(zip(territory.cantons["code_canton"].astype(str), territory.cantons["nom"].astype(str), strict=False)), **names}
        out.insert(out.columns.get_loc(code) + 1, name, out[code].astype(str).map(names))
    return out


def screen_table(table):
    """``table`` as French text for the terminal: ``oui``/``non``, decimal commas, dates DD/MM/YYYY, empty cells blank."""
    import pandas as pd

    from territoires.exports import table_records

    columns, rows = table_records(table)

    def cell(v):
        if v is None:
            return ""
        if isinstance(v, bool):
            return "oui" if v else "non"
        if isinstance(v, int):
            return french_number(v)
        if isinstance(v, float):
            return f"{v:.4g}".replace(".", ",") if abs(v) < 1e15 else str(v)
        if isinstance(v, str) and len(v) == 10 and v[4] == "-" and v[7] == "-" and v[:4].isdigit():
            return f"{v[8:]}/{v[5:7]}/{v[:4]}"
        return str(v)

    return pd.DataFrame([[cell(v) for v in row] for row in rows], columns=columns)


_ERRNO_FR = {
    errno.ENOENT: "fichier ou dossier introuvable", errno.EACCES: "permission refusée", errno.EPERM: "opération non permise",
    errno.EEXIST: "existe déjà et n'est pas un dossier", errno.ENOTDIR: "n'est pas un dossier", errno.EISDIR: "est un dossier",
    errno.EROFS: "système de fichiers en lecture seule", errno.ENAMETOOLONG: "nom trop long",
}


def os_error_line(exc: BaseException) -> str | None:
    """``/tmp/f : existe déjà et n'est pas un dossier`` for a system error on a file (None for another error).

    The system's own text (« [Errno 17] File exists: '/tmp/f' ») is English.
    """
    if not isinstance(exc, OSError) or exc.errno not in _ERRNO_FR:
        return None
    return f"{exc.filename} : {_ERRNO_FR[exc.errno]}" if exc.filename else _ERRNO_FR[exc.errno]
