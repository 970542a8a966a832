# ruff: noqa: F811  (the iworld fixture is imported and then requested by name)
"""The file-import endpoints of API.md "A file import": 202 with Location, the contract's status
codes in order, each agency seeing only its own imports, and a full import through a running server."""

import datetime as dt
import time

import pytest
import requests
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from mystery_tests.models import ImportJob, TestResult
from tests.conftest import token_client
from tests.support.world import csv_bytes, iworld, row, xlsx_bytes  # noqa: F401  (fixtures)

IMPORT_KEYS = {"id", "status", "rows_total", "rows_done", "created", "updated", "unchanged", "errors"}


def _file(data: bytes, name: str = "semaine.csv", content_type: str = "text/csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def _post(client, campaign, data: bytes, name: str = "semaine.csv", capture=None):
    url = f"/api/v1/campaigns/{campaign.pk}/imports/"
    if capture is None:
        return client.post(url, {"file": _file(data, name)}, format="multipart")
    with capture(execute=True):
        return client.post(url, {"file": _file(data, name)}, format="multipart")


def test_import_upload_answers_202_with_location_and_runs(iworld, django_capture_on_commit_callbacks):
    response = _post(
        token_client(iworld.user_a),
        iworld.campaign_a,
        csv_bytes([row(1), row(2)]),
        capture=django_capture_on_commit_callbacks,
    )

    job = ImportJob.objects.get()
    assert response.status_code == 202
    assert response["Location"] == f"/api/v1/imports/{job.pk}/"
    assert set(response.json()) >= IMPORT_KEYS
    assert response.json()["id"] == job.pk
    follow = token_client(iworld.user_a).get(response["Location"]).json()
    assert {k: follow[k] for k in IMPORT_KEYS} == {
        "id": job.pk,
        "status": "succeeded",
        "rows_total": 2,
        "rows_done": 2,
        "created": 2,
        "updated": 0,
        "unchanged": 0,
        "errors": [],
    }


def test_import_failed_file_lists_rows_and_columns(iworld, django_capture_on_commit_callbacks):
    data = csv_bytes([row(1), row(2, reached="bof"), row(3, greeting="4")])

    response = _post(token_client(iworld.user_a), iworld.campaign_a, data, capture=django_capture_on_commit_callbacks)

    body = token_client(iworld.user_a).get(response["Location"]).json()
    assert body["status"] == "failed"
    assert [(e["row"], e["column"]) for e in body["errors"]] == [(3, "reached"), (4, "greeting")]
    assert TestResult.objects.count() == 0


def test_import_upload_anonymous_is_401(iworld):
    response = _post(APIClient(), iworld.campaign_a, csv_bytes([row(1)]))

    assert response.status_code == 401


@pytest.mark.parametrize("who", ["user_b", "nobody"])
def test_import_upload_to_invisible_campaign_is_404(iworld, who):
    response = _post(token_client(getattr(iworld, who)), iworld.campaign_a, csv_bytes([row(1)]))

    assert response.status_code == 404
    assert ImportJob.objects.count() == 0


def test_import_upload_by_organiser_is_403(iworld):
    response = _post(token_client(iworld.organiser), iworld.campaign_a, csv_bytes([row(1)]))

    assert response.status_code == 403
    assert ImportJob.objects.count() == 0


def test_import_upload_to_closed_campaign_is_409(iworld):
    iworld.campaign_a.status = "closed"
    iworld.campaign_a.save()

    response = _post(token_client(iworld.user_a), iworld.campaign_a, csv_bytes([row(1)]))

    assert response.status_code == 409
    assert response.json()["detail"] == "This campaign is closed: it no longer accepts results."


def test_import_upload_oversize_is_413(iworld, settings):
    settings.API_MAX_FILE_BYTES = 200

    response = _post(token_client(iworld.user_a), iworld.campaign_a, csv_bytes([row(n) for n in range(10)]))

    assert response.status_code == 413
    assert ImportJob.objects.count() == 0


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (b"%PDF-1.7\n...", "resultats.pdf"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "resultats.xls"),
        (b"a,b", "notes.ods"),
    ],
)
def test_import_upload_of_other_file_type_is_415(iworld, data, name):
    response = _post(token_client(iworld.user_a), iworld.campaign_a, data, name=name)

    assert response.status_code == 415
    assert ImportJob.objects.count() == 0


def test_import_upload_json_body_is_415(iworld):
    response = token_client(iworld.user_a).post(
        f"/api/v1/campaigns/{iworld.campaign_a.pk}/imports/", [{"external_id": "x"}], format="json"
    )

    assert response.status_code == 415


