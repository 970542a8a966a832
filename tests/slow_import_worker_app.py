"""The project's Celery app with a deterministic pause while an import reads its file.

Test-only (``celery -A tests.slow_import_worker_app worker``, used by tests/test_imports_worker_faults.py):
the production code has no test hook. When the environment names ``IMPORT_SLOW_MARKER``, an import
touches that file once its job is ``running`` and sleeps ``IMPORT_SLOW_SECONDS`` before parsing: the
test kills the worker there, as an out-of-memory kill or a ``kill -9`` would.
"""

import os
import time
from pathlib import Path

import django

from config.celery import app

django.setup()

from mystery_tests import imports  # noqa: E402  (after django.setup)

__all__ = ["app"]

_MARKER = os.environ.get("IMPORT_SLOW_MARKER")
_SECONDS = float(os.environ.get("IMPORT_SLOW_SECONDS", "60"))

if _MARKER:
    _parse_file = imports.parse_file

    def _slow_parse_file(**kwargs):
        Path(_MARKER).touch()
        time.sleep(_SECONDS)
        return _parse_file(**kwargs)

    imports.parse_file = _slow_parse_file
