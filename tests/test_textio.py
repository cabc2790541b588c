from datetime import date

import pytest

from territoires.errors import InputError
from territoires.sources.textio import DateError, parse_date, parse_float, read_rows


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Espace labellisé 01/09/2020", date(2020, 9, 1)),
        ("Espace labellisé 01/2020", date(2020, 1, 1)),
        ("01/2020", date(2020, 1, 1)),
        ("2021-09-16", date(2021, 9, 16)),
        ("2021-09-16T00:00:00Z", date(2021, 9, 16)),
        ("16 juillet 2018", date(2018, 7, 16)),
        ("1er août 2021", date(2021, 8, 1)),
        ("16/07/2018", date(2018, 7, 16)),
        ("", None),
        ("NA", None),
        ("indefini", None),
    ],
)
def test_parse_date_forms(text, expected):
    assert parse_date(text) == expected


@pytest.mark.parametrize("text", ["31/02/2021", "bientôt", "2021-13-01", "32 juillet 2018"])
def test_parse_date_rejects(text):
    with pytest.raises(DateError):
        parse_date(text)


def test_parse_float_decimal_comma():
    assert parse_float("46,3261") == pytest.approx(46.3261)
    assert parse_float(" -0.48 ") == pytest.approx(-0.48)
    assert parse_float("") is None


def test_separator_bom_and_zero_padding(tmp_path):
    p = tmp_path / "f.csv"
    p.write_bytes("\ufeffinsee_com;code_postal;nom\n01053;01000;Bourg\n".encode())
    rows = read_rows(p)
    assert rows.separator == ";"
    assert rows.encoding == "utf-8-sig"
    assert rows.header == ["insee_com", "code_postal", "nom"]
    assert rows.rows[0]["insee_com"] == "01053"
    assert rows.lines == [2]


def test_cp1252_with_accents(tmp_path):
    p = tmp_path / "f.csv"
    p.write_bytes("nom,commune\nFrance services,Échiré\n".encode("cp1252"))
    rows = read_rows(p)
    assert rows.encoding == "cp1252"
    assert rows.rows[0]["commune"] == "Échiré"


def test_multiline_field_line_numbers(tmp_path):
    p = tmp_path / "f.csv"
    p.write_text('a,b\n1,"x\ny"\n2,z\n', encoding="utf-8")
    rows = read_rows(p)
    assert rows.lines == [2, 4]


def test_empty_and_header_only(tmp_path):
    e = tmp_path / "empty.csv"
    e.write_bytes(b"")
    with pytest.raises(InputError, match="empty.csv.*fichier vide"):
        read_rows(e)
    h = tmp_path / "header.csv"
    h.write_text("a,b\n", encoding="utf-8")
    rows = read_rows(h)
    assert rows.rows == [] and len(rows) == 0


def test_wrong_field_count_is_listed_not_raised(tmp_path):
    p = tmp_path / "f.csv"
    p.write_text("a,b\n1,2\n1,2,3\n", encoding="utf-8")
    rows = read_rows(p)
    assert len(rows.rows) == 1
    assert rows.malformed == [(3, "3 champs alors que l'en-tête en a 2")]


def test_binary_file_is_an_input_error(tmp_path):
    p = tmp_path / "f.csv"
    p.write_bytes(b"\x00\x01\x02binary")
    with pytest.raises(InputError, match="binary"):
        read_rows(p)
