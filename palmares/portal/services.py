"""The PDF report of a scorecard: the page's own content with a print stylesheet (WeasyPrint).

A report is cached as one file per entry and language (``ScorecardReport``) and regenerated
only when its data fingerprint changes (new results, an exclusion, publication); the previous
file of that language is replaced, never accumulated. Switching language reads the other
language's slot: neither rebuilds the other.
"""

from __future__ import annotations

import base64
import gc
import hashlib
import json
import mimetypes
from typing import Any

from celery import current_app
from django.conf import settings
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from election.models import Brand, Entry
from palmares.models import ScorecardReport
from palmares.portal.scorecard import scorecard_cached

# Bump when the report's layout changes, so that cached files are regenerated.
LAYOUT_VERSION = "2"
# How long a queued render is considered in flight before another request may queue it again.
QUEUED_SECONDS = 300
# Queued by name: palmares/portal/tasks.py imports this module (the task calls report_build).
RENDER_REPORT = "palmares.render_report"


def brand_logo_name(card: dict[str, Any]) -> str:
    """The stored file name of the card's brand's logo ("" without one): the report prints it (issue 19)."""
    slug = card["entry"]["brand"]["slug"]
    return Brand.objects.filter(slug=slug).values_list("logo", flat=True).first() or ""


def logo_data_uri(name: str) -> str:
    """An image file of the storage as a data URI (WeasyPrint then reads nothing from outside); "" if none."""
    mime = mimetypes.guess_type(name)[0] if name else None
    if not mime or not mime.startswith("image/"):
        return ""
    try:
        with default_storage.open(name, "rb") as file:
            data = file.read()
    except OSError:
        return ""
    return f"data:{mime};base64,{base64.b64encode(data).decode()}"


def report_fingerprint(*, card: dict[str, Any], language: str) -> str:
    """Everything the PDF shows, hashed: same data, same file (the brand's logo included)."""
    payload = json.dumps(
        {"layout": LAYOUT_VERSION, "language": language, "card": card, "logo": brand_logo_name(card)},
        cls=DjangoJSONEncoder,
        sort_keys=True,
        default=str,
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def report_html(*, card: dict[str, Any], language: str) -> str:
    with translation.override(language):
        return render_to_string(
            "palmares/portal/report.html",
            {
                "card": card,
                "logo": logo_data_uri(brand_logo_name(card)),
                # The report summarises the tests (the portal lists them one by one): a table of 225
                # rows would multiply the rendering time several times over.
                "excluded": [t for t in card["tests"] if t["excluded"]],
                "pdf": True,
                "generated_at": timezone.localtime(),
            },
        )


# A render allocates about a million short-lived objects (boxes, styles, text layouts); at the
# default gen-0 threshold (700) the collector runs thousands of times and rescans the growing box
# tree, about a fifth of the render's CPU. A larger threshold during the render keeps collection
# but makes it rare; the garbage is reclaimed by the normal collections afterwards.
RENDER_GC_THRESHOLD = (100_000, 50, 100)


def report_pdf(*, card: dict[str, Any], language: str) -> bytes:
    # WeasyPrint is heavy to import: only the processes that render pay for it.
    from weasyprint import HTML  # noqa: PLC0415 -- heavy: loaded only where a PDF is made

    html = report_html(card=card, language=language)
    previous = gc.get_threshold()
    gc.set_threshold(*RENDER_GC_THRESHOLD)
    try:
        return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()
    finally:
        gc.set_threshold(*previous)


def report_ready(*, entry: Entry, fingerprint: str, language: str) -> ScorecardReport | None:
    """The cached report in ``language`` if it matches ``fingerprint`` and its file is there."""
    report = ScorecardReport.objects.filter(entry=entry, language=language, fingerprint=fingerprint).first()
    if report is None or not report.file or not report.file.storage.exists(report.file.name):
        return None
    return report


def report_build(*, entry: Entry, language: str, card: dict[str, Any] | None = None) -> ScorecardReport:
    """Render ``entry``'s report unless the cached one is current; replaces the previous file."""
    if card is None:
        # The same cached card as the page's download reads, so both agree on the fingerprint.
        with translation.override(language):
            card = scorecard_cached(entry=entry)
    fingerprint = report_fingerprint(card=card, language=language)
    current = report_ready(entry=entry, fingerprint=fingerprint, language=language)
    if current is not None:
        return current
    pdf = report_pdf(card=card, language=language)
    with transaction.atomic():
        report, _ = ScorecardReport.objects.select_for_update().get_or_create(entry=entry, language=language)
        old_name = report.file.name if report.file else ""
        storage = report.file.storage
        # The field's upload_to adds the "reports/" folder.
        name = f"scorecard-{entry.pk}-{language}-{fingerprint[:12]}.pdf"
        report.file.save(name, ContentFile(pdf), save=False)
        report.fingerprint = fingerprint
        report.generated_at = timezone.now()
        report.save()
        if old_name and old_name != report.file.name:
            # Delete only once the row points at the new file.
            transaction.on_commit(lambda: storage.delete(old_name))
    return report


def report_queue(*, entry: Entry, fingerprint: str, language: str) -> bool:
    """Queue a render with the worker once per fingerprint; True if this call queued it."""
    if not cache.add(f"scorecard-report:{entry.pk}:{fingerprint}", 1, QUEUED_SECONDS):
        return False
    transaction.on_commit(lambda: current_app.tasks[RENDER_REPORT].delay(entry.pk, language))
    return True
