"""Maps display themselves in notebooks, without touching matplotlib's global state."""

import sys

import pytest

pytestmark = pytest.mark.integration


def test_static_module_leaves_the_backend_alone():
    import matplotlib

    before = matplotlib.rcParams._get_backend_or_none()
    import territoires.maps.static  # noqa: F401

    assert matplotlib.rcParams._get_backend_or_none() == before


def test_spec_shows_as_png_and_figure_without_pyplot(t79):
    from matplotlib.figure import Figure

    from territoires import maps

    spec = maps.build(t79, "france-services", as_of="2021-09-14")
    png = spec._repr_png_()
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 50_000
    fig = spec.figure()
    # 79 is tall: the page is A4 portrait (maps.layout chooses from the territory's extent)
    assert isinstance(fig, Figure) and tuple(fig.get_size_inches().round(2)) == (8.27, 11.69)
    assert tuple(spec.figure(page="A3", orientation="paysage").get_size_inches().round(2)) == (16.54, 11.69)
    if "matplotlib.pyplot" in sys.modules:  # geopandas may import it; no figure is left in its registry
        assert sys.modules["matplotlib.pyplot"].get_fignums() == []


def test_explore_returns_an_offline_map_shown_inline(t79):
    from territoires import maps
    from territoires.maps.notebook import InteractiveMap

    m = maps.build(t79, "crte", as_of="2021-12-31").explore()
    assert isinstance(m, InteractiveMap)
    page = m.to_html()
    assert "unpkg.com" not in page and "cdn.jsdelivr" not in page and "<script src=" not in page
    assert "Périmètres des CRTE" in page
    frame = m._repr_html_()
    assert frame.startswith("<iframe srcdoc=") and "&lt;!DOCTYPE html&gt;" in frame and 'sandbox="allow-scripts"' in frame
    t = maps.explore(t79)
    assert "Limites cantonales" in t.to_html()


def test_territory_shows_as_a_table(t79):
    html = t79._repr_html_()
    assert "<table>" in html and "<td>252</td>" in html and "<td>15</td>" in html
