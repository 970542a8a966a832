"""A real Celery worker (Redis broker, PostgreSQL) renders the certificates a publication issues."""

from pathlib import Path

import pytest

from palmares.certificates.services import certificates_issue
from palmares.models import Certificate
from tests.support import factories
from tests.support.certificates import make_publication
from tests.support.workers import wait_until

pytestmark = pytest.mark.services


@pytest.mark.django_db(transaction=True)
def test_worker_renders_issued_certificates(live_worker):
    edition = factories.EditionFactory(country="FR", year=2031)
    entries = [
        factories.EntryFactory(category=factories.CategoryFactory(edition=edition, slug=f"c{i}")) for i in range(3)
    ]
    publication = make_publication(edition, [(e, 14.0) for e in entries])

    certificates_issue(publication=publication)  # queues one task per certificate after commit
    wait_until(lambda: not Certificate.objects.filter(file="").exists(), interval=0.5)

    paths = [Path(c.file.path) for c in Certificate.objects.all()]
    assert live_worker.poll() is None
    assert len(paths) == 3
    assert all(p.read_bytes().startswith(b"%PDF-") for p in paths)
