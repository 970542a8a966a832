"""One test per rule of METHODOLOGY §4–§9, each expected value worked out by hand.

Unless a test says otherwise the edition has phone (quota 2, weight 2) and e-mail (quota 1,
weight 1), completion 1, threshold 12 and min_entrants 3.
"""

import datetime as dt
import math
from decimal import Decimal

import pytest
from django.utils import timezone

from election.models import Edition
from mystery_tests.models import TestResult
from mystery_tests.services import results_upload
from scoring.selectors import figures_for
from scoring.services import recompute_edition
from tests.support import factories
from tests.support.world import add_tests, campaign_for, category, entry, ranked, small_edition

pytestmark = pytest.mark.django_db


def _complete(e, phone, email):
    add_tests(e, "phone", phone)
    add_tests(e, "email", email)


# -- §4 score of one test ------------------------------------------------------------------


def _upload_phone(e, *items):
    """Phone results of entry ``e``, through the agency upload service, performed within its season."""
    edition = e.category.edition
    performed = f"{edition.year - 1}-06-01T10:00:00+02:00"
    items = [{"performed_at": performed, "entry": e.id, "channel": "phone", **item} for item in items]
    return results_upload(campaign=campaign_for(edition), items=items)


def test_rules_na_criteria_left_out_of_both_sums():
    cat = category(small_edition(quota={"phone": 1}))
    e = entry(cat, "azur")
    # greeting (weight 1) = 2, answer_accuracy (weight 3) = 1, courtesy not applicable:
    # 20 × (1×2/2 + 3×1/2) / (1 + 3) = 20 × 2.5 / 4 = 12.5
    _upload_phone(
        e, {"external_id": "NA-1", "reached": True, "scores": {"greeting": 2, "answer_accuracy": 1, "courtesy": None}}
    )

    body = ranked(cat)

    assert body["by_brand"]["azur"]["overall"] == 12.5
    assert body["by_brand"]["azur"]["channels"]["phone"] == {"score": 12.5, "n": 1, "sd": 0.0}


def test_rules_unreached_test_scores_zero_and_counts():
    cat = category(small_edition(quota={"phone": 2}))
    e = entry(cat, "azur")
    _upload_phone(
        e,
        {"external_id": "U-1", "reached": False, "scores": {}},
        {"external_id": "U-2", "reached": True, "scores": {"greeting": 2}},
    )

    body = ranked(cat)

    # (0 + 20) / 2
    assert body["by_brand"]["azur"]["overall"] == 10.0
    assert body["by_brand"]["azur"]["channels"]["phone"]["n"] == 2
    assert body["by_brand"]["azur"]["complete"] is True


# -- §5 which tests count ---------------------------------------------------------------------


def test_rules_excluded_tests_do_not_count():
    cat = category(small_edition())
    e = entry(cat, "azur")
    add_tests(e, "phone", [20.0], excluded=True)
    add_tests(e, "phone", [10.0, 14.0])
    add_tests(e, "email", [9.0])

    body = ranked(cat)

    # phone (10 + 14) / 2 = 12 over n = 2; overall (2×12 + 1×9) / 3 = 11
    assert body["by_brand"]["azur"]["channels"]["phone"]["n"] == 2
    assert body["by_brand"]["azur"]["channels"]["phone"]["score"] == 12.0
    assert body["by_brand"]["azur"]["overall"] == 11.0
    assert body["by_brand"]["azur"]["counted_tests"] == 3


def test_rules_withdrawn_entries_are_not_ranked_nor_counted_for_min_entrants():
    cat = category(small_edition())
    a, b = entry(cat, "a"), entry(cat, "b")
    gone = entry(cat, "gone", status="withdrawn")
    out = entry(cat, "out", status="disqualified")
    for e in (a, b, gone, out):
        _complete(e, [15.0, 15.0], [15.0])

    body = ranked(cat)

    assert [x["brand"]["slug"] for x in body["entries"]] == ["a", "b"]
    assert body["contested"] is False
    assert body["awarded"] is False


# -- §6 scores of an entry ------------------------------------------------------------------


