"""The portal pages: who sees what, what is shown before and after publication, query counts."""

import pytest
from django.test import Client

from election.models import BrandMembership
from mystery_tests.models import TestResult
from scoring.services import recompute_categories
from tests.conftest import session_client
from tests.support import factories
from tests.support.world import add_test, entry, graded_edition, set_state, small_world

pytestmark = pytest.mark.django_db


def _client(user=None) -> Client:
    return session_client(user, language="fr")


def _scorecard(entry) -> str:
    return f"/portal/scorecards/{entry.pk}/"


def _report(entry) -> str:
    return f"/portal/scorecards/{entry.pk}/report.pdf"


# -- permission matrix ---------------------------------------------------------------------------


def test_scorecard_brand_member_sees_own_scorecard():
    world = small_world()

    response = _client(world.member_a).get(_scorecard(world.a))

    assert response.status_code == 200
    assert "Azur" in response.content.decode()
    assert "12,50" in response.content.decode()


def test_scorecard_other_brand_member_gets_404():
    world = small_world()

    client = _client(world.member_b)

    assert client.get(_scorecard(world.a)).status_code == 404
    assert client.get(_report(world.a)).status_code == 404


def test_scorecard_anonymous_redirected_to_login():
    world = small_world()

    response = Client().get(_scorecard(world.a))
    report = Client().get(_report(world.a))

    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={_scorecard(world.a)}"
    assert report.status_code == 302
    assert report["Location"].startswith("/accounts/login/")


def test_scorecard_agency_user_gets_404():
    world = small_world()
    agency_user = factories.AgencyMembershipFactory().user

    client = _client(agency_user)

    assert client.get(_scorecard(world.a)).status_code == 404
    assert client.get(_report(world.a)).status_code == 404


def test_scorecard_organiser_sees_any_scorecard(organiser):
    world = small_world()

    client = _client(organiser)

    assert client.get(_scorecard(world.a)).status_code == 200
    assert client.get(_scorecard(world.b)).status_code == 200


def test_scorecard_unknown_entry_gets_404():
    world = small_world()

    assert _client(world.member_a).get("/portal/scorecards/999999/").status_code == 404


def test_portal_home_lists_only_own_brand_entries():
    world = small_world()

    content = _client(world.member_a).get("/portal/").content.decode()

    assert _scorecard(world.a) in content
    assert _scorecard(world.b) not in content
    assert _scorecard(world.c) not in content


def test_portal_home_anonymous_redirected_to_login():
    response = Client().get("/portal/")

    assert (response.status_code, response["Location"]) == (302, "/accounts/login/?next=/portal/")


def test_portal_home_agency_user_sees_no_entry(db):
    small_world()
    agency_user = factories.AgencyMembershipFactory().user

    response = _client(agency_user).get("/portal/")

    assert response.status_code == 200
    assert "/portal/scorecards/" not in response.content.decode()


# -- release and publication -------------------------------------------------------------------


def test_scorecard_before_release_shows_no_figure():
    world = small_world(released=False)

    response = _client(world.member_a).get(_scorecard(world.a))
    content = response.content.decode()

    assert response.status_code == 200
    assert 'data-testid="not-released"' in content
    for figure in ("12,50", "17,50", "10,00", 'data-testid="overall"', "report.pdf"):
        assert figure not in content


def test_report_before_release_gets_404():
    world = small_world(released=False)

    assert _client(world.member_a).get(_report(world.a)).status_code == 404


def test_scorecard_organiser_preview_before_release(organiser):
    world = small_world(released=False)

    content = _client(organiser).get(_scorecard(world.a)).content.decode()

    assert "12,50" in content
    assert 'data-testid="preview"' in content


def test_scorecard_released_not_published_has_no_rank_or_laureate():
    world = small_world(released=True, published=False, min_entrants=1)

    content = _client(world.member_a).get(_scorecard(world.a)).content.decode()

    assert "12,50" in content
    assert 'data-testid="rank"' not in content
    assert "2e sur 3" not in content
    assert 'data-testid="laureate"' not in content


def test_scorecard_published_shows_rank_and_laureate():
    world = small_world(published=True, min_entrants=1)

    content = _client(world.member_a).get(_scorecard(world.a)).content.decode()

    assert "2e sur 3" in content
    assert 'data-testid="laureate"' in content


def test_scorecard_shows_hand_computed_figures():
    world = small_world(entrants=4)

    content = _client(world.member_a).get(_scorecard(world.a)).content.decode()

    # Overall 12.5 ± 7.54; category average (12.5 + 13.33 + 3.33 + 14.17)/4 = 10.83; phone reach 67 %,
    # median wait 1 min 30 s.
    for text in ("12,50", "± 7,54", "10,83", "67 %", "1 min 30 s", "26,0 h", "−1,67", "−0,83"):
        assert text in content, text


