# ruff: noqa: F811  (pytest fixtures imported from tests.support.world are redefined as test arguments)
"""METHODOLOGY §5's cap: an entry never holds more non-excluded tests on a channel than the
channel's quota. Uploads (JSON, dry run, HTTP), file imports and restores going above it are
refused, all or nothing, naming the item (index or row), the entry, the channel and the quota."""

import json

import pytest
from django.contrib.admin import helpers
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from election.models import Edition
from mystery_tests import imports, review
from mystery_tests.models import Campaign, ImportJob, TestResult
from mystery_tests.services import ResultsInvalid, results_upload
from tests.support.world import csv_bytes, result, row, world  # noqa: F401  (world is a fixture)

pytestmark = pytest.mark.usefixtures("in_english")

QUOTA = 3


@pytest.fixture
def small(world):
    """The world's edition with a phone quota of 3; the campaigns re-read so they see it."""
    Edition.objects.filter(pk=world.edition.pk).update(quota_phone=QUOTA)
    world.edition.refresh_from_db()
    world.campaign_a = Campaign.objects.select_related("edition").get(pk=world.campaign_a.pk)
    world.campaign_b = Campaign.objects.select_related("edition").get(pk=world.campaign_b.pk)
    return world


def _message(count: int, brand="Banque en ligne 1", category="Banque en ligne", channel="Phone") -> str:
    return (
        f"This test would bring {brand} in {category} to {count} tests ({channel}); the quota is {QUOTA} "
        "(an agency re-tests only after an exclusion)."
    )


def _counts(counts: dict) -> dict:
    return {k: counts[k] for k in ("created", "updated", "unchanged")}


def _items(world, agency_prefix: str, numbers, entry_key="banque-1", **overrides) -> list[dict]:
    entry = world.entries[entry_key]
    overrides.setdefault("external_id", None)
    key = overrides.pop("external_id")
    return [result(entry, n, external_id=key or f"{agency_prefix}-{entry.pk}-{n}", **overrides) for n in numbers]


def test_upload_up_to_the_quota_is_accepted(small):
    counts = results_upload(campaign=small.campaign_a, items=_items(small, "A", range(QUOTA)))

    assert _counts(counts) == {"created": QUOTA, "updated": 0, "unchanged": 0}


def test_upload_above_the_quota_is_refused_all_or_nothing_naming_each_item(small):
    results_upload(campaign=small.campaign_a, items=_items(small, "A", range(2)))
    batch = _items(small, "A", range(2, 6)) + _items(small, "A", [1], entry_key="banque-2")

    with pytest.raises(ResultsInvalid) as refused:
        results_upload(campaign=small.campaign_a, items=batch)

    assert refused.value.errors == [
        {"index": 1, "field": "channel", "message": _message(4)},
        {"index": 2, "field": "channel", "message": _message(5)},
        {"index": 3, "field": "channel", "message": _message(6)},
    ]
    assert TestResult.objects.count() == 2


def test_upload_quota_counts_every_agencys_tests_of_the_entry(small):
    results_upload(campaign=small.campaign_a, items=_items(small, "A", range(2)))

    with pytest.raises(ResultsInvalid) as refused:
        results_upload(campaign=small.campaign_b, items=_items(small, "B", range(2)))

    assert refused.value.errors == [{"index": 1, "field": "channel", "message": _message(4)}]
    assert TestResult.objects.filter(agency=small.agency_b).count() == 0


def test_upload_quota_is_per_channel(small):
    results_upload(campaign=small.campaign_a, items=_items(small, "A", range(QUOTA)))

    counts = results_upload(
        campaign=small.campaign_a, items=_items(small, "E", range(4), channel="email", scores={"clarity": 2})
    )

    assert counts["created"] == 4


def test_upload_replacement_at_the_quota_is_not_a_new_test(small):
    results_upload(campaign=small.campaign_a, items=_items(small, "A", range(QUOTA)))

    counts = results_upload(campaign=small.campaign_a, items=_items(small, "A", range(QUOTA), comment="corrigé"))

    assert _counts(counts) == {"created": 0, "updated": QUOTA, "unchanged": 0}


