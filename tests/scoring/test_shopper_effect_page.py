"""The organiser's shopper-effect page beside the rankings (issue 20): official and adjusted ranks side
by side; a harsh shopper on one brand shows; tests without a shopper code keep working."""

import pytest

from mystery_tests.models import TestResult
from scoring.shopper_check import edition_check
from tests.conftest import session_client
from tests.support import factories
from tests.support.world import add_tests, category, entry, small_edition

pytestmark = pytest.mark.django_db


def _world():
    edition = small_edition(quota={"phone": 6}, weight={"phone": 1}, min_entrants=3, threshold=10)
    cat = category(edition)
    entries = {b: entry(cat, b) for b in ("azur", "boreal", "cobalt")}
    # azur and boreal: shoppers A, B and H; cobalt only by H, the harsh one (3 points low).
    plan = {
        "azur": [("A", 13.0), ("B", 13.2), ("H", 10.1)] * 2,
        "boreal": [("A", 14.0), ("B", 14.1), ("H", 11.0)] * 2,
        "cobalt": [("H", 12.0)] * 6,
    }
    for brand, tests in plan.items():
        made = add_tests(entries[brand], "phone", [s for _, s in tests])
        for result, (shopper, _score) in zip(made, tests, strict=True):
            TestResult.objects.filter(pk=result.pk).update(shopper=shopper)
    return edition


def test_edition_check_puts_the_brand_tested_by_the_harsh_shopper_first_once_adjusted():
    edition = _world()

    check = edition_check(edition=edition)

    rows = {e["brand"]: e for e in check["categories"][0]["entries"]}
    names = {e.brand.name: e.brand.slug for e in edition.categories.get().entries.select_related("brand")}
    by_slug = {names[n]: r for n, r in rows.items()}
    assert by_slug["cobalt"]["rank"] == 3  # 12 as scored by H, below boreal (13.03) and azur (12.1)
    assert by_slug["cobalt"]["adjusted_rank"] == 1
    assert check["categories"][0]["changed"] is True
    assert check["shoppers"][0]["code"].endswith("/H")
    assert check["shoppers"][0]["effect"] < -1.5


def test_edition_check_without_shopper_codes_matches_the_official_ranking():
    edition = small_edition(quota={"phone": 2}, weight={"phone": 1}, min_entrants=3)
    cat = category(edition)
    for brand, scores in (("azur", [12, 13]), ("boreal", [15, 16]), ("cobalt", [9, 10])):
        add_tests(entry(cat, brand), "phone", scores)

    check = edition_check(edition=edition)

    assert all(not e["moved"] for e in check["categories"][0]["entries"])
    assert check["shoppers"] == []
    assert check["untagged"] == 6


def _page(edition) -> str:
    return f"/admin/scoring/categoryranking/edition/{edition.pk}/shopper-effect/"


def test_shopper_effect_page_renders_for_an_organiser():
    edition = _world()
    client = session_client(factories.OrganiserFactory(username="organiser", is_superuser=True), language=None)

    response = client.get(_page(edition))

    assert response.status_code == 200
    assert 'id="shopper-effects"' in response.content.decode()
    overview = client.get(f"/admin/scoring/categoryranking/edition/{edition.pk}/").content.decode()
    assert "shopper-effect/" in overview


def test_shopper_effect_page_refused_to_staff_without_the_organiser_role():
    edition = _world()
    client = session_client(factories.UserFactory(username="translator", is_staff=True), language=None)

    response = client.get(_page(edition))

    assert response.status_code == 403
