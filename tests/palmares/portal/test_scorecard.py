"""Every figure of a scorecard against values worked out by hand (see tests/support/world.py)."""

import math
from decimal import Decimal

import pytest
from django.utils import translation

from election.models import BrandMembership
from palmares.portal.scorecard import scorecard_for
from palmares.templatetags.scorecard_tags import hours, percent, rank_label, round_half_up, score2, seconds, signed2
from scoring.models import EntryScore
from scoring.services import recompute_categories
from tests.support import factories
from tests.support.world import add_test, entry, graded_edition, set_state, small_world

pytestmark = pytest.mark.django_db

APPROX = {"abs": 1e-9}


def _criterion(card, channel, code):
    return next(c for c in card["criteria"] if c["channel"] == channel and c["code"] == code)


def _channel(card, channel):
    return next(c for c in card["channels"] if c["channel"] == channel)


def test_scorecard_overall_and_margin_hand_computed():
    world = small_world()

    card = scorecard_for(entry=world.a)

    assert card["overall"] == pytest.approx(12.5, **APPROX)
    assert card["moe"] == pytest.approx(1.96 * math.sqrt((2 / 3) ** 2 * 100 / 3), **APPROX)
    assert card["counted_tests"] == 4
    assert card["excluded_tests"] == 1
    assert card["complete"] is True
    assert card["scored"] is True


def test_scorecard_channels_scores_reach_and_times_hand_computed():
    world = small_world()

    card = scorecard_for(entry=world.a)
    phone, email = _channel(card, "phone"), _channel(card, "email")

    assert [c["channel"] for c in card["channels"]] == ["phone", "email"]
    assert (phone["score"], phone["n"]) == (pytest.approx(10.0), 3)
    assert (email["score"], email["n"]) == (pytest.approx(17.5), 1)
    assert phone["normalised_weight"] == pytest.approx(2 / 3)
    assert email["normalised_weight"] == pytest.approx(1 / 3)
    # Reach: 2 of the 3 counted phone tests; the excluded test is not counted.
    assert phone["reach_rate"] == pytest.approx(2 / 3)
    assert email["reach_rate"] == pytest.approx(1.0)
    # Median wait over counted tests carrying one: 30, 90, 600 → 90 (the excluded 5 s is left out).
    assert phone["median_wait_seconds"] == pytest.approx(90.0)
    assert email["median_response_hours"] == pytest.approx(26.0)
    assert phone["median_response_hours"] is None


def test_scorecard_category_averages_hand_computed_with_four_entries():
    world = small_world(entrants=4)

    card = scorecard_for(entry=world.a)
    overall = card["category"]["overall"]
    phone, email = _channel(card, "phone")["category"], _channel(card, "email")["category"]

    # 4 scored entries, 3 neither A's own nor a laureate (no laureate: not contested) → §10 shows averages.
    # Overall 12.5, 13.333…, 3.333…, 14.1666…; phone 10, 10, 5, 15; e-mail 17.5, 20, 0, 12.5.
    assert overall == {"average": pytest.approx(130 / 12), "entries": 4}
    assert phone == {"average": pytest.approx(10.0), "entries": 4}
    assert email == {"average": pytest.approx(12.5), "entries": 4}


@pytest.mark.parametrize("entrants", [2, 3])
def test_scorecard_category_averages_withheld_below_four_entries(entrants):
    world = small_world(entrants=entrants)

    card = scorecard_for(entry=world.a)

    assert card["category"]["scored_entries"] == entrants
    assert card["category"]["overall"] is None
    assert [c["category"] for c in card["channels"]] == [None, None]
    assert {c["category_mean"] for c in card["criteria"]} == {None}


def test_scorecard_category_averages_withheld_when_laureate_leaves_one_unknown():
    # D (14.17) is complete here and the laureate; A's member also belongs to B: own A, B + laureate D
    # leave only C unknown among the 4 → n × average − own − laureate would be C's score.
    world = small_world(entrants=4, min_entrants=1)
    # A second phone test completes B (10), C (5) and D (15).
    for completed, score in ((world.b, 10), (world.c, 5), (world.d, 15)):
        add_test(completed, "phone", score, {"a": 1, "b": 1, "c": 1}, wait_seconds=40)
    recompute_categories(category_ids=[world.category.id])
    assert EntryScore.objects.get(entry=world.d).laureate
    BrandMembership.objects.create(user=world.member_a, brand=world.b.brand)

    card = scorecard_for(entry=world.a)

    assert card["category"]["overall"] is None
    assert [c["category"] for c in card["channels"]] == [None, None]


def test_scorecard_criteria_means_and_points_lost_hand_computed():
    world = small_world(entrants=4)

    card = scorecard_for(entry=world.a)

    # Brand means over counted reached tests where scored.
    assert _criterion(card, "phone", "a")["mean_points"] == pytest.approx(2.0)
    assert _criterion(card, "phone", "b")["mean_points"] == pytest.approx(1.5)
    assert _criterion(card, "phone", "c")["mean_points"] == pytest.approx(0.0)
    assert _criterion(card, "phone", "c")["times_scored"] == 1
    assert _criterion(card, "email", "x")["mean_points"] == pytest.approx(1.0)
    # Category means = mean of the 4 entries' means: a (2, 1, 0, 2) → 1.25; b (1.5, 1, 0, 1) → 0.875;
    # c (0, 1, 2, 2) → 1.25.
    assert _criterion(card, "phone", "a")["category_mean"] == pytest.approx(1.25)
    assert _criterion(card, "phone", "b")["category_mean"] == pytest.approx(0.875)
    assert _criterion(card, "phone", "c")["category_mean"] == pytest.approx(1.25)
    # Only A, B and D have a reached e-mail test: fewer than 4 entries, no category mean (§10).
    assert _criterion(card, "email", "x")["category_mean"] is None
    # Points lost: t1 (Σw 4) b loses 20·2·½/4 = 5, c loses 20·1·1/4 = 5; t2 loses nothing; over the
    # 2 reached phone tests → 2.5 each, × 2/3 = 5/3. e1 (Σw 4): x loses 20·1·½/4 = 2.5, × 1/3 = 5/6.
    assert _criterion(card, "phone", "a")["points_lost"] == pytest.approx(0.0)
    assert _criterion(card, "phone", "b")["points_lost"] == pytest.approx(5 / 3)
    assert _criterion(card, "phone", "c")["points_lost"] == pytest.approx(5 / 3)
    assert _criterion(card, "email", "x")["points_lost"] == pytest.approx(5 / 6)
    assert _criterion(card, "email", "y")["points_lost"] == pytest.approx(0.0)


