"""A map's subtitle says « état connu … » for the data it draws, in French, whatever was drawn before it."""

from __future__ import annotations

import territoires
from territoires.maps import catalogue


def test_subtitle_vintage_is_that_of_the_map_and_in_french():
    t = territoires.load_territory("79")  # its own: what a territory has read must not change another map's subtitle
    mobile = catalogue.mobile_map(t, "2021-09-14", made_on="2026-11-30")
    assert mobile.subtitle.endswith("(état connu en 2015)"), mobile.subtitle  # a year alone: « en 2015 », not « au 2015 »
    overview = catalogue.overview_map(t, "2021-09-14", made_on="2026-11-30")
    # the overview draws no white zone: its stalest data are the conseillers numériques of 25/06/2021
    assert overview.subtitle.endswith("(état connu au 25/06/2021)"), overview.subtitle
    deck = catalogue.france_services_map(t, "2021-09-14", made_on="2026-11-30")
    assert "état connu" not in deck.subtitle, deck.subtitle  # France Services known to 01/08/2024: nothing to say
    assert deck.subtitle == "Deux-Sèvres (79) — état d'avancement au 14 septembre 2021"
