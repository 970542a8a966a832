"""Spreadsheet imports (API.md "A file import"): a CSV or XLSX file becomes the JSON items of
``services.results_upload``, so a file is validated and stored by exactly the same code as JSON.

The file is read into text cells first (CSV with ``dtype=str``, XLSX cell by cell), then every
column is converted at once with pandas: the conversion reports wrong types with their spreadsheet
row and column, ``results_upload`` reports the rule-book errors by item index, and both lists are
merged in spreadsheet order. Nothing is stored unless the whole file is valid.
"""

from __future__ import annotations

import contextlib
import ctypes
import datetime as dt
import gc
import io
import logging
import math
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.cache import cache
from django.core.files.uploadedfile import UploadedFile
from django.db import Error as DatabaseError
from django.db import connection, transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from common import permissions

from .models import Campaign, Criterion, ImportJob
from .validation import CappedErrors, ErrorList, capped, duplicate_message

if TYPE_CHECKING:  # pandas and numpy are heavy: imported when a file is read, not when Django starts
    import numpy as np

logger = logging.getLogger(__name__)

REQUIRED_COLUMNS: tuple[str, ...] = ("external_id", "brand", "category", "channel", "performed_at", "reached")
OPTIONAL_COLUMNS: tuple[str, ...] = ("wait_seconds", "response_hours", "comment")
NUMBER_COLUMNS: tuple[str, ...] = ("wait_seconds", "response_hours")
# The contract's booleans, plus VRAI/FAUX: what a French Excel writes for a boolean cell saved as CSV.
TRUE_WORDS = frozenset({"true", "1", "yes", "oui", "vrai"})
FALSE_WORDS = frozenset({"false", "0", "no", "non", "faux"})
# ISO 8601 with a mandatory offset; a space may separate date and time, as spreadsheets write it.
ISO_WITH_OFFSET_RE = re.compile(
    r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d{1,6})?)?(?:Z|[+-]\d{2}(?::?\d{2})?)$"
)
PROGRESS_EVERY = 1000
XLSX_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # legacy .xls (and other Office 97 files)
CSV_EXTENSIONS = ("csv", "txt")
XLSX_EXTENSIONS = ("xlsx", "xlsm")
# An XLSX is a zip: a few MiB can inflate to gigabytes of sheet XML (a "zip bomb") that openpyxl would
# hold in memory. Real workbooks of 100,000 results inflate to well under 200 MiB, at ratios under 100:1.
XLSX_MAX_UNCOMPRESSED = 256 * 1024 * 1024
XLSX_MAX_RATIO = 200
# A sheet is read as the rows that hold a value, each as wide as the widest one. A few KiB of XML can
# declare a cell at XFD1 and another at A1048576: read as a full grid that is 17 billion cells, so the
# grid (rows with a value × widest row) and the cells the reader unpacks are both bounded; a CSV's
# grid (lines × header columns) likewise.
# 8 million is 250,000 results of 32 columns, well past what a 32 MiB file holds.
XLSX_MAX_CELLS = 8_000_000
# pandas spends kilobytes per CSV column: a header of 300,000 empty columns (600 KiB) would cost
# most of a gigabyte. A real file has the contract's 9 columns and the grid's criteria.
CSV_MAX_COLUMNS = 1000
# A delivery of the import task that starts work counts as an attempt; past this the job is failed
# (a file that kills the worker each time must not be tried forever).
MAX_ATTEMPTS = 3
CSV_CONTENT_TYPES = ("text/csv", "text/plain", "application/csv", "text/comma-separated-values")


# -- errors -------------------------------------------------------------------------------


class ImportRefused(Exception):
    """The upload is refused at once, before any job exists (413, 415)."""

    def __init__(self, message: str, *, status: int):
        super().__init__(message)
        self.message = message
        self.status = status


class FileInvalid(Exception):
    """The file cannot be imported: ``errors`` lists every problem as ``{"row", "column", "message"}``."""

    def __init__(self, errors: list[dict]):
        super().__init__(f"{len(errors)} error(s) in the file")
        self.errors = capped(errors)  # the first ERRORS_MAX; ``errors.omitted`` counts the others


def cell_error(row: int, column: str | None, message: str) -> dict:
    return {"row": row, "column": column, "message": message}


