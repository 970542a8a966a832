"""Redis unreachable as a cache: every page and the API keep answering, nothing is lost.

The production cache settings (config/settings.py) point both aliases at a port where nothing
listens: the default alias (django-redis, errors ignored and logged) degrades to a miss, and
the strict "tasks" alias makes the recompute enqueue fail loudly, leaving the ranking stale for
the sweep. Runs on any database, in-process (the worker and gunicorn variant is in
tests/mystery_tests/test_upload_concurrency.py).
"""

from __future__ import annotations

import logging

import pytest
from django.test import Client, override_settings

from palmares.publication import services as palmares_services
from tests.support import factories
from tests.support.palmares import build_world, recompute
from tests.support.workers import unreachable_redis_caches
from tests.support.world import small_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def redis_down(caplog):
    caches = unreachable_redis_caches()
    caplog.set_level(logging.WARNING)
    with override_settings(CACHES=caches, DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS=True):
        yield caplog


def _cache_errors_logged(caplog) -> bool:
    return any(r.name.startswith("django_redis") for r in caplog.records)


def test_public_palmares_is_served_with_the_cache_down(redis_down):
    world = build_world()
    recompute(world)
    palmares_services.edition_publish(edition=world.edition)
    laureate = world.laureate_brand.name

    pages = ["/palmares/", "/palmares/fr/2031/", "/palmares/fr/2031/banque/", "/palmares/fr/2031/methodology/"]
    responses = {url: Client().get(url) for url in pages}

    assert {url: r.status_code for url, r in responses.items()} == dict.fromkeys(pages, 200)
    assert laureate in responses["/palmares/fr/2031/banque/"].content.decode()
    assert _cache_errors_logged(redis_down)


def test_login_and_scorecard_work_with_the_cache_down(redis_down):
    world = small_world(published=True)
    world.member_a.set_password("s3cret-Azur!")
    world.member_a.save()
    client = Client()

    wrong = client.post("/accounts/login/", {"username": "directrice-azur", "password": "nope"})
    right = client.post("/accounts/login/", {"username": "directrice-azur", "password": "s3cret-Azur!"})
    scorecard = client.get(f"/portal/scorecards/{world.a.pk}/")
    other = client.get(f"/portal/scorecards/{world.b.pk}/")

    assert wrong.status_code == 200  # the form again, with its error (the throttle fails open)
    assert (right.status_code, right["Location"]) == (302, "/portal/")
    assert scorecard.status_code == 200
    assert "Azur" in scorecard.content.decode()
    assert other.status_code == 404  # confidentiality does not depend on the cache
    assert _cache_errors_logged(redis_down)


def test_admin_works_with_the_cache_down(redis_down):
    organiser = factories.UserFactory(is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(organiser)

    assert client.get("/admin/").status_code == 200
