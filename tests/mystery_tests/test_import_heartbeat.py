# ruff: noqa: F811  (the iworld fixture is imported and then requested by name)
"""A running import shows it is alive (issue 13 follow-up): the task touches its job every
IMPORT_HEARTBEAT_SECONDS, the sweep fails a running job whose heartbeat stopped (its worker was
killed) within minutes rather than after the task's 32-minute time limit, and a job the sweep failed
stays failed: neither a re-delivery of its message nor the task still writing can store its results."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from mystery_tests import imports, tasks
from mystery_tests.models import ImportJob, TestResult, UploadReceipt
from tests.mystery_tests.test_imports_robustness import sweep_fails_only
from tests.support.workers import wait_until
from tests.support.world import csv_bytes, iworld, row  # noqa: F401  (fixture)


def _job(iworld, **fields) -> ImportJob:
    return iworld.import_job(
        "semaine.csv", file=SimpleUploadedFile("semaine.csv", csv_bytes([row(1), row(2)])), **fields
    )


def test_sweep_fails_a_running_job_whose_heartbeat_stopped_long_before_the_time_limit(iworld, settings):
    # Arrange: both started 5 minutes ago (the time limit is 30); one beat just now, one beat last 4 beats ago
    now = timezone.now()
    started = now - dt.timedelta(minutes=5)
    silent = now - dt.timedelta(seconds=settings.IMPORT_HEARTBEAT_STALE + 1)
    dead = _job(iworld, status="running", started_at=started, heartbeat_at=silent)
    alive = _job(iworld, status="running", started_at=started, heartbeat_at=now)

    # Act / Assert
    sweep_fails_only(dead, alive, now=now)


def test_sweep_fails_a_running_job_that_never_beat_once_silent_for_the_stale_period(iworld, settings):
    # Arrange: a job started before heartbeats existed (heartbeat_at empty), silent since it started
    now = timezone.now()
    job = _job(iworld, status="running", started_at=now - dt.timedelta(seconds=settings.IMPORT_HEARTBEAT_STALE + 1))

    # Act
    report = imports.sweep_stale_imports(now=now)

    # Assert
    job.refresh_from_db()
    assert report == {"queued": [], "failed": [job.pk]}
    assert job.status == "failed"


def test_redelivered_import_the_sweep_failed_does_nothing(iworld, settings):
    # Arrange: the worker was killed, the sweep failed the job; Celery delivers the unacknowledged message again
    now = timezone.now()
    job = _job(iworld, status="running", started_at=now - dt.timedelta(minutes=5), heartbeat_at=now, attempts=1)
    imports.sweep_stale_imports(now=now + dt.timedelta(seconds=settings.IMPORT_HEARTBEAT_STALE + 1))

    # Act
    status = tasks.run_import(job.pk, "en")

    # Assert
    job.refresh_from_db()
    assert (status, job.status, job.attempts) == ("failed", "failed", 1)
    assert "stopped before finishing" in job.errors[0]["message"]
    assert TestResult.objects.count() == 0


def test_import_failed_by_the_sweep_while_it_ran_stores_nothing(iworld, monkeypatch):
    # Arrange: the sweep (another process) fails the job while the task reads the file, before it writes
    job = _job(iworld)
    parse = imports.parse_file

    def sweep_meanwhile(**kwargs):
        silent = timezone.now() + dt.timedelta(hours=1)
        assert imports.sweep_stale_imports(now=silent)["failed"] == [job.pk]
        return parse(**kwargs)

    monkeypatch.setattr(imports, "parse_file", sweep_meanwhile)

    # Act
    ended = imports.import_run(job_id=job.pk)

    # Assert
    job.refresh_from_db()
    assert (ended.status, job.status) == ("failed", "failed")
    assert "stopped before finishing" in job.errors[0]["message"]
    assert TestResult.objects.count() == 0
    assert UploadReceipt.objects.count() == 0


def test_import_success_records_its_heartbeat_and_counts(iworld):
    # Arrange
    job = _job(iworld)

    # Act
    ended = imports.import_run(job_id=job.pk)

    # Assert
    assert (ended.status, ended.created, ended.rows_done) == ("succeeded", 2, 2)
    assert ended.started_at <= ended.heartbeat_at <= ended.finished_at
    assert TestResult.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_heartbeat_touches_the_running_job_and_stops_once_the_job_ended(iworld, settings):
    # Arrange
    settings.IMPORT_HEARTBEAT_SECONDS = 0.05
    started = timezone.now() - dt.timedelta(minutes=1)
    job = _job(iworld, status="running", started_at=started, heartbeat_at=started)

    # Act
    with imports.Heartbeat(job) as heartbeat:
        beat = wait_until(lambda: ImportJob.objects.get(pk=job.pk).heartbeat_at > started, timeout=30, interval=0.05)
        ImportJob.objects.filter(pk=job.pk).update(status="failed")
        stopped = wait_until(lambda: not heartbeat._thread.is_alive(), timeout=30, interval=0.05)

    # Assert
    assert beat
    assert stopped
