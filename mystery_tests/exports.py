"""CSV export of test results for organisers (admin action "Export results (CSV)").

Agencies write the comments and ids: a cell such as ``=cmd|' /C calc'!A0`` would run as a formula
when an organiser opens the export in a spreadsheet (CSV injection, OWASP). Every text cell that a
spreadsheet would read as a formula is prefixed with a quote, which displays the text as written.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from django.db.models import QuerySet

from .models import TestResult

# A spreadsheet starts a formula on these; tab and carriage return let a formula hide behind them.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")

COLUMNS = [
    "id",
    "external_id",
    "agency",
    "edition",
    "category",
    "brand",
    "channel",
    "performed_at",
    "reached",
    "wait_seconds",
    "response_hours",
    "score",
    "excluded",
    "exclusion_reason",
    "comment",
    "scores",
]


def neutralise(value: object) -> object:
    """Text a spreadsheet would evaluate becomes inert text (a leading quote); numbers stay numbers."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


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
        result.channel,
        result.performed_at.isoformat(),
        "true" if result.reached else "false",
        "" if result.wait_seconds is None else result.wait_seconds,
        "" if result.response_hours is None else result.response_hours,
        result.score,
        "true" if result.excluded else "false",
        result.exclusion_reason,
        result.comment,
        points,
    ]


def results_csv(*, results: QuerySet[TestResult] | Iterable[TestResult]) -> bytes:
    """UTF-8 CSV with a BOM (Excel reads the accents), one row per result in id order, injection-safe."""
    if isinstance(results, QuerySet):
        results = results.select_related("agency", "entry__brand", "entry__category__edition").order_by("pk")
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for result in results:
        writer.writerow([neutralise(value) for value in _row(result)])
    return ("\ufeff" + out.getvalue()).encode("utf-8")
