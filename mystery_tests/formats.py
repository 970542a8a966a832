"""File formats of a spreadsheet import (API.md "A file import"): which format a file is, and a CSV or
XLSX file read into text cells (a ``Sheet``), with the safety caps that bound what a hostile file
can cost (zip bombs, declared cells far away, headers of thousands of columns).
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING
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
# A CSV is read in chunks (memory holds one chunk, whatever the file's size), so its grid is bounded only
# against absurd files: 64 million cells is a million results of 64 columns.
CSV_MAX_CELLS = 64_000_000
# Cells per chunk (rows = this ÷ columns, a multiple of 1,000 rows between 1,000 and CHUNK_MAX_ROWS):
# about 20 MiB of text cells and 20,000 items of a usual file at a time.
CHUNK_CELLS = 500_000
CHUNK_MAX_ROWS = 20_000
READ_BLOCK = 1024 * 1024
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
    """A chunk of the file as text: ``cells`` is an object array of str (one column per name in
    ``columns``, blank = ``""``); ``rows[i]`` is the spreadsheet row of its i-th line (header = row 1)."""

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


def chunk_rows(columns: int) -> int:
    """Rows per chunk for a file of ``columns`` columns (see CHUNK_CELLS)."""
    return max(1000, min(CHUNK_MAX_ROWS, CHUNK_CELLS // max(columns, 1) // 1000 * 1000))


def _not_utf8(line: int) -> FileInvalid:
    return FileInvalid(
        [
            cell_error(
                1,
                None,
                _("The file is not UTF-8 text (the first invalid byte is on line %(line)d). Save it as “CSV UTF-8”.")
                % {"line": line},
            )
        ]
    )


@dataclass
class CsvShape:
    """What one pass over a CSV's bytes tells before pandas reads it: its header line, its lines, whether
    it holds anything but spaces. The pass also checks that the whole file is UTF-8."""

    header: bytes
    lines: int
    blank: bool


def _csv_shape(handle: IO[bytes]) -> CsvShape:
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    lines, blank, header, complete = 0, True, b"", False
    while block := handle.read(READ_BLOCK):
        try:
            decoder.decode(block)
        except UnicodeDecodeError as exc:
            raise _not_utf8(lines + block[: max(exc.start, 0)].count(b"\n") + 1) from None
        if not complete:
            header += block.split(b"\n", 1)[0]
            complete = b"\n" in block
        lines += block.count(b"\n")
        blank = blank and not block.removeprefix(b"\xef\xbb\xbf").strip()
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        raise _not_utf8(lines + 1) from None
    handle.seek(0)
    return CsvShape(header=header, lines=lines + 1, blank=blank)


def _sniff_separator(header_line: bytes) -> str:
    """``;`` or ``,``, as the header line uses it (Excel in French writes ``;``); ``,`` when it tells nothing.

    The header alone: it decides the columns (and the column cap is counted on it), and a comma
    inside a later comment must not sway the choice."""
    header = header_line.decode("utf-8-sig", errors="replace")
    try:
        return csv.Sniffer().sniff(header, delimiters=",;").delimiter
    except csv.Error:  # one column, or no separator at all
        return ","


def csv_chunks(handle: IO[bytes]) -> Iterator[Sheet]:
    """The CSV file as Sheets of at most ``chunk_rows`` lines each, header checked first (row 1).

    The bytes are checked (UTF-8, empty, column and cell caps) in one streamed pass before pandas
    reads them chunk by chunk; a CSV with a header and no line yields one empty Sheet."""
    import pandas as pd  # noqa: PLC0415 -- heavy: loaded when a file is read, not when Django starts

    shape = _csv_shape(handle)
    if shape.blank:
        raise FileInvalid([cell_error(1, None, _("The file is empty."))])
    separator = _sniff_separator(shape.header)
    # The grid pandas would build, bounded before it is built: a 2 MiB header of empty columns, or
    # lines of separators only, would otherwise cost gigabytes.
    columns = shape.header.count(separator.encode()) + 1
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
    if columns * shape.lines > CSV_MAX_CELLS:
        raise _too_many_cells(
            _("%(lines)s lines of %(columns)s columns") % {"lines": f"{shape.lines:,}", "columns": f"{columns:,}"},
            CSV_MAX_CELLS,
        )
    # Every cell stays the text it is (no NA detection, no type guessing); object columns rather
    # than pandas' string dtype, whose per-cell methods cost seconds and memory at 100,000 rows.
    reader = pd.read_csv(
        handle,
        sep=separator,
        header=None,
        dtype=object,
        encoding="utf-8-sig",
        keep_default_na=False,
        na_filter=False,
        skip_blank_lines=False,
        engine="c",
        chunksize=chunk_rows(columns),
    )
    header: _Header | None = None
    line = 1  # the spreadsheet row of the chunk's first line
    try:
        with reader:
            for frame in reader:
                cells = frame.to_numpy(dtype=object)
                del frame
                if header is None:
                    header = _Header.read(cells[0].tolist())
                    cells = cells[1:]
                    line = 2
                yield header.sheet(cells, first_row=line, decimal_comma=separator == ";")
                line += len(cells)
    except pd.errors.ParserError as exc:
        # e.g. "Expected 12 fields in line 40, saw 13": a row with more cells than the header.
        raise FileInvalid([cell_error(1, None, _("The CSV file cannot be read: %(error)s") % {"error": exc})]) from None
    except pd.errors.EmptyDataError:
        raise FileInvalid([cell_error(1, None, _("The file is empty."))]) from None


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


def _check_xlsx_inflation(handle: IO[bytes]) -> None:
    """Refuse a workbook whose parts would inflate beyond what any real results file needs.

    Reads the zip's directory only (declared sizes), before openpyxl decompresses anything.
    """
    with zipfile.ZipFile(handle) as archive:
        members = archive.infolist()
    handle.seek(0)
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


def xlsx_chunks(handle: IO[bytes], *, tz: ZoneInfo) -> Iterator[Sheet]:
    """The first sheet of the workbook as Sheets of at most CHUNK_MAX_ROWS rows with a value each."""
    if not handle.read(8).strip():
        raise FileInvalid([cell_error(1, None, _("The file is empty."))])
    handle.seek(0)
    try:
        _check_xlsx_inflation(handle)
        yield from _xlsx_chunks(handle, tz=tz)
    except FileInvalid:
        raise
    except Exception as exc:  # noqa: BLE001 - zip, XML (entities, "billion laughs") and openpyxl errors alike
        raise FileInvalid(
            [cell_error(1, None, _("The file is not a readable XLSX workbook (%(error)s).") % {"error": exc})]
        ) from None


def _too_many_cells(detail: str, limit: int) -> FileInvalid:
    return FileInvalid(
        [
            cell_error(
                1,
                None,
                _(
                    "The file is too large to import: %(detail)s (at most %(limit)s cells). Delete the stray "
                    "cells far below or to the right of the results, or save the results alone as a new file."
                )
                % {"detail": detail, "limit": f"{limit:,}"},
            )
        ]
    )


def _xlsx_chunks(handle: IO[bytes], *, tz: ZoneInfo) -> Iterator[Sheet]:
    """The first sheet's rows that hold a value (row 1, the header, always) as text cells, with their
    spreadsheet row numbers, a chunk at a time. Streamed in openpyxl's read-only mode, ignoring the
    declared dimension (it may lie): the rows are read as the XML has them, and reading stops once
    more cells than XLSX_MAX_CELLS were unpacked, or the rows with a value as wide as the widest
    would hold more (the grid a non-streamed reader would have built)."""
    workbook = load_workbook(handle, read_only=True, data_only=True, keep_links=False)
    try:
        if not workbook.worksheets:
            raise FileInvalid([cell_error(1, None, _("The file is empty."))])
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()  # the <dimension> a file declares is not trusted
        header: _Header | None = None
        kept: list[tuple] = []
        numbers: list[int] = []
        width = unpacked = rows_with_values = 0
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            unpacked += len(values) + 1
            if unpacked > XLSX_MAX_CELLS:
                raise _too_many_cells(
                    _("more than %(n)s cells up to row %(row)s") % {"n": f"{unpacked:,}", "row": number},
                    XLSX_MAX_CELLS,
                )
            end = len(values)
            while end and (values[end - 1] is None or values[end - 1] == ""):
                end -= 1
            if header is None:
                header = _Header.read([_xlsx_text(value, tz=tz) for value in values[:end]])
                width = end
                continue
            if not end:
                continue  # a blank row: skipped, as the CSV reader skips them
            width = max(width, end)
            rows_with_values += 1
            if (rows_with_values + 1) * width > XLSX_MAX_CELLS:
                raise _too_many_cells(
                    _("%(rows)s rows with values, as wide as column %(column)s")
                    % {"rows": f"{rows_with_values + 1:,}", "column": column_letter(width - 1)},
                    XLSX_MAX_CELLS,
                )
            kept.append(values[:end])
            numbers.append(number)
            if len(kept) >= CHUNK_MAX_ROWS:
                yield _xlsx_sheet(header, kept, numbers, tz=tz)
                kept, numbers = [], []
        if header is None or not width:
            raise FileInvalid([cell_error(1, None, _("The file is empty."))])
        yield _xlsx_sheet(header, kept, numbers, tz=tz)
    finally:
        workbook.close()


def _xlsx_sheet(header: _Header, kept: list[tuple], numbers: list[int], *, tz: ZoneInfo) -> Sheet:
    import numpy as np  # noqa: PLC0415 -- heavy: loaded when a file is read, not when Django starts

    width = max([len(header.names_at), *(len(values) for values in kept)])
    cells = np.full((len(kept), width), "", dtype=object)
    for position, values in enumerate(kept):
        cells[position, : len(values)] = [_xlsx_text(value, tz=tz) for value in values]
    return header.sheet(cells, rows=numbers, decimal_comma=True)


class _Header:
    """Row 1, checked once (every header problem at once), then applied to each chunk of lines."""

    def __init__(self, names_at: list[str], keep: list[int], names: list[str]) -> None:
        self.names_at = names_at  # the header's cell at each position ("" when unnamed)
        self.keep = keep
        self.names = names
        self.pending: list[dict] = []

    @classmethod
    def read(cls, cells: list) -> _Header:
        header = [str(v).strip().lower() for v in cells]
        errors: list[dict] = []
        keep: list[int] = []
        names: list[str] = []
        seen: dict[str, int] = {}
        for position, name in enumerate(header):
            if not name:
                continue  # an empty trailing column, as spreadsheets often save, is ignored (unless it has values)
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
        made = cls(header, keep, names)
        made.pending = errors  # raised with the first chunk, beside its unnamed columns that hold values
        return made

    def sheet(
        self, cells: np.ndarray, *, decimal_comma: bool, first_row: int = 2, rows: list[int] | None = None
    ) -> Sheet:
        """A chunk of body lines as a Sheet: the named columns, wholly blank lines skipped, each line
        with its spreadsheet row (``first_row`` onwards, or ``rows`` when they are not consecutive).

        A column without a name that holds a value is an error of row 1, naming its letter."""
        import numpy as np  # noqa: PLC0415 -- heavy: loaded when a file is read, not when Django starts

        width = cells.shape[1] if cells.ndim == 2 else 0
        unnamed = [p for p in range(width) if p >= len(self.names_at) or not self.names_at[p]]
        letters = [column_letter(p) for p in unnamed if any(str(v).strip() for v in cells[:, p].tolist())]
        errors = [
            cell_error(1, letter, _("Column %(letter)s has values but no name in row 1.") % {"letter": letter})
            for letter in letters
        ]
        errors, self.pending = self.pending + errors, []
        if errors:
            raise FileInvalid(errors)
        if not self.keep or not len(cells):
            body = np.empty((len(cells), len(self.keep)), dtype=object)
        else:
            body = cells[:, self.keep] if len(self.keep) < width else cells
        # Wholly blank lines (e.g. ";;;;" at the end of an export) are skipped; rows keep their spreadsheet number.
        filled = (body != "").any(axis=1) if self.keep and len(body) else np.zeros(len(body), dtype=bool)
        positions = filled.nonzero()[0]
        if len(positions) < len(body):
            body = body[positions]
        if rows is None:
            numbers = (positions + first_row).tolist()
        else:
            numbers = np.asarray(rows, dtype=np.int64)[positions].tolist()
        return Sheet(columns=self.names, cells=body, rows=numbers, decimal_comma=decimal_comma)
