"""Shared fixtures: personas for permission tests (ENGINEERING "Tests")."""

import os

import pytest
from django.core.cache import caches
from django.test import Client
from django.utils import translation
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from config.celery import app
from tests.support import factories
from tests.support.browser import chromium
from tests.support.workers import start_worker, stop


def pytest_collection_modifyitems(config, items):
    """Tests marked ``services`` need a real PostgreSQL and Redis (README "Running with PostgreSQL/Redis")."""
    if os.environ.get("REDIS_URL") and os.environ.get("DATABASE_URL", "").startswith("postgres"):
        return
    skip = pytest.mark.skip(reason="needs REDIS_URL and a PostgreSQL DATABASE_URL")
    for item in items:
        if item.get_closest_marker("services"):
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _eager_celery_unless_services(request, settings):
    """With REDIS_URL set (CI's second run) only ``services`` tests use the real broker and
    cache; the others run tasks eagerly with a local-memory cache, as in development."""
    # Read before any override: Celery loads its configuration from the settings lazily, and a first
    # read after the override below would keep "eager" as the value to restore, for every later test.
    previous = app.conf.task_always_eager
    if request.node.get_closest_marker("services"):
        app.conf.task_always_eager = False
        yield
        app.conf.task_always_eager = previous
        return
    settings.CELERY_TASK_ALWAYS_EAGER = True
    locmem = "django.core.cache.backends.locmem.LocMemCache"
    # Only when needed: overriding CACHES rebuilds the cache connections, which undoes what a test
    # patched on the cache and resets other per-thread state.
    if settings.CACHES["default"]["BACKEND"] != locmem:
        settings.CACHES = {alias: {"BACKEND": locmem, "LOCATION": alias} for alias in ("default", "tasks")}
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


@pytest.fixture(autouse=True)
def _isolated_media_and_cache(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.API_THROTTLE_RATE = "100000/min"
    # PBKDF2 on every factory user dominates test time; logins still check the password.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    for alias in ("default", "tasks"):
        caches[alias].clear()
    yield
    for alias in ("default", "tasks"):
        caches[alias].clear()


@pytest.fixture
def edition(db):
    """An open edition with the default grid, two categories of three entries, agencies A and B."""
    return factories.EditionFactory()


@pytest.fixture
def organiser(db):
    # In the Organisers group (common.permissions) and superuser for the admin's model permissions.
    return factories.OrganiserFactory(username="organiser", is_superuser=True)


@pytest.fixture
def in_english():
    """Messages in their source language (French is the platform's default), so that tests read them as
    written in the code; a module opts in with ``pytestmark = pytest.mark.usefixtures("in_english")``."""
    with translation.override("en"):
        yield


@pytest.fixture
def organiser_client(client, organiser):
    """The test client logged in as the organiser, for the admin's pages."""
    client.force_login(organiser)
    return client


@pytest.fixture
def api_client():
    return APIClient()


def upload_counts(body: dict) -> dict:
    """An upload answer's counts, without its receipt (signed anew on each call)."""
    return {key: value for key, value in body.items() if key != "receipt"}


def session_client(user=None, *, language: str | None = "en", **defaults) -> Client:
    """A browser-like client asking for ``language`` (English by default: assertions read the messages as
    written in the code), logged in as ``user`` when given."""
    if language:
        defaults.setdefault("HTTP_ACCEPT_LANGUAGE", language)
    client = Client(**defaults)
    if user is not None:
        client.force_login(user)
    return client


def token_client(user) -> APIClient:
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture
def organiser_api(organiser):
    return token_client(organiser)


@pytest.fixture
def live_worker(settings):
    """A real Celery worker on the pytest test database, sharing the test's MEDIA_ROOT (tests/support/workers.py);
    for ``services`` tests with ``django_db(transaction=True)``."""
    process = start_worker()
    yield process
    stop(process)


@pytest.fixture
def browser():
    """Debian's headless chromium through Playwright (tests/support/browser.py); skips without it."""
    with chromium() as launched:
        yield launched
