"""Programme tables: curated facts, official layouts, and every malformed input reported."""

import json
from datetime import date

import pytest

import territoires
from territoires import read_programme
from territoires.errors import InputError
from territoires.sources.programmes import PROGRAMMES, curated_path, parse_programme

from .fixtures_official import curated_fs_as_2024_rows, fs2024_lines

pytestmark = pytest.mark.integration


# --------------------------------------------------------------- curated
@pytest.mark.parametrize("key", list(PROGRAMMES))
def test_curated_tables_load_whole_and_sourced(key):
    path = curated_path("79", key)
    table = read_programme(path, key)
    table.check_accounting()
    assert table.n_rejected == 0, table.report_text()
    if len(table.data):
        assert table.data["source"].notna().all() and (table.data["source"].str.len() > 10).all()


def test_france_services_on_the_deck_dates(t79):
    s = t79.sites("france_services", as_of=date(2021, 7, 13))
    assert s["status"].value_counts().to_dict() == {"labelled": 17}
    s = t79.sites("france_services", as_of="2021-09-14")
    assert s["status"].value_counts().to_dict() == {"labelled": 17, "project": 9}
    projects = set(s.loc[s["status"] == "project", "commune"])
    assert projects == {
        "Frontenay-Rohan-Rohan", "Cerizay", "Moncoutant-sur-Sèvre", "Secondigny", "Thénezay",
        "Mauzé-sur-le-Mignon", "Parthenay", "Niort", "Saint-Loup-Lamairé",
    }
    s = t79.sites("france_services", as_of="2022-12-31")
    assert s["status"].value_counts().to_dict() == {"labelled": 26}
    assert {"site_id", "nom", "code_insee", "status", "labelled_on", "source", "geometry"} <= set(s.columns)
    assert s.crs == "EPSG:2154"


def test_ex_msap_only_where_sourced(t79):
    s = t79.sites("france_services", as_of="2022-12-31")
    ex = s[s["ex_msap"] == "oui"]
    assert set(ex["site_id"]) == {"461", "463", "465", "757"}
    assert ex["ex_msap_evidence"].notna().all()
    assert s["ex_msap"].isna().sum() == 22
    ind = t79.indicators("france_services").set_index("indicateur")
    assert ind.at["dont_ex_msap", "valeur"] == "7"


def test_positions_follow_the_date(t79):
    early = t79.sites("france_services", as_of="2021-07-13").set_index("site_id")
    late = t79.sites("france_services", as_of="2024-12-31").set_index("site_id")
    assert early.at["460", "adresse"] == "10ter rue Jules Siegfried"
    assert late.at["460", "adresse"].startswith("21 Rue Max Linder")
    assert early.at["460", "position_date"] == date(2020, 10, 12)


def test_pvd_crte_acv(t79):
    pvd = t79.members("pvd", as_of="2021-09-14")
    assert len(pvd) == 18 and pvd["unit_code"].nunique() == 18
    assert pvd["convention_id"].isna().all()  # the 12-convention grouping is not public
    assert t79.members("pvd", as_of="2020-12-31").empty
    crte = t79.members("crte", as_of="2021-12-31")
    assert crte["group_name"].nunique() == 6
    from territoires.territory.programmes import member_communes

    mc = member_communes(t79, "crte", "2021-12-31")
    assert len(mc) == 252 and mc["code_insee"].nunique() == 252
    gatine = set(crte.loc[crte["group_name"] == "CRTE du PETR Pays de Gâtine", "unit_code"])
    assert gatine == {"200041416", "200041333", "200069748"}
    acv = t79.members("acv", as_of="2021-09-14")
    assert sorted(acv["unit_name"]) == ["Bressuire", "Niort"]
    assert t79.members("acv", as_of="2018-08-01")["unit_name"].tolist() == ["Niort"]


def test_mobile_sites_table_is_empty_not_invented(t79):
    assert len(t79.sites("couverture_mobile")) == 0
    zb = t79.members("zones_blanches")
    assert sorted(zb["unit_code"]) == ["79152", "79175"]
    assert zb["start_unknown"].all()


