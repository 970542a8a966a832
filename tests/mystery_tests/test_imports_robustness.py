# ruff: noqa: F811  (the iworld fixture is imported and then requested by name)
"""Inputs that cannot hurt a worker and imports that always end (issue 13, findings 6, 7, 10, 12):
sparse and entity-laden XLSX files, error lists capped at 1,000 with ``errors_omitted``, every
failure of the task recorded on the job, the sweep that queues or fails the jobs nothing works on,
and one spelling of ``external_id`` for JSON and files."""

from __future__ import annotations

import datetime as dt
import io
import tracemalloc
import zipfile

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import OperationalError
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerDown

from mystery_tests import formats, imports, services, tasks
from mystery_tests.models import ImportJob, TestResult
from mystery_tests.validation import CappedErrors
from tests.conftest import token_client
from tests.support.world import HEADER, csv_bytes, iworld, json_item, row, xlsx_bytes  # noqa: F401

LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(
        b'<!ENTITY lol%d "%s">' % (n, (b"&lol%s;" % (b"" if n == 2 else str(n - 1).encode())) * 10)
        for n in range(2, 10)
    )
    + b']><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
    b'<row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row></sheetData></worksheet>'
)
EXTERNAL_ENTITY = (
    b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
    b'<row r="1"><c r="A1" t="inlineStr"><is><t>&x;</t></is></c></row></sheetData></worksheet>'
)


@pytest.fixture
def upload(iworld, django_capture_on_commit_callbacks):
    """Uploads a file as the API does (job, then the task once committed) and returns the job as it ended."""

    def run(data: bytes, name: str = "semaine.xlsx") -> ImportJob:
        file = SimpleUploadedFile(name, data, content_type="application/octet-stream")
        with django_capture_on_commit_callbacks(execute=True):
            job = imports.import_create(campaign=iworld.campaign_a, user=iworld.user_a, upload=file)
        job.refresh_from_db()
        return job

    return run


def _sparse_workbook() -> bytes:
    """A header row, one cell in column XFD and one in row 1,048,576: a few KiB that pandas would read
    as 1,048,576 × 16,384 cells."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADER)
    sheet.cell(row=1, column=16_384, value="far")
    sheet.cell(row=1_048_576, column=1, value="T-99999")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _with_sheet_xml(sheet_xml: bytes) -> bytes:
    """A valid workbook whose first sheet's XML is replaced by ``sheet_xml``."""
    source = zipfile.ZipFile(io.BytesIO(xlsx_bytes([])))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for info in source.infolist():
            part = sheet_xml if info.filename == "xl/worksheets/sheet1.xml" else source.read(info.filename)
            archive.writestr(info.filename, part)
    return out.getvalue()


def _valid_row(n: int) -> list:
    return [f"T-{n:05d}", "banque-1", "banque", "phone", "2027-05-12T10:31:00+02:00", "oui", 12, None, "", 2, 1, 2]


# -- finding 6: XLSX files that would exhaust memory ---


def test_xlsx_sparse_poison_fails_in_bounded_memory_and_next_import_succeeds(iworld, upload):
    # Arrange
    poison = _sparse_workbook()
    assert len(poison) < 8 * 1024

    # Act
    tracemalloc.start()
    failed = upload(poison)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    after = upload(xlsx_bytes([_valid_row(1)]), name="suivant.xlsx")

    # Assert
    assert failed.status == "failed"
    assert [(e["row"], e["column"]) for e in failed.errors] == [(1, "far")]  # the stray header cell
    assert peak < 64 * 1024 * 1024
    assert (after.status, after.created) == ("succeeded", 1)


def test_xlsx_stray_cell_in_the_last_row_is_named_by_its_row(iworld, upload):
    # Arrange
    book = openpyxl.Workbook()
    book.active.append(HEADER)
    book.active.append(_valid_row(1))
    book.active.cell(row=1_048_576, column=1, value="T-99999")
    out = io.BytesIO()
    book.save(out)

    # Act
    job = upload(out.getvalue())

    # Assert
    assert job.status == "failed"
    assert {e["row"] for e in job.errors} == {1_048_576}
    assert TestResult.objects.count() == 0


