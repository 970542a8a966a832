"""Where an accepted upload is written: one ``ResultWriter`` interface, two implementations.

``OrmResultWriter`` is the portable path (SQLite in development and tests). ``CopyResultWriter`` is
PostgreSQL's fast path: building 10,000 model instances costs seconds, so rows are streamed with
COPY into a temporary table, then inserted, updated and their history written with set-based
statements. Both write the same rows and the same history (tests/mystery_tests/test_upload_writers.py); the
upload service (``services.results_upload``) decides what to write and holds the locks.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from abc import ABC, abstractmethod
from collections.abc import Sequence

from django.db import connection

from .fields import CONTENT_FIELDS, RESULT_FIELDS, UPLOAD_MODEL_FIELDS
from .models import Campaign, ResultEvent, TestResult
from .validation import CleanResult

# Rows per query when writing results in bulk: well under SQLite's variable limit.
CHUNK = 1000


def version_data(row: dict) -> dict:
    """A replaced version as the history keeps it: its upload fields, score and version number.

    ``row`` is the stored row as read by the upload (``TestResult.objects.values()``)."""
    return {
        **{f.name: f.to_json(row[f.stored]) for f in RESULT_FIELDS},
        "score": row["score"],
        "version": row["version"],
    }


class ResultWriter(ABC):
    """Writes new results and replacements, with their history events, inside the caller's transaction.

    ``updates`` pairs each replacing item with the stored row it replaces (a ``values()`` dict holding
    at least the content fields, ``id``, ``external_id``, ``score``, ``version`` and ``fingerprint``).
    """

    @abstractmethod
    def write(
        self,
        *,
        campaign: Campaign,
        creates: Sequence[CleanResult],
        updates: Sequence[tuple[CleanResult, dict]],
        user_id: int | None,
    ) -> None: ...


def writer_for(vendor: str | None = None) -> ResultWriter:
    """The writer for the database in use (``vendor``: a connection's ``vendor``, by default the default one's)."""
    vendor = vendor or connection.vendor
    return CopyResultWriter() if vendor == "postgresql" else OrmResultWriter()


def _result_row(campaign: Campaign, clean: CleanResult, *, pk: int | None = None, version: int = 1) -> TestResult:
    return TestResult(
        pk=pk,
        agency_id=campaign.agency_id,
        external_id=clean.external_id,
        campaign_id=campaign.pk,
        **{f.stored: getattr(clean, f.stored) for f in CONTENT_FIELDS},
        score=clean.score,
        fingerprint=clean.fingerprint,
        version=version,
    )


class OrmResultWriter(ResultWriter):
    """bulk_create for new rows, an upsert for replaced rows, bulk_create for their events."""

    def write(self, *, campaign, creates, updates, user_id) -> None:
        events: list[ResultEvent] = []
        if creates:
            rows = [_result_row(campaign, clean) for clean in creates]
            TestResult.objects.bulk_create(rows, batch_size=CHUNK)
            events.extend(
                ResultEvent(
                    result_id=row.pk,
                    kind=ResultEvent.Kind.CREATED,
                    user_id=user_id,
                    data={"version": 1},
                    fingerprint=row.fingerprint,
                )
                for row in rows
            )
        if updates:
            rows = [_result_row(campaign, clean, pk=old["id"], version=old["version"] + 1) for clean, old in updates]
            # An upsert on the natural key: one statement per chunk instead of bulk_update's CASE per field.
            TestResult.objects.bulk_create(
                rows,
                batch_size=CHUNK,
                update_conflicts=True,
                unique_fields=["agency", "external_id"],
                update_fields=list(UPLOAD_MODEL_FIELDS),
            )
            events.extend(
                ResultEvent(
                    result_id=old["id"],
                    kind=ResultEvent.Kind.REPLACED,
                    user_id=user_id,
                    data=version_data(old),
                    fingerprint=old["fingerprint"],
                )
                for _, old in updates
            )
        ResultEvent.objects.bulk_create(events, batch_size=CHUNK)


# -- PostgreSQL: COPY into a staging table, then set-based statements --------------------------------
_STAGE = "mystery_tests_upload_stage"
_STAGED = tuple(f for f in RESULT_FIELDS if f.name != "external_id")  # external_id is the join key
# result_id: the stored row a replacement updates (NULL for a new row), so that the update and its history
# join the results by primary key, whatever the planner believes of the agency's rows.
_STAGE_COLUMNS = (
    "external_id",
    *(f.stored for f in _STAGED),
    "score",
    "version",
    "event_kind",
    "fingerprint",
    "result_id",
)
_NULLABLE = ", ".join([*(f.stored for f in _STAGED if f.nullable), "result_id"])
_STAGE_CREATE = f"""
    CREATE TEMPORARY TABLE {_STAGE} (
        external_id varchar(100) NOT NULL,
        {", ".join(f"{f.stored} {f.sql_type}{'' if f.nullable else ' NOT NULL'}" for f in _STAGED)},
        score double precision NOT NULL, version integer NOT NULL, event_kind varchar(10) NOT NULL,
        fingerprint varchar(64) NOT NULL, result_id bigint
    ) ON COMMIT DROP
"""
_CONTENT = ", ".join(f.stored for f in _STAGED)
# New rows are inserted; replaced rows are updated in place through a join (cheaper than an
# INSERT … ON CONFLICT that collides on every row). The agency lock taken by the upload guarantees
# that no other upload inserts the same keys meanwhile.
_STAGE_INSERT = f"""
    WITH inserted AS (
        INSERT INTO mystery_tests_testresult (
            agency_id, external_id, campaign_id, {_CONTENT}, score, fingerprint, excluded, exclusion_reason,
            version, created_at, updated_at
        )
        SELECT %(agency)s, external_id, %(campaign)s, {_CONTENT}, score, fingerprint, false, '', version, now(), now()
        FROM {_STAGE} WHERE event_kind = 'created'
        RETURNING id, fingerprint
    )
    INSERT INTO mystery_tests_resultevent (result_id, kind, at, user_id, reason, data, fingerprint)
    SELECT id, 'created', now(), %(user)s, '', '{{"version": 1}}'::jsonb, fingerprint FROM inserted
