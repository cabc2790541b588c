"""Fault catalogue, text inputs: encodings, NUL bytes, special files, sizes, missing values, CRTE accounting.

Each test is one named case of the catalogue (issue 13): an input an
adversarial user could give, and what the library must answer.
"""

import os

import pytest

from territoires import read_programme
from territoires.errors import InputError
from territoires.sources import textio

from .fixtures_official import fs2024_lines
from .test_programmes import GOOD


def _fs(tmp_path, data: bytes, name="fs.csv"):
    p = tmp_path / name
    p.write_bytes(data)
    return p


def _rows(*names):
    return [{**GOOD, "id_fs": str(i + 1), "lib_fs": n} for i, n in enumerate(names)]


def _load(path):
    t = read_programme(path, "france_services")
    t.check_accounting()
    return t


# ------------------------------------------------------------- encodings
def test_stray_cp1252_byte_switches_only_its_line(tmp_path):
    text = fs2024_lines(_rows("La Crèche", "Mauzé-sur-le-Mignon", "Échiré")).encode("utf-8")
    text = text.replace("Mauzé".encode(), b"Mauz\xe9")  # one cp1252 byte in a UTF-8 file
    t = _load(_fs(tmp_path, text))
    assert len(t.data) == 3 and t.n_rejected == 0
    assert set(t.data["nom"]) == {"La Crèche", "Mauzé-sur-le-Mignon", "Échiré"}
    assert t.encoding == "utf-8 (+ cp1252 lines)"
    warn = t.report[t.report["severity"] == "warning"]
    assert list(warn["line"]) == [3] and "UTF-8 invalide (octet 0xe9" in warn["reason"].iloc[0]
    assert "encodage utf-8 (+ cp1252 lines)" in t.summary()


def test_whole_cp1252_file_is_read_as_cp1252_and_said(tmp_path):
    t = _load(_fs(tmp_path, fs2024_lines(_rows("La Crèche", "Échiré")).encode("cp1252")))
    assert set(t.data["nom"]) == {"La Crèche", "Échiré"} and t.encoding == "cp1252"
    assert "encodage cp1252" in t.summary()


def test_utf8_with_bom_is_said(tmp_path):
    t = _load(_fs(tmp_path, fs2024_lines(_rows("Niort")).encode("utf-8-sig")))
    assert t.encoding == "utf-8-sig" and len(t.data) == 1


def test_utf16_with_bom_loads(tmp_path):
    t = _load(_fs(tmp_path, fs2024_lines(_rows("Niort")).encode("utf-16")))
    assert t.encoding == "utf-16" and t.data["nom"].tolist() == ["Niort"]


def test_nul_byte_after_4kb_rejects_its_row_only(tmp_path):
    names = [f"Site {i:03d} " + "x" * 60 for i in range(60)]
    names[50] = "Trunc\x00ated"
    data = fs2024_lines(_rows(*names)).encode()
    assert data.index(b"\x00") > 4096
    t = _load(_fs(tmp_path, data))
    assert len(t.data) == 59 and t.n_rejected == 1
    r = t.rejected.iloc[0]
    assert r["line"] == 52 and "octet NUL" in r["reason"]
    assert not t.data["nom"].str.contains("\x00").any()


def test_nul_byte_at_the_start_is_a_binary_file(tmp_path):
    p = _fs(tmp_path, b"id_fs\x00,lib_fs\n1,a\n")
    with pytest.raises(InputError, match=r"fs\.csv: fichier binaire"):
        read_programme(p, "france_services")


# ------------------------------------------------------------ special files
def test_fifo_is_refused_without_blocking(tmp_path):
    p = tmp_path / "tube.csv"
    os.mkfifo(p)
    with pytest.raises(InputError, match=r"tube\.csv: est un tube nommé \(FIFO\), pas un fichier ordinaire"):
        read_programme(p, "france_services")


def test_dev_zero_is_refused():
    with pytest.raises(InputError, match=r"/dev/zero: est un périphérique ou un fichier spécial"):
        read_programme("/dev/zero", "france_services")


def test_folder_is_refused(tmp_path):
    with pytest.raises(InputError, match="est un dossier, pas un fichier"):
        textio.read_rows(tmp_path)


def test_missing_file_is_named(tmp_path):
    with pytest.raises(InputError, match=r"absent\.csv: fichier introuvable"):
        read_programme(tmp_path / "absent.csv", "france_services")


def test_file_above_the_size_limit_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(textio, "MAX_FILE_BYTES", 1000)
    p = _fs(tmp_path, fs2024_lines(_rows(*[f"S{i}" for i in range(20)])).encode())
    with pytest.raises(InputError, match=r"au-delà de la limite de 0 Mo"):
        read_programme(p, "france_services")