def test_scorecard_costliest_and_strongest_criteria():
    world = small_world()

    card = scorecard_for(entry=world.a)

    # b and c tie at 5/3: grid order breaks the tie.
    assert [(c["channel"], c["code"]) for c in card["costliest"]] == [("phone", "b"), ("phone", "c"), ("email", "x")]
    # a and y lose nothing with a mean of 2; y carries more of the overall (1/3 × 3/4) than a (2/3 × 1/4).
    assert [(c["channel"], c["code"]) for c in card["strongest"]] == [("email", "y"), ("phone", "a")]


def test_scorecard_losses_add_up_to_reached_tests_shortfall():
    world = small_world()

    card = scorecard_for(entry=world.a)

    # Reached means: phone (10 + 20)/2 = 15, e-mail 17.5 → shortfall 2/3 × 5 + 1/3 × 2.5.
    assert sum(c["points_lost"] for c in card["criteria"]) == pytest.approx(2 / 3 * 5 + 1 / 3 * 2.5)


def test_scorecard_before_publication_has_no_rank_or_laureate():
    world = small_world(released=True, published=False)

    card = scorecard_for(entry=world.a)

    assert (card["rank"], card["ranked_entries"], card["laureate"]) == (None, None, None)
    assert card["category"]["awarded"] is None


def test_scorecard_after_publication_has_rank_and_laureate():
    world = small_world(published=True, min_entrants=1)

    card = scorecard_for(entry=world.a)
    card_b = scorecard_for(entry=world.b)

    # B (13.33) is ranked first but incomplete (1 phone test of 2); A is the best complete entry, ≥ 12.
    assert (card["rank"], card["ranked_entries"], card["laureate"]) == (2, 3, True)
    assert (card_b["rank"], card_b["laureate"]) == (1, False)


def test_scorecard_tests_list_counted_and_excluded_with_points():
    world = small_world()

    card = scorecard_for(entry=world.a)

    assert len(card["tests"]) == 5
    first = card["tests"][0]
    assert [(p["label"], p["points"]) for p in first["points"]] == [("Accueil", 2), ("Écoute", 1), ("Clôture", 0)]
    assert first["comment"] == "Conseiller aimable"
    excluded = [t for t in card["tests"] if t["excluded"]]
    assert [(t["score"], t["exclusion_reason"]) for t in excluded] == [(0.0, "Enregistrement inaudible")]


def test_scorecard_previous_edition_delta_and_rank_when_published():
    world = small_world()
    before = graded_edition(year=world.edition.year - 1)
    category = factories.CategoryFactory(edition=before, slug="banque-en-ligne", name="Banque en ligne")
    old_a = entry(category, "azur")
    old_b = entry(category, "bleu")
    add_test(old_a, "phone", 11)
    add_test(old_a, "email", 11)
    add_test(old_b, "phone", 15)
    add_test(old_b, "email", 15)
    recompute_categories(category_ids=[category.id])
    set_state(before, released=True, published=True)

    card = scorecard_for(entry=world.a)

    assert card["previous"]["overall"] == pytest.approx(11.0)
    assert card["previous"]["delta"] == pytest.approx(1.5)
    assert (card["previous"]["rank"], card["previous"]["ranked_entries"]) == (2, 2)


def test_scorecard_previous_edition_not_released_is_not_shown():
    world = small_world()
    before = graded_edition(year=world.edition.year - 1)
    category = factories.CategoryFactory(edition=before, slug="banque-en-ligne")
    add_test(entry(category, "azur"), "phone", 11)

    card = scorecard_for(entry=world.a)

    assert card["previous"] is None


def test_round_half_up_uses_ninth_decimal_then_half_up():
    assert round_half_up(14.455) == Decimal("14.46")
    assert round_half_up(14.454999999999998) == Decimal("14.46")
    assert round_half_up(2.675) == Decimal("2.68")
    assert round_half_up(12.5) == Decimal("12.50")
    assert round_half_up(0.125, 2) == Decimal("0.13")


def test_display_filters_localised_in_french_and_english(settings):
    with translation.override("fr"):
        assert (score2(12.345), signed2(-1.2), signed2(0.001), percent(2 / 3)) == ("12,35", "−1,20", "±0,00", "67 %")
        assert (seconds(90), seconds(45), hours(26.25), rank_label(2, 6)) == (
            "1 min 30 s",
            "45 s",
            "26,3 h",
            "2e sur 6",
        )
    with translation.override("en"):
        assert (score2(12.345), signed2(1.5), rank_label(1, 6), rank_label(22, 30)) == (
            "12.35",
            "+1.50",
            "1st of 6",
            "22nd of 30",
        )
    assert score2(None) == "–"
