"""Campaigns, results list, progress and editions over the API; the permission matrix of every persona."""
# ruff: noqa: F811  (pytest fixtures imported from tests.support.world are redefined as test arguments)

import datetime as dt
import json

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from election.models import Edition
from mystery_tests.grid import DEFAULT_GRID
from mystery_tests.models import Campaign, TestResult
from mystery_tests.services import results_upload
from tests.support import factories
from tests.support.world import result, result_as_stored, world  # noqa: F401  (world is a fixture)

INFO_ACCURACY_EN = next(row[3] for row in DEFAULT_GRID["web"] if row[0] == "info_accuracy")


def anonymous() -> APIClient:
    client = APIClient()
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def bad_token() -> APIClient:
    client = anonymous()
    client.credentials(HTTP_AUTHORIZATION="Token 0000000000000000000000000000000000000000")
    return client


def upload(world, campaign, items) -> None:
    results_upload(campaign=campaign, items=items)


# -- the campaign object ----------------------------------------------------------------------------
def test_campaign_detail_is_the_contract_object(world):
    edition, campaign = world.edition, world.campaign_a

    response = world.api_a.get(f"/api/v1/campaigns/{campaign.pk}/")

    assert response.status_code == 200
    body = response.json()
    assert list(body) == ["id", "edition", "agency", "starts_on", "ends_on", "status", "channels", "entries"]
    assert body["id"] == campaign.pk
    assert body["edition"] == {"id": edition.pk, "country": "FR", "year": 2027, "name": edition.name}
    assert body["agency"] == {"slug": "terrain-sa", "name": "Terrain SA"}
    assert (body["starts_on"], body["ends_on"], body["status"]) == ("2027-05-02", "2027-07-31", "open")
    assert [c["channel"] for c in body["channels"]] == ["phone", "email", "web", "chat", "social"]
    phone = body["channels"][0]
    assert (phone["quota"], phone["weight"], len(phone["criteria"])) == (140, 140, 15)
    assert phone["criteria"][0] == {
        "code": "ivr_ease",
        "label": "Facilité du serveur vocal",
        "labels": {"fr": "Facilité du serveur vocal", "en": "Ease of the voice menu"},
        "weight": 1,
        "max_points": 2,
    }
    assert body["channels"][2]["criteria"][2] == {
        "code": "info_accuracy",
        "label": "Exactitude de l'information",
        "labels": {"fr": "Exactitude de l'information", "en": INFO_ACCURACY_EN},
        "weight": 3,
        "max_points": 2,
    }
    expected_entries = sorted(
        [world.entries[f"{c}-{i}"] for c in ("banque", "assurance") for i in (1, 2, 3)], key=lambda e: e.pk
    )
    assert body["entries"] == [
        {
            "id": e.pk,
            "brand": {"slug": e.brand.slug, "name": e.brand.name},
            # name in the edition's language; names (issue 19, an addition) in every language given
            "category": {"slug": e.category.slug, "name": e.category.name, "names": {"fr": e.category.name}},
        }
        for e in expected_entries
    ]


def test_campaign_detail_lists_only_the_edition_channels_with_their_settings(world):
    Edition.objects.filter(pk=world.edition.pk).update(quota_social=0, quota_chat=0, quota_web=20, weight_web=5)

    body = world.api_a.get(f"/api/v1/campaigns/{world.campaign_a.pk}/").json()

    assert [(c["channel"], c["quota"], c["weight"]) for c in body["channels"]] == [
        ("phone", 140, 140),
        ("email", 50, 50),
        ("web", 20, 5),
    ]


def test_campaign_list_shows_own_campaigns_only(world):
    response = world.api_a.get("/api/v1/campaigns/")

    assert response.status_code == 200
    body = response.json()
    assert (body["count"], body["next"], body["previous"]) == (1, None, None)
    assert [c["id"] for c in body["results"]] == [world.campaign_a.pk]
    assert body["results"][0]["agency"]["slug"] == "terrain-sa"


def test_campaign_list_organiser_sees_all(world, organiser):
    response = world.client(organiser).get("/api/v1/campaigns/")

    assert [c["id"] for c in response.json()["results"]] == [world.campaign_a.pk, world.campaign_b.pk]


