"""The self-contained map in a real browser: offline, no JavaScript error, nothing injected."""

from datetime import date

import pytest

from territoires import maps
from territoires.maps import catalogue
from territoires.maps import labels as L

from . import synthetic as S

pytestmark = pytest.mark.browser

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def browser(chromium_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium_path, headless=True, args=ARGS)
        yield b
        b.close()


def open_offline(browser, path):
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000}, offline=True)
    page = ctx.new_page()
    errors, dialogs, requests = [], [], []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.on("request", lambda r: requests.append(r.url))
    page.goto(path.as_uri())
    page.wait_for_function("document.querySelectorAll('.leaflet-interactive').length > 0", timeout=10000)
    page.wait_for_timeout(300)
    return ctx, page, errors, dialogs, requests


@pytest.mark.integration
def test_france_services_map_offline(browser, t79, tmp_path):
    spec = catalogue.france_services_map(t79, as_of="2021-09-14", made_on=date(2026, 11, 29))
    (html,) = maps.write_map(spec, tmp_path, ["html"])
    ctx, page, errors, dialogs, requests = open_offline(browser, html)
    try:
        assert errors == []
        assert [u for u in requests if not u.startswith(("file:", "data:"))] == []
        # markers: circle paths drawn by Leaflet (17 labelled + 9 projects), polygons for the limits
        markers = page.eval_on_selector_all("path.leaflet-interactive", "els => els.length")
        assert markers == 26
        polygons = page.eval_on_selector_all("path:not(.leaflet-interactive)", "els => els.length")
        assert polygons >= 252
        legend = page.inner_text(".territoires-legend")
        assert "Labellisées (17)" in legend and "Projets (9)" in legend and "Limites cantonales" in legend
        assert "Le réseau France Services" in page.inner_text(".territoires-title")
        # one line per source, as on the PNG: run together, « …Licence Ouverte 2.0 France Services : ANCT… » misreads
        credit = page.inner_text(".territoires-credit").split("\n")
        assert credit == spec.credit.split("\n") and credit[0].startswith("Sources : Limites") and credit[-1].startswith("Réalisation :")
        # the zoom buttons' tooltips were Leaflet's « Zoom in » / « Zoom out »
        assert page.get_attribute(".leaflet-control-zoom-in", "title") == "Zoom avant"
        assert page.get_attribute(".leaflet-control-zoom-out", "title") == "Zoom arrière"
        layers = page.inner_text(".leaflet-control-layers")
        towns = set(spec.layers[3].data["commune"]) | set(spec.layers[4].data["commune"])
        shown = page.eval_on_selector_all(".territoires-label", "els => els.length")  # written: those whose zoom is reached
        assert len(towns) <= shown <= 15 + len(towns)  # cantons, sites' towns
        # the names that carry the answer (bold: the sites' towns) are shown, off the markers and off each other
        boxes = page.evaluate("""() => {
          const r = el => { const b = el.getBoundingClientRect(); return [b.left, b.top, b.right, b.bottom]; };
          const names = [...document.querySelectorAll('.territoires-label')].filter(e => e.style.display !== 'none' && e.style.fontWeight === 'bold');
          return {names: names.map(r), markers: [...document.querySelectorAll('path.leaflet-interactive')].map(r)};
        }""")
        assert len(boxes["names"]) == len(towns)
        assert L.overlaps(boxes["names"], tol=1.0) == []
        assert L.overlaps(boxes["names"], boxes["markers"], tol=1.0) == []
        for name in ("Limites communales", "Limites cantonales", "France Services labellisées", "France Services en projet", "Noms des cantons"):
            assert name in layers
        # switching a layer off hides its legend entry
        page.get_by_label("France Services en projet", exact=True).uncheck()
        assert not page.is_visible(".territoires-legend-entry[data-layer='France Services en projet']")
        assert page.eval_on_selector_all("path.leaflet-interactive", "els => els.length") == 17
        page.get_by_label("France Services en projet", exact=True).check()
        shot = tmp_path / "france-services.png"
        page.screenshot(path=str(shot))
        assert shot.stat().st_size > 20_000
    finally:
        ctx.close()


def test_hostile_names_run_nothing(browser, tmp_path):
    t = S.territory()
    t.canton_units.loc[0, "nom"] = "<img src=y onerror=alert(3)>"  # a hostile canton name, written on the map
    t.add_programme(S.sites_table([
        {"site_id": "x1", "commune": 5, "nom": "<img src=x onerror=alert(1)>", "adresse": "<script>alert(2)</script>"},
    ]))
    spec = catalogue.france_services_map(t, as_of="2021-01-01")
    (html,) = maps.write_map(spec, tmp_path, ["html"])
    ctx, page, errors, dialogs, requests = open_offline(browser, html)
    try:
        page.hover("path.leaflet-interactive", timeout=5000)
        page.wait_for_selector(".leaflet-tooltip", timeout=5000)
        assert "<img src=x onerror=alert(1)>" in page.inner_text(".leaflet-tooltip")
        page.click("path.leaflet-interactive", timeout=5000)
        page.wait_for_selector(".leaflet-popup-content", timeout=5000)
        text = page.inner_text(".leaflet-popup-content")
        assert "<img src=x onerror=alert(1)>" in text and "<script>alert(2)</script>" in text
        page.wait_for_timeout(300)
        assert dialogs == []
        assert page.evaluate("document.querySelectorAll('.leaflet-popup-content img, .leaflet-tooltip img, .territoires-label img').length") == 0
        assert "<img src=y onerror=alert(3)>" in page.inner_text(".leaflet-pane")
        assert errors == []
    finally:
        ctx.close()


@pytest.mark.integration
def test_overseas_views_are_one_click_away(browser, tmp_path):
    import territoires

    from .test_labels import overseas_test_sites

    t = overseas_test_sites(territoires.load_territory(["79", "971", "974"]))
    spec = maps.build(t, "france-services", as_of="2021-09-14", made_on=date(2026, 11, 29))
    (html,) = maps.write_map(spec, tmp_path, ["html"])
    ctx, page, errors, dialogs, requests = open_offline(browser, html)
    try:
        assert [u for u in requests if not u.startswith(("file:", "data:"))] == []
        assert page.inner_text(".territoires-views").split("\n") == ["Deux-Sèvres (79)", "Guadeloupe (971)", "La Réunion (974)"]
        assert "mi" not in page.inner_text(".leaflet-control-scale").split()  # metric only
        in_view = """name => { const e = [...document.querySelectorAll('.territoires-label')].find(x => x.textContent === name);
          if (!e) { return false; }  // names are written only in view
          const b = e.getBoundingClientRect(); return b.left >= 0 && b.top >= 0 && b.right <= innerWidth && b.bottom <= innerHeight; }"""
        assert page.evaluate(in_view, "Bressuire")  # opens on the métropole
        assert not page.evaluate(in_view, "Basse-Terre")
        page.click("button[data-view='971']")
        page.wait_for_timeout(600)
        assert page.evaluate(in_view, "Basse-Terre") and not page.evaluate(in_view, "Bressuire")
        page.click("button[data-view='974']")
        page.wait_for_timeout(600)
        assert page.evaluate(in_view, "Saint-Denis")  # the test site's town
        assert errors == []
    finally:
        ctx.close()
