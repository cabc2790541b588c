"""One way to say a date: ``territoires.dates.to_date`` everywhere dates enter."""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd
import pytest

from territoires import analysis as A
from territoires import cli
from territoires.dates import to_date, to_date_or_none
from territoires.sources.textio import DateError


@pytest.mark.parametrize(
    "value",
    ["2021-09-14", "14/09/2021", "14 septembre 2021", date(2021, 9, 14), datetime(2021, 9, 14, 23, 59),
     pd.Timestamp("2021-09-14 08:00"), " 2021-09-14 "],
)
def test_every_form_gives_the_same_date(value):
    assert to_date(value) == date(2021, 9, 14)


@pytest.mark.parametrize("value", [None, "today", "TODAY", "aujourd'hui", ""])
def test_none_and_today_mean_today(value):
    assert to_date(value) == date.today()


def test_no_default_when_asked():
    assert to_date_or_none(None) is None
    assert to_date_or_none("today") == date.today()


@pytest.mark.parametrize("value", ["2021-02-30", "31/13/2021", "demain", 20210914, 3.5])
def test_what_is_not_a_date_is_an_error(value):
    with pytest.raises(DateError):
        to_date(value)


@pytest.mark.integration
def test_as_of_today_in_python(t79):
    today = t79.sites("france_services", as_of="today")
    assert today.equals(t79.sites("france_services"))
    assert A.cantons_without_site(t79, as_of="today").equals(A.cantons_without_site(t79, as_of=date.today()))


@pytest.mark.integration
def test_as_of_today_in_the_cli(capsys):
    assert cli.main(["programmes", "--dept", "79", "--as-of", "today"]) == 0
    assert f"au {date.today():%d/%m/%Y}" in capsys.readouterr().out