@pytest.mark.parametrize(("entrants", "average"), [(2, "12,92"), (3, "9,72")])
def test_scorecard_small_category_shows_no_aggregates(entrants, average):
    world = small_world(entrants=entrants)

    content = _client(world.member_a).get(_scorecard(world.a)).content.decode()

    # Fewer than 4 scored entries (§10): neither the category average nor B's 13.33 may appear.
    assert average not in content
    assert "13,33" not in content
    assert 'data-testid="no-aggregates"' in content
    assert "Trop peu de candidatures pour une comparaison confidentielle" in content


def test_scorecard_channel_filter_lists_only_that_channel():
    world = small_world()

    content = _client(world.member_a).get(_scorecard(world.a) + "?channel=email").content.decode()
    tests_section = content.split('id="tests"')[1]

    assert tests_section.count("data-test-id=") == 1


# -- query counts --------------------------------------------------------------------------------


def _member_with_entries(n: int):
    edition = graded_edition()
    user = factories.UserFactory(username="member")
    for i in range(n):
        brand = factories.BrandFactory(slug=f"brand-{i}")
        BrandMembership.objects.create(user=user, brand=brand)
        category = factories.CategoryFactory(edition=edition, slug=f"cat-{i}")
        factories.EntryFactory(category=category, brand=brand)
    return user


@pytest.mark.parametrize("n", [1, 3])
def test_portal_home_query_count_constant(n, django_assert_num_queries):
    client = _client(_member_with_entries(n))

    # session, user, paginator count, entries (one join), the laureate certificates (one join),
    # the appeals' states, the membership check of the appeals link, the menu's membership check.
    with django_assert_num_queries(8):
        response = client.get("/portal/")

    assert response.content.decode().count("/portal/scorecards/") == n


def _category_with_entries(n: int):
    edition = graded_edition()
    category = factories.CategoryFactory(edition=edition, slug="banque-en-ligne")
    entries = [entry(category, f"marque-{i}") for i in range(n)]
    for e in entries:
        add_test(e, "phone", 10, {"a": 1, "b": 1, "c": 1}, wait_seconds=30)
        add_test(e, "email", 15, {"x": 1, "y": 2})
    recompute_categories(category_ids=[category.id])
    set_state(edition, released=True, published=False)
    user = factories.UserFactory(username="member")
    BrandMembership.objects.create(user=user, brand=entries[0].brand)
    return user, entries[0]


@pytest.mark.parametrize("n", [1, 3])
def test_scorecard_query_count_constant(n, django_assert_num_queries):
    user, entry = _category_with_entries(n)
    client = _client(user)

    # session, user, entry (+ score, ranking), brands sharing a member (cache key), category scores,
    # grid, entry's tests, peers' tests, previous edition's entry, the menu's membership check; the spread
    # of the tests (issue 20): the entry with its edition's fieldwork settings, its counted tests.
    with django_assert_num_queries(12):
        response = client.get(_scorecard(entry))

    assert response.status_code == 200


def test_scorecard_tests_listed_fifty_per_page():
    world = small_world()
    for day in range(60):
        add_test(world.a, "phone", 10, {"a": 1, "b": 1, "c": 1}, day=1 + day % 28)
    recompute_categories(category_ids=[world.category.id])
    client = _client(world.member_a)

    first = client.get(_scorecard(world.a)).content.decode().split('id="tests"')[1]
    second = client.get(_scorecard(world.a) + "?tests_page=2").content.decode().split('id="tests"')[1]

    # 5 + 60 tests: 50 on the first page, 15 on the second.
    assert (first.count("data-test-id="), second.count("data-test-id=")) == (50, 15)
    assert "tests_page=2#tests" in first


def test_scorecard_cache_follows_a_recompute():
    world = small_world()
    client = _client(world.member_a)
    before = client.get(_scorecard(world.a)).content.decode()

    TestResult.objects.filter(entry=world.a, excluded=True).update(excluded=False)
    recompute_categories(category_ids=[world.category.id])
    after = client.get(_scorecard(world.a)).content.decode()

    # Restoring the excluded 0/20 phone test: phone (10 + 20 + 0 + 0)/4 = 7.5, overall (2·7.5 + 17.5)/3.
    assert 'data-testid="overall">12,50' in before
    assert 'data-testid="overall">10,83' in after


def test_scorecard_cache_follows_a_member_shared_with_a_competitor():
    # D, B and C are unknown to A's member: 4 entries, 3 unknown → the averages are shown. Once that
    # member also joins B and D, A's own entries are A, B, D: only C is unknown → withheld at once.
    world = small_world(entrants=4)
    client = _client(world.member_a)
    before = client.get(_scorecard(world.a)).content.decode()

    BrandMembership.objects.create(user=world.member_a, brand=world.b.brand)
    BrandMembership.objects.create(user=world.member_a, brand=world.d.brand)
    after = client.get(_scorecard(world.a)).content.decode()

    assert "10,83" in before
    assert "10,83" not in after
    assert 'data-testid="no-aggregates"' in after
