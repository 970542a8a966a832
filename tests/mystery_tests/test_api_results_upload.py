"""POST /api/v1/campaigns/{id}/results/: every bad input is a 400 naming its index and field, and stores nothing."""
# ruff: noqa: F811, E501  (long expected messages read best on one line; pytest fixtures imported from tests.support.world are redefined as test arguments)

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from election.models import Edition
from mystery_tests.models import Campaign, ResultEvent, TestResult
from scoring.models import CategoryRanking
from tests.support.world import result, world  # noqa: F401  (world is a fixture)


def url(campaign) -> str:
    return f"/api/v1/campaigns/{campaign.pk}/results/"


def post(client, campaign, items, query: str = ""):
    return client.post(url(campaign) + query, data=json.dumps(items), content_type="application/json")


def entry_id(world, key: str) -> int:
    return world.entries[key].pk


# -- success ---------------------------------------------------------------------------------------
def test_upload_valid_batch_answers_counts(world):
    items = [result(world.entries["banque-1"], n) for n in range(3)]

    response = post(world.api_a, world.campaign_a, items)

    assert response.status_code == 200
    assert {k: v for k, v in response.json().items() if k != "receipt"} == {"created": 3, "updated": 0, "unchanged": 0}
    assert TestResult.objects.filter(campaign=world.campaign_a).count() == 3


def test_upload_same_batch_twice_is_unchanged(world):
    items = [result(world.entries["banque-1"], n) for n in range(3)]
    post(world.api_a, world.campaign_a, items)

    response = post(world.api_a, world.campaign_a, items)

    assert {k: v for k, v in response.json().items() if k != "receipt"} == {"created": 0, "updated": 0, "unchanged": 3}
    assert TestResult.objects.count() == 3


def test_upload_changed_result_is_updated_keeps_exclusion_and_history(world, organiser):
    entry = world.entries["banque-1"]
    post(world.api_a, world.campaign_a, [result(entry, 1)])
    TestResult.objects.update(excluded=True, exclusion_reason="Appel hors protocole", excluded_by=organiser)

    response = post(world.api_a, world.campaign_a, [result(entry, 1, reached=False, scores={})])

    assert {k: v for k, v in response.json().items() if k != "receipt"} == {"created": 0, "updated": 1, "unchanged": 0}
    stored = TestResult.objects.get()
    assert (stored.reached, stored.score, stored.version, stored.excluded) == (False, 0.0, 2, True)
    assert list(stored.events.values_list("kind", flat=True)) == ["created", "replaced"]
    assert stored.events.get(kind="replaced").data["score"] == 18.0


def test_upload_by_brand_and_category_slugs(world):
    item = result(world.entries["assurance-2"], 1)
    del item["entry"]
    item.update(brand="assurance-brand-2", category="assurance")

    response = post(world.api_a, world.campaign_a, [item])

    assert response.status_code == 200
    assert TestResult.objects.get().entry == world.entries["assurance-2"]


def test_upload_entry_and_matching_slugs_is_accepted(world):
    item = result(world.entries["banque-3"], 1, brand="banque-brand-3", category="banque")

    response = post(world.api_a, world.campaign_a, [item])

    assert response.status_code == 200
    assert TestResult.objects.get().entry == world.entries["banque-3"]


@pytest.mark.parametrize(
    "performed_at",
    ["2027-05-01T23:30:00Z", "2027-05-02T00:00:00+02:00", "2027-07-31T23:59:59+02:00", "2027-07-31T21:59:59Z"],
)
def test_upload_window_bounds_are_included_in_local_time(world, performed_at):
    response = post(world.api_a, world.campaign_a, [result(world.entries["banque-1"], 1, performed_at=performed_at)])

    assert response.status_code == 200


def test_upload_unreached_with_null_points_scores_zero(world):
    item = result(world.entries["banque-1"], 1, reached=False, scores={"greeting": None}, wait_seconds=None)

    response = post(world.api_a, world.campaign_a, [item])

    assert response.status_code == 200
    assert (TestResult.objects.get().score, TestResult.objects.get().scores) == (0.0, {})


