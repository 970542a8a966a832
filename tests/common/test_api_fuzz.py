"""API fuzzing: schemathesis drives every operation of the SERVED OpenAPI schema through the WSGI app.

Each operation runs as an agency API user and as an organiser, on seeded data (an open campaign with
entries, an import, a published edition), with a bounded, derandomised number of examples. Checks: no
5xx, every status code documented, content type and body conform to the schema.
"""

import datetime as dt

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from config.wsgi import application
from mystery_tests.models import ImportJob
from palmares.publication.services import edition_publish
from scoring.services import recompute_edition
from tests.support import factories
from tests.support.palmares import build_world

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=False)]

# The schema as clients download it, not as the code generates it.
schema = schemathesis.openapi.from_wsgi("/api/v1/schema/", application)

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture
def keep_test_connection():
    """The raw WSGI app fires request_started/finished, which close the database connection — and with
    it the test's transaction on PostgreSQL. Django's own test client disconnects them the same way."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def fuzz_world(db, keep_test_connection):
    """An open edition whose campaign (agency A) has entries and an import; another edition published."""
    edition = factories.EditionFactory(year=2027, tests_start_on=dt.date(2027, 5, 2), tests_end_on=dt.date(2027, 7, 31))
    category = factories.CategoryFactory(edition=edition, slug="banque", name="Banque <b>en</b> ligne")
    for i in range(3):
        factories.EntryFactory(category=category, brand=factories.BrandFactory(slug=f"brand-{i}"))
    agency = factories.AgencyFactory(slug="terrain-sa")
    campaign = factories.CampaignFactory(edition=edition, agency=agency, categories=[category])
    agency_user = factories.AgencyMembershipFactory(agency=agency).user
    job = ImportJob.objects.create(
        campaign=campaign,
        uploaded_by=agency_user,
        file="imports/results.csv",
        original_name="results.csv",
        format="csv",
    )
    published = build_world(year=2026)
    recompute_edition(edition=published.edition)
    edition_publish(edition=published.edition)
    organiser = factories.UserFactory(is_staff=True, is_superuser=True)
    return {
        "campaign": campaign.pk,
        "import": job.pk,
        "edition": edition.pk,
        "published": published.edition.pk,
        "tokens": {"agency": token_for(agency_user), "organiser": token_for(organiser)},
    }


def token_for(user) -> str:
    return Token.objects.get_or_create(user=user)[0].key


def real_id(case, world) -> int:
    """Random ids only ever reach a 404: aim the case at a seeded object so its body is exercised."""
    path = case.operation.path
    if path.startswith("/api/v1/campaigns/"):
        return world["campaign"]
    if path.startswith("/api/v1/imports/"):
        return world["import"]
    if path.endswith("/palmares/"):
        return world["published"]
    if path.startswith("/api/v1/editions/"):
        return world["edition"]
    return case.path_parameters["id"]


@pytest.mark.parametrize("role", ["agency", "organiser"])
@schema.parametrize()
@settings(
    max_examples=10,
    derandomize=True,
    deadline=None,
    # No shrinking: derandomised examples already reproduce a failure, and shrinking costs minutes.
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_hardening_fuzz_api_conforms_to_served_schema(case, role, fuzz_world):
    # Arrange
    if case.path_parameters and "id" in case.path_parameters:
        case.path_parameters["id"] = real_id(case, fuzz_world)
    headers = {"Accept-Language": "en", "Authorization": f"Token {fuzz_world['tokens'][role]}"}

    # Act / Assert: schemathesis raises with every failed check
    case.call_and_validate(headers=headers, checks=CHECKS)
