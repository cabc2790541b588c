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
