"""Quality review (METHODOLOGY §5): an organiser excludes a test that breaks the protocol, with a
reason, and may restore it. The test stays stored; each change is a ResultEvent (who, when, why)
and sends ``inputs_changed`` inside the transaction, so scoring recomputes after the commit.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from election.channels import channel_label
from election.models import Edition

from .models import ResultEvent, TestResult
from .services import counted_tests, entry_names
from .signals import inputs_changed


class ReviewRefused(Exception):
    """The review change is not allowed (no reason given, edition frozen, nothing to change)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _locked_results(result_ids: Iterable[int]) -> list[TestResult]:
    """The results, locked, after their editions' rows: the lock uploads and publication take.

    A publication holds its edition's row from the freeze to the snapshot, so a review change
    waits for it and then reads ``frozen_at`` afresh (refused); it can never land after the freeze.
    Editions are locked in id order, before the results, like uploads do (no deadlock).
    """
    result_ids = list(result_ids)
    edition_ids = (
        TestResult.objects.filter(pk__in=result_ids)
        .values_list("campaign__edition_id", flat=True)
        .distinct()
        .order_by()
    )
    list(Edition.objects.select_for_update().filter(pk__in=list(edition_ids)).order_by("pk").values_list("pk"))
    return list(
        TestResult.objects.select_for_update(of=("self",))
        .select_related("campaign__edition", "entry")
        .filter(pk__in=result_ids)
        .order_by("pk")
    )


def _refuse_frozen(results: list[TestResult]) -> None:
    frozen = sorted({r.campaign.edition.name for r in results if r.campaign.edition.is_frozen})
    if frozen:
        raise ReviewRefused(
            _("The results of %(editions)s are frozen (published): tests can no longer be excluded or restored.")
            % {"editions": ", ".join(frozen)}
        )


def _refuse_over_quota(results: list[TestResult]) -> None:
    """METHODOLOGY §5: a restore that would bring an entry above a channel's quota is refused, all or nothing."""
    restoring: dict[tuple[int, str], list[TestResult]] = {}
    for r in results:
        restoring.setdefault((r.entry_id, r.channel), []).append(r)
    counted = counted_tests(restoring)
    over = []
    for (entry_id, channel), tests in sorted(restoring.items()):
        quota = tests[0].campaign.edition.quota.get(channel, 0)
        total = counted.get((entry_id, channel), 0) + len(tests)
        if total > quota:
            over.append((tests, total, quota))
    if not over:
        return
    names = entry_names(tests[0].entry_id for tests, _, _ in over)
    messages = []
    for tests, total, quota in over:
        brand, category = names.get(tests[0].entry_id, (str(tests[0].entry_id), ""))
        shown = ", ".join(f"“{r.external_id}”" for r in tests[:5]) + (" …" if len(tests) > 5 else "")
        messages.append(
            _(
                "Restoring %(tests)s would bring %(brand)s in %(category)s to %(count)d tests (%(channel)s); "
                "the quota is %(quota)d. Exclude another test of this entry first."
            )
            % {
                "tests": shown,
                "brand": brand,
                "category": category,
                "count": total,
                "channel": channel_label(tests[0].channel),
                "quota": quota,
            }
        )
    raise ReviewRefused(" ".join(messages))


def _record(results: list[TestResult], *, kind: str, user: AbstractBaseUser | None, reason: str) -> None:
    ResultEvent.objects.bulk_create(ResultEvent(result=r, kind=kind, user=user, reason=reason) for r in results)
    inputs_changed.send(
        sender=TestResult,
        category_ids={r.entry.category_id for r in results},
        reason=f"results {kind}",
    )


def results_exclude(*, result_ids: Iterable[int], user: AbstractBaseUser | None, reason: str) -> list[TestResult]:
    """Excludes the given tests that count; returns those it excluded (already excluded ones are left as they are)."""
    reason = (reason or "").strip()
    if not reason:
        raise ReviewRefused(_("Give the reason for the exclusion."))
    with transaction.atomic():
        results = _locked_results(result_ids)
        _refuse_frozen(results)
        changed = [r for r in results if not r.excluded]
        if not changed:
            return []
        now = timezone.now()
        for r in changed:
            r.excluded, r.exclusion_reason, r.excluded_at, r.excluded_by = True, reason, now, user
        TestResult.objects.bulk_update(changed, ["excluded", "exclusion_reason", "excluded_at", "excluded_by"])
        _record(changed, kind=ResultEvent.Kind.EXCLUDED, user=user, reason=reason)
    return changed


def results_restore(*, result_ids: Iterable[int], user: AbstractBaseUser | None, reason: str = "") -> list[TestResult]:
    """Makes the given excluded tests count again; returns those it restored."""
    reason = (reason or "").strip()
    with transaction.atomic():
        results = _locked_results(result_ids)
        _refuse_frozen(results)
        changed = [r for r in results if r.excluded]
        if not changed:
            return []
        _refuse_over_quota(changed)
        for r in changed:
            r.excluded, r.exclusion_reason, r.excluded_at, r.excluded_by = False, "", None, None
        TestResult.objects.bulk_update(changed, ["excluded", "exclusion_reason", "excluded_at", "excluded_by"])
        _record(changed, kind=ResultEvent.Kind.RESTORED, user=user, reason=reason)
    return changed


def result_exclude(*, result: TestResult, user: AbstractBaseUser | None, reason: str) -> TestResult:
    """Excludes one test with its reason (METHODOLOGY §5); refused if it is already excluded."""
    changed = results_exclude(result_ids=[result.pk], user=user, reason=reason)
    if not changed:
        raise ReviewRefused(_("This test is already excluded."))
    result.refresh_from_db()
    return result


def result_restore(*, result: TestResult, user: AbstractBaseUser | None, reason: str = "") -> TestResult:
    """Restores one excluded test; refused if it counts already."""
    changed = results_restore(result_ids=[result.pk], user=user, reason=reason)
    if not changed:
        raise ReviewRefused(_("This test is not excluded."))
    result.refresh_from_db()
    return result