def column_letter(position: int) -> str:
    """0 → A, 25 → Z, 26 → AA: how a spreadsheet names a column that has no header."""
    letters = ""
    position += 1
    while position:
        position, rest = divmod(position - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


# -- reading the file into text cells ----------------------------------------------------


@dataclass
class Sheet:
    """The file as text: ``cells`` is an object array of str (one column per name in ``columns``,
    blank = ``""``); ``rows[i]`` is the spreadsheet row of its i-th line (header = row 1)."""

    columns: list[str]
    cells: np.ndarray
    rows: list[int]
    decimal_comma: bool

    def column(self, name: str) -> list[str]:
        """One column's cells, surrounding spaces removed."""
        return [value.strip() for value in self.cells[:, self.columns.index(name)].tolist()]


def detect_format(*, name: str, head: bytes, content_type: str = "") -> str:
    """``"csv"`` or ``"xlsx"`` from the file's name, first bytes and declared type; anything else is a 415."""
    lowered = (name or "").lower()
    extension = lowered.rpartition(".")[2] if "." in lowered else ""
    if head.startswith(OLE_MAGIC) or extension == "xls":
        raise ImportRefused(
            _("Legacy Excel files (.xls) cannot be imported: save the workbook as .xlsx or as CSV UTF-8."),
            status=415,
        )
    if extension in XLSX_EXTENSIONS or (not extension and head.startswith(XLSX_MAGIC)):
        return ImportJob.Format.XLSX
    if extension in CSV_EXTENSIONS:
        # A workbook saved under a .csv name is still read as the workbook it is.
        return ImportJob.Format.XLSX if head.startswith(XLSX_MAGIC) else ImportJob.Format.CSV
    if not extension and content_type.split(";")[0].strip().lower() in CSV_CONTENT_TYPES:
        return ImportJob.Format.CSV
    raise ImportRefused(_("Only CSV and XLSX files can be imported."), status=415)


def _check_utf8(data: bytes) -> None:
    try:
        data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise FileInvalid(
            [
                cell_error(
                    1,
                    None,
                    _(
                        "The file is not UTF-8 text (the first invalid byte is on line %(line)d). "
                        "Save it as “CSV UTF-8”."
                    )
                    % {"line": line},
                )
            ]
        ) from None


def _sniff_separator(data: bytes) -> str:
    """``;`` or ``,``: whichever the header line uses more (Excel in French writes ``;``)."""
    first_line = data.split(b"\n", 1)[0]
    return ";" if first_line.count(b";") > first_line.count(b",") else ","


def read_csv(data: bytes) -> Sheet:
    import pandas as pd

    _check_utf8(data)
    if not data.removeprefix(b"\xef\xbb\xbf").strip():
        raise FileInvalid([cell_error(1, None, _("The file is empty."))])
    separator = _sniff_separator(data)
    # The grid pandas would build, bounded before it is built: a 2 MiB header of empty columns, or
    # lines of separators only, would otherwise cost gigabytes.
    columns = data.split(b"\n", 1)[0].count(separator.encode()) + 1
    if columns > CSV_MAX_COLUMNS:
        raise FileInvalid(
            [
                cell_error(
                    1,
                    None,
                    _(
                        "Row 1 has %(n)s columns; a file has at most %(max)s (the contract's columns and the "
                        "criteria of the edition's grid)."
                    )
                    % {"n": f"{columns:,}", "max": f"{CSV_MAX_COLUMNS:,}"},
                )
            ]
        )
    lines = data.count(b"\n") + 1
    if columns * lines > XLSX_MAX_CELLS:
        raise _too_many_cells(
            _("%(lines)s lines of %(columns)s columns") % {"lines": f"{lines:,}", "columns": f"{columns:,}"}
        )
    try:
        # Every cell stays the text it is (no NA detection, no type guessing); object columns rather
        # than pandas' string dtype, whose per-cell methods cost seconds and memory at 100,000 rows.
        frame = pd.read_csv(
            io.BytesIO(data),
            sep=separator,
            header=None,
            dtype=object,
            encoding="utf-8-sig",
            keep_default_na=False,
            na_filter=False,
            skip_blank_lines=False,
            engine="c",
        )
    except pd.errors.ParserError as exc:
        # e.g. "Expected 12 fields in line 40, saw 13": a row with more cells than the header.
        raise FileInvalid([cell_error(1, None, _("The CSV file cannot be read: %(error)s") % {"error": exc})])
    cells = frame.to_numpy(dtype=object)
    del frame
    return _sheet_from_cells(cells, decimal_comma=separator == ";")


def _xlsx_text(value, *, tz: ZoneInfo) -> str:
    """One Excel cell as the text a CSV would hold; a date cell becomes ISO 8601 with the edition's offset."""
    if hasattr(value, "item") and not isinstance(value, dt.datetime):
        value = value.item()  # a numpy scalar
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if value != value:  # NaN: an empty cell
            return ""
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, dt.datetime):
        # Excel stores wall-clock times without a zone: they are the edition's local time.
        moment = value.to_pydatetime() if hasattr(value, "to_pydatetime") else value
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=tz)
        return moment.isoformat()
    if isinstance(value, dt.date | dt.time):
        # A date without a time (or a time without a date) is not a moment: the date check names it.
        return value.isoformat()
    return str(value)


