"""Celery tasks of the scorecard reports (thin: re-fetch, call palmares.portal.services)."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings

from election.models import Entry
from palmares.portal.services import report_build


@shared_task(name="palmares.render_report")
def render_report(entry_id: int, language: str | None = None) -> str | None:
    """Render one entry's PDF report if its data changed; returns the file's name."""
    entry = (
        Entry.objects.select_related("brand", "category__edition", "computed", "category__ranking")
        .filter(pk=entry_id)
        .first()
    )
    if entry is None:
        return None
    return report_build(entry=entry, language=language or settings.LANGUAGE_CODE).file.name


@shared_task(name="palmares.render_edition_reports")
def render_edition_reports(edition_id: int, language: str | None = None) -> int:
    """Queue one render per registered entry of an edition (bulk generation from the admin)."""
    ids = list(
        Entry.objects.filter(category__edition_id=edition_id, status=Entry.Status.REGISTERED)
        .order_by("id")
        .values_list("id", flat=True)
    )
    for entry_id in ids:
        render_report.delay(entry_id, language)
    return len(ids)
