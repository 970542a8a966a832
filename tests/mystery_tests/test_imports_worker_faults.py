# ruff: noqa: F811  (the iworld fixture is imported and then requested by name)
"""File imports against real faults (issue 13, findings 6 and 10), with a gunicorn server, a Celery
worker and a Redis of the test's own on the pytest PostgreSQL database:

1. a poison XLSX (a header, a cell in column XFD, one in row 1,048,576) fails with its reason and
   the same worker, still up, runs the next import;
2. the worker killed (SIGKILL) while an import reads its file: the job, which kept beating while the
   task was busy, stops beating and is failed by the sweep within seconds (not after the task's time
   limit); nothing is stored, and a re-delivery of its message leaves it failed;
3. the worker's database session ended inside the import's write transaction (as a PostgreSQL
   restart does): the job is failed with the reason, recorded on a new connection, nothing stored;
4. Redis down at upload: the agency gets its 202 and a ``pending`` import; Redis back, the beat's
   sweep queues it and the worker runs it.

Run with REDIS_URL and a PostgreSQL DATABASE_URL; skipped otherwise.
"""

from __future__ import annotations

import datetime as dt
import io
import signal

import openpyxl
import pytest
import requests
from celery import Celery
from django.db import connection
from django.db.models import F

from mystery_tests import imports
from mystery_tests.models import ImportJob, TestResult
from mystery_tests.services import agency_api_token
from tests.support.workers import gunicorn, private_redis, wait_until, worker
from tests.support.world import HEADER, csv_bytes, iworld, row  # noqa: F401  (fixture)

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def _sparse_workbook() -> bytes:
    book = openpyxl.Workbook()
    book.active.append(HEADER)
    book.active.cell(row=1, column=16_384, value="far")
    book.active.cell(row=1_048_576, column=1, value="T-99999")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _upload(base: str, token: str, campaign_id: int, name: str, data: bytes) -> requests.Response:
    return requests.post(
        f"{base}/api/v1/campaigns/{campaign_id}/imports/",
        headers={"Authorization": f"Token {token}", "Accept-Language": "en"},
        files={"file": (name, data, "application/octet-stream")},
        timeout=60,
    )


def _status(job_id: int) -> str:
    return ImportJob.objects.get(pk=job_id).status


def _send(broker: str, task: str) -> None:
    """Queues ``task`` by name, as the beat does."""
    _send_args(broker, task, [])


def _send_args(broker: str, task: str, args: list) -> None:
    """Queues ``task`` by name with ``args`` (as a re-delivery of its message does)."""
    # Not the current app: the project queues its tasks through current_app, and a later test's worker must
    # not inherit this test's (stopped) broker.
    client = Celery(broker=broker, set_as_current=False)
    try:
        client.send_task(task, args=args)
    finally:
        client.close()


def test_worker_survives_a_poison_xlsx_and_runs_the_next_import(iworld, tmp_path):
    # Arrange
    token, _created = agency_api_token(agency=iworld.agency_a)
    with (
        private_redis() as (redis, env),
        gunicorn(env=env, log=tmp_path / "server.log") as base,
        worker(env=env, log=tmp_path / "worker.log") as process,
    ):
        # Act
        poison = _upload(base, token, iworld.campaign_a.pk, "poison.xlsx", _sparse_workbook())
        failed = wait_until(lambda: _status(poison.json()["id"]) == "failed", timeout=120)
        good = _upload(base, token, iworld.campaign_a.pk, "semaine.csv", csv_bytes([row(1), row(2)]))
        succeeded = wait_until(lambda: _status(good.json()["id"]) == "succeeded", timeout=120)
        alive = process.poll() is None

    # Assert
    assert (poison.status_code, good.status_code) == (202, 202)
    assert failed, (tmp_path / "worker.log").read_text()
    assert [(e["row"], e["column"]) for e in ImportJob.objects.get(pk=poison.json()["id"]).errors] == [(1, "far")]
    assert succeeded, (tmp_path / "worker.log").read_text()
    assert alive
    assert TestResult.objects.count() == 2


