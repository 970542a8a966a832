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

FULL = {"categories": 20, "entries": 20}
SMOKE = {"categories": 5, "entries": 4}
TARGET_OVERHEAD = 0.20
REPEAT = 5


class _Rollback(Exception):
    pass


def _setup() -> None:
    root = Path(__file__).resolve().parent.parent
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
    from bench.common import setup_django

    setup_django()


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
    alone_s = stats.median(_timed(lambda: real(*captured["args"])) for _ in range(REPEAT))
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
        }
    ]


def run(size: str = "full") -> list[dict]:
    _setup()
    from django.db import transaction

    from bench.bench_scoring import _build

    sizes = FULL if size == "full" else SMOKE
    results: list[dict] = []
    try:
        with transaction.atomic():
            edition, cats, n_tests = _build(sizes["categories"], sizes["entries"])
            results = _measure(edition, cats, n_tests, sizes)
            raise _Rollback
    except _Rollback:
        pass
    return results


if __name__ == "__main__":
    import json

    print(json.dumps(run(sys.argv[1] if len(sys.argv) > 1 else "full"), indent=2, ensure_ascii=False))
