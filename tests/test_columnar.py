"""The column-at-a-time normalisation gives exactly the row-by-row reference's frame and report.

Every reader goes through :func:`columnar.normalise`; here each call is also
made with :func:`reference_normalise.normalise_rows` (the plain reference, row by row) and
the two results compared: same columns, dtypes, values and value types, same
report lines in the same order. Small files with every kind of doubtful
value: impossible and early dates, missing or single coordinates, swapped
or projected coordinates, decimal commas, cp1252 lines, duplicate ids,
codes that lost their leading zero, Corsica, overseas départements.
"""

from __future__ import annotations

import contextlib
from datetime import date

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from territoires.sources.programmes import columnar, crte, parse_programme, readers
from territoires.sources.programmes.model import Report
from territoires.sources.textio import Rows, read_rows
from territoires.territory.checkedlists import _same_values

from .reference_normalise import normalise_rows

TODAY = date(2026, 11, 29)


def _same_frame(a: pd.DataFrame, b: pd.DataFrame) -> bool:
    return (list(a.columns) == list(b.columns) and a.index.equals(b.index) and a.attrs == b.attrs
            and all(_same_values(a[c], b[c]) for c in a.columns))


def _both(rows, kind, mapping, report, *args, **kw):
    """The reference and the columnar result, compared; the columnar one goes on."""
    kw.setdefault("today", TODAY)
    ref_report, ref_error, new_error = Report(report.path), None, None
    ref_report.lines, ref_report.rejected_lines = list(report.lines), set(report.rejected_lines)  # lines the reader wrote before
    try:
        ref = normalise_rows(rows, kind, mapping, ref_report, *args, **kw)
    except Exception as exc:  # noqa: BLE001 - compared below
        ref_error = exc
    try:
        new = columnar.normalise(rows, kind, mapping, report, *args, **kw)
    except Exception as exc:  # noqa: BLE001
        new_error = exc
    assert type(ref_error) is type(new_error) and str(ref_error) == str(new_error)
    if new_error is not None:
        raise new_error
    assert _same_frame(ref, new), (ref, new)
    assert ref_report.lines == report.lines
    assert ref_report.rejected_lines == report.rejected_lines
    return new


@pytest.fixture
def compared(monkeypatch):
    monkeypatch.setattr(readers, "normalise", _both)
    monkeypatch.setattr(crte, "normalise", _both)


