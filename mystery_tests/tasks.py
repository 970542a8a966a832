"""Celery tasks of mystery_tests: thin wrappers that re-fetch by id and call a service."""

from celery import shared_task
from django.conf import settings
from django.utils import translation

from .imports import import_run, sweep_stale_imports


@shared_task(
    name="mystery_tests.run_import",
    # The soft limit raises inside the import (which fails the job with its reason); the hard one
    # ends a task stuck outside Python. The sweep fails a job still running past both.
    soft_time_limit=settings.IMPORT_TIME_LIMIT,
    time_limit=settings.IMPORT_TIME_LIMIT + 60,
)
def run_import(import_id: int, language: str | None = None) -> str | None:
    """Runs one file import (all or nothing) and returns its final status; row errors are written in
    ``language``, the uploader's language when the file was sent."""
    with translation.override(language):
        job = import_run(job_id=import_id)
    return job.status if job is not None else None


@shared_task(name="mystery_tests.sweep_imports")
def sweep_imports_task() -> dict[str, list[int]]:
    """Queues again the imports the broker never got, fails those whose worker died (beat, every minute)."""
    return sweep_stale_imports()
