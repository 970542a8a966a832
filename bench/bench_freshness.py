"""Benchmark of how soon brands see fresh rankings after an upload (runner: bench/run.py --only freshness).

Builds (committed, deleted at the end) bench_scoring's edition of 50 categories × 8 entries × 225
tests = 90,000 tests (``--size smoke``: 5 × 4 × 225), computes its rankings, then starts gunicorn
(127.0.0.1:8132) and, on PostgreSQL, a REAL Celery worker (solo pool) on Redis (BENCH_FRESHNESS_REDIS_URL,
database 5 by default), both with the project's settings (the recompute's debounce included). Each
round POSTs one changed result of a category (a different category each round) to
``/api/v1/campaigns/{id}/results/`` and, from the moment the answer arrives (the upload has
committed), polls the category's ranking every 10 ms until its computed version has caught up with
its inputs. Target (issue 21): median ≤ 1.5 s. Floor, measured in the same run: the recompute of one
category alone, in this process. Without Redis (smoke on SQLite) the recompute runs eagerly inside
the request, so the figure only shows that the path works.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import statistics
import time

from bench.common import celery_worker, gunicorn, median_seconds, setup_django

TARGET_S = 1.5
ROUNDS = {"full": 9, "smoke": 3}
PORT = 8132
REDIS_URL = os.environ.get("BENCH_FRESHNESS_REDIS_URL", "redis://127.0.0.1:6379/5")


def _prepare(sizes: dict):
    """The committed edition with fresh rankings, its agency's token and campaign, one result per category."""
    from bench.bench_scoring import _build
    from mystery_tests.models import TestResult
    from mystery_tests.services import agency_api_token
    from scoring import services

    edition, cats, n_tests = _build(sizes["categories"], sizes["entries"])
    campaign = edition.campaigns.get()
    campaign.categories.set(cats)
    token, _ = agency_api_token(agency=campaign.agency)
    services.recompute_edition(edition=edition)
    chosen = {}
    for cat in cats:
        chosen[cat.pk] = (
            TestResult.objects.filter(entry__category=cat, channel="phone")
            .values("external_id", "entry_id", "performed_at")
            .order_by("pk")
            .first()
        )
    return edition, campaign, token, chosen, n_tests


def _fresh(category_id: int) -> bool:
    from scoring.models import CategoryRanking

    row = CategoryRanking.objects.filter(category_id=category_id).values("input_version", "computed_version").get()
    return row["computed_version"] >= row["input_version"]


def run(size: str = "full") -> list[dict]:
    setup_django()
    from django.conf import settings
    from django.db import connection

    from bench.bench_scoring import FULL, SMOKE
    from bench.bench_upload import _cleanup
    from scoring import services

    full = size == "full"
    postgres = connection.vendor == "postgresql"
    sizes = FULL if full else SMOKE
    rounds = ROUNDS["full" if full else "smoke"]
    edition, campaign, token, chosen, n_tests = _prepare(sizes)
    latencies = []
    try:
        env = {
            "DATABASE_URL": os.environ["DATABASE_URL"],
            "DJANGO_DEBUG": "0",
            "API_THROTTLE_RATE": "100000/min",
            "REDIS_URL": REDIS_URL if postgres else "",
        }
        headers = {"Authorization": f"Token {token}", "Content-Type": "application/json"}
        address = f"/api/v1/campaigns/{campaign.pk}/results/"
        category_ids = list(chosen)
        with gunicorn(env, port=PORT) as server, celery_worker(env) if postgres else contextlib.nullcontext():
            for n in range(rounds + 1):  # round 0 warms the worker and the server
                category_id = category_ids[n % len(category_ids)]
                stored = chosen[category_id]
                item = {
                    "external_id": stored["external_id"],
                    "entry": stored["entry_id"],
                    "channel": "phone",
                    "performed_at": stored["performed_at"].astimezone(dt.UTC).isoformat(),
                    "reached": False,
                    "wait_seconds": 30 + n,
                    "scores": {},
                    "comment": f"freshness round {n}",
                }
                status, answer, _ = server.request("POST", address, json.dumps([item]).encode(), headers)
                committed = time.perf_counter()
                if status != 200 or json.loads(answer)["updated"] != 1:
                    raise RuntimeError(f"upload answered {status}: {answer[:500]!r}")
                while not _fresh(category_id):
                    if time.perf_counter() - committed > 60:
                        raise RuntimeError(f"category {category_id} still stale 60 s after the upload")
                    time.sleep(0.01)
                if n:
                    latencies.append(time.perf_counter() - committed)
        floor = median_seconds(lambda: services.recompute_categories(category_ids=[category_ids[0]]), rounds)
    finally:
        _cleanup(edition, campaign.agency)

    median = statistics.median(latencies)
    return [
        {
            "name": f"upload committed → rankings fresh, {n_tests:,}-test edition, real worker",
            "value": round(median, 3),
            "unit": "s",
            "floor": f"{floor:.3f} s: the recompute of one category alone ({sizes['entries']} entries × 225 tests)",
            "ratio": round(median / floor, 2),
            "target": f"median ≤ {TARGET_S:g} s",
            "met": median <= TARGET_S if full and postgres else None,
            "baseline": f"the recompute alone: {floor:.3f} s",
            "notes": (
                f"{connection.vendor} ({settings.DATABASES['default']['NAME']}); "
                + ("Celery worker (solo pool) on Redis" if postgres else "no Redis: the recompute runs eagerly")
                + f"; median of {rounds} uploads of one changed result (one category each), polled every 10 ms; "
                f"all: {', '.join(f'{s:.2f}' for s in latencies)} s; the recompute waits "
                f"SCORING_RECOMPUTE_DELAY = {settings.SCORING_RECOMPUTE_DELAY:g} s so that a burst of uploads "
                f"shares it; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
            ),
        }
    ]
