# ruff: noqa: F811  (the iworld fixture is imported and then requested by name)
"""A bad-input corpus, sent through the HTTP API as field teams and broken scripts really send it.

Every case: a clear error saying what and where, and nothing stored (counts before/after).
Files: wrong encodings, merged header cells, empty lines, formulas, a 50 MB file, a zip bomb.
JSON: wrong types, huge numbers, deep nesting, NaN/Infinity, 1 MB strings, unicode in external_id.
"""

import io
import json
import tracemalloc
import zipfile

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from mystery_tests.models import ImportJob, ResultEvent, TestResult
from tests.conftest import token_client, upload_counts
from tests.support.world import HEADER, csv_bytes, iworld, json_item, row  # noqa: F401  (fixture)


def stored() -> tuple[int, int]:
    return TestResult.objects.count(), ResultEvent.objects.count()


@pytest.fixture
def agency_api(iworld):
    client = token_client(iworld.user_a)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def send_file(iworld, agency_api, django_capture_on_commit_callbacks):
    """POSTs a file to the import endpoint; the (eager) task runs on commit; returns (response, job body)."""

    def send(data: bytes, name: str):
        url = f"/api/v1/campaigns/{iworld.campaign_a.pk}/imports/"
        with django_capture_on_commit_callbacks(execute=True):
            response = agency_api.post(url, {"file": _named(data, name)}, format="multipart")
        if response.status_code != 202:
            return response, None
        return response, agency_api.get(response["Location"]).json()

    return send


def _named(data: bytes, name: str):
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


def results_url(iworld) -> str:
    return f"/api/v1/campaigns/{iworld.campaign_a.pk}/results/"


def post_raw(agency_api, iworld, body: bytes | str):
    return agency_api.generic("POST", results_url(iworld), body, content_type="application/json")


# -- files -----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("encoding", "line"),
    [pytest.param("latin-1", 2, id="latin-1"), pytest.param("utf-16", 1, id="utf-16")],
)
def test_corpus_csv_in_wrong_encoding_fails_naming_utf8_and_stores_nothing(send_file, encoding, line):
    # Arrange
    data = csv_bytes([row(1, comment="Très bien, conseillère aimable")], bom=False).decode().encode(encoding)
    before = stored()

    # Act
    response, job = send_file(data, "semaine-19.csv")

    # Assert
    assert response.status_code == 202
    assert job["status"] == "failed"
    assert job["errors"] == [
        {
            "row": 1,
            "column": None,
            "message": (
                f"The file is not UTF-8 text (the first invalid byte is on line {line}). Save it as “CSV UTF-8”."
            ),
        }
    ]
    assert stored() == before


def test_corpus_xlsx_with_merged_title_above_header_fails_on_row_one(send_file):
    # Arrange: the team kept its merged banner "Résultats semaine 19" above the header row
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Résultats semaine 19"])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(HEADER))
    sheet.append(HEADER)
    sheet.append([row(1)[name] for name in HEADER])
    out = io.BytesIO()
    book.save(out)
    before = stored()

    # Act
    response, job = send_file(out.getvalue(), "semaine-19.xlsx")

    # Assert
    assert job["status"] == "failed"
    assert {e["row"] for e in job["errors"]} == {1}
    assert job["errors"] == [
        {"row": 1, "column": letter, "message": f"Column {letter} has values but no name in row 1."}
        for letter in "BCDEFGHIJKLM"
    ]
    assert stored() == before


def test_corpus_xlsx_with_merged_header_cells_names_the_nameless_column(send_file):
    # Arrange: "comment" merged over two columns; the second holds values under no name
    book = openpyxl.Workbook()
    sheet = book.active
    header = [*HEADER[:9], "", *HEADER[9:]]
    sheet.append(header)
    sheet.merge_cells(start_row=1, start_column=9, end_row=1, end_column=10)
    values = [row(1)[name] for name in HEADER]
    sheet.append([*values[:9], "suite du commentaire", *values[9:]])
    out = io.BytesIO()
    book.save(out)
    before = stored()

    # Act
    response, job = send_file(out.getvalue(), "semaine-19.xlsx")

    # Assert
    assert job["status"] == "failed"
    assert job["errors"] == [
        {"row": 1, "column": "J", "message": "Column J has values but no name in row 1."},
    ]
    assert stored() == before


def test_corpus_csv_with_empty_lines_stores_the_real_rows_only(send_file):
    # Arrange: blank lines between rows and at the end, as editors leave them
    lines = csv_bytes([row(1), row(2)]).decode("utf-8-sig").split("\r\n")
    data = "\r\n".join([lines[0], "", lines[1], "", "", lines[2], "", ""]).encode()

    # Act
    response, job = send_file(data, "semaine-19.csv")

    # Assert
    assert (job["status"], job["created"], job["errors"]) == ("succeeded", 2, [])
    assert TestResult.objects.count() == 2


