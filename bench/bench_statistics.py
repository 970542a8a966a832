"""Benchmark of the statistical statements of METHODOLOGY §11 (runner: bench/run.py --only statistics;
alone: python bench/bench_statistics.py [full|smoke]).

Builds, inside a transaction that is rolled back, an edition of 20 categories × 20 entries × 225
tests = 90,000 counted tests (``smoke``: 5 × 4 × 225 = 4,500) with bench_scoring's generator, then
measures on whatever database Django is configured with:

- the full stored recompute of the edition, as it runs (P(threshold), P(best), robustness included);
- the same recompute with the statistics replaced by a no-op, so the difference is their cost;
- the statistics alone (``engine.statistics`` on the edition's arrays).
Target: the statistics add at most 20 % to a full recompute. Medians of several warm runs, the two
recomputes interleaved so that a change of machine load weighs on both alike.
"""

from __future__ import annotations

import statistics as stats
import sys
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a script: the project's root on the path, as bench/run.py has it
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import median_seconds, ratio_row, rolled_back, setup_django

FULL = {"categories": 20, "entries": 20}
SMOKE = {"categories": 5, "entries": 4}
TARGET_OVERHEAD = 0.20
TARGET_RATIO = 2.0  # issue 21: the full recompute with §11 ≤ 2 × pandas/numpy alone on the rows in memory
REPEAT = 5


def _no_statistics(codes, groups, *args, **kwargs):
    """engine.statistics' shape with nothing computed (every figure undefined)."""
    import numpy as np

    size = len(codes)
    return {"p_threshold": np.full(size, np.nan), "p_best": np.full(size, np.nan)}, {
        "robustness": np.full(groups, np.nan)
    }


def _timed(fn) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def _measure(edition, cats, n_tests: int, sizes: dict) -> list[dict]:
    from unittest import mock

    from scoring import engine, services

    recompute = lambda: services.recompute_edition(edition=edition)  # noqa: E731
    recompute()  # warm: imports, plans, caches
    with_stats, without_stats = [], []
    for _ in range(REPEAT):
        with_stats.append(_timed(recompute))
        with mock.patch.object(engine, "statistics", _no_statistics):
            without_stats.append(_timed(recompute))
    full_s, bare_s = stats.median(with_stats), stats.median(without_stats)
    overhead = (full_s - bare_s) / bare_s

    # The statistics alone, on the arrays compute() hands them.
    ids = [c.id for c in cats]
    tests, entries = services.load_inputs(category_ids=ids)
    settings = engine.Settings.from_edition(edition)
    captured = {}
    real = engine.statistics

    def capture(*args):
        captured["args"] = args
        return real(*args)

    with mock.patch.object(engine, "statistics", capture):
        result = engine.compute(tests, entries, settings, category_ids=ids)
    alone_s = median_seconds(lambda: real(*captured["args"]), REPEAT)
    contested = int(result.categories["contested"].sum())
    shape = f"{sizes['categories']} categories × {sizes['entries']} entries × 225 tests = {n_tests:,} tests"
    return [
        {
            "name": "statistics: added cost of §11 in a full recompute",
            "value": round(overhead * 100, 1),
            "unit": "%",
            "target": f"≤ +{TARGET_OVERHEAD * 100:g} %",
            "met": overhead <= TARGET_OVERHEAD,
            "baseline": f"full recompute without the statistics: {bare_s:.3f} s",
            "notes": (
                f"{shape}; full recompute with them {full_s:.3f} s (median of {REPEAT}, interleaved); "
                f"the statistics alone {alone_s * 1000:.1f} ms for {contested} contested categories "
                "(P(best) by a trapezoid on numpy, step σ_min/3, ±9σ)"
            ),
            "full_s": full_s,
        }
    ]


