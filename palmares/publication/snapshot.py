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
from django.db.models import Count, Exists, OuterRef, Q

from election.channels import CHANNELS
from election.models import Edition, Entry
from mystery_tests.models import Criterion, TestResult
from palmares.audit.selectors import audit_summary
from palmares.models import Appeal
from palmares.publication.provenance import add_provenance, counted_leaves
from scoring import selectors as scoring_selectors


def _normalise(data: Any) -> Any:
    """JSON-shaped copy (datetimes as ISO strings) so the stored snapshot equals what is served."""
    return json.loads(json.dumps(data, cls=DjangoJSONEncoder))


def snapshot_fingerprint(snapshot: dict) -> str:
    canonical = json.dumps(snapshot, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def excluded_tests(*, edition: Edition) -> dict[str, dict[str, int]]:
    """Per category slug, the registered entries' excluded tests by origin: ``appeal`` when an
    upheld appeal is about the test, ``quality_review`` for every other exclusion (§5)."""
    upheld = Appeal.objects.filter(result=OuterRef("pk"), status=Appeal.Status.ACCEPTED)
    rows = (
        TestResult.objects.filter(
            entry__category__edition=edition, entry__status=Entry.Status.REGISTERED, excluded=True
        )
        .annotate(by_appeal=Exists(upheld))
        .values("entry__category__slug")
        .annotate(appeal=Count("pk", filter=Q(by_appeal=True)), total=Count("pk"))
        .order_by()
    )
    return {
        r["entry__category__slug"]: {"quality_review": r["total"] - r["appeal"], "appeal": r["appeal"]} for r in rows
    }


def category_outcome(category: dict, laureates: list) -> str:
    """API.md: ``awarded``, ``not_contested`` (fewer complete entries than min_entrants) or
    ``below_threshold`` (contested, no complete entry reached the threshold)."""
    if laureates:
        return "awarded"
    return "below_threshold" if category.get("contested") else "not_contested"


def category_transparency(category: dict, *, min_entrants: int, excluded: dict[str, int] | None) -> dict:
    """API.md ``transparency``: counts only, nothing that is one entry's score or rank."""
    entries = category.get("entries", [])
    counted: dict[str, int] = {}
    for e in entries:
        for channel, block in (e.get("channels") or {}).items():
            counted[channel] = counted.get(channel, 0) + int(block.get("n", 0))
    excluded = excluded or {}
    return {
        "entries": len(entries),
        "scored_entries": sum(1 for e in entries if e.get("rank") is not None),
        "complete_entries": sum(1 for e in entries if e.get("complete")),
        "min_entrants": int(min_entrants),
        "counted_tests": {c: counted[c] for c in CHANNELS if c in counted},
        "excluded_tests": {
            "quality_review": int(excluded.get("quality_review", 0)),
            "appeal": int(excluded.get("appeal", 0)),
        },
    }


def palmares_body(
    *,
    edition: Edition,
    rankings: dict,
    figures: dict,
    published_at: dt.datetime | None,
    excluded: dict[str, dict[str, int]] | None = None,
) -> dict:
    """The palmarès body of API.md from a rankings body: laureates only, never another entry's figures.

    Per category also its ``outcome``, ``transparency`` (counts) and, for the laureates only,
    the statistics of METHODOLOGY §11 (``moe``, ``p_best``; the category's ``robustness``)."""
    categories = []
    for category in rankings.get("categories", []):
        laureates = [
            {
                "brand": {"slug": e["brand"]["slug"], "name": e["brand"]["name"]},
                "overall": e["overall"],
                "moe": e.get("moe"),
                "p_best": e.get("p_best"),
            }
            for e in category.get("entries", [])
            if e.get("laureate")
        ]
        categories.append(
            {
                "slug": category["slug"],
                "name": category["name"],
                # Issue 19: the name in every language given ({"fr", "en"}; "name" stays the edition's language).
                "names": category.get("names") or {},
                "laureates": laureates,
                # Only a sole laureate has one; without a laureate it is null anyway.
                "robustness": category.get("robustness") if laureates else None,
                "outcome": category_outcome(category, laureates),
                "transparency": category_transparency(
                    category,
                    min_entrants=edition.min_entrants,
                    excluded=(excluded or {}).get(category["slug"]),
                ),
            }
        )
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
        criteria[row.channel].append({"code": row.code, "label": row.label, "labels": row.labels, "weight": row.weight})
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


def build_snapshot(*, edition: Edition, goes_live_at: dt.datetime | None, leaves: dict | None = None) -> dict:
    """Everything the public sees of an edition, computed from the current stored rankings.

    ``leaves`` (``provenance.counted_leaves``) give the §12 roots; computed here when not given."""
    rankings = _normalise(scoring_selectors.rankings_for(edition=edition))
    figures = _normalise(scoring_selectors.figures_for(edition=edition))
    palmares = palmares_body(
        edition=edition,
        rankings=rankings,
        figures=figures,
        published_at=goes_live_at,
        excluded=excluded_tests(edition=edition),
    )
    add_provenance(palmares, counted_leaves(edition=edition) if leaves is None else leaves)
    # API.md: the independent controller's signed-off audit (null without one).
    palmares["audit"] = audit_summary(edition=edition)
    return {
        "rankings": rankings,
        "palmares": palmares,
        "methodology": methodology_body(edition=edition),
    }