@pytest.mark.parametrize("persona", ["brand_member", "nobody"])
def test_campaign_list_is_empty_for_users_without_an_agency(world, persona):
    response = world.client(getattr(world, persona)).get("/api/v1/campaigns/")

    assert response.status_code == 200
    assert response.json() == {"count": 0, "next": None, "previous": None, "results": []}


def test_campaign_list_query_count_is_constant(world, django_assert_num_queries):
    client = world.api_a
    client.get("/api/v1/campaigns/")  # warm the token and content types
    with django_assert_num_queries(7):
        one = client.get("/api/v1/campaigns/")
    for year in (2028, 2029):
        edition = factories.EditionFactory(year=year)
        category = factories.CategoryFactory(edition=edition)
        factories.EntryFactory.create_batch(2, category=category)
        factories.CampaignFactory(edition=edition, agency=world.agency_a)
    with django_assert_num_queries(7):
        three = client.get("/api/v1/campaigns/")

    assert (one.json()["count"], three.json()["count"]) == (1, 3)


# -- the permission matrix --------------------------------------------------------------------------------
ENDPOINTS = [
    ("get", "/api/v1/campaigns/{a}/"),
    ("get", "/api/v1/campaigns/{a}/results/"),
    ("post", "/api/v1/campaigns/{a}/results/"),
    ("get", "/api/v1/campaigns/{a}/progress/"),
]


def call(client, method: str, address: str, world):
    address = address.format(a=world.campaign_a.pk)
    if method == "post":
        return client.post(
            address, data=json.dumps([result(world.entries["banque-1"], 1)]), content_type="application/json"
        )
    return client.get(address)


@pytest.mark.parametrize(("method", "address"), ENDPOINTS + [("get", "/api/v1/campaigns/")])
@pytest.mark.parametrize("client_factory", [anonymous, bad_token], ids=["no token", "bad token"])
def test_campaign_endpoints_without_a_valid_token_are_401(world, method, address, client_factory):
    response = call(client_factory(), method, address, world)

    assert response.status_code == 401
    assert "detail" in response.json()
    assert TestResult.objects.count() == 0


@pytest.mark.parametrize(("method", "address"), ENDPOINTS)
@pytest.mark.parametrize("persona", ["user_b", "brand_member", "nobody"])
def test_campaign_of_another_agency_is_404(world, method, address, persona):
    response = call(world.client(getattr(world, persona)), method, address, world)

    assert response.status_code == 404
    assert response.json() == {"detail": "No such campaign."}
    assert TestResult.objects.count() == 0


def test_unknown_campaign_is_404_like_another_agency_one(world):
    unknown = world.api_a.get("/api/v1/campaigns/999999/")
    hidden = world.client(world.user_b).get(f"/api/v1/campaigns/{world.campaign_a.pk}/")

    assert (unknown.status_code, unknown.json()) == (hidden.status_code, hidden.json())


def test_organiser_upload_is_403(world, organiser):
    response = call(world.client(organiser), "post", "/api/v1/campaigns/{a}/results/", world)

    assert response.status_code == 403
    assert response.json() == {"detail": "Only the campaign's agency uploads results; organisers may read them only."}
    assert TestResult.objects.count() == 0


def test_organiser_reads_campaign_results_and_progress(world, organiser):
    upload(world, world.campaign_a, [result(world.entries["banque-1"], 1)])
    client = world.client(organiser)

    detail = client.get(f"/api/v1/campaigns/{world.campaign_a.pk}/")
    results = client.get(f"/api/v1/campaigns/{world.campaign_a.pk}/results/")
    progress = client.get(f"/api/v1/campaigns/{world.campaign_a.pk}/progress/")

    assert (detail.status_code, results.status_code, progress.status_code) == (200, 200, 200)
    assert results.json()["count"] == 1


def test_agency_b_cannot_read_results_of_a_in_the_same_categories(world):
    upload(world, world.campaign_a, [result(world.entries["banque-1"], 1)])
    upload(world, world.campaign_b, [result(world.entries["banque-1"], 2)])

    response = world.client(world.user_b).get(f"/api/v1/campaigns/{world.campaign_b.pk}/results/")

    assert [r["external_id"] for r in response.json()["results"]] == [f"AG-{world.entries['banque-1'].pk}-000002"]


