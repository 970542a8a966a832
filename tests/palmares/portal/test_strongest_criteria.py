"""« Les critères les plus forts »: ranked by the points they earned of the overall score, weighted
by the channel's weight, so that a low-weight channel losing little does not come first."""

import pytest

from election.models import BrandMembership
from palmares.portal.scorecard import scorecard_for
from scoring.services import recompute_categories
from tests.support import factories
from tests.support.world import add_test, category, entry, set_state, small_edition

pytestmark = pytest.mark.django_db


def _phone_heavy_entry():
    # Phone weighs 19, e-mail 1. Phone grid a..e (weight 1 each), e-mail grid x (weight 1).
    edition = small_edition(
        {"phone": 1, "email": 1},
        {"phone": 19, "email": 1},
        grid={"phone": [(code, f"Critère {code}", 1) for code in "abcde"], "email": [("x", "Délai de réponse", 1)]},
    )
    e = entry(category(edition), "azur")
    # Phone: a, b, c score 0, d and e score 1 of 2 → 20 × 1/5 = 4; e-mail x full marks → 20.
    add_test(e, "phone", 4, {"a": 0, "b": 0, "c": 0, "d": 1, "e": 1})
    add_test(e, "email", 20, {"x": 2})
    recompute_categories(category_ids=[e.category_id])
    return e


def test_strongest_criteria_weighted_by_channel_share_high_weight_channel_first():
    e = _phone_heavy_entry()

    card = scorecard_for(entry=e)

    # Earned: d and e 20 × ½/5 × 19/20 = 1.9 each; x 20 × 1 × 1/20 = 1.0. x loses nothing but
    # carries a twentieth of the overall: it comes after d and e.
    assert [(c["channel"], c["code"]) for c in card["costliest"]] == [("phone", "a"), ("phone", "b"), ("phone", "c")]
    assert [(c["channel"], c["code"]) for c in card["strongest"]] == [("phone", "d"), ("phone", "e"), ("email", "x")]
    assert [c["points_earned"] for c in card["strongest"]] == pytest.approx([1.9, 1.9, 1.0])


def test_strongest_criteria_never_list_a_criterion_that_earned_nothing():
    edition = small_edition(
        {"phone": 1, "email": 1},
        grid={"phone": [("a", "Accueil", 1), ("b", "Solution", 1)], "email": [("x", "Délai de réponse", 1)]},
    )
    e = entry(category(edition), "azur")
    add_test(e, "phone", 10, {"a": 2, "b": 0})
    add_test(e, "email", 0, {"x": 0})
    recompute_categories(category_ids=[e.category_id])

    card = scorecard_for(entry=e)

    assert [(c["channel"], c["code"]) for c in card["strongest"]] == [("phone", "a")]


def test_strongest_criteria_page_states_points_earned_and_the_rule(client):
    e = _phone_heavy_entry()
    set_state(e.category.edition, released=True, published=False)
    member = factories.UserFactory()
    BrandMembership.objects.create(user=member, brand=e.brand)
    client.force_login(member)

    html = client.get(f"/portal/scorecards/{e.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    strongest = html.split('data-testid="strongest"')[1].split("</ol>")[0]
    assert "+1.90" in strongest and "0.00" not in strongest
    assert "earned the most points of your overall score" in html