def test_worker_killed_during_an_import_the_sweep_fails_the_job(iworld, tmp_path, settings):
    # Arrange: heartbeats every second (the sweep fails a job silent for 3 s), a worker slowed while reading
    settings.IMPORT_HEARTBEAT_SECONDS, settings.IMPORT_HEARTBEAT_STALE = 1, 3
    token, _created = agency_api_token(agency=iworld.agency_a)
    marker = tmp_path / "reading"
    with private_redis(IMPORT_HEARTBEAT_SECONDS="1") as (redis, env):
        slow_env = {**env, "IMPORT_SLOW_MARKER": str(marker), "IMPORT_SLOW_SECONDS": "120"}
        with gunicorn(env=env, log=tmp_path / "server.log") as base:
            with worker(app="tests.support.slow_import_worker_app", env=slow_env, log=tmp_path / "slow.log") as slow:
                # Act
                response = _upload(base, token, iworld.campaign_a.pk, "semaine.csv", csv_bytes([row(1)]))
                job_id = response.json()["id"]
                reached = wait_until(marker.exists, timeout=120)
                started = ImportJob.objects.values_list("started_at", flat=True).get(pk=job_id)
                # The task sleeps in one call, yet its job keeps beating: the sweep leaves it alone.
                beating = wait_until(
                    lambda: ImportJob.objects.get(pk=job_id).heartbeat_at > started + dt.timedelta(seconds=2),
                    timeout=60,
                )
                while_alive = imports.sweep_stale_imports()
                slow.send_signal(signal.SIGKILL)
                slow.wait(timeout=20)
            left = _status(job_id)
            # The beat's ticks: within seconds of the kill, not after the task's 32-minute time limit.
            swept = wait_until(lambda: job_id in imports.sweep_stale_imports()["failed"], timeout=60, interval=0.5)
            with worker(env=env, log=tmp_path / "worker.log"):
                # Celery delivers the killed worker's message again (acks_late); then a new upload.
                _send_args(redis.url, "mystery_tests.run_import", [job_id, "en"])
                after = _upload(base, token, iworld.campaign_a.pk, "semaine.csv", csv_bytes([row(2)]))
                next_ran = wait_until(lambda: _status(after.json()["id"]) == "succeeded", timeout=120)

    # Assert
    job = ImportJob.objects.get(pk=job_id)
    assert reached, (tmp_path / "slow.log").read_text()
    assert beating, (tmp_path / "slow.log").read_text()
    assert while_alive == {"queued": [], "failed": []}
    assert slow.returncode == -signal.SIGKILL
    assert left == "running"
    assert swept
    assert (job.status, job.attempts) == ("failed", 1)
    assert "stopped before finishing" in job.errors[0]["message"]
    assert next_ran, (tmp_path / "worker.log").read_text()
    assert list(TestResult.objects.values_list("external_id", flat=True)) == [row(2)["external_id"]]


def _terminate_other_backends() -> int:
    """Ends every other session on the test database, as a PostgreSQL restart ends the worker's."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0]


def test_worker_database_connection_lost_during_the_write_fails_the_job(iworld, tmp_path):
    # Arrange
    token, _created = agency_api_token(agency=iworld.agency_a)
    marker = tmp_path / "writing"
    with private_redis() as (redis, env):
        slow_env = {**env, "IMPORT_SLOW_MARKER": str(marker), "IMPORT_SLOW_SECONDS": "3", "IMPORT_SLOW_AT": "write"}
        with (
            gunicorn(env=env, log=tmp_path / "server.log") as base,
            worker(app="tests.support.slow_import_worker_app", env=slow_env, log=tmp_path / "slow.log") as process,
        ):
            # Act
            response = _upload(base, token, iworld.campaign_a.pk, "semaine.csv", csv_bytes([row(1), row(2)]))
            reached = wait_until(marker.exists, timeout=120)
            terminated = _terminate_other_backends()
            ended = wait_until(lambda: _status(response.json()["id"]) in ("succeeded", "failed"), timeout=120)
            alive = process.poll() is None

    # Assert
    job = ImportJob.objects.get(pk=response.json()["id"])
    assert reached, (tmp_path / "slow.log").read_text()
    assert terminated >= 1
    assert ended, (tmp_path / "slow.log").read_text()
    assert job.status == "failed"
    assert job.errors[0]["message"] == (
        "The database was unavailable during the import; nothing was stored. Upload the file again."
    )
    assert alive
    assert TestResult.objects.count() == 0


def test_upload_with_redis_down_answers_202_and_the_sweep_runs_the_import(iworld, tmp_path):
    # Arrange
    token, _created = agency_api_token(agency=iworld.agency_a)
    with private_redis(LOG_LEVEL="INFO") as (redis, env):
        server_log = tmp_path / "server.log"
        with gunicorn(env=env, log=server_log) as base:
            redis.stop()
            # Act
            response = _upload(base, token, iworld.campaign_a.pk, "semaine.csv", csv_bytes([row(1), row(2)]))
        job_id = response.json()["id"]
        pending = ImportJob.objects.values_list("status", "queued_at").get(pk=job_id)
        redis.start()
        # The grace after upload has passed (the sweep leaves a job just uploaded to its own enqueue).
        ImportJob.objects.filter(pk=job_id).update(created_at=F("created_at") - dt.timedelta(minutes=5))
        with worker(env=env, log=tmp_path / "worker.log"):
            _send(redis.url, "mystery_tests.sweep_imports")  # the beat's periodic tick
            succeeded = wait_until(lambda: _status(job_id) == "succeeded", timeout=120)

    # Assert
    assert (response.status_code, response.json()["status"]) == (202, "pending")
    assert pending == ("pending", None)
    assert "Could not queue import" in server_log.read_text()
    assert succeeded, (tmp_path / "worker.log").read_text()
    assert TestResult.objects.count() == 2