HEADER = "id_fs,insee_dep,lib_fs,adresse,complement_adresse,insee_com,code_postal,lib_com,latitude,longitude,type_fs,format_fs,labellisation_fs"
TRICKY = [
    "1,79,Site A,1 rue,,79191,79000,Niort,46.3237,-0.4588,Principal,Fixe,Espace labellisé 01/09/2020",
    "2,79,Site B,,bât. 2,79191,79000.0,NIORT,46.3237,-0.4588,Antenne,Fixe_antenne(s),Espace labellisé 31/02/2022",
    "3,79,Site C,,,79191,,Niort,,,Principal,Fixe,pas une date",
    "4,79,Site D,,,79191,,Niort,46.3237,,Principal,Fixe,Espace labellisé 01/01/1985",
    "5,79,Site E,,,79191,,Niort,-0.4588,46.3237,Principal,Fixe,Espace labellisé 01/01/2031",
    '6,79,Site F,,,79191,,Niort,"46,3237","-0,4588",Principal,Itinérante,01/2021',
    "7,01,Site G,,,1053,1000,Bourg-en-Bresse,46.2052,5.2255,Principal,Fixe,16 juillet 2021",
    "8,01,Site H,,,1053.0,,Bourg en Bresse,46.2052,5.2255,Principal,Fixe,2021-07-16",
    "9,2A,Site I,,,2A004,,Ajaccio,41.9192,8.7386,Principal,Fixe,Espace labellisé 01/01/2021",
    "10,2B,Site J,,,2b033,,Bastia,42.6970,9.4509,Principal,Fixe,Espace labellisé 01/01/2021",
    "11,974,Site K,,,97411,,Saint-Denis,-20.8823,55.4504,Principal,Fixe,Espace labellisé 01/01/2021",
    "1,79,Site A,1 rue,,79191,79000,Niort,46.3237,-0.4588,Principal,Fixe,Espace labellisé 01/09/2020",
    "1,79,Site A bis,1 rue,,79191,79000,Niort,46.3237,-0.4588,Principal,Fixe,Espace labellisé 01/09/2020",
    "17,79,,,,79191,,Niort,46.3237,-0.4588,Principal,Fixe,Espace labellisé 01/01/2022",
    "18,79,Sans code,,,,,Niort,46.3237,-0.4588,Principal,Fixe,Espace labellisé 01/01/2022",
    "19,79,Lambert,,,79191,,Niort,6600000,430000,Principal,Fixe,Espace labellisé 01/01/2022",
    "20,79,Hors bornes,,,79191,,Niort,95,10,Principal,Fixe,Espace labellisé 01/01/2022",
    "21,79,Nan,,,79191,,Niort,nan,-0.45,Principal,Fixe,Espace labellisé 01/01/2022",
    "22,79,Inf,,,79191,,Niort,46.3,inf,Principal,Fixe,Espace labellisé 01/01/2022",
    "23,79,Abc,,,79191,,Niort,abc,-0.45,Principal,Fixe,Espace labellisé 01/01/2022",
    "24,79,Trop,,,79191,,Niort,46.3,-0.45,Principal,Fixe,Espace labellisé 01/01/2022,extra",
    "25,79,Court,,,79191",
    "",
    "26,79,Code court,,,7919,,Niort,46.3,-0.45,Principal,Fixe,Espace labellisé 01/01/2022",
    "27,79,Code lettres,,,ABCDE,,Niort,46.3,-0.45,Principal,Fixe,Espace labellisé 01/01/2022",
    "28,79,  Espaces  ,,, 79191 ,, Niort ,46.3237 , -0.4588,PRINCIPAL,fixe, Espace labellisé 01/01/2022 ",
    ",79,Sans id,,,79191,,Niort,46.3237,-0.4588,Principal,Fixe,Espace labellisé 01/01/2022",
    ",79,Sans id,,,79191,,Niort,46.3237,-0.4588,Principal,Fixe,Espace labellisé 01/01/2022",
    "30,79,Date vide,,,79191,,Niort,46.3237,-0.4588,Principal,Fixe,",
    "31,79,NA,,,NA,,Niort,46.3237,-0.4588,Principal,Fixe,NA",
    "32,79,1er,,,79191,,Niort,46.3237,-0.4588,Principal,Fixe,1er août 2020",
    "33,79,Mois 13,,,79191,,Niort,46.3237,-0.4588,Principal,Fixe,13/2020",
    "34,79,Point,,,79270,,St Maixent l Ecole,46.4128,-0.2064,Principal,Fixe,labellisée le 01.02.2021",
    "35,79,Espace insécable,,,79191,,Niort,46\u00a0323,-0.4588,Principal,Fixe,Espace labellisé 01/01/2022",
    "36,79,Bus,,,79191,,Niort,46.3237,-0.4588,Principal,Bus,Espace labellisé 01/01/2022",
    "37,79,Souligné,,,79191,,Niort,4_6.3237,-0.4588,Principal,Fixe,Espace labellisé 01/01/2022",
    "38,971,Guadeloupe,,,97101,,Les Abymes,16.27,-61.50,Principal,Fixe,2020-01-01",
    "39,79,Chiffres arabes,,,٧٩١٩١,,Niort,46.3237,-0.4588,Principal,Fixe,2020-01-01",
]


@pytest.mark.parametrize("encoding", ["utf-8", "cp1252", "mixed", "semicolon"])
def test_france_services_tricky_file(tmp_path, compared, encoding):
    lines = [HEADER, *TRICKY]
    path = tmp_path / "fs.csv"
    if encoding == "utf-8":
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    elif encoding == "cp1252":
        path.write_bytes(("\n".join(x for x in lines if "\u00a0" not in x and "٧" not in x) + "\n").encode("cp1252"))
    elif encoding == "mixed":  # one line of cp1252 bytes in a UTF-8 file
        path.write_bytes(("\n".join(lines) + "\n").encode("utf-8") + "40,79,Sèvres,,,79191,,Niort,46.3,-0.45,Principal,Fixe,02/02/2022\n".encode("cp1252"))
    else:
        path.write_text(("\n".join(lines[:12]) + "\n").replace(",", ";"), encoding="utf-8-sig")
    table = parse_programme(path, "france_services")
    assert len(table.data) + table.n_rejected == table.n_input  # every row used or rejected


