"""Benchmark of the scoring engine (runner: bench/run.py; alone: python bench/bench_scoring.py [full|smoke]).

Builds, inside a transaction that is rolled back (nothing stays behind), an edition of
50 categories × 8 entries × 225 tests = 90,000 counted tests with the default quotas
(``smoke``: 5 × 4 × 225 = 4,500), then measures on whatever database Django is configured with:

- a full stored recompute of the edition (read the counted tests in bulk, compute, replace
  every category's rows in one transaction), target ≤ 2 s;
- the stored recompute of one category (1,800 tests), target ≤ 0.2 s;
- the peak memory of the full recompute (tracemalloc, Python allocations incl. pandas/numpy);
- the split of the full recompute: database read, engine, fingerprints;
- the baseline: pandas alone on the same rows already in memory (DataFrame + one groupby mean/std).
Medians of several warm runs.
"""

from __future__ import annotations

import sys
import time
import tracemalloc
from pathlib import Path

if __package__ in (None, ""):  # run as a script: the project's root on the path, as bench/run.py has it
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import median_seconds, rolled_back, setup_django

FULL = {"categories": 50, "entries": 8}
SMOKE = {"categories": 5, "entries": 4}
FULL_TARGET_S = 2.0
ONE_TARGET_S = 0.2


def _build(categories: int, entries_per_category: int):
    """An edition with the default quotas and grid, its categories, entries and counted tests."""
    import datetime as dt

    import numpy as np
    from django.utils import timezone

    from election.channels import CHANNELS, DEFAULT_QUOTA
    from election.models import Brand, Category, Edition, Entry
    from mystery_tests.models import Agency, Campaign, TestResult

    used = set(Edition.objects.filter(country="ZZ").values_list("year", flat=True))
    year = next(y for y in range(2100, 1999, -1) if y not in used)
    edition = Edition.objects.create(country="ZZ", year=year, name=f"Bench scoring {year}")
    # The default grid comes with the edition (mystery_tests.receivers).
    cats = Category.objects.bulk_create(
        Category(edition=edition, slug=f"bench-{i:02d}", name=f"Bench {i:02d}") for i in range(categories)
    )
    brands = Brand.objects.bulk_create(
        Brand(slug=f"bench-{year}-{i:03d}", name=f"Bench brand {i:03d}")
        for i in range(categories * entries_per_category)
    )
    entries = Entry.objects.bulk_create(
        Entry(category=cats[i // entries_per_category], brand=brand) for i, brand in enumerate(brands)
    )
    agency = Agency.objects.create(slug=f"bench-scoring-{year}", name="Bench scoring")
    campaign = Campaign.objects.create(
        edition=edition, agency=agency, starts_on=dt.date(year - 1, 5, 1), ends_on=dt.date(year - 1, 7, 31)
    )
    rng = np.random.default_rng(20270501)
    performed = timezone.make_aware(dt.datetime(year - 1, 6, 1, 10, 0))
    rows = []
    serial = 0
    for e in entries:
        level = rng.uniform(9, 16)
        for channel in CHANNELS:
            quota = DEFAULT_QUOTA[channel]
            reached = rng.random(quota) > 0.08
            points = np.clip(np.round(rng.normal(level, 3.0, quota) * 4) / 4, 0, 20)
            for k in range(quota):
                serial += 1
                rows.append(
                    TestResult(
                        agency=agency,
                        campaign=campaign,
                        external_id=f"B-{serial}",
                        entry=e,
                        channel=channel,
                        performed_at=performed,
                        reached=bool(reached[k]),
                        wait_seconds=float(rng.integers(0, 600)) if channel in ("phone", "chat") else None,
                        response_hours=float(rng.integers(1, 96)) if channel in ("email", "social") else None,
                        scores={},
                        score=float(points[k]) if reached[k] else 0.0,
                    )
                )
    TestResult.objects.bulk_create(rows, batch_size=5000)
    return edition, cats, serial


def _measure(edition, cats, n_tests: int, sizes: dict) -> list[dict]:
    import pandas as pd

    from scoring import engine, services

    ids = [c.id for c in cats]
    services.recompute_edition(edition=edition)  # warm: imports, plans, caches

    full_s = median_seconds(lambda: services.recompute_edition(edition=edition), 3)
    one_s = median_seconds(lambda: services.recompute_categories(category_ids=[ids[0]]), 7)

    tracemalloc.start()
    services.recompute_edition(edition=edition)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    started = time.perf_counter()
    tests, entries = services.load_inputs(category_ids=ids)
    read_s = time.perf_counter() - started
    settings = engine.Settings.from_edition(edition)
    engine_s = median_seconds(lambda: engine.compute(tests, entries, settings, category_ids=ids), 5)
    grid = services.grid_of(edition)
    fingerprint_s = median_seconds(lambda: engine.fingerprints(tests, entries, settings, grid), 5)

    rows = list(tests.itertuples(index=False, name=None))

    def pandas_alone():
        df = pd.DataFrame.from_records(rows, columns=engine.TEST_COLUMNS)
        df.groupby(["entry_id", "channel"])["score"].agg(["count", "mean", "std"])

    baseline_s = median_seconds(pandas_alone, 5)
    shape = f"{sizes['categories']} categories × {sizes['entries']} entries × 225 tests = {n_tests:,} tests"
    return [
        {
            "name": "scoring: full recompute of an edition",
            "value": round(full_s, 3),
            "unit": "s",
            "target": f"≤ {FULL_TARGET_S:g} s",
            "met": full_s <= FULL_TARGET_S,
            "baseline": f"pandas alone on the rows in memory: {baseline_s:.3f} s",
            "notes": (
                f"{shape}; median of 3; read {read_s:.3f} s, engine {engine_s:.3f} s, "
                f"fingerprints {fingerprint_s:.3f} s; the rest stores {len(ids)} categories' rows in one "
                "transaction"
            ),
        },
        {
            "name": "scoring: recompute of one category",
            "value": round(one_s, 3),
            "unit": "s",
            "target": f"≤ {ONE_TARGET_S:g} s",
            "met": one_s <= ONE_TARGET_S,
            "baseline": "",
            "notes": f"{sizes['entries']} entries × 225 tests; median of 7",
        },
        {
            "name": "scoring: peak memory of a full recompute",
            "value": round(peak / 2**20, 1),
            "unit": "MiB",
            "target": "",
            "met": None,
            "baseline": "",
            "notes": "tracemalloc peak of Python allocations (pandas and numpy buffers included)",
        },
        {
            "name": "scoring: engine alone (rows in memory)",
            "value": round(engine_s, 3),
            "unit": "s",
            "target": "",
            "met": None,
            "baseline": f"pandas alone: {baseline_s:.3f} s",
            "notes": "§6–§8 for the whole edition from a DataFrame already loaded; median of 5",
        },
    ]


def run(size: str = "full") -> list[dict]:
    setup_django()
    sizes = FULL if size == "full" else SMOKE
    return rolled_back(lambda: _build(sizes["categories"], sizes["entries"]), lambda *built: _measure(*built, sizes))


if __name__ == "__main__":
    import json

    print(json.dumps(run(sys.argv[1] if len(sys.argv) > 1 else "full"), indent=2, ensure_ascii=False))
