"""The import job (API.md "A file import"): a CSV or XLSX file uploaded for a campaign becomes a job,
run by the Celery task ``mystery_tests.run_import``: read (``formats``), turned into items
(``sheets``), validated and stored by ``services.results_upload``, all or nothing. The job's states
(pending → running → succeeded | failed), its attempts and the periodic sweep live here.
"""

from __future__ import annotations

import contextlib
import ctypes
import datetime as dt
import logging
import threading

from celery import current_app
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.cache import cache
from django.core.files.uploadedfile import UploadedFile
from django.db import Error as DatabaseError
from django.db import connection, connections, transaction
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from . import services
from .formats import FileInvalid, ImportRefused, cell_error, detect_format
from .models import Campaign, ImportJob
from .sheets import parse_file, service_errors
from .validation import capped
from .writers import refresh_statistics

__all__ = ["FileInvalid", "ImportRefused", "MAX_ATTEMPTS", "import_create", "import_run", "sweep_stale_imports"]

logger = logging.getLogger(__name__)

PROGRESS_EVERY = 1000
# Rows written by an import before the results table's statistics are refreshed (then at each doubling).
ANALYZE_FIRST = 50_000
# A delivery of the import task that starts work counts as an attempt; past this the job is failed
# (a file that kills the worker each time must not be tried forever).
MAX_ATTEMPTS = 3


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


# Queued by name: mystery_tests/tasks.py imports this module (the task calls import_run).
RUN_IMPORT = "mystery_tests.run_import"


def enqueue_import(job_id: int, language: str | None = None) -> bool:
    """Hands the job to the broker and records when; False (logged) when the broker is unreachable."""
    # Recorded first: the task may start (and, eagerly, end) before ``delay`` returns.
    queued_at = ImportJob.objects.filter(pk=job_id).values_list("queued_at", flat=True).first()
    ImportJob.objects.filter(pk=job_id).update(queued_at=timezone.now())
    try:
        current_app.tasks[RUN_IMPORT].delay(job_id, language)
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
    """Hands the heap freed by a chunk back to the system before the next one is read.

    glibc keeps freed blocks in fragmented arenas, so without this an import's peak creeps up with
    the file (bench/bench_import.py); elsewhere than glibc it does nothing. No ``gc.collect``: a
    chunk's objects hold no cycles, and a full collection per chunk cost seconds per 100,000 rows."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


class ImportAbandoned(Exception):
    """The job is no longer this task's (the sweep failed it meanwhile): nothing is stored."""


class Heartbeat:
    """Touches the running job's ``heartbeat_at`` every IMPORT_HEARTBEAT_SECONDS while the task works.

    It beats from a thread of its own, on its own database connection: the import's write
    transaction does not hide the beats, and a task busy in one long call still beats. A worker
    killed (``kill -9``, out of memory) stops beating, and the sweep fails the job once its last beat
    is older than IMPORT_HEARTBEAT_STALE seconds, long before the task's time limit."""

    def __init__(self, job: ImportJob) -> None:
        self.job_id, self.started_at = job.pk, job.started_at
        self.interval = float(settings.IMPORT_HEARTBEAT_SECONDS)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"import-{job.pk}-heartbeat", daemon=True)

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._stop.set()
        self._thread.join()

    def beat(self) -> bool:
        """One beat; False once the job is no longer this run's (ended, or failed by the sweep)."""
        return bool(
            ImportJob.objects.filter(
                pk=self.job_id, status=ImportJob.Status.RUNNING, started_at=self.started_at
            ).update(heartbeat_at=timezone.now())
        )

    def _run(self) -> None:
        try:
            while not self._stop.wait(self.interval):
                try:
                    if not self.beat():
                        return
                except DatabaseError:  # e.g. PostgreSQL restarted: the next beat reconnects
                    logger.warning("Import %s: the heartbeat could not be written.", self.job_id, exc_info=True)
                    connections.close_all()
        finally:
            connections.close_all()  # this thread's connections only (Django's are per thread)


def import_run(*, job_id: int) -> ImportJob | None:
    """Parses, validates and stores one import, all or nothing; a re-delivered finished job is left alone.

    Every way this can end leaves the job ``succeeded`` or ``failed`` with its reason in ``errors``:
    a delivery counts as an attempt (one that killed the worker included), past MAX_ATTEMPTS the job
    is failed without reading the file again, and any exception fails it (nothing was stored: the
    service writes in one transaction). Only when the database itself cannot record the failure does
    the job stay ``running``, for ``sweep_stale_imports`` to end it. While it runs, a ``Heartbeat``
    shows the job alive; a delivery of a job the sweep has already failed (Celery re-delivers the
    message of a killed worker: acks_late) does nothing."""
    job = ImportJob.objects.select_related("campaign__edition", "campaign__agency", "uploaded_by").filter(pk=job_id)
    job = job.first()
    if job is None or job.status in (ImportJob.Status.SUCCEEDED, ImportJob.Status.FAILED):
        return job
    claimed = ImportJob.objects.filter(
        pk=job.pk, status__in=(ImportJob.Status.PENDING, ImportJob.Status.RUNNING)
    ).update(
        status=ImportJob.Status.RUNNING,
        started_at=(now := timezone.now()),
        heartbeat_at=now,
        attempts=F("attempts") + 1,
    )
    if not claimed:  # finished meanwhile
        job.refresh_from_db()
        return job
    job.refresh_from_db(fields=["status", "started_at", "heartbeat_at", "attempts"])
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
        with Heartbeat(job):
            return _run(job)
    except ImportAbandoned:
        logger.warning("Import %s was failed by the sweep while it ran; nothing was stored.", job.pk)
        job.refresh_from_db()
        return job
    except Exception as exc:  # noqa: BLE001 - every failure must end the job, with its reason
        logger.exception("Import %s failed.", job.pk)
        return _fail_after(job, exc)


