"""The maps' PNG writer: the pixels and resolution ``savefig`` writes, through Pillow's own reader."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from territoires.maps.png import encode_png
from territoires.maps.static import render_static
from territoires.maps.style import demo_spec


def _read(data: bytes):
    im = Image.open(io.BytesIO(data))
    return np.asarray(im), im


@pytest.mark.parametrize("parts", [1, 2, 3, 7])
def test_encoded_pixels_read_back_unchanged(parts):
    rng = np.random.default_rng(parts)
    a = rng.integers(0, 256, size=(7, 11, 4), dtype=np.uint8)  # fewer rows than pieces is fine too
    a[2:5] = (10, 20, 30, 255)  # flat runs, as on a map
    back, im = _read(encode_png(a, dpi=150, parts=parts))
    assert im.mode == "RGBA" and im.size == (11, 7)
    assert np.array_equal(back, a)
    assert im.info["dpi"] == pytest.approx((150, 150), abs=0.05)  # pixels per metre, rounded


def test_same_pixels_same_bytes_and_bad_shapes_refused():
    a = np.full((4, 4, 4), 255, dtype=np.uint8)
    assert encode_png(a, 300) == encode_png(a.copy(), 300)
    assert "dpi" not in _read(encode_png(a))[1].info
    with pytest.raises(ValueError, match="RGBA"):
        encode_png(np.zeros((4, 4, 3), dtype=np.uint8))


def test_static_png_has_the_pixels_of_savefig(tmp_path):
    import matplotlib

    from territoires.maps.static import RC, figure

    spec = demo_spec(tall=True)
    ours = render_static(spec, tmp_path / "a.png", dpi=40)
    with matplotlib.rc_context(RC):
        buf = io.BytesIO()
        figure(spec).savefig(buf, format="png", dpi=40)
    a, im = _read(ours.read_bytes())
    b, ref = _read(buf.getvalue())
    assert a.shape == b.shape and (a != 255).any()
    assert np.array_equal(a, b)
    assert im.info["dpi"] == pytest.approx(ref.info["dpi"])


def test_adler32_combine_is_zlibs():
    import zlib

    from territoires.maps.png import adler32_combine

    rng = np.random.default_rng(0)
    for n1, n2 in [(0, 5), (5, 0), (1, 1), (65521, 3), (70000, 140000), (3, 65521 * 2 + 7)]:
        a, b = rng.integers(0, 256, n1, dtype=np.uint8).tobytes(), rng.integers(0, 256, n2, dtype=np.uint8).tobytes()
        assert adler32_combine(zlib.adler32(a), zlib.adler32(b), len(b)) == zlib.adler32(a + b)
    ff = b"\xff" * 300_000  # sums near the modulus
    assert adler32_combine(zlib.adler32(ff), zlib.adler32(ff), len(ff)) == zlib.adler32(ff + ff)


@pytest.mark.parametrize("parts", [1, 2, 5])
def test_the_image_stream_is_the_scanlines_with_their_checksum(parts):
    import struct
    import zlib

    rng = np.random.default_rng(1)
    a = rng.integers(0, 256, size=(300, 1000, 4), dtype=np.uint8)  # several 1 MB blocks per piece
    png = encode_png(a, parts=parts)
    i, idat = 8, b""
    while i < len(png):
        (n,), tag = struct.unpack(">I", png[i:i + 4]), png[i + 4:i + 8]
        idat += png[i + 8:i + 8 + n] if tag == b"IDAT" else b""
        i += 12 + n
    raw = zlib.decompress(idat)  # checks the Adler-32 of the whole stream
    rows = np.frombuffer(raw, dtype=np.uint8).reshape(300, 4001)
    assert (rows[:, 0] == 0).all() and np.array_equal(rows[:, 1:].reshape(a.shape), a)
