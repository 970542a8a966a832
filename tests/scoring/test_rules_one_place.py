"""Issue 14: each rule of METHODOLOGY computed once, every caller getting the same answer from it."""

from decimal import Decimal

import numpy as np

from election.rules import required_tests
from mystery_tests.progress import progress_table
from palmares.publication.presentation import methodology_view
from scoring import engine


def test_required_tests_ceil_in_exact_decimal():
    # 0.7 × 10 is 7 exactly (a binary float gives 7.000000000000001, whose ceiling is 8).
    assert required_tests(10, 0.7) == 7
    assert required_tests(15, Decimal("0.9")) == 14
    assert required_tests(30, Decimal("0.1")) == 3
    assert required_tests(0, Decimal("0.5")) == 0


def test_required_tests_progress_and_rankings_agree_on_completion():
    rows = [
        {"entry": 1, "brand": "b", "category": "c", "channel": "phone", "quota": 15, "received": 14, "counted": 14},
        {"entry": 1, "brand": "b", "category": "c", "channel": "email", "quota": 10, "received": 9, "counted": 9},
    ]
    settings = engine.Settings(quota={"phone": 15, "email": 10}, weight={"phone": 2, "email": 1}, completion="0.9")

    table = progress_table(rows, ["phone", "email"], Decimal("0.9"))

    assert settings.required() == {"phone": 14, "email": 9}
    assert table["lines"][0]["complete"] is True


def test_normalised_weights_over_scored_channels_only():
    weights = engine.normalised_weights({"phone": 4, "email": 2, "web": 2}, {"email", "phone"})

    assert weights == {"phone": 4 / 6, "email": 2 / 6}
    assert engine.normalised_weights({"phone": 4}, set()) == {}


def test_at_rule_precision_number_and_array_nine_decimals():
    assert engine.at_rule_precision(14.454999999999998) == 14.455
    assert engine.at_rule_precision(Decimal("12")) == 12.0
    assert engine.at_rule_precision(np.array([0.1 + 0.2])).tolist() == [0.3]


def test_channel_figures_reach_rate_and_medians_skip_missing_values():
    tests = engine.tests_frame(
        [
            (1, "phone", 10.0, True, 30.0, None),
            (1, "phone", 12.0, True, 50.0, None),
            (1, "phone", 0.0, False, None, None),
            (1, "email", 15.0, True, None, 4.0),
        ]
    )

    figures = engine.channel_figures(tests, ["phone", "email", "chat"])

    assert figures == {
        "phone": {"reach_rate": 2 / 3, "median_wait_seconds": 40.0},
        "email": {"reach_rate": 1.0, "median_response_hours": 4.0},
        "chat": {"reach_rate": None, "median_wait_seconds": None},
    }


def test_required_tests_methodology_page_rounds_up_like_the_rankings():
    # 0.9 × 15 = 13.5: the public page used to print 13 (Decimal's // truncates) where the rankings need 14.
    methodology = {"channels": [{"channel": "phone", "quota": 15, "weight": 3, "criteria": []}], "completion": 0.9}

    view = methodology_view(methodology)

    assert view["channels"][0]["required"] == 14 == required_tests(15, 0.9)
