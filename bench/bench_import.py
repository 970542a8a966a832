"""Benchmark of a spreadsheet import end to end (runner: bench/run.py).

Builds an edition with ~445 entries (``--size smoke``: 23), writes a 100,000-row CSV (smoke: 5,000)
the way a French field team's Excel does (``;``, BOM, oui/non, decimal commas, one column per
criterion code), starts gunicorn on 127.0.0.1:8130 and, on PostgreSQL, a Celery worker (solo pool)
on Redis database 4, POSTs the file to ``/api/v1/campaigns/{id}/imports/`` and polls the import
until it has succeeded. Reports the wall time from the POST to ``succeeded``, the worker's peak
resident memory, how progress moved, a re-import of the same file (all unchanged) and the
baseline: psycopg2 COPY of the same rows into a temporary table. Without Redis (smoke on SQLite)
the task runs eagerly inside the gunicorn worker, whose memory is then the one measured.
Everything it created is deleted at the end.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator

from bench.common import ROOT, gunicorn, memory_kib, setup_django

TARGET_S = 30.0
TARGET_MIB = 500.0
SIZES = {"full": 100_000, "smoke": 5_000}
PORT = 8130
REDIS_URL = os.environ.get("BENCH_IMPORT_REDIS_URL", "redis://127.0.0.1:6379/4")


def _csv(items: list[dict], entries) -> bytes:
    """The items as a field team's CSV: ``;``, BOM, oui/non, decimal commas, blank = not applicable."""
    from mystery_tests.grid import DEFAULT_GRID

    slugs = {e.pk: (e.brand.slug, e.category.slug) for e in entries}
    codes = list(dict.fromkeys(code for rows in DEFAULT_GRID.values() for code, *_ in rows))
    header = ["external_id", "brand", "category", "channel", "performed_at", "reached", "wait_seconds"]
    header += ["response_hours", "comment", *codes]
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(header)
    for item in items:
        brand, category = slugs[item["entry"]]
        scores = item["scores"]
        hours = item["response_hours"]
        writer.writerow(
            [
                item["external_id"],
                brand,
                category,
                item["channel"],
                item["performed_at"].replace("T", " "),
                "oui" if item["reached"] else "non",
                "" if item["wait_seconds"] is None else item["wait_seconds"],
                "" if hours is None else str(hours).replace(".", ","),
                item["comment"],
                *("" if scores.get(code) is None else scores[code] for code in codes),
            ]
        )
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _multipart(name: str, data: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
        "Content-Type: text/csv\r\n\r\n"
    ).encode()
    return head + data + f"\r\n--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


