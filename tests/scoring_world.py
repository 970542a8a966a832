"""Builders for the scoring tests (imported by tests/test_scoring_*.py).

Test rows are written with ``TestResult.objects.bulk_create`` and an explicit score, so each
case states exactly the numbers the rule book works on.
"""

import datetime as dt
import itertools

from django.utils import timezone

from election.channels import CHANNELS
from election.models import Category, Edition, Entry
from mystery_tests.models import Campaign, TestResult
from scoring.selectors import rankings_for
from scoring.services import recompute_categories
from tests import factories

_ids = itertools.count(1)


def small_edition(quota: dict[str, int] | None = None, weight: dict[str, int] | None = None, **fields) -> Edition:
    """An edition with small quotas (phone 2, email 1 unless given; other channels out)."""
    quota = quota or {"phone": 2, "email": 1}
    values = {f"quota_{c}": quota.get(c, 0) for c in CHANNELS}
    values.update({f"weight_{c}": w for c, w in (weight or {}).items()})
    values.update(fields)
    return factories.EditionFactory(**values)


def category(edition: Edition, slug: str = "banque") -> Category:
    return factories.CategoryFactory(edition=edition, slug=slug, name=slug.title())


def entry(cat: Category, brand: str, status: str = Entry.Status.REGISTERED) -> Entry:
    return factories.EntryFactory(category=cat, brand=factories.BrandFactory(slug=brand), status=status)


def campaign_for(edition: Edition) -> Campaign:
    found = Campaign.objects.filter(edition=edition).first()
    return found or factories.CampaignFactory(edition=edition)


def add_tests(
    e: Entry,
    channel: str,
    scores: list[float],
    *,
    reached: bool = True,
    wait_seconds: list[float | None] | None = None,
    response_hours: list[float | None] | None = None,
    excluded: bool = False,
) -> list[TestResult]:
    """Counted (or excluded) tests of one entry on one channel with these scores /20."""
    camp = campaign_for(e.category.edition)
    rows = []
    for i, score in enumerate(scores):
        rows.append(
            TestResult(
                agency_id=camp.agency_id,
                campaign=camp,
                external_id=f"T-{next(_ids)}",
                entry=e,
                channel=channel,
                performed_at=timezone.make_aware(dt.datetime(e.category.edition.year - 1, 6, 1, 10, 0)),
                reached=reached,
                wait_seconds=wait_seconds[i] if wait_seconds else None,
                response_hours=response_hours[i] if response_hours else None,
                scores={},
                score=score,
                excluded=excluded,
                exclusion_reason="quality review" if excluded else "",
            )
        )
    return TestResult.objects.bulk_create(rows)


def ranked(cat: Category) -> dict:
    """Recompute the category and return its body from rankings_for, entries keyed by brand slug."""
    recompute_categories(category_ids=[cat.id])
    body = next(c for c in rankings_for(edition=cat.edition)["categories"] if c["slug"] == cat.slug)
    return {**body, "by_brand": {e["brand"]["slug"]: e for e in body["entries"]}}
