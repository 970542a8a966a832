"""Integration: uploads commit, a real Celery worker (Redis broker, PostgreSQL) recomputes the rankings.

Run with REDIS_URL=redis://127.0.0.1:6379/3 and a PostgreSQL DATABASE_URL; skipped otherwise.
"""

import pytest

from mystery_tests.services import results_upload
from scoring.models import CategoryRanking
from scoring.selectors import rankings_for
from tests.conftest import upload_counts
from tests.support import factories
from tests.support.workers import wait_until

pytestmark = pytest.mark.services


def _wait_fresh(edition, predicate, timeout=90.0):
    bodies = [rankings_for(edition=edition)]

    def fresh() -> bool:
        bodies.append(rankings_for(edition=edition))
        return not bodies[-1]["stale"] and predicate(bodies[-1])

    wait_until(fresh, timeout=timeout, interval=0.5)
    return bodies[-1]


def _item(external_id, entry, channel, points, day=1):
    return {
        "external_id": external_id,
        "entry": entry.id,
        "channel": channel,
        "performed_at": f"{entry.category.edition.year - 1}-06-{day:02d}T10:00:00+02:00",
        "reached": True,
        "scores": {"greeting": points},
    }


@pytest.mark.django_db(transaction=True)
def test_worker_recomputes_rankings_after_uploads(live_worker):
    edition = factories.EditionFactory(
        year=2090, quota_phone=2, quota_email=1, quota_web=0, quota_chat=0, quota_social=0
    )
    banque = factories.CategoryFactory(edition=edition, slug="banque")
    entries = [
        factories.EntryFactory(category=banque, brand=factories.BrandFactory(slug=f"w-brand-{i}")) for i in range(3)
    ]
    campaign = factories.CampaignFactory(edition=edition)
    # greeting alone: 2 points → 20, 1 point → 10, 0 → 0 (METHODOLOGY §4)
    points = {0: (2, 2, 2), 1: (1, 1, 2), 2: (0, 1, 1)}
    items = []
    for i, e in enumerate(entries):
        phone_a, phone_b, email = points[i]
        items += [
            _item(f"W-{i}-1", e, "phone", phone_a),
            _item(f"W-{i}-2", e, "phone", phone_b),
            _item(f"W-{i}-3", e, "email", email),
        ]

    counts = results_upload(campaign=campaign, items=items)
    body = _wait_fresh(edition, lambda b: b["categories"][0]["entries"][0]["rank"] == 1)

    assert upload_counts(counts) == {"created": 9, "updated": 0, "unchanged": 0}
    assert live_worker.poll() is None, live_worker.stderr.read().decode() if live_worker.poll() is not None else ""
    assert body["stale"] is False
    ranked = [(e["brand"]["slug"], e["rank"], e["overall"], e["laureate"]) for e in body["categories"][0]["entries"]]
    # brand 0: 20 everywhere; brand 1: phone 10, e-mail 20 → (2×10 + 20)/3; brand 2: phone 5, e-mail 10 → 20/3
    assert ranked == [
        ("w-brand-0", 1, 20.0, True),
        ("w-brand-1", 2, pytest.approx(40 / 3), False),
        ("w-brand-2", 3, pytest.approx(20 / 3), False),
    ]

    # A second upload replacing brand 2's tests: recomputed again, no manual step.
    replaced = [_item("W-2-1", entries[2], "phone", 2), _item("W-2-2", entries[2], "phone", 2)]
    replaced += [_item("W-2-3", entries[2], "email", 2)]
    results_upload(campaign=campaign, items=replaced)
    body = _wait_fresh(
        edition,
        lambda b: (
            b["categories"][0]["entries"][0]["rank"] == 1
            and len([e for e in b["categories"][0]["entries"] if e["rank"] == 1]) == 2
        ),
    )

    top = [(e["brand"]["slug"], e["rank"], e["laureate"]) for e in body["categories"][0]["entries"]]
    assert top == [("w-brand-0", 1, True), ("w-brand-2", 1, True), ("w-brand-1", 3, False)]
    ranking = CategoryRanking.objects.get(category=banque)
    assert ranking.computed_version == ranking.input_version
    assert ranking.last_error == ""
