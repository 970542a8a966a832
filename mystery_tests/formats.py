"""File formats of a spreadsheet import (API.md "A file import"): which format a file is, and a CSV or
XLSX file read into text cells (a ``Sheet``), with the safety caps that bound what a hostile file
can cost (zip bombs, declared cells far away, headers of thousands of columns).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from dataclasses import dataclass
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from .models import ImportJob
from .validation import capped

if TYPE_CHECKING:  # pandas and numpy are heavy: imported when a file is read, not when Django starts
    import numpy as np

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
    return get_column_letter(position + 1)


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
    """``;`` or ``,``, as the header line uses it (Excel in French writes ``;``); ``,`` when it tells nothing.

    The header alone: it decides the columns (and the column cap is counted on it), and a comma
    inside a later comment must not sway the choice."""
    header = data.split(b"\n", 1)[0].decode("utf-8-sig", errors="replace")
    try:
        return csv.Sniffer().sniff(header, delimiters=",;").delimiter
    except csv.Error:  # one column, or no separator at all
        return ","


def read_csv(data: bytes) -> Sheet:
    import pandas as pd  # noqa: PLC0415 -- heavy: loaded when a file is read, not when Django starts

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
    import numpy as np  # noqa: PLC0415 -- heavy: loaded when a file is read, not when Django starts

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
    import numpy as np  # noqa: PLC0415 -- heavy: loaded when a file is read, not when Django starts

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