# ------------------------------------------------------ official layouts
def test_official_2024_france_services_file_reads_back_to_the_curated_sites(tmp_path, t79):
    path = tmp_path / "liste-fs-20240801.csv"
    text = fs2024_lines(curated_fs_as_2024_rows())
    path.write_bytes(text.encode("utf-8"))
    assert text.splitlines()[0].startswith('"id_fs","insee_dep","lib_fs"')
    table = read_programme(path, "france_services")
    assert table.layout == "fs-2024"
    table.check_accounting()
    assert table.n_rejected == 0, table.report_text()
    official = table.data.set_index("site_id")
    curated = t79.sites("france_services", as_of="2024-12-31").set_index("site_id")
    assert set(official.index) == set(curated.index) and len(official) == 26
    for sid in curated.index:
        assert official.at[sid, "start_date"] == curated.at[sid, "labelled_on"]
        assert official.at[sid, "code_insee"] == curated.at[sid, "code_insee"]
        assert official.at[sid, "latitude"] == pytest.approx(curated.at[sid, "latitude"])
    # and it can replace the curated table on a territory
    t = territoires.load_territory("79")
    t.add_programme(table)
    s = t.sites("france_services", as_of="2021-07-13")
    assert (s["status"] == "labelled").sum() == 17


def test_official_2020_layout(tmp_path):
    p = tmp_path / "france_services_2020.csv"
    p.write_text(
        "MATRICULE,DEPARTEMENT,lib_france_services,ADRESSE,COMPLEMENT.D.ADRESSE,insee_com,code_postal,lib_com,LATITUDE,LONGITUDE,ITINERANCE,FORMAT_FS,Labellisation\n"
        "460,79,MFS Clou-Bouchet,10ter rue Jules Siegfried,,79191,79000,Niort,46.31563,-0.48165,Non,Espace labellisé,Espace labellisé 01/2020\n",
        encoding="utf-8",
    )
    table = read_programme(p, "france_services")
    assert table.layout == "fs-2020"
    row = table.data.iloc[0]
    assert row["site_id"] == "460" and row["start_date"] == date(2020, 1, 1) and row["itinerant"] == "non"


def test_official_pvd_acv_crte_cnfs(tmp_path):
    pvd = tmp_path / "pvd.csv"
    pvd.write_text(
        '"id_pvd","insee_com","lib_com","lib_reg","insee_dep","lib_dep","nom_maire","mel_mairie","site_mairie","regroupement","pop","date_signature","siren_epci","lib_epci"\n'
        '"pvd-75-79-1","79005","Airvault","Nouvelle-Aquitaine","79","Deux-Sèvres",NA,NA,NA,NA,"3281",NA,"200041416","CC Airvaudais"\n',
        encoding="utf-8",
    )
    t = read_programme(pvd, "pvd", listed_on=date(2021, 1, 22))
    assert t.data.iloc[0]["unit_code"] == "79005" and t.data.iloc[0]["start_date"] == date(2021, 1, 22)
    acv = tmp_path / "acv.csv"
    acv.write_text("codgeo,dep,libgeo,DATE_SIGN\n79191,79,Niort,16 juillet 2018\n79049,79,Bressuire,indefini\n", encoding="utf-8")
    t = read_programme(acv, "acv")
    assert t.data.set_index("unit_code").at["79191", "start_date"] == date(2018, 7, 16)
    assert t.data.set_index("unit_code").at["79049", "start_date"] is None
    folder = tmp_path / "crte"
    folder.mkdir()
    (folder / "liste-crte-20230823.csv").write_text("id_crte,lib_crte\ncrte-75-79-1,CRTE Test A\ncrte-75-79-2,CRTE Test B\n", encoding="utf-8")
    (folder / "liste-crte-com2023-20230823.csv").write_text("insee_com,id_crte\n79005,crte-75-79-1\n79329,crte-75-79-1 ; crte-75-79-2\n", encoding="utf-8")
    (folder / "liste-crte-grpt2023-20230823.csv").write_text("id_crte,siren_groupement,lib_groupement\ncrte-75-79-1,200041416,CC Airvaudais\n", encoding="utf-8")
    t = read_programme(folder, "crte")
    com = t.data[t.data["unit_type"] == "commune"]
    assert sorted(com.loc[com["unit_code"] == "79329", "member_id"]) == ["crte-75-79-1", "crte-75-79-2"]
    assert set(t.data["group_name"]) == {"CRTE Test A", "CRTE Test B"}
    assert t.n_input == 2 + 2 + 1
    cnfs = tmp_path / "cnfs.json"
    cnfs.write_text(json.dumps([{"raison_sociale": "Commune d'Échiré", "insee_com": "79109", "code_postal": 79410, "latitude": 46.3916, "longitude": -0.4155, "nb_cnfs": 1, "date_de_validation_en_comité_de_sélection": "2021-03-31", "type": "publique", "siret": "21790109900010", "code_département": "79"}]), encoding="utf-8")
    t = read_programme(cnfs, "conseillers_numeriques")
    assert t.data.iloc[0]["code_postal"] == "79410" and t.data.iloc[0]["nb_cnfs"] == "1"


