"""The rule book (METHODOLOGY §6–§9) as a pure, vectorised computation.

No database access here: callers hand in a DataFrame of counted tests and one of entries,
plus the edition's settings, and get DataFrames back. The stored recompute, the what-if
panel and the appeal preview all call the same functions, so they cannot disagree.

Floating point: every comparison of §7–§8 uses values rounded to ``DECIMALS`` places; the
raw values are returned alongside for storage (API bodies carry unrounded numbers).
Tests are sorted canonically before any sum so the raw values do not depend on the order
in which rows arrived.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd

from election.channels import CHANNELS, RESPONSE_CHANNELS, WAIT_CHANNELS
from election.rules import required_tests

DECIMALS = 9
Z_95 = 1.96

TEST_COLUMNS = ["entry_id", "channel", "score", "reached", "wait_seconds", "response_hours"]
ENTRY_COLUMNS = ["entry_id", "category_id"]
# Channels as a categorical over the rule book's order: comparisons and grouping work on small
# integer codes instead of 90,000 Python strings.
CHANNEL_DTYPE = pd.CategoricalDtype(categories=list(CHANNELS))
TEST_DTYPES = {
    "entry_id": "int64",
    "channel": CHANNEL_DTYPE,
    "score": "float64",
    "reached": "bool",
    "wait_seconds": "float64",
    "response_hours": "float64",
}


@dataclass(frozen=True)
class Settings:
    """The edition settings of METHODOLOGY §2 that the computation depends on."""

    quota: Mapping[str, int]
    weight: Mapping[str, int]
    completion: Decimal = Decimal("1")
    threshold: Decimal = Decimal("12.00")
    min_entrants: int = 3
    channels: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        if not self.channels:
            object.__setattr__(self, "channels", tuple(c for c in CHANNELS if self.quota.get(c, 0) > 0))
        object.__setattr__(self, "completion", Decimal(str(self.completion)))
        object.__setattr__(self, "threshold", Decimal(str(self.threshold)))
        for c in self.channels:
            if self.weight.get(c, 0) <= 0:
                raise ValueError(f"channel {c} is part of the edition but its weight is not above 0")

    @classmethod
    def from_edition(cls, edition: Any, overrides: Mapping[str, Any] | None = None) -> Settings:
        """Settings of an Edition, optionally with some replaced (what-if, appeal preview).

        ``overrides`` may hold ``threshold``, ``completion``, ``min_entrants`` and ``weight``
        (a mapping of some channels to their new weight; the others keep theirs)."""
        settings = cls(
            quota=dict(edition.quota),
            weight=dict(edition.weight),
            completion=edition.completion,
            threshold=edition.threshold,
            min_entrants=edition.min_entrants,
        )
        return settings.with_overrides(overrides)

    def with_overrides(self, overrides: Mapping[str, Any] | None) -> Settings:
        if not overrides:
            return self
        changes: dict[str, Any] = {}
        for key in ("threshold", "completion"):
            if overrides.get(key) is not None:
                changes[key] = Decimal(str(overrides[key]))
        if overrides.get("min_entrants") is not None:
            changes["min_entrants"] = int(overrides["min_entrants"])
        if overrides.get("weight"):
            changes["weight"] = {**self.weight, **{c: int(w) for c, w in overrides["weight"].items() if w is not None}}
        return replace(self, **changes)

    def required(self) -> dict[str, int]:
        """Counted tests per channel for completeness: ceil(completion × quota), in exact decimal (§6)."""
        return {c: required_tests(self.quota[c], self.completion) for c in self.channels}

    def tie_break_order(self) -> list[str]:
        """§7.2: decreasing channel weight, equal weights in the rule book's channel order."""
        return sorted(self.channels, key=lambda c: (-self.weight[c], CHANNELS.index(c)))

    def as_dict(self) -> dict[str, Any]:
        return {
            "channels": list(self.channels),
            "quota": {c: int(self.quota.get(c, 0)) for c in CHANNELS},
            "weight": {c: int(self.weight.get(c, 0)) for c in CHANNELS},
            "completion": str(self.completion.normalize()),
            "threshold": str(self.threshold.normalize()),
            "min_entrants": self.min_entrants,
        }


