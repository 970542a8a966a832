"""Concurrency and faults with real processes: gunicorn, Celery workers, Redis and PostgreSQL.

Each test proves that nothing was lost or counted twice and that the stored rankings equal a fresh
computation in memory from the current rows (scoring.selectors.preview_edition):
1. two agencies uploading into the same category at the same moment over HTTP;
2. the same payload sent three times at once (exactly one set of rows, counts add up, no 500);
3. a worker killed (SIGKILL) in the middle of storing a recompute: the old ranking stays whole, the
   sweep run by a new worker completes it;
4. Redis down during an upload: the upload commits (200), the recompute cannot be queued (logged);
   Redis back, the periodic sweep ("scoring.sweep_stale") catches up.

Run with REDIS_URL=redis://127.0.0.1:6379/10 and a PostgreSQL DATABASE_URL; skipped otherwise.
The last test, on any database, checks the API itself with its cache unreachable.
"""

from __future__ import annotations

import json
import signal
import threading
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pytest
from celery import Celery
from django.db.models import F
from django.test import override_settings
from rest_framework.test import APIClient

from election.models import Category, Edition, Entry
from mystery_tests.models import Campaign, ResultEvent, TestResult
from mystery_tests.services import agency_api_token, results_upload
from scoring import services as scoring_services
from scoring.models import CategoryRanking, EntryScore
from scoring.selectors import preview_edition, rankings_for
from tests.conftest import upload_counts
from tests.support import factories
from tests.support.workers import free_port, gunicorn, private_redis, wait_until, worker


@dataclass
class World:
    edition: Edition
    banque: Category
    assurance: Category
    entries: list[Entry]
    campaigns: dict[str, Campaign]
    tokens: dict[str, str]


def _world() -> World:
    """Two categories of four brands, two agencies whose campaigns both cover both categories."""
    # Room for both agencies' tests (8 phone and 4 e-mail each per entry): the quota caps the sum (§5).
    edition = factories.EditionFactory(quota_phone=16, quota_email=8, quota_web=0, quota_chat=0, quota_social=0)
    banque = factories.CategoryFactory(edition=edition, slug="banque", name="Banque")
    assurance = factories.CategoryFactory(edition=edition, slug="assurance", name="Assurance")
    entries = [
        factories.EntryFactory(category=category, brand=factories.BrandFactory(slug=f"{category.slug}-h10-{i}"))
        for category in (banque, assurance)
        for i in range(4)
    ]
    campaigns, tokens = {}, {}
    for slug in ("agence-a", "agence-b"):
        agency = factories.AgencyFactory(slug=slug, name=slug.title())
        campaigns[slug] = factories.CampaignFactory(edition=edition, agency=agency, categories=[banque, assurance])
        tokens[slug], _ = agency_api_token(agency=agency)
    return World(edition, banque, assurance, entries, campaigns, tokens)


def _items(world: World, prefix: str, *, per_entry: int = 12, shift: int = 0) -> list[dict]:
    """``per_entry`` tests per entry (two thirds phone, one third e-mail); points vary with ``shift``."""
    year = world.edition.year - 1
    items = []
    for e, entry in enumerate(world.entries):
        for n in range(per_entry):
            channel = "phone" if n % 3 else "email"
            items.append(
                {
                    "external_id": f"{prefix}-{entry.pk}-{n:03d}",
                    "entry": entry.pk,
                    "channel": channel,
                    "performed_at": f"{year}-06-{n % 28 + 1:02d}T{9 + e % 8:02d}:00:00+02:00",
                    "reached": True,
                    "scores": {"greeting": (e + n + shift) % 3, "courtesy": (e * n + shift) % 3},
                }
            )
    return items


def _post(base: str, token: str, campaign: Campaign, items: list[dict]) -> tuple[int, dict]:
    request = urllib.request.Request(
        f"{base}/api/v1/campaigns/{campaign.pk}/results/",
        data=json.dumps(items).encode(),
        method="POST",
        headers={"Authorization": f"Token {token}", "Content-Type": "application/json", "Accept-Language": "en"},
    )
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        body = error.read()
        try:
            return error.code, json.loads(body)
        except ValueError:
            return error.code, {"raw": body.decode(errors="replace")[:2000]}


def _at_once(calls: list) -> list:
    """Run the calls in threads released together by a barrier; results in the calls' order."""
    barrier = threading.Barrier(len(calls))

    def run(call):
        barrier.wait()
        return call()

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))


def _comparable(category: dict) -> dict:
    """A category body without the fields that only say when or whether it was stored."""
    return {k: v for k, v in category.items() if k not in ("stale", "computed_at")}


