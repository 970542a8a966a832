"""common.pagecache: a kept page is answered with one cache round trip and never after a change of the
public generation, even when the change happened while the page was being rendered (issue 21)."""

from __future__ import annotations

import os
from unittest import mock

import pytest
from django.core.cache import cache
from django.http import HttpResponse
from django.test import RequestFactory

from common import pagecache
from tests.support.workers import wait_until


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


class _View:
    """A view that marks its page public and counts its renders; ``during`` runs inside the render."""

    def __init__(self, during=None):
        self.renders = 0
        self.during = during

    def __call__(self, request):
        self.renders += 1
        if self.during:
            self.during()
        response = HttpResponse(f"page {self.renders}", headers={"Content-Language": "fr"})
        return pagecache.mark_public(response, 60)


def _get(middleware, path="/palmares/fr/2031/"):
    return middleware(RequestFactory().get(path, HTTP_ACCEPT_LANGUAGE="fr"))


def test_kept_page_is_answered_with_one_cache_round_trip():
    # Arrange
    view = _View()
    middleware = pagecache.PublicPageCacheMiddleware(view)
    first = _get(middleware)

    # Act
    with mock.patch.object(pagecache, "cache", wraps=cache) as spy:
        kept = _get(middleware)

    # Assert
    assert view.renders == 1
    assert kept.content == first.content == b"page 1"
    assert kept["Content-Language"] == "fr"
    assert kept["Content-Length"] == str(len(b"page 1"))
    assert [name for name, _, _ in spy.method_calls] == ["get_many"]


def test_bump_retires_kept_page():
    # Arrange
    view = _View()
    middleware = pagecache.PublicPageCacheMiddleware(view)
    _get(middleware)

    # Act
    pagecache.bump_public_generation()
    after = _get(middleware)
    again = _get(middleware)

    # Assert
    assert after.content == b"page 2"
    assert again.content == b"page 2"
    assert view.renders == 2


@pytest.mark.parametrize("kind", ["local memory", "redis"])
def test_page_rendered_during_a_bump_is_never_served(kind, request):
    if kind == "redis":
        request.getfixturevalue("redis_cache")

    # Arrange: the first render sees the change happen (a publication committed meanwhile)
    bumped = []

    def bump_once():
        if not bumped:
            bumped.append(True)
            pagecache.bump_public_generation()

    view = _View(during=bump_once)
    middleware = pagecache.PublicPageCacheMiddleware(view)

    # Act
    during = _get(middleware)
    after = _get(middleware)
    kept = _get(middleware)

    # Assert: the page rendered under the old generation was not served again; the next one is kept
    assert during.content == b"page 1"
    assert after.content == b"page 2"
    assert kept.content == b"page 2"


def test_ttl_bounded_by_cache_kind(settings):
    # Arrange
    tasks = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "tasks"}
    shared = {
        "default": {"BACKEND": "django_redis.cache.RedisCache", "LOCATION": "redis://127.0.0.1:1/0"},
        "tasks": tasks,
    }
    local = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}, "tasks": tasks}

    # Act
    settings.CACHES = shared
    on_shared = pagecache.mark_public(HttpResponse(), 3600)._public_page_ttl
    settings.CACHES = local
    on_local = pagecache.mark_public(HttpResponse(), 3600)._public_page_ttl
    short = pagecache.mark_public(HttpResponse(), 3)._public_page_ttl

    # Assert
    assert on_shared == pagecache.SHARED_MAX_TTL
    assert on_local == pagecache.MAX_TTL
    assert short == 3


@pytest.fixture
def redis_cache(settings):
    """The production cache (django-redis) on the Redis of REDIS_URL, emptied; the listener starts afresh."""
    url = os.environ.get("REDIS_URL")
    if not url:
        pytest.skip("needs Redis (REDIS_URL)")
    settings.CACHES = {
        "default": {"BACKEND": "django_redis.cache.RedisCache", "LOCATION": url},
        "tasks": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "tasks"},
    }
    listener = pagecache._Listener()
    with mock.patch.object(pagecache, "_listener", listener):
        cache.clear()
        yield listener
        listener._close()
        cache.clear()


def test_on_redis_kept_page_is_answered_from_memory_and_a_bump_retires_it(redis_cache):
    # Arrange: kept once
    view = _View()
    middleware = pagecache.PublicPageCacheMiddleware(view)
    first = _get(middleware)

    # Act: answered again, then a bump (as by another process: set in Redis, announced)
    with mock.patch.object(pagecache, "cache", wraps=cache) as spy:
        kept = _get(middleware)
    pagecache.bump_public_generation()
    fresh = wait_until(lambda: _get(middleware).content == b"page 2", timeout=10, interval=0.01)

    # Assert
    assert first.content == kept.content == b"page 1"
    assert spy.method_calls == []  # no round trip at all
    assert fresh
    assert _get(middleware).content == b"page 2"
    assert view.renders == 2


def test_on_redis_unreachable_listener_falls_back_without_waiting_each_request(settings):
    # Arrange: nothing listens on port 1
    settings.CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"IGNORE_EXCEPTIONS": True, "SOCKET_CONNECT_TIMEOUT": 0.2, "SOCKET_TIMEOUT": 0.2},
        },
        "tasks": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "tasks"},
    }
    listener = pagecache._Listener()
    view = _View()
    middleware = pagecache.PublicPageCacheMiddleware(view)

    # Act
    with (
        mock.patch.object(pagecache, "_listener", listener),
        mock.patch.object(listener, "_current", wraps=listener._current) as tried,
    ):
        answers = [_get(middleware).content for _ in range(3)]

    # Assert: every page rendered (nothing kept, nothing stale), one attempt to listen, then the cache
    assert answers == [b"page 1", b"page 2", b"page 3"]
    assert tried.call_count == 1
