"""Writes of the scoring layer: stored rankings recomputed from the source rows.

Protocol (ENGINEERING "Background work"):
- ``mark_inputs_changed`` runs inside the transaction that changed some inputs: it bumps
  each category's ``input_version`` and, once that transaction commits, queues one
  coalesced recompute (a per-category "pending" key in the cache lets a burst of uploads
  share a single task).
- A recompute notes each category's ``input_version`` *before* reading the data, computes
  outside any lock, then, in one transaction, locks the CategoryRanking rows (in id order)
  and replaces each category's EntryScore rows unless a newer computation of it already landed.
  Readers see the old ranking or the new one, never a mix; a failure keeps the old one,
  records ``last_error`` and leaves the category stale for the periodic sweep.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from celery import current_app
from django.conf import settings as django_settings
from django.core.cache import caches
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.connection import ConnectionProxy

from election.models import Category, Edition

from .models import CategoryRanking, EntryScore
from .selectors import grid_of, load_inputs

logger = logging.getLogger(__name__)
# Pending-recompute keys live in the strict cache alias: a Redis failure there raises, is logged
# and leaves the categories to the sweep (the default alias ignores errors; see config/settings.py).
cache = ConnectionProxy(caches, "tasks")

# The tasks (scoring/tasks.py) call these services; the services queue them by name, so neither
# module imports the other in both directions.
RECOMPUTE_CATEGORIES = "scoring.recompute_categories"
RECOMPUTE_EDITION = "scoring.recompute_edition"
PENDING_KEY = "scoring:pending:{}"
# Long enough to cover the countdown and a slow recompute; short enough that a key left
# behind by a lost task only delays the sweep by this much.
PENDING_TTL = 300


def recompute_delay() -> float:
    """Seconds a queued recompute waits so that a burst of uploads shares it."""
    return float(getattr(django_settings, "SCORING_RECOMPUTE_DELAY", 2.0))


@dataclass
class RecomputeReport:
    recomputed: list[int] = field(default_factory=list)
    superseded: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)

    def as_dict(self) -> dict[str, list[int]]:
        return {"recomputed": self.recomputed, "superseded": self.superseded, "failed": self.failed}


# -- marking inputs as changed ------------------------------------------------------------


def _bump(category_ids: list[int], *, create: bool) -> None:
    if create:
        rows = CategoryRanking.objects.filter(category_id__in=category_ids)
        existing = set(rows.values_list("category_id", flat=True))
        missing = [i for i in category_ids if i not in existing]
        if missing:
            valid = Category.objects.filter(id__in=missing).values_list("id", flat=True)
            CategoryRanking.objects.bulk_create([CategoryRanking(category_id=i) for i in valid], ignore_conflicts=True)
    CategoryRanking.objects.filter(category_id__in=category_ids).update(input_version=F("input_version") + 1)


def mark_inputs_changed(*, category_ids: Iterable[int]) -> None:
    """Record that the inputs of these categories changed; recompute them after commit.

    Called inside the writing transaction (results accepted, excluded or restored, entry
    status, settings or grid changed)."""
    ids = sorted({int(i) for i in category_ids})
    if not ids:
        return
    with transaction.atomic():
        _bump(ids, create=True)
    transaction.on_commit(partial(enqueue_recompute, category_ids=ids))


def mark_inputs_removed(*, category_ids: Iterable[int]) -> None:
    """Like ``mark_inputs_changed`` for deletions: never creates ranking rows, since the
    category itself may be going away in the same transaction (cascade)."""
    ids = sorted({int(i) for i in category_ids})
    if not ids:
        return
    _bump(ids, create=False)
    transaction.on_commit(partial(enqueue_recompute, category_ids=ids))


def enqueue_recompute(*, category_ids: Iterable[int]) -> list[int]:
    """Queue one recompute for the categories not already waiting for one.

    Never raises: an upload has committed by now, and a broker or cache failure must not
    turn it into an error. The categories stay stale and the sweep picks them up."""
    ids = sorted({int(i) for i in category_ids})
    added: list[int] = []
    try:
        added = [i for i in ids if cache.add(PENDING_KEY.format(i), 1, timeout=PENDING_TTL)]
        if added:
            current_app.tasks[RECOMPUTE_CATEGORIES].apply_async(
                kwargs={"category_ids": added}, countdown=recompute_delay()
            )
    except Exception:
        logger.exception("Could not queue the recompute of categories %s; the sweep will retry.", ids)
        try:
            cache.delete_many([PENDING_KEY.format(i) for i in added])
        except Exception:
            logger.warning("Could not clear the pending keys of categories %s.", added)
        return []
    return added


def enqueue_edition_recompute(*, edition_id: int) -> bool:
    """Queue a full recompute of an edition once the current transaction (if any) commits.

    Returns False when the queue refused it (broker down); the failure is logged, never raised."""
    queued = [True]

    def _send() -> None:
        try:
            current_app.tasks[RECOMPUTE_EDITION].delay(edition_id)
        except Exception:
            logger.exception("Could not queue the full recompute of edition %s.", edition_id)
            queued[0] = False

    transaction.on_commit(_send)
    return queued[0]


def clear_pending(*, category_ids: Iterable[int]) -> None:
    """Called by the task before it reads anything: a change committed from now on queues anew."""
    try:
        cache.delete_many([PENDING_KEY.format(int(i)) for i in category_ids])
    except Exception:
        logger.warning("Could not clear the pending keys of categories %s.", list(category_ids))


# -- recomputing ----------------------------------------------------------------------------


RANKING_FIELDS = [
    "computed_version",
    "computed_at",
    "fingerprint",
    "contested",
    "awarded",
    "runner_up",
    "lead",
    "margin",
    "robustness",
    "last_error",
]


def _store_categories(
    *,
    versions: dict[int, int],
    missing: list[int],
    records: dict[int, list[dict[str, Any]]],
    summaries: dict[int, dict[str, Any]],
    fingerprints: dict[int, str],
    now: Any,
    report: RecomputeReport,
) -> None:
    """Replace the stored rankings of these categories in one transaction (a constant number
    of statements however many categories): readers see all old or all new rows."""
    ids = sorted(versions)
    with transaction.atomic():
        if missing:
            new_rows = [CategoryRanking(category_id=i) for i in missing]
            CategoryRanking.objects.bulk_create(new_rows, ignore_conflicts=True)
        # Locked in id order, so two workers locking overlapping sets cannot deadlock.
        rankings = list(CategoryRanking.objects.select_for_update().filter(category_id__in=ids).order_by("category_id"))
        writable = []
        for ranking in rankings:
            version = versions[ranking.category_id]
            if ranking.computed_version > version:
                # A worker that read newer inputs already wrote; ours would move the ranking back.
                report.superseded.append(ranking.category_id)
                continue
            summary = summaries[ranking.category_id]
            ranking.computed_version = version
            ranking.computed_at = now
            ranking.fingerprint = fingerprints[ranking.category_id]
            ranking.contested = summary["contested"]
            ranking.awarded = summary["awarded"]
            ranking.runner_up_id = summary["runner_up"]
            ranking.lead = summary["lead"]
            ranking.margin = summary["margin"]
            ranking.robustness = summary["robustness"]
            ranking.last_error = ""
            writable.append(ranking)
        if not writable:
            return
        written = [r.category_id for r in writable]
        rows = [r for category_id in written for r in records.get(category_id, [])]
        EntryScore.objects.filter(Q(category_id__in=written) | Q(entry_id__in=[r["entry_id"] for r in rows])).delete()
        EntryScore.objects.bulk_create(
            EntryScore(category_id=category_id, computed_at=now, fingerprint=fingerprints[category_id], **r)
            for category_id in written
            for r in records.get(category_id, [])
        )
        # One INSERT … ON CONFLICT UPDATE of the locked rows: bulk_update's CASE chains cost far more.
        # input_version is not among the fields, so a concurrent bump is never overwritten.
        CategoryRanking.objects.bulk_create(
            writable, update_conflicts=True, unique_fields=["category"], update_fields=RANKING_FIELDS
        )
        report.recomputed.extend(written)


def _record_failure(category_ids: list[int], exc: BaseException) -> None:
    message = f"{timezone.now():%Y-%m-%d %H:%M:%S} UTC — {type(exc).__name__}: {exc}"[:2000]
    try:
        with transaction.atomic():
            valid = Category.objects.filter(id__in=category_ids).values_list("id", flat=True)
            CategoryRanking.objects.bulk_create([CategoryRanking(category_id=i) for i in valid], ignore_conflicts=True)
            CategoryRanking.objects.filter(category_id__in=category_ids).update(last_error=message)
    except Exception:
        logger.exception("Could not record the recompute failure of categories %s.", category_ids)


def _recompute_edition_categories(*, edition: Edition, category_ids: list[int], report: RecomputeReport) -> None:
    from . import engine  # noqa: PLC0415 -- engine loads pandas and numpy: kept out of the web processes' start-up

    # Versions first, data second: the data read is then at least as new as the version
    # recorded, so a ranking is never labelled newer than its inputs.
    versions = dict(
        CategoryRanking.objects.filter(category_id__in=category_ids).values_list("category_id", "input_version")
    )
    try:
        tests, entries = load_inputs(category_ids=category_ids)
        settings = engine.Settings.from_edition(edition)
        grid = grid_of(edition)
        result = engine.compute(tests, entries, settings, category_ids=category_ids)
        fingerprints = engine.fingerprints(tests, entries, settings, grid)
        empty = engine.empty_fingerprint(settings, grid)
    except Exception as exc:
        logger.exception("Recompute of categories %s of edition %s failed.", category_ids, edition.pk)
        _record_failure(category_ids, exc)
        report.failed.extend(category_ids)
        return
    now = timezone.now()
    try:
        _store_categories(
            versions={i: versions.get(i, 0) for i in category_ids},
            missing=[i for i in category_ids if i not in versions],
            records=result.records(),
            summaries=result.summaries(),
            fingerprints={i: fingerprints.get(i, empty) for i in category_ids},
            now=now,
            report=report,
        )
    except Exception as exc:
        logger.exception("Storing the rankings of categories %s failed; the previous ones are kept.", category_ids)
        _record_failure(category_ids, exc)
        report.failed.extend(category_ids)


def recompute_categories(*, category_ids: Iterable[int]) -> RecomputeReport:
    """Recompute and store the rankings of these categories from the current data."""
    report = RecomputeReport()
    by_edition: dict[int, list[int]] = defaultdict(list)
    editions: dict[int, Edition] = {}
    for category in Category.objects.filter(id__in=set(category_ids)).select_related("edition").order_by("id"):
        by_edition[category.edition_id].append(category.id)
        editions[category.edition_id] = category.edition
    for edition_id, ids in by_edition.items():
        _recompute_edition_categories(edition=editions[edition_id], category_ids=ids, report=report)
    return report


def recompute_edition(*, edition: Edition) -> RecomputeReport:
    """Recompute and store every category of an edition (figures_for then reads them)."""
    report = RecomputeReport()
    ids = list(Category.objects.filter(edition=edition).order_by("id").values_list("id", flat=True))
    _recompute_edition_categories(edition=edition, category_ids=ids, report=report)
    return report


def sweep_stale() -> RecomputeReport:
    """Recompute stale categories nobody is waiting on (a lost enqueue, a failed run)."""
    stale = list(
        CategoryRanking.objects.filter(input_version__gt=F("computed_version"))
        .order_by("category_id")
        .values_list("category_id", flat=True)
    )
    if not stale:
        return RecomputeReport()
    try:
        pending = cache.get_many([PENDING_KEY.format(i) for i in stale])
    except Exception:
        logger.warning("Cache unavailable during the sweep; recomputing every stale category.")
        pending = {}
    todo = [i for i in stale if PENDING_KEY.format(i) not in pending]
    if not todo:
        return RecomputeReport()
    logger.info("Sweeping %d stale categories: %s", len(todo), todo)
    return recompute_categories(category_ids=todo)