def tests_frame(rows: Iterable[tuple] | None = None) -> pd.DataFrame:
    """A DataFrame of counted tests from ``(entry_id, channel, score, reached, wait_seconds,
    response_hours)`` tuples, with stable dtypes even when empty."""
    rows = rows if isinstance(rows, list) else list(rows or [])
    columns = list(zip(*rows, strict=True)) if rows else [()] * len(TEST_COLUMNS)
    # Column by column: None becomes NaN in the float columns, and no per-row object frame is built.
    return pd.DataFrame(
        {
            name: pd.Categorical(col, dtype=dtype) if dtype is CHANNEL_DTYPE else np.array(col, dtype=dtype)
            for name, col, dtype in zip(TEST_COLUMNS, columns, TEST_DTYPES.values(), strict=True)
        }
    )


def channel_positions(tests: pd.DataFrame, channels: Iterable[str]) -> np.ndarray:
    """Each test's channel as its position in ``channels`` (-1 when not one of them)."""
    wanted = list(channels)
    column = tests["channel"]
    if not isinstance(column.dtype, pd.CategoricalDtype) or list(column.cat.categories) != list(CHANNELS):
        column = column.astype(CHANNEL_DTYPE)
    lookup = np.array([wanted.index(c) if c in wanted else -1 for c in CHANNELS] + [-1], dtype="int64")
    # Code -1 (a channel outside the rule book) picks the trailing -1 of the lookup.
    return lookup[column.cat.codes.to_numpy()]


def entries_frame(rows: Iterable[tuple] | None = None) -> pd.DataFrame:
    """A DataFrame of the scored population: ``(entry_id, category_id)`` of registered entries."""
    rows = rows if isinstance(rows, list) else list(rows or [])
    columns = list(zip(*rows, strict=True)) if rows else [(), ()]
    return pd.DataFrame({name: np.array(col, dtype="int64") for name, col in zip(ENTRY_COLUMNS, columns, strict=True)})


@dataclass
class Result:
    """``entries``: one row per entry (index entry_id) with category_id, overall, moe, complete,
    rank, laureate, close_call, counted_tests, p_threshold, p_best (§11, NaN where not defined)
    and, per channel c, ``n_c``, ``score_c``, ``sd_c``.
    ``categories``: one row per category (index category_id) with entrants, complete_entries,
    contested, awarded, runner_up, lead, margin, robustness (§11, NaN where not defined)."""

    entries: pd.DataFrame
    categories: pd.DataFrame
    settings: Settings

    def records(self) -> dict[int, list[dict[str, Any]]]:
        """Per category, its entries as plain dicts (entry_id, overall, moe, complete, rank (None
        when unranked), laureate, close_call, counted_tests, channels), read column-wise."""
        df = self.entries
        cols = {name: df[name].to_numpy() for name in df.columns if name != "rank"}
        rank = df["rank"].to_numpy(dtype="float64", na_value=np.nan)
        out: dict[int, list[dict[str, Any]]] = {}
        for i, entry_id in enumerate(df.index.to_numpy()):
            row = {name: values[i] for name, values in cols.items()}
            scored = not np.isnan(row["overall"])
            out.setdefault(int(row["category_id"]), []).append(
                {
                    "entry_id": int(entry_id),
                    "overall": float(row["overall"]) if scored else None,
                    "moe": float(row["moe"]) if scored else None,
                    "complete": bool(row["complete"]),
                    "rank": int(rank[i]) if scored else None,
                    "laureate": bool(row["laureate"]),
                    "close_call": bool(row["close_call"]),
                    "counted_tests": int(row["counted_tests"]),
                    "channels": channel_dict(row, self.settings.channels),
                    "p_threshold": optional_float(row["p_threshold"]),
                    "p_best": optional_float(row["p_best"]),
                }
            )
        return out

    def summaries(self) -> dict[int, dict[str, Any]]:
        """Per category: contested, awarded, runner_up (entry id or None), lead, margin, robustness."""
        df = self.categories
        runner = df["runner_up"].to_numpy(dtype="float64", na_value=np.nan)
        lead, margin = df["lead"].to_numpy(), df["margin"].to_numpy()
        contested, awarded = df["contested"].to_numpy(), df["awarded"].to_numpy()
        robustness = df["robustness"].to_numpy()
        return {
            int(category_id): {
                "contested": bool(contested[i]),
                "awarded": bool(awarded[i]),
                "runner_up": None if np.isnan(runner[i]) else int(runner[i]),
                "lead": None if np.isnan(lead[i]) else float(lead[i]),
                "margin": None if np.isnan(margin[i]) else float(margin[i]),
                "robustness": None if np.isnan(robustness[i]) else float(robustness[i]),
            }
            for i, category_id in enumerate(df.index.to_numpy())
        }


