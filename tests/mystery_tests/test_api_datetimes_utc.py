# ruff: noqa: F811  (the iworld fixture is imported and then requested by name)
"""API.md "Conventions": every datetime the API answers is in UTC (issue 13, finding 16), whatever the
server's TIME_ZONE (Europe/Paris) and the zone the client works in."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from mystery_tests.services import results_upload
from palmares.appeals.services import appeal_file, appeal_reject
from tests.conftest import token_client
from tests.support.appeals import build_world
from tests.support.world import csv_bytes, iworld, json_item, row  # noqa: F401  (fixture)

ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")


def datetimes(body, path: str = "") -> dict[str, str]:
    """Every ISO 8601 date-time string in a JSON body, by its path."""
    if isinstance(body, dict):
        return {k: v for key, value in body.items() for k, v in datetimes(value, f"{path}.{key}").items()}
    if isinstance(body, list):
        return {k: v for i, value in enumerate(body) for k, v in datetimes(value, f"{path}.{i}").items()}
    if isinstance(body, str) and ISO_DATETIME.match(body):
        return {path: body}
    return {}


def not_utc(body) -> dict[str, str]:
    return {path: value for path, value in datetimes(body).items() if not value.endswith(("Z", "+00:00"))}


@pytest.fixture(autouse=True)
def _paris(settings):
    settings.TIME_ZONE = "Europe/Paris"
    timezone.activate("Europe/Paris")
    yield
    timezone.deactivate()


def test_api_import_object_and_results_answer_utc(iworld, django_capture_on_commit_callbacks):
    # Arrange
    client = token_client(iworld.user_a)
    file = SimpleUploadedFile("semaine.csv", csv_bytes([row(1)]), content_type="text/csv")
    results_upload(campaign=iworld.campaign_a, items=[json_item(7)], user=iworld.user_a)

    # Act
    with django_capture_on_commit_callbacks(execute=True):
        posted = client.post(f"/api/v1/campaigns/{iworld.campaign_a.pk}/imports/", {"file": file}, format="multipart")
    followed = client.get(posted["Location"]).json()
    listed = client.get(f"/api/v1/campaigns/{iworld.campaign_a.pk}/results/").json()

    # Assert
    assert {"uploaded_at", "started_at", "finished_at"} <= {p.rsplit(".", 1)[-1] for p in datetimes(followed)}
    assert len(datetimes(listed)) == 2  # both results' performed_at
    assert not_utc(posted.json()) == not_utc(followed) == not_utc(listed) == {}


def test_api_rankings_editions_and_appeals_answer_utc(db, organiser, organiser_api):
    # Arrange: rankings computed, an appeal filed and decided
    world = build_world()
    appeal = appeal_file(result=world.results["azur-1"], user=world.member_a, reason="Outside opening hours.")
    appeal_reject(appeal=appeal, user=organiser, answer="The test is valid.")

    # Act
    rankings = organiser_api.get(f"/api/v1/editions/{world.edition.pk}/rankings/").json()
    editions = organiser_api.get("/api/v1/editions/").json()
    appeals = token_client(world.agent_a).get("/api/v1/appeals/").json()

    # Assert
    assert "computed_at" in rankings and rankings["computed_at"] is not None
    assert {p.rsplit(".", 1)[-1] for p in datetimes(appeals)} >= {"filed_at", "decided_at", "performed_at"}
    assert not_utc(rankings) == not_utc(editions) == not_utc(appeals) == {}
