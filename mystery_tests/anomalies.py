"""Anomaly flags for the quality review of fieldwork (issue 20): pure rules, no database.

A flag is a question for an organiser, never an exclusion: nothing here changes what is counted
(METHODOLOGY §5 exclusions stay a person's decision, with a reason). Each rule takes plain
``Observation`` rows and answers ``{observation key: detail}`` for the rows it flags;
``mystery_tests.anomaly_flags`` reads the rows from the database and stores the flags.
"""

from __future__ import annotations

import re
import statistics
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

# Rule codes, stored with each flag (AnomalyFlag.rule).
LATE_UPLOAD = "late_upload"
ODD_HOURS = "odd_hours"
SHARED_COMMENT = "shared_comment"
BURST = "burst"
OUTLIER_SHOPPER = "outlier_shopper"
RULES = (LATE_UPLOAD, ODD_HOURS, SHARED_COMMENT, BURST, OUTLIER_SHOPPER)

# A test uploaded more than this long after it was made (memory fades; back-filled fieldwork).
LATE_AFTER = timedelta(days=14)
# Plausible local hours per channel, [start, end) in the edition's time zone: a call or a chat is
# answered in opening hours; an e-mail, a web form or a social message can be sent at any reasonable hour.
PLAUSIBLE_HOURS: Mapping[str, tuple[int, int]] = {
    "phone": (8, 20),
    "chat": (8, 22),
    "email": (6, 24),
    "web": (6, 24),
    "social": (6, 24),
}
# Identical comments across brands: only comments long enough to be written, not "RAS" or "OK".
SHARED_COMMENT_MIN_CHARS = 25
# A burst: at least BURST_SIZE tests of one entry within BURST_WINDOW.
BURST_SIZE = 3
BURST_WINDOW = timedelta(minutes=10)
# An outlying shopper: on the entries and channels it shares with peers, its reached tests sit on
# average at least OUTLIER_POINTS points (/20) from the peers' mean, over at least OUTLIER_MIN_TESTS tests.
OUTLIER_POINTS = 3.0
OUTLIER_MIN_TESTS = 5


@dataclass(frozen=True)
class Observation:
    """What the rules read of one test result."""

    key: int
    entry: int
    brand: int
    channel: str
    performed_at: datetime
    uploaded_at: datetime
    reached: bool = True
    score: float = 0.0
    comment: str = ""
    shopper: str = ""


def late_uploads(rows: Iterable[Observation], *, late_after: timedelta = LATE_AFTER) -> dict[int, str]:
    flags = {}
    for row in rows:
        delay = row.uploaded_at - row.performed_at
        if delay > late_after:
            flags[row.key] = f"uploaded {delay.days} days after the contact"
    return flags


def odd_hours(rows: Iterable[Observation], *, time_zone: str) -> dict[int, str]:
    """Contacts made outside their channel's plausible hours, read in the edition's time zone."""
    zone = ZoneInfo(time_zone)
    flags = {}
    for row in rows:
        start, end = PLAUSIBLE_HOURS.get(row.channel, (0, 24))
        local = row.performed_at.astimezone(zone)
        if not start <= local.hour < end:
            flags[row.key] = f"{local:%H:%M} local time, outside {start:02d}:00–{end % 24:02d}:00 for {row.channel}"
    return flags


def _normalised(comment: str) -> str:
    return re.sub(r"\s+", " ", comment).strip().casefold()


def shared_comments(rows: Iterable[Observation], *, min_chars: int = SHARED_COMMENT_MIN_CHARS) -> dict[int, str]:
    """The same comment (ignoring case and spacing) on tests of at least two different brands."""
    by_text: dict[str, list[Observation]] = defaultdict(list)
    for row in rows:
        text = _normalised(row.comment)
        if len(text) >= min_chars:
            by_text[text].append(row)
    flags = {}
    for same in by_text.values():
        brands = {r.brand for r in same}
        if len(brands) >= 2:
            for row in same:
                flags[row.key] = f"same comment on {len(same)} tests of {len(brands)} brands"
    return flags


def bursts(rows: Iterable[Observation], *, size: int = BURST_SIZE, window: timedelta = BURST_WINDOW) -> dict[int, str]:
    """At least ``size`` tests of one entry whose contact times fall within ``window``."""
    by_entry: dict[int, list[Observation]] = defaultdict(list)
    for row in rows:
        by_entry[row.entry].append(row)
    flags = {}
    minutes = int(window.total_seconds() // 60)
    for same in by_entry.values():
        same.sort(key=lambda r: (r.performed_at, r.key))
        for i in range(len(same) - size + 1):
            group = same[i : i + size]
            if group[-1].performed_at - group[0].performed_at <= window:
                for row in group:
                    flags[row.key] = f"{size} or more tests of this entry within {minutes} minutes"
    return flags


def outlying_shoppers(
    rows: Iterable[Observation], *, points: float = OUTLIER_POINTS, min_tests: int = OUTLIER_MIN_TESTS
) -> dict[int, str]:
    """Tests of a shopper whose reached tests sit far from its peers' on the same entries and channels.

    For each reached test with a shopper code, the gap is its score minus the mean score of the other
    shoppers' reached tests of the same entry and channel (tests with no peer are left out). The shopper
    whose mean gap is furthest from zero, if at least ``points`` away over at least ``min_tests`` tests,
    is flagged on each of those tests and leaves the peers; the others are measured again without it,
    so one harsh shopper does not make its peers look lenient."""
    cells: dict[tuple[int, str], list[Observation]] = defaultdict(list)
    for row in rows:
        if row.reached and row.shopper:
            cells[(row.entry, row.channel)].append(row)
    flags: dict[int, str] = {}
    outliers: set[str] = set()
    while True:
        gaps: dict[str, list[tuple[int, float]]] = defaultdict(list)
        for cell in cells.values():
            kept = [r for r in cell if r.shopper not in outliers]
            for row in kept:
                peers = [r.score for r in kept if r.shopper != row.shopper]
                if peers:
                    gaps[row.shopper].append((row.key, row.score - statistics.fmean(peers)))
        candidates = [
            (abs(mean_gap), shopper, mean_gap)
            for shopper, shopper_gaps in gaps.items()
            if len(shopper_gaps) >= min_tests
            and abs(mean_gap := statistics.fmean(g for _, g in shopper_gaps)) >= points
        ]
        if not candidates:
            return flags
        _size, shopper, mean_gap = max(candidates)
        outliers.add(shopper)
        for key, _gap in gaps[shopper]:
            flags[key] = f"shopper {shopper} scores {mean_gap:+.1f} points from peers on {len(gaps[shopper])} tests"


def all_flags(rows: Iterable[Observation], *, time_zone: str) -> dict[str, dict[int, str]]:
    """Every rule over the same rows: {rule code: {observation key: detail}}."""
    rows = list(rows)
    return {
        LATE_UPLOAD: late_uploads(rows),
        ODD_HOURS: odd_hours(rows, time_zone=time_zone),
        SHARED_COMMENT: shared_comments(rows),
        BURST: bursts(rows),
        OUTLIER_SHOPPER: outlying_shoppers(rows),
    }