def channel_dict(row: Mapping[str, Any] | pd.Series, channels: Iterable[str]) -> dict[str, dict[str, float | int]]:
    out: dict[str, dict[str, float | int]] = {}
    for c in channels:
        n = int(row[f"n_{c}"])
        if n > 0:
            out[c] = {"score": float(row[f"score_{c}"]), "n": n, "sd": float(row[f"sd_{c}"])}
    return out


def at_rule_precision(values: Any) -> Any:
    """§7: a score (a number or an array) as the rule book compares it, rounded to ``DECIMALS`` places.

    Every comparison of scores (ranks, ties, the threshold, margins, the scorecard's order) goes
    through here, so two callers never disagree on what "equal" means."""
    if isinstance(values, np.ndarray):
        return np.round(values, DECIMALS)
    return round(float(values), DECIMALS)


def normalised_weights(weight: Mapping[str, float], channels: Iterable[str]) -> dict[str, float]:
    """§6: each scored channel's share of the overall score, its weight over the sum of the weights of
    the channels given (the entry's channels with a counted test); {} when they weigh nothing."""
    channels = [c for c in CHANNELS if c in set(channels)]
    present = np.ones((1, len(channels)), dtype=bool)
    w, total, scored = _scored_weights(present, np.array([float(weight[c]) for c in channels]))
    return {c: float(w[0, j] / total[0]) for j, c in enumerate(channels)} if scored[0] else {}


