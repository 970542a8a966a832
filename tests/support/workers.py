"""Real processes for the ``services`` tests: a Celery worker, a gunicorn server and a Redis server of
the test's own, all on the pytest test database, each stopped by its PID whatever happens.

The worker and server read the test database from ``connection.settings_dict`` (pytest-django's
``test_<name>`` database), so tests using them need ``django_db(transaction=True)``: the rows they
create must be committed to be seen by another process.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def child_database_url() -> str:
    """The URL of the database the current test runs on (pytest-django's test database)."""
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def process_env(**extra: str) -> dict[str, str]:
    """The environment of a child process: the test database, the test's MEDIA_ROOT, quiet logs."""
    return {
        **os.environ,
        "DATABASE_URL": child_database_url(),
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "LOG_LEVEL": "WARNING",
        **extra,
    }


def stop(process: subprocess.Popen, *, timeout: float = 20.0) -> None:
    """SIGTERM, then SIGKILL if it lingers; a no-op for a process already gone."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)


def start_worker(
    *, app: str = "config", env: dict[str, str] | None = None, log: Path | None = None
) -> subprocess.Popen:
    """A Celery worker (solo pool: the task runs in this very process, so killing it kills the task)."""
    stderr = open(log, "ab") if log else subprocess.PIPE  # noqa: SIM115  (closed with the process)
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", app, "worker", "--pool=solo", "-l", "WARNING", "--without-gossip"],
        cwd=ROOT,
        env=env or process_env(),
        stdout=subprocess.DEVNULL,
        stderr=stderr,
    )


@contextlib.contextmanager
def worker(*, app: str = "config", env: dict[str, str] | None = None, log: Path | None = None) -> Iterator:
    process = start_worker(app=app, env=env, log=log)
    try:
        yield process
    finally:
        stop(process)


def wait_until(predicate, *, timeout: float = 90.0, interval: float = 0.3) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return bool(predicate())


@contextlib.contextmanager
def gunicorn(
    *, port: int | None = None, env: dict[str, str] | None = None, log: Path | None = None, threads: int = 4
) -> Iterator[str]:
    """The project under gunicorn (2 processes × ``threads`` threads) on 127.0.0.1:``port`` (a free
    port unless given); yields its base URL."""
    port = port or free_port()
    stderr = open(log, "ab") if log else subprocess.DEVNULL  # noqa: SIM115  (closed with the process)
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--worker-class",
            "gthread",
            "--workers",
            "2",
            "--threads",
            str(threads),
            "--timeout",
            "120",
        ],
        cwd=ROOT,
        env=env or process_env(),
        stdout=subprocess.DEVNULL,
        stderr=stderr,
    )
    base = f"http://127.0.0.1:{port}"
    try:

        def answers() -> bool:
            if process.poll() is not None:
                raise RuntimeError(f"gunicorn on port {port} exited with {process.returncode}")
            try:
                urllib.request.urlopen(f"{base}/api/v1/editions/", timeout=5).close()
            except urllib.error.HTTPError:
                return True
            except OSError:
                return False
            return True

        if not wait_until(answers, timeout=60, interval=0.3):
            raise RuntimeError(f"gunicorn did not answer on port {port} within 60 s")
        yield base
    finally:
        stop(process)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def unreachable_redis_caches() -> dict:
    """CACHES pointing at a free port where no Redis listens: the site's cache, ignoring the errors as in
    production, and the tasks' cache."""
    dead = f"redis://127.0.0.1:{free_port()}/0"
    return {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": dead,
            "OPTIONS": {"IGNORE_EXCEPTIONS": True, "SOCKET_CONNECT_TIMEOUT": 1, "SOCKET_TIMEOUT": 1},
        },
        "tasks": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": dead},
    }


class RedisServer:
    """A redis-server of the test's own on a free port, which the test can stop and start again."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        executable = shutil.which("redis-server") or "/usr/bin/redis-server"
        self.process = subprocess.Popen(
            [executable, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
            + ["--daemonize", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        if not wait_until(self.answers, timeout=20, interval=0.1):
            raise RuntimeError(f"redis-server did not start on port {self.port}")

    def stop(self) -> None:
        if self.process is not None:
            stop(self.process, timeout=10)
            self.process = None

    def answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as s:
                s.sendall(b"PING\r\n")
                return s.recv(16).startswith(b"+PONG")
        except OSError:
            return False


@contextlib.contextmanager
def private_redis(**env: str) -> Iterator[tuple[RedisServer, dict[str, str]]]:
    """A redis-server of the test's own, started, with the child processes' environment pointing at it (and
    ``env``); stopped at the end. The test may stop and start it meanwhile."""
    redis = RedisServer()
    redis.start()
    try:
        yield redis, process_env(REDIS_URL=redis.url, **env)
    finally:
        redis.stop()
