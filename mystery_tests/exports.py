"""CSV and XLSX exports of test results for organisers (admin actions "Export results (CSV/XLSX)").

Agencies write the comments and ids: a cell such as ``=cmd|' /C calc'!A0`` would run as a formula
when an organiser opens the export in a spreadsheet (CSV injection, OWASP). Following OWASP:

- every CSV cell is quoted (``csv.QUOTE_ALL``), so no separator inside a cell splits it;
- every part of a text cell that a spreadsheet could read as a formula is prefixed with a quote,
  which displays the text as written: the start of the cell, and whatever follows a separator
  (``,`` ``;`` tab, CR, LF), since a French spreadsheet opening ``x;=1+1`` unquoted splits it on
  ``;`` and would run the second part; a cell starting with a tab or a line break is prefixed too;
- the XLSX export writes text cells as strings (never formulas), neutralised the same way, so a
  cell re-saved as CSV stays inert.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable

from django.db.models import QuerySet
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from .fields import EXPORT_FIELDS
from .models import TestResult

# A spreadsheet starts a formula on these (the full-width forms too); tab, carriage return and line
# feed let a formula hide behind them.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")
# What a spreadsheet may split a cell on (CSV separators, Excel's French ";", lines); kept by split().
_SEPARATORS = re.compile(r"([,;\t\r\n])")

COLUMNS = [
    "id",
    "external_id",
    "agency",
    "edition",
    "category",
    "brand",
    *(f.name for f in EXPORT_FIELDS),
    "score",
    "excluded",
    "exclusion_reason",
    "comment",
    "scores",
]


def neutralise(value: object) -> object:
    """Text a spreadsheet would evaluate becomes inert text: a quote before each part that starts a
    formula (spaces ignored) and before the whole cell then, or when it starts with a tab or line
    break. Numbers stay numbers; text with nothing to neutralise is unchanged."""
    if not isinstance(value, str):
        return value
    parts = _SEPARATORS.split(value)  # text at even positions, separators at odd ones
    risky = False
    for i in range(0, len(parts), 2):
        if parts[i].lstrip(" ").startswith(FORMULA_TRIGGERS):
            parts[i] = "'" + parts[i]
            risky = True
    text = "".join(parts)
    if (risky or text.startswith(FORMULA_TRIGGERS)) and not text.startswith("'"):
        text = "'" + text  # the whole cell reads as text too, wherever it was opened
    return text


def _row(result: TestResult) -> list[object]:
    entry = result.entry
    points = ";".join(f"{code}={value}" for code, value in sorted(result.scores.items()) if value is not None)
    return [
        result.pk,
        result.external_id,
        result.agency.slug,
        entry.category.edition.name,
        entry.category.name,
        entry.brand.name,
        *(f.to_cell(getattr(result, f.stored)) for f in EXPORT_FIELDS),
        result.score,
        "true" if result.excluded else "false",
        result.exclusion_reason,
        result.comment,
        points,
    ]


def _ordered(results: QuerySet[TestResult] | Iterable[TestResult]) -> Iterable[TestResult]:
    if isinstance(results, QuerySet):
        return results.select_related("agency", "entry__brand", "entry__category__edition").order_by("pk")
    return results


def results_csv(*, results: QuerySet[TestResult] | Iterable[TestResult]) -> bytes:
    """UTF-8 CSV with a BOM (Excel reads the accents), one row per result in id order, injection-safe."""
    results = _ordered(results)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n", quoting=csv.QUOTE_ALL)
    writer.writerow(COLUMNS)
    for result in results:
        writer.writerow([neutralise(value) for value in _row(result)])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _xlsx_cell(sheet, value: object) -> WriteOnlyCell:
    if isinstance(value, bool | int | float):
        return WriteOnlyCell(sheet, value=value)
    # Characters XML cannot hold (control characters) would make openpyxl refuse the whole file.
    cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("\ufffd", str(neutralise(value))))
    cell.data_type = "s"  # a string, even when it looks like "=…": openpyxl would store a formula
    return cell


def results_xlsx(*, results: QuerySet[TestResult] | Iterable[TestResult]) -> bytes:
    """An XLSX workbook with the CSV's columns and rows; every text cell is a string, never a formula."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet("results")
    sheet.append(COLUMNS)
    for result in _ordered(results):
        sheet.append([_xlsx_cell(sheet, value) for value in _row(result)])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
