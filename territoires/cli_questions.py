"""Commands that answer a question about access and targets: ``gaps access``, ``suggest``, ``targets``.

Kept apart from :mod:`territoires.cli` (the parser and the other commands) by size; same rules: thin, French.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

from territoires.cliout import territory_of as _territory
from territoires.cliout import write_table as _write_table
from territoires.french import count, number, percent

if TYPE_CHECKING:
    from territoires.territory.core import Territory

__all__ = ["cmd_suggest", "cmd_targets", "empty_table_line", "estimator_args", "gaps_access"]

EXIT_OK = 0
EXIT_USAGE = 2


def empty_table_line(t: Territory, programme: str) -> str | None:
    """The French error line when the territory holds no row of ``programme`` at any date and no known state.

    A curated table shipped empty (the New Deal Mobile list of 79 was not
    found) is no data, not « no site »: ``gaps`` and ``suggest`` would
    otherwise answer every canton and every inhabitant as a gap. A national
    list without a row for the département has a date and stays an answer.
    """
    from datetime import date

    from territoires.sources.programmes import programme as _p
    from territoires.territory.store import store_of

    prog = _p(programme)
    key = prog.key
    if any(store_of(t).list_vintages.get(key, {}).values()) or len(t.sites(key, as_of=date.max)):
        return None
    cli, deps = key.replace("_", "-"), ", ".join(t.departements)
    return (f"aucune donnée {prog.short_label} pour {deps} : la table du projet est vide, sans date d'état connue, et aucune liste "
            f"n'est importée (ce n'est pas « aucun site ») ; importez une liste : « territoires import {cli} FICHIER »")


def estimator_args(sp: Any) -> None:
    """The options choosing the access model (``gaps access``, ``suggest``): the same flags, the same defaults."""
    from territoires import cliargs

    sp.add_argument("--circuity", type=cliargs.circuity, default=None,
                    help="ancien estimateur à vitesse unique : détour (défaut 1,3 si --speed est donné)")
    sp.add_argument("--speed", type=cliargs.speed, default=None,
                    help="ancien estimateur à vitesse unique : vitesse en km/h (défaut 60 si --circuity est donné)")
    sp.add_argument("--origines", choices=["uniforme", "mairie"], default=None,
                    help="d'où partent les trajets : population uniforme dans la commune (défaut du modèle densite-3) ou mairie")
    sp.add_argument("--maille", type=float, default=1000, help="maille de la grille d'origines en mètres (défaut 1000)")


def _estimator(args: Any) -> tuple[Any, Any]:
    """(origin spec or None, estimator) of ``--origines``/``--maille`` and ``--circuity``/``--speed`` (default: densite-3)."""
    from territoires import analysis as A

    spec = A.Origins(args.origines or "uniforme", spacing_m=args.maille) if (args.origines or args.maille != 1000) else None
    if args.circuity is not None or args.speed is not None:
        kw = {k: v for k, v in (("circuity", args.circuity), ("speed_kmh", args.speed)) if v is not None}
        return spec, A.StraightLineRouter(**kw)
    return spec, A.DensityModel()


def _known(t: Territory, programme: str, as_of, bare: bool = False) -> str:
    """`` (état connu au DD/MM/YYYY)`` when ``as_of`` is after the programme's data, as ``gaps cantons`` prints it
    (``bare``: the date alone, for the ``etat_connu_au`` column); empty otherwise."""
    from territoires.territory.statenote import state_note

    note = state_note(t, programme, as_of)
    if not note:
        return ""
    return note.split(" ", 3)[3] if bare else f" ({note})"  # « état connu au|en <date> » -> the date


def gaps_access(args: Any, t: Territory) -> int:
    """``gaps access``: people beyond 20 min and the threshold, the model named; routed and band with ``--osrm``."""
    import pandas as pd

    from territoires import analysis as A

    spec, estimator = _estimator(args)
    thresholds = [20, args.threshold] if args.threshold != 20 else [20]
    acc = A.access_by_commune(t, args.programme, as_of=args.as_of, router=estimator, origins=spec, thresholds=thresholds)
    routed = None
    if args.osrm:
        # routed from the same origin points as the estimate, so that the band compares like with like
        routed = A.access_by_commune(t, args.programme, as_of=args.as_of, router=A.OSRMRouter(args.osrm),
                                     origins=spec or estimator.origins, thresholds=thresholds)
    shown = routed if routed is not None else acc
    if args.format == "table":
        from territoires.clitext import answered_on, french_number
        from territoires.dates import to_date

        n, out = acc.attrs.get("nb_sites", 0), acc.attrs.get("nb_sites_hors_territoire", 0)
        print(f"Accès au site labellisé le plus proche {answered_on(to_date(args.as_of), t)}{_known(t, args.programme, args.as_of)} : "
              f"{count(n, 'site compté', 'sites comptés')}, dont {number(out)} hors du territoire (listes chargées)")
        for label, a in (("estimation", acc), ("routé", routed)):
            if a is None:
                continue
            print(f"{label} — {a.attrs['router']}")
            for r in A.population_beyond(a, thresholds).itertuples():
                print(f"  au-delà de {french_number(r.seuil_min)} min : {french_number(r.population)} habitants ({percent(r.part, 2)}), "
                      f"{french_number(r.nb_communes)} communes")
        if routed is not None:
            band = A.routed_band(acc, routed, thresholds)
            ratio = french_number(round(float(band["ratio_median"].iloc[0]), 2), 2)
            for r in band.itertuples():
                print(f"  fourchette au-delà de {french_number(r.seuil_min)} min : {french_number(r.population_basse)} à "
                      f"{french_number(r.population_haute)} habitants")
            print(f"  rapport médian routé / estimé : {ratio}")
    by = {"canton": "code_canton", "epci": "siren_epci", "departement": "code_departement", "commune": "code_insee"}[args.by]
    if args.by == "commune":
        cols = ["code_insee", "nom_commune", "population", "type_lieu", "commune_site_proche", "distance_km", "minutes", "minutes_max",
                *[f"population_au_dela_{x:g}" for x in thresholds]]
        table = pd.DataFrame(shown.drop(columns="geometry")[cols])
    else:
        table = A.access_summary(shown, by=by, thresholds=thresholds)
    table["modele_temps"] = shown.attrs["router"]
    table["etat_connu_au"] = _known(t, args.programme, args.as_of, bare=True)
    from territoires.clitext import with_names

    _write_table(with_names(table, t), args)
    return EXIT_OK


def cmd_suggest(args: Any) -> int:
    """``suggest``: where the next sites would bring the most people within the threshold (the access model, named)."""
    from dataclasses import replace

    from territoires import analysis as A
    from territoires.clitext import answered_on, french_number, with_names
    from territoires.dates import to_date

    t = _territory(args)
    empty = empty_table_line(t, args.programme)
    if empty:
        print(f"territoires : erreur : {empty}", file=sys.stderr)
        return EXIT_USAGE
    d = to_date(args.as_of)
    spec, estimator = _estimator(args)
    router = replace(estimator, origins=spec) if spec is not None else estimator
    s = A.suggest_sites(t, k=args.k, threshold=args.threshold, as_of=d, programme=args.programme, router=router)
    before = int(s.attrs.get("population_beyond_before", 0))
    limit = f"{french_number(args.threshold)} min"
    if args.format == "table":
        print(f"Où placer {args.k} site(s) de plus {answered_on(d, t)}{_known(t, args.programme, d)} — seuil {limit}")
        print(f"Modèle : {s.attrs['router']}")
        print(f"Population à plus de {limit} : {french_number(before)} habitants ; {len(s)} site(s) proposé(s) (glouton, couverture maximale)")
    why = None
    if s.empty:
        why = (f"toutes les communes sont à moins de {limit} d'un site en service {answered_on(d)} : aucun site à proposer "
               "(essayer un seuil plus bas, --threshold, ou une date plus ancienne, --as-of)") if before == 0 else \
              "aucune commune candidate ne rapproche personne du seuil"
    if args.format != "table":
        s = s.assign(modele_temps=s.attrs["router"], etat_connu_au=_known(t, args.programme, d, bare=True))
    _write_table(with_names(s, t), args, empty=why)
    return EXIT_OK


def cmd_targets(args: Any) -> int:
    """``targets``: progress against the département's sourced targets."""
    from territoires import analysis as A
    from territoires.clitext import answered_on
    from territoires.dates import to_date

    t = _territory(args)
    d = to_date(args.as_of)
    if args.format == "table":
        print(f"Objectifs France Services {answered_on(d, t)}")
    _write_table(A.targets_progress(t, d)[["cible", "objectif", "valeur", "ecart", "atteint", "note"]], args)
    return EXIT_OK