def test_generic_mapping_for_an_unknown_layout(tmp_path):
    p = tmp_path / "dcc.csv"
    p.write_text("identifiant;commune_insee;lat;lon;mise_en_service;operateur\nS1;79152;46.10;-0.05;2021-06-01;Orange\n", encoding="utf-8")
    t = read_programme(p, "couverture_mobile", mapping={"site_id": "identifiant", "code_insee": "commune_insee", "latitude": "lat", "longitude": "lon", "start_date": "mise_en_service"})
    assert len(t.data) == 1 and t.data.iloc[0]["operateur"] == "Orange"
    with pytest.raises(InputError, match="'lat_wgs84'"):
        read_programme(p, "couverture_mobile", mapping={"site_id": "identifiant", "code_insee": "commune_insee", "latitude": "lat_wgs84", "longitude": "lon"})


# ------------------------------------------------------ malformed input
GOOD = {"id_fs": "1", "insee_dep": "79", "lib_fs": "France services Test", "adresse": "1 place", "insee_com": "79191", "code_postal": "79000", "lib_com": "Niort", "latitude": "46.3261", "longitude": "-0.4819", "type_fs": "Principal", "format_fs": "Fixe", "labellisation_fs": "Espace labellisé 01/01/2020"}

# (name, row override, expected column, expected reason fragment)
BAD_ROWS = [
    ("unknown INSEE code", {"insee_com": "79999"}, "insee_com", "code INSEE inconnu"),
    ("latitude and longitude swapped", {"latitude": "-0.4819", "longitude": "46.3261"}, "latitude", "latitude et longitude inversées"),
    ("Lambert-93 given as degrees", {"latitude": "6585000", "longitude": "431000"}, "latitude", "mètres projetés"),
    ("site outside its département", {"latitude": "48.8566", "longitude": "2.3522"}, "latitude", "hors du département 79 de la commune 79191"),
    ("impossible date", {"labellisation_fs": "Espace labellisé 31/02/2021"}, "labellisation_fs", "date impossible"),
    ("text that is not a date", {"labellisation_fs": "bientôt"}, "labellisation_fs", "pas une date"),
    ("date before 1990", {"labellisation_fs": "01/01/1900"}, "labellisation_fs", "antérieure à 1990"),
    ("missing mandatory name", {"lib_fs": ""}, "lib_fs", "champ obligatoire"),
    ("missing INSEE code", {"insee_com": ""}, "insee_com", "champ obligatoire"),
    ("malformed INSEE code", {"insee_com": "ABCDE"}, "insee_com", "pas un code commune INSEE"),
    ("one coordinate empty", {"longitude": ""}, "longitude", "une seule coordonnée"),
    ("latitude not a number", {"latitude": "46.3x"}, "latitude", "pas un nombre"),
    ("latitude out of range", {"latitude": "146.3"}, "latitude", "hors des bornes"),
]


def _write(tmp_path, rows, name="liste.csv"):
    p = tmp_path / name
    p.write_bytes(fs2024_lines(rows).encode("utf-8"))
    return p


@pytest.mark.parametrize("name, override, column, reason", BAD_ROWS, ids=[b[0] for b in BAD_ROWS])
def test_each_fault_is_rejected_with_line_column_and_reason(tmp_path, name, override, column, reason):
    rows = [dict(GOOD), {**GOOD, "id_fs": "2", **override}]
    table = read_programme(_write(tmp_path, rows), "france_services")
    table.check_accounting()
    assert len(table.data) == 1 and table.data.iloc[0]["site_id"] == "1"
    rej = table.rejected
    assert len(rej) == 1, table.report_text()
    r = rej.iloc[0]
    assert r["line"] == 3 and r["column"] == column and reason in r["reason"], table.report_text()
    assert "liste.csv:3:" in table.report_text()


