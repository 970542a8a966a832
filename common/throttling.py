"""Atomic rate counters for the login, password-reset and API throttles.

Each counter is a fixed window that opens at its first hit (``cache.add`` sets the count and its
expiry at once) and counts every hit with ``cache.incr``, both atomic on Redis and on the local-memory
cache: however many requests race, exactly one gets each number, so no burst gets more than the limit
through. A hit is counted before the work it guards (checking a password, sending an e-mail, serving
the API); a caller that must not count a success can ``reset`` the counter afterwards.

With the cache unreachable (django-redis set to ignore errors answers ``None``) the counters fail open:
the site keeps answering without limits, as the rest of it does without Redis.
"""

from __future__ import annotations

import hashlib
import re
import time
import unicodedata

from django.core.cache import cache

_PERIODS = {
    **dict.fromkeys(("s", "sec", "second", "seconds"), 1),
    **dict.fromkeys(("m", "min", "minute", "minutes"), 60),
    **dict.fromkeys(("h", "hour", "hours"), 3600),
    **dict.fromkeys(("d", "day", "days"), 86400),
}


def parse_rate(rate: str, *, setting: str = "LOGIN_THROTTLE_RATE") -> tuple[int, int]:
    """“10/min” → (10 attempts, 60 seconds); also “5/15min”, “100/h”."""
    match = re.fullmatch(r"\s*(\d+)\s*/\s*(\d*)\s*([a-z]+)\s*", rate or "")
    if not match or match.group(3) not in _PERIODS:
        raise ValueError(f"{setting} must look like '10/min', not {rate!r}")
    return int(match.group(1)), int(match.group(2) or 1) * _PERIODS[match.group(3)]


def identity(value: str) -> str:
    """One spelling per identity: NFKC (as Django's login form normalises usernames), trimmed, casefolded.

    "ｃｌａｉｒｅ", "Claire" and " claire " are one identity, so each spelling does not get its own tries.
    """
    return unicodedata.normalize("NFKC", value or "").strip().casefold()


def key(scope: str, *parts: str) -> str:
    digest = hashlib.sha256("|".join(parts).encode("utf-8", "surrogatepass")).hexdigest()
    return f"throttle:{scope}:{digest}"


def hit(counter: str, period: int, *, now: float | None = None) -> tuple[int | None, int]:
    """Counts one hit: (its number in the window, or None when the cache is unreachable; seconds until
    the window closes)."""
    now = time.time() if now is None else now
    started = f"{counter}:start"
    cache.add(started, now, period)
    if cache.add(counter, 1, period):
        count = 1
    else:
        try:
            count = cache.incr(counter)
        except ValueError:  # the window closed between add() and incr(): this hit opens the next one
            count = 1 if cache.add(counter, 1, period) else cache.incr(counter)
    opened = cache.get(started)
    remaining = period if opened is None else max(1, int(period - (now - float(opened)) + 0.999))
    return count, min(period, remaining)


def exceeded(counter: str, limit: int, period: int) -> tuple[bool, int]:
    """Counts one hit; (True when it is past ``limit`` in the window, seconds until the window closes)."""
    count, remaining = hit(counter, period)
    return (count is not None and count > limit), remaining


def reset(counter: str) -> None:
    cache.delete_many([counter, f"{counter}:start"])
