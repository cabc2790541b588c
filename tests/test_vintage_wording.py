"""« état connu au 01/08/2024 » for a date, « état connu en 2015 » for a year: the vintage is worded as French says it."""

from __future__ import annotations

from territoires.territory.statenote import map_vintage_note, state_note


def test_a_day_vintage_reads_au_and_a_year_vintage_reads_en(t79):
    assert state_note(t79, "france_services", "2025-06-01") == "état connu au 01/08/2024"
    # zones_blanches.csv is known to the year only (millesimes.csv: 2015)
    assert state_note(t79, "zones_blanches", "2021-09-14") == "état connu en 2015"


def test_the_map_subtitle_of_a_year_vintage_reads_en(t79):
    from territoires import maps

    spec = maps.build(t79, "couverture-mobile", as_of="2021-09-14")
    assert "(état connu en 2015)" in spec.subtitle, spec.subtitle
    assert "au 2015" not in spec.subtitle
    assert map_vintage_note(t79, "2021-09-14") is not None


def test_the_report_names_each_vintage_once_with_its_preposition(t79):
    from territoires.report.common import vintage_line

    fs, zb = vintage_line(t79, "france_services"), vintage_line(t79, "zones_blanches")
    assert "état connu au 01/08/2024" in fs and "au au" not in fs, fs
    assert "état connu en 2015" in zb and "au en" not in zb, zb
