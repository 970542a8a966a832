"""The project's Celery app with a deterministic pause while an import reads its file.

Test-only (``celery -A tests.support.slow_import_worker_app worker``, used by
tests/mystery_tests/test_imports_worker_faults.py):
the production code has no test hook. When the environment names ``IMPORT_SLOW_MARKER``, an import
touches that file and sleeps ``IMPORT_SLOW_SECONDS``: before parsing (``IMPORT_SLOW_AT=parse``, the
default), where the test kills the worker as an out-of-memory kill or a ``kill -9`` would; or inside
the service's write transaction (``IMPORT_SLOW_AT=write``), where the test ends the worker's database
session as a PostgreSQL restart would.
"""

import os
import time
from pathlib import Path

import django

from config.celery import app

django.setup()

from mystery_tests import imports, services  # noqa: E402  (after django.setup)

__all__ = ["app"]

_MARKER = os.environ.get("IMPORT_SLOW_MARKER")
_SECONDS = float(os.environ.get("IMPORT_SLOW_SECONDS", "60"))
_AT = os.environ.get("IMPORT_SLOW_AT", "parse")


def _slowed(function):
    def slow(*args, **kwargs):
        Path(_MARKER).touch()
        time.sleep(_SECONDS)
        return function(*args, **kwargs)

    return slow


if _MARKER and _AT == "parse":
    imports.parse_file = _slowed(imports.parse_file)
elif _MARKER and _AT == "write":
    services._write = _slowed(services._write)
