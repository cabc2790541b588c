"""The committee's file: figures equal to the deck's and the library's, sections, HTML, PDF, left-out parts."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from datetime import date

import pytest

import territoires
from territoires import analysis as A
from territoires import read_programme
from territoires.report import rapport

from . import synthetic as S
from .fixtures_official import fs2024_lines

MADE_ON = date(2026, 11, 29)
DECK_ORDER = ["changements", "crte", "pvd_acv", "france_services", "numerique", "ingenierie_anct"]

# The seed deck's own figures (CLCT Deux-Sèvres, 14/09/2021), written here: tests never read ../shared.
DECK = {"fs_labelled": 17, "fs_projects": 9, "fs_objective": 21, "fs_ceiling": 23, "cantons": 17, "crte": 6,
        "crte_signed": 2, "pvd": 18, "cnfs_recruited": 23, "engineering_requests": 19}
DECK_PROJECT_TOWNS = {"Frontenay-Rohan-Rohan", "Cerizay", "Moncoutant-sur-Sèvre", "Secondigny", "Thénezay",
                      "Mauzé-sur-le-Mignon", "Parthenay", "Niort", "Saint-Loup-Lamairé"}


# ------------------------------------------------------------------ unit, synthetic
def test_synthetic_report_names_every_left_out_section():
    t = S.territory()
    t.add_programme(S.sites_table([
        {"site_id": "a", "commune": 1, "start_date": date(2021, 1, 1)},
        {"site_id": "b", "commune": 5, "start_date": date(2021, 8, 1)},
        {"site_id": "c", "commune": 9, "start_date": date(2022, 1, 1), "project_from": date(2021, 9, 1)},
    ]))
    r = rapport(t, as_of="2021-09-14", depuis="2021-07-13", made_on=MADE_ON)
    assert [s.key for s in r.sections] == ["changements", "france_services"]
    whole = {lo.key for lo in r.left_out if lo.kind == "section"}
    assert whole == {"crte", "pvd_acv", "numerique", "ingenierie_anct"}
    parts = {lo.key for lo in r.left_out if lo.kind == "programme"}
    assert {"crte", "pvd", "acv", "conseillers_numeriques", "ingenierie_anct"} <= parts
    assert all("aucune" in lo.reason for lo in r.left_out)
    fs = r["france_services"]
    assert fs.figure("Sites labellisés").value == 2 and fs.figure("Projets").value == 1
    ch = r["changements"]
    assert ch.figure("Entrées").value == 1 and ch.figure("Nouveaux projets").value == 1
    assert ch.table("Entrées").data["Nom"].tolist() == ["Site b"]
    page = r.to_html()
    assert "Laissé de côté" in page and "Ingénierie en appui des collectivités" in page


def test_programme_changes_entries_projects_exits_on_synthetic():
    t = S.territory()
    t.add_programme(S.sites_table([
        {"site_id": "old", "commune": 1, "start_date": date(2020, 1, 1), "end_date": date(2021, 8, 1)},
        {"site_id": "new", "commune": 2, "start_date": date(2021, 8, 2)},
        {"site_id": "proj", "commune": 3, "start_date": date(2023, 1, 1), "project_from": date(2021, 9, 1)},
        {"site_id": "same", "commune": 4, "start_date": date(2020, 1, 1)},
    ]))
    ch = A.programme_changes(t, "2021-07-13", "2021-09-14", programmes=["france_services"])
    got = {(r.changement, r.code) for r in ch.itertuples()}
    assert got == {("entrée", "new"), ("nouveau projet", "proj"), ("sortie", "old")}
    with pytest.raises(ValueError, match="before"):
        A.programme_changes(t, "2021-09-14", "2021-07-13")


def test_pdf_splits_long_tables_with_their_header_on_every_page(tmp_path):
    import pandas as pd

    from territoires.report.model import Report, Section, Table
    from territoires.report.pdf import _core

    assert _core("36\u202f481 — «\u00a0é\u00a0» œ") == "36\u00a0481 — «\u00a0é\u00a0» œ"  # cp1252 keeps these
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) not installed")
    rows = pd.DataFrame({"Colonne A": [f"ligne {i}" for i in range(150)], "Source": ["une source"] * 149 + ["une autre"]})
    r = Report("Essai (00)", date(2021, 9, 14), None, [Section("essai", "Section d'essai", tables=[Table("Longue table", rows)],
                                                              sources=["une source"])], [], MADE_ON, "0")
    r.to_pdf(tmp_path / "t.pdf")
    pages = subprocess.run(["pdftotext", "-layout", str(tmp_path / "t.pdf"), "-"], capture_output=True, text=True, check=True).stdout.split("\f")[:-1]
    body = pages[1:]  # after the cover
    assert len(body) >= 3
    for p in body:
        assert "Colonne A" in p and "[1] une source" in p
    assert "[2] une autre" in body[-1]
    assert sorted(int(n) for n in re.findall(r"ligne (\d+)", "".join(body))) == list(range(150))  # every row, once


def test_depuis_after_as_of_is_refused():
    with pytest.raises(ValueError, match="doit précéder"):
        rapport(S.territory(), as_of="2021-07-13", depuis="2021-09-14")


# ------------------------------------------------------------------ integration, 79
@pytest.fixture(scope="module")
def r79(t79):
    return rapport(t79, as_of="2021-09-14", depuis="2021-07-13", made_on=MADE_ON)


@pytest.mark.integration
def test_sections_in_the_decks_order(r79):
    assert [s.key for s in r79.sections] == DECK_ORDER
    assert [lo.key for lo in r79.left_out] == ["couverture_mobile"]  # the New Deal Mobile list for 79 was not found


@pytest.mark.integration
def test_france_services_figures_equal_deck_and_library(r79, t79):
    fs = r79["france_services"]
    sites = t79.sites("france_services", as_of="2021-09-14")
    assert fs.figure("Sites labellisés").value == (sites["status"] == "labelled").sum() == DECK["fs_labelled"]
    assert fs.figure("Sites labellisés").deck == DECK["fs_labelled"]
    assert fs.figure("Projets").value == (sites["status"] == "project").sum() == DECK["fs_projects"]
    gaps = A.cantons_without_site(t79, as_of="2021-09-14")
    assert fs.figure("Cantons ou groupes").value == len(gaps) == 3
    assert fs.table("Cantons sans").data["Canton"].tolist() == gaps["nom_canton"].tolist()
    assert fs.figure("dont comblés").value == int(gaps["comble_par_projets"].sum())
    beyond = A.population_beyond(A.access_by_commune(t79, as_of="2021-09-14"), [20, 30]).set_index("seuil_min")
    assert fs.figure("Habitants à plus de 20 min").value == beyond.at[20, "population"]
    assert fs.figure("Habitants à plus de 30 min").value == beyond.at[30, "population"]
    targets = A.targets_progress(t79, "2021-09-14").set_index("cible")
    obj = fs.figure("Cible « objectif de sites labellisés »")
    assert obj.value == targets.at["objectif de sites labellisés", "valeur"] and obj.unit == f"sur {DECK['fs_objective']}"
    assert fs.figure("Cible « plafond").unit == f"sur {DECK['fs_ceiling']}"
    assert fs.figure("Cible « un site par canton »").unit == f"sur {DECK['cantons']}"
    projects = fs.table("Sites au").data
    assert set(projects.loc[projects["Statut"].str.startswith("projet"), "Commune"]) <= DECK_PROJECT_TOWNS | {"Moncoutant"}


@pytest.mark.integration
def test_no_labelling_or_signature_date_after_the_committee(r79):
    # the sites table says « une date de labellisation postérieure à la date du rapport n'est pas affichée »:
    # on 14/09/2021 Cerizay's labelling (01/01/2022) and Argentonnay's PVD signature (16/09/2021) are not known
    event_columns = {"Labellisée le", "Projet attesté le", "Signé le", "Convention d'adhésion signée le", "Convention signée le",
                     "Attesté le", "Membre attesté le"}
    seen = 0
    for section in r79.sections:
        for table in section.tables:
            for c in event_columns & set(table.data.columns):
                later = [v for v in table.data[c] if isinstance(v, date) and v > date(2021, 9, 14)]
                assert not later, (section.key, table.title, c, later)
                seen += 1
    assert seen >= 4
    sites = r79["france_services"].table("Sites au").data.set_index("Commune")
    assert sites.at["Cerizay", "Statut"].startswith("projet") and sites.at["Cerizay", "Labellisée le"] is None


@pytest.mark.integration
def test_indicator_values_are_written_in_french(r79):
    acv = r79["pvd_acv"].table("Indicateurs sourcés (Action cœur de ville)").data.set_index("Indicateur")
    assert acv.at["financement annuel des chefs de projet", "Valeur"] == "65\u202f000"  # was « 65000 EUR »
    assert acv.at["financement annuel des chefs de projet", "Unité"] == "€"
    fs = r79["france_services"].table("Indicateurs sourcés (France Services)").data.set_index("Indicateur")
    assert fs.at["échéance de l'objectif", "Valeur"] == "31/12/2022"  # was « 2022-12-31 »
    assert fs.at["plafond de sites", "Valeur"] == "23"


@pytest.mark.integration
def test_structure_kinds_agree_in_number(r79):
    note = r79["numerique"].figure("Structures accueillant").note
    assert note.startswith("7 publiques, 3 privées ;"), note  # was « 7 publique, 3 privée »


@pytest.mark.integration
def test_other_sections_figures_equal_deck_and_library(r79, t79):
    crte = r79["crte"]
    assert crte.figure("Contrats (CRTE)").value == crte.figure("Contrats (CRTE)").deck == DECK["crte"]
    assert crte.figure("Contrats signés").value == crte.figure("Contrats signés").deck == DECK["crte_signed"]
    from territoires.analysis.summary import programme_status_text

    assert programme_status_text(t79, "crte", "2021-09-14")[0] == crte.figure("Contrats (CRTE)").value
    check = A.crte_check(t79, "2021-09-14")
    assert crte.figure("Communes dans exactement un CRTE").value == int((check["nb_crte"] == 1).sum())
    pvd = r79["pvd_acv"]
    assert pvd.figure("Communes Petites villes").value == pvd.figure("Communes Petites villes").deck == DECK["pvd"]
    assert pvd.figure("Communes Action cœur de ville").value == len(t79.members("acv", as_of="2021-09-14")) == 2
    num = r79["numerique"]
    cn = t79.sites("conseillers_numeriques", as_of="2021-09-14")
    assert num.figure("Structures").value == len(cn)
    # the deck counts 23 recruitments on a later list than ours: shown beside, never substituted
    assert num.figure("Postes").deck == DECK["cnfs_recruited"] and num.figure("Postes").value == int(cn["nb_cnfs"].astype(int).sum())
    eng = r79["ingenierie_anct"]
    assert eng.figure("Demandes").value == len(A.engineering_requests(t79, "2021-09-14"))
    assert eng.figure("Demandes").deck == DECK["engineering_requests"]


@pytest.mark.integration
def test_changes_since_the_last_meeting(r79, t79):
    ch = r79["changements"]
    prog = A.programme_changes(t79, "2021-07-13", "2021-09-14")
    for kind, label in (("entrée", "Entrées"), ("nouveau projet", "Nouveaux projets"), ("signature", "Signatures")):
        assert ch.figure(label).value == int((prog["changement"] == kind).sum())
    assert ch.figure("Nouveaux projets").value == DECK["fs_projects"]  # the nine files first attested by the deck
    sig = ch.table("Signatures").data
    crte_dates = set(sig.loc[sig["Programme"].str.startswith("Contrats"), "Date"])
    assert crte_dates == {date(2021, 8, 27), date(2021, 8, 31)}
    labelled = A.changes_between(t79, "2021-07-13", "2021-09-14")["labelled"]
    fs_entries = prog[(prog["programme"] == "france_services") & (prog["changement"] == "entrée")]
    assert sorted(fs_entries["code"]) == sorted(labelled["site_id"].astype(str))


@pytest.mark.integration
def test_html_is_self_contained(r79, tmp_path):
    page = r79.to_html(tmp_path / "r.html")
    assert (tmp_path / "r.html").read_text(encoding="utf-8") == page
    assert page.count('<iframe class="map"') == sum(len(s.maps) for s in r79.sections) == 8
    # nothing is loaded from the network (Leaflet's own attribution *link* to leafletjs.com is not a load)
    assert not re.search(r'src=(&quot;|")(https?:)?//', page)
    assert not re.search(r'&lt;link[^&]*href=&quot;https?:|<link[^>]*href="https?:', page)
    for s in r79.sections:
        assert f'id="{s.key}"' in page
    assert "selon le comité : 17" in page and "Laissé de côté" in page
    assert "Frontenay-Rohan-Rohan" in r79["france_services"]._repr_html_()
    assert "<iframe" not in r79._repr_html_()  # the notebook view of the whole file: no heavy maps


@pytest.mark.integration
def test_pdf_pages_carry_number_date_and_sources(r79, tmp_path):
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) not installed")
    pdf = tmp_path / "r.pdf"
    r79.to_pdf(pdf)
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    pages = text.split("\f")[:-1]
    n = len(pages)
    assert n >= len(r79.sections) + sum(len(s.maps) for s in r79.sections)
    for i, p in enumerate(pages, start=1):
        assert f"page {i} / {n}" in p, i
        assert "14/09/2021" in p, i
        assert "Sources" in p, i
    assert "Laissé de côté" in pages[0] and "Sommaire" in pages[0]


@pytest.mark.integration
@pytest.mark.browser
def test_html_offline_in_chromium(r79, tmp_path, chromium_path):
    from playwright.sync_api import sync_playwright

    path = tmp_path / "r.html"
    r79.to_html(path)
    args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync"]
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium_path, headless=True, args=args)
        try:
            ctx = b.new_context(viewport={"width": 1400, "height": 1000}, offline=True)
            page = ctx.new_page()
            errors, requests = [], []
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            ctx.on("request", lambda r: requests.append(r.url))
            page.goto(path.as_uri())
            frames = page.frames[1:]
            assert len(frames) == 8
            for f in frames:
                f.wait_for_function("document.querySelectorAll('.leaflet-interactive').length > 0", timeout=20000)
            assert errors == []
            assert [u for u in requests if not u.startswith(("file:", "data:", "about:"))] == []
            legends = " ".join(f.inner_text(".territoires-legend") for f in frames)
            assert "Labellisées (17)" in legend_text(legends) and "Projets (9)" in legends
        finally:
            b.close()


def legend_text(text: str) -> str:
    return text.replace("\u202f", " ")


# ------------------------------------------------------------------ a second département, from national lists
def _fictive_86_lists(t86, tmp_path):
    """An official-layout France Services list (79's real rows + three TEST rows in 86) and a CnFS JSON (TEST rows).

    The 86 rows are fictitious, named as such, placed at real town halls (the
    communes' origin points): the test needs sites in 86, not facts about 86.
    """
    from .fixtures_official import curated_fs_as_2024_rows

    big = t86.communes.sort_values("population", ascending=False).head(3)
    pts = t86.commune_origins.set_index("code_insee").geometry.loc[big["code_insee"]].to_crs(4326)
    rows = curated_fs_as_2024_rows()
    for k, (code, name) in enumerate(zip(big["code_insee"], big["nom"], strict=True), start=1):
        rows.append({"id_fs": f"TEST-86-{k}", "insee_dep": "86", "lib_fs": f"Site d'essai {k} (fictif)", "adresse": "",
                     "insee_com": code, "lib_com": name, "latitude": round(pts[code].y, 5), "longitude": round(pts[code].x, 5),
                     "type_fs": "Principal", "format_fs": "Fixe", "labellisation_fs": f"Espace labellisé 0{k}/06/2021"})
    fs = tmp_path / "liste-fs.csv"
    fs.write_bytes(fs2024_lines(rows).encode("utf-8"))
    code = big["code_insee"].iloc[0]
    cn = tmp_path / "cnfs.json"
    cn.write_text(json.dumps([{"siret": "TEST-CN-1", "raison_sociale": "Structure d'essai (fictive)", "insee_com": code,
                               "lib_com": big["nom"].iloc[0], "latitude": round(pts[code].y, 5), "longitude": round(pts[code].x, 5),
                               "date_de_validation_en_comité_de_sélection": "2021-04-28", "nb_cnfs": 2, "type": "publique"}]), encoding="utf-8")
    return fs, cn


@pytest.fixture(scope="module")
def r86(tmp_path_factory):
    t86 = territoires.load_territory("86")
    fs, cn = _fictive_86_lists(t86, tmp_path_factory.mktemp("nat"))
    t86.add_programme(read_programme(fs, "france_services"))
    t86.add_programme(read_programme(cn, "conseillers_numeriques"))
    return rapport(t86, as_of="2021-09-14", depuis="2021-07-13", made_on=MADE_ON)


@pytest.mark.integration
def test_second_departement_from_national_lists_names_missing_sections(r86, tmp_path):
    assert r86.territory_label == "Vienne (86)"
    assert [s.key for s in r86.sections] == ["changements", "france_services", "numerique"]
    whole = [lo.title for lo in r86.left_out if lo.kind == "section"]
    assert whole == ["Contrats de relance et de transition écologique (CRTE)", "Petites villes de demain et Action cœur de ville",
                     "Ingénierie en appui des collectivités"]
    fs = r86["france_services"]
    assert fs.figure("Sites labellisés").value == 3 and fs.figure("Sites labellisés").deck is None
    assert any("liste-fs.csv" in n for n in fs.notes)  # the imported file is named as the source in use
    assert r86["numerique"].figure("Postes").value == 2
    r86.to_pdf(tmp_path / "r86.pdf")
    assert "Laissé de côté" in r86.to_html(tmp_path / "r86.html")


# ------------------------------------------------------------------ CLI
@pytest.mark.integration
def test_cli_rapport_writes_html_and_pdf(tmp_path, capsys):
    from territoires.cli import main

    assert main(["rapport", "--dept", "79", "--as-of", "2021-09-14", "--depuis", "2021-07-13", "--out", str(tmp_path),
                 "--formats", "html", "--made-on", "2026-11-29"]) == 0
    out = capsys.readouterr().out
    assert (tmp_path / "rapport-79-2021-09-14.html").exists()
    assert "laissé de côté : Couverture mobile" in out
    assert main(["rapport", "--dept", "79", "--as-of", "2021-07-13", "--depuis", "2021-09-14", "--out", str(tmp_path)]) == 2
    assert "doit précéder" in capsys.readouterr().err
