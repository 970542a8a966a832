"""Celery tasks of mystery_tests: thin wrappers that re-fetch by id and call a service."""

from celery import shared_task
from django.utils import translation


@shared_task(name="mystery_tests.run_import")
def run_import(import_id: int, language: str | None = None) -> str:
    """Runs one file import (all or nothing) and returns its final status; row errors are written in
    ``language``, the uploader's language when the file was sent."""
    from .imports import import_run

    with translation.override(language):
        return import_run(job_id=import_id).status
