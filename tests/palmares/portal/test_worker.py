"""A real Celery worker (Redis broker, PostgreSQL) prepares a scorecard's PDF while the page polls."""

import pytest
from django.test import Client

from tests.support.workers import wait_until
from tests.support.world import small_world

pytestmark = pytest.mark.services


@pytest.mark.django_db(transaction=True)
def test_worker_prepares_report_while_page_polls(live_worker):
    world = small_world()
    client = Client(HTTP_ACCEPT_LANGUAGE="fr")
    client.force_login(world.member_a)
    address = f"/portal/scorecards/{world.a.pk}/report.pdf"

    first = client.get(address)
    responses = [first]

    def ready() -> bool:
        responses.append(client.get(address))
        return responses[-1].status_code != 202

    wait_until(ready, timeout=120, interval=1)
    response = responses[-1]

    assert first.status_code == 202
    assert live_worker.poll() is None
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF-")
