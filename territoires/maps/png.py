"""PNG files of the static maps, written from the rendered pixels in one pass.

A 300 dpi A4 map is 8.7 million RGBA pixels of a few flat colours. Pillow
(what ``savefig`` uses) tries five row filters on every row before deflating:
about 0.4 s per map. Unfiltered rows of flat colours deflate as well as
filtered ones, and the deflate runs on two halves of the image in two threads
(zlib releases the GIL), joined into one stream by a full flush. At
:data:`LEVEL` 3 each of the eight maps of the Deux-Sèvres takes about 0.1 s on
one thread, 0.06 to 0.08 s on two (level 6: 0.2 s on one thread), and they
weigh 0.91 MB on average (Pillow: 1.02 MB; level 6: 0.74 MB).
The pixels are the renderer's, unchanged; the file holds the resolution
(``pHYs``) and nothing else, so the same figure gives the same bytes.
"""

from __future__ import annotations

import struct
import threading
import zlib
from pathlib import Path

import numpy as np

from territoires.fileio import write_bytes

__all__ = ["adler32_combine", "encode_png", "write_png"]

SIGNATURE = b"\x89PNG\r\n\x1a\n"

#: zlib level of the maps' PNG files (see the module docstring).
LEVEL = 3


def _chunk(tag: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)


def adler32_combine(adler1: int, adler2: int, len2: int) -> int:
    """The Adler-32 of ``A + B`` from those of ``A`` and of ``B`` (``len2`` bytes): zlib's ``adler32_combine``.

    Examples
    --------
    >>> a, b = b"carte des ", b"cantons"
    >>> adler32_combine(zlib.adler32(a), zlib.adler32(b), len(b)) == zlib.adler32(a + b)
    True
    """
    base = 65521
    rem = len2 % base
    sum1 = adler1 & 0xFFFF
    sum2 = (rem * sum1) % base
    sum1 = (sum1 + (adler2 & 0xFFFF) + base - 1) % base
    sum2 = (sum2 + (adler1 >> 16) + (adler2 >> 16) + base - rem) % base
    return sum1 | (sum2 << 16)


def _deflate(rows: np.ndarray, level: int, parts: int) -> bytes:
    """One zlib stream of the unfiltered scanlines of ``rows`` (``h × stride`` bytes), deflated in ``parts`` pieces side by side.

    Each piece copies its rows, a block at a time, behind their filter byte
    (0: none) in a small buffer, deflates it and ends with a full flush; the
    pieces' checksums are combined: no copy of the whole image is made.
    """
    h, stride = rows.shape
    cuts = [h * i // parts for i in range(parts + 1)]
    out: list[bytes] = [b""] * parts
    sums = [1] * parts
    errors: list[BaseException] = []
    step = max(1, (1 << 20) // (stride + 1))  # about 1 MB of scanlines at a time

    def piece(i: int) -> None:
        try:
            c, adler, chunks = zlib.compressobj(level, zlib.DEFLATED, -15), 1, []
            block = np.zeros((step, stride + 1), dtype=np.uint8)
            for r in range(cuts[i], cuts[i + 1], step):
                n = min(step, cuts[i + 1] - r)
                block[:n, 1:] = rows[r:r + n]
                data = memoryview(block[:n]).cast("B")
                chunks.append(c.compress(data))
                adler = zlib.adler32(data, adler)
            chunks.append(c.flush(zlib.Z_FINISH if i == parts - 1 else zlib.Z_FULL_FLUSH))
            out[i], sums[i] = b"".join(chunks), adler
        except BaseException as e:  # pragma: no cover - memory errors: re-raised below
            errors.append(e)

    threads = [threading.Thread(target=piece, args=(i,)) for i in range(1, parts)]
    for t in threads:
        t.start()
    piece(0)
    for t in threads:
        t.join()
    if errors:  # pragma: no cover
        raise errors[0]
    adler = sums[0]
    for i in range(1, parts):
        adler = adler32_combine(adler, sums[i], (cuts[i + 1] - cuts[i]) * (stride + 1))
    header = b"\x78" + bytes([0x01 if level <= 1 else 0x5E if level < 6 else 0x9C if level == 6 else 0xDA])  # zlib's, for the level
    return header + b"".join(out) + struct.pack(">I", adler)


def encode_png(rgba: np.ndarray, dpi: float | None = None, level: int = LEVEL, parts: int = 2) -> bytes:
    """The PNG bytes of an ``(height, width, 4)`` array of 8-bit RGBA pixels (rows top first).

    Examples
    --------
    >>> import io
    >>> from PIL import Image
    >>> a = np.zeros((3, 5, 4), dtype=np.uint8); a[..., 0] = 200; a[..., 3] = 255
    >>> im = Image.open(io.BytesIO(encode_png(a, dpi=300)))
    >>> im.size, im.mode, round(im.info["dpi"][0]), bool((np.asarray(im) == a).all())
    ((5, 3), 'RGBA', 300, True)
    """
    a = np.ascontiguousarray(rgba, dtype=np.uint8)
    if a.ndim != 3 or a.shape[2] != 4:
        raise ValueError(f"RGBA pixels expected (height, width, 4), got {a.shape}")
    h, w, _ = a.shape
    body = _chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 6, 0, 0, 0))
    if dpi:
        ppm = int(dpi / 0.0254 + 0.5)  # pixels per metre, rounded as Pillow writes them
        body += _chunk(b"pHYs", struct.pack(">IIB", ppm, ppm, 1))
    data = _deflate(a.reshape(h, w * 4), level, max(1, min(parts, h)))
    return SIGNATURE + body + _chunk(b"IDAT", data) + _chunk(b"IEND", b"")


def write_png(path: str | Path, rgba: np.ndarray, dpi: float | None = None) -> Path:
    """Write the PNG of ``rgba`` (see :func:`encode_png`) to ``path``, atomically; return the path.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = write_png(pathlib.Path(tempfile.mkdtemp()) / "a.png", np.full((2, 2, 4), 255, dtype=np.uint8))
    >>> p.read_bytes()[:4]
    b'\\x89PNG'
    """
    return write_bytes(path, encode_png(rgba, dpi))