def _check_xlsx_inflation(data: bytes) -> None:
    """Refuse a workbook whose parts would inflate beyond what any real results file needs.

    Reads the zip's directory only (declared sizes), before openpyxl decompresses anything.
    """
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        members = archive.infolist()
    total = sum(member.file_size for member in members)
    bomb = next(
        (m for m in members if m.file_size > 1024 * 1024 and m.file_size > XLSX_MAX_RATIO * max(m.compress_size, 1)),
        None,
    )
    if total > XLSX_MAX_UNCOMPRESSED or bomb is not None:
        raise FileInvalid(
            [
                cell_error(
                    1,
                    None,
                    _(
                        "The workbook would inflate to %(size)d MiB when opened (at most %(limit)d MiB, and no "
                        "part compressed more than %(ratio)d:1): it is refused. Save the results alone as a "
                        "new .xlsx or as CSV UTF-8."
                    )
                    % {
                        "size": total // (1024 * 1024),
                        "limit": XLSX_MAX_UNCOMPRESSED // (1024 * 1024),
                        "ratio": XLSX_MAX_RATIO,
                    },
                )
            ]
        )


def read_xlsx(data: bytes, *, tz: ZoneInfo) -> Sheet:
    if not data.strip():
        raise FileInvalid([cell_error(1, None, _("The file is empty."))])
    try:
        _check_xlsx_inflation(data)
        cells, row_numbers = _xlsx_cells(data, tz=tz)
    except FileInvalid:
        raise
    except Exception as exc:  # noqa: BLE001 - zip, XML (entities, "billion laughs") and openpyxl errors alike
        raise FileInvalid(
            [cell_error(1, None, _("The file is not a readable XLSX workbook (%(error)s).") % {"error": exc})]
        ) from None
    return _sheet_from_cells(cells, decimal_comma=True, row_numbers=row_numbers)


def _too_many_cells(detail: str) -> FileInvalid:
    return FileInvalid(
        [
            cell_error(
                1,
                None,
                _(
                    "The file is too large to import: %(detail)s (at most %(limit)s cells). Delete the stray "
                    "cells far below or to the right of the results, or save the results alone as a new file."
                )
                % {"detail": detail, "limit": f"{XLSX_MAX_CELLS:,}"},
            )
        ]
    )


def _xlsx_cells(data: bytes, *, tz: ZoneInfo) -> tuple[np.ndarray, list[int]]:
    """The first sheet's rows that hold a value (row 1, the header, always) as text cells, and their
    spreadsheet row numbers. Streamed in openpyxl's read-only mode, ignoring the declared dimension
    (it may lie): the rows are read as the XML has them, and reading stops once more cells than
    XLSX_MAX_CELLS were unpacked or would be held."""
    import numpy as np
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True, keep_links=False)
    try:
        if not workbook.worksheets:
            raise FileInvalid([cell_error(1, None, _("The file is empty."))])
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()  # the <dimension> a file declares is not trusted
        kept: list[tuple] = []
        numbers: list[int] = []
        width = unpacked = 0
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            unpacked += len(values) + 1
            if unpacked > XLSX_MAX_CELLS:
                raise _too_many_cells(
                    _("more than %(n)s cells up to row %(row)s") % {"n": f"{unpacked:,}", "row": number}
                )
            end = len(values)
            while end and (values[end - 1] is None or values[end - 1] == ""):
                end -= 1
            if not end and number > 1:
                continue  # a blank row: skipped, as the CSV reader skips them
            width = max(width, end)
            kept.append(values[:end])
            numbers.append(number)
            if len(kept) * width > XLSX_MAX_CELLS:
                raise _too_many_cells(
                    _("%(rows)s rows with values, as wide as column %(column)s")
                    % {"rows": f"{len(kept):,}", "column": column_letter(width - 1)}
                )
    finally:
        workbook.close()
    if width == 0:
        raise FileInvalid([cell_error(1, None, _("The file is empty."))])
    cells = np.full((len(kept), width), "", dtype=object)
    for position, values in enumerate(kept):
        cells[position, : len(values)] = [_xlsx_text(value, tz=tz) for value in values]
    return cells, numbers


