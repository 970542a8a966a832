# ruff: noqa: F811  (the iworld fixture is imported and then requested by name)
"""CSV and XLSX files through the import service and its Celery task (eager here): every malformed
file fails naming its row and column with nothing stored; good files store typed results."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile

from election.models import Edition
from mystery_tests import imports, services
from mystery_tests.models import ImportJob, ResultEvent, TestResult
from tests.support.world import HEADER, csv_bytes, iworld, row, xlsx_bytes  # noqa: F401  (fixtures)

UTC = dt.UTC


@pytest.fixture
def run_file(iworld, django_capture_on_commit_callbacks):
    def run(data: bytes, *, name: str = "semaine-19.csv", campaign=None, user=None) -> ImportJob:
        upload = SimpleUploadedFile(name, data, content_type="application/octet-stream")
        with django_capture_on_commit_callbacks(execute=True):
            job = imports.import_create(
                campaign=campaign or iworld.campaign_a, user=user or iworld.user_a, upload=upload
            )
        job.refresh_from_db()
        return job

    return run


def test_import_french_excel_csv_stores_typed_results(iworld, run_file):
    data = csv_bytes(
        [
            row(1),
            row(2, brand="banque-2", reached="NON", wait_seconds="", greeting="", courtesy="", answer_accuracy=""),
            row(3, brand="banque-3", reached="Oui", wait_seconds="45", comment=""),
        ]
    )

    job = run_file(data)

    assert (job.status, job.rows_total, job.rows_done, job.errors) == ("succeeded", 3, 3, [])
    assert (job.created, job.updated, job.unchanged) == (3, 0, 0)
    stored = {r.external_id: r for r in TestResult.objects.filter(agency=iworld.agency_a)}
    first = stored["T-00001"]
    assert first.reached is True
    assert first.wait_seconds == 12.5
    assert first.response_hours is None
    assert first.scores == {"greeting": 2, "courtesy": 1, "answer_accuracy": 2}
    assert first.comment == "Conseillère aimable; réponse exacte."
    assert first.performed_at == dt.datetime(2027, 5, 12, 8, 31, tzinfo=UTC)
    assert first.entry == iworld.entries["banque-1"]
    assert (stored["T-00002"].reached, stored["T-00002"].scores, stored["T-00002"].score) == (False, {}, 0.0)
    assert stored["T-00003"].wait_seconds == 45


def test_import_comma_csv_without_bom_succeeds(iworld, run_file):
    data = csv_bytes(
        [row(1, wait_seconds="30", reached="true"), row(2, reached="1", wait_seconds="")], sep=",", bom=False
    )

    job = run_file(data)

    assert (job.status, job.created) == ("succeeded", 2)
    assert TestResult.objects.get(external_id="T-00001").wait_seconds == 30


def test_import_xlsx_date_cells_read_in_edition_time_zone(iworld, run_file):
    cells = [
        ["X-1", "banque-1", "banque", "phone", dt.datetime(2027, 5, 12, 10, 31), True, 45, None, "ok", 2, 1, 2, None],
        [
            "X-2",
            "banque-2",
            "banque",
            "phone",
            dt.datetime(2027, 7, 31, 23, 30),
            "non",
            None,
            None,
            None,
            None,
            None,
            None,
            None,
        ],
        [1234, "banque-3", "banque", "phone", "2027-06-01T09:00:00+02:00", 1, 12.5, None, None, 1.0, 0, 2, None],
    ]

    job = run_file(xlsx_bytes(cells), name="semaine.xlsx")

    assert (job.status, job.format, job.created, job.errors) == ("succeeded", "xlsx", 3, [])
    paris = ZoneInfo("Europe/Paris")
    stored = {r.external_id: r for r in TestResult.objects.all()}
    assert stored["X-1"].performed_at == dt.datetime(2027, 5, 12, 10, 31, tzinfo=paris)
    assert stored["X-2"].performed_at == dt.datetime(2027, 7, 31, 23, 30, tzinfo=paris)
    assert stored["1234"].scores == {"greeting": 1, "courtesy": 0, "answer_accuracy": 2}
    assert stored["1234"].wait_seconds == 12.5


def test_import_xlsx_text_date_without_offset_fails_on_its_cell(iworld, run_file):
    cells = [["X-1", "banque-1", "banque", "phone", "12/05/2027 10:31", "oui", None, None, None, 2, 1, 2, None]]

    job = run_file(xlsx_bytes(cells), name="semaine.xlsx")

    assert job.status == "failed"
    assert [(e["row"], e["column"]) for e in job.errors] == [(2, "performed_at")]
    assert TestResult.objects.count() == 0


def test_import_reimport_same_file_is_unchanged(iworld, run_file):
    data = csv_bytes([row(1), row(2, brand="banque-2")])
    run_file(data)

    again = run_file(data)

    assert (again.status, again.created, again.updated, again.unchanged) == ("succeeded", 0, 0, 2)
    assert TestResult.objects.count() == 2


def test_import_changed_row_replaces_and_keeps_history(iworld, run_file):
    run_file(csv_bytes([row(1), row(2, brand="banque-2")]))

    job = run_file(csv_bytes([row(1, greeting="0"), row(2, brand="banque-2")]))

    assert (job.created, job.updated, job.unchanged) == (0, 1, 1)
    result = TestResult.objects.get(external_id="T-00001")
    assert result.scores["greeting"] == 0
    assert list(
        result.events.filter(kind=ResultEvent.Kind.REPLACED).values_list("data__scores__greeting", flat=True)
    ) == [2]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        pytest.param(b"", [(1, None)], id="empty-file"),
        pytest.param("\ufeff\r\n".encode(), [(1, None)], id="blank-file"),
        pytest.param(
            csv_bytes([row(1, comment="Réponse donnée")]).decode("utf-8").encode("latin-1", "replace")[3:],
            [(1, None)],
            id="latin-1",
        ),
        pytest.param(csv_bytes([row(1)], header=[h for h in HEADER if h != "reached"]), [(1, "reached")], id="missing"),
        pytest.param(csv_bytes([row(1)], header=[*HEADER, "remarque"]), [(1, "remarque")], id="unknown"),
        pytest.param(csv_bytes([row(1)], header=[*HEADER, "greeting"]), [(1, "greeting")], id="duplicated"),
        pytest.param(csv_bytes([]), [(2, None)], id="header-only"),
    ],
)
def test_import_malformed_file_fails_on_row_one_and_stores_nothing(iworld, run_file, data, expected):
    job = run_file(data)

    assert job.status == "failed"
    assert [(e["row"], e["column"]) for e in job.errors] == expected
    assert all(e["message"] for e in job.errors)
    assert TestResult.objects.count() == 0


def test_import_bad_encoding_says_utf8_and_names_the_line(iworld, run_file):
    data = csv_bytes([row(1, comment="ok"), row(2, comment="Très bien")], bom=False).decode().encode("cp1252")

    job = run_file(data)

    assert job.errors == [
        {
            "row": 1,
            "column": None,
            "message": "The file is not UTF-8 text (the first invalid byte is on line 3). Save it as “CSV UTF-8”.",
        }
    ]


def test_import_every_faulty_cell_is_reported_with_row_and_column(iworld, run_file):
    data = csv_bytes(
        [
            row(1),
            row(2, reached="peut-être"),
            row(3, wait_seconds="douze", greeting="deux"),
            row(4, performed_at="12/05/2027 10:31"),
            row(5, greeting="3"),
            row(6, brand="inconnue"),
            row(7, external_id=""),
            row(8, clarity="2"),
            row(9, performed_at="2026-05-12T10:31:00+02:00"),
        ]
    )

    job = run_file(data)

    assert job.status == "failed"
    assert [(e["row"], e["column"]) for e in job.errors] == [
        (3, "reached"),
        (4, "wait_seconds"),
        (4, "greeting"),
        (5, "performed_at"),
        (6, "greeting"),
        (7, "brand"),
        (8, "external_id"),
        (9, "clarity"),
        (10, "performed_at"),
    ]
    assert job.rows_total == 9
    assert TestResult.objects.count() == 0


@pytest.mark.parametrize("type_error", [False, True], ids=["alone", "beside-a-type-error"])
def test_import_repeated_external_id_names_the_spreadsheet_rows(iworld, run_file, type_error):
    rows = [row(1), row(2), row(1, comment="again"), row(3, greeting="deux" if type_error else "2")]

    job = run_file(csv_bytes(rows))

    message = "“T-00001” appears more than once in this file (rows 2, 4)."
    duplicates = [e for e in job.errors if e["column"] == "external_id"]
    assert duplicates == [
        {"row": 2, "column": "external_id", "message": message},
        {"row": 4, "column": "external_id", "message": message},
    ]
    assert [(e["row"], e["column"]) for e in job.errors if e not in duplicates] == (
        [(5, "greeting")] if type_error else []
    )
    assert TestResult.objects.count() == 0


def test_import_skips_blank_lines_and_keeps_spreadsheet_row_numbers(iworld, run_file):
    text = csv_bytes([row(1), row(2, greeting="9")]).decode("utf-8-sig")
    lines = text.split("\r\n")
    data = "\r\n".join([lines[0], lines[1], ";;;;;;;;;;;;", lines[2], ""]).encode()

    job = run_file(data)

    assert [(e["row"], e["column"]) for e in job.errors] == [(4, "greeting")]


def test_import_refuses_other_formats_at_once(iworld, run_file):
    with pytest.raises(imports.ImportRefused) as pdf:
        run_file(b"%PDF-1.7 ...", name="results.pdf")
    with pytest.raises(imports.ImportRefused) as xls:
        run_file(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1rest", name="results.xls")

    assert (pdf.value.status, xls.value.status) == (415, 415)
    assert ImportJob.objects.count() == 0


def test_import_refuses_oversize_file_at_once(iworld, run_file, settings):
    settings.API_MAX_FILE_BYTES = 100

    with pytest.raises(imports.ImportRefused) as refused:
        run_file(csv_bytes([row(1), row(2)]))

    assert refused.value.status == 413
    assert ImportJob.objects.count() == 0


def test_import_progress_callback_moves_in_thousands(iworld, run_file, monkeypatch):
    seen: list[int] = []

    class SpyCache:
        """The cache, with its set calls on progress keys noted. Patched on the module, not on the
        cache proxy: the proxy forwards setattr/delattr to whichever connection is current."""

        def __getattr__(self, name):
            return getattr(cache, name)

        def set(self, key, value, *args, **kwargs):
            if key.endswith(":rows_done"):
                seen.append(value)
            return cache.set(key, value, *args, **kwargs)

    monkeypatch.setattr(imports, "cache", SpyCache())
    Edition.objects.filter(pk=iworld.edition.pk).update(quota_phone=1000)  # room for the file (§5)
    rows = [row(n, brand=f"banque-{n % 3 + 1}") for n in range(2500)]

    job = run_file(csv_bytes(rows))

    assert job.status == "succeeded"
    assert seen == [1000, 2000, 2500]
    assert (job.rows_total, job.rows_done, job.created) == (2500, 2500, 2500)


def test_rows_done_reads_running_progress_from_cache(iworld):
    job = ImportJob.objects.create(
        campaign=iworld.campaign_a, original_name="f.csv", format="csv", status="running", rows_total=5000
    )
    cache.set(imports.progress_key(job.pk), 3000)

    assert imports.rows_done(job) == 3000


def test_import_closed_campaign_refused_at_once(iworld, run_file):
    iworld.campaign_a.status = "closed"
    iworld.campaign_a.save()

    with pytest.raises(services.CampaignLocked):
        run_file(csv_bytes([row(1)]))
    assert ImportJob.objects.count() == 0


def test_import_job_keeps_file_uploader_and_times(iworld, run_file):
    job = run_file(csv_bytes([row(1)]), name="semaine-19.csv")

    assert (job.original_name, job.uploaded_by, job.format) == ("semaine-19.csv", iworld.user_a, "csv")
    assert job.file.read().startswith(b"\xef\xbb\xbfexternal_id;brand")
    assert job.started_at <= job.finished_at


def test_import_rerun_of_finished_job_changes_nothing(iworld, run_file):
    job = run_file(csv_bytes([row(1)]))

    again = imports.import_run(job_id=job.pk)

    assert (again.status, again.created, TestResult.objects.count()) == ("succeeded", 1, 1)