def test_corpus_csv_formula_in_score_cell_is_an_error_on_its_cell(send_file):
    # Arrange
    data = csv_bytes([row(1), row(2, greeting="=SUM(J2:K2)"), row(3, courtesy="-cmd"), row(4, answer_accuracy="@A1")])
    before = stored()

    # Act
    response, job = send_file(data, "semaine-19.csv")

    # Assert
    assert job["status"] == "failed"
    assert [(e["row"], e["column"]) for e in job["errors"]] == [
        (3, "greeting"),
        (4, "courtesy"),
        (5, "answer_accuracy"),
    ]
    assert "=SUM(J2:K2)" in job["errors"][0]["message"]
    assert stored() == before


INJECTIONS = [
    "=cmd|' /C calc'!A0",
    "+SUM(1+1)*cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)",
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
]


def test_corpus_formula_and_html_comments_are_stored_as_plain_text(send_file):
    # Arrange
    data = csv_bytes([row(n, comment=text) for n, text in enumerate(INJECTIONS, start=1)])

    # Act
    response, job = send_file(data, "semaine-19.csv")

    # Assert
    assert job["status"] == "succeeded"
    assert list(TestResult.objects.order_by("external_id").values_list("comment", flat=True)) == INJECTIONS


def test_corpus_50_mb_file_is_refused_at_once_with_413(send_file):
    # Arrange: a CSV over the 32 MiB limit, generated here (never committed)
    data = csv_bytes([row(1)]) + b"x" * (50 * 1024 * 1024)
    jobs = ImportJob.objects.count()

    # Act
    response, job = send_file(data, "semaine-19.csv")

    # Assert
    assert response.status_code == 413
    assert response.json() == {"detail": "The file is larger than 32 MiB."}
    assert ImportJob.objects.count() == jobs
    assert stored() == (0, 0)


def zip_bomb(inflated_mib: int) -> bytes:
    """A valid workbook whose sheet XML inflates to ``inflated_mib`` MiB (spaces compress ~1000:1)."""
    book = openpyxl.Workbook()
    book.active.append(HEADER)
    plain = io.BytesIO()
    book.save(plain)
    out = io.BytesIO()
    with zipfile.ZipFile(plain) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as bomb:
        for member in source.infolist():
            content = source.read(member.filename)
            if member.filename != "xl/worksheets/sheet1.xml":
                bomb.writestr(member, content)
                continue
            head, tail = content.split(b"</sheetData>")
            with bomb.open(member.filename, "w") as sheet:
                sheet.write(head)
                chunk = b" " * (1024 * 1024)
                for _ in range(inflated_mib):
                    sheet.write(chunk)
                sheet.write(b"</sheetData>" + tail)
    return out.getvalue()


@pytest.mark.slow
def test_corpus_zip_bomb_xlsx_is_refused_without_inflating_it(send_file):
    # Arrange: about 300 KiB on the wire, 300 MiB once inflated
    data = zip_bomb(300)
    assert len(data) < 2 * 1024 * 1024
    tracemalloc.start()

    # Act
    response, job = send_file(data, "semaine-19.xlsx")
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    # Assert
    assert job["status"] == "failed"
    assert job["errors"] == [
        {
            "row": 1,
            "column": None,
            "message": (
                "The workbook would inflate to 300 MiB when opened (at most 256 MiB, and no part compressed more "
                "than 200:1): it is refused. Save the results alone as a new .xlsx or as CSV UTF-8."
            ),
        }
    ]
    assert peak < 50 * 1024 * 1024  # the sheet was never inflated
    assert stored() == (0, 0)


def test_corpus_small_zip_bomb_is_refused_by_its_compression_ratio(send_file):
    # Arrange: 8 MiB of spaces in a few KiB
    data = zip_bomb(8)

    # Act
    response, job = send_file(data, "semaine-19.xlsx")

    # Assert
    assert job["status"] == "failed"
    assert job["errors"][0]["message"].startswith("The workbook would inflate to 8 MiB when opened")
    assert stored() == (0, 0)


# -- JSON ------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"reached": "yes"}, "reached", "Must be true or false, not a string."),
        ({"wait_seconds": "45"}, "wait_seconds", "Must be a number or null, not a string."),
        ({"scores": ["greeting", 2]}, "scores", "Must be an object {code: points}, not an array."),
        ({"external_id": 123}, "external_id", "Must be a string, not a number."),
        ({"scores": {"greeting": 1.5}}, "scores.greeting", "Points must be 0, 1, 2 or null, not 1.5."),
    ],
)
def test_corpus_json_wrong_types_are_400_by_index_and_field(agency_api, iworld, overrides, field, message):
    # Arrange
    before = stored()

    # Act
    response = agency_api.post(results_url(iworld), [json_item(1), json_item(2, **overrides)], format="json")

    # Assert
    assert response.status_code == 400
    assert response.json()["errors"] == [{"index": 1, "field": field, "message": message}]
    assert stored() == before


