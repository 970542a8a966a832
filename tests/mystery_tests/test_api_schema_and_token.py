"""The OpenAPI schema describes exactly the contract's endpoints; the agency_token command."""

import io
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.utils import translation
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from mystery_tests.models import AgencyMembership
from tests.support import factories

CONTRACT = Path(settings.BASE_DIR).parent / "shared" / "API.md"
ENDPOINT_ROW = re.compile(r"^\| `(GET|POST|PUT|PATCH|DELETE) (/api/v1/[^`]*)` \|", re.MULTILINE)


def contract_endpoints() -> set[tuple[str, str]]:
    if not CONTRACT.exists():
        pytest.skip(f"the contract {CONTRACT} is not next to the project")
    # A row may show its query (``/proofs/?external_id=…``): the schema's path has none.
    return {(method.lower(), path.split("?")[0]) for method, path in ENDPOINT_ROW.findall(CONTRACT.read_text())}


@pytest.fixture
def schema(db, api_client) -> dict:
    response = api_client.get("/api/v1/schema/", {"format": "json"})
    assert response.status_code == 200
    return response.json()


def served_endpoints(schema: dict) -> set[tuple[str, str]]:
    return {
        (method, path)
        for path, operations in schema["paths"].items()
        for method in operations
        if method in ("get", "post", "put", "patch", "delete")
    }


def test_schema_serves_every_endpoint_of_the_contract(schema):
    assert contract_endpoints() <= served_endpoints(schema)


# Endpoints added under /api/v1/ by issues not yet in API.md's table (the contract only ever grows).
ADDITIONS = {
    ("get", "/api/v1/campaigns/{id}/plan/"),  # issue 20: the fieldwork plan
    ("post", "/api/v1/editions/{id}/audit/redraw/"),  # issue 17: the auditor redraws after tests changed
}


def test_schema_has_no_endpoint_outside_the_contract_for_campaigns_editions_imports(schema):
    # The contract only ever grows (API.md "versioned"); other areas' additions are checked by their owners.
    ours = {
        e
        for e in served_endpoints(schema)
        if e[1].startswith(("/api/v1/campaigns", "/api/v1/editions", "/api/v1/imports"))
    }

    assert (
        ours
        == {
            e
            for e in contract_endpoints()
            if e[1].startswith(("/api/v1/campaigns", "/api/v1/editions", "/api/v1/imports"))
        }
        | ADDITIONS
    )


def test_contract_lists_the_agency_endpoints():
    assert {
        ("get", "/api/v1/campaigns/"),
        ("get", "/api/v1/campaigns/{id}/"),
        ("post", "/api/v1/campaigns/{id}/results/"),
        ("get", "/api/v1/campaigns/{id}/results/"),
        ("get", "/api/v1/campaigns/{id}/progress/"),
        ("get", "/api/v1/editions/"),
    } <= contract_endpoints()


def test_schema_upload_documents_every_status_code_with_the_error_component(schema):
    upload = schema["paths"]["/api/v1/campaigns/{id}/results/"]["post"]

    assert sorted(upload["responses"]) == ["200", "400", "401", "403", "404", "409", "413", "415", "429"]
    for code in ("400", "401", "403", "404", "409", "413", "415", "429"):
        assert upload["responses"][code]["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/Error"
        }
    assert list(upload["requestBody"]["content"]) == ["application/json"]
    assert upload["requestBody"]["content"]["application/json"]["schema"]["type"] == "array"
    assert [p["name"] for p in upload["parameters"] if p["in"] == "query"] == ["dry_run"]


def test_schema_error_component_has_detail_and_errors(schema):
    error = schema["components"]["schemas"]["Error"]
    item = schema["components"]["schemas"]["ErrorItem"]

    assert error["required"] == ["detail"]
    assert set(error["properties"]) == {"detail", "errors", "errors_omitted"}
    assert set(item["properties"]) == {"index", "row", "field", "column", "message"}


def test_schema_campaign_object_has_the_contract_fields(schema):
    campaign = schema["components"]["schemas"]["Campaign"]
    channel = schema["components"]["schemas"]["Channel"]

    assert list(campaign["properties"]) == [
        "id",
        "edition",
        "agency",
        "starts_on",
        "ends_on",
        "status",
        "channels",
        "entries",
    ]
    assert list(channel["properties"]) == ["channel", "quota", "weight", "criteria"]


def test_schema_results_list_is_paginated_and_filterable(schema):
    listing = schema["paths"]["/api/v1/campaigns/{id}/results/"]["get"]

    assert listing["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/PaginatedResultList"
    }
    assert {p["name"] for p in listing["parameters"] if p["in"] == "query"} == {
        "channel",
        "entry",
        "external_id",
        "page",
        "page_size",
    }


def test_docs_page_is_served(db, api_client):
    response = api_client.get("/api/v1/docs/")

    assert response.status_code == 200
    assert b"swagger-ui" in response.content


# -- agency_token ----------------------------------------------------------------------------------------
def run_agency_token(slug: str) -> list[str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("agency_token", slug, stdout=out, stderr=err)
    return out.getvalue().splitlines()


def test_agency_token_creates_api_user_and_prints_key_last(db):
    agency = factories.AgencyFactory(slug="terrain-sa")

    lines = run_agency_token("terrain-sa")

    membership = AgencyMembership.objects.get(agency=agency)
    assert membership.user.username == "api-terrain-sa"
    assert not membership.user.has_usable_password()
    assert lines[-1] == Token.objects.get(user=membership.user).key


def test_agency_token_same_key_on_later_runs(db):
    factories.AgencyFactory(slug="terrain-sa")

    first = run_agency_token("terrain-sa")[-1]
    again = run_agency_token("terrain-sa")[-1]

    assert first == again
    assert AgencyMembership.objects.count() == 1


def test_agency_token_key_authenticates_the_agency(db):
    agency = factories.AgencyFactory(slug="terrain-sa")
    campaign = factories.CampaignFactory(agency=agency)
    key = run_agency_token("terrain-sa")[-1]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")

    response = client.get("/api/v1/campaigns/")

    assert [c["id"] for c in response.json()["results"]] == [campaign.pk]


def test_agency_token_unknown_agency_is_an_error(db):
    with translation.override("en"), pytest.raises(CommandError, match="No agency with the slug “nope”."):
        run_agency_token("nope")