def test_upload_optional_fields_may_be_absent(world):
    item = result(world.entries["banque-1"], 1)
    for name in ("wait_seconds", "response_hours", "comment"):
        del item[name]

    response = post(world.api_a, world.campaign_a, [item])

    assert response.status_code == 200
    stored = TestResult.objects.get()
    assert (stored.wait_seconds, stored.response_hours, stored.comment) == (None, None, "")


def test_upload_sends_recompute_signal_after_commit(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = post(world.api_a, world.campaign_a, [result(world.entries["banque-1"], 1)])

    assert response.status_code == 200
    assert len(callbacks) >= 1
    assert CategoryRanking.objects.get(category=world.banque).input_version >= 1


# -- every bad item: 400, the index and field named, nothing stored ---------------------------------------
def bad(world, **changes) -> dict:
    item = result(world.entries["banque-2"], 99)
    for key, value in changes.items():
        if value is DELETE:
            item.pop(key, None)
        else:
            item[key] = value
    return item


DELETE = object()

BAD_ITEMS = [
    # (case id, changes, [(field, message)])
    ("unknown channel", {"channel": "fax"}, [("channel", "Unknown channel “fax”; expected one of: phone, email, web, chat, social.")]),
    ("channel not a string", {"channel": 1}, [("channel", "Must be a string, not a number.")]),
    ("unknown criterion", {"scores": {"greeting": 2, "bogus": 1}}, [("scores.bogus", "“bogus” is not a criterion of the Phone grid.")]),
    ("criterion of another channel", {"scores": {"clarity": 2}}, [("scores.clarity", "“clarity” is not a criterion of the Phone grid.")]),
    ("points 3", {"scores": {"greeting": 3}}, [("scores.greeting", "Points must be 0, 1, 2 or null, not 3.")]),
    ("points -1", {"scores": {"greeting": -1}}, [("scores.greeting", "Points must be 0, 1, 2 or null, not -1.")]),
    ("points 1.5", {"scores": {"greeting": 1.5}}, [("scores.greeting", "Points must be 0, 1, 2 or null, not 1.5.")]),
    ("points as text", {"scores": {"greeting": "2"}}, [("scores.greeting", "Points must be 0, 1, 2 or null, not a string.")]),
    ("points true", {"scores": {"greeting": True}}, [("scores.greeting", "Points must be 0, 1, 2 or null, not a boolean.")]),
    ("scores not an object", {"scores": [2, 1]}, [("scores", "Must be an object {code: points}, not an array.")]),
    ("unreached with points", {"reached": False, "scores": {"greeting": 1}}, [("scores", "An unreached test (reached: false) carries no points; send {} or nulls.")]),
    ("reached with empty scores", {"scores": {}}, [("scores", "A reached test needs at least one scored criterion.")]),
    ("reached with null scores only", {"scores": {"greeting": None}}, [("scores", "A reached test needs at least one scored criterion.")]),
    ("reached without scores", {"scores": DELETE}, [("scores", "A reached test needs at least one scored criterion.")]),
    ("performed_at without offset", {"performed_at": "2027-05-12T10:31:00"}, [("performed_at", "“2027-05-12T10:31:00” has no UTC offset; add one, e.g. +02:00 or Z.")]),
    ("performed_at date only", {"performed_at": "2027-05-12"}, [("performed_at", "“2027-05-12” has no UTC offset; add one, e.g. +02:00 or Z.")]),
    ("performed_at not ISO", {"performed_at": "12/05/2027 10:31"}, [("performed_at", "“12/05/2027 10:31” is not an ISO 8601 date-time such as 2027-05-12T10:31:00+02:00.")]),
    ("performed_at a number", {"performed_at": 1715502660}, [("performed_at", "Must be an ISO 8601 date-time string, not a number.")]),
    ("before the window", {"performed_at": "2027-05-01T23:59:00+02:00"}, [("performed_at", "2027-05-01 (local date in Europe/Paris) is outside the campaign window 2027-05-02 – 2027-07-31.")]),
    ("after the window in local time", {"performed_at": "2027-07-31T22:30:00Z"}, [("performed_at", "2027-08-01 (local date in Europe/Paris) is outside the campaign window 2027-05-02 – 2027-07-31.")]),
    ("performed_at at the calendar's edge", {"performed_at": "0001-01-01T00:30:00+05:00"}, [("performed_at", "0001-01-01 (local date in Europe/Paris) is outside the campaign window 2027-05-02 – 2027-07-31.")]),
    ("negative wait", {"wait_seconds": -1}, [("wait_seconds", "Must not be negative (got -1).")]),
    ("negative response", {"response_hours": -0.5}, [("response_hours", "Must not be negative (got -0.5).")]),
    ("wait as text", {"wait_seconds": "45"}, [("wait_seconds", "Must be a number or null, not a string.")]),
    ("wait true", {"wait_seconds": True}, [("wait_seconds", "Must be a number or null, not a boolean.")]),
    ("reached as text", {"reached": "true"}, [("reached", "Must be true or false, not a string.")]),
    ("reached as number", {"reached": 1}, [("reached", "Must be true or false, not a number.")]),
    ("reached null", {"reached": None}, [("reached", "Must be true or false, not null.")]),
    ("entry true", {"entry": True}, [("entry", "Must be an entry id (an integer), not a boolean.")]),
    ("entry as text", {"entry": "42"}, [("entry", "Must be an entry id (an integer), not a string.")]),
    ("comment with a NUL character", {"comment": "a\u0000b"}, [("comment", "Must not contain the NUL character (\\u0000).")]),
    ("external_id with a NUL character", {"external_id": "AG\u00001"}, [("external_id", "Must not contain the NUL character (\\u0000).")]),
    ("comment a number", {"comment": 5}, [("comment", "Must be a string or null, not a number.")]),
    ("external_id a number", {"external_id": 123}, [("external_id", "Must be a string, not a number.")]),
    ("external_id empty", {"external_id": "  "}, [("external_id", "Must not be empty.")]),
    ("external_id too long", {"external_id": "X" * 101}, [("external_id", "Must be at most 100 characters long (it has 101).")]),
    ("missing external_id", {"external_id": DELETE}, [("external_id", "This field is required.")]),
    ("missing channel", {"channel": DELETE}, [("channel", "This field is required.")]),
    ("missing performed_at", {"performed_at": DELETE}, [("performed_at", "This field is required.")]),
    ("missing reached", {"reached": DELETE}, [("reached", "This field is required.")]),
    ("missing entry", {"entry": DELETE}, [("entry", "Give the entry's id, or its “brand” and “category” slugs.")]),
    ("unknown field", {"note": "x"}, [("note", "Unknown field “note”.")]),
    ("unknown fields in name order", {"zeta": 1, "alpha": 2}, [("alpha", "Unknown field “alpha”."), ("zeta", "Unknown field “zeta”.")]),
    ("unknown category slug", {"entry": DELETE, "brand": "banque-brand-1", "category": "nope"}, [("category", "Category “nope” is not a category of this campaign.")]),
    ("category outside the campaign", {"entry": DELETE, "brand": "energie-brand-1", "category": "energie"}, [("category", "Category “energie” is not a category of this campaign.")]),
    ("unknown brand slug", {"entry": DELETE, "brand": "nope", "category": "banque"}, [("brand", "Unknown brand “nope”.")]),
    ("brand not entered in the category", {"entry": DELETE, "brand": "assurance-brand-1", "category": "banque"}, [("brand", "Brand “assurance-brand-1” has no entry in category “banque”.")]),
    ("brand without category", {"entry": DELETE, "brand": "banque-brand-1"}, [("category", "Required together with “brand”.")]),
    ("category without brand", {"entry": DELETE, "category": "banque"}, [("brand", "Required together with “category”.")]),
    ("brand slug with a NUL character", {"entry": DELETE, "brand": "a\u0000b", "category": "banque"}, [("brand", "Unknown brand “a\u0000b”.")]),
    ("brand not a string", {"entry": DELETE, "brand": 7, "category": "banque"}, [("brand", "Must be a slug (a string), not a number.")]),
]  # fmt: skip


@pytest.mark.parametrize(("changes", "expected"), [case[1:] for case in BAD_ITEMS], ids=[case[0] for case in BAD_ITEMS])
def test_upload_bad_item_is_refused_with_index_and_field(world, changes, expected):
    items = [result(world.entries["banque-1"], 1), bad(world, **changes)]
    before = (TestResult.objects.count(), ResultEvent.objects.count())

    response = post(world.api_a, world.campaign_a, items)

    assert response.status_code == 400
    assert response.json() == {
        "detail": "The results are invalid; nothing was stored.",
        "errors": [{"index": 1, "field": field, "message": message} for field, message in expected],
    }
    assert (TestResult.objects.count(), ResultEvent.objects.count()) == before


def test_upload_unknown_entry_is_refused(world):
    items = [result(world.entries["banque-1"], 1)]
    items[0]["entry"] = 999_999

    response = post(world.api_a, world.campaign_a, items)

    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"index": 0, "field": "entry", "message": "Entry 999999 is not an entry of this campaign's categories."}
    ]
    assert TestResult.objects.count() == 0


