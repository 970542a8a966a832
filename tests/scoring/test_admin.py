"""Organiser admin views of the rankings: overview, category ranking, what-if panel."""

from decimal import Decimal

import pytest
from django.urls import reverse

from election.models import Edition
from scoring.models import CategoryRanking, EntryScore
from scoring.services import recompute_edition
from tests.support import factories
from tests.support.world import add_tests, category, entry, small_edition

pytestmark = pytest.mark.django_db


def _fill(cat, scores):
    for slug, (phone, email) in scores.items():
        e = entry(cat, slug)
        add_tests(e, "phone", phone)
        add_tests(e, "email", email)


@pytest.fixture
def edition():
    edition = small_edition()
    # banque: a close call (see test_rules_close_call_when_lead_is_within_combined_margin)
    _fill(
        category(edition, "banque"),
        {"azur": ([14.0, 16.0], [12.0]), "bleu": ([13.0] * 2, [13.0]), "cyan": ([5.0] * 2, [5.0])},
    )
    # assurance: clear winner at 16.5, runner-up 12
    _fill(
        category(edition, "assurance"),
        {"alpha": ([16.5] * 2, [16.5]), "beta": ([12.0] * 2, [12.0]), "gamma": ([8.0] * 2, [8.0])},
    )
    recompute_edition(edition=edition)
    return edition


def test_admin_overview_lists_laureate_runner_up_lead_and_close_call(organiser_client, edition):
    response = organiser_client.get(reverse("admin:scoring_edition_overview", args=[edition.pk]))

    assert response.status_code == 200
    rows = {r["category"]["slug"]: r for r in response.context["overview"]["rows"]}
    assert [e["brand"]["slug"] for e in rows["banque"]["laureates"]] == ["azur"]
    assert rows["banque"]["runner_up"]["brand"]["slug"] == "bleu"
    assert rows["banque"]["lead"] == 1.0
    assert rows["banque"]["margin"] == pytest.approx(1.96 * 2 / 3)
    assert rows["banque"]["close_call"] is True
    assert rows["assurance"]["close_call"] is False
    assert rows["assurance"]["lead"] == 4.5
    html = response.content.decode()
    assert html.count('class="close-call"') == 1
    assert "14,00" in html or "14.00" in html


def test_admin_category_ranking_shows_channel_breakdown(organiser_client, edition):
    banque = edition.categories.get(slug="banque")

    response = organiser_client.get(reverse("admin:scoring_category_ranking", args=[banque.pk]))

    assert response.status_code == 200
    entries = response.context["category"]["entries"]
    assert [(e["brand"]["slug"], e["rank"]) for e in entries] == [("azur", 1), ("bleu", 2), ("cyan", 3)]
    html = response.content.decode()
    assert "n=2" in html
    assert "sd=1" in html  # √2 ≈ 1.41 for azur's phone tests


def test_admin_what_if_shows_changed_laureates_and_stores_nothing(organiser_client, edition):
    before = list(EntryScore.objects.order_by("entry_id").values_list("entry_id", "overall", "laureate"))
    params = {"threshold": "14.50", "completion": "1", "min_entrants": "3", "weight_phone": "2", "weight_email": "1"}

    response = organiser_client.get(reverse("admin:scoring_what_if", args=[edition.pk]), params)

    assert response.status_code == 200
    rows = {r["category"]["slug"]: r for r in response.context["rows"]}
    # At 14.50 banque's laureate (14.00) falls below the mark; assurance's (16.50) stays.
    assert rows["banque"]["laureates_now"] == ["Azur"]
    assert rows["banque"]["laureates_what_if"] == []
    assert rows["banque"]["changes"] is True
    assert rows["assurance"]["changes"] is False
    assert response.context["changed"] == 1
    assert list(EntryScore.objects.order_by("entry_id").values_list("entry_id", "overall", "laureate")) == before
    assert Edition.objects.get(pk=edition.pk).threshold == Decimal("12.00")


