# ruff: noqa: F811  (the iworld fixture is imported and then requested by name)
"""A file import is read, validated and stored a chunk at a time (issue 21), all or nothing over the
whole file: an error in the last chunk stores nothing and names its row; a key repeated across chunks
names both rows; the one receipt covers every row in file order; a workbook streams the same way."""

import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from election.models import Edition
from mystery_tests import formats, imports
from mystery_tests.merkle import TreeHasher, tree_hash
from mystery_tests.models import ImportJob, ResultEvent, TestResult, UploadReceipt
from mystery_tests.provenance import batch_root
from tests.support.world import csv_bytes, iworld, row, xlsx_bytes  # noqa: F401  (fixtures)

ROWS = 2500  # three chunks of 1,000 rows (the smallest chunk) and one of 500


@pytest.fixture
def run_file(iworld, django_capture_on_commit_callbacks, monkeypatch):
    """Imports a file as the API does (job, then the task once committed), in chunks of 1,000 rows."""
    monkeypatch.setattr(formats, "CHUNK_CELLS", 1)  # the smallest chunk: 1,000 rows
    monkeypatch.setattr(formats, "CHUNK_MAX_ROWS", 1000)
    Edition.objects.filter(pk=iworld.edition.pk).update(quota_phone=ROWS)  # room for the file (§5)

    def run(data: bytes, *, name: str = "saison.csv") -> ImportJob:
        with django_capture_on_commit_callbacks(execute=True):
            created = imports.import_create(
                campaign=iworld.campaign_a, user=iworld.user_a, upload=SimpleUploadedFile(name, data)
            )
        return ImportJob.objects.get(pk=created.pk)

    return run


def _rows(**last_overrides) -> list[dict]:
    rows = [row(n, brand=f"banque-{n % 3 + 1}") for n in range(1, ROWS + 1)]
    rows[-1] = {**rows[-1], **last_overrides}
    return rows


def test_error_in_the_last_chunk_stores_nothing_and_names_its_row(iworld, run_file):
    # Arrange: 2,499 valid rows, then a date without its offset in spreadsheet row 2,501 (the fourth chunk)
    data = csv_bytes(_rows(performed_at="2027-05-12 10:31"))

    # Act
    job = run_file(data)

    # Assert
    assert job.status == "failed"
    assert [(e["row"], e["column"]) for e in job.errors] == [(ROWS + 1, "performed_at")]
    assert "2027-05-12 10:31" in job.errors[0]["message"]
    assert (job.rows_total, job.created) == (ROWS, 0)
    assert TestResult.objects.count() == 0
    assert ResultEvent.objects.count() == 0
    assert UploadReceipt.objects.count() == 0


def test_rule_book_error_in_the_last_chunk_stores_nothing_and_names_its_row(iworld, run_file):
    # Arrange: the last row gives 3 points, which the grid refuses (the service finds it, not the reader)
    data = csv_bytes(_rows(greeting="3"))

    # Act
    job = run_file(data)

    # Assert
    assert job.status == "failed"
    assert [(e["row"], e["column"]) for e in job.errors] == [(ROWS + 1, "greeting")]
    assert TestResult.objects.count() == 0


def test_key_repeated_in_a_later_chunk_names_both_rows(iworld, run_file):
    # Arrange: the last row repeats the first row's external id
    data = csv_bytes(_rows(external_id="T-00001"))

    # Act
    job = run_file(data)

    # Assert
    assert job.status == "failed"
    assert job.errors == [
        {
            "row": ROWS + 1,
            "column": "external_id",
            "message": f"“T-00001” appears more than once in this file (rows 2, {ROWS + 1}).",
        }
    ]
    assert TestResult.objects.count() == 0


def test_file_of_several_chunks_stores_every_row_with_one_receipt_in_file_order(iworld, run_file):
    # Act
    job = run_file(csv_bytes(_rows()))

    # Assert
    assert (job.status, job.rows_total, job.rows_done, job.created) == ("succeeded", ROWS, ROWS, ROWS)
    stored = dict(TestResult.objects.values_list("external_id", "fingerprint"))
    in_file_order = [stored[f"T-{n:05d}"] for n in range(1, ROWS + 1)]
    receipt = UploadReceipt.objects.get(import_job=job)
    assert (receipt.count, receipt.root) == (ROWS, batch_root(in_file_order))


def test_same_file_again_is_unchanged_across_chunks(iworld, run_file):
    # Arrange
    data = csv_bytes(_rows())
    run_file(data)

    # Act
    again = run_file(data)

    # Assert
    assert (again.status, again.created, again.updated, again.unchanged) == ("succeeded", 0, 0, ROWS)
    assert TestResult.objects.count() == ROWS


def test_workbook_of_several_chunks_with_an_error_in_the_last_stores_nothing(iworld, run_file, monkeypatch):
    # Arrange: chunks of 10 workbook rows; row 26 (the third chunk) has a reached cell that is not yes/no
    monkeypatch.setattr(formats, "CHUNK_MAX_ROWS", 10)
    cells = [[f"X-{n}", "banque-1", "banque", "phone", "2027-05-12T10:31:00+02:00", "non"] for n in range(1, 26)]
    cells[-1][5] = "peut-être"

    # Act
    failed = run_file(
        xlsx_bytes(cells, header=["external_id", "brand", "category", "channel", "performed_at", "reached"]),
        name="s.xlsx",
    )
    cells[-1][5] = "NON"
    succeeded = run_file(
        xlsx_bytes(cells, header=["external_id", "brand", "category", "channel", "performed_at", "reached"]),
        name="s.xlsx",
    )

    # Assert
    assert (failed.status, [(e["row"], e["column"]) for e in failed.errors]) == ("failed", [(26, "reached")])
    assert (succeeded.status, succeeded.rows_total, succeeded.created) == ("succeeded", 25, 25)


def test_invalid_utf8_far_into_the_file_is_named_by_its_line(iworld, run_file, monkeypatch):
    # Arrange: read in blocks of 64 bytes, the invalid byte on line 40
    monkeypatch.setattr(formats, "READ_BLOCK", 64)
    data = csv_bytes(_rows()[:60])
    lines = data.split(b"\n")
    lines[39] = lines[39].replace(b"T-", b"\xff-")
    data = b"\n".join(lines)

    # Act
    job = run_file(data)

    # Assert
    assert job.status == "failed"
    assert job.errors == [
        {
            "row": 1,
            "column": None,
            "message": "The file is not UTF-8 text (the first invalid byte is on line 40). Save it as “CSV UTF-8”.",
        }
    ]


@pytest.mark.parametrize("n", [*range(0, 20), 31, 32, 33, 100, 1000])
def test_tree_hasher_gives_the_tree_hash_of_the_leaves(n):
    leaves = [hashlib.sha256(str(i).encode()).digest() for i in range(n)]
    hasher = TreeHasher()

    for leaf in leaves:
        hasher.add(leaf)

    assert (hasher.count, hasher.root()) == (n, tree_hash(leaves))
