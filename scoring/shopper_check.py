"""The shopper-effect check of an edition for the organisers' rankings pages (issue 20).

Reads the counted tests (METHODOLOGY §5) with their shopper codes and answers, per category, the
official ranking beside the ranking of the scores adjusted for shopper effects (scoring.shopper_effect).
Computed in memory, stored nowhere: the official rule stays §7.
"""

from __future__ import annotations

from typing import Any

from election.models import Category, Edition, Entry

from . import selectors


def edition_check(*, edition: Edition) -> dict[str, Any]:
    # pandas and numpy stay out of the web processes' start-up
    from . import engine, shopper_effect  # noqa: PLC0415

    categories = list(Category.objects.filter(edition=edition).order_by("slug"))
    ids = [c.id for c in categories]
    entries = list(Entry.objects.filter(category_id__in=ids, status=Entry.Status.REGISTERED).select_related("brand"))
    rows = selectors.counted_tests(category_ids=ids).values_list(*engine.TEST_COLUMNS, "agency__slug", "shopper")
    tests = engine.tests_frame([r[:-2] for r in rows])
    # Shopper codes are each agency's own: the same code at two agencies is two people.
    tests["shopper"] = [f"{r[-2]}/{r[-1]}" if r[-1] else "" for r in rows]
    entries_df = engine.entries_frame([(e.id, e.category_id) for e in entries])
    settings = engine.Settings.from_edition(edition)
    found = shopper_effect.compare(tests, entries_df, settings, ids)
    by_category: dict[int, list[dict[str, Any]]] = {c.id: [] for c in categories}
    for entry in entries:
        rank, overall = found["official"].get(entry.id, (None, None))
        adjusted_rank, adjusted_overall = found["adjusted"].get(entry.id, (None, None))
        by_category[entry.category_id].append(
            {
                "brand": entry.brand.name,
                "rank": rank,
                "overall": overall,
                "adjusted_rank": adjusted_rank,
                "adjusted_overall": adjusted_overall,
                "moved": rank != adjusted_rank,
            }
        )
    effects = found["effects"]
    return {
        "categories": [
            {
                "category": c,
                "entries": sorted(by_category[c.id], key=lambda e: (e["rank"] is None, e["rank"] or 0, e["brand"])),
                "changed": any(e["moved"] for e in by_category[c.id]),
            }
            for c in categories
        ],
        "shoppers": sorted(
            ({"code": s, "effect": v, "tests": effects.tests[s]} for s, v in effects.effects.items()),
            key=lambda s: (s["effect"], s["code"]),
        ),
        "untagged": int((tests["shopper"] == "").sum()),
    }
