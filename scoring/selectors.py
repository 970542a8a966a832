"""Reads of the scoring layer: the stored rankings in API.md's shape, edition figures, previews.

``rankings_for`` and ``figures_for`` read what the last recompute stored (check ``stale``);
``preview_category`` computes one category in memory from the current data and writes nothing.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import connections
from django.db.models import F, QuerySet
from django.utils import timezone

from common.display import format_percent
from election.channels import CHANNELS
from election.models import Category, Edition, Entry
from mystery_tests.models import Criterion, TestResult

from .models import CategoryRanking, EntryScore

UNSCORED: dict[str, Any] = {
    "rank": None,
    "overall": None,
    "moe": None,
    "complete": False,
    "laureate": False,
    "close_call": False,
    "counted_tests": 0,
    "channels": {},
    "p_threshold": None,
    "p_best": None,
}


def _ordered_channels(channels: Mapping[str, Any]) -> dict[str, Any]:
    return {c: channels[c] for c in CHANNELS if c in channels}


def _entry_body(entry: Entry, score: Mapping[str, Any] | None) -> dict[str, Any]:
    score = score or UNSCORED
    return {
        "entry": entry.id,
        "brand": {"slug": entry.brand.slug, "name": entry.brand.name},
        "rank": score["rank"],
        "overall": score["overall"],
        "moe": score["moe"],
        "complete": score["complete"],
        "laureate": score["laureate"],
        "close_call": score["close_call"],
        "counted_tests": score["counted_tests"],
        "channels": _ordered_channels(score["channels"]),
        "p_threshold": score.get("p_threshold"),
        "p_best": score.get("p_best"),
    }


def _sorted_entries(bodies: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Entries by rank then brand slug; unranked ones last (API.md)."""
    return sorted(bodies, key=lambda b: (b["rank"] is None, b["rank"] or 0, b["brand"]["slug"]))


def _stored_score(entry: Entry) -> dict[str, Any] | None:
    try:
        s = entry.computed
    except EntryScore.DoesNotExist:
        return None
    if s.category_id != entry.category_id:
        return None
    return {
        "rank": s.rank,
        "overall": s.overall,
        "moe": s.moe,
        "complete": s.complete,
        "laureate": s.laureate,
        "close_call": s.close_call,
        "counted_tests": s.counted_tests,
        "channels": s.channels or {},
        "p_threshold": s.p_threshold,
        "p_best": s.p_best,
    }


def _ranking_of(category: Category) -> CategoryRanking | None:
    try:
        return category.ranking
    except CategoryRanking.DoesNotExist:
        return None


def rankings_for(*, edition: Edition) -> dict[str, Any]:
    """The organisers' rankings body of API.md, from the stored rankings (two queries)."""
    categories = list(Category.objects.filter(edition=edition).select_related("ranking").order_by("slug"))
    entries = (
        Entry.objects.filter(category__edition=edition, status=Entry.Status.REGISTERED)
        .select_related("brand", "computed")
        .order_by("id")
    )
    by_category: dict[int, list[dict[str, Any]]] = {c.id: [] for c in categories}
    for entry in entries:
        by_category[entry.category_id].append(_entry_body(entry, _stored_score(entry)))
    computed = [r.computed_at for c in categories if (r := _ranking_of(c)) and r.computed_at]
    bodies = []
    for category in categories:
        ranking = _ranking_of(category)
        bodies.append(
            {
                "id": category.id,
                "slug": category.slug,
                "name": category.name,
                "names": category.names,
                "contested": bool(ranking and ranking.contested),
                "awarded": bool(ranking and ranking.awarded),
                "robustness": ranking.robustness if ranking else None,
                "stale": bool(ranking and ranking.stale),
                "computed_at": ranking.computed_at if ranking else None,
                "entries": _sorted_entries(by_category[category.id]),
            }
        )
    return {
        "edition": edition.id,
        "computed_at": max(computed) if computed else None,
        "stale": any(b["stale"] for b in bodies),
        "categories": bodies,
    }


def is_stale(*, edition: Edition) -> bool:
    """True while any input of the edition changed since its rankings were computed (API.md)."""
    return CategoryRanking.objects.filter(category__edition=edition, computed_version__lt=F("input_version")).exists()


