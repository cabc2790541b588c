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
    assert isinstance(fig, Figure) and tuple(fig.get_size_inches().round(2)) == (11.69, 8.27)
    if "matplotlib.pyplot" in sys.modules:  # geopandas may import it; no figure is left in its registry
        assert sys.modules["matplotlib.pyplot"].get_fignums() == []


def test_explore_returns_an_offline_folium_map(t79):
    import folium

    from territoires import maps

    m = maps.build(t79, "crte", as_of="2021-12-31").explore()
    assert isinstance(m, folium.Map)
    page = m.get_root().render()
    assert "data:text/javascript;base64," in page and "unpkg.com" not in page and "cdn.jsdelivr" not in page
    assert "Périmètres des CRTE" in page
    t = maps.explore(t79)
    assert "Limites cantonales" in t.get_root().render()


def test_territory_shows_as_a_table(t79):
    html = t79._repr_html_()
    assert "<table>" in html and "<td>252</td>" in html and "<td>15</td>" in html