@pytest.mark.parametrize(
    ("literal", "field"),
    [
        pytest.param('"wait_seconds": 1e309', "wait_seconds", id="float-overflow"),
        pytest.param('"wait_seconds": ' + "1" + "0" * 400, "wait_seconds", id="int-400-digits"),
        pytest.param('"entry": ' + "9" * 400, "entry", id="entry-400-digits"),
        pytest.param('"scores": {"greeting": ' + "2" + "0" * 400 + "}", "scores.greeting", id="points-400-digits"),
    ],
)
def test_corpus_json_huge_numbers_are_400_on_their_field(agency_api, iworld, literal, field):
    # Arrange
    item = json.dumps(json_item(1))[:-1] + ", " + literal + "}"
    if field == "entry":
        item = item.replace('"brand": "banque-1", "category": "banque", ', "")
    before = stored()

    # Act
    response = post_raw(agency_api, iworld, f"[{item}]")

    # Assert
    assert response.status_code == 400
    assert [(e["index"], e["field"]) for e in response.json()["errors"]] == [(0, field)]
    assert stored() == before


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity"])
def test_corpus_json_nan_and_infinity_literals_are_a_parse_error(agency_api, iworld, literal):
    # Arrange
    body = json.dumps([json_item(1)])[:-2] + f', "wait_seconds": {literal}}}]'

    # Act
    response = post_raw(agency_api, iworld, body)

    # Assert
    assert response.status_code == 400
    assert "JSON" in response.json()["detail"]
    assert stored() == (0, 0)


def test_corpus_json_10000_nested_arrays_is_a_clean_400(agency_api, iworld):
    # Arrange
    body = "[" * 10_000 + "]" * 10_000

    # Act
    response = post_raw(agency_api, iworld, body)

    # Assert
    assert response.status_code == 400
    assert response.json()["detail"] == (
        "Malformed JSON: maximum recursion depth exceeded while decoding a JSON array from a unicode string."
    )
    assert stored() == (0, 0)


def test_corpus_json_deep_nesting_inside_an_item_is_a_clean_400(agency_api, iworld):
    # Arrange
    body = json.dumps([json_item(1)])[:-2] + ', "comment": ' + "[" * 5000 + "]" * 5000 + "}]"

    # Act
    response = post_raw(agency_api, iworld, body)

    # Assert
    assert response.status_code == 400
    assert stored() == (0, 0)


def test_corpus_json_one_megabyte_strings_are_400_on_their_fields(agency_api, iworld):
    # Arrange
    huge = "é" * (1024 * 1024)
    items = [json_item(1, external_id=huge), json_item(2, comment=huge), json_item(3, channel=huge)]

    # Act
    response = agency_api.post(results_url(iworld), items, format="json")

    # Assert
    assert response.status_code == 400
    assert [(e["index"], e["field"]) for e in response.json()["errors"]] == [
        (0, "external_id"),
        (1, "comment"),
        (2, "channel"),
    ]
    assert all(len(e["message"]) < 300 for e in response.json()["errors"])
    assert stored() == (0, 0)


@pytest.mark.parametrize(
    "external_id",
    ["AG\x00123", "AG\ud800123", "AG\x1b[31m123", "   "],
    ids=["nul", "lone-surrogate", "control", "blank"],
)
def test_corpus_json_unusable_external_ids_are_400(agency_api, iworld, external_id):
    # Act
    response = post_raw(agency_api, iworld, json.dumps([json_item(1, external_id=external_id)]))

    # Assert
    assert response.status_code == 400
    assert [(e["index"], e["field"]) for e in response.json()["errors"]] == [(0, "external_id")]
    assert stored() == (0, 0)


@pytest.mark.parametrize(
    "external_id",
    ["AG-2027-😀-000123", "AG-2027-\u202e321000", "Rése\u0301au-1", "試験-2027-001"],
    ids=["emoji", "rtl-override", "combining", "cjk"],
)
def test_corpus_json_unicode_external_ids_round_trip_exactly(agency_api, iworld, external_id):
    # Act
    first = agency_api.post(results_url(iworld), [json_item(1, external_id=external_id)], format="json")
    again = agency_api.post(results_url(iworld), [json_item(1, external_id=external_id)], format="json")
    listed = agency_api.get(results_url(iworld), {"external_id": external_id})

    # Assert
    assert (first.status_code, upload_counts(first.json())) == (200, {"created": 1, "updated": 0, "unchanged": 0})
    assert upload_counts(again.json()) == {"created": 0, "updated": 0, "unchanged": 1}
    assert [r["external_id"] for r in listed.json()["results"]] == [external_id]