def _scored_weights(present: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per entry (row): the weights of its channels with a counted test (0 elsewhere), their sum (1 where
    it is 0, so it divides safely) and whether the entry has any such channel."""
    w = np.where(present, weights[None, :], 0.0)
    w_sum = w.sum(axis=1)
    scored = w_sum > 0
    return w, np.where(scored, w_sum, 1.0), scored


def _channel_stats(tests: pd.DataFrame, entry_index: pd.Index, channels: list[str]) -> tuple[np.ndarray, ...]:
    """n_c, S_c and sd_c (sample, 0 when n_c = 1) per entry × channel of the edition, as arrays.

    One pandas groupby over a flat cell number (entry row × channel column); tests of other
    entries or of channels outside the edition fall out here."""
    size = (len(entry_index), len(channels))
    rows = entry_index.get_indexer(tests["entry_id"].to_numpy())
    cols = channel_positions(tests, channels)
    keep = (rows >= 0) & (cols >= 0)
    cells = rows[keep] * len(channels) + cols[keep]
    scores = tests["score"].to_numpy(dtype="float64")[keep]
    # A canonical order makes every floating-point sum independent of the order rows arrived in.
    order = np.lexsort((scores, cells))
    frame = pd.DataFrame({"cell": cells[order], "score": scores[order]})
    stats = frame.groupby("cell", sort=True)["score"].agg(["count", "mean", "std"])
    n = np.zeros(size[0] * size[1], dtype="int64")
    mean = np.full(n.shape, np.nan)
    sd = np.full(n.shape, np.nan)
    at = stats.index.to_numpy()
    n[at] = stats["count"].to_numpy()
    mean[at] = stats["mean"].to_numpy()
    sd[at] = np.where(n[at] == 1, 0.0, stats["std"].to_numpy())
    return n.reshape(size), mean.reshape(size), sd.reshape(size)


def _entry_scores(n: np.ndarray, mean: np.ndarray, sd: np.ndarray, settings: Settings) -> dict[str, np.ndarray]:
    """§6: overall and moe over the channels with a counted test (weights renormalised), complete."""
    channels = list(settings.channels)
    weights = np.array([float(settings.weight[c]) for c in channels])
    required = np.array([settings.required()[c] for c in channels], dtype="int64")
    present = n > 0
    w, safe_sum, scored = _scored_weights(present, weights)
    overall = np.where(scored, (np.nan_to_num(mean) * w).sum(axis=1) / safe_sum, np.nan)
    share = w / safe_sum[:, None]
    terms = np.where(present, share**2 * np.nan_to_num(sd) ** 2 / np.where(present, n, 1), 0.0)
    moe = np.where(scored, Z_95 * np.sqrt(terms.sum(axis=1)), np.nan)
    complete = (n >= required[None, :]).all(axis=1) & bool(channels)
    return {"overall": overall, "moe": moe, "complete": complete, "scored": scored, "counted": n.sum(axis=1)}


def _rank(codes: np.ndarray, overall_r: np.ndarray, tie_breaks: list[np.ndarray], scored: np.ndarray) -> np.ndarray:
    """§7: competition ranks per category (1, 2, 2, 4); 0 for unscored entries."""
    ranks = np.zeros(len(codes), dtype="int64")
    idx = np.flatnonzero(scored)
    if not len(idx):
        return ranks
    keys = [codes[idx], overall_r[idx], *(t[idx] for t in tie_breaks)]
    # lexsort: last key is primary; scores descending.
    order = idx[np.lexsort(tuple(-k for k in reversed(keys[1:])) + (keys[0],))]
    matrix = np.column_stack([codes[order], overall_r[order], *(t[order] for t in tie_breaks)])
    positions = np.arange(len(order))
    new_category = np.ones(len(order), dtype=bool)
    new_category[1:] = matrix[1:, 0] != matrix[:-1, 0]
    new_tie = np.ones(len(order), dtype=bool)
    new_tie[1:] = (matrix[1:] != matrix[:-1]).any(axis=1)
    category_start = np.maximum.accumulate(np.where(new_category, positions, 0))
    tie_start = np.maximum.accumulate(np.where(new_tie, positions, 0))
    ranks[order] = tie_start - category_start[tie_start] + 1
    return ranks


def _group_min(groups: int, codes: np.ndarray, values: np.ndarray, mask: np.ndarray) -> np.ndarray:
    out = np.full(groups, np.inf)
    np.minimum.at(out, codes[mask], values[mask])
    return out


def _group_max(groups: int, codes: np.ndarray, values: np.ndarray, mask: np.ndarray) -> np.ndarray:
    out = np.full(groups, -np.inf)
    np.maximum.at(out, codes[mask], values[mask])
    return out


def _laureates(
    codes: np.ndarray,
    groups: int,
    entry_ids: np.ndarray,
    rank: np.ndarray,
    overall_r: np.ndarray,
    moe_r: np.ndarray,
    complete: np.ndarray,
    settings: Settings,
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """§8: contested, laureates (co-laureates on a tie), close call; per category lead and margin."""
    ranked_complete = complete & (rank > 0)
    complete_entries = np.bincount(codes[ranked_complete], minlength=groups)
    contested = complete_entries >= settings.min_entrants
    best = _group_min(groups, codes, rank.astype("float64"), ranked_complete)
    threshold = at_rule_precision(settings.threshold)
    laureate = ranked_complete & (rank == best[codes]) & contested[codes] & (overall_r >= threshold)
    awarded = np.bincount(codes[laureate], minlength=groups) > 0

    top_overall = np.full(groups, np.nan)
    top_overall[codes[laureate]] = overall_r[laureate]
    top_moe = _group_max(groups, codes, moe_r, laureate)
    top_rank = np.where(awarded, best, np.inf)
    # The best complete entry ranked below the laureates; tied runners-up share a rank, and
    # the largest of their margins is used so the jury is warned if any of them is close.
    below = ranked_complete & (rank > top_rank[codes])
    below_rank = _group_min(groups, codes, rank.astype("float64"), below)
    runners = below & (rank == below_rank[codes])
    runner_overall = np.full(groups, np.nan)
    runner_overall[codes[runners]] = overall_r[runners]
    runner_moe = _group_max(groups, codes, moe_r, runners)
    runner_up = _group_min(groups, codes, entry_ids.astype("float64"), runners)
    has_runner = awarded & np.isfinite(below_rank)
    with np.errstate(invalid="ignore"):
        lead = np.where(has_runner, at_rule_precision(top_overall - runner_overall), np.nan)
        margin = np.where(has_runner, at_rule_precision(np.sqrt(top_moe**2 + runner_moe**2)), np.nan)
        close = has_runner & (lead < margin)
    per_entry = {"laureate": laureate, "close_call": laureate & close[codes]}
    per_category = {
        "complete_entries": complete_entries,
        "contested": contested,
        "awarded": awarded,
        "runner_up": pd.array(np.where(np.isfinite(runner_up), runner_up, np.nan), dtype="Int64"),
        "lead": lead,
        "margin": margin,
    }
    return per_entry, per_category


def compute(
    tests: pd.DataFrame,
    entries: pd.DataFrame,
    settings: Settings,
    category_ids: Iterable[int] | None = None,
) -> Result:
    """Score, rank and elect every entry of ``entries`` from its counted ``tests``.

    ``tests`` must hold counted tests only (not excluded, registered entries); tests of
    entries missing from ``entries`` are ignored, as are tests on a channel that is not
    part of the edition. ``category_ids`` lists categories to report even with no entry."""
    channels = list(settings.channels)
    entries = entries.drop_duplicates("entry_id")
    entry_ids = entries["entry_id"].to_numpy(dtype="int64")
    entry_categories = entries["category_id"].to_numpy(dtype="int64")
    categories = np.array(sorted(set(entry_categories.tolist()) | set(category_ids or ())), dtype="int64")
    codes = np.searchsorted(categories, entry_categories)

    n, mean, sd = _channel_stats(tests, pd.Index(entry_ids), channels)
    scores = _entry_scores(n, mean, sd, settings)
    overall_r = at_rule_precision(scores["overall"])
    moe_r = at_rule_precision(scores["moe"])
    by_channel = dict(zip(channels, range(len(channels)), strict=True))
    tie_breaks = [at_rule_precision(np.nan_to_num(mean[:, by_channel[c]])) for c in settings.tie_break_order()]
    rank = _rank(codes, overall_r, tie_breaks, scores["scored"])
    per_entry, per_category = _laureates(
        codes, len(categories), entry_ids, rank, overall_r, moe_r, scores["complete"], settings
    )
    stats_entry, stats_category = statistics(
        codes,
        len(categories),
        overall_r,
        moe_r,
        at_rule_precision(mean),
        n > 0,
        scores["complete"] & (rank > 0),
        per_category["contested"],
        per_entry["laureate"],
        settings,
    )
    per_entry.update(stats_entry)
    per_category.update(stats_category)

    columns: dict[str, Any] = {"category_id": entry_categories}
    for c, j in by_channel.items():
        columns[f"n_{c}"] = n[:, j]
        columns[f"score_{c}"] = mean[:, j]
        columns[f"sd_{c}"] = sd[:, j]
    columns.update(
        overall=scores["overall"],
        moe=scores["moe"],
        complete=scores["complete"],
        counted_tests=scores["counted"],
        rank=pd.array(np.where(rank > 0, rank, np.nan), dtype="Int64"),
        **per_entry,
    )
    entries_out = pd.DataFrame(columns, index=pd.Index(entry_ids, name="entry_id"))
    scored_per_category = np.bincount(codes[scores["scored"]], minlength=len(categories))
    categories_out = pd.DataFrame(
        {
            "entrants": np.bincount(codes, minlength=len(categories)),
            "scored": scored_per_category,
            **per_category,
        },
        index=pd.Index(categories, name="category_id"),
    )
    return Result(entries=entries_out, categories=categories_out, settings=settings)


# -- statistical statements (§11) ---------------------------------------------------------

SIGMA_FLOOR = 0.01
# Trapezoid step of the P(best) integral as a share of the category's smallest σ, and how many
# σ beyond the means the integral reaches: both measured against an independent math.erf
# integration (tests/scoring/test_statistics.py) to stay well inside ±0.0001.
P_BEST_STEP = 1 / 3
P_BEST_SPAN = 9.0
# The P(best) grid is walked in chunks of at most this many values (K entries × points), so a
# category mixing a σ at its 0.01 floor with a very wide one (tens of thousands of points) keeps
# its full resolution in bounded memory.
P_BEST_CHUNK_VALUES = 200_000


def normal_cdf(z: np.ndarray | float) -> np.ndarray:
    """Φ(z), vectorised on numpy alone (numpy has no erf): the Chebyshev fit of erfc of
    Numerical Recipes §6.2, fractional error below 1.2e-7 everywhere."""
    x = -np.asarray(z, dtype="float64") / math.sqrt(2.0)
    a = np.abs(x)
    t = 1.0 / (1.0 + 0.5 * a)
    poly = -1.26551223 + t * (
        1.00002368
        + t
        * (
            0.37409196
            + t
            * (
                0.09678418
                + t
                * (
                    -0.18628806
                    + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))
                )
            )
        )
    )
    with np.errstate(under="ignore", over="ignore"):
        erfc_a = t * np.exp(-a * a + poly)
    erfc = np.where(x >= 0, erfc_a, 2.0 - erfc_a)
    return 0.5 * erfc


def normal_pdf(z: np.ndarray) -> np.ndarray:
    with np.errstate(under="ignore"):
        return np.exp(-0.5 * z * z) / math.sqrt(2.0 * math.pi)


def sigmas(moe_r: np.ndarray) -> np.ndarray:
    """§11: σ = max(moe / 1.96, 0.01) from the rounded margin of error."""
    return np.maximum(moe_r / Z_95, SIGMA_FLOOR)


def p_threshold(mu: np.ndarray, sigma: np.ndarray, threshold: float) -> np.ndarray:
    """§11: Φ((μ − threshold) / σ) per entry."""
    return normal_cdf((mu - threshold) / sigma)


def p_best(mu: np.ndarray, sigma: np.ndarray) -> np.ndarray:
    """§11: for each of these entries (one category's complete entries), the probability that its
    true score is the highest, the laws N(μ, σ²) independent:
    ∫ φ((x − μ_e)/σ_e)/σ_e × Π_{j≠e} Φ((x − μ_j)/σ_j) dx.

    Trapezoid rule on one grid for the whole category, with a step of a third of the smallest σ
    (every factor is then resolved; the rule converges geometrically on such smooth integrands).
    The grid starts where the second-highest lower tail μ_j − 9σ_j begins (below it at least
    two factors are ~0 for every integrand) and ends past the highest upper tail. The product
    "all but e" comes from prefix and suffix products, so nothing is divided by a vanishing Φ."""
    mu = np.asarray(mu, dtype="float64")
    sigma = np.asarray(sigma, dtype="float64")
    k = len(mu)
    if k == 0:
        return np.zeros(0)
    if k == 1:
        return np.ones(1)
    lower = np.sort(mu - P_BEST_SPAN * sigma)
    lo = lower[-2]
    hi = float(np.max(mu + P_BEST_SPAN * sigma))
    step = float(np.min(sigma)) * P_BEST_STEP
    points = int(math.ceil((hi - lo) / step)) + 1
    x = np.linspace(lo, hi, points)
    weights = np.full(points, x[1] - x[0])
    weights[0] = weights[-1] = weights[0] / 2
    total = np.zeros(k)
    chunk = max(P_BEST_CHUNK_VALUES // k, 1)
    for start in range(0, points, chunk):
        xs = x[start : start + chunk]
        z = (xs[None, :] - mu[:, None]) / sigma[:, None]
        cdf = normal_cdf(z)
        density = normal_pdf(z) / sigma[:, None]
        ones = np.ones((1, len(xs)))
        before = np.cumprod(np.vstack([ones, cdf[:-1]]), axis=0)
        after = np.cumprod(np.vstack([ones, cdf[:0:-1]]), axis=0)[::-1]
        total += (density * before * after) @ weights[start : start + chunk]
    return total


def floor_hundredth(value: float) -> float:
    """Rounded down to a whole hundredth (0.3499999999 from floating point counts as 0.35)."""
    return math.floor(round(value * 100, 6)) / 100


def weight_robustness(leader: np.ndarray, rivals: np.ndarray, weights: np.ndarray, threshold: float) -> float:
    """§11: the largest δ in [0, 1] such that every weight w'_c in [w_c(1−δ), w_c(1+δ)] keeps the
    laureate at or above each rival and the threshold, from the (rounded) channel scores.

    Each constraint is Σ w'_c d_c ≥ 0; its worst case lowers the weights where d_c > 0 and
    raises them where d_c < 0, so it holds up to Σ w_c d_c / Σ w_c |d_c|. A constraint with
    every d_c = 0 holds for any weights and sets no bound. δ is the smallest bound, capped
    at 1 and rounded down to a hundredth (never claiming more than is true)."""
    d = np.vstack([leader[None, :] - rivals.reshape(-1, len(leader)), (leader - threshold)[None, :]])
    d = at_rule_precision(d)
    num = d @ weights
    den = np.abs(d) @ weights
    with np.errstate(divide="ignore", invalid="ignore"):
        bounds = np.where(den > 0, num / den, np.inf)
    delta = min(float(np.min(bounds)), 1.0)
    return floor_hundredth(max(delta, 0.0))


def statistics(
    codes: np.ndarray,
    groups: int,
    overall_r: np.ndarray,
    moe_r: np.ndarray,
    channel_scores: np.ndarray,
    present: np.ndarray,
    ranked_complete: np.ndarray,
    contested: np.ndarray,
    laureate: np.ndarray,
    settings: Settings,
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """§11 for a whole computation: per entry p_threshold and p_best (NaN where not defined),
    per category robustness (NaN where not defined)."""
    threshold = at_rule_precision(settings.threshold)
    size = len(codes)
    sigma = np.where(ranked_complete, sigmas(np.nan_to_num(moe_r)), np.nan)
    p_thr = np.full(size, np.nan)
    p_thr[ranked_complete] = p_threshold(overall_r[ranked_complete], sigma[ranked_complete], threshold)
    p_b = np.full(size, np.nan)
    robustness = np.full(groups, np.nan)
    weights = np.array([float(settings.weight[c]) for c in settings.channels])
    members = ranked_complete & contested[codes]
    if members.any():
        order = np.flatnonzero(members)
        order = order[np.argsort(codes[order], kind="stable")]
        bounds = np.flatnonzero(np.diff(codes[order])) + 1
        for block in np.split(order, bounds):
            p_b[block] = p_best(overall_r[block], sigma[block])
            leaders = block[laureate[block]]
            if len(leaders) != 1 or not present[block].all():
                continue
            rivals = block[~laureate[block]]
            robustness[codes[leaders[0]]] = weight_robustness(
                channel_scores[leaders[0]], channel_scores[rivals], weights, threshold
            )
    return {"p_threshold": p_thr, "p_best": p_b}, {"robustness": robustness}


# -- fingerprints --------------------------------------------------------------------------


def _grid_payload(grid: Iterable[tuple[str, str, int]]) -> list[list]:
    return sorted([str(ch), str(code), int(w)] for ch, code, w in grid)


def fingerprints(
    tests: pd.DataFrame,
    entries: pd.DataFrame,
    settings: Settings,
    grid: Iterable[tuple[str, str, int]],
) -> dict[int, str]:
    """Per category, sha256 of its counted tests, its registered entries, the settings and the grid.

    Each test row is hashed to 64 bits and the hashes are sorted within the category, so the
    fingerprint does not depend on the order in which the rows were read."""
    common = json.dumps({"settings": settings.as_dict(), "grid": _grid_payload(grid)}, sort_keys=True).encode()
    entries = entries.drop_duplicates("entry_id")
    entry_ids = entries["entry_id"].to_numpy(dtype="int64")
    entry_categories = entries["category_id"].to_numpy(dtype="int64")
    by_entry = pd.Index(entry_ids)
    rows = by_entry.get_indexer(tests["entry_id"].to_numpy())
    keep = rows >= 0
    channel_codes = channel_positions(tests, CHANNELS)
    matrix = np.column_stack(
        [
            entry_categories[rows[keep]].astype("float64"),
            tests["entry_id"].to_numpy(dtype="float64")[keep],
            channel_codes[keep].astype("float64"),
            tests["score"].to_numpy(dtype="float64")[keep],
            tests["reached"].to_numpy(dtype="float64")[keep],
            tests["wait_seconds"].to_numpy(dtype="float64")[keep],
            tests["response_hours"].to_numpy(dtype="float64")[keep],
        ]
    )
    # One NaN bit pattern, so equal rows hash equal whatever produced their missing values.
    matrix = np.where(np.isnan(matrix), np.nan, matrix)
    # Each row hashed to 64 bits, then sorted within its category: order-independent and cheap.
    hashed = pd.util.hash_pandas_object(pd.DataFrame(matrix[:, 1:]), index=False).to_numpy()
    order = np.lexsort((hashed, matrix[:, 0]))
    cats, hashed = matrix[order, 0], hashed[order]
    uniques = np.unique(entry_categories).astype("float64")
    bounds = np.searchsorted(cats, uniques, "left")
    ends = np.searchsorted(cats, uniques, "right")
    out: dict[int, str] = {}
    for category_id, lo, hi in zip(np.unique(entry_categories).tolist(), bounds, ends, strict=True):
        h = hashlib.sha256(common)
        h.update(json.dumps(sorted(entry_ids[entry_categories == category_id].tolist())).encode())
        h.update(hashed[lo:hi].tobytes())
        out[int(category_id)] = h.hexdigest()
    return out


def empty_fingerprint(settings: Settings, grid: Iterable[tuple[str, str, int]]) -> str:
    payload = json.dumps({"settings": settings.as_dict(), "grid": _grid_payload(grid), "entries": []}, sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()


# -- edition figures (§9) -------------------------------------------------------------------


def _mean(values: pd.Series) -> float | None:
    values = values.dropna()
    return float(values.mean()) if len(values) else None


def figures(
    entries: pd.DataFrame,
    tests: pd.DataFrame,
    settings: Settings,
    *,
    categories: int,
    contested: int,
    awarded: int,
    renewal_rate: float | None,
) -> dict[str, Any]:
    """The palmarès ``figures`` (API.md) from per-entry results and the counted tests.

    ``entries`` has one row per scored or unscored registered entry with ``overall``,
    ``laureate`` and per channel ``n_c``/``score_c`` columns (the shape ``compute`` returns)."""
    channels = list(settings.channels)
    scored = entries[entries["overall"].notna()]
    laureates = scored[scored["laureate"].astype(bool)]
    others = scored[~scored["laureate"].astype(bool)]
    measured = channel_figures(tests, channels)
    by_channel = {
        c: {
            "average_laureates": _mean(laureates[f"score_{c}"].where(laureates[f"n_{c}"] > 0)),
            "average_others": _mean(others[f"score_{c}"].where(others[f"n_{c}"] > 0)),
            **measured[c],
        }
        for c in channels
    }
    return {
        "categories": int(categories),
        "contested_categories": int(contested),
        "awarded_categories": int(awarded),
        "entries": int(len(scored)),
        "counted_tests": int((channel_positions(tests, channels) >= 0).sum()),
        "average_laureates": _mean(laureates["overall"]),
        "average_others": _mean(others["overall"]),
        "renewal_rate": renewal_rate,
        "channels": by_channel,
    }


def channel_figures(tests: pd.DataFrame, channels: Iterable[str]) -> dict[str, dict[str, float | None]]:
    """§9 per channel over the counted tests given (an edition's, or one entry's for its scorecard):
    ``reach_rate``, ``median_wait_seconds`` (phone, chat), ``median_response_hours`` (e-mail, social
    networks); None where no test carries the value."""
    channels = list(channels)
    positions = channel_positions(tests, channels)
    keep = positions >= 0
    # One pass over the tests, grouped by channel position; medians skip the tests that do not
    # carry the value (NaN), and an even count takes the mean of the two middle values.
    counted = pd.DataFrame(
        {
            "position": positions[keep],
            "reached": tests["reached"].to_numpy(dtype="float64")[keep],
            "wait": tests["wait_seconds"].to_numpy(dtype="float64")[keep],
            "response": tests["response_hours"].to_numpy(dtype="float64")[keep],
        }
    )
    per_channel = counted.groupby("position").agg(
        reach=("reached", "mean"), wait=("wait", "median"), response=("response", "median")
    )
    by_channel: dict[str, dict[str, float | None]] = {}
    for j, c in enumerate(channels):
        stats = per_channel.loc[j] if j in per_channel.index else None
        block = {"reach_rate": optional_float(stats["reach"]) if stats is not None else None}
        if c in WAIT_CHANNELS:
            block["median_wait_seconds"] = optional_float(stats["wait"]) if stats is not None else None
        if c in RESPONSE_CHANNELS:
            block["median_response_hours"] = optional_float(stats["response"]) if stats is not None else None
        by_channel[c] = block
    return by_channel


def renewal_rate(current: Iterable[tuple[str, int]], previous: Iterable[tuple[str, int]] | None) -> float | None:
    """§9: share of this edition's laureate entries (category slug, brand id) whose brand was not
    laureate of the same slug in the previous published edition; None without one (or no laureate)."""
    if previous is None:
        return None
    current = list(current)
    if not current:
        return None
    before = set(previous)
    renewed = sum(1 for pair in current if pair not in before)
    return renewed / len(current)


def is_finite(value: Any) -> bool:
    """False for None, NaN and pandas' NA (missing values of nullable columns)."""
    return value is not None and not pd.isna(value) and not (isinstance(value, float) and math.isinf(value))


def optional_float(value: Any) -> float | None:
    return float(value) if is_finite(value) else None
