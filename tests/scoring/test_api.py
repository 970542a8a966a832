"""GET /api/v1/editions/{id}/rankings/ and POST /api/v1/editions/{id}/recompute/ (API.md)."""

import pytest
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from mystery_tests.review import result_exclude
from mystery_tests.signals import inputs_changed
from scoring.services import recompute_edition
from tests.conftest import token_client
from tests.support import factories
from tests.support.world import add_tests, category, entry, small_edition

pytestmark = pytest.mark.django_db


@pytest.fixture
def edition_with_rankings():
    edition = small_edition()
    banque = category(edition, "banque")
    assurance = category(edition, "assurance")
    for slug, (phone, email) in {"b-second": (14, 12), "a-first": (16, 16), "c-third": (10, 10)}.items():
        e = entry(banque, slug)
        add_tests(e, "phone", [float(phone)] * 2)
        add_tests(e, "email", [float(email)])
    entry(banque, "0-silent")
    add_tests(entry(assurance, "solo"), "phone", [11.0])
    recompute_edition(edition=edition)
    return edition


def _url(edition_id, what="rankings"):
    return f"/api/v1/editions/{edition_id}/{what}/"


def test_rankings_body_shape_and_order(organiser_api, edition_with_rankings):
    edition = edition_with_rankings

    response = organiser_api.get(_url(edition.id))

    assert response.status_code == 200
    body = response.json()
    assert body["edition"] == edition.id
    assert body["stale"] is False
    assert body["computed_at"] is not None
    assert [c["slug"] for c in body["categories"]] == ["assurance", "banque"]
    banque = body["categories"][1]
    assert (banque["name"], banque["contested"], banque["awarded"]) == ("Banque", True, True)
    assert [(e["brand"]["slug"], e["rank"]) for e in banque["entries"]] == [
        ("a-first", 1),
        ("b-second", 2),
        ("c-third", 3),
        ("0-silent", None),
    ]
    first = banque["entries"][0]
    assert first["overall"] == 16.0
    assert first["moe"] == 0.0
    assert (first["complete"], first["laureate"], first["close_call"]) == (True, True, False)
    assert first["channels"] == {
        "phone": {"score": 16.0, "n": 2, "sd": 0.0},
        "email": {"score": 16.0, "n": 1, "sd": 0.0},
    }
    second = banque["entries"][1]
    assert second["overall"] == pytest.approx((2 * 14 + 12) / 3)
    silent = banque["entries"][3]
    assert (silent["rank"], silent["overall"], silent["moe"], silent["channels"]) == (None, None, None, {})
    assert body["categories"][0]["contested"] is False


def test_rankings_permission_matrix(api_client, organiser, edition_with_rankings):
    edition = edition_with_rankings
    agency_user = factories.AgencyMembershipFactory().user
    brand = edition.categories.get(slug="banque").entries.first().brand
    brand_member = factories.BrandMembershipFactory(brand=brand).user
    nobody = factories.UserFactory()
    bad_token = APIClient()
    bad_token.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")

    assert api_client.get(_url(edition.id)).status_code == 401
    assert bad_token.get(_url(edition.id)).status_code == 401
    assert token_client(agency_user).get(_url(edition.id)).status_code == 403
    assert token_client(brand_member).get(_url(edition.id)).status_code == 403
    assert token_client(nobody).get(_url(edition.id)).status_code == 403
    assert token_client(organiser).get(_url(999_999)).status_code == 404
    assert token_client(agency_user).get(_url(999_999)).status_code == 404
    assert api_client.post(_url(edition.id, "recompute")).status_code == 401
    assert token_client(agency_user).post(_url(edition.id, "recompute")).status_code == 403
    assert token_client(brand_member).post(_url(edition.id, "recompute")).status_code == 403
    assert token_client(organiser).post(_url(999_999, "recompute")).status_code == 404


def test_rankings_error_bodies_carry_detail(api_client, edition_with_rankings):
    agency_user = factories.AgencyMembershipFactory().user

    forbidden = token_client(agency_user).get(_url(edition_with_rankings.id))
    in_english = token_client(agency_user).get(_url(edition_with_rankings.id), HTTP_ACCEPT_LANGUAGE="en")
    anonymous = api_client.get(_url(edition_with_rankings.id))

    # French is the platform's default language; English on request.
    assert forbidden.json()["detail"] == "Seuls les organisateurs peuvent consulter ou recalculer les classements."
    assert in_english.json()["detail"] == "Only organisers may read or recompute rankings."
    assert "detail" in anonymous.json()