def test_upload_after_an_exclusion_may_retest(small, organiser):
    results_upload(campaign=small.campaign_a, items=_items(small, "A", range(QUOTA)))
    review.result_exclude(result=TestResult.objects.first(), user=organiser, reason="Hors protocole")

    counts = results_upload(campaign=small.campaign_a, items=_items(small, "A", [QUOTA]))

    assert counts["created"] == 1
    assert TestResult.objects.filter(excluded=False).count() == QUOTA


def test_upload_replacing_an_excluded_test_keeps_it_out_of_the_count(small, organiser):
    results_upload(
        campaign=small.campaign_a,
        items=_items(small, "A", range(QUOTA)) + _items(small, "A", [9], entry_key="banque-2"),
    )
    moved = TestResult.objects.get(entry=small.entries["banque-2"])
    review.result_exclude(result=moved, user=organiser, reason="Doublon")

    # The excluded test moves onto the full entry: it stays excluded, so nothing goes above the quota.
    counts = results_upload(campaign=small.campaign_a, items=_items(small, "A", [9], external_id=moved.external_id))

    assert counts["updated"] == 1
    assert TestResult.objects.filter(entry=small.entries["banque-1"], excluded=False).count() == QUOTA


def test_upload_moving_a_counted_test_onto_a_full_entry_is_refused(small):
    results_upload(campaign=small.campaign_a, items=_items(small, "A", range(QUOTA)))
    results_upload(campaign=small.campaign_a, items=_items(small, "A", [1], entry_key="banque-2"))
    key = TestResult.objects.get(entry=small.entries["banque-2"]).external_id

    with pytest.raises(ResultsInvalid) as refused:
        results_upload(campaign=small.campaign_a, items=_items(small, "A", [7], external_id=key))

    assert refused.value.errors == [{"index": 0, "field": "channel", "message": _message(4)}]
    assert TestResult.objects.get(external_id=key).entry == small.entries["banque-2"]


def test_upload_moving_tests_within_a_batch_frees_their_places(small):
    results_upload(campaign=small.campaign_a, items=_items(small, "A", range(QUOTA)))
    stored = list(TestResult.objects.order_by("pk"))
    # One counted test leaves banque-1 for banque-2 while a new one takes its place.
    batch = [
        result(small.entries["banque-2"], 1, external_id=stored[0].external_id),
        result(small.entries["banque-1"], 1, external_id="A-new"),
    ]

    counts = results_upload(campaign=small.campaign_a, items=batch)

    assert _counts(counts) == {"created": 1, "updated": 1, "unchanged": 0}
    assert TestResult.objects.filter(entry=small.entries["banque-1"]).count() == QUOTA


def test_upload_dry_run_above_the_quota_is_refused(small):
    with pytest.raises(ResultsInvalid) as refused:
        results_upload(campaign=small.campaign_a, items=_items(small, "A", range(QUOTA + 1)), dry_run=True)

    assert [e["index"] for e in refused.value.errors] == [QUOTA]


def test_upload_http_above_the_quota_is_400_naming_the_item(small):
    results_upload(campaign=small.campaign_a, items=_items(small, "A", range(QUOTA)))

    response = small.api_a.post(
        f"/api/v1/campaigns/{small.campaign_a.pk}/results/?dry_run=true",
        data=json.dumps(_items(small, "A", [10])),
        content_type="application/json",
    )

    assert response.status_code == 400
    assert response.json()["errors"] == [{"index": 0, "field": "channel", "message": _message(4)}]