def test_xlsx_grid_larger_than_the_limit_is_refused_on_row_1(iworld, upload, monkeypatch):
    # Arrange: 40 rows of 13 columns against a limit of 100 cells
    monkeypatch.setattr(formats, "XLSX_MAX_CELLS", 100)

    # Act
    job = upload(xlsx_bytes([_valid_row(n) for n in range(1, 41)]))

    # Assert
    assert job.status == "failed"
    assert [(e["row"], e["column"]) for e in job.errors] == [(1, None)]
    assert "too large to import" in job.errors[0]["message"]
    assert TestResult.objects.count() == 0


def test_csv_header_of_thousands_of_columns_is_refused_on_row_1_before_reading(iworld, upload):
    # Arrange: 600 KiB of empty columns (pandas would spend most of a gigabyte on them)
    data = (";".join(HEADER) + ";" * 300_000 + "\n" + "x\n").encode()

    # Act
    job = upload(data, name="large.csv")

    # Assert
    assert job.status == "failed"
    assert job.errors == [
        {
            "row": 1,
            "column": None,
            "message": "Row 1 has 300,013 columns; a file has at most 1,000 (the contract's columns and the "
            "criteria of the edition's grid).",
        }
    ]


def test_csv_grid_larger_than_the_limit_is_refused_on_row_1(iworld, upload, monkeypatch):
    monkeypatch.setattr(formats, "CSV_MAX_CELLS", 100)

    job = upload(csv_bytes([row(n) for n in range(1, 41)]), name="semaine.csv")

    assert job.status == "failed"
    assert [(e["row"], e["column"]) for e in job.errors] == [(1, None)]
    assert "lines of 13 columns" in job.errors[0]["message"]


@pytest.mark.parametrize("sheet_xml", [LAUGHS, EXTERNAL_ENTITY], ids=["billion-laughs", "external-entity"])
def test_xlsx_with_xml_entities_fails_with_row_1_reason(iworld, upload, sheet_xml):
    # Act
    job = upload(_with_sheet_xml(sheet_xml))

    # Assert
    assert job.status == "failed"
    assert [(e["row"], e["column"]) for e in job.errors] == [(1, None)]
    assert "not a readable XLSX workbook" in job.errors[0]["message"]
    assert job.finished_at is not None


# -- finding 7: error lists capped at 1,000 ----------------------------------------------------------------------------


def test_json_upload_with_many_unknown_codes_lists_1000_errors_and_counts_the_rest(iworld):
    # Arrange: one item holding 5,000 criterion codes that do not exist
    item = json_item(1, scores={f"nope{n}": 1 for n in range(5000)})

    # Act
    response = token_client(iworld.user_a).post(
        f"/api/v1/campaigns/{iworld.campaign_a.pk}/results/", [item], format="json"
    )

    # Assert
    body = response.json()
    assert response.status_code == 400
    assert len(body["errors"]) == 1000
    assert body["errors_omitted"] == 4000
    assert body["errors"][0] == {
        "index": 0,
        "field": "scores.nope0",
        "message": "“nope0” is not a criterion of the Phone grid.",
    }


def test_json_upload_with_few_errors_has_no_errors_omitted(iworld):
    response = token_client(iworld.user_a).post(
        f"/api/v1/campaigns/{iworld.campaign_a.pk}/results/", [json_item(1, reached="yes")], format="json"
    )

    assert response.status_code == 400
    assert "errors_omitted" not in response.json()


def test_csv_import_of_one_cell_rows_keeps_first_1000_errors_in_row_order(iworld, upload):
    # Arrange: 3,000 rows holding only an external_id (five required cells blank on each)
    data = ("\n".join([";".join(HEADER)] + [f"K-{n}" for n in range(3000)]) + "\n").encode()

    # Act
    job = upload(data, name="lignes.csv")
    body = token_client(iworld.user_a).get(f"/api/v1/imports/{job.pk}/").json()

    # Assert
    assert body["status"] == "failed"
    assert len(body["errors"]) == 1000
    assert body["errors_omitted"] == 3000 * 5 - 1000
    assert [(e["row"], e["column"]) for e in body["errors"][:6]] == [
        (2, "brand"),
        (2, "category"),
        (2, "channel"),
        (2, "performed_at"),
        (2, "reached"),
        (3, "brand"),
    ]
    assert body["rows_total"] == 3000
    assert TestResult.objects.count() == 0