def test_upload_entry_outside_the_campaign_categories_is_refused(world):
    outside = world.entries["energie-1"]

    response = post(world.api_a, world.campaign_a, [result(outside, 1)])

    assert response.json()["errors"] == [
        {"index": 0, "field": "entry", "message": f"Entry {outside.pk} is not an entry of this campaign's categories."}
    ]
    assert TestResult.objects.count() == 0


@pytest.mark.parametrize(
    ("key", "status"), [("banque-withdrawn", "withdrawn"), ("banque-disqualified", "disqualified")]
)
def test_upload_entry_not_registered_is_refused(world, key, status):
    entry = world.entries[key]

    response = post(world.api_a, world.campaign_a, [result(world.entries["banque-1"], 1), result(entry, 1)])

    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"index": 1, "field": "entry", "message": f"Entry {entry.pk} is {status}: it no longer takes results."}
    ]
    assert TestResult.objects.count() == 0


def test_upload_entry_contradicting_slugs_is_refused(world):
    entry = world.entries["banque-1"]
    item = result(entry, 1, brand="banque-brand-2", category="banque")

    response = post(world.api_a, world.campaign_a, [item])

    assert response.json()["errors"] == [
        {
            "index": 0,
            "field": "entry",
            "message": f"Entry {entry.pk} is banque-brand-1 in banque, which contradicts the brand and category given.",
        }
    ]
    assert TestResult.objects.count() == 0