def _arithmetic_floor(rows: list[tuple], entries: list[tuple], weights: dict[str, float]):
    """The recompute's arithmetic and nothing else, with pandas/numpy on rows already in memory: each
    test's score (0 when not reached), the mean per entry and channel, the overall per entry weighted
    over its channels with a test, and the competition rank in each category."""
    import numpy as np
    import pandas as pd

    from scoring import engine

    tests = pd.DataFrame.from_records(rows, columns=engine.TEST_COLUMNS)
    tests["score"] = np.where(tests["reached"].to_numpy(dtype=bool), tests["score"].to_numpy(dtype=float), 0.0)
    means = tests.groupby(["entry_id", "channel"], observed=True)["score"].mean().unstack()
    w = np.where(means.notna(), [weights.get(c, 0.0) for c in means.columns], 0.0)
    overall = (np.nan_to_num(means.to_numpy()) * w).sum(axis=1) / w.sum(axis=1)
    frame = pd.DataFrame(entries, columns=["entry_id", "category_id"]).set_index("entry_id")
    frame["overall"] = pd.Series(overall, index=means.index)
    frame["rank"] = frame.groupby("category_id")["overall"].rank(method="min", ascending=False)
    return frame


def _floor_row(edition, cats, full_s: float, sizes: dict, n_tests: int) -> dict:
    from scoring import engine, services

    tests, entries = services.load_inputs(category_ids=[c.id for c in cats])
    rows = list(tests.itertuples(index=False, name=None))
    entry_rows = list(entries[["entry_id", "category_id"]].itertuples(index=False, name=None))
    weights = {c: float(w) for c, w in edition.weight.items()}
    floor_s = median_seconds(lambda: _arithmetic_floor(rows, entry_rows, weights), REPEAT)
    # Where the recompute's time goes: the same steps as services._recompute_edition_categories.
    ids = [c.id for c in cats]
    settings = engine.Settings.from_edition(edition)
    grid = services.grid_of(edition)
    read_s = median_seconds(lambda: services.load_inputs(category_ids=ids), REPEAT)
    compute_s = median_seconds(lambda: engine.compute(tests, entries, settings, category_ids=ids), REPEAT)
    fingerprint_s = median_seconds(lambda: engine.fingerprints(tests, entries, settings, grid), REPEAT)
    split = (
        f"read {read_s:.3f} s, §6–§8 and §11 {compute_s:.3f} s, fingerprints {fingerprint_s:.3f} s, "
        f"storing the rows the rest ({max(full_s - read_s - compute_s - fingerprint_s, 0):.3f} s)"
    )
    row = ratio_row(
        name="full recompute of an edition with the §11 statistics",
        value=round(full_s, 3),
        unit="s",
        floor=floor_s,
        floor_text=f"{floor_s:.3f} s: pandas/numpy alone on the same {n_tests:,} rows in memory",
        target=TARGET_RATIO,
        full=sizes is FULL,
        notes=(
            f"{sizes['categories']} categories × {sizes['entries']} entries × 225 tests; median of {REPEAT}; the "
            "recompute reads the counted tests from the database, computes §6–§8 and the §11 statistics, "
            "fingerprints each category and stores its rows in one transaction; the floor does only the "
            f"arithmetic (score, mean per channel, weighted overall, rank per category) on tuples already read; {split}"
        ),
    )
    if row["met"] is False:
        row["notes"] += (
            f"; misses by {row['ratio'] / TARGET_RATIO:.1f}×: reading the counted tests from the database alone is "
            f"{read_s / floor_s:.1f}× the floor, and the recompute must also fingerprint and store what it "
            "computed (one transaction, so a brand never reads half a ranking); the arithmetic itself is numpy "
            "already (bench_scoring: engine alone)"
        )
    return row


def run(size: str = "full") -> list[dict]:
    setup_django()
    from bench.bench_scoring import _build

    sizes = FULL if size == "full" else SMOKE

    def measure(edition, cats, n_tests):
        rows = _measure(edition, cats, n_tests, sizes)
        return [*rows, _floor_row(edition, cats, rows[0]["full_s"], sizes, n_tests)]

    rows = rolled_back(lambda: _build(sizes["categories"], sizes["entries"]), measure)
    for row in rows:
        row.pop("full_s", None)
    return rows


if __name__ == "__main__":
    import json

    print(json.dumps(run(sys.argv[1] if len(sys.argv) > 1 else "full"), indent=2, ensure_ascii=False))
