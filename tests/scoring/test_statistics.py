"""METHODOLOGY §11 in the engine: P(threshold), P(best) and weight robustness.

Every figure is checked against an independent computation written here from the rule book
(scipy-free: math.erfc and a fine trapezoid of our own, statistics.stdev), and by properties."""

import itertools
import math
import random
import statistics

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scoring import engine

CHANNELS = ("phone", "email", "web")
WEIGHTS = {"phone": 3, "email": 2, "web": 1}


def _settings(**changes):
    base = {"quota": {"phone": 3, "email": 2, "web": 1}, "weight": dict(WEIGHTS), "min_entrants": 2, "threshold": "12"}
    return engine.Settings(**(base | changes))


def _compute(category_scores, settings=None):
    """category_scores: {category_id: {entry_id: {channel: [test scores]}}}."""
    settings = settings or _settings()
    rows, entries = [], []
    for category_id, by_entry in category_scores.items():
        for entry_id, by_channel in by_entry.items():
            entries.append((entry_id, category_id))
            for channel, values in by_channel.items():
                rows.extend((entry_id, channel, float(v), True, None, None) for v in values)
    return engine.compute(engine.tests_frame(rows), engine.entries_frame(entries), settings)


# -- independent reference of the rule book ---------------------------------------------------


def ref_cdf(z):
    return 0.5 * math.erfc(-z / math.sqrt(2))


def ref_law(by_channel, settings):
    """(μ, σ) of §11 from §6, independently: statistics.stdev, plain Python sums."""
    present = [c for c in settings.channels if by_channel.get(c)]
    total = sum(settings.weight[c] for c in present)
    mu = sum(settings.weight[c] * statistics.fmean(by_channel[c]) for c in present) / total
    var = 0.0
    for c in present:
        values = by_channel[c]
        sd = statistics.stdev(values) if len(values) > 1 else 0.0
        var += (settings.weight[c] / total) ** 2 * sd**2 / len(values)
    moe = round(1.96 * math.sqrt(var), 9)
    return round(mu, 9), max(moe / 1.96, 0.01)


def ref_p_best(laws):
    """∫ φ_e Π Φ_j by a trapezoid far finer than the engine's (step σ_min / 40, ±12 σ)."""
    mus = np.array([m for m, _ in laws])
    sds = np.array([s for _, s in laws])
    lo, hi = float(np.min(mus - 12 * sds)), float(np.max(mus + 12 * sds))
    n = int((hi - lo) / (float(np.min(sds)) / 40)) + 1
    xs = np.linspace(lo, hi, n)
    erfc = np.vectorize(math.erfc)
    cdf = 0.5 * erfc(-(xs[None, :] - mus[:, None]) / sds[:, None] / math.sqrt(2))
    pdf = np.exp(-0.5 * ((xs[None, :] - mus[:, None]) / sds[:, None]) ** 2) / (sds[:, None] * math.sqrt(2 * math.pi))
    out = []
    for e in range(len(laws)):
        others = np.prod(np.delete(cdf, e, axis=0), axis=0) if len(laws) > 1 else np.ones(n)
        out.append(float(np.trapezoid(pdf[e] * others, xs)))
    return out


def ref_robustness(leader, rivals, weights, threshold):
    """§11 written out: the smallest Σ w d / Σ w |d| over the constraints, capped, rounded down."""
    bounds = []
    for diffs in [[leader[c] - r[c] for c in weights] for r in rivals] + [[leader[c] - threshold for c in weights]]:
        num = sum(weights[c] * d for c, d in zip(weights, diffs, strict=True))
        den = sum(weights[c] * abs(d) for c, d in zip(weights, diffs, strict=True))
        if den > 0:
            bounds.append(num / den)
    delta = min([1.0, *bounds])
    return math.floor(round(max(delta, 0.0) * 100, 6)) / 100


def holds(leader, rivals, weights, threshold):
    """Brute force: with these weights, does the leader still beat every rival and the threshold?"""
    total = sum(weights.values())
    mean = sum(weights[c] * leader[c] for c in weights) / total
    return mean >= threshold - 1e-9 and all(
        mean >= sum(weights[c] * r[c] for c in weights) / total - 1e-9 for r in rivals
    )


def _stats(result, entry_id):
    row = result.entries.loc[entry_id]
    return row["p_threshold"], row["p_best"]