def _sheet_from_cells(cells: np.ndarray, *, decimal_comma: bool, row_numbers: list[int] | None = None) -> Sheet:
    """Checks the header row (row 1) and names the columns; every header problem is reported at once.

    ``cells`` is the whole grid as an object array of str: plain arrays and lists from here on;
    ``row_numbers`` the spreadsheet row of each line of ``cells`` when they are not 1, 2, 3…"""
    import numpy as np

    header = [str(v).strip().lower() for v in cells[0].tolist()] if len(cells) else []
    body = cells[1:]
    errors: list[dict] = []
    keep: list[int] = []
    names: list[str] = []
    seen: dict[str, int] = {}
    for position, name in enumerate(header):
        if not name:
            if any(str(v).strip() for v in body[:, position].tolist()):
                letter = column_letter(position)
                errors.append(
                    cell_error(1, letter, _("Column %(letter)s has values but no name in row 1.") % {"letter": letter})
                )
            continue  # an empty trailing column, as spreadsheets often save: ignored
        if name in seen:
            errors.append(
                cell_error(
                    1,
                    name,
                    _("The column “%(name)s” appears twice (columns %(first)s and %(second)s).")
                    % {"name": name, "first": column_letter(seen[name]), "second": column_letter(position)},
                )
            )
            continue
        seen[name] = position
        keep.append(position)
        names.append(name)
    if errors:
        raise FileInvalid(errors)
    if not keep:
        body = np.empty((len(body), 0), dtype=object)
    elif len(keep) < len(header):
        body = body[:, keep]
    # Wholly blank lines (e.g. ";;;;" at the end of an export) are skipped; rows keep their spreadsheet number.
    filled = (body != "").any(axis=1) if keep else np.zeros(len(body), dtype=bool)
    positions = filled.nonzero()[0]
    if len(positions) < len(body):
        body = body[positions]
    if row_numbers is None:
        rows = (positions + 2).tolist()  # body line 0 is spreadsheet row 2
    else:
        rows = np.asarray(row_numbers[1:], dtype=np.int64)[positions].tolist()
    return Sheet(columns=names, cells=body, rows=rows, decimal_comma=decimal_comma)


# -- text cells → JSON items ----------------------------------------------------------------


def check_columns(columns: Iterable[str], *, codes: set[str]) -> list[dict]:
    """Row 1: every required column present, every column known (a criterion code of the edition's grid)."""
    columns = list(columns)
    known = set(REQUIRED_COLUMNS) | set(OPTIONAL_COLUMNS) | codes
    errors = [
        cell_error(1, name, _("The required column “%(name)s” is missing.") % {"name": name})
        for name in REQUIRED_COLUMNS
        if name not in columns
    ]
    errors += [
        cell_error(
            1,
            name,
            _("Unknown column “%(name)s”: a column is one of %(fields)s, or a criterion code of the edition's grid.")
            % {"name": name, "fields": ", ".join(REQUIRED_COLUMNS + OPTIONAL_COLUMNS)},
        )
        for name in columns
        if name not in known
    ]
    return errors


def _number(text: str, decimal_comma: bool) -> float | int | None:
    """A cell as a number (None when it is not one); integral values stay integers."""
    try:
        value = float(text.replace(",", ".") if decimal_comma else text)
    except ValueError:
        return None
    if not math.isfinite(value):
        return None
    return int(value) if value.is_integer() else value


def _points(sheet: Sheet, score_columns: list[str], errors: CappedErrors, faulty: list[bool]) -> list[dict]:
    """Per row, ``{code: points}`` of the filled criterion cells; a cell that is not a whole number is an error.

    Nearly every cell is "", "0", "1" or "2": those are found by whole-array comparisons, and only
    the rare other cells are looked at one by one. Whole numbers outside 0–2 go to the service,
    which names the rule they break."""
    import numpy as np

    if not score_columns:
        return [{} for _ in sheet.rows]
    block = sheet.cells[:, [sheet.columns.index(c) for c in score_columns]]
    points = np.zeros(block.shape, dtype=np.int8)
    filled = np.zeros(block.shape, dtype=bool)
    other: list[tuple[int, int, int]] = []  # whole numbers other than 0, 1, 2 (rare)
    seen = block == ""
    for value in (0, 1, 2):
        match = block == str(value)
        points[match] = value
        filled |= match
    seen |= filled
    for r, c in zip(*(~seen).nonzero(), strict=True):
        text = block[r, c].strip()
        if not text:
            continue  # spaces only: blank
        value = _number(text, True)
        if isinstance(value, int):  # e.g. "2.0" written by a spreadsheet, or 3 (the service names the rule)
            other.append((r, c, value))
            continue
        faulty[r] = True
        errors.append(
            cell_error(
                sheet.rows[r],
                score_columns[c],
                _("“%(value)s” is not a number of points (0, 1 or 2; blank when not applicable).") % {"value": text},
            )
        )
    # One dict per row from the filled cells in row order, sliced at each row's boundary (no per-cell loop).
    at_rows, at_columns = filled.nonzero()
    names = np.array(score_columns, dtype=object)[at_columns].tolist()
    values = points[at_rows, at_columns].tolist()
    bounds = np.searchsorted(at_rows, np.arange(len(sheet.rows) + 1)).tolist()
    scores = [dict(zip(names[a:b], values[a:b], strict=True)) for a, b in zip(bounds, bounds[1:], strict=False)]
    for r, c, value in other:
        scores[r][score_columns[c]] = value
    return scores


