"""Personas and data for the agency API tests (tests/mystery_tests/test_api_*.py and others).

One open edition with the default grid; categories "banque" and "assurance" in the campaigns of
agencies A and B, "energie" in no campaign; three registered entries per category, plus a withdrawn
and a disqualified one in "banque". Users: agency A's and B's API users, an organiser, a member of
one of the brands, and a user with no role.
"""

import datetime as dt
from dataclasses import dataclass

import pytest

from election.models import Category, Edition, Entry
from mystery_tests.models import Agency, Campaign
from tests.conftest import token_client
from tests.support import factories


@dataclass
class World:
    edition: Edition
    banque: Category
    assurance: Category
    energie: Category
    entries: dict[str, Entry]  # "banque-1" …, "banque-withdrawn", "banque-disqualified", "energie-1" …
    agency_a: Agency
    agency_b: Agency
    campaign_a: Campaign
    campaign_b: Campaign
    user_a: object
    user_b: object
    brand_member: object
    nobody: object

    def client(self, user):
        """A token client asking for English, so that tests read the messages' source text."""
        client = token_client(user)
        client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
        return client

    @property
    def api_a(self):
        return self.client(self.user_a)


@pytest.fixture
def world(db) -> World:
    edition = factories.EditionFactory(year=2027, tests_start_on=dt.date(2027, 5, 2), tests_end_on=dt.date(2027, 7, 31))
    banque = factories.CategoryFactory(edition=edition, slug="banque", name="Banque en ligne")
    assurance = factories.CategoryFactory(edition=edition, slug="assurance", name="Assurance")
    energie = factories.CategoryFactory(edition=edition, slug="energie", name="Énergie")
    entries = {}
    for category in (banque, assurance, energie):
        for i in (1, 2, 3):
            brand = factories.BrandFactory(slug=f"{category.slug}-brand-{i}", name=f"{category.name} {i}")
            entries[f"{category.slug}-{i}"] = factories.EntryFactory(category=category, brand=brand)
    for status in ("withdrawn", "disqualified"):
        brand = factories.BrandFactory(slug=f"banque-brand-{status}")
        entries[f"banque-{status}"] = factories.EntryFactory(category=banque, brand=brand, status=status)
    agency_a = factories.AgencyFactory(slug="terrain-sa", name="Terrain SA")
    agency_b = factories.AgencyFactory(slug="autre-agence", name="Autre Agence")
    campaign_a = factories.CampaignFactory(edition=edition, agency=agency_a, categories=[banque, assurance])
    campaign_b = factories.CampaignFactory(edition=edition, agency=agency_b, categories=[banque, assurance])
    user_a = factories.AgencyMembershipFactory(agency=agency_a, user__username="api-terrain-sa").user
    user_b = factories.AgencyMembershipFactory(agency=agency_b, user__username="api-autre-agence").user
    brand_member = factories.BrandMembershipFactory(brand=entries["banque-1"].brand, user__username="brand-a").user
    nobody = factories.UserFactory(username="nobody")
    return World(
        edition=edition,
        banque=banque,
        assurance=assurance,
        energie=energie,
        entries=entries,
        agency_a=agency_a,
        agency_b=agency_b,
        campaign_a=campaign_a,
        campaign_b=campaign_b,
        user_a=user_a,
        user_b=user_b,
        brand_member=brand_member,
        nobody=nobody,
    )


def result(entry: Entry, n: int = 1, **overrides) -> dict:
    """A valid phone result for ``entry``: weights 1, 1, 3 → 10 × (2 + 1 + 6) / 5 = 18.0."""
    item = {
        "external_id": f"AG-{entry.pk}-{n:06d}",
        "entry": entry.pk,
        "channel": "phone",
        "performed_at": "2027-05-12T10:31:00+02:00",
        "reached": True,
        "wait_seconds": 45,
        "response_hours": None,
        "scores": {"greeting": 2, "courtesy": 1, "answer_accuracy": 2},
        "comment": "Conseillère aimable, réponse exacte.",
    }
    item.update(overrides)
    return item