def test_upload_http_message_in_french_names_the_quota(small):
    results_upload(campaign=small.campaign_a, items=_items(small, "A", range(QUOTA)))
    client = small.api_a
    del client.defaults["HTTP_ACCEPT_LANGUAGE"]

    response = client.post(
        f"/api/v1/campaigns/{small.campaign_a.pk}/results/",
        data=json.dumps(_items(small, "A", [10])),
        content_type="application/json",
    )

    assert response.status_code == 400
    assert response.json()["errors"][0]["message"] == (
        "Ce test porterait Banque en ligne 1 en Banque en ligne à 4 tests (Téléphone) ; le quota est de 3 "
        "(une agence ne refait un test qu’après une exclusion)."
    )


def test_file_import_above_the_quota_fails_naming_the_rows(small, django_capture_on_commit_callbacks):
    data = csv_bytes([row(n, brand="banque-brand-1") for n in range(QUOTA + 2)])
    upload = SimpleUploadedFile("semaine.csv", data, content_type="text/csv")

    with django_capture_on_commit_callbacks(execute=True):
        job = imports.import_create(campaign=small.campaign_a, user=small.user_a, upload=upload)
    job.refresh_from_db()

    assert job.status == ImportJob.Status.FAILED
    assert job.errors == [
        {"row": 5, "column": "channel", "message": _message(4)},
        {"row": 6, "column": "channel", "message": _message(5)},
    ]
    assert TestResult.objects.count() == 0


def test_restore_above_the_quota_is_refused(small, organiser):
    results_upload(campaign=small.campaign_a, items=_items(small, "A", range(QUOTA)))
    first = TestResult.objects.order_by("pk").first()
    review.result_exclude(result=first, user=organiser, reason="Hors protocole")
    results_upload(campaign=small.campaign_b, items=_items(small, "B", [1]))

    with pytest.raises(review.ReviewRefused) as refused:
        review.result_restore(result=first, user=organiser)

    assert refused.value.message == (
        f"Restoring “{first.external_id}” would bring Banque en ligne 1 in Banque en ligne to 4 tests (Phone); "
        "the quota is 3. Exclude another test of this entry first."
    )
    first.refresh_from_db()
    assert first.excluded is True


def test_restore_within_the_quota_is_accepted(small, organiser):
    results_upload(campaign=small.campaign_a, items=_items(small, "A", range(QUOTA)))
    first = TestResult.objects.order_by("pk").first()
    review.result_exclude(result=first, user=organiser, reason="Hors protocole")

    review.result_restore(result=first, user=organiser)

    first.refresh_from_db()
    assert first.excluded is False


def test_restore_in_bulk_above_the_quota_restores_nothing(small, organiser):
    results_upload(campaign=small.campaign_a, items=_items(small, "A", range(QUOTA)))
    ids = list(TestResult.objects.values_list("pk", flat=True))
    review.results_exclude(result_ids=ids[:2], user=organiser, reason="Doublons")
    results_upload(campaign=small.campaign_a, items=_items(small, "A", [8]))
    before = timezone.now()

    with pytest.raises(review.ReviewRefused):
        review.results_restore(result_ids=ids[:2], user=organiser)

    assert TestResult.objects.filter(pk__in=ids[:2], excluded=True).count() == 2
    assert not TestResult.objects.filter(events__kind="restored", events__at__gte=before).exists()


def test_admin_restore_action_above_the_quota_shows_the_refusal(small, organiser, client):
    results_upload(campaign=small.campaign_a, items=_items(small, "A", range(QUOTA)))
    first = TestResult.objects.order_by("pk").first()
    review.result_exclude(result=first, user=organiser, reason="Hors protocole")
    results_upload(campaign=small.campaign_a, items=_items(small, "A", [8]))
    client.force_login(organiser)

    response = client.post(
        "/admin/mystery_tests/testresult/",
        {
            "action": "restore_results",
            helpers.ACTION_CHECKBOX_NAME: [first.pk],
            "index": 0,
            "apply": "1",
            "reason": "Vérifié",
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 302
    shown = [str(m) for m in get_messages(response.wsgi_request)]
    assert any("to 4 tests (Phone); the quota is 3" in m for m in shown), shown
    first.refresh_from_db()
    assert first.excluded is True
