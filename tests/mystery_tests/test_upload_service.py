"""results_upload, test_score and grid_recompute_scores (mystery_tests.services)."""
# ruff: noqa: F811  (pytest fixtures imported from tests.support.world are redefined as test arguments)

import datetime as dt
import math
from collections import Counter

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from election.models import Edition
from mystery_tests.models import Campaign, Criterion, ResultEvent, TestResult
from mystery_tests.services import (
    CHUNK,
    CampaignLocked,
    ResultsInvalid,
    agency_api_token,
    grid_recompute_scores,
    results_upload,
    test_score,
)
from mystery_tests.signals import inputs_changed
from tests.support.world import result, result_as_stored, world  # noqa: F401  (world is a fixture)

pytestmark = pytest.mark.usefixtures("in_english")


@pytest.fixture
def signals_sent():
    sent = []

    def receiver(sender, **kwargs):
        sent.append(kwargs)

    inputs_changed.connect(receiver, weak=False)
    yield sent
    inputs_changed.disconnect(receiver)


# -- test_score (METHODOLOGY §4) ----------------------------------------------------------------
def test_test_score_weighted_mean_of_scored_criteria():
    weights = {"greeting": 1, "courtesy": 1, "answer_accuracy": 3, "closing": 1}

    score = test_score(weights=weights, points={"greeting": 2, "courtesy": 1, "answer_accuracy": 2}, reached=True)

    assert score == 18.0


def test_test_score_leaves_empty_criteria_out_of_both_sums():
    weights = {"greeting": 1, "answer_accuracy": 3}

    score = test_score(weights=weights, points={"greeting": 1, "answer_accuracy": None}, reached=True)

    assert score == 10.0


def test_test_score_unreached_is_zero():
    assert test_score(weights={"greeting": 1}, points={"greeting": None}, reached=False) == 0.0


def test_test_score_all_zero_points_is_zero():
    assert test_score(weights={"greeting": 1, "closing": 2}, points={"greeting": 0, "closing": 0}, reached=True) == 0.0


def test_test_score_full_marks_is_twenty():
    assert test_score(weights={"greeting": 1, "closing": 2}, points={"greeting": 2, "closing": 2}, reached=True) == 20.0


@pytest.mark.parametrize(
    ("points", "reached"),
    [({}, True), ({"greeting": None}, True), ({"greeting": 3}, True), ({"unknown": 1}, True), ({"greeting": 1}, False)],
)
def test_test_score_invalid_points_raise(points, reached):
    with pytest.raises(ValueError):
        test_score(weights={"greeting": 1}, points=points, reached=reached)


# -- results_upload ----------------------------------------------------------------------------
def test_results_upload_creates_results_with_scores_and_history(world, signals_sent):
    entry = world.entries["banque-1"]
    items = [result(entry, 1), result(world.entries["assurance-2"], 2, channel="email", scores={"clarity": 2})]

    counts = results_upload(campaign=world.campaign_a, items=items, user=world.user_a)

    assert {k: counts[k] for k in ("created", "updated", "unchanged")} == {"created": 2, "updated": 0, "unchanged": 0}
    stored = TestResult.objects.get(external_id=items[0]["external_id"])
    assert (stored.agency, stored.campaign, stored.entry, stored.channel) == (
        world.agency_a,
        world.campaign_a,
        entry,
        "phone",
    )
    assert stored.performed_at == dt.datetime(2027, 5, 12, 8, 31, tzinfo=dt.UTC)
    assert (stored.reached, stored.wait_seconds, stored.response_hours) == (True, 45.0, None)
    assert stored.scores == {"greeting": 2, "courtesy": 1, "answer_accuracy": 2}
    assert stored.score == 18.0
    assert stored.version == 1
    assert list(ResultEvent.objects.filter(result=stored).values_list("kind", "user")) == [("created", world.user_a.pk)]
    assert TestResult.objects.get(external_id=items[1]["external_id"]).score == 20.0
    assert signals_sent == [
        {"signal": inputs_changed, "category_ids": {world.banque.pk, world.assurance.pk}, "reason": "results uploaded"}
    ]