def test_import_upload_without_file_is_400(iworld):
    response = token_client(iworld.user_a).post(
        f"/api/v1/campaigns/{iworld.campaign_a.pk}/imports/", {"other": "x"}, format="multipart"
    )

    assert response.status_code == 400
    assert response.json()["detail"] == "No file was sent."


def test_import_detail_visible_to_its_agency_and_organisers_only(iworld, django_capture_on_commit_callbacks):
    response = _post(
        token_client(iworld.user_a), iworld.campaign_a, csv_bytes([row(1)]), capture=django_capture_on_commit_callbacks
    )
    url = response["Location"]

    codes = {
        "a": token_client(iworld.user_a).get(url).status_code,
        "b": token_client(iworld.user_b).get(url).status_code,
        "nobody": token_client(iworld.nobody).get(url).status_code,
        "organiser": token_client(iworld.organiser).get(url).status_code,
        "anonymous": APIClient().get(url).status_code,
    }

    assert codes == {"a": 200, "b": 404, "nobody": 404, "organiser": 200, "anonymous": 401}


def test_import_detail_query_count_is_constant(iworld, django_assert_num_queries):
    job = iworld.import_job()
    client = token_client(iworld.user_a)
    client.get(f"/api/v1/imports/{job.pk}/")  # warm the token

    # token + user's membership + the import
    with django_assert_num_queries(3):
        response = client.get(f"/api/v1/imports/{job.pk}/")

    assert response.status_code == 200


def test_import_schema_describes_multipart_and_202(iworld):
    schema = APIClient().get("/api/v1/schema/?format=json").json()

    operation = schema["paths"]["/api/v1/campaigns/{id}/imports/"]["post"]
    assert "multipart/form-data" in operation["requestBody"]["content"]
    assert {"202", "404", "409", "413", "415"} <= set(operation["responses"])
    assert "/api/v1/imports/{id}/" in schema["paths"]


@pytest.mark.django_db(transaction=True)
def test_import_end_to_end_through_live_server(iworld, live_server):
    token = Token.objects.create(user=iworld.user_a).key
    headers = {"Authorization": f"Token {token}"}
    csv_data = csv_bytes([row(n, brand=f"banque-{n % 3 + 1}") for n in range(1, 31)])
    xlsx_data = xlsx_bytes(
        [["X-1", "banque-2", "banque", "phone", dt.datetime(2027, 6, 3, 14, 0), "oui", 20, None, None, 2, 2, 2, None]]
    )

    ids = []
    for name, data in (("semaine-19.csv", csv_data), ("semaine-20.xlsx", xlsx_data)):
        response = requests.post(
            f"{live_server.url}/api/v1/campaigns/{iworld.campaign_a.pk}/imports/",
            headers=headers,
            files={"file": (name, data)},
            timeout=60,
        )
        assert response.status_code == 202
        location = live_server.url + response.headers["Location"]
        body = response.json()
        for _ in range(120):
            if body["status"] in ("succeeded", "failed"):
                break
            time.sleep(0.25)
            body = requests.get(location, headers=headers, timeout=30).json()
        assert (body["status"], body["errors"]) == ("succeeded", [])
        ids.append(body["id"])

    results = TestResult.objects.filter(agency=iworld.agency_a)
    assert results.count() == 31
    assert results.get(external_id="T-00001").wait_seconds == 12.5
    assert results.get(external_id="X-1").performed_at.isoformat() == "2027-06-03T12:00:00+00:00"
    again = requests.post(
        f"{live_server.url}/api/v1/campaigns/{iworld.campaign_a.pk}/imports/",
        headers=headers,
        files={"file": ("semaine-19.csv", csv_data)},
        timeout=60,
    ).json()
    final = requests.get(f"{live_server.url}/api/v1/imports/{again['id']}/", headers=headers, timeout=30).json()
    assert (final["status"], final["created"], final["unchanged"]) == ("succeeded", 0, 30)


def test_import_errors_are_written_in_the_uploaders_language(iworld, django_capture_on_commit_callbacks):
    client = token_client(iworld.user_a)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/api/v1/campaigns/{iworld.campaign_a.pk}/imports/",
            {"file": _file(csv_bytes([row(1, reached="bof")]))},
            format="multipart",
            HTTP_ACCEPT_LANGUAGE="fr",
        )

    errors = client.get(response["Location"]).json()["errors"]
    assert errors == [
        {
            "row": 2,
            "column": "reached",
            "message": "« bof » n'est pas une valeur oui/non (true/false, 1/0, yes/no, oui/non).",
        }
    ]