def test_rules_channel_scores_sample_sd_and_margin_of_error():
    cat = category(small_edition(quota={"phone": 3, "email": 1}, weight={"phone": 3, "email": 1}))
    e = entry(cat, "azur")
    _complete(e, [10.0, 12.0, 14.0], [8.0])

    body = ranked(cat)

    azur = body["by_brand"]["azur"]
    # phone mean 12, sample sd 2 (n - 1 = 2); e-mail n = 1 → sd 0
    assert azur["channels"] == {"phone": {"score": 12.0, "n": 3, "sd": 2.0}, "email": {"score": 8.0, "n": 1, "sd": 0.0}}
    # overall (3×12 + 1×8) / 4 = 11; moe = 1.96 × sqrt((3/4)² × 2² / 3)
    assert azur["overall"] == 11.0
    assert azur["moe"] == pytest.approx(1.96 * math.sqrt((0.75**2) * 4 / 3), abs=1e-12)


def test_rules_weights_renormalised_when_a_channel_is_empty():
    cat = category(small_edition())
    phone_only, email_only = entry(cat, "phone-only"), entry(cat, "email-only")
    add_tests(phone_only, "phone", [15.0, 15.0])
    add_tests(email_only, "email", [9.0])

    body = ranked(cat)

    # Only the channels with a counted test weigh: 2×15/2 = 15, not 2×15/3 = 10.
    assert body["by_brand"]["phone-only"]["overall"] == 15.0
    assert body["by_brand"]["email-only"]["overall"] == 9.0
    assert body["by_brand"]["phone-only"]["complete"] is False
    assert list(body["by_brand"]["phone-only"]["channels"]) == ["phone"]


def test_rules_completion_below_one_is_exact_decimal():
    # 0.55 × 100 is 55.000000000000007 in binary floating point, whose ceiling is 56.
    cat = category(small_edition(quota={"phone": 100}, completion=Decimal("0.55")))
    enough, short = entry(cat, "enough"), entry(cat, "short")
    add_tests(enough, "phone", [14.0] * 55)
    add_tests(short, "phone", [14.0] * 54)

    body = ranked(cat)

    assert body["by_brand"]["enough"]["complete"] is True
    assert body["by_brand"]["short"]["complete"] is False


def test_rules_entry_without_counted_test_is_unranked_and_last():
    cat = category(small_edition())
    scored, silent, only_excluded = entry(cat, "zz-scored"), entry(cat, "aa-silent"), entry(cat, "bb-excluded")
    add_tests(scored, "phone", [3.0])
    add_tests(only_excluded, "phone", [19.0], excluded=True)

    body = ranked(cat)

    assert [x["brand"]["slug"] for x in body["entries"]] == ["zz-scored", "aa-silent", "bb-excluded"]
    assert body["by_brand"]["aa-silent"] | {"entry": 0} == {
        "entry": 0,
        "brand": {"slug": "aa-silent", "name": silent.brand.name},
        "rank": None,
        "overall": None,
        "moe": None,
        "complete": False,
        "laureate": False,
        "close_call": False,
        "counted_tests": 0,
        "channels": {},
        "p_threshold": None,
        "p_best": None,
    }


# -- §7 ranking -------------------------------------------------------------------------------


def test_rules_ex_aequo_ranks_skip():
    cat = category(small_edition(quota={"phone": 1}))
    for slug, score in (("a", 16.0), ("c", 14.0), ("b", 14.0), ("d", 12.0)):
        add_tests(entry(cat, slug), "phone", [score])

    body = ranked(cat)

    assert [(x["brand"]["slug"], x["rank"]) for x in body["entries"]] == [("a", 1), ("b", 2), ("c", 2), ("d", 4)]


def test_rules_tie_break_by_channel_order_when_weights_are_equal():
    cat = category(small_edition(quota={"phone": 1, "email": 1}, weight={"phone": 1, "email": 1}))
    a, b = entry(cat, "a-email-strong"), entry(cat, "b-phone-strong")
    _complete(a, [10.0], [14.0])
    _complete(b, [14.0], [10.0])

    body = ranked(cat)

    # Both 12 overall; equal weights → phone decides first.
    assert [(x["brand"]["slug"], x["rank"]) for x in body["entries"]] == [("b-phone-strong", 1), ("a-email-strong", 2)]


