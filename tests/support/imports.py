"""Data and files for the import and review tests (tests/mystery_tests/test_imports_*.py, test_review_*.py).

One open edition (France 2027, Europe/Paris, default grid) with the category "banque" (three
registered entries) in the campaigns of agencies A and B; agency users, an organiser and a user
with no role. Files are written the way field teams write them: Excel's French CSV (``;``, BOM,
oui/non, decimal commas) or an XLSX workbook with real date cells.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass

import openpyxl
import pytest

from election.models import Category, Edition, Entry
from mystery_tests import services
from mystery_tests.models import Agency, Campaign, TestResult
from tests.support import factories

HEADER = [
    "external_id",
    "brand",
    "category",
    "channel",
    "performed_at",
    "reached",
    "wait_seconds",
    "response_hours",
    "comment",
    "greeting",
    "courtesy",
    "answer_accuracy",
    "clarity",
]


@dataclass
class ImportWorld:
    edition: Edition
    banque: Category
    entries: list[Entry]
    agency_a: Agency
    agency_b: Agency
    campaign_a: Campaign
    campaign_b: Campaign
    user_a: object
    user_b: object
    organiser: object
    nobody: object


@pytest.fixture
def iworld(db, settings) -> ImportWorld:
    # Users log in with factories.PASSWORD; a fast hasher keeps the fixture from dominating the run.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Messages are asserted in English; test_imports_api checks the French ones.
    settings.LANGUAGE_CODE = "en"
    edition = factories.EditionFactory(year=2027, tests_start_on=dt.date(2027, 5, 2), tests_end_on=dt.date(2027, 7, 31))
    banque = factories.CategoryFactory(edition=edition, slug="banque", name="Banque en ligne")
    entries = [
        factories.EntryFactory(category=banque, brand=factories.BrandFactory(slug=f"banque-{i}", name=f"Banque {i}"))
        for i in (1, 2, 3)
    ]
    agency_a = factories.AgencyFactory(slug="terrain-sa", name="Terrain SA")
    agency_b = factories.AgencyFactory(slug="autre-agence", name="Autre Agence")
    campaign_a = factories.CampaignFactory(edition=edition, agency=agency_a, categories=[banque])
    campaign_b = factories.CampaignFactory(edition=edition, agency=agency_b, categories=[banque])
    return ImportWorld(
        edition=edition,
        banque=banque,
        entries=entries,
        agency_a=agency_a,
        agency_b=agency_b,
        campaign_a=campaign_a,
        campaign_b=campaign_b,
        user_a=factories.AgencyMembershipFactory(agency=agency_a, user__username="field-a").user,
        user_b=factories.AgencyMembershipFactory(agency=agency_b, user__username="field-b").user,
        organiser=factories.OrganiserFactory(username="organiser", is_superuser=True),
        nobody=factories.UserFactory(username="nobody"),
    )


def row(n: int, **overrides) -> dict:
    """A valid phone test on banque-1, as a field team writes it (French booleans, decimal comma)."""
    values = {
        "external_id": f"T-{n:05d}",
        "brand": "banque-1",
        "category": "banque",
        "channel": "phone",
        "performed_at": "2027-05-12 10:31:00+02:00",
        "reached": "oui",
        "wait_seconds": "12,5",
        "response_hours": "",
        "comment": "Conseillère aimable; réponse exacte.",
        "greeting": "2",
        "courtesy": "1",
        "answer_accuracy": "2",
        "clarity": "",
    }
    values.update(overrides)
    return values


def csv_bytes(rows: list[dict], *, header: list[str] | None = None, sep: str = ";", bom: bool = True) -> bytes:
    header = header or HEADER
    out = io.StringIO()
    writer = csv.writer(out, delimiter=sep, lineterminator="\r\n")
    writer.writerow(header)
    for values in rows:
        writer.writerow([values.get(name, "") for name in header])
    return (("\ufeff" if bom else "") + out.getvalue()).encode("utf-8")


def xlsx_bytes(rows: list[list], *, header: list[str] | None = None) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(header or HEADER)
    for values in rows:
        sheet.append(values)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def upload_results(campaign: Campaign, *items: dict, user=None) -> list[TestResult]:
    """Stores JSON items through the agency-API service (the same path as every upload)."""
    services.results_upload(campaign=campaign, items=list(items), user=user)
    keys = [i["external_id"] for i in items]
    return list(TestResult.objects.filter(agency=campaign.agency, external_id__in=keys).order_by("external_id"))


def json_item(n: int, *, brand: str = "banque-1", **overrides) -> dict:
    item = {
        "external_id": f"J-{n:05d}",
        "brand": brand,
        "category": "banque",
        "channel": "phone",
        "performed_at": "2027-05-12T10:31:00+02:00",
        "reached": True,
        "scores": {"greeting": 2, "courtesy": 1},
    }
    item.update(overrides)
    return item
