"""GET /api/v1/appeals/ (an addition to API.md): agencies read appeals on their own tests."""

import pytest

from palmares.appeals.services import appeal_file, appeal_reject
from tests.conftest import token_client


def _file(world, key="azur-1"):
    user = world.member_a if key.startswith("azur") else world.member_b
    return appeal_file(result=world.results[key], user=user, reason="Outside opening hours.")


def test_api_appeals_agency_reads_its_appeals(world):
    appeal = _file(world)

    response = token_client(world.agent_a).get("/api/v1/appeals/")

    assert response.status_code == 200
    assert response.json()["count"] == 1
    body = response.json()["results"][0]
    assert {k: body[k] for k in ("id", "status", "reason", "evidence", "agency_answer", "answer")} == {
        "id": appeal.pk,
        "status": "open",
        "reason": "Outside opening hours.",
        "evidence": False,
        "agency_answer": "",
        "answer": "",
    }
    assert body["test"]["external_id"] == "T-azur-1"
    assert body["entry"] == {
        "id": world.azur.pk,
        "edition": world.edition.pk,
        "brand": {"slug": "azur", "name": "Azur"},
        "category": {"slug": "banque-en-ligne", "name": "Banque en ligne"},
    }


def test_api_appeals_other_agency_sees_nothing(world):
    appeal = _file(world)
    client = token_client(world.agent_b)

    listing = client.get("/api/v1/appeals/")
    detail = client.get(f"/api/v1/appeals/{appeal.pk}/")

    assert (listing.status_code, listing.json()["count"], listing.json()["results"]) == (200, 0, [])
    assert detail.status_code == 404


def test_api_appeals_brand_member_forbidden(world):
    _file(world)

    response = token_client(world.member_a).get("/api/v1/appeals/", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 403
    assert response.json()["detail"] == "Appeals are read by the agency concerned and by organisers."


def test_api_appeals_without_token_401(world, api_client):
    assert api_client.get("/api/v1/appeals/").status_code == 401


def test_api_appeals_organiser_reads_all_and_filters_by_status(world, organiser_api, organiser):
    first = _file(world)
    second = _file(world, key="beryl-0")
    appeal_reject(appeal=second, user=organiser, answer="No.")

    everything = organiser_api.get("/api/v1/appeals/").json()
    rejected = organiser_api.get("/api/v1/appeals/?status=rejected").json()

    assert [a["id"] for a in everything["results"]] == [first.pk, second.pk]
    assert [(a["id"], a["answer"]) for a in rejected["results"]] == [(second.pk, "No.")]


@pytest.mark.parametrize("n", [1, 3])
def test_api_appeals_query_count_constant(world, n, django_assert_num_queries):
    for key in ("azur-0", "azur-1", "beryl-0")[:n]:
        _file(world, key=key)
    client = token_client(world.agent_a)

    # token + user, agency membership, count, the page (one join)
    with django_assert_num_queries(4):
        response = client.get("/api/v1/appeals/")

    assert response.json()["count"] == n


def test_api_appeals_described_in_schema(db, organiser_api):
    schema = organiser_api.get("/api/v1/schema/", {"format": "json"}).json()

    assert {"/api/v1/appeals/", "/api/v1/appeals/{id}/"} <= set(schema["paths"])