def test_rules_tie_break_by_decreasing_channel_weight():
    cat = category(small_edition(quota={"phone": 1, "email": 1, "web": 1}, weight={"phone": 1, "email": 2, "web": 1}))
    a, b = entry(cat, "a"), entry(cat, "b")
    _complete(a, [20.0], [10.0])
    add_tests(a, "web", [0.0])
    _complete(b, [0.0], [12.0])
    add_tests(b, "web", [16.0])

    body = ranked(cat)

    # Both (phone + 2×email + web) / 4 = 10; e-mail weighs most: 12 > 10, although phone favours a.
    assert body["by_brand"]["a"]["overall"] == body["by_brand"]["b"]["overall"] == 10.0
    assert [(x["brand"]["slug"], x["rank"]) for x in body["entries"]] == [("b", 1), ("a", 2)]


def test_rules_missing_channel_counts_as_zero_in_tie_break():
    cat = category(small_edition(quota={"phone": 1, "email": 1}, weight={"phone": 1, "email": 1}))
    both, phone_only = entry(cat, "both"), entry(cat, "phone-only")
    _complete(both, [12.0], [12.0])
    add_tests(phone_only, "phone", [12.0])

    body = ranked(cat)

    # Both 12 overall and 12 on phone; the missing e-mail score of phone-only counts as 0.
    assert [(x["brand"]["slug"], x["rank"]) for x in body["entries"]] == [("both", 1), ("phone-only", 2)]


# -- §8 laureates -----------------------------------------------------------------------------


def _three_complete(cat, scores):
    entries = []
    for slug, (phone, email) in scores.items():
        e = entry(cat, slug)
        _complete(e, phone, email)
        entries.append(e)
    return entries


def _ranked_three(scores: dict[str, tuple[list[float], list[float]]], **edition_fields) -> dict:
    """The ranking body of a category of these complete entries (``_three_complete``) in a small edition."""
    cat = category(small_edition(**edition_fields))
    _three_complete(cat, scores)
    return ranked(cat)


def test_rules_threshold_met_exactly_after_rounding():
    # (3 × 10.7 + 15.9) / 4 is 11.999999999999998 in binary: rounded to 9 decimals it is 12.
    body = _ranked_three(
        {"a": ([10.7], [15.9]), "b": ([9.0], [9.0]), "c": ([8.0], [8.0])},
        quota={"phone": 1, "email": 1},
        weight={"phone": 3, "email": 1},
    )

    assert body["by_brand"]["a"]["overall"] == pytest.approx(12.0, abs=1e-12)
    assert body["by_brand"]["a"]["laureate"] is True
    assert body["awarded"] is True


def test_rules_threshold_missed_leaves_category_unawarded():
    body = _ranked_three({"a": ([11.99, 11.99], [11.99]), "b": ([9.0, 9.0], [9.0]), "c": ([8.0, 8.0], [8.0])})

    assert body["contested"] is True
    assert body["awarded"] is False
    assert [x["laureate"] for x in body["entries"]] == [False, False, False]


def test_rules_category_below_min_entrants_is_not_contested():
    cat = category(small_edition())
    _three_complete(cat, {"a": ([18.0, 18.0], [18.0]), "b": ([15.0, 15.0], [15.0])})
    add_tests(entry(cat, "c"), "phone", [14.0, 14.0])  # incomplete: no e-mail

    body = ranked(cat)

    assert body["contested"] is False
    assert body["awarded"] is False
    assert body["by_brand"]["a"]["rank"] == 1
    assert body["by_brand"]["a"]["laureate"] is False


def test_rules_incomplete_entry_can_rank_first_but_not_win():
    cat = category(small_edition())
    _three_complete(cat, {"b": ([15.0, 15.0], [15.0]), "c": ([13.0, 13.0], [13.0]), "d": ([12.0, 12.0], [12.0])})
    best = entry(cat, "a-best")
    add_tests(best, "phone", [19.0])  # one phone test of two: incomplete

    body = ranked(cat)

    assert body["by_brand"]["a-best"]["rank"] == 1
    assert body["by_brand"]["a-best"]["laureate"] is False
    assert body["by_brand"]["b"]["rank"] == 2
    assert body["by_brand"]["b"]["laureate"] is True
    assert body["awarded"] is True