def row_errors(columns: list[str]) -> CappedErrors:
    """An empty collection of ``{"row", "column", "message"}`` kept in spreadsheet order (row, then column)."""
    order = {name: i for i, name in enumerate(columns)}
    return CappedErrors(key=lambda e: (e["row"] or 0, order.get(e["column"] or "", -1)))


def sheet_to_items(sheet: Sheet, *, codes: set[str]) -> tuple[list[dict], list[int], CappedErrors]:
    """The JSON items of the rows without a type error, their spreadsheet rows, and the type errors
    (the first ERRORS_MAX in spreadsheet order; the others only counted)."""
    header_errors = check_columns(sheet.columns, codes=codes)
    if header_errors:
        raise FileInvalid(header_errors)
    rows = sheet.rows
    n = len(rows)
    if not n:
        raise FileInvalid([cell_error(2, None, _("The file has a header row but no test result."))])
    errors = row_errors(sheet.columns)
    faulty = [False] * n

    def flag(i: int, column: str, message: str) -> None:
        faulty[i] = True
        errors.append(cell_error(rows[i], column, message))

    text = {name: sheet.column(name) for name in REQUIRED_COLUMNS}
    for name in REQUIRED_COLUMNS:
        if "" in text[name]:  # a scan in C first: most files have no blank required cell
            for i, value in enumerate(text[name]):
                if not value:
                    flag(i, name, _("A value is required."))

    words = [value.lower() for value in text["reached"]]
    reached = [word in TRUE_WORDS for word in words]
    if set(words) - TRUE_WORDS - FALSE_WORDS - {""}:
        for i, (word, value) in enumerate(zip(words, text["reached"], strict=True)):
            if value and word not in TRUE_WORDS and word not in FALSE_WORDS:
                flag(
                    i,
                    "reached",
                    _("“%(value)s” is not a yes/no value (true/false, 1/0, yes/no, oui/non).") % {"value": value},
                )

    when = text["performed_at"]  # passed as written: the service reads every ISO 8601 spelling
    for i, value in enumerate(when):
        if value and not ISO_WITH_OFFSET_RE.match(value):
            flag(
                i,
                "performed_at",
                _(
                    "“%(value)s” is not a date and time with its UTC offset, e.g. 2027-05-12T10:31:00+02:00 "
                    "(in an XLSX file, a date cell is read in the edition's time zone)."
                )
                % {"value": value},
            )

    numbers: dict[str, list] = {}
    for name in NUMBER_COLUMNS:
        if name not in sheet.columns:
            numbers[name] = [None] * n
            continue
        values = []
        for i, cell in enumerate(sheet.column(name)):
            value = _number(cell, sheet.decimal_comma) if cell else None
            if cell and value is None:
                flag(i, name, _("“%(value)s” is not a number.") % {"value": cell})
            values.append(value)
        numbers[name] = values

    scores = _points(sheet, [c for c in sheet.columns if c in codes], errors, faulty)
    errors.faulty_rows = sum(faulty)  # every row is an item or has an error: rows_total counts both
    comments = sheet.column("comment") if "comment" in sheet.columns else [""] * n
    channels = [value.lower() for value in text["channel"]]
    items: list[dict] = []
    item_rows: list[int] = []
    for i in range(n):
        if faulty[i]:
            continue
        items.append(
            {
                "external_id": text["external_id"][i],
                "brand": text["brand"][i],
                "category": text["category"][i],
                "channel": channels[i],
                "performed_at": when[i],
                "reached": reached[i],
                "wait_seconds": numbers["wait_seconds"][i],
                "response_hours": numbers["response_hours"][i],
                "scores": scores[i],
                "comment": comments[i],
            }
        )
        item_rows.append(rows[i])
    return items, item_rows, errors


def column_for(field: str | None) -> str | None:
    """A service error's dotted field as the spreadsheet column that holds it."""
    if not field:
        return None
    head, _dot, rest = field.partition(".")
    if head == "scores":
        return rest.split(".", 1)[0] or None
    if head == "entry":
        return "brand"  # the entry is named by its brand (and category) in a file
    return head