"""  # noqa: S608 -- table and column names come from the field list; values are parameters
_STAGE_UPDATE = f"""
    UPDATE mystery_tests_testresult r SET
        campaign_id = %(campaign)s, {", ".join(f"{f.stored} = s.{f.stored}" for f in _STAGED)},
        score = s.score, fingerprint = s.fingerprint, version = s.version, updated_at = now()
    FROM {_STAGE} s
    WHERE s.event_kind = 'replaced' AND r.id = s.result_id
"""  # noqa: S608 -- table and column names come from the field list; values are parameters
# The history: a created row's event is written by the insert itself (RETURNING: no join back to the
# results, whose plan went wrong with the statistics of before a large import); a replaced row's event,
# holding the version it replaces (the same JSON as ``version_data``, built by PostgreSQL from the
# stored row), before the update.
# ``datetime.isoformat()`` in UTC: microseconds only when there are some.
_ISO_UTC = """to_char(r.{column} AT TIME ZONE 'UTC', CASE
            WHEN date_part('microseconds', r.{column})::bigint %% 1000000 = 0
            THEN 'YYYY-MM-DD"T"HH24:MI:SS"+00:00"' ELSE 'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"' END)"""


def _json_pair(field) -> str:
    value = _ISO_UTC.format(column=field.stored) if field.kind == "datetime" else f"r.{field.stored}"
    return f"'{field.name}', {value}"


_STAGE_REPLACED_EVENTS = f"""
    INSERT INTO mystery_tests_resultevent (result_id, kind, at, user_id, reason, data, fingerprint)
    SELECT r.id, 'replaced', now(), %(user)s, '', jsonb_build_object(
        {", ".join(_json_pair(f) for f in RESULT_FIELDS)}, 'score', r.score, 'version', r.version), r.fingerprint
    FROM {_STAGE} s
    JOIN mystery_tests_testresult r ON r.id = s.result_id
    WHERE s.event_kind = 'replaced'
"""  # noqa: S608 -- table and column names come from the field list; values are parameters


def _boolean(value: object) -> str:
    return "t" if value else "f"


def _as_is(value: object) -> object:
    return value


# How each staged field's value is written in the COPY text, chosen once per field rather than per cell.
_STAGE_CONVERTERS = tuple(
    (f.stored, {"datetime": dt.datetime.isoformat, "boolean": _boolean, "points": json.dumps}.get(f.kind, _as_is))
    for f in _STAGED
)


def _stage_row(clean: CleanResult, version: int, kind: str, result_id: int | None = None) -> tuple:
    return (
        clean.external_id,
        *[convert(getattr(clean, name)) for name, convert in _STAGE_CONVERTERS],
        clean.score,
        version,
        kind,
        clean.fingerprint,
        result_id,
    )


def refresh_statistics() -> None:
    """PostgreSQL only: ANALYZE the results table inside the current transaction.

    A streamed import writes hundreds of thousands of rows in one transaction, which autovacuum
    cannot see: with the table's statistics from before the import, the planner takes the rows of the
    agency as few, looks the next chunk's keys up through the agency's index alone and filters every
    row already written (a scan per 1,000 keys that grows with the file). ANALYZE counts the rows the
    transaction inserted, and the lookups go through the (agency, external_id) index again."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {TestResult._meta.db_table}")


class CopyResultWriter(ResultWriter):
    """PostgreSQL only: one COPY of every row into a staging table, then three set-based statements."""

    def write(self, *, campaign, creates, updates, user_id) -> None:
        # UTF-8 bytes, not a StringIO: one accented comment would make a StringIO hold 4 bytes per
        # character for the whole batch.
        buffer = io.BytesIO()
        text = io.TextIOWrapper(buffer, encoding="utf-8", newline="")
        # Every string is quoted, so no comment can be read as NULL; None becomes "" and only the
        # nullable columns turn "" into NULL (FORCE_NULL).
        writer = csv.writer(text, quoting=csv.QUOTE_NONNUMERIC)
        writer.writerows(_stage_row(clean, 1, ResultEvent.Kind.CREATED) for clean in creates)
        writer.writerows(
            _stage_row(clean, old["version"] + 1, ResultEvent.Kind.REPLACED, old["id"]) for clean, old in updates
        )
        text.detach()  # flushes, and leaves the buffer open when the wrapper goes away
        buffer.seek(0)
        params = {"agency": campaign.agency_id, "campaign": campaign.pk, "user": user_id}
        with connection.cursor() as cursor:
            # The table lives until commit; dropping it first lets two uploads share one outer transaction.
            cursor.execute(f"DROP TABLE IF EXISTS {_STAGE}")
            cursor.execute(_STAGE_CREATE)
            cursor.cursor.copy_expert(
                f"COPY {_STAGE} ({', '.join(_STAGE_COLUMNS)}) FROM STDIN WITH (FORMAT csv, FORCE_NULL ({_NULLABLE}))",
                buffer,
            )
            if updates:
                cursor.execute(_STAGE_REPLACED_EVENTS, params)
                cursor.execute(_STAGE_UPDATE, params)
            if creates:
                cursor.execute(_STAGE_INSERT, params)  # the rows and their "created" events
            cursor.execute(f"DROP TABLE {_STAGE}")
