# ruff: noqa: F811  (pytest fixtures imported from tests.support.world are redefined as test arguments)
"""Formula injection in the results export (issue 13, finding 9; OWASP "CSV injection"): every CSV
cell is quoted and every part of a cell that could start a formula is neutralised; the XLSX export
writes text as strings, never formulas."""

import csv
import io

import openpyxl
import pytest
from django.test import Client

from election.models import Brand
from mystery_tests import exports
from mystery_tests.models import TestResult
from mystery_tests.services import results_upload
from tests.support.world import result, world  # noqa: F401  (world is a fixture)

INJECTED_COMMENT = "x;=1+1;"
INJECTED_ID = "AG-1,@SUM(A1)"


@pytest.mark.parametrize(
    ("value", "exported"),
    [
        ("x;=1+1;", "'x;'=1+1;"),
        ("bien, -cmd|' /C calc'!A0", "'bien,' -cmd|' /C calc'!A0"),
        ("ligne\n+1", "'ligne\n'+1"),
        ("a\t@SUM(A1)", "'a\t'@SUM(A1)"),
        ("  =1+1", "'  =1+1"),
        ("\uff1d1+1", "'\uff1d1+1"),
        ("greeting=2;courtesy=1", "greeting=2;courtesy=1"),
        ("2027-05-12T08:31:00+00:00", "2027-05-12T08:31:00+00:00"),
        ("Réponse exacte; conseillère aimable.", "Réponse exacte; conseillère aimable."),
        (-3.5, -3.5),
    ],
)
def test_neutralise_each_part_of_a_cell_that_could_start_a_formula(value, exported):
    assert exports.neutralise(value) == exported


@pytest.fixture
def exported(world, organiser):
    """One stored result whose id and comment carry formulas after a separator, and an organiser's client."""
    item = result(world.entries["banque-1"], 1, external_id=INJECTED_ID, comment=INJECTED_COMMENT)
    results_upload(campaign=world.campaign_a, items=[item])
    client = Client()
    client.force_login(organiser)
    return client, TestResult.objects.get()


def _export(client, action: str, result: TestResult):
    return client.post("/admin/mystery_tests/testresult/", {"action": action, "_selected_action": [result.pk]})


def test_export_csv_quotes_every_cell(exported):
    client, stored = exported

    response = _export(client, "export_results_csv", stored)

    lines = response.content.decode("utf-8-sig").split("\r\n")[:2]
    for line in lines:
        cells = next(csv.reader(io.StringIO(line)))
        assert line == ",".join('"' + c.replace('"', '""') + '"' for c in cells)


def test_export_csv_no_part_starts_a_formula_even_split_on_semicolons(exported):
    client, stored = exported

    response = _export(client, "export_results_csv", stored)

    text = response.content.decode("utf-8-sig")
    row = next(csv.DictReader(io.StringIO(text)))
    assert (row["external_id"], row["comment"]) == ("'AG-1,'@SUM(A1)", "'x;'=1+1;")
    # A French spreadsheet that ignored the quotes and split every line on ";" and ",".
    parts = [p.strip('"') for line in text.splitlines() for chunk in line.split(";") for p in chunk.split(",")]
    assert not [p for p in parts if p.lstrip(" ").startswith(("=", "+", "@"))]


def test_export_xlsx_writes_text_as_strings_never_formulas(exported):
    client, stored = exported

    response = _export(client, "export_results_xlsx", stored)

    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response["Content-Disposition"] == 'attachment; filename="test-results.xlsx"'
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    header, row = [c.value for c in sheet[1]], sheet[2]
    assert header == exports.COLUMNS
    cells = dict(zip(header, row, strict=True))
    assert not [c.coordinate for line in sheet.iter_rows() for c in line if c.data_type == "f"]
    assert (cells["external_id"].value, cells["comment"].value) == ("'AG-1,'@SUM(A1)", "'x;'=1+1;")
    assert (cells["id"].value, cells["score"].value) == (stored.pk, stored.score)
    assert cells["comment"].data_type == "s"


def test_export_xlsx_formula_looking_brand_stays_a_string(exported):
    client, stored = exported
    Brand.objects.filter(pk=stored.entry.brand_id).update(name='=HYPERLINK("http://evil")')

    response = _export(client, "export_results_xlsx", stored)

    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    brand = sheet.cell(row=2, column=exports.COLUMNS.index("brand") + 1)
    assert (brand.value, brand.data_type) == ('\'=HYPERLINK("http://evil")', "s")