def service_errors(errors: Iterable[dict], item_rows: list[int], items: list[dict]) -> list[dict]:
    """``results_upload``'s ``{"index", "field", "message"}`` as ``{"row", "column", "message"}``;
    a repeated external_id names its spreadsheet rows rather than the items' indexes."""
    mapped = []
    for error in errors:
        index = error.get("index")
        row = _row_of(index, item_rows)
        message = error.get("message", "")
        if error.get("duplicates"):
            rows = [_row_of(i, item_rows) for i in error["duplicates"]]
            message = duplicate_message(items[index]["external_id"], rows, rows=True)
        mapped.append(cell_error(row, column_for(error.get("field")), message))
    return mapped


def _row_of(index, item_rows: list[int]) -> int:
    return item_rows[index] if isinstance(index, int) and 0 <= index < len(item_rows) else 1


def sorted_errors(errors: Iterable[dict], column_order: list[str]) -> ErrorList:
    """``errors`` in spreadsheet order, at most ERRORS_MAX of them (``omitted`` counts the others)."""
    ordered = row_errors(column_order)
    ordered.extend(errors)
    return ordered.result()


def parse_file(*, data: bytes, fmt: str, campaign: Campaign) -> tuple[list[dict], list[int], CappedErrors, list[str]]:
    """Items, their rows, type errors and the file's column order (raises FileInvalid for file-level errors)."""
    edition = campaign.edition
    codes = set(Criterion.objects.filter(edition=edition).values_list("code", flat=True))
    sheet = read_xlsx(data, tz=ZoneInfo(edition.time_zone)) if fmt == ImportJob.Format.XLSX else read_csv(data)
    columns = list(sheet.columns)
    items, rows, errors = sheet_to_items(sheet, codes=codes)
    return items, rows, errors, columns


# -- the import job ------------------------------------------------------------------------


def progress_key(job_id: int) -> str:
    return f"mystery_tests:import:{job_id}:rows_done"


def rows_done(job: ImportJob) -> int:
    """Progress of a running import: the service writes it to the cache, outside its transaction."""
    if job.status == ImportJob.Status.RUNNING:
        return max(job.rows_done, int(cache.get(progress_key(job.pk)) or 0))
    return job.rows_done


def import_create(*, campaign: Campaign, user: AbstractBaseUser, upload: UploadedFile) -> ImportJob:
    """Stores the file as a pending job and queues ``mystery_tests.run_import`` once committed.

    A broker that cannot be reached does not fail the upload: the job stays pending with no
    ``queued_at`` and the periodic sweep (``sweep_stale_imports``) queues it."""
    from . import services

    reason = services.campaign_lock_reason(campaign)
    if reason:
        raise services.CampaignLocked(reason)
    if upload.size > settings.API_MAX_FILE_BYTES:
        raise ImportRefused(
            _("The file is larger than %(limit)d MiB.") % {"limit": settings.API_MAX_FILE_BYTES // (1024 * 1024)},
            status=413,
        )
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    fmt = detect_format(name=upload.name or "", head=head, content_type=getattr(upload, "content_type", "") or "")
    with transaction.atomic():
        job = ImportJob.objects.create(
            campaign=campaign,
            uploaded_by=user,
            file=upload,
            original_name=(upload.name or "")[:255],
            format=fmt,
        )
        language = translation.get_language()
        transaction.on_commit(lambda: enqueue_import(job.pk, language))
    return job


def enqueue_import(job_id: int, language: str | None = None) -> bool:
    """Hands the job to the broker and records when; False (logged) when the broker is unreachable."""
    from .tasks import run_import

    # Recorded first: the task may start (and, eagerly, end) before ``delay`` returns.
    queued_at = ImportJob.objects.filter(pk=job_id).values_list("queued_at", flat=True).first()
    ImportJob.objects.filter(pk=job_id).update(queued_at=timezone.now())
    try:
        run_import.delay(job_id, language)
    except Exception:  # noqa: BLE001 - whatever the broker raises, the sweep queues the job later
        logger.exception("Could not queue import %s; the sweep will queue it.", job_id)
        ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.PENDING).update(queued_at=queued_at)
        return False
    return True


def _finish(job: ImportJob, **fields) -> ImportJob:
    fields.setdefault("finished_at", timezone.now())
    for name, value in fields.items():
        setattr(job, name, value)
    job.save(update_fields=list(fields))
    with contextlib.suppress(Exception):  # progress is a hint: a cache that is down changes nothing
        cache.delete(progress_key(job.pk))
    return job


def _fail(job: ImportJob, errors: list[dict]) -> ImportJob:
    errors = capped(errors)
    return _finish(
        job,
        status=ImportJob.Status.FAILED,
        errors=list(errors),
        errors_omitted=errors.omitted,
        created=0,
        updated=0,
        unchanged=0,
        rows_done=0,
    )


def job_error(message: str) -> dict:
    """A problem of the import as a whole rather than of a cell (no row, no column)."""
    return cell_error(None, None, message)


