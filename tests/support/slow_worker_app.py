"""The project's Celery app with a deterministic pause inside the transaction that stores rankings.

Test-only (``celery -A tests.support.slow_worker_app worker``, used by tests/mystery_tests/test_upload_concurrency.py):
the production code has no test hook. When the environment names ``HARDENING_SLOW_MARKER``, the
store of a recompute, right after it deleted the category's old EntryScore rows and before it
inserts the new ones, touches that file and sleeps ``HARDENING_SLOW_SECONDS``: the test kills the
worker at that exact point, the worst moment for a half-written ranking.
"""

import os
import time
from pathlib import Path

import django

from config.celery import app

django.setup()

from scoring.models import EntryScore  # noqa: E402  (after django.setup)

__all__ = ["app"]

_MARKER = os.environ.get("HARDENING_SLOW_MARKER")
_SECONDS = float(os.environ.get("HARDENING_SLOW_SECONDS", "60"))

if _MARKER:
    manager = EntryScore.objects
    _bulk_create = manager.bulk_create

    def _slow_bulk_create(*args, **kwargs):
        Path(_MARKER).touch()
        time.sleep(_SECONDS)
        return _bulk_create(*args, **kwargs)

    # EntryScore.objects returns this same manager instance each time: only EntryScore is slowed.
    manager.bulk_create = _slow_bulk_create
