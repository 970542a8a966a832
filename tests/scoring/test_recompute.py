"""Stored recompute: staleness, coalesced queueing, failures, superseded writes, the sweep."""

from decimal import Decimal
from unittest import mock

import pytest
from django.conf import settings
from django.core.cache import caches

from mystery_tests.models import Criterion, TestResult
from scoring import engine, services
from scoring.models import CategoryRanking, EntryScore
from scoring.services import PENDING_KEY, mark_inputs_changed, recompute_categories, sweep_stale
from scoring.tasks import recompute_categories_task
from tests.support.world import add_tests, category, entry, ranked, small_edition

pytestmark = pytest.mark.django_db


@pytest.fixture
def ranked_category():
    edition = small_edition()
    cat = category(edition)
    for slug, score in (("a", 16.0), ("b", 14.0), ("c", 12.0)):
        e = entry(cat, slug)
        add_tests(e, "phone", [score, score])
        add_tests(e, "email", [score])
    ranked(cat)
    return cat


def _overalls(cat):
    return dict(EntryScore.objects.filter(category=cat).values_list("entry__brand__slug", "overall"))


def _stale(cat):
    return CategoryRanking.objects.get(category=cat).stale


@pytest.mark.parametrize(
    ("target", "name", "message"),
    [(engine, "compute", "engine exploded"), (EntryScore.objects, "bulk_create", "disk full")],
    ids=["while-computing", "while-storing"],
)
def test_recompute_failure_keeps_old_rankings(
    ranked_category, monkeypatch, django_capture_on_commit_callbacks, target, name, message
):
    cat = ranked_category
    before = _overalls(cat)
    add_tests(cat.entries.get(brand__slug="c"), "phone", [20.0, 20.0])
    with django_capture_on_commit_callbacks(execute=False):
        mark_inputs_changed(category_ids=[cat.id])
    monkeypatch.setattr(target, name, mock.Mock(side_effect=RuntimeError(message)))

    report = recompute_categories(category_ids=[cat.id])

    # While storing, the delete of the old rows happened inside the same transaction: it is rolled back too.
    assert report.failed == [cat.id]
    assert _overalls(cat) == before
    ranking = CategoryRanking.objects.get(category=cat)
    assert f"RuntimeError: {message}" in ranking.last_error
    assert ranking.stale is True


def test_recompute_after_failure_clears_last_error(ranked_category, monkeypatch):
    cat = ranked_category
    with monkeypatch.context() as m:
        m.setattr(engine, "compute", mock.Mock(side_effect=RuntimeError("transient")))
        recompute_categories(category_ids=[cat.id])

    report = recompute_categories(category_ids=[cat.id])

    assert report.recomputed == [cat.id]
    assert CategoryRanking.objects.get(category=cat).last_error == ""


def test_recompute_superseded_by_newer_result_writes_nothing(ranked_category, monkeypatch):
    cat = ranked_category
    before = _overalls(cat)
    real_load = services.load_inputs

    def load_then_newer_worker_lands(**kwargs):
        loaded = real_load(**kwargs)
        # Meanwhile inputs changed again and another worker stored the newer ranking.
        CategoryRanking.objects.filter(category=cat).update(input_version=50, computed_version=50)
        return loaded

    add_tests(cat.entries.get(brand__slug="c"), "phone", [20.0, 20.0])
    monkeypatch.setattr(services, "load_inputs", load_then_newer_worker_lands)

    report = recompute_categories(category_ids=[cat.id])

    assert report.superseded == [cat.id]
    assert _overalls(cat) == before
    assert CategoryRanking.objects.get(category=cat).computed_version == 50


def test_mark_inputs_changed_bumps_version_and_creates_rows(django_capture_on_commit_callbacks):
    cat = category(small_edition())

    with django_capture_on_commit_callbacks(execute=False):
        mark_inputs_changed(category_ids=[cat.id])
        mark_inputs_changed(category_ids=[cat.id])

    ranking = CategoryRanking.objects.get(category=cat)
    assert (ranking.input_version, ranking.computed_version, ranking.stale) == (2, 0, True)


def test_mark_inputs_changed_coalesces_a_burst(ranked_category, django_capture_on_commit_callbacks):
    cat = ranked_category
    other = category(cat.edition, "other")
    patched = mock.patch("scoring.tasks.recompute_categories_task.apply_async")
    with patched as apply_async, django_capture_on_commit_callbacks(execute=True):
        for _ in range(5):
            mark_inputs_changed(category_ids=[cat.id])
        mark_inputs_changed(category_ids=[cat.id, other.id])

    assert apply_async.call_count == 2
    assert apply_async.call_args_list[0].kwargs["kwargs"] == {"category_ids": [cat.id]}
    assert apply_async.call_args_list[1].kwargs["kwargs"] == {"category_ids": [other.id]}
    assert apply_async.call_args_list[0].kwargs["countdown"] == settings.SCORING_RECOMPUTE_DELAY == 0.3