def _release_memory() -> None:
    """Hands the heap freed by parsing back to the system before the service's write phase.

    glibc keeps freed blocks in fragmented arenas, so without this a 100,000-row import peaks about
    40 MiB higher (bench/bench_import.py); elsewhere than glibc it does nothing."""
    gc.collect()
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def import_run(*, job_id: int) -> ImportJob | None:
    """Parses, validates and stores one import, all or nothing; a re-delivered finished job is left alone.

    Every way this can end leaves the job ``succeeded`` or ``failed`` with its reason in ``errors``:
    a delivery counts as an attempt (one that killed the worker included), past MAX_ATTEMPTS the job
    is failed without reading the file again, and any exception fails it (nothing was stored: the
    service writes in one transaction). Only when the database itself cannot record the failure does
    the job stay ``running``, for ``sweep_stale_imports`` to end it."""
    job = ImportJob.objects.select_related("campaign__edition", "campaign__agency", "uploaded_by").filter(pk=job_id)
    job = job.first()
    if job is None or job.status in (ImportJob.Status.SUCCEEDED, ImportJob.Status.FAILED):
        return job
    claimed = ImportJob.objects.filter(
        pk=job.pk, status__in=(ImportJob.Status.PENDING, ImportJob.Status.RUNNING)
    ).update(status=ImportJob.Status.RUNNING, started_at=timezone.now(), attempts=F("attempts") + 1)
    if not claimed:  # finished meanwhile
        job.refresh_from_db()
        return job
    job.refresh_from_db(fields=["status", "started_at", "attempts"])
    if job.attempts > MAX_ATTEMPTS:
        return _fail(
            job,
            [
                job_error(
                    _(
                        "The import was started %(n)d times and never finished (reading the file stopped the "
                        "import worker each time): it is given up and nothing was stored. Check the file, or "
                        "save the results alone as CSV UTF-8, and upload it again."
                    )
                    % {"n": job.attempts - 1}
                )
            ],
        )
    try:
        return _run(job)
    except Exception as exc:  # noqa: BLE001 - every failure must end the job, with its reason
        logger.exception("Import %s failed.", job.pk)
        return _fail_after(job, exc)


