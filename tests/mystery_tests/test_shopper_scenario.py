# ruff: noqa: F811  (fixtures imported from tests.support.world are requested by name)
"""The optional ``shopper`` and ``scenario`` of a result (API.md "A test result", issue 20): in JSON and
files, stored, listed, kept in the history and the exports, documented; never in the fingerprint or the
score; old results without them keep working."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from mystery_tests import exports, imports
from mystery_tests.models import ResultEvent, TestResult
from tests.support.world import HEADER, csv_bytes, iworld, result, row, world  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db

URL = "/api/v1/campaigns/{}/results/"


def test_upload_with_shopper_and_scenario_stores_and_lists_them(world):
    # Arrange
    entry = world.entries["banque-1"]
    item = result(entry, shopper=" SH-017 ", scenario="S1")

    # Act
    response = world.api_a.post(URL.format(world.campaign_a.pk), [item], format="json")
    listed = world.api_a.get(URL.format(world.campaign_a.pk))

    # Assert
    assert response.status_code == 200, response.json()
    stored = TestResult.objects.get()
    assert (stored.shopper, stored.scenario) == ("SH-017", "S1")
    assert (listed.json()["results"][0]["shopper"], listed.json()["results"][0]["scenario"]) == ("SH-017", "S1")


def test_shopper_and_scenario_never_enter_the_fingerprint_or_the_score(world):
    # Arrange
    entry = world.entries["banque-1"]
    plain = result(entry, 1)
    coded = result(entry, 1, shopper="SH-1", scenario="S2")

    # Act
    world.api_a.post(URL.format(world.campaign_a.pk), [plain], format="json")
    before = TestResult.objects.values("fingerprint", "score").get()
    answer = world.api_a.post(URL.format(world.campaign_a.pk), [coded], format="json").json()

    # Assert: a new version (the shopper is kept in the history), same fingerprint and score
    after = TestResult.objects.get()
    assert answer["updated"] == 1
    assert (after.fingerprint, after.score) == (before["fingerprint"], before["score"])
    replaced = ResultEvent.objects.get(kind=ResultEvent.Kind.REPLACED)
    assert (replaced.data["shopper"], replaced.data["scenario"]) == ("", "")


def test_upload_refuses_a_shopper_that_looks_like_a_name(world):
    # Arrange
    item = result(world.entries["banque-1"], shopper="Jean Dupont")

    # Act
    response = world.api_a.post(URL.format(world.campaign_a.pk), [item], format="json")

    # Assert
    assert response.status_code == 400
    (error,) = response.json()["errors"]
    assert (error["index"], error["field"]) == (0, "shopper")
    assert "never a name" in error["message"]
    assert not TestResult.objects.exists()


def test_upload_refuses_a_scenario_outside_the_edition_list(world):
    # Arrange: the edition keeps a list of two scenarios
    world.edition.scenarios = [{"code": "S1", "label": "Ouverture"}, {"code": "S2", "label": "Résiliation"}]
    world.edition.save()
    items = [result(world.entries["banque-1"], 1, scenario="S9"), result(world.entries["banque-1"], 2, scenario="S2")]

    # Act
    response = world.api_a.post(URL.format(world.campaign_a.pk), items, format="json")

    # Assert
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"index": 0, "field": "scenario", "message": "Unknown scenario “S9”; expected one of: S1, S2."}
    ]
    assert not TestResult.objects.exists()


def test_upload_without_shopper_or_scenario_still_works_and_stores_empty_codes(world):
    # Arrange: an old client sends neither; null is the same as absent
    items = [result(world.entries["banque-1"], 1), result(world.entries["banque-1"], 2, shopper=None, scenario=None)]

    # Act
    response = world.api_a.post(URL.format(world.campaign_a.pk), items, format="json")
    again = world.api_a.post(URL.format(world.campaign_a.pk), items, format="json")

    # Assert
    assert response.status_code == 200
    assert again.json()["unchanged"] == 2
    assert set(TestResult.objects.values_list("shopper", "scenario")) == {("", "")}


def test_file_import_reads_shopper_and_scenario_columns(iworld, django_capture_on_commit_callbacks):
    # Arrange
    data = csv_bytes(
        [row(1, shopper="SH-9", scenario="S1"), row(2, shopper="", scenario="")],
        header=[*HEADER, "shopper", "scenario"],
    )
    upload = SimpleUploadedFile("semaine.csv", data, content_type="text/csv")

    # Act
    with django_capture_on_commit_callbacks(execute=True):
        job = imports.import_create(campaign=iworld.campaign_a, user=iworld.user_a, upload=upload)
    job.refresh_from_db()

    # Assert
    assert (job.status, job.errors) == ("succeeded", [])
    stored = dict(TestResult.objects.values_list("external_id", "shopper"))
    assert stored == {"T-00001": "SH-9", "T-00002": ""}


def test_exports_list_shopper_and_scenario(world):
    # Arrange
    item = result(world.entries["banque-1"], shopper="SH-3", scenario="S4")
    world.api_a.post(URL.format(world.campaign_a.pk), [item], format="json")

    # Act
    text = exports.results_csv(results=TestResult.objects.all()).decode("utf-8-sig")

    # Assert
    (line,) = list(csv.DictReader(io.StringIO(text)))
    assert (line["shopper"], line["scenario"]) == ("SH-3", "S4")


def test_schema_documents_shopper_and_scenario(world, api_client):
    # Act
    schema = api_client.get("/api/v1/schema/", {"format": "json"}).json()

    # Assert
    item = schema["components"]["schemas"]["ResultUploadItemRequest"]["properties"]
    listed = schema["components"]["schemas"]["Result"]["properties"]
    assert {"shopper", "scenario"} <= set(item) & set(listed)
