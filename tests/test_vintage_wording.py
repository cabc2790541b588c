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


def test_a_map_names_the_vintage_of_what_it_draws_only():
    # every map of the committee's report said « (état connu en 2015) »: the zones blanches, read for an earlier
    # section, leaked into the France Services, CRTE and PVD maps' subtitles
    import territoires
    from territoires import maps

    t = territoires.load_territory("79")
    assert "état connu" in maps.build(t, "couverture-mobile", as_of="2021-09-14").subtitle  # reads the 2015 zones blanches
    for name in ("france-services", "crte", "pvd-acv", "cantons-sans-site"):
        subtitle = maps.build(t, name, as_of="2021-09-14").subtitle
        assert "état connu" not in subtitle, (name, subtitle)
    assert maps.build(t, "programmes", as_of="2021-09-14").subtitle.endswith("(état connu au 25/06/2021)")  # conseillers numériques
    assert maps.build(t, "france-services", as_of="2025-06-01").subtitle.endswith("(état connu au 01/08/2024)")