def test_task_clears_pending_key_so_next_change_queues_again(ranked_category, django_capture_on_commit_callbacks):
    cat = ranked_category
    caches["tasks"].add(PENDING_KEY.format(cat.id), 1)

    result = recompute_categories_task(category_ids=[cat.id])

    assert result["recomputed"] == [cat.id]
    assert caches["tasks"].get(PENDING_KEY.format(cat.id)) is None


def test_eager_mode_recomputes_at_commit(ranked_category, django_capture_on_commit_callbacks):
    cat = ranked_category
    add_tests(cat.entries.get(brand__slug="c"), "phone", [20.0, 20.0])

    with django_capture_on_commit_callbacks(execute=True):
        mark_inputs_changed(category_ids=[cat.id])

    # c: phone (12, 12, 20, 20) = 16, e-mail 12 → (2×16 + 12) / 3
    assert _overalls(cat)["c"] == pytest.approx(44 / 3)
    assert _stale(cat) is False


def test_enqueue_failure_never_breaks_the_commit_and_sweep_recovers(
    ranked_category, django_capture_on_commit_callbacks, caplog
):
    cat = ranked_category
    add_tests(cat.entries.get(brand__slug="c"), "phone", [20.0, 20.0])
    broken = mock.patch("scoring.tasks.recompute_categories_task.apply_async", side_effect=ConnectionError("down"))
    with broken, django_capture_on_commit_callbacks(execute=True):
        mark_inputs_changed(category_ids=[cat.id])
    assert _stale(cat) is True
    assert caches["tasks"].get(PENDING_KEY.format(cat.id)) is None
    assert "sweep will retry" in caplog.text

    report = sweep_stale()

    assert report.recomputed == [cat.id]
    assert _stale(cat) is False
    assert _overalls(cat)["c"] == pytest.approx(44 / 3)


def test_sweep_leaves_categories_with_a_pending_recompute(ranked_category, django_capture_on_commit_callbacks):
    cat = ranked_category
    with django_capture_on_commit_callbacks(execute=False):
        mark_inputs_changed(category_ids=[cat.id])
    caches["tasks"].add(PENDING_KEY.format(cat.id), 1)

    assert sweep_stale().recomputed == []
    caches["tasks"].delete(PENDING_KEY.format(cat.id))
    assert sweep_stale().recomputed == [cat.id]


def test_settings_change_marks_categories_stale(ranked_category, django_capture_on_commit_callbacks):
    cat = ranked_category
    edition = cat.edition
    with django_capture_on_commit_callbacks(execute=False):
        edition.name = "Renamed"
        edition.save()
    assert _stale(cat) is False

    with django_capture_on_commit_callbacks(execute=False):
        edition.threshold = Decimal("17.00")
        edition.save()

    assert _stale(cat) is True


def test_settings_change_recomputes_laureate(ranked_category, django_capture_on_commit_callbacks):
    cat = ranked_category
    edition = cat.edition

    with django_capture_on_commit_callbacks(execute=True):
        edition.threshold = Decimal("17.00")
        edition.save()

    assert list(EntryScore.objects.filter(category=cat, laureate=True)) == []
    assert CategoryRanking.objects.get(category=cat).awarded is False


def test_grid_change_marks_categories_stale(ranked_category, django_capture_on_commit_callbacks):
    cat = ranked_category
    criterion = Criterion.objects.filter(edition=cat.edition, channel="phone").first()

    with django_capture_on_commit_callbacks(execute=False):
        criterion.weight = 5
        criterion.save()

    assert _stale(cat) is True


def test_grid_criterion_deleted_marks_categories_stale(ranked_category, django_capture_on_commit_callbacks):
    cat = ranked_category

    with django_capture_on_commit_callbacks(execute=False):
        Criterion.objects.filter(edition=cat.edition, channel="web").first().delete()

    assert _stale(cat) is True


def test_entry_status_change_marks_stale_but_reason_edit_does_not(ranked_category, django_capture_on_commit_callbacks):
    cat = ranked_category
    e = cat.entries.get(brand__slug="b")
    with django_capture_on_commit_callbacks(execute=False):
        e.status_reason = "late fee paid"
        e.save()
    assert _stale(cat) is False

    with django_capture_on_commit_callbacks(execute=False):
        e.status = "disqualified"
        e.save()

    assert _stale(cat) is True


def test_category_delete_cascades_without_error(ranked_category, django_capture_on_commit_callbacks):
    edition = ranked_category.edition
    TestResult.objects.filter(entry__category=ranked_category).delete()

    with django_capture_on_commit_callbacks(execute=True):
        edition.categories.all().delete()

    assert CategoryRanking.objects.filter(category_id=ranked_category.id).count() == 0
