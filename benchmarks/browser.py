"""Time to first render and to pan a map page in headless Chromium (offline).

Usage: ``python benchmarks/browser.py page.html [--chromium /usr/bin/chromium] [--repeat 3]``.

*First render*: from navigation start to the load event (every script of
the page has run, so every layer is drawn) plus the next two animation
frames (the browser has painted). Works on any Leaflet page (folium's too). *Pan*: a 300-pixel pan
without animation, then two animation frames; median of ``--repeat``.
"""

from __future__ import annotations

import argparse
import statistics
from pathlib import Path

ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update"]
FRAMES = "() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => r(performance.now()))))"


def measure(path: Path, chromium: str, repeat: int) -> dict:
    from playwright.sync_api import sync_playwright

    first, pans = [], []
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium, headless=True, args=ARGS)
        for _ in range(repeat):
            ctx = b.new_context(viewport={"width": 1400, "height": 1000}, offline=True)
            page = ctx.new_page()
            page.goto(path.resolve().as_uri(), timeout=120_000)
            first.append(page.evaluate(FRAMES))  # goto returns after the load event: every script has run
            for dx in (300, -300, 300):
                t0 = page.evaluate(f"() => {{ var m = Object.values(window).find(v => v instanceof L.Map); window.t0 = performance.now(); m.panBy([{dx}, 0], {{animate: false}}); return window.t0; }}")
                pans.append(page.evaluate(FRAMES) - t0)
            ctx.close()
        b.close()
    return {"first_render_s": statistics.median(first) / 1000, "pan_ms": statistics.median(pans), "size_mb": path.stat().st_size / 1e6}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("page")
    ap.add_argument("--chromium", default="/usr/bin/chromium")
    ap.add_argument("--repeat", type=int, default=3)
    a = ap.parse_args(argv)
    r = measure(Path(a.page), a.chromium, a.repeat)
    print(f"{a.page}: {r['size_mb']:.1f} MB, first render {r['first_render_s']:.2f} s, pan {r['pan_ms']:.0f} ms (median of {a.repeat})")


if __name__ == "__main__":
    main()
