"""Shopper-effect check (issue 20): the rankings recomputed with scores adjusted for shopper effects.

A check for the organisers, shown beside the official rankings; the official rule stays METHODOLOGY §7.

The model is a fixed-effects least-squares fit over the reached tests that carry a shopper code:
``score = cell + shopper + error``, a cell being one entry on one channel (the unit §6 averages),
with sum-to-zero shopper effects (the shoppers' effects add up to 0, so a harsh shopper's effect is
negative, measured against the average shopper). Tests without a shopper code, and unreached tests,
keep their score. An adjusted test score is ``score − effect[shopper]``, kept within 0–20, and the
edition's rule (engine.compute) ranks the adjusted tests exactly as it ranks the official ones.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from . import engine


@dataclass(frozen=True)
class ShopperEffects:
    effects: dict[str, float]  # shopper code -> points /20 (sum 0 over the shoppers fitted)
    tests: dict[str, int]  # shopper code -> reached tests used in the fit


def fit_shopper_effects(tests: pd.DataFrame) -> ShopperEffects:
    """Least-squares shopper effects from ``tests`` (columns entry_id, channel, score, reached, shopper)."""
    used = tests[tests["reached"].astype(bool) & (tests["shopper"].fillna("") != "")]
    shoppers = sorted(used["shopper"].unique().tolist())
    counts = used["shopper"].value_counts()
    if len(shoppers) < 2:
        return ShopperEffects(dict.fromkeys(shoppers, 0.0), {s: int(counts[s]) for s in shoppers})
    cells = pd.MultiIndex.from_arrays([used["entry_id"].to_numpy(), used["channel"].astype(str).to_numpy()])
    cell_codes, _unique_cells = pd.factorize(cells)
    shopper_codes = np.searchsorted(np.array(shoppers, dtype=object), used["shopper"].to_numpy(dtype=object))
    n, n_cells, k = len(used), int(cell_codes.max()) + 1, len(shoppers) - 1
    # Cell dummies, then k = S−1 shopper columns: shopper j < S−1 is +1 in column j; the last
    # shopper is −1 in every column (sum-to-zero coding), so its effect is minus the others' sum.
    design = np.zeros((n, n_cells + k))
    rows = np.arange(n)
    design[rows, cell_codes] = 1.0
    last = shopper_codes == k
    design[rows[~last], n_cells + shopper_codes[~last]] = 1.0
    design[np.ix_(rows[last], np.arange(n_cells, n_cells + k))] = -1.0
    solution, *_ = np.linalg.lstsq(design, used["score"].to_numpy(dtype=float), rcond=None)
    free = solution[n_cells:]
    values = [*free.tolist(), -float(free.sum())]
    return ShopperEffects(
        {s: float(v) for s, v in zip(shoppers, values, strict=True)}, {s: int(counts[s]) for s in shoppers}
    )


def adjusted_tests(tests: pd.DataFrame, fitted: ShopperEffects) -> pd.DataFrame:
    """The tests with each reached, shopper-coded score minus its shopper's effect (within 0–20)."""
    effect = tests["shopper"].fillna("").map(fitted.effects).fillna(0.0).to_numpy(dtype=float)
    effect = np.where(tests["reached"].astype(bool).to_numpy(), effect, 0.0)
    adjusted = tests.copy()
    adjusted["score"] = np.clip(tests["score"].to_numpy(dtype=float) - effect, 0.0, 20.0)
    return adjusted


def compare(
    tests: pd.DataFrame, entries: pd.DataFrame, settings: engine.Settings, category_ids: list[int]
) -> dict[str, Any]:
    """The official and the adjusted results of the same tests under the same settings.

    Answers ``{"effects": ShopperEffects, "official": {entry_id: (rank, overall)}, "adjusted": {…}}``."""
    fitted = fit_shopper_effects(tests)
    columns = engine.TEST_COLUMNS
    official = engine.compute(tests[columns], entries, settings, category_ids=category_ids)
    adjusted = engine.compute(adjusted_tests(tests, fitted)[columns], entries, settings, category_ids=category_ids)
    return {"effects": fitted, "official": _places(official), "adjusted": _places(adjusted)}


def _places(result: engine.Result) -> dict[int, tuple[int | None, float | None]]:
    places = {}
    for entry_id, row in result.entries.iterrows():
        rank = None if pd.isna(row["rank"]) else int(row["rank"])
        overall = None if pd.isna(row["overall"]) else float(row["overall"])
        places[int(entry_id)] = (rank, overall)
    return places
