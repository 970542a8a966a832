"""A small published-edition world for the palmarès tests (tests/palmares/…).

Quotas: phone 2, email 1 (weights equal quotas), other channels off. Every test of an entry has
the same score, so an entry's overall score equals it exactly:
- "banque" (4 entries): laureate at 16.4375 (shown 16.44); others 13.3125, 12.5625, 9.8125.
- "assurance" (3 entries): best 11.6875 < threshold 12 → not awarded.
- "energie" (2 entries): not contested (min_entrants 3).
NON_LAUREATE_SCORES lists every overall of a non-laureate, raw and as displayed in FR/EN.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass

from election.models import Brand, Category, Edition, Entry
from mystery_tests.models import Agency, Campaign, TestResult
from palmares.publication.services import edition_publish
from scoring.services import recompute_edition
from tests.support import factories

LAUREATE_SCORE = 16.4375
SCORES = {
    "banque": [LAUREATE_SCORE, 13.3125, 12.5625, 9.8125],
    "assurance": [11.6875, 10.9375, 7.0625],
    "energie": [17.1875, 15.4375],
}
NON_LAUREATE_SCORES = [s for slug, values in SCORES.items() for s in values if s != LAUREATE_SCORE]
_ids = itertools.count(1)


def displayed(value: float) -> list[str]:
    """How a score could appear: unrounded, and rounded to 2 decimals with a point or a comma."""
    two = f"{value:.2f}"
    return [repr(value), two, two.replace(".", ",")]


@dataclass
class PalmaresWorld:
    edition: Edition
    categories: dict[str, Category]
    entries: dict[str, list[Entry]]
    agency: Agency
    campaign: Campaign

    @property
    def laureate_brand(self) -> Brand:
        return self.entries["banque"][0].brand


def add_results(world: PalmaresWorld, entry: Entry, score: float, *, phone: int = 2, email: int = 1) -> None:
    """Counted tests giving ``entry`` exactly ``score`` on each channel (the engine reads stored scores)."""
    when = dt.datetime(world.edition.year - 1, 6, 1, 10, tzinfo=dt.UTC)
    rows = [("phone", i) for i in range(phone)] + [("email", i) for i in range(email)]
    TestResult.objects.bulk_create(
        TestResult(
            agency=world.agency,
            external_id=f"T-{next(_ids)}",
            campaign=world.campaign,
            entry=entry,
            channel=channel,
            performed_at=when,
            reached=True,
            wait_seconds=30.0 + i if channel == "phone" else None,
            response_hours=5.0 if channel == "email" else None,
            scores={},
            score=score,
        )
        for channel, i in rows
    )


def build_world(
    *, year: int = 2031, country: str = "FR", scores: dict | None = None, names: dict | None = None
) -> PalmaresWorld:
    """``names`` optionally maps a category slug to (category name, [brand names])."""
    names = names or {}
    edition = factories.EditionFactory(
        country=country,
        year=year,
        quota_phone=2,
        quota_email=1,
        quota_web=0,
        quota_chat=0,
        quota_social=0,
        name=f"Élu Service Client de l'Année {year}",
    )
    agency = factories.AgencyFactory(slug=f"terrain-{country.lower()}-{year}", name="Terrain SA")
    categories, entries = {}, {}
    for slug, values in (scores or SCORES).items():
        default_names = (slug.capitalize(), [f"{slug.capitalize()} {i}" for i in range(9)])
        category_name, brand_names = names.get(slug, default_names)
        category = factories.CategoryFactory(edition=edition, slug=slug, name=category_name)
        categories[slug] = category
        entries[slug] = [
            factories.EntryFactory(
                category=category,
                brand=factories.BrandFactory(slug=f"{slug}-{i}", name=brand_names[i]),
            )
            for i in range(len(values))
        ]
    campaign = factories.CampaignFactory(edition=edition, agency=agency)
    world = PalmaresWorld(edition=edition, categories=categories, entries=entries, agency=agency, campaign=campaign)
    for slug, values in (scores or SCORES).items():
        for entry, score in zip(entries[slug], values, strict=True):
            add_results(world, entry, score)
    return world


def recompute(world: PalmaresWorld) -> None:
    recompute_edition(edition=world.edition)


def published_world(**options) -> PalmaresWorld:
    """``build_world(**options)``, its rankings computed and the edition published now."""
    world = build_world(**options)
    recompute(world)
    edition_publish(edition=world.edition)
    return world


# A one-category edition, for query-count tests that build several editions.
ONE_CATEGORY = {"banque": [LAUREATE_SCORE, 13.3125, 12.5625]}