@contextlib.contextmanager
def _celery_worker(env: dict[str, str]) -> Iterator[int]:
    """A Celery worker (solo pool: the task runs in this very process) ready on the broker; stopped by PID."""
    from celery import Celery

    command = [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool", "solo", "--loglevel", "warning"]
    process = subprocess.Popen(command, cwd=ROOT, env={**os.environ, **env}, stdin=subprocess.DEVNULL)
    probe = Celery(broker=env["REDIS_URL"])
    try:
        deadline = time.monotonic() + 60
        while not probe.control.ping(timeout=1.0):
            if process.poll() is not None:
                raise RuntimeError(f"celery worker exited with status {process.returncode}")
            if time.monotonic() > deadline:
                raise RuntimeError("celery worker did not answer within 60 s")
        yield process.pid
    finally:
        probe.close()
        if process.poll() is None:
            os.kill(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.kill(process.pid, signal.SIGKILL)
                process.wait()


def _import(
    server, campaign_id: int, body: bytes, content_type: str, headers: dict, pid: int
) -> tuple[dict, float, list, int]:
    """POST the file, poll until the import finishes: (final import, seconds, [(seconds, rows_done)],
    the largest resident memory of ``pid`` seen while it ran, in KiB)."""
    started = time.perf_counter()
    status, answer, _ = server.request(
        "POST", f"/api/v1/campaigns/{campaign_id}/imports/", body, {**headers, "Content-Type": content_type}
    )
    if status != 202:
        raise RuntimeError(f"import answered {status}: {answer[:500]!r}")
    job = json.loads(answer)
    samples = []
    largest = 0
    while job["status"] not in ("succeeded", "failed"):
        time.sleep(0.25)
        largest = max(largest, memory_kib(pid)["VmRSS"])
        status, answer, _ = server.request("GET", f"/api/v1/imports/{job['id']}/", headers=headers)
        job = json.loads(answer)
        samples.append((round(time.perf_counter() - started, 1), job["rows_done"]))
    elapsed = time.perf_counter() - started
    if job["status"] != "succeeded":
        raise RuntimeError(f"import failed: {json.dumps(job['errors'][:10], ensure_ascii=False)}")
    return job, elapsed, samples, largest


def run(size: str = "full") -> list[dict]:
    setup_django()
    from django.conf import settings
    from django.db import connection

    from bench.bench_upload import _cleanup, _copy_baseline, _items, _world  # the same world and rows
    from election.models import Entry

    n_rows = SIZES.get(size, SIZES["smoke"])
    edition, agency, campaign, entries, token = _world(n_rows)
    media = tempfile.mkdtemp(prefix="awards-bench-import-")
    postgres = connection.vendor == "postgresql"
    try:
        entries = list(Entry.objects.filter(pk__in=[e.pk for e in entries]).select_related("brand", "category"))
        data = _csv(_items(entries, n_rows), entries)
        body, content_type = _multipart("semaine.csv", data)
        env = {
            "DATABASE_URL": os.environ["DATABASE_URL"],
            "DJANGO_DEBUG": "0",
            "API_THROTTLE_RATE": "100000/min",
            "MEDIA_ROOT": media,
            "REDIS_URL": REDIS_URL if postgres else "",
        }
        headers = {"Authorization": f"Token {token}"}
        with contextlib.ExitStack() as stack:
            server = stack.enter_context(gunicorn(env, port=PORT))
            worker = stack.enter_context(_celery_worker(env)) if postgres else None
            status, _, _ = server.request("GET", f"/api/v1/campaigns/{campaign.pk}/", headers=headers)
            assert status == 200, status
            measured = worker or server.worker_pid
            before = memory_kib(measured)
            first, first_s, samples, running = _import(server, campaign.pk, body, content_type, headers, measured)
            peak = memory_kib(measured)
            again, again_s, _, _ = _import(server, campaign.pk, body, content_type, headers, measured)
        baseline = _copy_baseline(campaign) if postgres else None
    finally:
        _cleanup(edition, agency)

    full = size == "full"
    database = f"{connection.vendor} ({settings.DATABASES['default']['NAME']})"
    mib = len(data) / 1024 / 1024
    where = "Celery worker (solo pool, Redis db 4)" if postgres else "gunicorn worker (eager task)"
    baseline_text = f"COPY of the same {n_rows:,} rows: {baseline:.3f} s" if baseline is not None else "n/a (SQLite)"
    common = f"{database}; file {mib:.1f} MiB, {n_rows:,} rows; task in the {where}"
    moved = ", ".join(f"{t}s:{n}" for t, n in samples[:: max(1, len(samples) // 8)])
    expected = (first["created"], first["updated"], first["unchanged"]) == (n_rows, 0, 0)
    return [
        {
            "name": f"CSV import of {n_rows:,} new rows, POST to succeeded",
            "value": round(first_s, 2),
            "unit": "s",
            "target": f"≤ {TARGET_S:g} s" + ("" if full else " (at 100,000 rows)"),
            "met": (first_s <= TARGET_S and expected) if full else None,
            "baseline": baseline_text,
            "notes": f"{common}; created={first['created']}; {n_rows / first_s:,.0f} rows/s; progress {moved}",
        },
        {
            "name": f"CSV re-import of the same {n_rows:,} rows (all unchanged)",
            "value": round(again_s, 2),
            "unit": "s",
            "target": f"≤ {TARGET_S:g} s" + ("" if full else " (at 100,000 rows)"),
            "met": (again_s <= TARGET_S and again["unchanged"] == n_rows) if full else None,
            "baseline": baseline_text,
            "notes": f"{common}; unchanged={again['unchanged']}",
        },
        {
            "name": "import worker peak resident memory",
            "value": round(peak["VmHWM"] / 1024, 1),
            "unit": "MiB",
            "target": f"≤ {TARGET_MIB:g} MiB" + ("" if full else " (at 100,000 rows)"),
            "met": peak["VmHWM"] / 1024 <= TARGET_MIB if full else None,
            "baseline": f"{before['VmRSS'] / 1024:.1f} MiB resident before the import (warm process)",
            "notes": (
                f"VmHWM of the {where} when the first import was seen succeeded (/proc/<pid>/status); "
                f"largest VmRSS sampled every 0.25 s while it ran: {running / 1024:.1f} MiB"
            ),
        },
        {
            "name": f"baseline: psycopg2 COPY of the same {n_rows:,} rows into a temporary table",
            "value": round(baseline, 3) if baseline is not None else None,
            "unit": "s",
            "target": None,
            "met": None,
            "baseline": None,
            "notes": "CSV built in memory from the stored rows, COPY FROM STDIN; the floor for any import",
        },
    ]