def test_other_layouts(tmp_path, compared):
    (tmp_path / "fs2020.csv").write_text(
        "MATRICULE;lib_france_services;LATITUDE;LONGITUDE;insee_com;lib_com;DEPARTEMENT;FORMAT_FS;ITINERANCE;Labellisation\n"
        "A1;FS un;46.3237;-0.4588;79191;Niort;79;Fixe;non;01/01/2020\nA2;FS deux;46,3237;-0,4588;79191;Niort;79;;oui;2020-02-01\n"
        "A2;FS deux;46,3237;-0,4588;79191;Niort;79;;oui;2020-02-01\nA3;FS trois;;;;Niort;79;;;01/2020\n", encoding="utf-8")
    (tmp_path / "pvd.csv").write_text(
        "id_pvd,insee_com,lib_com,siren_epci,pop,date_signature\n1,79191,Niort,200041317,60000,2021-01-01\n2,1053,Bourg,,,31/02/2021\n"
        "3,79191,Niort,,,\n4,ABC,X,,,\n5,93059,Pierrefitte,,,\n6,,Vide,,,\n7,2a004,Ajaccio,,,2019-01-01\n", encoding="utf-8")
    (tmp_path / "acv.csv").write_text(
        "id_acv;codgeo;libgeo;DATE_SIGN\n1;79191;Niort;2018-06-01\n2;86194;Poitiers;pas une date\n3;75112;Paris 12;2018-06-01\n4;2A004;Ajaccio;1985-01-01\n",
        encoding="utf-8")
    (tmp_path / "generic.csv").write_text(
        "id,insee,lat,lon,nom,extra\n1,79191,46.3237,-0.4588,A,x\n2,79191,,,B,\n3,1053,46.2052,5.2255,C,y\n3,1053,46.2052,5.2255,C,y\n"
        "4,79191,-0.4588,46.3237,D,\n5,79191,46.3,,E,z\n", encoding="utf-8")
    tables = [
        parse_programme(tmp_path / "fs2020.csv", "france_services"),
        parse_programme(tmp_path / "pvd.csv", "pvd"),
        parse_programme(tmp_path / "pvd.csv", "pvd", listed_on=date(2021, 3, 1)),
        parse_programme(tmp_path / "acv.csv", "acv"),
        parse_programme(tmp_path / "generic.csv", "france_services",
                        mapping={"site_id": "id", "code_insee": "insee", "latitude": "lat", "longitude": "lon", "nom": "nom"}),
    ]
    assert all(len(t.data) + t.n_rejected == t.n_input for t in tables)


def test_curated_tables_of_79(compared):
    from territoires.sources.programmes import PROGRAMMES, curated_path

    n = 0
    for key in PROGRAMMES:
        path = curated_path("79", key)
        if path is not None:
            parse_programme(path, key)
            n += 1
    assert n >= 5


# ------------------------------------------------------------ any rows, any mapping
CELLS = ["", "NA", "79191", "1053", "1053.0", "2a004", "2B033", "97411", "ABCDE", "7919", "46.3", "-0.45", "46,3", "6600000",
         "95", "nan", "inf", "abc", "01/09/2020", "31/02/2022", "01/01/1985", "01/01/2031", "2021-07-16", "13/2020", "1er août 2020",
         "commune", "epci", "zone", "x", " y ", "1", "2"]