# -- P(threshold) and P(best) against the reference ---------------------------------------------

EDITIONS = {
    "ties": {
        1: {"phone": [14, 15, 16], "email": [12, 13], "web": [15]},
        2: {"phone": [15, 15, 15], "email": [12, 12], "web": [14]},
        3: {"phone": [13, 12, 11], "email": [16, 17], "web": [10]},
    },
    "co_laureates": {
        1: {"phone": [14, 15, 16], "email": [12, 13], "web": [15]},
        2: {"phone": [16, 15, 14], "email": [13, 12], "web": [15]},
        3: {"phone": [10, 11, 12], "email": [12, 13], "web": [9]},
    },
    "sigma_floor": {
        1: {"phone": [15, 15, 15], "email": [14, 14], "web": [13]},
        2: {"phone": [15, 15, 15], "email": [14, 14], "web": [12.99]},
        3: {"phone": [8, 8, 8], "email": [8, 8], "web": [8]},
    },
    "close_race": {
        1: {"phone": [11, 14, 17], "email": [9, 16], "web": [15]},
        2: {"phone": [13, 13.5, 14], "email": [12, 14], "web": [13]},
        3: {"phone": [12, 15, 12], "email": [10, 17], "web": [12]},
        4: {"phone": [9, 18, 12], "email": [12, 12.5], "web": [11]},
    },
}


@pytest.mark.parametrize("name", sorted(EDITIONS))
def test_statistics_match_the_rule_book_computed_independently(name):
    # Arrange
    edition = EDITIONS[name]
    settings = _settings()
    laws = {e: ref_law(by_channel, settings) for e, by_channel in edition.items()}
    ids = sorted(laws)
    expected_best = dict(zip(ids, ref_p_best([laws[e] for e in ids]), strict=True))

    # Act
    result = _compute({7: edition}, settings)

    # Assert
    for e in ids:
        p_thr, p_b = _stats(result, e)
        mu, sigma = laws[e]
        assert p_thr == pytest.approx(ref_cdf((mu - 12) / sigma), abs=1e-6)
        assert p_b == pytest.approx(expected_best[e], abs=1e-4)
    assert sum(expected_best.values()) == pytest.approx(1, abs=1e-6)


def test_p_best_sigma_floor_beside_a_very_wide_law_matches_reference():
    # Arrange: σ from the 0.01 floor to 5 in one category (a fine step over a wide grid)
    laws = [(14.0, 0.01), (14.005, 0.01), (10.0, 5.0), (13.0, 0.3), (12.0, 2.5)]

    # Act
    p = engine.p_best(np.array([m for m, _ in laws]), np.array([s for _, s in laws]))

    # Assert
    assert list(p) == pytest.approx(ref_p_best(laws), abs=1e-4)


def test_statistics_co_laureates_share_p_best_and_have_no_robustness():
    result = _compute({7: EDITIONS["co_laureates"]})

    assert list(result.entries["laureate"]) == [True, True, False]
    assert result.entries.loc[1, "p_best"] == pytest.approx(result.entries.loc[2, "p_best"], abs=1e-9)
    assert math.isnan(result.categories.loc[7, "robustness"])
    assert result.summaries()[7]["robustness"] is None


def test_statistics_sigma_floor_one_hundredth_behind():
    # Arrange: no spread at all (moe 0, σ at its 0.01 floor), the second entry 1/600 behind overall
    result = _compute({7: EDITIONS["sigma_floor"]})

    # Act
    p_first, p_second = result.entries.loc[1, "p_best"], result.entries.loc[2, "p_best"]

    # Assert: 14.5 vs 14.498333…: the difference is 0.1179 σ√2 apart
    assert result.entries.loc[1, "moe"] == 0
    expected = ref_cdf((14.5 - 14.498333333) / (0.01 * math.sqrt(2)))
    assert p_first == pytest.approx(expected, abs=1e-4)
    assert p_first + p_second == pytest.approx(1, abs=1e-4)
    assert result.entries.loc[3, "p_threshold"] == pytest.approx(0, abs=1e-12)


