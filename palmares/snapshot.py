"""The snapshot of an edition as the public sees it: the palmarès body, the rankings, the methodology.

Built from the scoring engine's stored rankings by ``edition_publish`` (and frozen), or in
memory for an organiser's preview; pure reads, no writes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder

from election.channels import CHANNELS
from election.models import Edition
from mystery_tests.models import Criterion


def _normalise(data: Any) -> Any:
    """JSON-shaped copy (datetimes as ISO strings) so the stored snapshot equals what is served."""
    return json.loads(json.dumps(data, cls=DjangoJSONEncoder))


def snapshot_fingerprint(snapshot: dict) -> str:
    canonical = json.dumps(snapshot, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def palmares_body(*, edition: Edition, rankings: dict, figures: dict, published_at: dt.datetime | None) -> dict:
    """The palmarès body of API.md from a rankings body: laureates only, never another entry's figures."""
    categories = []
    for category in rankings.get("categories", []):
        laureates = [
            {"brand": {"slug": e["brand"]["slug"], "name": e["brand"]["name"]}, "overall": e["overall"]}
            for e in category.get("entries", [])
            if e.get("laureate")
        ]
        categories.append({"slug": category["slug"], "name": category["name"], "laureates": laureates})
    categories.sort(key=lambda c: c["slug"])
    return {
        "edition": {
            "id": edition.pk,
            "country": edition.country,
            "year": edition.year,
            "name": edition.name,
            "published_at": published_at.astimezone(dt.UTC).isoformat() if published_at else None,
        },
        "figures": figures,
        "categories": categories,
    }


def methodology_body(*, edition: Edition) -> dict:
    """The settings and grid in force, frozen with the results so the methodology page cannot drift."""
    criteria: dict[str, list[dict]] = {c: [] for c in edition.channels}
    for row in Criterion.objects.filter(edition=edition, channel__in=edition.channels).order_by(
        "channel", "position", "id"
    ):
        criteria[row.channel].append({"code": row.code, "label": row.label, "weight": row.weight})
    return {
        "time_zone": edition.time_zone,
        "language": edition.language,
        "threshold": float(edition.threshold),
        "min_entrants": edition.min_entrants,
        "completion": float(edition.completion),
        "channels": [
            {"channel": c, "quota": edition.quota[c], "weight": edition.weight[c], "criteria": criteria[c]}
            for c in CHANNELS
            if c in edition.channels
        ],
    }


def build_snapshot(*, edition: Edition, goes_live_at: dt.datetime | None) -> dict:
    """Everything the public sees of an edition, computed from the current stored rankings."""
    from scoring import selectors as scoring_selectors

    rankings = _normalise(scoring_selectors.rankings_for(edition=edition))
    figures = _normalise(scoring_selectors.figures_for(edition=edition))
    return {
        "rankings": rankings,
        "palmares": palmares_body(edition=edition, rankings=rankings, figures=figures, published_at=goes_live_at),
        "methodology": methodology_body(edition=edition),
    }