def test_duplicates_and_wrong_field_count(tmp_path):
    rows = [dict(GOOD), dict(GOOD), {**GOOD, "lib_fs": "Autre nom"}]
    p = _write(tmp_path, rows)
    with open(p, "a", encoding="utf-8") as fh:
        fh.write('"9","79","x"\n')
    table = read_programme(p, "france_services")
    table.check_accounting()
    reasons = dict(zip(table.rejected["line"], table.rejected["reason"], strict=True))
    assert reasons[3] == "doublon exact de la ligne 2"
    assert reasons[4].startswith("site_id '1' en double (première occurrence ligne 2) avec des données différentes")
    assert reasons[5] == "3 champs alors que l'en-tête en a 24"
    assert len(table.data) == 1


def test_renamed_commune_is_kept_with_a_warning(tmp_path):
    rows = [{**GOOD, "insee_com": "79307", "lib_com": "Sauzé-Vaussais", "latitude": "46.13371", "longitude": "0.107145"}]
    table = read_programme(_write(tmp_path, rows), "france_services")
    assert len(table.data) == 1
    w = table.report[table.report["severity"] == "warning"]
    assert "Sauzé-entre-Bois" in w.iloc[0]["reason"]


def test_future_date_is_a_warning_not_a_rejection(tmp_path):
    rows = [{**GOOD, "labellisation_fs": "Espace labellisé 01/01/2099"}]
    table = read_programme(_write(tmp_path, rows), "france_services")
    assert len(table.data) == 1
    assert "date dans le futur" in table.report.iloc[0]["reason"]


def test_postcode_given_as_integer_is_padded(tmp_path):
    p = tmp_path / "cnfs.json"
    p.write_text(json.dumps([{"raison_sociale": "S", "insee_com": 1053, "code_postal": 1000, "latitude": 46.2, "longitude": 5.22, "siret": "1"}]), encoding="utf-8")
    table = read_programme(p, "conseillers_numeriques")
    assert table.data.iloc[0]["code_insee"] == "01053" and table.data.iloc[0]["code_postal"] == "01000"


def test_file_level_errors_name_the_file(tmp_path):
    empty = tmp_path / "vide.csv"
    empty.write_bytes(b"")
    with pytest.raises(InputError, match=r"vide\.csv, line 1: fichier vide"):
        read_programme(empty, "france_services")
    other = tmp_path / "autre.csv"
    other.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"autre\.csv.*pas une liste France Services d'un format connu"):
        read_programme(other, "france_services")
    header_only = tmp_path / "entete.csv"
    header_only.write_text(fs2024_lines([]), encoding="utf-8")
    t = read_programme(header_only, "france_services")
    assert len(t.data) == 0 and t.n_input == 0
    bad_json = tmp_path / "cnfs.json"
    bad_json.write_text('[{"a": 1},\n{oops}]', encoding="utf-8")
    with pytest.raises(InputError, match=r"cnfs\.json, line 2: JSON invalide"):
        read_programme(bad_json, "conseillers_numeriques")
    with pytest.raises(KeyError, match="unknown programme 'xyz'"):
        parse_programme(other, "xyz")


def test_cp1252_semicolon_official_file(tmp_path):
    rows = [{**GOOD, "lib_com": "Niort", "adresse": "Place de l'Hôtel de Ville – Échiré"}]
    text = fs2024_lines(rows).replace('","', '";"').replace(",", ";").replace("–", "-")
    p = tmp_path / "fs-cp1252.csv"
    p.write_bytes(text.encode("cp1252"))
    table = read_programme(p, "france_services")
    assert table.n_rejected == 0, table.report_text()
    assert "Échiré" in table.data.iloc[0]["adresse"]


def test_a_renamed_commune_is_a_warning_in_french():
    """The deck's « Sauzé-Vaussais » (79307, now Sauzé-entre-Bois) is kept by its code, with a French warning."""
    table = read_programme(curated_path("79", "france_services"), "france_services")
    warned = table.report[table.report["severity"] == "warning"]
    assert len(warned) == 1
    reason = warned["reason"].iat[0]
    assert reason == ("nom différent de celui du millésime des limites, « Sauzé-entre-Bois », pour le code 79307 "
                      "(commune renommée ou fusionnée : rattachée par son code)"), reason
