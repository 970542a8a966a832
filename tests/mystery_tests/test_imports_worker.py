# ruff: noqa: F811  (the iworld fixture is imported and then requested by name)
"""A real Celery worker (Redis broker and cache, PostgreSQL) runs a file import queued by the API:
the upload answers 202 while the import is pending, the worker stores the rows and the import
object reports the counts; a faulty file fails with its rows and stores nothing."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from mystery_tests.models import ImportJob, TestResult
from tests.conftest import token_client
from tests.support.workers import wait_until
from tests.support.world import csv_bytes, iworld, row  # noqa: F401  (fixtures)

pytestmark = pytest.mark.services


def _wait_finished(client, location: str) -> dict:
    bodies = [client.get(location).json()]
    wait_until(lambda: bodies[-1]["status"] in ("succeeded", "failed") or bodies.append(client.get(location).json()))
    return bodies[-1]


@pytest.mark.django_db(transaction=True)
def test_worker_runs_queued_import(live_worker, iworld):
    client = token_client(iworld.user_a)
    url = f"/api/v1/campaigns/{iworld.campaign_a.pk}/imports/"
    good = csv_bytes([row(n, brand=f"banque-{n % 3 + 1}") for n in range(1, 21)])
    bad = csv_bytes([row(100), row(101, reached="bof")])

    first = client.post(url, {"file": _upload("semaine.csv", good)}, format="multipart")
    failed = client.post(url, {"file": _upload("semaine-bis.csv", bad)}, format="multipart")

    assert (first.status_code, first.json()["status"]) == (202, "pending")
    done = _wait_finished(client, first["Location"])
    assert (done["status"], done["rows_total"], done["rows_done"], done["created"]) == ("succeeded", 20, 20, 20)
    refused = _wait_finished(client, failed["Location"])
    assert [(e["row"], e["column"]) for e in refused["errors"]] == [(3, "reached")]
    assert TestResult.objects.filter(agency=iworld.agency_a).count() == 20
    assert ImportJob.objects.get(pk=done["id"]).finished_at is not None


def _upload(name: str, data: bytes):
    return SimpleUploadedFile(name, data, content_type="text/csv")