def test_upload_channel_outside_the_edition_is_refused(world):
    Edition.objects.filter(pk=world.edition.pk).update(quota_social=0)
    item = result(world.entries["banque-1"], 1, channel="social", scores={"tone": 2})

    response = post(world.api_a, world.campaign_a, [item])

    assert response.json()["errors"] == [
        {"index": 0, "field": "channel", "message": "Channel “social” is not part of this edition (its quota is 0)."}
    ]
    assert TestResult.objects.count() == 0


def test_upload_item_not_an_object_is_refused(world):
    response = post(world.api_a, world.campaign_a, [result(world.entries["banque-1"], 1), 42, "text"])

    assert response.json()["errors"] == [
        {"index": 1, "field": "", "message": "Each result must be a JSON object, not a number."},
        {"index": 2, "field": "", "message": "Each result must be a JSON object, not a string."},
    ]
    assert TestResult.objects.count() == 0


def test_upload_duplicate_external_id_names_both_indexes(world):
    entry = world.entries["banque-1"]
    items = [result(entry, 1), result(entry, 2), result(entry, 1, comment="again")]

    response = post(world.api_a, world.campaign_a, items)

    message = f"“AG-{entry.pk}-000001” appears more than once in this payload (indexes 0, 2)."
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"index": 0, "field": "external_id", "message": message},
        {"index": 2, "field": "external_id", "message": message},
    ]
    assert TestResult.objects.count() == 0