def _preview(
    *,
    edition: Edition,
    categories: list[Category],
    exclude_result_ids: Iterable[int] = (),
    overrides: Mapping[str, Any] | None = None,
) -> list[dict[str, Any]]:
    from . import engine  # noqa: PLC0415 -- engine loads pandas and numpy: kept out of the web processes' start-up

    ids = [c.id for c in categories]
    settings = engine.Settings.from_edition(edition, overrides)
    tests, entries_df = load_inputs(category_ids=ids, exclude_result_ids=exclude_result_ids)
    result = engine.compute(tests, entries_df, settings, category_ids=ids)
    records = {r["entry_id"]: r for rows in result.records().values() for r in rows}
    summaries = result.summaries()
    by_category: dict[int, list[dict[str, Any]]] = {c.id: [] for c in categories}
    entries = Entry.objects.filter(category_id__in=ids, status=Entry.Status.REGISTERED).select_related("brand")
    for entry in entries:
        by_category[entry.category_id].append(_entry_body(entry, records.get(entry.id)))
    return [
        {
            "id": c.id,
            "slug": c.slug,
            "name": c.name,
            "names": c.names,
            "contested": summaries[c.id]["contested"],
            "awarded": summaries[c.id]["awarded"],
            "lead": summaries[c.id]["lead"],
            "margin": summaries[c.id]["margin"],
            "robustness": summaries[c.id]["robustness"],
            "entries": _sorted_entries(by_category[c.id]),
        }
        for c in categories
    ]