def test_rules_co_laureates_when_still_tied():
    body = _ranked_three({"a": ([14.0, 14.0], [14.0]), "b": ([14.0, 14.0], [14.0]), "c": ([10.0, 10.0], [10.0])})

    assert [(x["brand"]["slug"], x["rank"], x["laureate"]) for x in body["entries"]] == [
        ("a", 1, True),
        ("b", 1, True),
        ("c", 3, False),
    ]


@pytest.mark.parametrize(
    ("a_email", "close_call"),
    [
        # a: phone 14,16 (sd √2), e-mail 12 → overall 14, moe = 1.96 × sqrt((2/3)² × 2 / 2) ≈ 1.3067
        # b: 13 everywhere → overall 13, moe 0. Lead 1 < sqrt(1.3067² + 0²).
        (12.0, True),
        # a: overall (2×15 + 15) / 3 = 15 with the same moe ≈ 1.3067; lead 2 over b.
        (15.0, False),
    ],
)
def test_rules_close_call_when_lead_is_within_combined_margin(a_email, close_call):
    body = _ranked_three({"a": ([14.0, 16.0], [a_email]), "b": ([13.0, 13.0], [13.0]), "c": ([5.0, 5.0], [5.0])})

    assert body["by_brand"]["a"]["moe"] == pytest.approx(1.96 * 2 / 3, abs=1e-12)
    assert body["by_brand"]["a"]["laureate"] is True
    assert body["by_brand"]["a"]["close_call"] is close_call
    assert body["by_brand"]["b"]["close_call"] is False


def test_rules_close_call_ignores_incomplete_entries_between():
    cat = category(small_edition())
    _three_complete(cat, {"a": ([14.0, 16.0], [15.0]), "b": ([10.0, 10.0], [10.0]), "c": ([5.0, 5.0], [5.0])})
    add_tests(entry(cat, "incomplete"), "phone", [14.9])  # ranked 2nd, 0.1 behind, but incomplete

    body = ranked(cat)

    # The lead is measured over b (complete, 5 behind), not over the incomplete entry.
    assert body["by_brand"]["incomplete"]["rank"] == 2
    assert body["by_brand"]["a"]["close_call"] is False


# -- §9 figures -------------------------------------------------------------------------------


def _award(edition, slug, winner, others=("x", "y")):
    cat = category(edition, slug)
    _three_complete(cat, {winner: ([16.0, 16.0], [16.0]), **{o: ([10.0, 10.0], [10.0]) for o in others}})
    return cat


def test_rules_renewal_rate_against_previous_published_edition():
    before = small_edition(year=2040)
    _award(before, "banque", "kept", others=("bq-x", "bq-y"))
    _award(before, "assurance", "old-winner", others=("as-x", "as-y"))
    recompute_edition(edition=before)
    Edition.objects.filter(pk=before.pk).update(published_at=timezone.now() - dt.timedelta(days=1))
    now = small_edition(year=2041)
    _award(now, "banque", "kept", others=("bq-x", "bq-y"))
    _award(now, "assurance", "new-winner", others=("as-x", "as-y"))
    recompute_edition(edition=now)

    figures = figures_for(edition=now)

    # Two laureates; "kept" was laureate of "banque" last time, "new-winner" was not: 1 / 2.
    assert figures["renewal_rate"] == 0.5


def test_rules_renewal_rate_null_without_previous_published_edition():
    unpublished = small_edition(year=2050)
    _award(unpublished, "banque", "kept")
    recompute_edition(edition=unpublished)
    future = small_edition(year=2049)
    _award(future, "banque", "kept")
    recompute_edition(edition=future)
    Edition.objects.filter(pk=future.pk).update(published_at=timezone.now() + dt.timedelta(days=3))
    other_country = small_edition(year=2048, country="BE")
    _award(other_country, "banque", "kept")
    recompute_edition(edition=other_country)
    Edition.objects.filter(pk=other_country.pk).update(published_at=timezone.now() - dt.timedelta(days=3))
    now = small_edition(year=2051)
    _award(now, "banque", "kept")
    recompute_edition(edition=now)

    assert figures_for(edition=now)["renewal_rate"] is None


