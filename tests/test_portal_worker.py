"""A real Celery worker (Redis broker, PostgreSQL) prepares a scorecard's PDF while the page polls."""

import os
import time

import pytest
from django.test import Client

from tests.portal_support import small_world
from tests.workers import start_worker, stop

pytestmark = [
    pytest.mark.services,
    pytest.mark.skipif(
        not (os.environ.get("REDIS_URL") and os.environ.get("DATABASE_URL", "").startswith("postgres")),
        reason="needs REDIS_URL and a PostgreSQL DATABASE_URL",
    ),
]


@pytest.fixture
def worker(settings):
    """A Celery worker on the pytest test database, sharing the test's MEDIA_ROOT (tests/workers.py)."""
    process = start_worker()
    yield process
    stop(process)


@pytest.mark.django_db(transaction=True)
def test_worker_prepares_report_while_page_polls(worker):
    world = small_world()
    client = Client(HTTP_ACCEPT_LANGUAGE="fr")
    client.force_login(world.member_a)
    address = f"/portal/scorecards/{world.a.pk}/report.pdf"

    first = client.get(address)
    deadline = time.monotonic() + 120
    response = first
    while time.monotonic() < deadline and response.status_code == 202:
        time.sleep(1)
        response = client.get(address)

    assert first.status_code == 202
    assert worker.poll() is None
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF-")