def test_admin_what_if_weights_change_the_winner(organiser_client, edition):
    # E-mail weighing 10 against phone 1: bleu (13 on e-mail) overtakes azur (12 on e-mail) in banque.
    params = {"threshold": "12", "completion": "1", "min_entrants": "3", "weight_phone": "1", "weight_email": "10"}

    response = organiser_client.get(reverse("admin:scoring_what_if", args=[edition.pk]), params)

    rows = {r["category"]["slug"]: r for r in response.context["rows"]}
    assert rows["banque"]["laureates_what_if"] == ["Bleu"]


def test_admin_what_if_rejects_invalid_settings(organiser_client, edition):
    params = {"threshold": "25", "completion": "0", "min_entrants": "0", "weight_phone": "0", "weight_email": "1"}

    response = organiser_client.get(reverse("admin:scoring_what_if", args=[edition.pk]), params)

    assert response.status_code == 200
    assert response.context["rows"] is None
    assert set(response.context["form"].errors) == {"threshold", "completion", "min_entrants", "weight_phone"}


def test_admin_views_refuse_non_staff(client, edition):
    member = factories.BrandMembershipFactory().user
    client.force_login(member)

    for url in (
        reverse("admin:scoring_edition_overview", args=[edition.pk]),
        reverse("admin:scoring_what_if", args=[edition.pk]),
        reverse("admin:scoring_category_ranking", args=[edition.categories.first().pk]),
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/")


def test_admin_recompute_edition_button(organiser_client, edition):
    CategoryRanking.objects.filter(category__edition=edition).update(input_version=99)

    response = organiser_client.post(reverse("admin:scoring_recompute_edition", args=[edition.pk]))

    assert response.status_code == 302
    assert CategoryRanking.objects.filter(category__edition=edition, computed_version=99).count() == 2


def test_admin_changelist_and_recompute_action(organiser_client, edition):
    url = reverse("admin:scoring_categoryranking_changelist")
    ids = [str(i) for i in CategoryRanking.objects.values_list("pk", flat=True)]

    listing = organiser_client.get(url)
    action = organiser_client.post(
        url, {"action": "recompute_selected", "_selected_action": ids}, follow=True, HTTP_ACCEPT_LANGUAGE="en"
    )

    assert listing.status_code == 200
    assert reverse("admin:scoring_what_if", args=[edition.pk]) in listing.content.decode()
    assert [str(m) for m in action.context["messages"]] == ["2 categories recomputed."]


def _second_visit(client, url, django_assert_num_queries, queries):
    """The page's second visit (caches warm), run under a count of ``queries`` queries."""
    client.get(url)
    with django_assert_num_queries(queries):
        return client.get(url)


def _edition_with(n):
    edition = small_edition()
    for i in range(n):
        _fill(category(edition, f"cat-{i}"), {f"b-{i}-{j}": ([10.0 + j] * 2, [10.0]) for j in range(3)})
    recompute_edition(edition=edition)
    return edition


@pytest.mark.parametrize("n", [1, 3])
def test_admin_overview_query_count_constant(organiser_client, django_assert_num_queries, n):
    edition = _edition_with(n)
    url = reverse("admin:scoring_edition_overview", args=[edition.pk])

    # session, user, edition, categories + rankings, entries, rankings with runner-ups
    response = _second_visit(organiser_client, url, django_assert_num_queries, 6)

    assert len(response.context["overview"]["rows"]) == n


@pytest.mark.parametrize("n", [1, 3])
def test_admin_category_ranking_query_count_constant(organiser_client, django_assert_num_queries, n):
    edition = small_edition()
    cat = category(edition, "banque")
    _fill(cat, {f"brand-{j}": ([10.0 + j] * 2, [10.0]) for j in range(n)})
    recompute_edition(edition=edition)
    url = reverse("admin:scoring_category_ranking", args=[cat.pk])

    # session, user, category + edition, categories + rankings, entries, the category's ranking
    response = _second_visit(organiser_client, url, django_assert_num_queries, 6)

    assert len(response.context["category"]["entries"]) == n


@pytest.mark.parametrize("n", [1, 3])
def test_admin_changelist_query_count_constant(organiser_client, django_assert_num_queries, n):
    _edition_with(n)
    url = reverse("admin:scoring_categoryranking_changelist")

    # session, user, counts, rows with category and edition, the edition filter, the editions list
    response = _second_visit(organiser_client, url, django_assert_num_queries, 7)

    assert response.context["cl"].result_count == n
