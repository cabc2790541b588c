"""National lists: the 2024 layout nationally, the store, data.gouv.fr replayed, no silent empty answer."""

from __future__ import annotations

import json
from datetime import date

import pytest

import territoires
from territoires import analysis, read_programme
from territoires.cli import main
from territoires.fileio import sha256_file
from territoires.sources import datagouv, liststore
from territoires.territory.national import NoProgrammeDataError, import_list
from territoires.territory.statenote import state_note

from .fixtures_official import write_national_2024
from .localhttp import json_server

pytestmark = pytest.mark.integration


@pytest.fixture
def national_file(tmp_path):
    p = tmp_path / "liste-fs-20240801.csv"
    n = write_national_2024(p)
    return p, n


def test_national_file_all_rows_accounted_arrondissements_and_merged_codes(national_file):
    path, n = national_file
    text = path.read_text(encoding="utf-8")
    assert '"Espace labellisé 15/06/2022"' in text and '"Antenne"' in text and '""sur rendez-vous""' in text
    table = read_programme(path, "france_services")
    table.check_accounting()
    assert table.n_input == n == 34 and len(table.data) == 33 and table.n_rejected == 1
    d = table.data.set_index("site_id")
    # arrondissements: loaded, attached to their city, arrondissement kept
    assert d.loc["9003", ["code_insee", "code_arrondissement"]].tolist() == ["75056", "75112"]
    assert d.loc["9004", ["code_insee", "code_arrondissement"]].tolist() == ["69123", "69388"]
    assert d.loc["9005", ["code_insee", "code_arrondissement"]].tolist() == ["13055", "13202"]
    # merged code: remapped with a warning naming both codes
    assert d.loc["9006", ["code_insee", "code_insee_fichier"]].tolist() == ["93066", "93059"]
    rep = table.report
    merged = rep[rep["value"] == "93059"]
    assert merged["severity"].tolist() == ["warning"]
    assert "93059" in merged["reason"].iloc[0] and "93066" in merged["reason"].iloc[0]
    # insee_dep contradicting insee_com: flagged, kept by commune
    dep = rep[(rep["column"] == "insee_dep")]
    assert dep["severity"].tolist() == ["warning"] and "contredit le code commune 86066" in dep["reason"].iloc[0]
    assert d.loc["9002", "antenne"] == "oui" and d.loc["9001", "antenne"] == "non"
    assert rep[rep["severity"] == "rejected"]["value"].tolist() == ["86999"]