def test_results_upload_same_content_again_is_unchanged(world, signals_sent):
    items = [result(world.entries["banque-1"], 1)]
    results_upload(campaign=world.campaign_a, items=items)
    # The same instant written in another offset, and null points written out: same normalised content.
    again = [
        result(
            world.entries["banque-1"],
            1,
            performed_at="2027-05-12T08:31:00Z",
            wait_seconds=45.0,
            scores={"greeting": 2, "courtesy": 1, "answer_accuracy": 2, "closing": None},
        )
    ]

    counts = results_upload(campaign=world.campaign_a, items=again)

    assert {k: counts[k] for k in ("created", "updated", "unchanged")} == {"created": 0, "updated": 0, "unchanged": 1}
    assert TestResult.objects.get().version == 1
    assert ResultEvent.objects.filter(kind="replaced").count() == 0
    assert len(signals_sent) == 1


def test_results_upload_changed_content_replaces_and_keeps_history(world, organiser):
    entry = world.entries["banque-1"]
    results_upload(campaign=world.campaign_a, items=[result(entry, 1)])
    stored = TestResult.objects.get()
    TestResult.objects.filter(pk=stored.pk).update(
        excluded=True, exclusion_reason="Doublon", excluded_at=timezone.now(), excluded_by=organiser
    )

    counts = results_upload(
        campaign=world.campaign_a, items=[result(entry, 1, scores={"greeting": 0})], user=world.user_a
    )

    assert {k: counts[k] for k in ("created", "updated", "unchanged")} == {"created": 0, "updated": 1, "unchanged": 0}
    stored.refresh_from_db()
    assert (stored.pk, stored.version, stored.scores, stored.score) == (stored.pk, 2, {"greeting": 0}, 0.0)
    assert (stored.excluded, stored.exclusion_reason, stored.excluded_by) == (True, "Doublon", organiser)
    event = ResultEvent.objects.get(kind="replaced")
    assert event.result == stored
    assert event.user == world.user_a
    assert event.data == {
        "external_id": stored.external_id,
        "performed_at": "2027-05-12T08:31:00+00:00",
        **result_as_stored(entry),
        "version": 1,
    }


def test_results_upload_moved_to_other_entry_signals_both_categories(world, signals_sent):
    results_upload(campaign=world.campaign_a, items=[result(world.entries["banque-1"], 1)])
    signals_sent.clear()
    moved = result(world.entries["assurance-1"], 1, external_id=f"AG-{world.entries['banque-1'].pk}-000001")

    counts = results_upload(campaign=world.campaign_a, items=[moved])

    assert {k: counts[k] for k in ("created", "updated", "unchanged")} == {"created": 0, "updated": 1, "unchanged": 0}
    assert signals_sent[0]["category_ids"] == {world.banque.pk, world.assurance.pk}


def test_results_upload_mixed_batch_counts_each_kind(world):
    entry = world.entries["banque-2"]
    results_upload(campaign=world.campaign_a, items=[result(entry, 1), result(entry, 2)])

    counts = results_upload(
        campaign=world.campaign_a,
        items=[result(entry, 1), result(entry, 2, comment="autre"), result(entry, 3)],
    )

    assert {k: counts[k] for k in ("created", "updated", "unchanged")} == {"created": 1, "updated": 1, "unchanged": 1}
    assert TestResult.objects.count() == 3


