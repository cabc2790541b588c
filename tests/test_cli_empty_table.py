"""A programme whose table holds no row and no known state is no data: gaps and suggest say so, never « every canton is a gap »."""

from __future__ import annotations

import pytest

from territoires.cli import main


@pytest.mark.parametrize("command", [
    ["gaps", "cantons"],
    ["gaps", "access"],
    ["suggest", "-k", "1"],
])
def test_an_empty_curated_table_is_an_error_not_a_gap_everywhere(command, capsys):
    # 79's couverture_mobile.csv ships empty: the New Deal Mobile site list was not found (millesimes.csv: no date)
    assert main([*command, "--dept", "79", "--programme", "couverture-mobile", "--as-of", "2021-09-14"]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith("territoires : erreur : aucune donnée Couverture mobile pour 79 : la table du projet est vide"), err
    assert err.count("\n") == 1


def test_a_table_with_rows_is_still_answered(capsys):
    assert main(["gaps", "cantons", "--dept", "79", "--programme", "conseillers-numeriques", "--as-of", "2021-09-14"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Cantons sans site actif (Conseillers numériques France Services) au 14/09/2021")
    assert "antennes" not in out  # France Services' antenna rule is not said of another programme


def test_programmes_answers_each_programme_and_names_the_ones_without_data(tmp_path, capsys):
    # a national France Services list with rows in 86 (fictitious sites at real town halls), nothing else for 86:
    # « programmes --dept 86 » stopped at the first programme without data and showed none of the others
    import territoires

    from .fixtures_official import _point, curated_fs_as_2024_rows, fs2024_lines

    t86 = territoires.load_territory("86")
    code = t86.communes.sort_values("population").iloc[-1]["code_insee"]
    lat, lon = _point(t86, code)
    rows = [*curated_fs_as_2024_rows(), {"id_fs": "TEST-86-1", "insee_dep": "86", "lib_fs": "Site d'essai (fictif)", "adresse": "",
                                         "insee_com": code, "lib_com": "", "latitude": lat, "longitude": lon, "type_fs": "Principal",
                                         "format_fs": "Fixe", "labellisation_fs": "Espace labellisé 01/06/2021"}]
    path = tmp_path / "liste-fs-20240801.csv"
    path.write_bytes(fs2024_lines(rows).encode("utf-8"))
    assert main(["import", "france-services", str(path)]) == 0
    capsys.readouterr()
    assert main(["programmes", "--dept", "86", "--as-of", "2024-08-01"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[1] == "- France Services : 1 labellisée", lines
    pvd = next(line for line in lines if line.startswith("- Petites villes de demain"))
    assert "aucune donnée Petites villes de demain pour le département 86" in pvd, pvd
    assert len([line for line in lines if line.startswith("- ")]) == 9


def test_a_sites_file_without_rows_for_the_departement_is_an_error(tmp_path, capsys):
    # « gaps cantons --dept 85 --sites » with a list of 79's sites answered « 18 cantons sans site »
    from .fixtures_official import curated_fs_as_2024_rows, fs2024_lines

    path = tmp_path / "liste-fs-20240801.csv"
    path.write_bytes(fs2024_lines(curated_fs_as_2024_rows()).encode("utf-8"))
    assert main(["gaps", "cantons", "--dept", "85", "--sites", str(path)]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.splitlines()[-1] == (f"territoires : erreur : {path} : aucune ligne pour le département 85 (départements de la liste : 79) : "
                                    "elle n'en dit rien, ce n'est pas « aucun site »")
    assert main(["gaps", "cantons", "--dept", "79", "--sites", str(path), "--as-of", "2021-09-14"]) == 0  # 79: its curated table
    assert "Cantons sans site labellisé (France Services) au 14/09/2021" in capsys.readouterr().out


def test_a_site_without_a_commune_name_does_not_crash_the_coverage(t79):
    # an official row with an empty lib_com: « targets » and canton_coverage ended in a TypeError traceback
    from territoires import analysis as A

    sites = t79.sites("france_services", as_of="2021-09-14").copy()
    i = sites.index[sites["commune"] == "Bressuire"][0]
    sites.loc[i, "commune"] = None
    cov = A.canton_coverage(t79, as_of="2021-09-14", sites=sites).set_index("code_canton")
    assert cov.at["7902", "nb_sites"] == 1 and cov.at["7902", "sites"] == "79049", cov.loc["7902"].to_dict()