def _differences(a, b, path: str = "") -> list[str]:
    """Where two JSON-shaped values differ, as dotted paths (a readable assertion message)."""
    if isinstance(a, dict) and isinstance(b, dict):
        return [d for k in sorted(set(a) | set(b), key=str) for d in _differences(a.get(k), b.get(k), f"{path}.{k}")]
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        return [d for i, (x, y) in enumerate(zip(a, b, strict=True)) for d in _differences(x, y, f"{path}[{i}]")]
    return [] if a == b else [f"{path}: stored {a!r} ≠ fresh {b!r}"]


def _assert_stored_equals_fresh(edition: Edition) -> dict:
    stored = rankings_for(edition=edition)
    fresh = preview_edition(edition=edition)
    assert stored["stale"] is False
    differences = _differences([_comparable(c) for c in stored["categories"]], [_comparable(c) for c in fresh])
    assert differences == []
    return stored


def _send(broker: str, task: str, **kwargs) -> None:
    """Send a task by name to a broker, as the beat would, without touching the project's app
    (a new Celery app is made the current one by default, and would stay so for later tests)."""
    client = Celery(broker=broker, set_as_current=False)
    try:
        client.send_task(task, kwargs=kwargs)
    finally:
        client.close()


def _all_fresh(edition: Edition) -> bool:
    """Both categories have a ranking computed from their latest inputs."""
    rankings = CategoryRanking.objects.filter(category__edition=edition)
    return rankings.count() == 2 and not rankings.filter(computed_version__lt=F("input_version")).exists()


