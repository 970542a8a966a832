"""Child process of tests/mystery_tests/test_sqlite_concurrency.py: the project's own settings on a SQLite *file*
(``DATABASE_URL`` from the parent), migrated, with one agency campaign; then uploads sent at the same
moment from threads, each thread a client with its own database connection, as server threads are.

Prints one JSON line: ``{"journal_mode", "json": [status…], "same_json": [status…], "imports":
[[status, import status]…], "stored": n}``. Run as ``python -m tests.support.sqlite_writers_child``.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import threading

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, connections  # noqa: E402
from rest_framework.test import APIClient  # noqa: E402

from mystery_tests.models import ImportJob, TestResult  # noqa: E402
from mystery_tests.services import agency_api_token  # noqa: E402
from tests.support import factories  # noqa: E402
from tests.support.world import csv_bytes, json_item, row  # noqa: E402

THREADS_JSON = 4
THREADS_IMPORT = 2


def world():
    edition = factories.EditionFactory(year=2027, tests_start_on=dt.date(2027, 5, 2), tests_end_on=dt.date(2027, 7, 31))
    banque = factories.CategoryFactory(edition=edition, slug="banque", name="Banque en ligne")
    for i in (1, 2, 3):
        factories.EntryFactory(category=banque, brand=factories.BrandFactory(slug=f"banque-{i}", name=f"Banque {i}"))
    agency = factories.AgencyFactory(slug="terrain-sa", name="Terrain SA")
    campaign = factories.CampaignFactory(edition=edition, agency=agency, categories=[banque])
    key, _created = agency_api_token(agency=agency)
    return campaign, key


def at_once(calls: list) -> list:
    """Runs every call in its own thread, released together; each closes its connection after."""
    barrier = threading.Barrier(len(calls))
    answers: list = [None] * len(calls)

    def run(position: int) -> None:
        barrier.wait()
        try:
            answers[position] = calls[position]()
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def main() -> None:
    call_command("migrate", verbosity=0)
    campaign, key = world()
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        journal_mode = cursor.fetchone()[0]
    connections.close_all()

    def client() -> APIClient:
        api = APIClient(raise_request_exception=False)
        api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        return api

    def post_json(batch: int):
        def call():
            items = [json_item(batch * 100 + n, brand=f"banque-{n % 3 + 1}") for n in range(10)]
            return client().post(f"/api/v1/campaigns/{campaign.pk}/results/", items, format="json").status_code

        return call

    same = csv_bytes([row(n, brand=f"banque-{n % 3 + 1}") for n in range(1, 11)])

    def post_file():
        file = SimpleUploadedFile("semaine.csv", same, content_type="text/csv")
        response = client().post(f"/api/v1/campaigns/{campaign.pk}/imports/", {"file": file}, format="multipart")
        status = ImportJob.objects.get(pk=response.json()["id"]).status if response.status_code == 202 else None
        return [response.status_code, status]

    json_answers = at_once([post_json(batch) for batch in range(THREADS_JSON)])
    same_json_answers = at_once([post_json(THREADS_JSON) for _ in range(2)])
    import_answers = at_once([post_file for _ in range(THREADS_IMPORT)])
    print(
        json.dumps(
            {
                "journal_mode": journal_mode,
                "json": json_answers,
                "same_json": same_json_answers,
                "imports": import_answers,
                "stored": TestResult.objects.count(),
            }
        )
    )


if __name__ == "__main__":
    main()