def test_throttled_client_gets_429(world, settings):
    settings.API_THROTTLE_RATE = "2/min"
    client = world.api_a

    statuses = [client.get("/api/v1/campaigns/").status_code for _ in range(3)]

    assert statuses == [200, 200, 429]


# -- results list -----------------------------------------------------------------------------------
def test_results_list_item_has_upload_fields_id_score_excluded(world):
    entry = world.entries["banque-1"]
    upload(world, world.campaign_a, [result(entry, 1)])
    stored = TestResult.objects.get()

    response = world.api_a.get(f"/api/v1/campaigns/{world.campaign_a.pk}/results/")

    assert response.json() == {
        "count": 1,
        "next": None,
        "previous": None,
        "results": [
            {
                "id": stored.pk,
                "external_id": f"AG-{entry.pk}-000001",
                "performed_at": "2027-05-12T08:31:00Z",
                **result_as_stored(entry),
                "excluded": False,
            }
        ],
    }


def test_results_list_is_paginated_by_id(world):
    upload(world, world.campaign_a, [result(world.entries["banque-1"], n) for n in range(5)])
    ids = list(TestResult.objects.order_by("id").values_list("id", flat=True))
    address = f"/api/v1/campaigns/{world.campaign_a.pk}/results/"

    first = world.api_a.get(address, {"page_size": 2}).json()
    last = world.api_a.get(address, {"page_size": 2, "page": 3}).json()

    assert (first["count"], [r["id"] for r in first["results"]]) == (5, ids[:2])
    assert first["next"] == f"http://testserver{address}?page=2&page_size=2"
    assert first["previous"] is None
    assert ([r["id"] for r in last["results"]], last["next"]) == (ids[4:], None)


def test_results_list_page_size_is_capped_at_1000(world):
    upload(world, world.campaign_a, [result(world.entries["banque-1"], n) for n in range(3)])

    response = world.api_a.get(f"/api/v1/campaigns/{world.campaign_a.pk}/results/", {"page_size": 5000})

    assert response.status_code == 200
    assert len(response.json()["results"]) == 3


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"channel": "email"}, ["e"]),
        ({"entry": "ENTRY2"}, ["b"]),
        ({"external_id": "a"}, ["a"]),
        ({"channel": "phone", "entry": "ENTRY1"}, ["a"]),
    ],
)
def test_results_list_filters(world, params, expected):
    e1, e2 = world.entries["banque-1"], world.entries["banque-2"]
    upload(
        world,
        world.campaign_a,
        [
            result(e1, 1, external_id="a"),
            result(e2, 2, external_id="b"),
            result(e1, 3, external_id="e", channel="email", scores={"clarity": 1}),
        ],
    )
    params = {k: str({"ENTRY1": e1.pk, "ENTRY2": e2.pk}.get(v, v)) for k, v in params.items()}

    response = world.api_a.get(f"/api/v1/campaigns/{world.campaign_a.pk}/results/", params)

    assert [r["external_id"] for r in response.json()["results"]] == expected


def test_results_list_bad_filter_is_400_in_contract_shape(world):
    response = world.api_a.get(f"/api/v1/campaigns/{world.campaign_a.pk}/results/", {"channel": "fax"})

    assert response.status_code == 400
    assert response.json() == {
        "detail": "Invalid filter parameters.",
        "errors": [{"field": "channel", "message": "Select a valid choice. fax is not one of the available choices."}],
    }


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("28158436744382453383168", "Ensure this value is less than or equal to 9223372036854775807."),
        ("1.5", "Enter a whole number."),
        ("0", "Ensure this value is greater than or equal to 1."),
    ],
)
def test_results_list_entry_filter_out_of_range_is_400(world, value, message):
    response = world.api_a.get(f"/api/v1/campaigns/{world.campaign_a.pk}/results/", {"entry": value})

    assert response.status_code == 400
    assert response.json()["errors"] == [{"field": "entry", "message": message}]


def test_results_list_query_count_is_constant(world, django_assert_num_queries):
    address = f"/api/v1/campaigns/{world.campaign_a.pk}/results/"
    client = world.api_a
    upload(world, world.campaign_a, [result(world.entries["banque-1"], 1)])
    client.get(address)
    with django_assert_num_queries(5):
        one = client.get(address)
    upload(world, world.campaign_a, [result(world.entries["banque-1"], n) for n in (2, 3)])
    with django_assert_num_queries(5):
        three = client.get(address)

    assert (one.json()["count"], three.json()["count"]) == (1, 3)