# ------------------------------------------------------------ missing values
@pytest.mark.parametrize(
    ("case", "lat", "lon", "column", "reason"),
    [
        ("nan_latitude", "NaN", "-0.48", "latitude", "pas un nombre fini"),
        ("nan_longitude", "46.3", "nan", "longitude", "pas un nombre fini"),
        ("infinite_latitude", "inf", "-0.48", "latitude", "pas un nombre fini"),
        ("empty_latitude", "", "-0.48", "latitude", "une seule coordonnée"),
        ("lambert_metres", "6580000", "430000", "latitude", "mètres projetés"),
        ("latitude_out_of_range", "95", "-0.48", "latitude", "hors des bornes"),
        ("latitude_text", "quarante-six", "-0.48", "latitude", "pas un nombre"),
    ],
)
def test_bad_coordinates_are_rejected_with_a_reason(tmp_path, case, lat, lon, column, reason):
    p = _fs(tmp_path, fs2024_lines([GOOD, {**GOOD, "id_fs": "2", "latitude": lat, "longitude": lon}]).encode(), f"{case}.csv")
    t = _load(p)
    assert len(t.data) == 1 and t.n_rejected == 1
    r = t.rejected.iloc[0]
    assert r["line"] == 3 and r["column"] == column and reason in r["reason"]


# ---------------------------------------------------------------- CRTE
def _crte(tmp_path, liste, com, grpt=None):
    folder = tmp_path / "crte"
    folder.mkdir()
    (folder / "liste-crte-2023.csv").write_text(liste, encoding="utf-8")
    (folder / "liste-crte-com2023.csv").write_text(com, encoding="utf-8")
    if grpt is not None:
        (folder / "liste-crte-grpt2023.csv").write_text(grpt, encoding="utf-8")
    t = read_programme(folder, "crte")
    t.check_accounting()
    return t


LISTE = "id_crte,lib_crte\nA,CRTE A\nB,CRTE B\nC,CRTE C\n"


def test_crte_rejections_counted_per_file_not_merged_by_line(tmp_path):
    t = _crte(tmp_path, LISTE, "insee_com,id_crte\n7900X,A\n79329,B\n79005,C\n", "id_crte,siren_groupement,lib_groupement\nA,,vide\nB,200041416,CC\n")
    # line 2 is rejected in both membership files: two rejections, not one
    assert t.n_rejected == 2 and set(t.rejected["file"].str.rsplit("/", n=1).str[-1]) == {"liste-crte-com2023.csv", "liste-crte-grpt2023.csv"}
    assert t.n_input == 3 + 3 + 2 and t.n_lookup == 3 and t.n_loaded == 3
    assert "8 lignes lues, 6 chargées, 2 rejetées" in t.summary()


def test_crte_same_id_twice_in_a_row_loads_once(tmp_path):
    t = _crte(tmp_path, LISTE, "insee_com,id_crte\n79329,A ; A\n")
    assert len(t.data) == 1 and t.n_rejected == 0
    assert t.report["reason"].str.contains("deux fois sur cette ligne").sum() == 1


def test_crte_row_with_two_contracts_gives_two_memberships_one_row(tmp_path):
    t = _crte(tmp_path, LISTE, "insee_com,id_crte\n79329,A ; B\n")
    assert sorted(t.data["member_id"]) == ["A", "B"] and t.n_loaded == 1 and t.n_input == 4


def test_crte_duplicate_membership_rejected_partial_row_warned(tmp_path):
    t = _crte(tmp_path, LISTE, "insee_com,id_crte\n79329,A\n79329,A\n79329,A ; B\n")
    assert t.n_rejected == 1 and t.rejected.iloc[0]["line"] == 3 and "déjà membre de A (ligne 2)" in t.rejected.iloc[0]["reason"]
    warn = t.report[(t.report["severity"] == "warning") & (t.report["column"] == "id_crte")]
    assert list(warn["line"]) == [4] and warn["reason"].iloc[0].startswith("un des contrats de la ligne n'est pas chargé")
    assert len(t.data) == 2


def test_crte_list_row_without_id_is_rejected_in_its_file(tmp_path):
    t = _crte(tmp_path, "id_crte,lib_crte\nA,CRTE A\n,sans id\nA,doublon\n", "insee_com,id_crte\n79329,A\n")
    assert t.n_rejected == 2 and set(t.rejected["line"]) == {3, 4}
    assert t.rejected["file"].str.endswith("liste-crte-2023.csv").all()


def test_crte_id_absent_from_the_list_is_warned(tmp_path):
    t = _crte(tmp_path, LISTE, "insee_com,id_crte\n79329,Z\n")
    assert len(t.data) == 1 and t.report["reason"].str.contains("absent du fichier liste des CRTE").sum() == 1
