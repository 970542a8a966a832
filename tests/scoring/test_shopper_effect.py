"""Shopper-effect check (scoring/shopper_effect.py, issue 20): a planted harsh shopper is recovered
and rankings without a shopper effect are left as they are."""

import numpy as np
import pandas as pd

from scoring import engine
from scoring.shopper_effect import adjusted_tests, compare, fit_shopper_effects

SHOPPERS = ["S1", "S2", "S3", "S4", "S5"]
SETTINGS = engine.Settings(quota={"phone": 20}, weight={"phone": 1}, completion=1, threshold=12, min_entrants=3)


def synthetic(effects, *, seed=7, entries=8, tests_per_shopper=4, noise=0.5):
    """Entries 1..n of category 1 with true levels 9, 10, 11, …; every shopper tests every entry."""
    rng = np.random.default_rng(seed)
    rows = []
    for entry in range(1, entries + 1):
        level = 8.0 + entry
        for shopper, effect in zip(SHOPPERS, effects, strict=True):
            for _ in range(tests_per_shopper):
                score = float(np.clip(level + effect + rng.normal(0, noise), 0, 20))
                rows.append((entry, "phone", score, True, None, None, shopper))
    tests = pd.DataFrame(rows, columns=[*engine.TEST_COLUMNS, "shopper"]).astype(engine.TEST_DTYPES)
    entries_df = engine.entries_frame([(e, 1) for e in range(1, entries + 1)])
    return tests, entries_df


def test_fit_recovers_a_planted_harsh_shopper_within_a_tenth_of_a_point():
    planted = [-2.0, 0.5, 0.5, 0.5, 0.5]  # S1 harsh; the planted effects add up to 0 like the fitted ones
    tests, _entries = synthetic(planted)

    fitted = fit_shopper_effects(tests)

    for shopper, effect in zip(SHOPPERS, planted, strict=True):
        assert abs(fitted.effects[shopper] - effect) <= 0.1, (shopper, fitted.effects[shopper])
    assert abs(sum(fitted.effects.values())) < 1e-9
    assert fitted.tests == dict.fromkeys(SHOPPERS, 32)


def test_harsh_shopper_on_one_brand_reorders_the_adjusted_ranking():
    # Entry 8 (the best) is tested only by the harsh shopper H, which scores 3 points low; H also tests
    # the other entries, which lets the model measure it.
    rng = np.random.default_rng(3)
    rows = []
    for entry, level in ((1, 13.0), (2, 14.0), (3, 15.0)):
        for shopper in ("A", "B", "H"):
            if entry == 3 and shopper != "H":
                continue
            for _ in range(6):
                harsh = -3.0 if shopper == "H" else 0.0
                rows.append((entry, "phone", level + harsh + rng.normal(0, 0.2), True, None, None, shopper))
    tests = pd.DataFrame(rows, columns=[*engine.TEST_COLUMNS, "shopper"]).astype(engine.TEST_DTYPES)
    entries_df = engine.entries_frame([(1, 1), (2, 1), (3, 1)])
    settings = engine.Settings(quota={"phone": 6}, weight={"phone": 1}, completion=1, threshold=10, min_entrants=3)

    result = compare(tests, entries_df, settings, [1])

    assert result["official"][3][0] == 3  # 12/20 as scored by H: last
    assert result["adjusted"][3][0] == 1  # 15/20 once H's effect is taken out: first
    assert result["effects"].effects["H"] < -1.5


def test_no_shopper_effect_leaves_the_rankings_unchanged():
    tests, entries_df = synthetic([0.0] * 5)

    result = compare(tests, entries_df, SETTINGS, [1])

    assert {e: p[0] for e, p in result["adjusted"].items()} == {e: p[0] for e, p in result["official"].items()}
    assert all(abs(v) < 0.1 for v in result["effects"].effects.values())


def test_tests_without_shopper_or_unreached_keep_their_score():
    tests, _entries = synthetic([-1.0, 0.25, 0.25, 0.25, 0.25])
    extra = pd.DataFrame(
        [(1, "phone", 0.0, False, None, None, "S1"), (1, "phone", 11.0, True, None, None, "")],
        columns=[*engine.TEST_COLUMNS, "shopper"],
    ).astype(engine.TEST_DTYPES)
    tests = pd.concat([tests, extra], ignore_index=True)

    adjusted = adjusted_tests(tests, fit_shopper_effects(tests))

    assert adjusted["score"].iloc[-2:].tolist() == [0.0, 11.0]
    assert adjusted["score"].iloc[0] > tests["score"].iloc[0]  # S1 is harsh: its scores go up


def test_a_single_shopper_or_none_gives_no_effect():
    tests, _entries = synthetic([0.0] * 5)
    tests["shopper"] = ""

    assert fit_shopper_effects(tests).effects == {}
