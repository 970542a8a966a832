"""Sheet reading (API.md "A file import"): the text cells of a file become the JSON items of
``services.results_upload``, so a file is validated and stored by exactly the same code as JSON.

A file is read a chunk of rows at a time (``ParsedFile``), so memory holds one chunk whatever the
file's size. Every column of a chunk is converted at once: the conversion reports wrong types with their
spreadsheet row and column, ``results_upload`` reports the rule-book errors by item index, and both lists are merged
in spreadsheet order (``service_errors``, ``sorted_errors``).
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Iterable, Iterator
from typing import IO
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _

from .fields import FILE_OPTIONAL_COLUMNS, FILE_REQUIRED_COLUMNS, FILE_TEXT_COLUMNS, NUMBER_FIELDS
from .formats import FileInvalid, Sheet, cell_error, csv_chunks, xlsx_chunks
from .models import Campaign, Criterion, ImportJob
from .validation import CappedErrors, ErrorList, duplicate_message

# The file's columns, from the one description of a result's fields (mystery_tests.fields).
REQUIRED_COLUMNS: tuple[str, ...] = FILE_REQUIRED_COLUMNS
OPTIONAL_COLUMNS: tuple[str, ...] = FILE_OPTIONAL_COLUMNS
NUMBER_COLUMNS: tuple[str, ...] = NUMBER_FIELDS
# The contract's booleans, plus VRAI/FAUX: what a French Excel writes for a boolean cell saved as CSV.
TRUE_WORDS = frozenset({"true", "1", "yes", "oui", "vrai"})
FALSE_WORDS = frozenset({"false", "0", "no", "non", "faux"})
# ISO 8601 with a mandatory offset; a space may separate date and time, as spreadsheets write it.
ISO_WITH_OFFSET_RE = re.compile(
    r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d{1,6})?)?(?:Z|[+-]\d{2}(?::?\d{2})?)$"
)


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
    import numpy as np  # noqa: PLC0415 -- heavy: loaded when a file is read, not when Django starts

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


def sheet_to_items(sheet: Sheet, *, codes: set[str], errors: CappedErrors) -> tuple[list[dict], list[int]]:
    """The JSON items of a chunk's rows without a type error and their spreadsheet rows; the type errors
    go to ``errors`` (the first ERRORS_MAX in spreadsheet order; the others only counted), and
    ``errors.faulty_rows`` counts the rows that have one. The header was checked (``check_columns``)."""
    rows = sheet.rows
    n = len(rows)
    if not n:
        return [], []
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
    errors.faulty_rows += sum(faulty)  # every row is an item or has an error: rows_total counts both
    texts = {name: sheet.column(name) if name in sheet.columns else [""] * n for name in FILE_TEXT_COLUMNS}
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
                **{name: values[i] for name, values in numbers.items()},
                "scores": scores[i],
                **{name: values[i] for name, values in texts.items()},
            }
        )
        item_rows.append(rows[i])
    return items, item_rows


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


class SeenKeys:
    """The external ids of the earlier chunks of a file, to name a key repeated across chunks.

    Held per chunk as sorted 64-bit hashes beside their rows (12 bytes a row, never a set of strings,
    and never re-sorted as one array: a million rows cost 12 MiB and no transient copies). Two different
    keys share a hash with odds of about n² / 2⁶⁵ (3 in 100 million for a million rows): such a file
    would be refused naming both rows as repeats."""

    def __init__(self) -> None:
        self._chunks: list[tuple] = []  # (sorted hashes, their rows) per earlier chunk

    @staticmethod
    def _hash(key: str) -> int:
        return int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "little", signed=True)

    def check_and_add(self, items: list[dict], item_rows: list[int], errors: CappedErrors) -> tuple[list, list]:
        """``items`` without those whose key an earlier chunk holds (each an error naming both rows), then
        remembers this chunk's keys (repeats inside the chunk are the service's to name)."""
        import numpy as np  # noqa: PLC0415 -- heavy: loaded when a file is read, not when Django starts

        if not items:
            return items, item_rows
        hashes = np.fromiter((self._hash(item["external_id"]) for item in items), dtype=np.int64, count=len(items))
        earlier: dict[int, int] = {}  # item position → the earlier row holding its key
        for seen, rows in self._chunks:
            at = np.searchsorted(seen, hashes).clip(max=len(seen) - 1)
            for i in (seen[at] == hashes).nonzero()[0].tolist():
                earlier.setdefault(i, int(rows[at[i]]))
        kept_items, kept_rows = items, item_rows
        if earlier:
            for i, row in sorted(earlier.items()):
                message = duplicate_message(items[i]["external_id"], [row, item_rows[i]], rows=True)
                errors.append(cell_error(item_rows[i], "external_id", message))
            errors.faulty_rows += len(earlier)
            kept_items = [item for i, item in enumerate(items) if i not in earlier]
            kept_rows = [row for i, row in enumerate(item_rows) if i not in earlier]
        order = np.argsort(hashes, kind="stable")
        self._chunks.append((hashes[order], np.asarray(item_rows, dtype=np.int32)[order]))
        return kept_items, kept_rows


class ParsedFile:
    """A file import's rows, read chunk by chunk: iterate to get each chunk's ``(items, item_rows)``.

    The header is checked with the first chunk (``FileInvalid`` lists its problems); each chunk's type
    errors and keys repeated from an earlier chunk go to ``errors`` (bounded, spreadsheet order), and
    those rows are left out of its items. ``rows`` counts the rows read (items and faulty rows alike);
    a file with a header and no row is ``FileInvalid`` once read."""

    def __init__(self, *, handle: IO[bytes], fmt: str, campaign: Campaign) -> None:
        edition = campaign.edition
        self.codes = set(Criterion.objects.filter(edition=edition).values_list("code", flat=True))
        self.handle, self.fmt, self.tz = handle, fmt, ZoneInfo(edition.time_zone)
        self.columns: list[str] = []
        self.errors = row_errors([])
        self.rows = 0
        self.items = 0

    def __iter__(self) -> Iterator[tuple[list[dict], list[int]]]:
        xlsx = self.fmt == ImportJob.Format.XLSX
        chunks = xlsx_chunks(self.handle, tz=self.tz) if xlsx else csv_chunks(self.handle)
        seen = SeenKeys()
        for number, sheet in enumerate(chunks):
            if not number:
                header_errors = check_columns(sheet.columns, codes=self.codes)
                if header_errors:
                    raise FileInvalid(header_errors)
                self.columns = list(sheet.columns)
                self.errors = row_errors(self.columns)
            self.rows += len(sheet.rows)
            items, item_rows = sheet_to_items(sheet, codes=self.codes, errors=self.errors)
            del sheet
            items, item_rows = seen.check_and_add(items, item_rows, self.errors)
            self.items += len(items)
            yield items, item_rows
        if not self.rows:
            raise FileInvalid([cell_error(2, None, _("The file has a header row but no test result."))])


def parse_file(*, handle: IO[bytes], fmt: str, campaign: Campaign) -> ParsedFile:
    """The file open in ``handle`` as a ``ParsedFile`` (read when iterated)."""
    return ParsedFile(handle=handle, fmt=fmt, campaign=campaign)
