"""Disclosure control of a brand's scorecard (METHODOLOGY §10): which category averages it may read.

A brand reads its own entries in full. About the other entries of its category it reads only
averages that cannot give any one of them away:

1. **The rule book's rule.** An average (overall, per channel, per criterion) is shown only when
   at least ``MIN_CONTRIBUTORS`` scored entries contribute to it, at least ``MIN_UNKNOWN`` of which
   are neither the brand's own nor a laureate. "Own" is every entry of the category whose brand
   shares a member with the scorecard's brand (a member of two brands knows both scores).
   Laureates count as known *before* publication too: an average shown on a scorecard released
   before publication stays readable afterwards, when the laureates' scores become public, and
   must not give away the remaining entries then.
2. **No combination of them either.** Averages over different sets of entries combine: the
   overall score is a weighted mean of the channel scores (§6), so an overall average over
   {A, B, C} and channel averages over {A, B} can give away C's score. So the shown averages are
   also checked as a system of linear equations over the other entries' unknown scores (with the
   laureates' public overall scores as further equations, and the criterion means tied to the
   channel score wherever the score is exactly their weighted mean): an average is kept only if
   no other entry's overall, channel score or criterion mean can be solved from what is shown.
   Averages are admitted one at a time in a fixed order (overall, channels, criteria), each kept
   only if the whole stays safe, so the result does not depend on the data's order.
3. **No rank before publication.** Scores lie between 0 and 20, so the others' sum bounds each of
   them: if it is below one of the brand's own scores, every other entry is below it (the brand
   is first); if it exceeds ``20 × (others − 1)`` plus that score, every other entry is above it
   (the brand is last). Before publication (§10: rank only once published) the overall and
   channel averages, which give that sum, are then withheld.

Never a best, a minimum, a quantile, a spread or a rank of others: the scorecard does not even
compute them.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

# METHODOLOGY §10.
MIN_CONTRIBUTORS = 4
MIN_UNKNOWN = 2
# Scores are out of 20 (METHODOLOGY §4).
SCALE = 20.0
# Below this residual a target counts as solvable from the shown averages.
_TOLERANCE = 1e-7


@dataclass
class Peer:
    """One scored entry of the category, as the disclosure check sees it."""

    entry_id: int
    overall: float
    channels: dict[str, float]
    own: bool = False
    laureate: bool = False
    # {(channel, code): mean points} over the entry's counted reached tests.
    criteria: dict[tuple[str, str], float] = field(default_factory=dict)
    # Channels whose score is exactly 10 × Σ w_k m_k / Σ w_k over the grid (every counted test
    # reached and every criterion scored in each): the criterion means then determine the score.
    linear_channels: frozenset[str] = frozenset()


def rule_allows(contributors: Iterable[Peer]) -> bool:
    """§10's counting rule for one average."""
    peers = list(contributors)
    unknown = [p for p in peers if not p.own and not p.laureate]
    return len(peers) >= MIN_CONTRIBUTORS and len(unknown) >= MIN_UNKNOWN


def reveals_rank(peers: list[Peer]) -> bool:
    """Would the others' overall sum (n × the average − the brand's own) place every other entry on
    one side of one of the brand's own scores? The displayed average is rounded to 2 decimals: the
    bound is taken with that slack, so a near miss is withheld too."""
    own = [p.overall for p in peers if p.own]
    others = [p.overall for p in peers if not p.own]
    if not own or not others:
        return False
    total, slack = sum(others), 0.005 * len(peers)
    return any(total < o + slack or total - SCALE * (len(others) - 1) > o - slack for o in own)


def _mean(values: list[float]) -> float:
    return sum(values) / len(values)