def test_no_data_is_an_error_then_import_answers_with_the_list_date(national_file, capsys):
    path, _ = national_file
    assert main(["gaps", "cantons", "--dept", "86", "--as-of", "2021-09-14"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "département 86" in err and "territoires import france-services" in err
    with pytest.raises(NoProgrammeDataError, match="86"):
        territoires.load_territory("86").sites("france_services")

    assert main(["import", "france-services", str(path)]) == 0
    out = capsys.readouterr().out
    assert "34 lignes lues, 33 chargées, 1 rejetées" in out and "liste du 01/08/2024" in out
    assert main(["gaps", "cantons", "--dept", "86", "--as-of", "2025-06-01"]) == 0
    out = capsys.readouterr().out
    assert "(état connu au 01/08/2024)" in out and "Chauvigny" in out and "Poitiers (cantons" not in out
    # before the list's date: no vintage line; the 2022 antenna is not there yet
    assert main(["gaps", "cantons", "--dept", "86", "--as-of", "2021-09-14"]) == 0
    out = capsys.readouterr().out
    assert "état connu" not in out and "Châtellerault (cantons 1 à 3)" in out


def test_antenna_only_canton_is_a_choice(tmp_path, capsys):
    from .fixtures_official import fs2024_lines, national_test_rows

    rows = [r for r in national_test_rows() if r["id_fs"] in ("9001", "9002")]
    p = tmp_path / "liste-fs-20240801.csv"
    p.write_text(fs2024_lines(rows), encoding="utf-8")
    assert main(["gaps", "cantons", "--dept", "86", "--as-of", "2024-08-01", "--sites", str(p)]) == 0
    counted = capsys.readouterr().out
    assert "antennes comprises" in counted and "Châtellerault (cantons 1 à 3)" not in counted
    assert main(["gaps", "cantons", "--dept", "86", "--as-of", "2024-08-01", "--sites", str(p), "--antennes", "exclues"]) == 0
    excluded = capsys.readouterr().out
    assert "1 antenne(s) écartée(s)" in excluded and "Châtellerault (cantons 1 à 3)" in excluded
    assert liststore.entries() == []  # --sites is for one run: nothing stored


def test_python_import_persists_and_states_the_vintage(national_file):
    path, _ = national_file
    entry, table = import_list(path, "france-services")
    assert entry.list_date == date(2024, 8, 1) and entry.sha256 == sha256_file(path)
    t = territoires.load_territory("13")
    s = t.sites("france_services", as_of="2024-08-01")
    assert s["code_arrondissement"].tolist() == ["13202"] and s["code_canton"].tolist() == ["1398"]
    gaps = analysis.cantons_without_site(t, as_of="2024-08-01")
    assert "1398" not in set(gaps["code_canton"])  # Marseille's group is covered by its 2e arrondissement
    assert state_note(t, "france_services", "2025-01-01") == "état connu au 01/08/2024"
    assert state_note(t, "france_services", "2024-08-01") is None


def test_curated_answers_unchanged_and_conflicts_reported(national_file, tmp_path):
    from .fixtures_official import curated_fs_as_2024_rows, fs2024_lines

    rows = curated_fs_as_2024_rows()
    rows[0] = {**rows[0], "labellisation_fs": "Espace labellisé 01/02/2020"}  # conflicts with the curated 01/01/2020
    rows.append({**rows[1], "id_fs": "9999", "lib_fs": "France services TEST nouvelle", "labellisation_fs": "Espace labellisé 01/01/2025"})
    rows.append({**rows[2], "id_fs": "9998", "lib_fs": "France services TEST ancienne", "labellisation_fs": "Espace labellisé 01/01/2021"})
    p = tmp_path / "liste-fs-20250101.csv"
    p.write_text(fs2024_lines(rows), encoding="utf-8")
    import_list(p, "france_services")
    t = territoires.load_territory("79")
    s = t.sites("france_services", as_of="2021-09-14")
    assert (s["status"] == "labelled").sum() == 17 and (s["status"] == "project").sum() == 9
    assert s.loc[s["site_id"] == "460", "start_date"].iloc[0] == date(2020, 1, 1)  # curated kept
    rep = t.programme_report("france_services")
    conflict = rep[rep["reason"].str.startswith("conflict")]
    assert conflict["value"].tolist() == ["460", "9998"] and "curated 2020-01-01" in conflict["reason"].iloc[0]
    assert "started after it: added" in rep.loc[rep["value"] == "9999", "reason"].iloc[0]
    assert "not added" in rep.loc[rep["value"] == "9998", "reason"].iloc[0]  # before the curated vintage: disagreement
    ids = set(t.sites("france_services", as_of="2025-01-01")["site_id"])
    assert "9999" in ids and "9998" not in ids
    gaps = analysis.cantons_without_site(t, as_of="2021-09-14")
    assert gaps["nom_canton"].tolist()[:3] == ["Frontenay-Rohan-Rohan", "La Gâtine", "Parthenay"]


def test_download_replays_the_datagouv_api(tmp_path, national_file):
    path, _ = national_file
    body = path.read_bytes()
    rid = datagouv.PUBLISHED["france_services"].resource_id

    def answer(p):
        if p == f"/api/2/datasets/resources/{rid}/":
            return {"resource": {"id": rid, "title": "liste-fs-20240801.csv", "format": "csv", "url": f"{base}/files/liste-fs.csv",
                                 "last_modified": "2024-08-05T09:12:00+00:00", "filesize": len(body)},
                    "dataset_id": "5f7b0e9a3c1b9d0e2a4b6c8d"}
        if p == "/api/1/datasets/5f7b0e9a3c1b9d0e2a4b6c8d/":
            return {"id": "5f7b0e9a3c1b9d0e2a4b6c8d", "slug": "liste-des-structures-france-services", "license": "lov2"}
        if p == "/files/liste-fs.csv":
            return body
        return None

    with json_server(answer) as (base, requests):
        entry = datagouv.download("france_services", base=base)
    assert requests == [f"/api/2/datasets/resources/{rid}/", "/api/1/datasets/5f7b0e9a3c1b9d0e2a4b6c8d/", "/files/liste-fs.csv"]
    assert (entry.resource_id, entry.licence, entry.last_modified) == (rid, "lov2", "2024-08-05T09:12:00+00:00")
    assert entry.list_date == date(2024, 8, 1) and entry.date_source.startswith("date in the resource")
    assert liststore.verify(entry) and entry.path.read_bytes() == body
    index = json.loads((liststore.folder() / "index.json").read_text())
    assert index[0]["sha256"] == sha256_file(path) and index[0]["url"].endswith("/files/liste-fs.csv")
    # offline afterwards: the stored copy answers
    t = territoires.load_territory("86")
    assert len(t.sites("france_services", as_of="2024-08-01")) == 3


def test_download_errors_are_one_french_line(capsys, monkeypatch):
    monkeypatch.setenv("TERRITOIRES_DATAGOUV_URL", "http://127.0.0.1:9")
    assert main(["donnees", "telecharger", "france-services"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--fichier" in err


def test_split_communes_and_cities_without_cantons():
    t06 = territoires.load_territory("06")
    u = t06.canton_units.set_index("code_canton")
    assert u.loc["0697", "kind"] == "groupe" and u.loc["0697", "detection"] == "pseudo_canton"
    assert u.loc["0697", "nom"] == "Le Cannet (canton Le Cannet et autres fractions non déterminées)"
    assert t06.communes.set_index("code_insee").loc["06030", "code_canton"] == "0697"
    t75 = territoires.load_territory("75")
    assert t75.canton_units.empty and t75.communes["code_canton"].isna().all()
    t69 = territoires.load_territory("69")
    assert t69.communes.set_index("code_insee")["code_canton"].isna()["69123"]


def test_donnees_importer_liste_and_an_altered_copy(national_file, capsys):
    path, _ = national_file
    assert main(["donnees", "importer", "france-services", str(path), "--date", "2024-08-02"]) == 0
    assert "liste du 02/08/2024 (date donnée)" in capsys.readouterr().out
    assert main(["donnees", "telecharger", "france-services", "--fichier", str(path)]) == 0
    assert "liste du 01/08/2024 (date du nom de fichier)" in capsys.readouterr().out
    assert main(["donnees", "liste"]) == 0
    out = capsys.readouterr().out
    # the same bytes registered again: one entry, the last registration's date
    assert out.count("france_services : liste du") == 1 and "01/08/2024" in out and "ALTÉRÉ" not in out
    (entry,) = liststore.entries()
    entry.path.write_bytes(entry.path.read_bytes().replace(b"Poitiers", b"Poitiers!"))
    assert main(["donnees", "liste"]) == 0
    assert "FICHIER ALTÉRÉ" in capsys.readouterr().out
    assert main(["gaps", "cantons", "--dept", "86"]) == 2
    assert "modifiée (SHA-256 différent" in capsys.readouterr().err


def test_a_stored_list_s_sites_across_the_border_count_for_access_only(national_file):
    """86 with a stored list also holding 79's sites: the nearest site of a commune near 79 may be in 79.

    Only access (and what-ifs) see them; the territory's own sites, counts and gaps are 86's.
    """
    path, _ = national_file
    import_list(path, "france-services")
    t = territoires.load_territory("86")
    own = t.sites("france_services", as_of="2024-08-01")
    every = t.sites("france_services", as_of="2024-08-01", neighbours=True)
    assert set(own["code_insee"].str[:2]) == {"86"}
    assert {"79", "75", "69", "13", "93"} <= set(every["code_insee"].str[:2]) and len(every) > len(own) + 20
    acc = analysis.access_by_commune(t, as_of="2024-08-01", router=analysis.StraightLineRouter())
    assert acc.attrs["nb_sites_hors_territoire"] > 0
    of79 = set(every.loc[every["code_insee"].str[:2] == "79", "site_id"])
    assert acc["id_site_proche"].isin(of79).any()  # communes of western Vienne are served from Deux-Sèvres
    alone = analysis.access_by_commune(t, as_of="2024-08-01", router=analysis.StraightLineRouter(), neighbours=False)
    assert set(alone["id_site_proche"].dropna()) <= set(own["site_id"])
    assert (acc["distance_km"] <= alone["distance_km"] + 1e-9).all() and (acc["distance_km"] < alone["distance_km"]).any()
    gaps = analysis.cantons_without_site(t, as_of="2024-08-01")
    assert gaps.equals(analysis.cantons_without_site(t, as_of="2024-08-01", sites=own))
    # 79, curated and listed: its own sites are the deck's, whatever the list holds elsewhere
    t79 = territoires.load_territory("79")
    s79 = t79.sites("france_services", as_of="2021-09-14")
    assert set(s79["code_insee"].str[:2]) == {"79"} and (s79["status"] == "labelled").sum() == 17