def test_rankings_stale_after_input_change_then_fresh_after_recompute(
    organiser_api, edition_with_rankings, django_capture_on_commit_callbacks
):
    edition = edition_with_rankings
    banque = edition.categories.get(slug="banque")
    result = banque.entries.get(brand__slug="a-first").test_results.first()

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        result_exclude(result=result, user=None, reason="agency mistake")
    stale = organiser_api.get(_url(edition.id)).json()
    for callback in callbacks:
        callback()
    fresh = organiser_api.get(_url(edition.id)).json()

    assert stale["stale"] is True
    assert [c["stale"] for c in stale["categories"]] == [False, True]
    assert fresh["stale"] is False
    first = fresh["categories"][1]["entries"][0]
    # The excluded phone test leaves one phone 16 and the e-mail 16: still 16, now 2 tests.
    assert (first["brand"]["slug"], first["counted_tests"], first["complete"]) == ("a-first", 2, False)


def test_recompute_answers_202_and_recomputes(organiser_api, edition_with_rankings, django_capture_on_commit_callbacks):
    edition = edition_with_rankings
    assurance = edition.categories.get(slug="assurance")
    add_tests(assurance.entries.get(), "phone", [19.0])
    with django_capture_on_commit_callbacks(execute=False):
        inputs_changed.send(sender=None, category_ids={assurance.id})
    assert organiser_api.get(_url(edition.id)).json()["stale"] is True

    with django_capture_on_commit_callbacks(execute=True):
        response = organiser_api.post(_url(edition.id, "recompute"))

    assert response.status_code == 202
    assert response.json()["edition"] == edition.id
    assert response.json()["categories"] == 2
    body = organiser_api.get(_url(edition.id)).json()
    assert body["stale"] is False
    assert body["categories"][0]["entries"][0]["overall"] == 15.0


def _edition_with_categories(n):
    edition = small_edition()
    for i in range(n):
        cat = category(edition, f"cat-{i}")
        for j in range(3):
            add_tests(entry(cat, f"brand-{i}-{j}"), "phone", [10.0 + j])
    recompute_edition(edition=edition)
    return edition


@pytest.mark.parametrize("n", [1, 3])
def test_rankings_query_count_constant(organiser_api, django_assert_num_queries, n):
    edition = _edition_with_categories(n)
    organiser_api.get(_url(edition.id))  # the token is cached by nothing: count the same on every call

    # token + user, edition, categories with their rankings, entries with brands and scores
    with django_assert_num_queries(4):
        response = organiser_api.get(_url(edition.id))

    assert len(response.json()["categories"]) == n


def test_recompute_rankings_command_prints_report(edition_with_rankings, capsys):
    call_command("recompute_rankings", str(edition_with_rankings.id))

    out = capsys.readouterr().out
    assert f'"edition": {edition_with_rankings.id}' in out
    assert '"failed": []' in out


def test_recompute_rankings_command_unknown_edition():
    with pytest.raises(CommandError, match="No edition with id 424242"):
        call_command("recompute_rankings", "424242")


def test_rankings_schema_documents_the_endpoints(api_client):
    response = api_client.get("/api/v1/schema/", {"format": "json"})

    paths = response.json()["paths"]
    assert "/api/v1/editions/{id}/rankings/" in paths
    assert "202" in paths["/api/v1/editions/{id}/recompute/"]["post"]["responses"]


def test_rankings_withdrawn_entry_disappears_after_status_change(
    organiser_api, edition_with_rankings, django_capture_on_commit_callbacks
):
    banque = edition_with_rankings.categories.get(slug="banque")
    first = banque.entries.get(brand__slug="a-first")

    with django_capture_on_commit_callbacks(execute=True):
        first.status = "withdrawn"
        first.save()

    body = organiser_api.get(_url(edition_with_rankings.id)).json()
    entries = body["categories"][1]["entries"]
    assert [(e["brand"]["slug"], e["rank"]) for e in entries] == [("b-second", 1), ("c-third", 2), ("0-silent", None)]
    # Two complete entries left < min_entrants 3
    assert body["categories"][1]["contested"] is False
    assert body["stale"] is False