def test_upload_reports_every_error_of_every_item(world):
    entry = world.entries["banque-1"]
    items = [
        result(entry, 1, channel="fax", wait_seconds=-3),
        result(entry, 2),
        result(entry, 3, reached="no", scores={"greeting": 5}, extra=True),
    ]

    response = post(world.api_a, world.campaign_a, items)

    assert [(e["index"], e["field"]) for e in response.json()["errors"]] == [
        (0, "channel"),
        (0, "wait_seconds"),
        (2, "extra"),
        (2, "reached"),
        (2, "scores.greeting"),
    ]
    assert TestResult.objects.count() == 0


def test_upload_invalid_batch_does_not_touch_stored_results(world):
    entry = world.entries["banque-1"]
    post(world.api_a, world.campaign_a, [result(entry, 1)])

    response = post(world.api_a, world.campaign_a, [result(entry, 1, comment="new"), result(entry, 2, channel="fax")])

    assert response.status_code == 400
    stored = TestResult.objects.get()
    assert (stored.comment, stored.version) == ("Conseillère aimable, réponse exacte.", 1)
    assert ResultEvent.objects.count() == 1


# -- the body -------------------------------------------------------------------------------------------
def test_upload_malformed_json_is_400_with_position(world):
    response = world.api_a.post(url(world.campaign_a), data='[{"external_id": "A",]', content_type="application/json")

    assert response.status_code == 400
    assert response.json() == {
        "detail": "Malformed JSON: Expecting property name enclosed in double quotes at line 1, column 22.",
        "errors": [],
    }


def test_upload_nan_is_malformed_json(world):
    body = json.dumps([result(world.entries["banque-1"], 1)]).replace("45", "NaN")

    response = world.api_a.post(url(world.campaign_a), data=body, content_type="application/json")

    assert response.status_code == 400
    assert response.json()["detail"] == "Malformed JSON: NaN is not valid JSON."


def test_upload_object_body_is_400(world):
    response = post(world.api_a, world.campaign_a, result(world.entries["banque-1"], 1))

    assert response.status_code == 400
    assert response.json() == {"detail": "The body must be a JSON array of results, not an object.", "errors": []}


def test_upload_empty_array_is_400(world):
    response = post(world.api_a, world.campaign_a, [])

    assert response.status_code == 400
    assert response.json() == {"detail": "The array is empty: send 1 to 10000 results.", "errors": []}


def test_upload_more_than_10000_items_is_413(world):
    items = [result(world.entries["banque-1"], n) for n in range(11_000)]

    response = post(world.api_a, world.campaign_a, items)

    assert response.status_code == 413
    assert response.json() == {"detail": "11,000 results in one upload; the limit is 10,000: split the batch."}
    assert TestResult.objects.count() == 0


def test_upload_body_over_16_mib_is_413_before_parsing(world):
    body = b"[" + b" " * (16 * 1024 * 1024) + b"not json]"

    response = world.api_a.post(url(world.campaign_a), data=body, content_type="application/json")

    assert response.status_code == 413
    assert response.json() == {"detail": "The body is larger than the limit of 10,000 items or 16 MiB."}


@pytest.mark.parametrize("content_type", ["text/plain", "text/csv", "application/x-www-form-urlencoded"])
def test_upload_non_json_body_is_415(world, content_type):
    response = world.api_a.post(url(world.campaign_a), data="external_id=1", content_type=content_type)

    assert response.status_code == 415
    assert response.json() == {
        "detail": f"Send the results as JSON (Content-Type: application/json), not “{content_type}”."
    }


def test_upload_json_with_charset_is_accepted(world):
    body = json.dumps([result(world.entries["banque-1"], 1)])

    response = world.api_a.post(url(world.campaign_a), data=body, content_type="application/json; charset=utf-8")

    assert response.status_code == 200


