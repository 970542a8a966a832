"""Calibration of the shoppers (issue 20): agreement and deviations, pure computation.

A calibration round is one reference contact (a recorded call, an e-mail, a chat transcript) that
every shopper of the channel scores on the edition's grid. Points are 0, 1 or 2: ordered categories
whose distances are not known to be equal, so agreement is **Krippendorff's α at the ordinal level**
(the maintained ``krippendorff`` package), per criterion, the units being the season's rounds of the
channel and the coders its shoppers; missing ratings are allowed. α = 1 is perfect agreement, 0 what
chance alone would give; 0.667 is Krippendorff's usual lowest acceptable value.

A shopper's deviation on a round is the mean over the criteria of (its points − the reference
points), the reference being the organiser's scoring of the contact or, without one, the median of
the shoppers' points: negative for a harsh shopper, positive for a lenient one. The drift view lists
each shopper's deviation round after round over the season.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

LEVEL = "ordinal"
ACCEPTABLE_ALPHA = 0.667

# {shopper: {criterion code: points}}
Ratings = Mapping[str, Mapping[str, float | None]]


def alpha(units: Sequence[Mapping[str, float | None]], *, level: str = LEVEL) -> float | None:
    """Krippendorff's α over ``units`` (each {coder: value or None}); None when it is not defined
    (fewer than two pairable values, or a single value everywhere)."""
    import krippendorff  # noqa: PLC0415 -- numpy stays out of the web processes' start-up
    import numpy as np  # noqa: PLC0415 -- numpy stays out of the web processes' start-up

    coders = sorted({c for unit in units for c, v in unit.items() if v is not None})
    if len(coders) < 2 or not units:
        return None
    data = np.array(
        [[np.nan if unit.get(c) is None else float(unit[c]) for unit in units] for c in coders], dtype=float
    )
    pairable = np.sum(~np.isnan(data), axis=0) >= 2
    values = data[:, pairable]
    if values.size == 0 or len(np.unique(values[~np.isnan(values)])) < 2:
        return None
    result = float(krippendorff.alpha(reliability_data=data, level_of_measurement=level))
    return None if math.isnan(result) else result


def alpha_per_criterion(rounds: Sequence[Ratings], criteria: Sequence[str]) -> dict[str, float | None]:
    """α per criterion code, the units being the rounds (each a reference contact) and the coders the shoppers."""
    return {
        code: alpha([{s: points.get(code) for s, points in ratings.items()} for ratings in rounds]) for code in criteria
    }


def reference_points(ratings: Ratings, criteria: Sequence[str], reference: Mapping[str, float] | None = None):
    """The points each criterion should have had: the organiser's reference, else the shoppers' median."""
    found = {}
    for code in criteria:
        if reference and reference.get(code) is not None:
            found[code] = float(reference[code])
            continue
        given = [float(p[code]) for p in ratings.values() if p.get(code) is not None]
        found[code] = statistics.median(given) if given else None
    return found


def deviations(ratings: Ratings, criteria: Sequence[str], reference: Mapping[str, float] | None = None):
    """{shopper: mean of (points − reference points) over the criteria both have}, None when none."""
    target = reference_points(ratings, criteria, reference)
    found = {}
    for shopper, points in ratings.items():
        gaps = [float(points[c]) - target[c] for c in criteria if points.get(c) is not None and target[c] is not None]
        found[shopper] = statistics.fmean(gaps) if gaps else None
    return found


@dataclass(frozen=True)
class RoundInput:
    label: str
    ratings: Ratings
    reference: Mapping[str, float] | None = None


def drift(rounds: Sequence[RoundInput], criteria: Sequence[str]) -> dict:
    """The season's rounds in order: per round its α over the criteria (units = criteria) and each
    shopper's deviation; ``shoppers`` lists every shopper seen; ``rows`` one row per shopper with its
    deviations round by round (None where it did not score the round)."""
    per_round = [deviations(r.ratings, criteria, r.reference) for r in rounds]
    shoppers = sorted({s for found in per_round for s in found})
    return {
        "rounds": [r.label for r in rounds],
        "alpha": [alpha([{s: p.get(c) for s, p in r.ratings.items()} for c in criteria]) for r in rounds],
        "shoppers": shoppers,
        "rows": [{"shopper": s, "deviations": [found.get(s) for found in per_round]} for s in shoppers],
    }
