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

import uuid

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.utils.translation import get_language_from_request

GENERATION_KEY = "public-pages:generation"
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
        # One round trip: the current generation and the page kept at this address (an MGET on Redis).
        found = cache.get_many([GENERATION_KEY, key])
        generation, kept = found.get(GENERATION_KEY), found.get(key)
        if generation is not None and kept is not None and kept[0] == generation:
            _, content, headers = kept
            response = HttpResponse(content if request.method == "GET" else b"", headers=headers)
            response["Content-Length"] = str(len(content))
            return response
        # Read before the page is rendered: a change during the render leaves the page with an older stamp.
        generation = generation or public_generation()
        response = self.get_response(request)
        ttl = getattr(response, _MARK, 0)
        if ttl > 0 and response.status_code == 200 and not response.cookies and not response.streaming:
            headers = {k: v for k, v in response.items() if k.lower() not in _NOT_KEPT}
            cache.set(key, (generation, response.content, headers), ttl)
        return response