@pytest.mark.parametrize(
    ("edition", "robustness"),
    [
        # equal overall (86/6), the laureate ahead on phone (the heaviest channel, tie-break): any change of
        # the weights towards email overturns it
        (
            {
                1: {"phone": [15, 15, 15], "email": [14, 14], "web": [13]},
                2: {"phone": [14, 14, 14], "email": [15, 15], "web": [14]},
                3: {"phone": [8, 8, 8], "email": [8, 8], "web": [8]},
            },
            0.0,
        ),
        # the laureate leads on every channel: capped at one
        (
            {
                1: {"phone": [16, 16, 16], "email": [15, 15], "web": [14]},
                2: {"phone": [15, 15, 15], "email": [14, 14], "web": [13]},
                3: {"phone": [8, 8, 8], "email": [8, 8], "web": [8]},
            },
            1.0,
        ),
    ],
    ids=["tie-on-overall-broken-by-channel", "leading-everywhere"],
)
def test_statistics_robustness_zero_on_a_tie_and_capped_at_one(edition, robustness):
    # Act
    result = _compute({7: edition})

    # Assert
    assert list(result.entries["laureate"]) == [True, False, False]
    assert result.categories.loc[7, "robustness"] == robustness


def test_statistics_robustness_laureate_exactly_at_threshold_everywhere_sets_no_bound():
    # Arrange: Σ w_c |d_c| = 0 for the threshold (12 on every channel): any weights give exactly 12
    edition = {
        1: {"phone": [12, 12, 12], "email": [12, 12], "web": [12]},
        2: {"phone": [11, 11, 11], "email": [10, 10], "web": [9]},
    }

    # Act
    result = _compute({7: edition})

    # Assert
    assert list(result.entries["laureate"]) == [True, False]
    assert result.categories.loc[7, "robustness"] == 1.0
    assert result.entries.loc[1, "p_threshold"] == pytest.approx(0.5, abs=1e-6)


def test_statistics_robustness_exact_value_and_threshold_constraint():
    # Arrange: the laureate is below the threshold on web only: 12 + (3×2 + 2×1 − 1×4)/6 overall
    edition = {
        1: {"phone": [14, 14, 14], "email": [13, 13], "web": [8]},
        2: {"phone": [9, 9, 9], "email": [9, 9], "web": [9]},
    }
    leader = {"phone": 14, "email": 13, "web": 8}
    rivals = [{"phone": 9, "email": 9, "web": 9}]

    # Act
    result = _compute({7: edition})

    # Assert: threshold constraint (3×2 + 2×1 − 4) / (3×2 + 2×1 + 4) = 4/12 → 0.33
    assert result.categories.loc[7, "robustness"] == 0.33
    assert ref_robustness(leader, rivals, WEIGHTS, 12) == 0.33


def test_statistics_missing_channel_gives_no_robustness():
    # Arrange: completion 0 makes every scored entry complete, one has no web score
    settings = _settings(completion="0")
    edition = {
        1: {"phone": [16, 16, 16], "email": [15, 15], "web": [14]},
        2: {"phone": [15, 15, 15], "email": [14, 14]},
        3: {"phone": [8, 8, 8], "email": [8, 8], "web": [8]},
    }

    # Act
    result = _compute({7: edition}, settings)

    # Assert
    assert list(result.entries["laureate"]) == [True, False, False]
    assert result.summaries()[7]["robustness"] is None
    assert result.entries.loc[2, "p_best"] >= 0


def test_statistics_incomplete_entries_and_uncontested_categories_are_null():
    # Arrange: category 8 has a single complete entry (min_entrants 2), entry 5 is incomplete
    scores = {
        7: {
            1: {"phone": [16, 16, 16], "email": [15, 15], "web": [14]},
            2: {"phone": [15, 15, 15], "email": [14, 14], "web": [13]},
            5: {"phone": [19]},
        },
        8: {3: {"phone": [13, 14, 15], "email": [15, 15], "web": [14]}},
    }

    # Act
    records = {r["entry_id"]: r for rows in _compute(scores).records().values() for r in rows}

    # Assert
    assert records[5]["p_threshold"] is None and records[5]["p_best"] is None
    assert records[3]["p_threshold"] is not None and records[3]["p_best"] is None
    assert records[1]["p_best"] + records[2]["p_best"] == pytest.approx(1, abs=1e-4)


# -- properties --------------------------------------------------------------------------------

laws_strategy = st.lists(
    st.tuples(
        st.floats(0, 20, allow_nan=False),
        st.one_of(st.just(0.01), st.floats(0.01, 3, allow_nan=False)),
    ),
    min_size=1,
    max_size=12,
)


