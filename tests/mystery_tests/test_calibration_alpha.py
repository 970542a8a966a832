"""Calibration agreement (mystery_tests/calibration.py, issue 20): Krippendorff's α against textbook values."""

import pytest

from mystery_tests import calibration

# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", example C: 4 observers, 12 units,
# values 1-5, missing values. The paper computes by hand α = 0.743 (nominal), 0.815 (ordinal), 0.849 (interval).
_ROWS = {
    "A": [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
    "B": [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
    "C": [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
    "D": [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None],
}
UNITS = [{coder: values[u] for coder, values in _ROWS.items()} for u in range(12)]


@pytest.mark.parametrize(("level", "expected"), [("nominal", 0.743), ("ordinal", 0.815), ("interval", 0.849)])
def test_alpha_matches_krippendorffs_worked_example(level, expected):
    assert calibration.alpha(UNITS, level=level) == pytest.approx(expected, abs=0.0005)


def test_alpha_by_hand_on_two_shoppers_interval():
    # Two coders, three units: (0, 0), (1, 2), (2, 2). Pairable values 0,0,1,2,2,2 (n = 6), mean 7/6.
    # D_o = Σ_u Σ_pairs (a−b)² / (n_u − 1) / n = 2·(1)² / 1 / 6 = 1/3.
    # D_e = Σ_{c≠k} n_c n_k (c−k)² / (n (n−1)) with n_0=2, n_1=1, n_2=3:
    #     2·(2·1·1 + 2·3·4 + 1·3·1) / 30 = 2·29/30 = 58/30. α = 1 − D_o/D_e = 1 − (1/3)/(58/30) = 1 − 10/58.
    units = [{"A": 0, "B": 0}, {"A": 1, "B": 2}, {"A": 2, "B": 2}]

    assert calibration.alpha(units, level="interval") == pytest.approx(1 - 10 / 58)


def test_alpha_is_ordinal_by_default_and_undefined_without_variation():
    assert calibration.alpha(UNITS) == pytest.approx(0.815, abs=0.0005)
    assert calibration.alpha([{"A": 2, "B": 2}, {"A": 2, "B": 2}]) is None
    assert calibration.alpha([{"A": 2}, {"A": 1}]) is None


def test_alpha_per_criterion_uses_rounds_as_units():
    rounds = [
        {"S1": {"greeting": 2, "courtesy": 0}, "S2": {"greeting": 2, "courtesy": 2}},
        {"S1": {"greeting": 0, "courtesy": 2}, "S2": {"greeting": 0, "courtesy": 0}},
    ]

    found = calibration.alpha_per_criterion(rounds, ["greeting", "courtesy"])

    assert found["greeting"] == pytest.approx(1.0)
    assert found["courtesy"] < 0


def test_deviation_against_reference_or_median_shows_the_harsh_shopper():
    ratings = {"S1": {"a": 2, "b": 2}, "S2": {"a": 2, "b": 1}, "HARSH": {"a": 0, "b": 0}}

    assert calibration.deviations(ratings, ["a", "b"], {"a": 2, "b": 2}) == {"S1": 0.0, "S2": -0.5, "HARSH": -2.0}
    assert calibration.deviations(ratings, ["a", "b"])["HARSH"] == -1.5  # median a = 2, b = 1


def test_drift_lists_each_shoppers_deviation_round_by_round():
    rounds = [
        calibration.RoundInput("week 1", {"S1": {"a": 2, "b": 2}, "S2": {"a": 2, "b": 2}}, {"a": 2, "b": 2}),
        calibration.RoundInput("week 5", {"S1": {"a": 2, "b": 2}, "S2": {"a": 1, "b": 0}}, {"a": 2, "b": 2}),
    ]

    found = calibration.drift(rounds, ["a", "b"])

    assert found["rounds"] == ["week 1", "week 5"]
    assert found["rows"] == [
        {"shopper": "S1", "deviations": [0.0, 0.0]},
        {"shopper": "S2", "deviations": [0.0, -1.5]},
    ]