# -- dry run ----------------------------------------------------------------------------------------------
def test_upload_dry_run_answers_counts_and_stores_nothing(world):
    entry = world.entries["banque-1"]
    post(world.api_a, world.campaign_a, [result(entry, 1), result(entry, 2)])

    response = post(
        world.api_a,
        world.campaign_a,
        [result(entry, 1), result(entry, 2, comment="x"), result(entry, 3)],
        "?dry_run=true",
    )

    assert response.status_code == 200
    assert {k: v for k, v in response.json().items() if k != "receipt"} == {"created": 1, "updated": 1, "unchanged": 1}
    assert TestResult.objects.count() == 2
    assert ResultEvent.objects.count() == 2


def test_upload_dry_run_invalid_gives_the_same_400(world):
    items = [result(world.entries["banque-1"], 1, channel="fax")]

    dry = post(world.api_a, world.campaign_a, items, "?dry_run=true")
    real = post(world.api_a, world.campaign_a, items)

    assert dry.status_code == real.status_code == 400
    assert dry.json() == real.json()
    assert TestResult.objects.count() == 0


def test_upload_dry_run_bad_value_is_400(world):
    response = post(world.api_a, world.campaign_a, [result(world.entries["banque-1"], 1)], "?dry_run=maybe")

    assert response.status_code == 400
    assert response.json() == {
        "detail": "Invalid parameter “dry_run”.",
        "errors": [{"field": "dry_run", "message": "Use true or false."}],
    }
    assert TestResult.objects.count() == 0


# -- 409 ---------------------------------------------------------------------------------------------------
def test_upload_closed_campaign_is_409_even_with_a_bad_payload(world):
    Campaign.objects.filter(pk=world.campaign_a.pk).update(status="closed")

    response = post(world.api_a, world.campaign_a, [{"bad": True}])

    assert response.status_code == 409
    assert response.json() == {"detail": "This campaign is closed: it no longer accepts results."}
    assert TestResult.objects.count() == 0


def test_upload_frozen_edition_is_409(world):
    Edition.objects.filter(pk=world.edition.pk).update(frozen_at=timezone.now())

    response = post(world.api_a, world.campaign_a, [result(world.entries["banque-1"], 1)])

    assert response.status_code == 409
    assert response.json() == {
        "detail": f"The results of “{world.edition.name}” are frozen (published): uploads are closed."
    }
    assert TestResult.objects.count() == 0


def test_upload_409_comes_before_413(world):
    Campaign.objects.filter(pk=world.campaign_a.pk).update(status="closed")

    response = world.api_a.post(
        url(world.campaign_a), data=b"[" + b" " * (17 * 1024 * 1024) + b"]", content_type="application/json"
    )

    assert response.status_code == 409


# -- query count ----------------------------------------------------------------------------------------------
def test_upload_http_queries_do_not_grow_with_items(world):
    Edition.objects.filter(pk=world.edition.pk).update(quota_phone=1000)  # room for the batch (§5)
    small = [result(world.entries["banque-1"], n) for n in range(10)]
    big = [result(world.entries["banque-2"], n) for n in range(1000)]
    post(world.api_a, world.campaign_a, [result(world.entries["banque-3"], 1)])  # the category's first upload

    with CaptureQueriesContext(connection) as few:
        post(world.api_a, world.campaign_a, small)
    with CaptureQueriesContext(connection) as many:
        post(world.api_a, world.campaign_a, big)

    def not_inserts(captured):
        return [q["sql"].split()[0] for q in captured if not q["sql"].startswith("INSERT")]

    assert not_inserts(many.captured_queries) == not_inserts(few.captured_queries)


def test_upload_errors_follow_the_language_french_by_default(world):
    client = world.api_a
    del client.defaults["HTTP_ACCEPT_LANGUAGE"]

    response = post(client, world.campaign_a, [result(world.entries["banque-1"], 1, channel="fax", reached=None)])

    assert response.json() == {
        "detail": "Les résultats sont invalides ; rien n'a été enregistré.",
        "errors": [
            {
                "index": 0,
                "field": "channel",
                "message": "Canal inconnu « fax » ; attendu l'un de : phone, email, web, chat, social.",
            },
            {"index": 0, "field": "reached", "message": "Doit être true ou false, pas null."},
        ],
    }