def _raising(row):
    if row.get("c") == "x":
        raise ValueError("valeur refusée")
    return row.get("c")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rows=st.lists(st.fixed_dictionaries({k: st.sampled_from(CELLS) for k in "abcdef"}), max_size=25),
    kind=st.sampled_from(["sites", "members"]),
    targets=st.permutations(["code_insee", "unit_code", "latitude", "longitude", "start_date", "project_from", "end_date",
                             "unit_type", "nom", "code_postal", "site_id", "member_id"]),
    sources=st.lists(st.sampled_from(["a", "b", "c", "d", "e", "f", "raise", "const", "pair"]), min_size=12, max_size=12),
    required=st.sampled_from([(), ("code_insee",), ("nom", "code_insee"), ("unit_code",), ("source",)]),
    id_column=st.sampled_from([None, "site_id", "unit_code", "member_id"]),
    keep_extra=st.sampled_from([False, True, ["f"]]),
)
def test_any_rows_and_mapping_give_the_reference(rows, kind, targets, sources, required, id_column, keep_extra):
    mapping: dict = {}
    for t, s in zip(targets[: len(sources) // 2 + 2], sources, strict=False):
        mapping[t] = (_raising if s == "raise" else readers._const(date(2021, 1, 1)) if s == "const"
                      else readers._col("zz", "a", "b") if s == "pair" else readers._col(s) if s in "ab" else s)
    r = Rows("x.csv", "utf-8", ",", list("abcdef"), rows, list(range(2, len(rows) + 2)), [(len(rows) + 2, "ligne coupée")])
    # the same error from both is accepted (checked in _both): e.g. a date compared with a text
    with contextlib.suppress(TypeError, ValueError):
        _both(r, kind, mapping, Report("x.csv"), required, id_column, keep_extra)


def test_read_rows_keeps_lines_values_and_problems():
    """read_rows' faster row loop: stripped values, malformed lines, NUL lines, oversize fields as before."""
    from territoires.sources.textio import MAX_FIELD

    pad = b"0,p\n" * 1100  # a NUL byte past the first 4 KB is a bad line, not a binary file
    data = b"a,b\n" + pad + b'1, x \n2\n\n3,"y\x00"\n4,z\n5,' + b"w" * (MAX_FIELD + 1) + b"\n6,\n"
    rows = read_rows(data, "t.csv")
    assert rows.rows[1100:] == [{"a": "1", "b": "x"}, {"a": "4", "b": "z"}, {"a": "6", "b": ""}]
    assert rows.lines[1100:] == [1102, 1106, 1108]
    assert [m[0] for m in rows.malformed] == [1103, 1105, 1107]
    assert "NUL" in rows.malformed[1][1] and "'b'" in rows.malformed[2][1]


# ------------------------------------------------------------ the reference tables of the checks
def test_known_names_are_the_whole_tables_entries():
    """Names converted only for the codes looked up: the entries the whole table's dict gives (duplicates, missing names)."""
    import numpy as np
    import pyarrow as pa

    from territoires.territory.checks import _known_names

    codes = ["79191", "79001", "2A004", "93066", "79001", "97411", "75056"]
    names = ["Niort", "Absie", "Ajaccio", "Saint-Denis", "L'Absie", None, "Paris"]
    communes = pa.table({"code_insee": pa.array(codes, type=pa.large_string()), "nom": pa.array(names, type=pa.large_string())})
    former = pd.DataFrame({"code_insee": ["93059", "75112", "99999", None], "parent_code": ["93066", "75056", None, "79191"],
                           "nom": ["Pierrefitte", "Paris 12e", "x", "y"], "type": ["COMD", "ARM", "COMD", "COMD"]})
    whole = dict(zip(codes, [np.nan if n is None else n for n in names], strict=True))
    asked = ["79001", "93059", "75112", "97411", "00000", None, 12.0]
    known = _known_names(communes, former, asked)
    assert set(known) == {"79001", "93066", "75056", "97411"}
    assert known["79001"] == "L'Absie" and np.isnan(known["97411"])
    assert all(known[k] == whole[k] for k in known if k != "97411")


@pytest.mark.parametrize("crs", ["EPSG:4326", "EPSG:2154"])
def test_outlines_read_as_the_reprojected_layer(tmp_path, crs):
    """A WGS 84 outline layer decoded as stored gives the geometries read then reprojected; another CRS is reprojected."""
    import geopandas as gpd
    import numpy as np
    import shapely

    from territoires import settings
    from territoires.territory import cache
    from territoires.territory.checks import _outlines

    g = gpd.GeoDataFrame({"code_departement": ["79", "2A", "971"], "nom": ["a", "b", "c"]},
                         geometry=[shapely.box(-0.5, 46, 0.2, 47), shapely.box(8.5, 41.5, 9.4, 42.3), None], crs=4326).to_crs(crs)
    g.to_parquet(tmp_path / "z__departements.parquet")
    geoms, codes = _outlines(tmp_path, "z")
    plain = cache.read(tmp_path, "z__departements")[["code_departement", "geometry"]].to_crs(settings.WEB_CRS)
    assert codes.tolist() == plain["code_departement"].tolist()
    assert np.all(shapely.equals_identical(geoms, plain.geometry.to_numpy()) | (shapely.is_missing(geoms) & plain.geometry.isna().to_numpy()))


def test_crte_tables_and_cnfs_json(tmp_path, compared):
    """Rows repeated per contract (CRTE) and JSON records with missing keys (conseillers numériques) give the reference's."""
    import json

    folder = tmp_path / "crte"
    folder.mkdir()
    (folder / "liste-crte-20230823.csv").write_text("id_crte,lib_crte\ncrte-1,CRTE A\ncrte-2,CRTE B\n", encoding="utf-8")
    (folder / "liste-crte-com2023-20230823.csv").write_text(
        "insee_com,id_crte\n79005,crte-1\n79329,crte-1 ; crte-2\n79329,crte-2\n7932,crte-1\n,crte-2\n2a004,crte-9\n79005,crte-1 ; crte-1\n",
        encoding="utf-8")
    (folder / "liste-crte-grpt2023-20230823.csv").write_text(
        "id_crte,siren_groupement,lib_groupement\ncrte-1,200041416,CC Airvaudais\ncrte-2,12345,Petit groupe\ncrte-2,,Sans siren\n",
        encoding="utf-8")
    t = parse_programme(folder, "crte")
    assert len(t.data) > 0 and len(t.report) > 0
    (tmp_path / "cnfs.json").write_text(json.dumps([
        {"raison_sociale": "Commune d'Échiré", "insee_com": "79109", "code_postal": 79410, "latitude": 46.3916, "longitude": -0.4155,
         "nb_cnfs": 1, "date_de_validation_en_comité_de_sélection": "2021-03-31", "siret": "21790109900010"},
        {"raison_sociale": "Sans position", "insee_com": "79191", "siret": "1"},
        {"raison_sociale": "Double", "insee_com": "79191", "siret": "1", "latitude": None, "longitude": None},
        {"insee_com": "79191", "siret": "2", "date_de_validation_en_comité_de_sélection": "31/02/2021"},
        "pas un objet",
    ]), encoding="utf-8")
    t = parse_programme(tmp_path / "cnfs.json", "conseillers_numeriques")
    assert len(t.data) + t.n_rejected == t.n_input


def test_reference_of_a_cache_without_a_wgs84_copy(tmp_path, monkeypatch):
    """Zones read one by one (string types differing between files): the codes, names and outlines the plain read gives."""
    import geopandas as gpd
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq
    import shapely

    from territoires import settings
    from territoires.territory import cache, checks

    pq.write_table(pa.table({"code_insee": pa.array(["79191", "79001"], pa.string()), "nom": ["Niort", "L'Absie"], "x": [1, 2]}),
                   tmp_path / "EPSG-2154__communes.parquet")
    pq.write_table(pa.table({"code_insee": pa.array(["97411"], pa.large_string()), "nom": pa.array([None], pa.large_string()), "x": [3]}),
                   tmp_path / "EPSG-2975__communes.parquet")
    gpd.GeoDataFrame({"code_departement": ["79"]}, geometry=[shapely.box(-0.5, 46, 0.2, 47)], crs=4326).to_crs(2154).to_parquet(
        tmp_path / "EPSG-2154__departements.parquet")
    gpd.GeoDataFrame({"code_departement": ["974"]}, geometry=[shapely.box(55.2, -21.4, 55.9, -20.8)], crs=4326).to_crs(2975).to_parquet(
        tmp_path / "EPSG-2975__departements.parquet")
    pd.DataFrame({"code_insee": ["79999"], "nom": ["x"], "type": ["COMD"], "parent_code": ["79191"]}).to_parquet(tmp_path / "former_communes.parquet")
    monkeypatch.setattr(checks, "ensure_cache", lambda source, deps: tmp_path)
    checks._reference.cache_clear()
    try:
        communes, former, (geoms, codes), _ = checks._reference("test-source")
    finally:
        checks._reference.cache_clear()
    assert communes["code_insee"].to_pylist() == ["79191", "79001", "97411"] and communes["nom"].to_pylist() == ["Niort", "L'Absie", None]
    plain = pd.concat([cache.read(tmp_path, f"{z}__departements")[["code_departement", "geometry"]].to_crs(settings.WEB_CRS)
                       for z in ("EPSG-2154", "EPSG-2975")], ignore_index=True)
    assert codes.tolist() == ["79", "974"]
    assert np.all(shapely.equals_identical(geoms, plain.geometry.to_numpy()))
    assert checks._known_names(communes, former, ["79999", "97411"])["79191"] == "Niort"


def test_former_communes_read_as_read_parquet(tmp_path):
    """The former-communes table read as one file is the frame pandas.read_parquet gives (text with missing values, index)."""
    from territoires.territory.checks import _former

    frame = pd.DataFrame({"code_insee": ["93059", "75112", None], "nom": ["Pierrefitte", None, "x"],
                          "type": ["COMD", "ARM", "COMA"], "parent_code": ["93066", "75056", None]})
    frame.to_parquet(tmp_path / "former_communes.parquet")
    ours, plain = _former(tmp_path), pd.read_parquet(tmp_path / "former_communes.parquet")
    assert _same_frame(ours, plain) and list(ours.dtypes) == list(plain.dtypes)


@pytest.mark.parametrize("odd", ["inf", "nan", "-Infinity", "1e400", "46.3", " 46.3 ", "4_6.3"])
def test_coordinates_all_read_by_float_give_the_reference(tmp_path, compared, odd):
    """Every coordinate text float reads (the one-pass read), one of them not finite or odd: the reference's rows and report."""
    rows = [f"{i},79,Site {i},,,79191,,Niort,46.{i},-0.45,Principal,Fixe,Espace labellisé 01/01/2022" for i in range(1, 6)]
    rows.append(f"6,79,Site 6,,,79191,,Niort,{odd},-0.45,Principal,Fixe,Espace labellisé 01/01/2022")
    path = tmp_path / "fs.csv"
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    table = parse_programme(path, "france_services")
    finite = odd not in ("inf", "nan", "-Infinity", "1e400")
    assert (table.n_rejected == 0) == finite and len(table.data) == (6 if finite else 5)


def test_departement_contradictions_are_the_plain_row_by_row_ones():
    """The département check, decided once per (département text, code start), warns on the rows a plain loop warns on."""
    import numpy as np

    from territoires.naming import departement_of
    from territoires.territory.codes import resolve_codes

    codes = ["79191", "79001", "97101", "97411", "97101", "2A004", "2A004", "86066", "86066", "79191", None, "79191"]
    deps = ["79", "79", "971", "971", "97", " 2a ", "2A", "87", "87", "", "79", " 7"]
    data = pd.DataFrame({"code_insee": codes, "departement": deps, "_line": range(2, 2 + len(codes))})
    known = {c: "x" for c in codes if c}
    former = pd.DataFrame({"code_insee": pd.Series([], dtype=object), "nom": [], "type": [], "parent_code": []})
    files = pd.Series("f.csv", index=data.index)
    _, report, bad = resolve_codes(data, "code_insee", np.ones(len(data), dtype=bool), known, former, {}, files)
    plain = [i + 2 for i, (c, d) in enumerate(zip(codes, deps, strict=True))
             if isinstance(c, str) and d.strip() and d.strip().upper().zfill(2) != departement_of(c)]
    assert [r[1] for r in report] == plain and len(plain) == 5 and not bad.any()
