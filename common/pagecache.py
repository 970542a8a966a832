"""Whole anonymous public pages answered from the cache before the session, the CSRF check or a view runs.

A view marks a response that is the same for every anonymous visitor in a language with
``mark_public(response, ttl)``; ``PublicPageCacheMiddleware`` (placed right after WhiteNoise) keeps its body
and headers under (host, language, path), stamped with the public generation read before the page was
rendered, and answers the next plain anonymous GET of that address from there, at nearly the cost of a static
file: the generation and the page are read together in ONE round trip to the cache (``get_many``, an MGET on
Redis) and the page is served only if its stamp is the current generation. Whatever could make a page differ
is excluded: a query string, a session or messages cookie, an Authorization header, another method. Any change
that may alter public pages calls ``bump_public_generation()`` (in the transaction and again on commit), which
retires every kept page at once (a page rendered during the change carries the older stamp, so it is never
served). A page is kept at most ``max_ttl()`` seconds anyway: ``SHARED_MAX_TTL`` on a shared cache (Redis,
where every process sees the bump, so this only bounds memory), ``MAX_TTL`` on a per-process cache (local
memory, development), which never sees another process's bump. A view passes a shorter ``ttl`` when the
page may change by the clock alone (an expiry, a scheduled go-live).
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
import uuid
from collections import OrderedDict

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.utils.translation import get_language_from_request

logger = logging.getLogger(__name__)

GENERATION_KEY = "public-pages:generation"
# On Redis, every bump is announced here, so that a process answers kept pages from its own memory.
CHANNEL = "public-pages:bumps"
# A listening process still reads the generation from the cache at least this often (a lost announcement).
RECHECK_SECONDS = 1.0
# Pages a process keeps in its own memory (the most recently used).
LOCAL_PAGES = 512
# After a failure to listen, the middleware reads the cache for this long before trying again.
RETRY_SECONDS = 5.0
MAX_TTL = 10
SHARED_MAX_TTL = 15 * 60
_MARK = "_public_page_ttl"
# Headers set per response by the server or per visitor, never replayed from the cache.
_NOT_KEPT = {"set-cookie", "date", "content-length"}


def public_generation() -> str:
    """A token that changes whenever public pages may change. Without a cache (Redis down) every call
    gives a new token, so nothing stale is ever served."""
    value = cache.get(GENERATION_KEY)
    if value is None:
        cache.add(GENERATION_KEY, uuid.uuid4().hex, None)
        value = cache.get(GENERATION_KEY) or uuid.uuid4().hex
    return value


def bump_public_generation() -> None:
    cache.set(GENERATION_KEY, uuid.uuid4().hex, None)
    if _shared_redis():
        try:
            _redis().publish(CHANNEL, b"bump")
        except Exception:  # the listeners read the generation again within RECHECK_SECONDS anyway
            logger.warning("Could not announce a public generation bump", exc_info=True)


def _shared_redis() -> bool:
    return settings.CACHES.get("default", {}).get("BACKEND", "") == "django_redis.cache.RedisCache"


def _redis():
    from django_redis import get_redis_connection  # noqa: PLC0415 -- only with the Redis cache

    return get_redis_connection("default")


class _Listener:
    """This process's knowledge of the public generation, kept by listening to the bumps' announcements
    (Redis pub/sub), and the pages it keeps in its own memory: a kept page is then answered without any
    round trip. The subscription is made BEFORE the generation is read, so no bump is missed; an
    announcement only forgets the generation, which the next request reads again from the cache (two
    bumps announced out of order cannot leave an older token). Pending announcements are read by the
    request itself (a non-blocking poll of the subscription's socket), not by a thread that might lag.
    Any error closes the subscription: the middleware then reads the cache as before."""

    def __init__(self):
        self._lock = threading.Lock()
        self._pid = 0
        self._pubsub = None
        self._generation: str | None = None
        self._read_at = 0.0
        self._retry_at = 0.0
        self.pages: OrderedDict[str, tuple] = OrderedDict()

    def generation(self) -> str | None:
        """The current generation, or None when not listening (the caller falls back to the cache)."""
        with self._lock:
            if self._pubsub is None and time.monotonic() < self._retry_at:
                return None
            try:
                return self._current()
            except Exception:  # Redis unreachable: serve through the cache's round trip
                logger.warning("Public pages: not listening to generation bumps", exc_info=True)
                self._close()
                self._retry_at = time.monotonic() + RETRY_SECONDS
                return None

    def _current(self) -> str:
        if self._pid != os.getpid():  # a forked worker never shares its parent's socket
            self._pubsub, self._generation, self._pid = None, None, os.getpid()
            self.pages.clear()
        if self._pubsub is None:
            pubsub = _redis().pubsub()
            pubsub.subscribe(CHANNEL)
            confirmed = pubsub.get_message(timeout=1.0)
            if not confirmed or confirmed["type"] != "subscribe":
                pubsub.close()
                raise ConnectionError("no confirmation of the subscription")
            self._pubsub, self._generation = pubsub, None
        while (message := self._pubsub.get_message(timeout=0.0)) is not None:
            if message["type"] == "message":
                self._generation = None
        now = time.monotonic()
        if self._generation is None or now - self._read_at >= RECHECK_SECONDS:
            self._generation, self._read_at = public_generation(), now
        return self._generation

    def _close(self) -> None:
        if self._pubsub is not None:
            with contextlib.suppress(Exception):  # already broken: closing is best effort
                self._pubsub.close()
        self._pubsub, self._generation = None, None
        self.pages.clear()

    def get(self, key: str, generation: str) -> tuple | None:
        with self._lock:
            kept = self.pages.get(key)
            if kept is None or kept[0] != generation or kept[1] <= time.time():
                return None
            self.pages.move_to_end(key)
            return kept

    def keep(self, key: str, kept: tuple) -> None:
        with self._lock:
            self.pages[key] = kept
            self.pages.move_to_end(key)
            while len(self.pages) > LOCAL_PAGES:
                self.pages.popitem(last=False)


_listener = _Listener()


def max_ttl() -> int:
    """How long a kept page may live: long on a cache every process shares, short on a per-process one."""
    backend = settings.CACHES.get("default", {}).get("BACKEND", "")
    return MAX_TTL if backend.endswith(("LocMemCache", "DummyCache")) else SHARED_MAX_TTL


def mark_public(response: HttpResponse, ttl: float) -> HttpResponse:
    """Let the middleware keep this anonymous page for ``ttl`` seconds (at most ``max_ttl()``)."""
    setattr(response, _MARK, int(min(ttl, max_ttl())))
    return response


def _eligible(request: HttpRequest) -> bool:
    return (
        request.method in ("GET", "HEAD")
        and not request.META.get("QUERY_STRING")
        and not request.META.get("HTTP_AUTHORIZATION")
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and "messages" not in request.COOKIES
    )


class PublicPageCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not _eligible(request):
            return self.get_response(request)
        language = get_language_from_request(request)
        key = f"public-pages:{request.get_host()}:{language}:{request.path}"
        listening = _shared_redis() and (generation := _listener.generation()) is not None
        if listening:
            # No round trip: this process's copy, else the one another process kept (one GET).
            kept = _listener.get(key, generation) or self._shared(key, generation)
        else:
            # One round trip: the current generation and the page kept at this address (an MGET on Redis).
            found = cache.get_many([GENERATION_KEY, key])
            generation, kept = found.get(GENERATION_KEY), found.get(key)
            kept = kept if generation is not None and _fresh(kept, generation) else None
        if kept is not None:
            _, _, content, headers = kept
            response = HttpResponse(content if request.method == "GET" else b"", headers=headers)
            response["Content-Length"] = str(len(content))
            return response
        # Read before the page is rendered: a change during the render leaves the page with an older stamp.
        generation = generation or public_generation()
        response = self.get_response(request)
        ttl = getattr(response, _MARK, 0)
        if ttl > 0 and response.status_code == 200 and not response.cookies and not response.streaming:
            headers = {k: v for k, v in response.items() if k.lower() not in _NOT_KEPT}
            kept = (generation, time.time() + ttl, response.content, headers)
            cache.set(key, kept, ttl)
            if listening:
                _listener.keep(key, kept)
        return response

    @staticmethod
    def _shared(key: str, generation: str) -> tuple | None:
        kept = cache.get(key)
        if not _fresh(kept, generation):
            return None
        _listener.keep(key, kept)
        return kept


def _fresh(kept, generation: str) -> bool:
    """A kept page of this generation, not past its time (an expiry, a go-live, a per-process bound)."""
    return isinstance(kept, tuple) and len(kept) == 4 and kept[0] == generation and kept[1] > time.time()
