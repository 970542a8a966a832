"""Reads for the appeal pages: who sees which appeals and which tests can be appealed."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from common.permissions import agency_of, is_organiser
from election.models import Entry
from mystery_tests.models import TestResult
from palmares.models import Appeal

_APPEAL_RELATED = ("entry__brand", "entry__category__edition", "result__agency")


def appeals_for_member(*, user) -> QuerySet[Appeal]:
    """Every appeal of the user's brands (not only the ones they filed: the brand's team shares them)."""
    return (
        Appeal.objects.filter(entry__brand__memberships__user=user)
        .select_related(*_APPEAL_RELATED, "filed_by")
        .order_by("-filed_at", "-id")
    )


def appeals_for_agency(*, agency) -> QuerySet[Appeal]:
    """Appeals on the agency's own tests, open ones first."""
    return (
        Appeal.objects.filter(result__agency=agency)
        .select_related(*_APPEAL_RELATED)
        .order_by("status", "-filed_at", "-id")
    )


def appeal_for_agency(*, agency, appeal_id: int) -> Appeal | None:
    return appeals_for_agency(agency=agency).filter(pk=appeal_id).first()


def result_for_member(*, user, result_id: int) -> TestResult | None:
    """A test of one of the user's brands' entries, or None (the page answers 404)."""
    return (
        TestResult.objects.filter(pk=result_id, entry__brand__memberships__user=user)
        .select_related("entry__brand", "entry__category__edition", "agency")
        .first()
    )


def open_appeals_by_result(*, entry: Entry) -> dict[int, int]:
    """{test id: open appeal id} for an entry (the scorecard offers no second appeal on those tests)."""
    return dict(Appeal.objects.filter(entry=entry, status=Appeal.Status.OPEN).values_list("result_id", "id"))


def appeal_evidence_for(*, user, appeal_id: int) -> Appeal | None:
    """An appeal whose evidence the user may download: its brand's members, the agency concerned, organisers."""
    appeals = Appeal.objects.filter(pk=appeal_id).exclude(attachment="")
    if is_organiser(user):
        return appeals.first()
    visible = Q(entry__brand__memberships__user=user)
    agency = agency_of(user=user)
    if agency is not None:
        visible |= Q(result__agency=agency)
    return appeals.filter(visible).first()