# -- progress ----------------------------------------------------------------------------------------------
def test_progress_counts_received_and_counted_per_entry_and_channel(world):
    e1 = world.entries["banque-1"]
    upload(world, world.campaign_a, [result(e1, n) for n in range(3)])
    upload(world, world.campaign_a, [result(e1, 9, channel="email", scores={"clarity": 2})])
    upload(world, world.campaign_b, [result(e1, 1)])  # another agency's result: not the caller's
    TestResult.objects.filter(agency=world.agency_a, external_id=f"AG-{e1.pk}-000000").update(excluded=True)

    response = world.api_a.get(f"/api/v1/campaigns/{world.campaign_a.pk}/progress/")

    assert response.status_code == 200
    body = response.json()
    assert body["campaign"] == world.campaign_a.pk
    assert len(body["entries"]) == 6
    line = next(line for line in body["entries"] if line["entry"] == e1.pk)
    assert line["brand"] == {"slug": "banque-brand-1", "name": e1.brand.name}
    assert line["category"] == {"slug": "banque", "name": "Banque en ligne", "names": {"fr": "Banque en ligne"}}
    assert line["channels"] == {
        "phone": {"quota": 140, "received": 3, "counted": 2},
        "email": {"quota": 50, "received": 1, "counted": 1},
        "web": {"quota": 15, "received": 0, "counted": 0},
        "chat": {"quota": 10, "received": 0, "counted": 0},
        "social": {"quota": 10, "received": 0, "counted": 0},
    }


def test_progress_query_count_is_constant(world, django_assert_num_queries):
    address = f"/api/v1/campaigns/{world.campaign_a.pk}/progress/"
    campaign = Campaign.objects.create(
        edition=world.edition,
        agency=factories.AgencyFactory(slug="solo"),
        starts_on=dt.date(2027, 5, 2),
        ends_on=dt.date(2027, 7, 31),
    )
    category = factories.CategoryFactory(edition=world.edition, slug="solo")
    campaign.categories.set([category])
    user = factories.AgencyMembershipFactory(agency=campaign.agency).user
    client = world.client(user)
    address = f"/api/v1/campaigns/{campaign.pk}/progress/"
    factories.EntryFactory(category=category)
    client.get(address)
    with django_assert_num_queries(5):
        one = client.get(address)
    factories.EntryFactory.create_batch(2, category=category)
    with django_assert_num_queries(5):
        three = client.get(address)

    assert (len(one.json()["entries"]), len(three.json()["entries"])) == (1, 3)


# -- editions ----------------------------------------------------------------------------------------------
def test_editions_organiser_sees_all_others_only_published(world, organiser):
    published = factories.EditionFactory(year=2026)
    Edition.objects.filter(pk=published.pk).update(published_at=timezone.now() - dt.timedelta(days=1))
    scheduled = factories.EditionFactory(year=2025)
    Edition.objects.filter(pk=scheduled.pk).update(published_at=timezone.now() + dt.timedelta(days=1))

    as_organiser = world.client(organiser).get("/api/v1/editions/").json()
    as_agency = world.api_a.get("/api/v1/editions/").json()
    as_anonymous = anonymous().get("/api/v1/editions/").json()

    assert [e["id"] for e in as_organiser["results"]] == sorted([world.edition.pk, published.pk, scheduled.pk])
    assert [e["id"] for e in as_agency["results"]] == [published.pk]
    assert as_anonymous == as_agency
    assert as_agency["results"][0]["country"] == "FR"
    assert as_agency["results"][0]["year"] == 2026
    assert as_agency["results"][0]["published_at"].endswith("Z")


def test_editions_bad_token_is_401(world):
    assert bad_token().get("/api/v1/editions/").status_code == 401


def test_editions_query_count_is_constant(world, organiser, django_assert_num_queries):
    client = world.client(organiser)
    client.get("/api/v1/editions/")
    with django_assert_num_queries(3):
        one = client.get("/api/v1/editions/")
    factories.EditionFactory.create_batch(2)
    with django_assert_num_queries(3):
        three = client.get("/api/v1/editions/")

    assert (one.json()["count"], three.json()["count"]) == (1, 3)
