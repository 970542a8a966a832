"""Helpers shared by the benchmarks: Django set-up, a gunicorn server and a Celery worker stopped by their
PID, memory figures, timings, the COPY floor of the writes and the rows of the report.

Standard library and the project only, so the runner works wherever the project does.
"""

from __future__ import annotations

import contextlib
import os
import signal
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_BENCH_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/awards_bench"
BENCH_PORT = 8119


def setup_django() -> None:
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django
    from django.apps import apps

    if not apps.ready:
        django.setup()


def ensure_postgres_database(url: str) -> None:
    """Create the benchmark database if it does not exist yet (connecting to the server's ``postgres`` db)."""
    import dj_database_url
    import psycopg2
    from psycopg2 import sql

    config = dj_database_url.parse(url)
    connection = psycopg2.connect(
        dbname="postgres",
        user=config.get("USER") or None,
        password=config.get("PASSWORD") or None,
        host=config.get("HOST") or None,
        port=config.get("PORT") or None,
    )
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [config["NAME"]])
            if cursor.fetchone() is None:
                cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(config["NAME"])))
    finally:
        connection.close()


def children_of(pid: int) -> list[int]:
    """Direct child processes of ``pid`` (gunicorn's workers), read from /proc."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # The command name is in parentheses and may contain spaces: the parent pid follows the last ")".
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[1]) == pid:
            found.append(int(entry.name))
    return found


def memory_kib(pid: int) -> dict[str, int]:
    """``VmRSS`` (now) and ``VmHWM`` (peak resident set since the process started), in KiB."""
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            values[key] = int(rest.split()[0])
    return values


def cpu_seconds(pid: int) -> float:
    """User + system CPU time the process has used, from /proc/<pid>/stat."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    # After the command name: state is field 3, utime and stime are fields 14 and 15 (1-based).
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Server:
    """A gunicorn serving the project with one sync worker on 127.0.0.1:``port``."""

    def __init__(self, process: subprocess.Popen, port: int):
        self.process = process
        self.port = port
        self.base = f"http://127.0.0.1:{port}"

    @property
    def worker_pid(self) -> int:
        workers = children_of(self.process.pid)
        if len(workers) != 1:
            raise RuntimeError(f"expected one gunicorn worker, found {workers}")
        return workers[0]

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
        """(status, body bytes, seconds) of one request; HTTP errors are answers too."""
        request = urllib.request.Request(self.base + path, data=body, method=method, headers=headers or {})  # noqa: S310 (http://127.0.0.1 only)
        started = time.perf_counter()
        try:
            with urllib.request.urlopen(request, timeout=300) as response:  # noqa: S310
                payload = response.read()
                status = response.status
        except urllib.error.HTTPError as exc:
            payload = exc.read()
            status = exc.code
        return status, payload, time.perf_counter() - started


@contextlib.contextmanager
def gunicorn(env: dict[str, str], port: int = BENCH_PORT, timeout: float = 60.0) -> Iterator[Server]:
    """Start gunicorn, wait until it answers, and stop it by its PID however the block ends."""
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "config.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        "1",
        "--timeout",
        "300",
        "--log-level",
        "warning",
    ]
    process = subprocess.Popen(command, cwd=ROOT, env={**os.environ, **env}, stdin=subprocess.DEVNULL)
    server = Server(process, port)
    try:
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with status {process.returncode}")
            try:
                status, _, _ = server.request("GET", "/api/v1/editions/")
                if status < 500:
                    break
            except (urllib.error.URLError, ConnectionError):
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn did not answer on port {port} within {timeout:.0f} s")
            time.sleep(0.2)
        yield server
    finally:
        stop(process)