def _stored_scores(edition: Edition) -> list[tuple]:
    return list(
        EntryScore.objects.filter(category__edition=edition)
        .order_by("entry_id")
        .values_list("entry_id", "overall", "rank", "laureate", "complete", "fingerprint")
    )


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_two_agencies_uploading_into_the_same_categories_at_once_lose_nothing(tmp_path):
    world = _world()
    payload_a = _items(world, "A")
    payload_b = _items(world, "B", shift=1)

    with worker(log=tmp_path / "worker.log"), gunicorn(log=tmp_path / "server.log") as base:
        answers = _at_once(
            [
                lambda: _post(base, world.tokens["agence-a"], world.campaigns["agence-a"], payload_a),
                lambda: _post(base, world.tokens["agence-b"], world.campaigns["agence-b"], payload_b),
            ]
        )
        fresh = wait_until(lambda: _all_fresh(world.edition), timeout=120)

    assert [(status, upload_counts(body)) for status, body in answers] == [
        (200, {"created": len(payload_a), "updated": 0, "unchanged": 0}),
        (200, {"created": len(payload_b), "updated": 0, "unchanged": 0}),
    ]
    assert fresh, (tmp_path / "worker.log").read_text()
    stored_ids = set(TestResult.objects.values_list("external_id", flat=True))
    assert stored_ids == {i["external_id"] for i in payload_a + payload_b}
    assert ResultEvent.objects.filter(kind="created").count() == len(payload_a) + len(payload_b)
    stored = _assert_stored_equals_fresh(world.edition)
    assert [c["contested"] for c in stored["categories"]] == [True, True]


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_same_payload_sent_three_times_at_once_is_stored_once(tmp_path):
    world = _world()
    payload = _items(world, "A")
    token, campaign = world.tokens["agence-a"], world.campaigns["agence-a"]

    with worker(log=tmp_path / "worker.log"), gunicorn(log=tmp_path / "server.log") as base:
        answers = _at_once([lambda: _post(base, token, campaign, payload)] * 3)
        fresh = wait_until(lambda: _all_fresh(world.edition), timeout=120)

    statuses = [status for status, _ in answers]
    counts = sorted((body.get("created"), body.get("updated"), body.get("unchanged")) for _, body in answers)
    assert statuses == [200, 200, 200], answers
    # One upload created every row; the others, serialised behind it, found them all unchanged.
    assert counts == [(0, 0, len(payload)), (0, 0, len(payload)), (len(payload), 0, 0)]
    assert TestResult.objects.count() == len(payload)
    assert ResultEvent.objects.count() == len(payload)
    assert set(TestResult.objects.values_list("version", flat=True)) == {1}
    assert fresh, (tmp_path / "worker.log").read_text()
    _assert_stored_equals_fresh(world.edition)


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_worker_killed_while_storing_a_recompute_leaves_the_old_ranking_whole(tmp_path):
    world = _world()
    campaign = world.campaigns["agence-a"]
    results_upload(campaign=campaign, items=_items(world, "A"))
    scoring_services.recompute_edition(edition=world.edition)  # the ranking in place before the fault
    before = _stored_scores(world.edition)
    before_body = rankings_for(edition=world.edition)
    # Every result replaced: the ranking must move.
    counts = results_upload(campaign=campaign, items=_items(world, "A", shift=1))
    marker = tmp_path / "storing"
    # A Redis of the test's own: no other worker on the machine can take the task meant to be killed.
    with private_redis() as (redis, env):
        slow_env = {**env, "HARDENING_SLOW_MARKER": str(marker), "HARDENING_SLOW_SECONDS": "120"}
        ids = sorted([world.banque.pk, world.assurance.pk])
        with worker(app="tests.support.slow_worker_app", env=slow_env, log=tmp_path / "slow.log") as slow:
            _send(redis.url, "scoring.recompute_categories", category_ids=ids)  # what the upload queues
            reached = wait_until(marker.exists, timeout=120)
            slow.send_signal(signal.SIGKILL)
            slow.wait(timeout=20)
        # PostgreSQL rolled the store back when the connection died: the old ranking, whole, marked stale.
        kept = wait_until(lambda: _stored_scores(world.edition) == before, timeout=30)
        after_kill = rankings_for(edition=world.edition)

        with worker(env=env, log=tmp_path / "worker.log"):
            # What the beat does every minute; the killed task's message is not redelivered before
            # the broker's visibility timeout, and the task had already cleared its pending keys.
            _send(redis.url, "scoring.sweep_stale")
            fresh = wait_until(lambda: _all_fresh(world.edition), timeout=120)

    assert upload_counts(counts) == {"created": 0, "updated": len(_items(world, "A")), "unchanged": 0}
    assert reached, (tmp_path / "slow.log").read_text()
    assert slow.returncode == -signal.SIGKILL
    assert kept
    assert after_kill["stale"] is True
    assert [_comparable(c) for c in after_kill["categories"]] == [_comparable(c) for c in before_body["categories"]]
    assert fresh, (tmp_path / "worker.log").read_text()
    assert _stored_scores(world.edition) != before
    _assert_stored_equals_fresh(world.edition)
    assert TestResult.objects.count() == len(_items(world, "A"))
    assert ResultEvent.objects.filter(kind="replaced").count() == len(_items(world, "A"))


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_upload_while_redis_is_down_commits_and_the_sweep_catches_up(tmp_path):
    world = _world()
    payload = _items(world, "A")
    with private_redis(LOG_LEVEL="INFO") as (redis, env):
        server_log = tmp_path / "server.log"
        with gunicorn(env=env, log=server_log) as base:
            redis.stop()
            status, body = _post(base, world.tokens["agence-a"], world.campaigns["agence-a"], payload)
            stale_after_upload = rankings_for(edition=world.edition)["stale"]
        redis.start()
        with worker(env=env, log=tmp_path / "worker.log"):
            _send(redis.url, "scoring.sweep_stale")  # the beat's periodic tick
            fresh = wait_until(lambda: _all_fresh(world.edition), timeout=120)

    assert (status, upload_counts(body)) == (200, {"created": len(payload), "updated": 0, "unchanged": 0})
    assert TestResult.objects.count() == len(payload)
    assert stale_after_upload is True
    assert "Could not queue the recompute of categories" in server_log.read_text()
    assert fresh, (tmp_path / "worker.log").read_text()
    _assert_stored_equals_fresh(world.edition)


@pytest.mark.django_db
def test_upload_with_the_cache_unreachable_answers_200_and_leaves_the_ranking_stale(
    caplog, django_capture_on_commit_callbacks
):
    world = _world()
    payload = _items(world, "A", per_entry=3)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {world.tokens['agence-a']}")
    # Nothing listens on a just-freed port: every cache call (throttle, pending keys) fails at once.
    # The aliases are shaped as in production: the default one ignores (and logs) errors, the
    # "tasks" one raises so that a lost enqueue is logged.
    dead = f"redis://127.0.0.1:{free_port()}/0"
    unreachable = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": dead,
            "OPTIONS": {"IGNORE_EXCEPTIONS": True},
        },
        "tasks": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": dead},
    }

    with override_settings(CACHES=unreachable), django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/api/v1/campaigns/{world.campaigns['agence-a'].pk}/results/", payload, format="json")

    assert (response.status_code, upload_counts(response.json())) == (
        200,
        {"created": len(payload), "updated": 0, "unchanged": 0},
    )
    assert TestResult.objects.count() == len(payload)
    assert rankings_for(edition=world.edition)["stale"] is True
    messages = [r.getMessage() for r in caplog.records]
    assert any(m.startswith("Could not queue the recompute of categories") for m in messages)