def test_results_upload_dry_run_counts_and_stores_nothing(world, signals_sent):
    entry = world.entries["banque-1"]
    results_upload(campaign=world.campaign_a, items=[result(entry, 1)])
    signals_sent.clear()

    counts = results_upload(
        campaign=world.campaign_a, items=[result(entry, 1, comment="changed"), result(entry, 2)], dry_run=True
    )

    assert {k: counts[k] for k in ("created", "updated", "unchanged")} == {"created": 1, "updated": 1, "unchanged": 0}
    assert counts["receipt"] is None  # a dry run accepts nothing, so nothing is signed
    assert TestResult.objects.count() == 1
    assert TestResult.objects.get().comment == "Conseillère aimable, réponse exacte."
    assert ResultEvent.objects.count() == 1
    assert signals_sent == []


def test_results_upload_dry_run_invalid_raises_the_same_errors(world):
    items = [result(world.entries["banque-1"], 1, channel="fax")]

    with pytest.raises(ResultsInvalid) as real:
        results_upload(campaign=world.campaign_a, items=items)
    with pytest.raises(ResultsInvalid) as dry:
        results_upload(campaign=world.campaign_a, items=items, dry_run=True)

    assert dry.value.errors == real.value.errors
    assert TestResult.objects.count() == 0


def test_results_upload_invalid_item_stores_nothing_of_the_batch(world, signals_sent):
    items = [result(world.entries["banque-1"], 1), result(world.entries["banque-2"], 2, reached="yes")]

    with pytest.raises(ResultsInvalid) as caught:
        results_upload(campaign=world.campaign_a, items=items)

    assert caught.value.errors == [{"index": 1, "field": "reached", "message": "Must be true or false, not a string."}]
    assert TestResult.objects.count() == 0
    assert signals_sent == []


def test_results_upload_key_used_in_another_campaign_is_refused(world):
    other_edition_campaign = Campaign.objects.create(
        edition=world.edition.__class__.objects.create(country="BE", year=2027, name="Belgique 2027"),
        agency=world.agency_a,
        starts_on=dt.date(2027, 1, 1),
        ends_on=dt.date(2027, 12, 31),
    )
    item = result(world.entries["banque-1"], 1)
    results_upload(campaign=world.campaign_a, items=[item])
    other_category = other_edition_campaign.edition.categories.create(slug="banque", name="Banque")
    other_entry = other_category.entries.create(brand=world.entries["banque-1"].brand)
    other_edition_campaign.categories.add(other_category)  # a new edition has the default grid

    with pytest.raises(ResultsInvalid) as caught:
        results_upload(
            campaign=other_edition_campaign,
            items=[result(other_entry, 1, external_id=item["external_id"], scores={"greeting": 1})],
        )

    assert caught.value.errors == [
        {
            "index": 0,
            "field": "external_id",
            "message": f"“{item['external_id']}” already identifies one of your results in another campaign "
            f"({world.edition.name}); external ids are unique per agency.",
        }
    ]
    assert TestResult.objects.count() == 1


def test_results_upload_same_key_for_two_agencies_is_two_results(world):
    item = result(world.entries["banque-1"], 1)

    results_upload(campaign=world.campaign_a, items=[item])
    counts = results_upload(campaign=world.campaign_b, items=[item])

    assert {k: counts[k] for k in ("created", "updated", "unchanged")} == {"created": 1, "updated": 0, "unchanged": 0}
    assert sorted(TestResult.objects.values_list("agency__slug", flat=True)) == ["autre-agence", "terrain-sa"]


def test_results_upload_closed_campaign_raises_locked(world):
    Campaign.objects.filter(pk=world.campaign_a.pk).update(status="closed")
    world.campaign_a.refresh_from_db()

    with pytest.raises(CampaignLocked):
        results_upload(campaign=world.campaign_a, items=[result(world.entries["banque-1"], 1)])

    assert TestResult.objects.count() == 0


def test_results_upload_frozen_edition_raises_locked(world):
    world.edition.__class__.objects.filter(pk=world.edition.pk).update(frozen_at=timezone.now())
    world.campaign_a.refresh_from_db()
    world.campaign_a.edition.refresh_from_db()

    with pytest.raises(CampaignLocked):
        results_upload(campaign=world.campaign_a, items=[result(world.entries["banque-1"], 1)])

    assert TestResult.objects.count() == 0