def test_rules_medians_odd_and_even_counts_and_reach_rate():
    edition = small_edition(quota={"phone": 3, "email": 4, "chat": 1, "social": 1})
    cat = category(edition)
    e = entry(cat, "azur")
    add_tests(e, "phone", [12.0, 14.0, 16.0], wait_seconds=[30.0, 10.0, 20.0])
    add_tests(e, "phone", [0.0], reached=False, wait_seconds=[500.0], excluded=True)
    add_tests(e, "email", [10.0, 10.0, 12.0], response_hours=[1.0, 10.0, None])
    add_tests(e, "email", [0.0], reached=False, response_hours=[2.0])
    add_tests(e, "chat", [14.0])
    recompute_edition(edition=edition)

    channels = figures_for(edition=edition)["channels"]

    # phone: 10, 20, 30 (the excluded 500 does not count) → 20; e-mail: 1, 2, 10 → 2, reached 3 of 4
    assert channels["phone"]["median_wait_seconds"] == 20.0
    assert channels["phone"]["reach_rate"] == 1.0
    assert channels["email"]["median_response_hours"] == 2.0
    assert channels["email"]["reach_rate"] == 0.75
    assert channels["chat"]["median_wait_seconds"] is None
    assert channels["social"] == {
        "average_laureates": None,
        "average_others": None,
        "reach_rate": None,
        "median_response_hours": None,
    }


def test_rules_median_of_even_count_is_mean_of_middle_values():
    edition = small_edition(quota={"phone": 4})
    cat = category(edition)
    add_tests(entry(cat, "azur"), "phone", [10.0, 10.0, 10.0, 10.0], wait_seconds=[40.0, 10.0, 30.0, 20.0])
    recompute_edition(edition=edition)

    assert figures_for(edition=edition)["channels"]["phone"]["median_wait_seconds"] == 25.0


def test_rules_figures_counts_and_averages():
    edition = small_edition()
    awarded = _award(edition, "banque", "win", others=("bq-x", "bq-y"))
    thin = category(edition, "energie")
    add_tests(entry(thin, "lonely"), "phone", [13.0])
    entry(thin, "silent")
    category(edition, "vide")
    recompute_edition(edition=edition)

    figures = figures_for(edition=edition)

    # Scored entries: win 16, bq-x 10, bq-y 10, lonely 13 (phone only). Laureate: win.
    assert {k: v for k, v in figures.items() if k != "channels"} == {
        "categories": 3,
        "contested_categories": 1,
        "awarded_categories": 1,
        "entries": 4,
        "counted_tests": 10,
        "average_laureates": 16.0,
        "average_others": 11.0,
        "renewal_rate": None,
    }
    assert figures["channels"]["phone"]["average_laureates"] == 16.0
    assert figures["channels"]["phone"]["average_others"] == 11.0
    assert figures["channels"]["email"]["average_others"] == 10.0
    assert set(figures["channels"]) == {"phone", "email"}
    assert awarded.ranking.awarded is True


def test_rules_stored_rows_carry_fingerprint_and_time():
    cat = category(small_edition())
    add_tests(entry(cat, "azur"), "phone", [12.0])

    ranked(cat)
    cat.ranking.refresh_from_db()
    first = cat.ranking.fingerprint
    ranked(cat)
    cat.ranking.refresh_from_db()

    assert len(first) == 64
    assert cat.ranking.fingerprint == first
    assert cat.ranking.computed_at is not None
    assert cat.entry_scores.get().fingerprint == first


def test_rules_fingerprint_changes_with_settings():
    edition = small_edition()
    cat = category(edition)
    add_tests(entry(cat, "azur"), "phone", [12.0])
    ranked(cat)
    cat.ranking.refresh_from_db()
    first = cat.ranking.fingerprint
    edition.threshold = Decimal("13.00")
    edition.save()

    ranked(cat)
    cat.ranking.refresh_from_db()

    assert cat.ranking.fingerprint != first


def test_rules_other_agency_results_count_together():
    edition = small_edition(quota={"phone": 2})
    cat = category(edition)
    e = entry(cat, "azur")
    add_tests(e, "phone", [10.0])
    other = factories.CampaignFactory(edition=edition)
    TestResult.objects.create(
        agency=other.agency,
        campaign=other,
        external_id="T-1",
        entry=e,
        channel="phone",
        performed_at=timezone.now(),
        reached=True,
        score=14.0,
    )

    body = ranked(cat)

    assert body["by_brand"]["azur"]["channels"]["phone"] == {"score": 12.0, "n": 2, "sd": pytest.approx(math.sqrt(8))}
