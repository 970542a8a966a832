"""Periodic work of the publication: warm the public pages' cache when a palmarès goes live.

A scheduled publication is decided (and frozen) ahead of the ceremony; at its go-live minute
the first wave of visitors would otherwise all miss the cache at once.
"""

from __future__ import annotations

import datetime as dt
import logging

from celery import shared_task
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from palmares.models import Publication
from palmares.publication.views import warm_publication_pages

logger = logging.getLogger(__name__)

# Publications that went live within this window are (re)checked; the beat runs every 30 s.
WARM_WINDOW = dt.timedelta(minutes=10)


@shared_task(name="palmares.publish_due")
def publish_due() -> int:
    """Warm the cache of every publication that went live recently (once per publication)."""
    now = timezone.now()
    due = Publication.objects.filter(
        is_current=True, goes_live_at__lte=now, goes_live_at__gt=now - WARM_WINDOW
    ).select_related("edition")
    languages = [code for code, _name in settings.LANGUAGES]
    warmed = 0
    for publication in due:
        # cache.add is atomic: one worker warms a publication, the others skip it.
        if not cache.add(f"palmares:warmed:{publication.pk}:{publication.fingerprint}", now.isoformat(), 3600):
            continue
        pages = warm_publication_pages(publication=publication, languages=languages)
        logger.info("Warmed %d public pages of %s at go-live.", pages, publication.edition)
        warmed += 1
    return warmed
