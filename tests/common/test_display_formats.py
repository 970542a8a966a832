"""Issue 14: every display format in common/display.py — numbers, percentages, dates, country names
and the one bar-chart geometry the public page and the scorecard draw."""

import datetime as dt

from django.utils import translation

from common.display import BarLayout, bar_chart, country_name, format_date, format_number, format_percentage
from election.models import Edition
from palmares.publication.presentation import figures_view


def test_country_name_any_case_in_the_active_language():
    with translation.override("fr"):
        assert country_name("es") == "Espagne"
        assert country_name("FR") == "France"
    with translation.override("en"):
        assert country_name("gb") == "United Kingdom"


def test_country_name_unknown_code_shows_the_code():
    assert country_name("xx") == "XX"


def test_country_name_edition_property_uses_the_same_function():
    with translation.override("en"):
        assert Edition(country="ES").country_name == "Spain"


def test_format_percentage_half_up_not_truncated():
    # 12.39 % used to read 12,3 on the public page (the decimal was cut, not rounded).
    with translation.override("fr"):
        assert format_percentage(0.1239) == "12,4 %"
        assert format_percentage(0.12345) == "12,3 %"
    with translation.override("en"):
        assert format_percentage(1) == "100.0 %"
        assert format_percentage(None, empty="—") == "—"


def test_format_number_decimal_mark_and_no_minus_zero():
    with translation.override("fr"):
        assert format_number(4.25, 1) == "4,3"
        assert format_number(-0.001, 1) == "0,0"
    with translation.override("en"):
        assert format_number(38.5) == "39"
        assert format_number(None, empty="–") == "–"


def test_format_date_in_the_active_language():
    day = dt.date(2027, 3, 1)
    with translation.override("fr"):
        assert format_date(day) == "1 mars 2027"
    with translation.override("en"):
        assert format_date(day) == "March 1, 2027"


def test_bar_chart_positions_bars_on_the_scale():
    layout = BarLayout(width=520, label_width=120, right=80, bar_height=18)

    chart = bar_chart([("Phone", [("a", 10.0, "10"), ("b", None, "—")]), ("Chat", [("a", 40.0, "40")])], 20.0, layout)

    phone, chat = chart["rows"]
    assert [b["width"] for b in phone["bars"]] == [160.0, 0.0]
    assert phone["bars"][1]["missing"] is True
    assert [b["y"] for b in phone["bars"]] == [8, 28]
    assert phone["bars"][0]["text_x"] == 286.0
    assert phone["bars"][0]["text_y"] == 22.0
    assert chat["bars"][0]["width"] == 320.0  # capped at the scale
    assert chat["bars"][0]["y"] == 8 + 40 + 16
    assert chart["height"] == 8 + 40 + 16 + 20 + 16


def test_format_percentage_public_reach_chart_rounds_half_up():
    with translation.override("fr"):
        view = figures_view({"channels": {"phone": {"reach_rate": 0.1239}}}, ["phone"])

    assert view["reach_chart"]["rows"][0]["bars"][0]["text"] == "12,4 %"