def stop(process: subprocess.Popen, timeout: float = 30.0) -> None:
    """SIGTERM to the process by its PID, SIGKILL if it lingers; nothing if it has ended."""
    if process.poll() is None:
        os.kill(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.kill(process.pid, signal.SIGKILL)
            process.wait()


@contextlib.contextmanager
def celery_worker(env: dict[str, str]) -> Iterator[int]:
    """A Celery worker (solo pool: the task runs in this very process) ready on ``env["REDIS_URL"]``;
    yields its PID and stops it by that PID however the block ends."""
    from celery import Celery

    command = [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool", "solo", "--loglevel", "warning"]
    process = subprocess.Popen(command, cwd=ROOT, env={**os.environ, **env}, stdin=subprocess.DEVNULL)
    probe = Celery(broker=env["REDIS_URL"], set_as_current=False)
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
        stop(process)


class Rollback(Exception):
    """Raised at the end of a benchmark's transaction so that nothing it built stays behind."""


def rolled_back(build, measure) -> list[dict]:
    """``measure(*build())`` inside one transaction that is rolled back; its rows."""
    from django.db import transaction

    rows: list[dict] = []
    try:
        with transaction.atomic():
            rows = measure(*build())
            raise Rollback
    except Rollback:
        pass
    return rows


def median_seconds(fn, repeat: int) -> float:
    """Median wall time of ``repeat`` calls of ``fn``."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


# The columns of a stored result that a COPY floor copies (``id`` is generated, as an insert would).
def result_columns() -> list[str]:
    from django.db import connection

    with connection.cursor() as cursor:
        described = connection.introspection.get_table_description(cursor, "mystery_tests_testresult")
    return [column.name for column in described if column.name != "id"]


def copy_floor(where: str, params: list) -> tuple[float, int]:
    """The floor of issue 21 for writing results: seconds to COPY the stored results matching ``where``
    (SQL on mystery_tests_testresult) into a fresh copy of the results table WITH its indexes
    (``CREATE TABLE … (LIKE mystery_tests_testresult INCLUDING ALL)``), and commit; and the row count.

    The rows are first copied out to a temporary file (not timed), so the floor is COPY FROM alone
    and the benchmark's memory does not hold them (a million rows would be a gigabyte of tuples)."""
    import tempfile

    from django.db import connection, transaction

    if connection.vendor != "postgresql":
        raise RuntimeError("the COPY floor needs PostgreSQL")
    columns = ", ".join(result_columns())
    with tempfile.TemporaryFile() as spool:
        with connection.cursor() as cursor:
            query = cursor.mogrify(f"SELECT {columns} FROM mystery_tests_testresult WHERE {where}", params)  # noqa: S608
            cursor.cursor.copy_expert(f"COPY ({query.decode()}) TO STDOUT", spool)
            cursor.execute("DROP TABLE IF EXISTS bench_copy_floor")
            cursor.execute("CREATE TABLE bench_copy_floor (LIKE mystery_tests_testresult INCLUDING ALL)")
        spool.seek(0)
        try:
            started = time.perf_counter()
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.cursor.copy_expert(f"COPY bench_copy_floor ({columns}) FROM STDIN", spool, size=1024 * 1024)
            elapsed = time.perf_counter() - started
            with connection.cursor() as cursor:
                cursor.execute("SELECT count(*) FROM bench_copy_floor")
                count = cursor.fetchone()[0]
        finally:
            with connection.cursor() as cursor:
                cursor.execute("DROP TABLE IF EXISTS bench_copy_floor")
    return elapsed, count


def ratio_row(
    *, name: str, value: float, unit: str, floor: float | None, floor_text: str, target: float, full: bool, notes: str
) -> dict:
    """A report row whose target is ``value ≤ target × floor`` (both measured in the same run); ``met`` is
    only decided on the full size (a smoke run's figures say nothing about the target)."""
    ratio = round(value / floor, 2) if floor else None
    return {
        "name": name,
        "value": value,
        "unit": unit,
        "floor": floor_text,
        "ratio": ratio,
        "target": f"≤ {target:g} × the floor",
        "met": (ratio is not None and ratio <= target) if full else None,
        "baseline": floor_text,
        "notes": notes,
    }


def cold_render_row(what: str, seconds: float) -> dict:
    """The information row of a PDF's first render in a process (WeasyPrint's import and fonts)."""
    return {
        "name": f"{what} render, first in process (cold)",
        "value": round(seconds, 3),
        "unit": "s",
        "target": None,
        "met": None,
        "baseline": None,
        "notes": "includes WeasyPrint import and font loading; a worker pays it once",
    }
