"""Properties of the engine: the same inputs always give the same ranking."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mystery_tests.review import results_exclude, results_restore
from scoring import engine
from scoring.selectors import rankings_for
from scoring.services import recompute_edition
from tests.support.world import add_tests, category, entry, small_edition

CHANNELS = ("phone", "email", "web")
SETTINGS = engine.Settings(
    quota={"phone": 3, "email": 2, "web": 1},
    weight={"phone": 3, "email": 2, "web": 1},
    min_entrants=2,
    threshold="11",
)

# Scores as test_score produces them (10 × integer / integer), plus ties on purpose.
scores = st.sampled_from([0.0, 5.0, 7.5, 10.0, 12.0, 12.5, 13.333333333333334, 14.0, 15.0, 16.666666666666668, 20.0])
tests_strategy = st.lists(
    st.tuples(st.integers(1, 8), st.sampled_from(CHANNELS), scores, st.booleans()), min_size=0, max_size=60
)


def _frames(rows):
    tests = engine.tests_frame((e, c, s, reached, None, None) for e, c, s, reached in rows)
    entries = engine.entries_frame((e, 100 + e % 2) for e in range(1, 9))
    return tests, entries


def _outcome(result):
    df = result.entries.sort_index()[["overall", "moe", "rank", "complete", "laureate", "close_call", "counted_tests"]]
    # NaN never equals itself: compare missing values as None.
    df = df.astype(object).where(df.notna(), None)
    return (
        df.to_dict("index"),
        result.categories.sort_index()[["contested", "awarded"]].to_dict("index"),
    )


@settings(max_examples=100, deadline=None)
@given(rows=tests_strategy, shuffle=st.randoms(use_true_random=False))
def test_properties_ranking_independent_of_input_order(rows, shuffle):
    tests, entries = _frames(rows)
    shuffled_rows = list(rows)
    shuffle.shuffle(shuffled_rows)
    tests2, entries2 = _frames(shuffled_rows)
    entries2 = entries2.sample(frac=1, random_state=shuffle.randint(0, 1000))

    first = engine.compute(tests, entries, SETTINGS)
    second = engine.compute(tests2, entries2, SETTINGS)

    assert _outcome(first) == _outcome(second)
    assert engine.fingerprints(tests, entries, SETTINGS, []) == engine.fingerprints(tests2, entries2, SETTINGS, [])


@settings(max_examples=100, deadline=None)
@given(rows=tests_strategy)
def test_properties_ranks_are_competition_ranks(rows):
    tests, entries = _frames(rows)

    result = engine.compute(tests, entries, SETTINGS)

    for _, group in result.entries[result.entries["rank"].notna()].groupby("category_id"):
        ranks = sorted(int(r) for r in group["rank"])
        # 1, 2, 2, 4 …: each rank is 1 + the number of entries strictly ahead of it.
        assert ranks == [1 + sum(1 for other in ranks if other < r) for r in ranks]
        laureates = group[group["laureate"]]
        assert laureates["rank"].nunique() <= 1
        assert all(laureates["complete"])


@pytest.fixture
def world(db):
    edition = small_edition(quota={"phone": 2, "email": 1}, min_entrants=2)
    cats = [category(edition, "banque"), category(edition, "assurance")]
    results = []
    for cat in cats:
        for i, (phone, email) in enumerate([(14.0, 12.0), (13.0, 16.0), (12.5, 10.0)]):
            e = entry(cat, f"{cat.slug}-{i}")
            results += add_tests(e, "phone", [phone, phone + 1.0])
            results += add_tests(e, "email", [email])
    recompute_edition(edition=edition)
    return edition, [r.id for r in results]


def _without_times(body):
    return {**body, "computed_at": None, "categories": [{**c, "computed_at": None} for c in body["categories"]]}


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_properties_exclude_then_restore_returns_same_ranking(world, data, django_capture_on_commit_callbacks):
    edition, result_ids = world
    before = _without_times(rankings_for(edition=edition))
    chosen = data.draw(st.lists(st.sampled_from(result_ids), min_size=1, max_size=6, unique=True))

    with django_capture_on_commit_callbacks(execute=True):
        results_exclude(result_ids=chosen, user=None, reason="property test")
    excluded = _without_times(rankings_for(edition=edition))
    with django_capture_on_commit_callbacks(execute=True):
        results_restore(result_ids=chosen, user=None, reason="property test")
    after = _without_times(rankings_for(edition=edition))

    assert excluded["stale"] is False
    assert sum(e["counted_tests"] for c in excluded["categories"] for e in c["entries"]) == 18 - len(chosen)
    assert after == before