def preview_category(
    *,
    category: Category,
    exclude_result_ids: Iterable[int] = (),
    overrides: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """One category in the rankings body's category shape, computed in memory from the current
    data with some tests excluded and/or settings overridden (``threshold``, ``weight``
    (per channel), ``completion``, ``min_entrants``). Writes nothing."""
    return _preview(
        edition=category.edition,
        categories=[category],
        exclude_result_ids=exclude_result_ids,
        overrides=overrides,
    )[0]


def preview_edition(*, edition: Edition, overrides: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
    """Every category of an edition as ``preview_category`` gives it, in one computation."""
    categories = list(Category.objects.filter(edition=edition).order_by("slug"))
    return _preview(edition=edition, categories=categories, overrides=overrides)


def _laureate_names(category: Mapping[str, Any]) -> list[str]:
    return [e["brand"]["name"] for e in category["entries"] if e["laureate"]]


def _laureate_p_best(category: Mapping[str, Any]) -> list[str]:
    return [format_percent(e["p_best"], empty="—") for e in category["entries"] if e["laureate"]]


def what_if(*, edition: Edition, overrides: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Per category, the laureates under the edition's settings and under ``overrides``, both
    computed from the current data, so only the settings differ. Writes nothing."""
    current = preview_edition(edition=edition)
    changed = preview_edition(edition=edition, overrides=overrides)
    rows = []
    for now, then in zip(current, changed, strict=True):
        before, after = _laureate_names(now), _laureate_names(then)
        rows.append(
            {
                "category": now,
                "what_if": then,
                "laureates_now": before,
                "laureates_what_if": after,
                "p_best_now": _laureate_p_best(now),
                "p_best_what_if": _laureate_p_best(then),
                "changes": before != after,
            }
        )
    return rows


def edition_overview(*, edition: Edition) -> dict[str, Any]:
    """The jury's view of the stored rankings: per category laureate(s), runner-up, lead and
    combined margin, close call, leader when not awarded, staleness and last error."""
    body = rankings_for(edition=edition)
    rankings = {
        r.category_id: r
        for r in CategoryRanking.objects.filter(category__edition=edition).select_related("runner_up__brand")
    }
    rows = []
    for category in body["categories"]:
        ranking = rankings.get(category["id"])
        entries = category["entries"]
        laureates = [e for e in entries if e["laureate"]]
        runner_up = next((e for e in entries if ranking and e["entry"] == ranking.runner_up_id), None)
        rows.append(
            {
                "category": category,
                "laureates": laureates,
                "runner_up": runner_up,
                "leader": entries[0] if entries and entries[0]["rank"] == 1 else None,
                "lead": ranking.lead if ranking else None,
                "margin": ranking.margin if ranking else None,
                "close_call": any(e["close_call"] for e in laureates),
                "robustness": ranking.robustness if ranking else None,
                "last_error": ranking.last_error if ranking else "",
                "scored": sum(1 for e in entries if e["rank"] is not None),
                "complete": sum(1 for e in entries if e["complete"]),
            }
        )
    return {"rankings": body, "rows": rows}


# -- reading the inputs ---------------------------------------------------------------------


def counted_tests(*, category_ids: Iterable[int]) -> QuerySet[TestResult]:
    """The tests that count (METHODOLOGY §5) in some categories: not excluded, of registered entries."""
    return TestResult.objects.filter(
        entry__category_id__in=list(category_ids), entry__status=Entry.Status.REGISTERED, excluded=False
    )


def load_inputs(*, category_ids: Iterable[int], exclude_result_ids: Iterable[int] = ()) -> tuple[Any, Any]:
    """Counted tests and registered entries of some categories, in bulk (METHODOLOGY §5)."""
    from . import engine  # noqa: PLC0415 -- engine loads pandas and numpy: kept out of the web processes' start-up

    ids = list(category_ids)
    entries = Entry.objects.filter(category_id__in=ids, status=Entry.Status.REGISTERED).values_list("id", "category_id")
    tests = counted_tests(category_ids=ids)
    exclude = list(exclude_result_ids)
    if exclude:
        tests = tests.exclude(id__in=exclude)
    # No ORDER BY: the engine sorts canonically itself, and the database may then hash-join.
    rows = tests.order_by().values_list(*engine.TEST_COLUMNS)
    return _tests_frame(rows), engine.entries_frame(list(entries))


def _tests_frame(rows: Any) -> Any:
    """The counted tests as a DataFrame. On PostgreSQL the same query is streamed with COPY into
    pandas' C parser (a 90,000-test edition reads in a fraction of the time Python tuples take)."""
    from . import engine  # noqa: PLC0415 -- engine loads pandas and numpy: kept out of the web processes' start-up

    connection = connections[rows.db]
    if connection.vendor != "postgresql":
        return engine.tests_frame(list(rows))
    import pandas as pd  # noqa: PLC0415 -- pandas kept out of the web processes' start-up

    sql, params = rows.query.sql_with_params()
    buffer = io.StringIO()
    with connection.cursor() as cursor:
        statement = cursor.mogrify(sql, params).decode()
        cursor.copy_expert(f"COPY ({statement}) TO STDOUT WITH (FORMAT csv)", buffer)
    buffer.seek(0)
    return pd.read_csv(
        buffer,
        header=None,
        names=engine.TEST_COLUMNS,
        dtype={"entry_id": "int64", "channel": engine.CHANNEL_DTYPE, "score": "float64"},
        true_values=["t"],
        false_values=["f"],
    ).astype(engine.TEST_DTYPES)


def grid_of(edition: Edition) -> list[tuple[str, str, int]]:
    return list(Criterion.objects.filter(edition=edition).values_list("channel", "code", "weight"))


# -- figures --------------------------------------------------------------------------------


def previous_published_edition(*, edition: Edition) -> Edition | None:
    """The published edition of the same country with the greatest year before this one."""
    return (
        Edition.objects.filter(
            country=edition.country,
            year__lt=edition.year,
            published_at__isnull=False,
            published_at__lte=timezone.now(),
        )
        .order_by("-year")
        .first()
    )


def _laureate_pairs(edition: Edition) -> list[tuple[str, int]]:
    return list(
        EntryScore.objects.filter(
            category__edition=edition, laureate=True, entry__status=Entry.Status.REGISTERED
        ).values_list("category__slug", "entry__brand_id")
    )


def _renewal(edition: Edition, current: list[tuple[str, int]]) -> float | None:
    from . import engine  # noqa: PLC0415 -- engine loads pandas and numpy: kept out of the web processes' start-up

    previous = previous_published_edition(edition=edition)
    return engine.renewal_rate(current, _laureate_pairs(previous) if previous else None)


def _counted_tests(edition: Edition) -> Any:
    from . import engine  # noqa: PLC0415 -- engine loads pandas and numpy: kept out of the web processes' start-up

    rows = TestResult.objects.filter(
        entry__category__edition=edition, entry__status=Entry.Status.REGISTERED, excluded=False
    )
    return _tests_frame(rows.order_by().values_list(*engine.TEST_COLUMNS))


def figures_for(*, edition: Edition) -> dict[str, Any]:
    """The palmarès ``figures`` (API.md, METHODOLOGY §9) from the stored rankings and the
    counted tests. Call it on fresh rankings (``rankings_for(...)["stale"]`` false)."""
    import pandas as pd  # noqa: PLC0415 -- pandas kept out of the web processes' start-up

    from . import engine  # noqa: PLC0415 -- engine loads pandas and numpy: kept out of the web processes' start-up

    settings = engine.Settings.from_edition(edition)
    stored = list(
        EntryScore.objects.filter(category__edition=edition, entry__status=Entry.Status.REGISTERED).values_list(
            "entry_id", "category__slug", "entry__brand_id", "overall", "laureate", "channels"
        )
    )
    records = []
    for entry_id, _slug, _brand, overall, laureate, channels in stored:
        record: dict[str, Any] = {"entry_id": entry_id, "overall": overall, "laureate": laureate}
        for c in settings.channels:
            block = (channels or {}).get(c)
            record[f"n_{c}"] = block["n"] if block else 0
            record[f"score_{c}"] = block["score"] if block else None
        records.append(record)
    columns = ["entry_id", "overall", "laureate"] + [f"{k}_{c}" for c in settings.channels for k in ("n", "score")]
    entries = pd.DataFrame.from_records(records, columns=columns).astype({"overall": "float64"})
    for c in settings.channels:
        entries[f"score_{c}"] = entries[f"score_{c}"].astype("float64")
    rankings = CategoryRanking.objects.filter(category__edition=edition)
    current = [(slug, brand) for _e, slug, brand, _o, laureate, _c in stored if laureate]
    return engine.figures(
        entries,
        _counted_tests(edition),
        settings,
        categories=Category.objects.filter(edition=edition).count(),
        contested=rankings.filter(contested=True).count(),
        awarded=rankings.filter(awarded=True).count(),
        renewal_rate=_renewal(edition, current),
    )