class _System:
    """Linear equations over the other entries' unknown figures, and what they must never solve."""

    def __init__(self, peers: list[Peer], weights: Mapping[str, float], grid: Mapping[str, Mapping[str, float]]):
        self.weights = weights
        self.grid = grid
        self.variables: dict[Hashable, int] = {}
        self.base: list[dict[Hashable, float]] = []
        self.targets: list[dict[Hashable, float]] = []
        for p in peers:
            if p.own:
                continue  # known to the brand: a constant, not an unknown
            for c in p.channels:
                self.targets.append({("s", p.entry_id, c): 1.0})
            for key in p.criteria:
                self.targets.append({("m", p.entry_id, key): 1.0})
            overall = self.overall_row(p)
            if p.laureate:
                self.base.append(overall)  # its overall score is public
            else:
                self.targets.append(overall)
            for c in p.linear_channels:
                codes = grid.get(c) or {}
                total = sum(codes.values())
                if not total or any((c, k) not in p.criteria for k in codes):
                    continue
                row: dict[Hashable, float] = {("s", p.entry_id, c): 1.0}
                for k, w in codes.items():
                    row[("m", p.entry_id, (c, k))] = -10.0 * w / total
                self.base.append(row)
        for row in self.base + self.targets:
            for var in row:
                self.variables.setdefault(var, len(self.variables))

    def overall_row(self, p: Peer) -> dict[Hashable, float]:
        """§6: overall = Σ weight[c] × S_c / Σ weight[c] over the entry's channels."""
        from scoring import engine  # noqa: PLC0415 -- engine loads pandas: kept out of the web processes' start-up

        shares = engine.normalised_weights({c: self.weights.get(c, 0) for c in p.channels}, p.channels)
        return {("s", p.entry_id, c): share for c, share in shares.items()}

    def _vector(self, row: dict[Hashable, float]):
        import numpy as np  # noqa: PLC0415 -- numpy kept out of the web processes' start-up

        vector = np.zeros(len(self.variables))
        for var, coef in row.items():
            vector[self.variables[var]] += coef
        return vector

    def start(self) -> None:
        """Take in what the brand knows anyway (laureates' public scores, the criteria-to-score
        relations); targets these alone already solve are public, not secrets to keep."""
        import numpy as np  # noqa: PLC0415 -- numpy kept out of the web processes' start-up

        # An orthonormal basis of what is known, and each target's part outside it.
        self.basis: list[Any] = []
        self.residuals = np.array([self._vector(t) for t in self.targets], dtype=float).reshape(
            len(self.targets), len(self.variables)
        )
        for row in self.base:
            if row:
                self._extend(self._vector(row), commit=True)
        keep = np.linalg.norm(self.residuals, axis=1) > _TOLERANCE
        self.residuals = self.residuals[keep]

    def _extend(self, vector, *, commit: bool) -> bool:
        """Add ``vector`` to what is known if no target becomes solvable (or always, with ``commit``)."""
        import numpy as np  # noqa: PLC0415 -- numpy kept out of the web processes' start-up

        q = vector.copy()
        for _ in range(2):  # Gram-Schmidt, twice for numerical safety
            for b in self.basis:
                q -= (q @ b) * b
        norm = float(np.linalg.norm(q))
        if norm <= _TOLERANCE * max(1.0, float(np.linalg.norm(vector))):
            return True  # nothing new: it follows from what is known
        q /= norm
        residuals = self.residuals - np.outer(self.residuals @ q, q)
        if not commit and residuals.size and bool(np.any(np.linalg.norm(residuals, axis=1) <= _TOLERANCE)):
            return False
        self.basis.append(q)
        self.residuals = residuals
        return True

    def admit(self, row: dict[Hashable, float]) -> bool:
        """True (and now known) when showing ``row``'s sum solves no target."""
        return self._extend(self._vector(row), commit=False) if row else True


def category_averages(
    peers: list[Peer],
    *,
    channels: list[str],
    weights: Mapping[str, float],
    grid: Mapping[str, Mapping[str, float]],
    published: bool = True,
) -> dict[str, Any]:
    """The averages a brand may read: ``{"overall": {...} | None, "channels": {c: {...} | None},
    "criteria": {(c, code): mean | None}}``; each shown average is ``{"average", "entries"}``
    (criteria: the mean alone). Before publication (``published`` false) no overall or channel
    average that would give away the brand's rank (``reveals_rank``)."""
    rank_hidden = not published and reveals_rank(peers)
    system = _System(peers, weights, grid)
    system.start()

    def admit(contributors: list[Peer], row: dict[Hashable, float], *, scores: bool = False) -> bool:
        if scores and rank_hidden:
            return False
        return rule_allows(contributors) and system.admit(row)

    def sum_row(contributors: list[Peer], var) -> dict[Hashable, float]:
        row: dict[Hashable, float] = {}
        for p in contributors:
            if p.own:
                continue
            for key, coef in var(p).items():
                row[key] = row.get(key, 0.0) + coef
        return row

    result: dict[str, Any] = {"overall": None, "channels": {}, "criteria": {}}
    if admit(peers, sum_row(peers, system.overall_row), scores=True):
        result["overall"] = {"average": _mean([p.overall for p in peers]), "entries": len(peers)}
    for c in channels:
        contributors = [p for p in peers if c in p.channels]
        result["channels"][c] = None
        if admit(contributors, sum_row(contributors, lambda p, c=c: {("s", p.entry_id, c): 1.0}), scores=True):
            result["channels"][c] = {
                "average": _mean([p.channels[c] for p in contributors]),
                "entries": len(contributors),
            }
    for c in channels:
        for code in grid.get(c) or {}:
            key = (c, code)
            contributors = [p for p in peers if key in p.criteria]
            row = sum_row(contributors, lambda p, key=key: {("m", p.entry_id, key): 1.0})
            result["criteria"][key] = (
                _mean([p.criteria[key] for p in contributors]) if admit(contributors, row) else None
            )
    return result