def _failure_reason(exc: BaseException) -> str:
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


class _RolledBack(Exception):
    """Raised inside the import's transaction to undo what earlier chunks wrote."""


def _run(job: ImportJob) -> ImportJob:
    """Streams the file: each chunk is read, converted, validated and (while no chunk had an error)
    written, in ONE transaction; any error anywhere rolls everything back, and the later chunks are
    still read so that every problem is listed (bounded: ERRORS_MAX, in spreadsheet order)."""
    campaign = job.campaign
    try:
        with job.file.open("rb") as handle:
            job.rows_total = _estimated_rows(handle, job.format)
            job.save(update_fields=["rows_total"])
            parsed = parse_file(handle=handle, fmt=job.format, campaign=campaign)
            try:
                with transaction.atomic():
                    counts = _stream(job, parsed)
                    if counts is None:
                        raise _RolledBack
            except _RolledBack:
                counts = None
    except FileInvalid as exc:
        return _fail(job, exc.errors)
    except services.CampaignLocked as exc:
        return _fail(job, [cell_error(1, None, str(exc))])
    except OSError as exc:
        logger.exception("The file of import %s cannot be read.", job.pk)
        return _fail(
            job,
            [job_error(_("The uploaded file cannot be read (%(error)s); upload it again.") % {"error": exc})],
        )
    if counts is None:
        job.rows_total = parsed.rows
        job.save(update_fields=["rows_total"])
        return _fail(job, parsed.errors.result())
    job.refresh_from_db()
    with contextlib.suppress(Exception):  # progress is a hint: a cache that is down changes nothing
        cache.delete(progress_key(job.pk))
    return job


def _estimated_rows(handle, fmt: str) -> int:
    """Rows of a CSV counted from its line breaks (a quoted break in a comment counts one too many),
    to show progress against; exact once the import ends. 0 for a workbook: its rows are known when read."""
    if fmt != ImportJob.Format.CSV:
        return 0
    lines = last = 0
    while block := handle.read(1024 * 1024):
        lines += block.count(b"\n")
        last = block[-1]
    handle.seek(0)
    return max(0, lines - (1 if last == ord("\n") else 0))


def _stream(job: ImportJob, parsed) -> dict | None:
    """Inside the import's transaction: every chunk through ``services.StreamedUpload``; the counts, or
    None when a row had an error (the caller rolls back, ``parsed.errors`` lists them)."""
    upload = services.StreamedUpload(campaign=job.campaign, user=job.uploaded_by, import_job=job)
    done = last = 0

    def progress(count: int, *, final: bool = False) -> None:
        nonlocal last
        if count - last < PROGRESS_EVERY and not final:
            return
        last = count
        # Other processes read progress from the cache (the job's row is written in the transaction,
        # which hides it from them until commit).
        with contextlib.suppress(Exception):  # a cache that is down only hides the progress
            cache.set(progress_key(job.pk), count, timeout=24 * 3600)

    analyze_at = ANALYZE_FIRST
    for items, item_rows in parsed:
        if items:
            offset = done
            errors = upload.add(items, progress=lambda n, offset=offset: progress(offset + n))
            if errors:
                parsed.errors.extend(service_errors(errors, item_rows, items))
        done += len(items)
        if done >= analyze_at and not upload.failed:  # each time the rows written double: a few times per file
            refresh_statistics()
            analyze_at = 2 * done
        progress(done)
        _release_memory()
    if parsed.errors.total or upload.failed:
        return None
    progress(done, final=True)
    counts = upload.finish()
    # In the upload's transaction: the results and the job's success commit together, and only if the
    # job is still this run's (the sweep fails a job whose heartbeat stopped; its failure wins).
    succeeded = ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.RUNNING, started_at=job.started_at).update(
        status=ImportJob.Status.SUCCEEDED,
        rows_total=parsed.rows,
        rows_done=parsed.rows,
        created=counts["created"],
        updated=counts["updated"],
        unchanged=counts["unchanged"],
        errors=[],
        errors_omitted=0,
        finished_at=timezone.now(),
    )
    if not succeeded:
        raise ImportAbandoned(job.pk)
    return counts


def sweep_stale_imports(*, now: dt.datetime | None = None) -> dict[str, list[int]]:
    """Ends or restarts the imports nothing is working on (run by Celery beat, like the rankings sweep).

    - pending and never handed to the broker (it was down at upload) for IMPORT_QUEUE_GRACE seconds,
      or handed to it longer than IMPORT_REQUEUE_AFTER ago (the message was lost): queued again,
      unless it already used its MAX_ATTEMPTS, then failed;
    - running with no heartbeat for IMPORT_HEARTBEAT_STALE seconds (the worker was killed: ``kill -9``,
      out of memory), or since longer than the task's hard time limit (the database could not record
      the end): failed with the reason. A later delivery of its message finds it failed and does nothing.
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
    silent = now - dt.timedelta(seconds=settings.IMPORT_HEARTBEAT_STALE)
    running = ImportJob.objects.filter(status=ImportJob.Status.RUNNING).annotate(
        last_beat=Coalesce("heartbeat_at", "started_at")
    )
    for job in running.filter(Q(started_at__lt=deadline) | Q(last_beat__lt=silent)).order_by("pk"):
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
    """Fails ``job`` only if it is still as the sweep saw it (same status, same start, no new heartbeat)."""
    done = ImportJob.objects.filter(
        pk=job.pk, status=status, started_at=job.started_at, heartbeat_at=job.heartbeat_at
    ).update(
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
