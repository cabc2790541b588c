"""Command line for national lists: ``donnees``, ``import``, and the ``--sites`` option.

Kept apart from :mod:`territoires.cli` (which calls :func:`add_parsers`);
same rules: French for the user, one line and exit 2 on a user error.
"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

from territoires import cliargs
from territoires.clitext import french_number
from territoires.terminal import clean

__all__ = ["add_parsers", "apply_sites_file", "cmd_donnees", "cmd_import", "gaps_cantons", "vintage_line"]

EXIT_OK, EXIT_FOUND, EXIT_USAGE = 0, 1, 2


_HOW = {
    "date in the file name": "date du nom de fichier",
    "date in the resource's title or file name": "date du titre de la ressource",
    "last_modified of the data.gouv.fr resource": "dernière modification sur data.gouv.fr",
    "latest date in the file": "date la plus récente du fichier",
    "given by the user": "date donnée",
}


def _entry_line(e) -> str:
    src = f"data.gouv.fr ressource {e.resource_id}" if e.origin == "data.gouv.fr" else "fichier local"
    lic = f", licence {e.licence}" if e.licence else ""
    return (
        f"{e.programme} : liste du {e.list_date.strftime('%d/%m/%Y')} ({_HOW.get(e.date_source, e.date_source)}) — {src}{lic}, "
        f"sha256 {e.sha256[:16]}…, {french_number(e.size)} octets — {e.url}"
    )


def _register_file(programme, path, date_text, strict=False, checked=None) -> int:
    from territoires.sources.programmes import programme as _p
    from territoires.territory.national import import_list

    key = _p(programme).key
    entry, table = import_list(path, key, list_date=date_text, checked=checked)
    print(clean(table.summary()))
    text = table.report_text()
    if text:
        print(clean(text))
    print(f"enregistrée : {_entry_line(entry)}")
    return EXIT_FOUND if strict and table.n_rejected else EXIT_OK


def cmd_import(args) -> int:
    """Validate an official list; store it so that later commands use it (unless --verifier-seulement)."""
    from territoires import read_programme
    from territoires.sources.programmes import programme as _p

    mapping = args.mapping or None  # parsed and checked by cliargs.mapping
    if mapping or args.verifier_seulement:
        table = read_programme(args.file, args.programme, mapping=mapping)
        print(clean(table.summary()))
        if table.report_text():
            print(clean(table.report_text()))
        if mapping and not args.verifier_seulement:
            print("liste non enregistrée : une liste lue avec --mapping vaut pour un appel (Territory.add_programme)")
        return EXIT_FOUND if args.strict and table.n_rejected else EXIT_OK
    table = read_programme(args.file, _p(args.programme).key)
    if len(table.data) == 0:
        print(clean(table.summary()))
        if table.report_text():
            print(clean(table.report_text()))
        print("liste non enregistrée : aucune ligne chargée")
        return EXIT_FOUND if args.strict else EXIT_OK
    if args.strict and table.n_rejected:
        print(clean(table.summary()))
        print(clean(table.report_text()))
        print("liste non enregistrée (--strict) : des lignes sont rejetées")
        return EXIT_FOUND
    return _register_file(args.programme, args.file, args.date, checked=table)


def cmd_donnees(args) -> int:
    from territoires.sources import datagouv, liststore
    from territoires.sources.programmes import programme as _p

    if args.action == "liste":
        es = liststore.entries()
        if not es:
            print("aucune liste nationale enregistrée ; « territoires donnees telecharger » les télécharge depuis data.gouv.fr")
        for e in es:
            ok = "" if liststore.verify(e) else " — FICHIER ALTÉRÉ (empreinte différente)"
            print(_entry_line(e) + ok)
        return EXIT_OK
    if args.action == "importer" or args.fichier:
        if not args.programmes or not (args.fichier or len(args.programmes) == 2):
            raise ValueError("usage : territoires donnees importer PROGRAMME FICHIER [--date AAAA-MM-JJ]")
        path = args.fichier or args.programmes[1]
        return _register_file(args.programmes[0], path, args.date)
    keys = [_p(k).key for k in args.programmes] or list(datagouv.PUBLISHED)
    for k in keys:
        e = datagouv.download(k, resource_id=args.ressource)
        print(f"téléchargée : {_entry_line(e)}")
    return EXIT_OK


def apply_sites_file(territory, args, programme: str) -> None:
    """``--sites FILE``: use this list for this run only (nothing stored)."""
    if getattr(args, "sites", None):
        from territoires import read_programme
        from territoires.sources.liststore import date_in_name
        from territoires.sources.programmes import programme as _p
        from territoires.territory.store import store_of

        table = read_programme(args.sites, programme)
        print(f"liste pour cet appel : {table.summary()}", file=sys.stderr)
        _check_coverage(territory, table, args.sites)
        territory.add_programme(table)
        d = date_in_name(Path(args.sites).name)
        if d is not None:  # its date, for "état connu au"
            store_of(territory).list_vintages[_p(programme).key] = {dep: (d, d.strftime("%d/%m/%Y")) for dep in territory.departements}


def _check_coverage(territory, table, path) -> None:
    """A list with no row for a département without a curated table says nothing of it: an error, not « no site ».

    As for a stored list (:func:`territoires.territory.national.covered`): a list of
    fewer than 90 départements covers those it has rows for.
    """
    from territoires.errors import InputError
    from territoires.naming import departement_of
    from territoires.sources.programmes import curated_path
    from territoires.territory.national import covered

    codes = table.data["code_insee"].dropna().astype(str) if "code_insee" in table.data else []
    cov = covered(codes.map(departement_of)) if len(codes) else set()
    if cov is None:
        return
    missing = [d for d in territory.departements if d not in cov and curated_path(d, table.programme) is None]
    if missing:
        has = ", ".join(sorted(cov)[:8]) + ("…" if len(cov) > 8 else "") if cov else "aucun"
        raise InputError(path, f"aucune ligne pour le département {', '.join(missing[:8])} (départements de la liste : {has}) : "
                               "elle n'en dit rien, ce n'est pas « aucun site »")


def vintage_line(territory, programme: str, as_of) -> str | None:
    from territoires.territory.statenote import state_note

    return state_note(territory, programme, as_of)


def add_parsers(sub) -> None:
    sp = sub.add_parser("donnees", help="listes nationales ANCT : telecharger (data.gouv.fr), importer un fichier, liste")
    sp.add_argument("action", metavar="ACTION", choices=["telecharger", "importer", "liste"])
    sp.add_argument("programmes", nargs="*", help="france-services, pvd, acv, crte (défaut : toutes) ; pour importer : PROGRAMME FICHIER")
    sp.add_argument("--fichier", help="enregistrer ce fichier local au lieu de télécharger (sans réseau, ou un millésime ancien)")
    sp.add_argument("--date", help="date de l'état décrit par la liste, AAAA-MM-JJ (défaut : date du nom de fichier)")
    sp.add_argument("--ressource", help="identifiant de ressource data.gouv.fr (défaut : celle qu'utilise l'ANCT)")
    sp.set_defaults(func=cmd_donnees)

    sp = sub.add_parser("import", help="valider un fichier officiel, afficher le rapport et l'enregistrer pour les commandes suivantes")
    sp.add_argument("programme", help="france-services, pvd, acv, crte, conseillers-numeriques, couverture-mobile…")
    sp.add_argument("file", metavar="FICHIER")
    sp.add_argument("--mapping", type=cliargs.mapping, help="colonnes : site_id=id,code_insee=insee,latitude=lat,longitude=lon (vérification seule)")
    sp.add_argument("--date", help="date de l'état décrit par la liste, AAAA-MM-JJ (défaut : date du nom de fichier)")
    sp.add_argument("--verifier-seulement", action="store_true", help="valider sans enregistrer")
    sp.add_argument("--strict", action="store_true", help="code de sortie 1 (et rien d'enregistré) si des lignes sont rejetées")
    sp.set_defaults(func=cmd_import)


def gaps_cantons(t, args, write_table) -> int:
    """``gaps cantons``: canton units without a labelled site, the data's vintage, communes in no canton."""
    from territoires import analysis as A
    from territoires.sources.programmes import programme as _p
    from territoires.sources.textio import as_date

    prog = _p(args.programme)
    key = prog.key
    sites = t.sites(key, as_of=args.as_of)
    excluded = 0
    if args.antennes == "exclues" and "antenne" in sites:
        is_ant = (sites["antenne"] == "oui").to_numpy()
        excluded = int(is_ant.sum())
        sites = sites[~is_ant]
    gaps = A.cantons_without_site(t, key, as_of=args.as_of, sites=sites)
    note = vintage_line(t, key, args.as_of)
    d = as_date(args.as_of) or date.today()
    when = d.strftime("%d/%m/%Y")
    if args.format in ("csv", "json"):
        gaps = gaps.assign(etat_connu_au=note.split(" ", 3)[3] if note else "")  # « état connu au|en <date> » -> the date
    else:
        n_groups = int((gaps["type"] == "groupe").sum())
        print(f"Cantons sans site {prog.site_word} ({prog.short_label}) au {when}{f' ({note})' if note else ''} : {len(gaps)}"
              + (f" dont {n_groups} groupe(s) de cantons" if n_groups else ""))
        if prog.antennas:  # the antenna rule (--antennes) is said only of a programme whose sites have antennas
            rule = ("antennes exclues : seuls les sites principaux comptent" + (f" ({excluded} antenne(s) écartée(s))" if excluded else "")
                    if args.antennes == "exclues" else f"tout site {prog.site_word} compte, antennes comprises")
            print(f"Règle : {rule}.")
        nocanton = t.communes[t.communes["code_canton"].isna()]
        if len(nocanton):
            names = ", ".join(nocanton["nom"].head(5)) + ("…" if len(nocanton) > 5 else "")
            print(f"Sans canton, donc hors de ce décompte : {len(nocanton)} commune(s) ({names}) — "
                  "Paris et la Métropole de Lyon n'ont pas de canton, la Martinique et la Guyane non plus.")
    cols = ["code_canton", "nom_canton", "population", "projets"] + (["etat_connu_au"] if args.format in ("csv", "json") else [])
    if len(t.departements) > 1:
        cols.insert(0, "code_departement")
    write_table(gaps[cols], args, empty=f"chaque canton a au moins un site labellisé au {when}")
    return EXIT_OK