def test_capped_errors_keep_the_smallest_keys_whatever_the_order_added():
    errors = CappedErrors(key=lambda e: e["index"], limit=10)
    for index in [*range(500, 0, -1), *range(1000, 2000)]:
        errors.append({"index": index})

    listed = errors.result()

    assert [e["index"] for e in listed] == list(range(1, 11))
    assert (listed.omitted, errors.total) == (1490, 1500)


# -- finding 10: every import ends ---


def test_import_database_error_during_write_fails_the_job_and_stores_nothing(iworld, upload, monkeypatch):
    # Arrange
    def broken_write(*args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(services, "_write", broken_write)

    # Act
    job = upload(csv_bytes([row(1), row(2)]), name="semaine.csv")

    # Assert
    assert job.status == "failed"
    assert job.errors == [
        {
            "row": None,
            "column": None,
            "message": "The database was unavailable during the import; nothing was stored. Upload the file again.",
        }
    ]
    assert TestResult.objects.count() == 0


def test_import_unexpected_error_fails_the_job_with_a_reason(iworld, upload, monkeypatch):
    # Arrange
    def crash(**kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(imports, "parse_file", crash)

    # Act
    job = upload(csv_bytes([row(1)]), name="semaine.csv")
    body = token_client(iworld.user_a).get(f"/api/v1/imports/{job.pk}/").json()

    # Assert
    assert body["status"] == "failed"
    assert "unexpected error (RuntimeError)" in body["errors"][0]["message"]
    assert body["finished_at"] is not None


def test_import_delivered_again_after_max_attempts_fails_without_reading(iworld, monkeypatch):
    # Arrange: the worker died on this job MAX_ATTEMPTS times (each delivery counted, the last left it running)
    job = ImportJob.objects.create(
        campaign=iworld.campaign_a,
        uploaded_by=iworld.user_a,
        file=SimpleUploadedFile("poison.xlsx", b"PK\x03\x04"),
        original_name="poison.xlsx",
        format="xlsx",
        status="running",
        started_at=timezone.now(),
        attempts=imports.MAX_ATTEMPTS,
    )
    monkeypatch.setattr(imports, "parse_file", lambda **kwargs: pytest.fail("the file must not be read again"))

    # Act
    status = tasks.run_import(job.pk, "en")

    # Assert
    job.refresh_from_db()
    assert (status, job.status, job.attempts) == ("failed", "failed", imports.MAX_ATTEMPTS + 1)
    assert "started 3 times and never finished" in job.errors[0]["message"]


def test_import_each_delivery_counts_an_attempt(iworld, upload):
    job = upload(csv_bytes([row(1)]), name="semaine.csv")

    assert (job.status, job.attempts) == ("succeeded", 1)


def test_import_upload_with_broker_down_answers_202_and_the_sweep_runs_it(iworld, monkeypatch):
    # Arrange
    def broker_down(*args, **kwargs):
        raise BrokerDown("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(tasks.run_import, "delay", broker_down)
    client = token_client(iworld.user_a)
    file = SimpleUploadedFile("semaine.csv", csv_bytes([row(1), row(2)]), content_type="text/csv")

    # Act
    response = client.post(f"/api/v1/campaigns/{iworld.campaign_a.pk}/imports/", {"file": file}, format="multipart")
    job = ImportJob.objects.get()
    pending = (job.status, job.queued_at)
    monkeypatch.undo()  # the broker is back
    report = imports.sweep_stale_imports(now=timezone.now() + dt.timedelta(minutes=1))

    # Assert
    job.refresh_from_db()
    assert (response.status_code, response.json()["status"]) == (202, "pending")
    assert pending == ("pending", None)
    assert report == {"queued": [job.pk], "failed": []}
    assert (job.status, job.created) == ("succeeded", 2)
    assert job.queued_at is not None


def test_import_sweep_leaves_recent_and_queued_pending_jobs_alone(iworld):
    now = timezone.now()
    fresh = ImportJob.objects.create(campaign=iworld.campaign_a, original_name="a.csv", format="csv")
    queued = ImportJob.objects.create(campaign=iworld.campaign_a, original_name="b.csv", format="csv", queued_at=now)
    ImportJob.objects.filter(pk=queued.pk).update(created_at=now - dt.timedelta(minutes=5))

    report = imports.sweep_stale_imports(now=now)

    assert report == {"queued": [], "failed": []}
    assert set(ImportJob.objects.values_list("status", flat=True)) == {"pending"}
    assert fresh.pk != queued.pk


def sweep_fails_only(dead: ImportJob, alive: ImportJob, *, now) -> None:
    """The stale-import sweep at ``now`` fails ``dead`` (stopped before finishing), leaves ``alive`` running and
    queues nothing."""
    report = imports.sweep_stale_imports(now=now)

    dead.refresh_from_db()
    alive.refresh_from_db()
    assert report == {"queued": [], "failed": [dead.pk]}
    assert (dead.status, alive.status) == ("failed", "running")
    assert "stopped before finishing" in dead.errors[0]["message"]


def test_import_sweep_fails_a_running_job_whose_worker_died(iworld, settings):
    # Arrange: started longer ago than the task's time limit and the margin (a kill -9 of the worker)
    now = timezone.now()
    started = now - dt.timedelta(seconds=settings.IMPORT_TIME_LIMIT + settings.IMPORT_STALE_MARGIN + 1)
    dead = ImportJob.objects.create(
        campaign=iworld.campaign_a, original_name="a.csv", format="csv", status="running", started_at=started
    )
    alive = ImportJob.objects.create(
        campaign=iworld.campaign_a, original_name="b.csv", format="csv", status="running", started_at=now
    )

    # Act / Assert
    sweep_fails_only(dead, alive, now=now)
    assert dead.finished_at is not None


def test_import_sweep_fails_a_pending_job_out_of_attempts(iworld):
    now = timezone.now()
    job = ImportJob.objects.create(
        campaign=iworld.campaign_a, original_name="a.csv", format="csv", attempts=imports.MAX_ATTEMPTS
    )
    ImportJob.objects.filter(pk=job.pk).update(created_at=now - dt.timedelta(minutes=5))

    report = imports.sweep_stale_imports(now=now)

    job.refresh_from_db()
    assert report == {"queued": [], "failed": [job.pk]}
    assert job.status == "failed"


def test_import_sweep_is_scheduled_every_minute(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["sweep-stale-imports"]

    assert (entry["task"], entry["schedule"]) == ("mystery_tests.sweep_imports", 60.0)


# -- finding 12: one spelling of external_id ---


def test_same_test_sent_as_json_with_spaces_then_as_file_is_stored_once(iworld, upload):
    # Arrange
    item = json_item(1, external_id="  K-1 ", brand=" banque-1", category="banque ", channel=" phone ")
    services.results_upload(campaign=iworld.campaign_a, items=[item], user=iworld.user_a)

    # Act
    job = upload(csv_bytes([row(1, external_id="K-1", greeting="2", courtesy="1", answer_accuracy="")]), "f.csv")

    # Assert
    assert list(TestResult.objects.values_list("external_id", flat=True)) == ["K-1"]
    assert job.status == "succeeded"
    assert job.created == 0


def test_json_keys_differing_only_by_spaces_are_a_repeated_key(iworld):
    items = [json_item(1, external_id="K-1"), json_item(2, external_id="K-1 ")]

    with pytest.raises(services.ResultsInvalid) as refused:
        services.results_upload(campaign=iworld.campaign_a, items=items, user=iworld.user_a)

    assert [(e["index"], e["field"]) for e in refused.value.errors] == [(0, "external_id"), (1, "external_id")]


def test_import_admin_counts_the_errors_not_listed(iworld, admin_client):
    # Arrange
    job = ImportJob.objects.create(
        campaign=iworld.campaign_a,
        original_name="lignes.csv",
        format="csv",
        status="failed",
        errors=[{"row": 2, "column": "brand", "message": "A value is required."}] * 1000,
        errors_omitted=14_000,
        attempts=1,
    )

    # Act
    listing = admin_client.get("/admin/mystery_tests/importjob/")
    page = admin_client.get(f"/admin/mystery_tests/importjob/{job.pk}/change/")

    # Assert
    assert listing.status_code == page.status_code == 200
    assert listing.context["cl"].model_admin.n_errors(job) == 15_000
    assert b"14000" in page.content or b"14\xc2\xa0000" in page.content or b"14,000" in page.content
