"""A real Celery worker (Redis broker, PostgreSQL) renders the certificates a publication issues."""

import os
import time
from pathlib import Path

import pytest

from palmares.certificates.services import certificates_issue
from palmares.models import Certificate
from tests import factories
from tests.certificates_support import make_publication
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
def test_worker_renders_issued_certificates(worker):
    edition = factories.EditionFactory(country="FR", year=2031)
    entries = [
        factories.EntryFactory(category=factories.CategoryFactory(edition=edition, slug=f"c{i}")) for i in range(3)
    ]
    publication = make_publication(edition, [(e, 14.0) for e in entries])

    certificates_issue(publication=publication)  # queues one task per certificate after commit
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and Certificate.objects.filter(file="").exists():
        time.sleep(0.5)

    paths = [Path(c.file.path) for c in Certificate.objects.all()]
    assert worker.poll() is None
    assert len(paths) == 3
    assert all(p.read_bytes().startswith(b"%PDF-") for p in paths)
