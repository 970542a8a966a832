# ruff: noqa: F811  (the iworld fixture is imported and then requested by name)
"""Quality review (METHODOLOGY §5): excluding and restoring tests, one or in bulk, with history and
the inputs_changed signal; refused without a reason or once the edition is frozen."""

import pytest
from django.utils import timezone

from mystery_tests import review
from mystery_tests.models import ResultEvent, TestResult
from mystery_tests.signals import inputs_changed
from scoring.models import CategoryRanking
from tests.support.world import iworld, json_item, upload_results  # noqa: F401  (fixtures)


@pytest.fixture
def signals():
    received: list[dict] = []

    def listener(sender, **kwargs):
        received.append(kwargs)

    inputs_changed.connect(listener, dispatch_uid="test-review-listener")
    yield received
    inputs_changed.disconnect(dispatch_uid="test-review-listener")


def test_result_exclude_records_reason_history_and_signal(iworld, signals):
    (result,) = upload_results(iworld.campaign_a, json_item(1))
    signals.clear()

    review.result_exclude(result=result, user=iworld.organiser, reason="Appel hors protocole (numéro surtaxé)")

    result.refresh_from_db()
    assert (result.excluded, result.exclusion_reason, result.excluded_by) == (
        True,
        "Appel hors protocole (numéro surtaxé)",
        iworld.organiser,
    )
    event = result.events.get(kind=ResultEvent.Kind.EXCLUDED)
    assert (event.user, event.reason) == (iworld.organiser, "Appel hors protocole (numéro surtaxé)")
    assert [s["category_ids"] for s in signals] == [{iworld.banque.pk}]


def test_result_restore_clears_exclusion_and_keeps_history(iworld, signals):
    (result,) = upload_results(iworld.campaign_a, json_item(1))
    review.result_exclude(result=result, user=iworld.organiser, reason="Doublon")
    signals.clear()

    review.result_restore(result=result, user=iworld.organiser, reason="Pas un doublon après vérification")

    result.refresh_from_db()
    assert (result.excluded, result.exclusion_reason, result.excluded_at, result.excluded_by) == (False, "", None, None)
    assert list(result.events.exclude(kind="created").values_list("kind", "reason")) == [
        ("excluded", "Doublon"),
        ("restored", "Pas un doublon après vérification"),
    ]
    assert [s["category_ids"] for s in signals] == [{iworld.banque.pk}]


def test_result_exclude_without_reason_is_refused(iworld, signals):
    (result,) = upload_results(iworld.campaign_a, json_item(1))
    signals.clear()

    with pytest.raises(review.ReviewRefused):
        review.result_exclude(result=result, user=iworld.organiser, reason="   ")

    result.refresh_from_db()
    assert (result.excluded, signals) == (False, [])


def test_result_exclude_twice_is_refused(iworld):
    (result,) = upload_results(iworld.campaign_a, json_item(1))
    review.result_exclude(result=result, user=iworld.organiser, reason="Doublon")

    with pytest.raises(review.ReviewRefused):
        review.result_exclude(result=result, user=iworld.organiser, reason="Encore")

    assert result.events.filter(kind="excluded").count() == 1


def test_result_restore_of_counted_test_is_refused(iworld):
    (result,) = upload_results(iworld.campaign_a, json_item(1))

    with pytest.raises(review.ReviewRefused):
        review.result_restore(result=result, user=iworld.organiser)


def test_result_exclude_in_frozen_edition_is_refused(iworld, signals):
    (result,) = upload_results(iworld.campaign_a, json_item(1))
    iworld.edition.frozen_at = timezone.now()
    iworld.edition.save(update_fields=["frozen_at"])
    signals.clear()

    with pytest.raises(review.ReviewRefused):
        review.result_exclude(result=result, user=iworld.organiser, reason="Trop tard")

    assert (TestResult.objects.get().excluded, signals) == (False, [])


def test_results_exclude_bulk_skips_already_excluded(iworld, signals):
    results = upload_results(iworld.campaign_a, json_item(1), json_item(2, brand="banque-2"), json_item(3))
    review.result_exclude(result=results[0], user=iworld.organiser, reason="Doublon")
    signals.clear()

    changed = review.results_exclude(
        result_ids=[r.pk for r in results], user=iworld.organiser, reason="Enquêteur non formé"
    )

    assert sorted(r.external_id for r in changed) == ["J-00002", "J-00003"]
    assert TestResult.objects.filter(excluded=True).count() == 3
    assert TestResult.objects.get(external_id="J-00001").exclusion_reason == "Doublon"
    assert len(signals) == 1


def test_results_restore_bulk(iworld):
    results = upload_results(iworld.campaign_a, json_item(1), json_item(2))
    review.results_exclude(result_ids=[r.pk for r in results], user=iworld.organiser, reason="Lot suspect")

    changed = review.results_restore(result_ids=[r.pk for r in results], user=iworld.organiser)

    assert len(changed) == 2
    assert TestResult.objects.filter(excluded=True).count() == 0
    assert ResultEvent.objects.filter(kind="restored").count() == 2


def test_excluded_result_stays_excluded_when_resent(iworld):
    (result,) = upload_results(iworld.campaign_a, json_item(1))
    review.result_exclude(result=result, user=iworld.organiser, reason="Doublon")

    upload_results(iworld.campaign_a, json_item(1, scores={"greeting": 0}))

    result.refresh_from_db()
    assert (result.excluded, result.scores) == (True, {"greeting": 0})


def test_exclusion_marks_rankings_stale_through_scoring(iworld, django_capture_on_commit_callbacks):
    (result,) = upload_results(iworld.campaign_a, json_item(1))
    before = CategoryRanking.objects.filter(category=iworld.banque).values_list("input_version", flat=True).first()

    with django_capture_on_commit_callbacks(execute=False):
        review.result_exclude(result=result, user=iworld.organiser, reason="Doublon")

    after = CategoryRanking.objects.filter(category=iworld.banque).values_list("input_version", flat=True).first()
    assert after == (before or 0) + 1