@settings(max_examples=150, deadline=None)
@given(laws=laws_strategy)
def test_properties_p_best_sums_to_one(laws):
    mu = np.array([round(m, 9) for m, _ in laws])
    sigma = np.array([s for _, s in laws])

    p = engine.p_best(mu, sigma)

    assert float(p.sum()) == pytest.approx(1, abs=1e-3)
    assert (p >= -1e-9).all() and (p <= 1 + 1e-9).all()


@settings(max_examples=100, deadline=None)
@given(laws=laws_strategy, raise_by=st.floats(0.001, 5, allow_nan=False), who=st.integers(0, 11))
def test_properties_raising_one_score_never_lowers_its_p_best(laws, raise_by, who):
    # Arrange
    mu = np.array([m for m, _ in laws])
    sigma = np.array([s for _, s in laws])
    who %= len(mu)
    raised = mu.copy()
    raised[who] += raise_by

    # Act
    before, after = engine.p_best(mu, sigma), engine.p_best(raised, sigma)

    # Assert: its own chance never drops, nobody else's rises
    assert after[who] >= before[who] - 1e-6
    assert all(after[j] <= before[j] + 1e-6 for j in range(len(mu)) if j != who)


@settings(max_examples=60, deadline=None)
@given(
    lead=st.lists(st.floats(0.01, 5, allow_nan=False), min_size=3, max_size=3),
    base=st.lists(st.floats(0, 15, allow_nan=False), min_size=3, max_size=3),
    extra=st.floats(0, 3, allow_nan=False),
)
def test_properties_robustness_one_when_leading_on_every_channel(lead, base, extra):
    # Arrange: the laureate above the rival on every channel, and above the threshold on each
    leader = {c: round(max(b + d, 12 + extra), 6) for c, b, d in zip(CHANNELS, base, lead, strict=True)}
    rival = {c: round(b, 6) for c, b in zip(CHANNELS, base, strict=True)}
    edition = {
        1: {c: [leader[c]] * n for c, n in zip(CHANNELS, (3, 2, 1), strict=True)},
        2: {c: [rival[c]] * n for c, n in zip(CHANNELS, (3, 2, 1), strict=True)},
    }

    # Act
    result = _compute({7: edition})

    # Assert
    assert result.categories.loc[7, "robustness"] == 1.0


channel_score = st.integers(0, 2000).map(lambda v: v / 100)


@settings(max_examples=80, deadline=None)
@given(
    leader=st.lists(channel_score, min_size=3, max_size=3),
    rivals=st.lists(st.lists(channel_score, min_size=3, max_size=3), min_size=1, max_size=4),
    seed=st.integers(0, 10_000),
)
def test_properties_robustness_brute_force_inside_and_just_outside_the_box(leader, rivals, seed):
    # Arrange
    leader_scores = dict(zip(CHANNELS, leader, strict=True))
    rival_scores = [dict(zip(CHANNELS, r, strict=True)) for r in rivals]
    if not holds(leader_scores, rival_scores, WEIGHTS, 12):
        return  # not a laureate under the edition's weights: nothing to check
    delta = engine.weight_robustness(
        np.array(leader, dtype="float64"), np.array(rivals, dtype="float64"), np.array([3.0, 2.0, 1.0]), 12.0
    )
    rng = random.Random(seed)

    def box(d):
        corners = [
            {c: WEIGHTS[c] * (1 + s * d) for c, s in zip(CHANNELS, signs, strict=True)}
            for signs in itertools.product((-1, 1), repeat=3)
        ]
        inside = [{c: WEIGHTS[c] * (1 + rng.uniform(-d, d)) for c in CHANNELS} for _ in range(200)]
        return corners, inside

    # Act
    corners, inside = box(delta)

    # Assert: matches the rule book's formula, holds everywhere inside (corners included) …
    assert delta == ref_robustness(leader_scores, rival_scores, WEIGHTS, 12)
    assert all(holds(leader_scores, rival_scores, w, 12) for w in corners + inside if sum(w.values()) > 0)
    # … and fails at some corner just outside (a hundredth further: δ was rounded down to one)
    if delta < 0.99:
        outside, _ = box(delta + 0.0101)
        assert not all(holds(leader_scores, rival_scores, w, 12) for w in outside)