def test_results_upload_reports_progress(world):
    seen = []
    Edition.objects.filter(pk=world.edition.pk).update(quota_phone=2501)  # room for the batch (§5)
    items = [result(world.entries["banque-1"], n) for n in range(1, 2502)]

    results_upload(campaign=world.campaign_a, items=items, progress=seen.append)

    assert seen == [1000, 2000, 2501]


def _statements(captured) -> Counter:
    return Counter(q["sql"].split()[0].upper() for q in captured)


def _insert_batches(model, n: int) -> int:
    """INSERT statements Django needs for ``n`` rows: one per CHUNK on PostgreSQL; SQLite caps a
    statement at 999 parameters, so there it takes more."""
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    return math.ceil(n / min(CHUNK, connection.ops.bulk_batch_size(fields, range(n))))


def test_results_upload_query_count_does_not_grow_with_items(world):
    Edition.objects.filter(pk=world.edition.pk).update(quota_phone=1000)  # room for the batch (§5)
    small = [result(world.entries["banque-1"], n) for n in range(10)]
    big = [result(world.entries["banque-2"], n) for n in range(1000)]

    with CaptureQueriesContext(connection) as few:
        results_upload(campaign=world.campaign_a, items=small)
    with CaptureQueriesContext(connection) as many:
        results_upload(campaign=world.campaign_a, items=big)

    few_kinds, many_kinds = _statements(few.captured_queries), _statements(many.captured_queries)
    assert {k: v for k, v in many_kinds.items() if k != "INSERT"} == {
        k: v for k, v in few_kinds.items() if k != "INSERT"
    }
    if connection.vendor == "postgresql":  # staged by COPY, then one WITH … INSERT: the results and their history
        assert (few_kinds["WITH"], few_kinds["INSERT"]) == (many_kinds["WITH"], many_kinds["INSERT"]) == (1, 1)
        return
    assert few_kinds["INSERT"] == 3  # results, their history, the batch's receipt
    assert many_kinds["INSERT"] == _insert_batches(TestResult, 1000) + _insert_batches(ResultEvent, 1000) + 1


# -- grid_recompute_scores ---------------------------------------------------------------------
def test_grid_recompute_scores_follows_new_weights(world, signals_sent):
    results_upload(campaign=world.campaign_a, items=[result(world.entries["banque-1"], 1)])
    Criterion.objects.filter(edition=world.edition, channel="phone", code="answer_accuracy").update(weight=1)
    signals_sent.clear()

    changed = grid_recompute_scores(edition=world.edition)

    # greeting 2 ×1, courtesy 1 ×1, answer_accuracy 2 ×1 → 10 × 5 / 3
    assert changed == 1
    assert TestResult.objects.get().score == 10 * 5 / 3
    assert signals_sent[0]["category_ids"] == {world.banque.pk, world.assurance.pk, world.energie.pk}


def test_grid_recompute_scores_ignores_removed_criteria(world):
    results_upload(campaign=world.campaign_a, items=[result(world.entries["banque-1"], 1)])
    Criterion.objects.filter(edition=world.edition, channel="phone", code="courtesy").delete()

    grid_recompute_scores(edition=world.edition)

    assert TestResult.objects.get().score == 10 * (2 + 6) / 4


def test_grid_recompute_scores_frozen_edition_raises(world):
    world.edition.frozen_at = timezone.now()

    with pytest.raises(CampaignLocked):
        grid_recompute_scores(edition=world.edition)


# -- agency_api_token ----------------------------------------------------------------------------
def test_agency_api_token_is_stable_across_calls(world):
    first, created = agency_api_token(agency=world.agency_b)
    again, created_again = agency_api_token(agency=world.agency_b)

    assert (first, created) == (again, True)
    assert created_again is False
