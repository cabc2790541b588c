"""Bad input, faults and safety: nothing lost, nothing half-written, nothing trusted blindly."""

import hashlib
import os
import signal
import subprocess
import sys
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from territoires import read_programme
from territoires.errors import InputError
from territoires.sources.textio import MAX_FIELD

from .fixtures_official import FS2024_HEADER, fs2024_lines
from .test_programmes import GOOD

pytestmark = pytest.mark.integration
HYP = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


def _check(path):
    """Read ``path``: it loads with full accounting, or fails with the library's own error."""
    try:
        table = read_programme(path, "france_services")
    except InputError as exc:
        assert str(path) in str(exc)
        return None
    table.check_accounting()
    return table


# ------------------------------------------------------------ properties
@HYP
@given(data=st.binary(max_size=2000))
def test_arbitrary_bytes_load_or_fail_cleanly(tmp_path, data):
    p = tmp_path / "arbitraire.csv"
    p.write_bytes(data)
    _check(p)


@HYP
@given(cut=st.integers(min_value=0, max_value=2000))
def test_truncated_official_file(tmp_path, cut):
    full = fs2024_lines([GOOD, {**GOOD, "id_fs": "2", "insee_com": "79049", "lib_com": "Bressuire", "latitude": "46.84", "longitude": "-0.49"}]).encode()
    p = tmp_path / "tronque.csv"
    p.write_bytes(full[:cut])
    _check(p)


SAFE_TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=40)


@HYP
@given(
    sep=st.sampled_from([",", ";", "\t", "|"]),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp1252"]),
    order=st.permutations(FS2024_HEADER),
    extra=st.lists(st.text(alphabet="abcdefghij_", min_size=3, max_size=8), max_size=3, unique=True),
    names=st.lists(st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdéèêàçôÉ '-", min_size=1, max_size=30), min_size=1, max_size=6),
)
def test_random_layouts_lose_no_row(tmp_path, sep, encoding, order, extra, names):
    import csv
    import io

    extra = [e for e in extra if e not in FS2024_HEADER]
    header = list(order) + extra
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=sep, lineterminator="\n")
    w.writerow(header)
    for i, name in enumerate(names):
        row = {**GOOD, "id_fs": str(i + 1), "lib_fs": name.strip() or "x", **{e: "v" for e in extra}}
        w.writerow([row.get(h, "") for h in header])
    p = tmp_path / "melange.csv"
    p.write_bytes(buf.getvalue().encode(encoding, errors="replace"))
    table = _check(p)
    assert table is not None
    assert len(table.data) + table.n_rejected == len(names)
    assert table.n_rejected == 0, table.report_text()
    assert set(table.data["site_id"]) == {str(i + 1) for i in range(len(names))}


def test_huge_field_is_rejected_not_fatal(tmp_path):
    p = tmp_path / "enorme.csv"
    p.write_bytes(fs2024_lines([GOOD, {**GOOD, "id_fs": "2", "adresse": "x" * (MAX_FIELD + 10)}]).encode())
    table = _check(p)
    assert len(table.data) == 1
    assert "de plus de" in table.rejected.iloc[0]["reason"] and table.rejected.iloc[0]["line"] == 3


def test_two_vintages_mixed_is_named(tmp_path):
    p = tmp_path / "melange-millesimes.csv"
    p.write_text("MATRICULE,lib_fs,insee_com,LATITUDE,longitude,labellisation_fs\n460,X,79191,46.3,-0.48,Espace labellisé 01/2020\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"melange-millesimes\.csv, line 1: pas une liste France Services d'un format connu"):
        read_programme(p, "france_services")


# ---------------------------------------------------- atomic map exports
CHILD = """
import sys
from datetime import date
import territoires
from territoires import maps
t = territoires.load_territory("79")
spec = maps.build(t, "france-services", as_of="2021-09-14", made_on=date(2026, 11, 29))
print("ready", flush=True)
while True:
    maps.write_map(spec, sys.argv[1], ["png"])
"""


def test_sigkill_mid_write_leaves_the_previous_map_intact(tmp_path):
    from datetime import date

    import territoires
    from territoires import maps

    t = territoires.load_territory("79")
    spec = maps.build(t, "france-services", as_of="2021-09-14", made_on=date(2026, 11, 29))
    (target,) = maps.write_map(spec, tmp_path, ["png"])
    before = hashlib.sha256(target.read_bytes()).hexdigest()
    proc = subprocess.Popen([sys.executable, "-c", CHILD, str(tmp_path)], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "ready"
        # wait until a temporary file is being written, then kill the writer
        deadline = time.time() + 60
        while time.time() < deadline:
            temps = [p for p in tmp_path.iterdir() if p.name.startswith(f".{target.name}.")]
            if temps and temps[0].exists() and temps[0].stat().st_size > 0:
                break
            time.sleep(0.005)
        else:
            pytest.fail("the writer never started a temporary file")
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == -signal.SIGKILL
    data = target.read_bytes()
    assert data.endswith(b"IEND\xaeB`\x82")  # a complete PNG
    assert hashlib.sha256(data).hexdigest() == before  # deterministic: any complete write equals the previous


def test_two_cli_runs_writing_the_same_map_leave_a_valid_file(tmp_path):
    cmd = [sys.executable, "-m", "territoires.cli", "map", "france-services", "--dept", "79", "--as-of", "2021-09-14",
           "--out", str(tmp_path), "--formats", "png,html", "--made-on", "2026-11-29"]
    procs = [subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(2)]
    for p in procs:
        p.wait(timeout=300)
        assert p.returncode == 0, p.stderr.read()
    png = (tmp_path / "france-services-79-2021-09-14.png").read_bytes()
    html = (tmp_path / "france-services-79-2021-09-14.html").read_text()
    assert png.endswith(b"IEND\xaeB`\x82") and html.rstrip().endswith("</html>")
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


# ------------------------------------------------------------ cache
def test_corrupted_cache_is_detected_and_rebuilt(tmp_path, monkeypatch, caplog):
    import territoires
    from territoires import settings

    from .test_sources_boundaries import write_admin_express

    monkeypatch.setattr(settings, "cache_dir", tmp_path / "cache")
    gpkg = write_admin_express(tmp_path / "ae.gpkg")
    territoires.load_territory("79", source="admin-express", path=gpkg)
    (entry,) = [p for p in (tmp_path / "cache").iterdir() if p.is_dir() and "@" in p.name]  # a version folder (derived/ beside it)
    victim = next(entry.glob("*__communes.parquet"))
    raw = bytearray(victim.read_bytes())
    raw[len(raw) // 2] ^= 0xFF  # one flipped byte, same size
    victim.write_bytes(bytes(raw))
    with caplog.at_level("WARNING"):
        t = territoires.load_territory("79", source="admin-express", path=gpkg)
    assert "rebuilding" in caplog.text
    assert len(t.communes) == 3
    from territoires.territory import cache

    assert [why for _, why in cache.verify(tmp_path / "cache")] == [None]


def test_progress_is_quiet_off_a_terminal_and_drawn_on_one():
    import io

    from territoires.progress import track

    quiet = io.StringIO()
    assert list(track(range(3), "x", stream=quiet)) == [0, 1, 2] and quiet.getvalue() == ""

    class Tty(io.StringIO):
        def isatty(self):
            return True

    tty = Tty()
    assert list(track(range(3), "cartes", stream=tty)) == [0, 1, 2]
    assert "cartes [" in tty.getvalue() and "3/3" in tty.getvalue()
