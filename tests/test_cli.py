"""The command line: French output, files written, exit codes, one-line errors."""

import subprocess
import sys

import pytest

from territoires.cli import main

pytestmark = pytest.mark.integration


def test_map_writes_the_deck_map(tmp_path, capsys):
    assert main(["map", "france-services", "--dept", "79", "--as-of", "2021-09-14", "--out", str(tmp_path), "--formats", "png,svg,html"]) == 0
    out = capsys.readouterr().out
    for ext in ("png", "svg", "html"):
        assert (tmp_path / f"france-services-79-2021-09-14.{ext}").stat().st_size > 10_000
        assert f"france-services-79-2021-09-14.{ext}" in out


def test_gaps_cantons_table_and_csv(tmp_path, capsys):
    assert main(["gaps", "cantons", "--dept", "79", "--as-of", "2021-09-14"]) == 0
    out = capsys.readouterr().out
    assert "Cantons sans site labellisé (France Services) au 14/09/2021" in out and "Règle : tout site labellisé compte, antennes comprises." in out and "La Gâtine" in out and "Secondigny, Thénezay" in out
    f = tmp_path / "gaps.csv"
    assert main(["gaps", "cantons", "--dept", "79", "--as-of", "2021-09-14", "--format", "csv", "--sep", ";", "--bom", "--out", str(f)]) == 0
    data = f.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and b"7905;Frontenay-Rohan-Rohan;" in data
    assert data.decode("utf-8-sig").count("\n") == 4


def test_gaps_access_suggest_targets_programmes(capsys):
    assert main(["gaps", "access", "--dept", "79", "--threshold", "30", "--as-of", "2021-07-13"]) == 0
    out = capsys.readouterr().out
    assert "au-delà de 30 min" in out and "vol d'oiseau" in out
    assert main(["suggest", "--dept", "79", "-k", "2", "--as-of", "2021-07-13"]) == 0
    assert "site(s) proposé(s)" in capsys.readouterr().out
    assert main(["targets", "--dept", "79", "--as-of", "2022-12-31"]) == 0
    assert "plafond" in capsys.readouterr().out
    assert main(["programmes", "--dept", "79", "--as-of", "2021-09-14"]) == 0
    out = capsys.readouterr().out
    assert "France Services : 17 labellisées, 9 projets" in out
    assert "Petites villes de demain : 18 communes : 13 avec convention d'adhésion signée, 5 sans convention signée" in out
    assert "6 CRTE : 2 signés (27/08/2021, 31/08/2021), 4 périmètres arrêtés, non signés" in out
    assert "(état connu au 25/06/2021)" in out  # conseillers numériques: the June 2021 list
    assert "(état connu en 2015)" in out
    assert "recrutements : 23 postes" in out


def test_boundaries_geopackage(tmp_path, capsys):
    import pyogrio

    f = tmp_path / "79.gpkg"
    assert main(["boundaries", "--dept", "79", "--format", "gpkg", "--out", str(f)]) == 0
    layers = [name for name, _ in pyogrio.list_layers(f)]
    assert layers[:5] == ["communes", "cantons", "epci", "departement", "france_services"] and "layer_styles" in layers
    out = capsys.readouterr().out
    assert "252 communes" in out and "non écrite : couverture_mobile (aucune ligne au" in out


def test_import_prints_the_report(tmp_path, capsys):
    p = tmp_path / "fs.csv"
    p.write_text('"id_fs","lib_fs","insee_com","lib_com","latitude","longitude","labellisation_fs"\n"1","A","79999","X",46.3,-0.4,"Espace labellisé 01/01/2020"\n', encoding="utf-8")
    assert main(["import", "france-services", str(p)]) == 0
    out = capsys.readouterr().out
    assert "1 lignes lues, 0 chargées, 1 rejetées" in out and "fs.csv:2: colonne 'insee_com' rejetée: code INSEE inconnu du millésime des limites" in out
    assert main(["import", "france-services", str(p), "--strict"]) == 1


def test_user_errors_are_one_line_with_exit_code_2(capsys):
    assert main(["programmes", "--dept", "99"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("territoires : erreur : code de département inconnu « 99 » ; codes valides : 01, 02") and err.count("\n") == 1
    assert main(["map", "nimporte", "--dept", "79"]) == 2
    assert "carte inconnue « nimporte »" in capsys.readouterr().err


def test_file_errors_name_file_line_and_column(tmp_path, capsys):
    p = tmp_path / "vide.csv"
    p.write_bytes(b"")
    assert main(["import", "france-services", str(p)]) == 2
    assert capsys.readouterr().err == f"territoires : erreur : {p}, ligne 1 : fichier vide (ni en-tête, ni ligne)\n"


def test_console_script_help_and_debug():
    r = subprocess.run([sys.executable, "-m", "territoires.cli", "--help"], capture_output=True, text=True)
    assert r.returncode == 0 and "Cohésion territoriale" in r.stdout
    r = subprocess.run([sys.executable, "-m", "territoires.cli", "--debug", "programmes", "--dept", "99"], capture_output=True, text=True)
    assert r.returncode == 2 and "Traceback" in r.stderr


@pytest.mark.parametrize("name, code", [("crte", 0), ("nimporte", 2)])
def test_map_leaves_the_garbage_collector_as_it_found_it(tmp_path, name, code):
    import gc

    assert gc.isenabled()
    frozen = gc.get_freeze_count()
    assert main(["map", name, "--dept", "79", "--as-of", "2021-09-14", "--out", str(tmp_path), "--formats", "html"]) == code
    assert gc.isenabled() and gc.get_freeze_count() == frozen
    gc.disable()
    try:  # a caller that paused the collector finds it paused
        assert main(["map", name, "--dept", "79", "--as-of", "2021-09-14", "--out", str(tmp_path), "--formats", "html"]) == code
        assert not gc.isenabled() and gc.get_freeze_count() == frozen
    finally:
        gc.enable()
