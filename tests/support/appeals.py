"""A small edition for appeal tests, with figures worked out by hand from METHODOLOGY.md.

One category, three brands, phone only (quota 2, completion 0.5 → one counted test makes an
entry complete), threshold 12, min_entrants 3:

- Azur:   tests 15 and 5  → overall 10.0, rank 2, complete
- Béryl:  tests 13 and 12 → overall 12.5, rank 1, laureate (≥ 12)
- Corail: tests 9 and 9   → overall  9.0, rank 3

Excluding Azur's 5 (the appealed test) leaves Azur 15.0 (one test, still complete): rank 1 and
laureate instead of Béryl (12.5, rank 2); Corail stays 3rd.
"""

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

from django.utils import timezone

from mystery_tests.models import TestResult
from scoring.services import recompute_categories
from tests.support import factories

RELEASED_AGO = dt.timedelta(days=1)
CLOSES_IN = dt.timedelta(days=7)


def _result(campaign, entry, external_id: str, score: float, day: int) -> TestResult:
    return TestResult(
        agency=campaign.agency,
        external_id=external_id,
        campaign=campaign,
        entry=entry,
        channel="phone",
        performed_at=dt.datetime(campaign.starts_on.year, 5, day, 10, 0, tzinfo=dt.UTC),
        reached=True,
        wait_seconds=30,
        scores={"greeting": 2},
        comment=f"Test {external_id}",
        score=score,
    )


def build_world(*, recompute: bool = True, **edition_fields) -> SimpleNamespace:
    now = timezone.now()
    fields = {
        "quota_phone": 2,
        "quota_email": 0,
        "quota_web": 0,
        "quota_chat": 0,
        "quota_social": 0,
        "completion": Decimal("0.5"),
        "threshold": Decimal("12.00"),
        "min_entrants": 3,
        "results_released_at": now - RELEASED_AGO,
        "appeals_close_at": now + CLOSES_IN,
        **edition_fields,
    }
    edition = factories.EditionFactory(**fields)
    category = factories.CategoryFactory(edition=edition, slug="banque-en-ligne", name="Banque en ligne")
    brands = [
        factories.BrandFactory(slug="azur", name="Azur"),
        factories.BrandFactory(slug="beryl", name="Béryl"),
        factories.BrandFactory(slug="corail", name="Corail"),
    ]
    entries = [factories.EntryFactory(category=category, brand=b) for b in brands]
    agency_a = factories.AgencyFactory(slug="terrain-sa", name="Terrain SA", contact_email="contact@terrain.example")
    agency_b = factories.AgencyFactory(slug="autre-agence", name="Autre Agence")
    campaign_a = factories.CampaignFactory(edition=edition, agency=agency_a)
    factories.CampaignFactory(edition=edition, agency=agency_b)
    scores = {"azur": (15, 5), "beryl": (13, 12), "corail": (9, 9)}
    results = {}
    for entry in entries:
        for i, score in enumerate(scores[entry.brand.slug]):
            key = f"{entry.brand.slug}-{i}"
            results[key] = _result(campaign_a, entry, f"T-{key}", score, day=3 + i)
    TestResult.objects.bulk_create(results.values())
    if recompute:
        recompute_categories(category_ids=[category.id])
    member_a = factories.UserFactory(username="membre-azur", email="dir@azur.example")
    member_a2 = factories.UserFactory(username="membre-azur-2", email="cx@azur.example")
    member_b = factories.UserFactory(username="membre-beryl", email="dir@beryl.example")
    factories.BrandMembershipFactory(user=member_a, brand=brands[0])
    factories.BrandMembershipFactory(user=member_a2, brand=brands[0])
    factories.BrandMembershipFactory(user=member_b, brand=brands[1])
    agent_a = factories.UserFactory(username="agent-a", email="agent@terrain.example")
    agent_b = factories.UserFactory(username="agent-b", email="agent@autre.example")
    factories.AgencyMembershipFactory(user=agent_a, agency=agency_a)
    factories.AgencyMembershipFactory(user=agent_b, agency=agency_b)
    return SimpleNamespace(
        edition=edition,
        category=category,
        azur=entries[0],
        beryl=entries[1],
        corail=entries[2],
        agency_a=agency_a,
        agency_b=agency_b,
        campaign_a=campaign_a,
        results=results,
        appealed=results["azur-1"],  # Azur's 5/20
        member_a=member_a,
        member_a2=member_a2,
        member_b=member_b,
        agent_a=agent_a,
        agent_b=agent_b,
    )


PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