def _failure_reason(exc: BaseException) -> str:
    from celery.exceptions import SoftTimeLimitExceeded

    if isinstance(exc, SoftTimeLimitExceeded):
        return _(
            "The import took longer than %(minutes)d minutes and was stopped; nothing was stored. "
            "Split the file and upload the parts."
        ) % {"minutes": settings.IMPORT_TIME_LIMIT // 60}
    if isinstance(exc, MemoryError):
        return _(
            "Reading the file needs more memory than an import may use; nothing was stored. "
            "Save the results alone as CSV UTF-8, or split the file."
        )
    if isinstance(exc, DatabaseError):
        return _("The database was unavailable during the import; nothing was stored. Upload the file again.")
    return _(
        "The import stopped on an unexpected error (%(error)s); nothing was stored. Upload the file "
        "again, and tell the organisers if this happens again."
    ) % {"error": type(exc).__name__}


def _fail_after(job: ImportJob, exc: BaseException) -> ImportJob:
    """Records the failure, on a fresh connection if the error broke this one (e.g. PostgreSQL restarted)."""
    reason = [job_error(_failure_reason(exc))]
    try:
        return _fail(job, reason)
    except DatabaseError:  # django.db.Error: InterfaceError ("connection already closed") included
        connection.close()
    return _fail(job, reason)


def _run(job: ImportJob) -> ImportJob:
    from . import services

    campaign = job.campaign
    try:
        with job.file.open("rb") as handle:
            data = handle.read()
        items, item_rows, errors, columns = parse_file(data=data, fmt=job.format, campaign=campaign)
        del data
    except FileInvalid as exc:
        return _fail(job, exc.errors)
    except OSError as exc:
        logger.exception("The file of import %s cannot be read.", job.pk)
        return _fail(
            job,
            [job_error(_("The uploaded file cannot be read (%(error)s); upload it again.") % {"error": exc})],
        )
    _release_memory()
    total = len(item_rows) + errors.faulty_rows
    job.rows_total = total
    job.save(update_fields=["rows_total"])
    if errors:
        # Wrong types first, then what the service finds in the other rows: every problem at once.
        omitted = 0
        if items:
            try:
                services.results_upload(campaign=campaign, items=items, user=job.uploaded_by, dry_run=True)
            except services.ResultsInvalid as exc:
                errors.extend(service_errors(exc.errors, item_rows, items))
                omitted = exc.omitted
            except services.CampaignLocked as exc:
                return _fail(job, [cell_error(1, None, str(exc))])
        listed = errors.result()
        listed.omitted += omitted
        return _fail(job, listed)

    last = [0]

    def progress(done: int) -> None:
        if done - last[0] < PROGRESS_EVERY and done < len(items):
            return
        last[0] = done
        # Other processes read progress from the cache; the row is written too when no transaction
        # would hide it from them (the service checks rows before its write transaction).
        with contextlib.suppress(Exception):  # a cache that is down only hides the progress
            cache.set(progress_key(job.pk), done, timeout=24 * 3600)
        if not transaction.get_connection().in_atomic_block:
            ImportJob.objects.filter(pk=job.pk).update(rows_done=done)

    try:
        counts = services.results_upload(
            campaign=campaign, items=items, user=job.uploaded_by, progress=progress, import_job=job
        )
    except services.ResultsInvalid as exc:
        listed = sorted_errors(service_errors(exc.errors, item_rows, items), columns)
        listed.omitted += exc.omitted
        return _fail(job, listed)
    except services.CampaignLocked as exc:
        return _fail(job, [cell_error(1, None, str(exc))])
    return _finish(
        job,
        status=ImportJob.Status.SUCCEEDED,
        rows_done=total,
        created=counts.get("created", 0),
        updated=counts.get("updated", 0),
        unchanged=counts.get("unchanged", 0),
        errors=[],
        errors_omitted=0,
    )


def sweep_stale_imports(*, now: dt.datetime | None = None) -> dict[str, list[int]]:
    """Ends or restarts the imports nothing is working on (run by Celery beat, like the rankings sweep).

    - pending and never handed to the broker (it was down at upload) for IMPORT_QUEUE_GRACE seconds,
      or handed to it longer than IMPORT_REQUEUE_AFTER ago (the message was lost): queued again,
      unless it already used its MAX_ATTEMPTS, then failed;
    - running since longer than the task's hard time limit (the worker was killed, or the database
      could not record the end): failed with the reason.
    Each change is a conditional update, so a job that ends meanwhile is left as it ended."""
    now = now or timezone.now()
    report: dict[str, list[int]] = {"queued": [], "failed": []}
    pending = ImportJob.objects.filter(status=ImportJob.Status.PENDING).filter(
        Q(queued_at__isnull=True, created_at__lt=now - dt.timedelta(seconds=settings.IMPORT_QUEUE_GRACE))
        | Q(queued_at__lt=now - dt.timedelta(seconds=settings.IMPORT_REQUEUE_AFTER))
    )
    for job in pending.order_by("pk"):
        if job.attempts >= MAX_ATTEMPTS:
            message = _("The import was started %(n)d times and never finished; nothing was stored.") % {
                "n": job.attempts
            }
            if _fail_if(job, ImportJob.Status.PENDING, message):
                report["failed"].append(job.pk)
        elif enqueue_import(job.pk):
            report["queued"].append(job.pk)
    deadline = now - dt.timedelta(seconds=settings.IMPORT_TIME_LIMIT + settings.IMPORT_STALE_MARGIN)
    for job in ImportJob.objects.filter(status=ImportJob.Status.RUNNING, started_at__lt=deadline).order_by("pk"):
        message = _(
            "The import stopped before finishing (the import worker ended while reading or storing the file); "
            "nothing was stored. Upload the file again."
        )
        if _fail_if(job, ImportJob.Status.RUNNING, message):
            report["failed"].append(job.pk)
    if report["queued"] or report["failed"]:
        logger.warning("Import sweep: queued %s, failed %s.", report["queued"], report["failed"])
    return report


def _fail_if(job: ImportJob, status: str, message: str) -> bool:
    """Fails ``job`` only if it is still as the sweep saw it (same status, same start)."""
    done = ImportJob.objects.filter(pk=job.pk, status=status, started_at=job.started_at).update(
        status=ImportJob.Status.FAILED,
        errors=[job_error(message)],
        errors_omitted=0,
        created=0,
        updated=0,
        unchanged=0,
        rows_done=0,
        finished_at=timezone.now(),
    )
    return bool(done)


# -- reads ------------------------------------------------------------------------------------


def imports_visible_to(*, user: AbstractBaseUser | AnonymousUser) -> QuerySet[ImportJob]:
    """Organisers see every import; an agency member sees the imports of the agency's campaigns."""
    jobs = ImportJob.objects.select_related("campaign__edition", "campaign__agency", "uploaded_by")
    if not user.is_authenticated:
        return jobs.none()
    if permissions.is_organiser(user):
        return jobs
    agency = permissions.agency_of(user)
    if agency is None:
        return jobs.none()
    return jobs.filter(campaign__agency_id=agency.pk)


def recent_imports(*, campaign: Campaign, limit: int = 10) -> list[ImportJob]:
    return list(ImportJob.objects.filter(campaign=campaign).select_related("uploaded_by").order_by("-id")[:limit])
