"""The fieldwork plan and the balance of tests (issue 20), in pure Python: no database, no clock.

``build_plan`` spreads each entry's tests on each channel (its quota) evenly over the weeks of the
campaign window, the weekdays, the edition's time slots and its scenarios, and over enough shopper
positions that no shopper makes more than ``shopper_cap`` of them. Every choice is a rotation whose
starting point comes from a generator seeded with (campaign, seed, entry, channel): the same campaign
and seed always give the same plan, and counts per week, slot, scenario and shopper position of one
entry and channel differ by at most one.

``balance`` counts what was actually done (tests per week, weekday, slot, scenario and shopper) and
says where an entry and channel breaks the plan's rules.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

WEEKDAYS = (0, 1, 2, 3, 4)  # Monday to Friday: the days a customer service is sure to answer
OUTSIDE = "-"  # a test made outside every time slot


@dataclass(frozen=True, slots=True)
class PlannedTest:
    entry_id: int
    channel: str
    number: int  # 1 … quota, in the plan's order (week, then day)
    week: int  # 1 … weeks of the window
    date: dt.date
    slot: str
    scenario: str  # "" when the edition keeps no scenario list
    shopper: str  # a shopper position ("P1", "P2", …) or a code of the agency's roster


def weeks_of(starts_on: dt.date, ends_on: dt.date) -> list[list[dt.date]]:
    """The window's weeks (7-day blocks from its first day), each with its days to test on: Monday to
    Friday, or every day of the block when it holds no weekday (a weekend-only window)."""
    weeks = []
    day = starts_on
    while day <= ends_on:
        block = [day + dt.timedelta(days=k) for k in range(7) if day + dt.timedelta(days=k) <= ends_on]
        weekdays = [d for d in block if d.weekday() in WEEKDAYS]
        weeks.append(weekdays or block)
        day += dt.timedelta(days=7)
    return weeks


def week_of(starts_on: dt.date, day: dt.date) -> int:
    """The week (1, 2, …) of the window a date falls in."""
    return (day - starts_on).days // 7 + 1


def shopper_cap(tests: int, share: Decimal | float) -> int:
    """The most tests of one entry and channel one shopper may make: ``share`` of them, rounded down,
    and at least one (a single test is always one shopper's)."""
    return max(1, math.floor(Decimal(str(share)) * tests))


def shopper_positions(tests: int, share: Decimal | float) -> int:
    """How many shoppers the plan spreads ``tests`` over so that none exceeds ``shopper_cap``."""
    return math.ceil(tests / shopper_cap(tests, share)) if tests else 0


def plan_entry_channel(  # noqa: PLR0913  (the plan's inputs, each named)
    *,
    rng: random.Random,
    entry_id: int,
    channel: str,
    tests: int,
    weeks: Sequence[Sequence[dt.date]],
    slots: Sequence[str],
    scenarios: Sequence[str],
    shoppers: Sequence[str],
) -> list[PlannedTest]:
    """``tests`` tests of one entry on one channel. Each dimension is a rotation over the tests in plan
    order, from a random starting point: counts per week, slot, scenario and shopper differ by ≤ 1."""
    if tests <= 0 or not weeks:
        return []
    n_weeks = len(weeks)
    week_start = rng.randrange(n_weeks)
    # Tests to weeks by rotation, then numbered in week order: the other rotations run along that order.
    per_week = sorted((week_start + i) % n_weeks for i in range(tests))
    slot_start = rng.randrange(len(slots))
    scenario_start = rng.randrange(len(scenarios)) if scenarios else 0
    shopper_start = rng.randrange(len(shoppers))
    day_start = rng.randrange(len(WEEKDAYS))
    planned = []
    for rank, week in enumerate(per_week):
        days = weeks[week]
        wanted = WEEKDAYS[(day_start + rank) % len(WEEKDAYS)]
        # The wanted weekday, or in a short week the first day after it (cyclically) that the week holds.
        date = min(days, key=lambda d, wanted=wanted: ((d.weekday() - wanted) % 7, d))
        planned.append(
            PlannedTest(
                entry_id=entry_id,
                channel=channel,
                number=rank + 1,
                week=week + 1,
                date=date,
                slot=slots[(slot_start + rank) % len(slots)],
                scenario=scenarios[(scenario_start + rank) % len(scenarios)] if scenarios else "",
                shopper=shoppers[(shopper_start + rank) % len(shoppers)],
            )
        )
    return planned


class RosterTooShort(ValueError):
    """The agency's roster holds fewer shoppers than the share requires for a channel's quota."""

    def __init__(self, tests: int, cap: int, needed: int, have: int):
        self.tests, self.cap, self.needed, self.have = tests, cap, needed, have
        super().__init__(f"{tests} tests with at most {cap} per shopper need {needed} shoppers; the roster has {have}.")


def build_plan(  # noqa: PLR0913  (the plan's inputs, each named)
    *,
    campaign_id: int,
    seed: int,
    entry_ids: Iterable[int],
    quota: dict[str, int],
    starts_on: dt.date,
    ends_on: dt.date,
    slots: Sequence[str],
    scenarios: Sequence[str],
    max_shopper_share: Decimal | float,
    roster: Sequence[str] = (),
) -> list[PlannedTest]:
    """The campaign's plan: for every entry and every channel with a quota, ``plan_entry_channel``.

    ``roster``: the agency's own shopper codes to rotate (it must hold at least ``shopper_positions``
    codes; RosterTooShort otherwise); without one, positions P1, P2, … stand for the shoppers."""
    if not slots:
        raise ValueError("A plan needs at least one time slot.")
    weeks = weeks_of(starts_on, ends_on)
    plan: list[PlannedTest] = []
    for entry_id in sorted(set(entry_ids)):
        for channel, tests in quota.items():
            if tests <= 0:
                continue
            needed = shopper_positions(tests, max_shopper_share)
            if roster and len(roster) < needed:
                raise RosterTooShort(tests, shopper_cap(tests, max_shopper_share), needed, len(roster))
            shoppers = list(roster) if roster else [f"P{k}" for k in range(1, needed + 1)]
            rng = random.Random(f"{campaign_id}:{seed}:{entry_id}:{channel}")  # noqa: S311  (a plan, not a secret)
            plan.extend(
                plan_entry_channel(
                    rng=rng,
                    entry_id=entry_id,
                    channel=channel,
                    tests=tests,
                    weeks=weeks,
                    slots=slots,
                    scenarios=scenarios,
                    shoppers=shoppers,
                )
            )
    return plan


# -- what was done ---------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class DoneTest:
    """One result, as the balance reads it: its local date and slot in the edition's time zone."""

    entry_id: int
    channel: str
    date: dt.date
    slot: str  # OUTSIDE when its local time is in no slot
    scenario: str
    shopper: str


@dataclass
class Balance:
    """The tests of one entry and channel counted per week, weekday, slot, scenario and shopper."""

    entry_id: int
    channel: str
    total: int = 0
    weeks: Counter = field(default_factory=Counter)
    weekdays: Counter = field(default_factory=Counter)
    slots: Counter = field(default_factory=Counter)
    scenarios: Counter = field(default_factory=Counter)
    shoppers: Counter = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)


def _spread(counts: Counter, keys: Iterable) -> int:
    values = [counts.get(k, 0) for k in keys]
    return max(values) - min(values) if values else 0


def balance(  # noqa: PLR0913  (the rules' inputs, each named)
    *,
    done: Iterable[DoneTest],
    starts_on: dt.date,
    ends_on: dt.date,
    slots: Sequence[str],
    scenarios: Sequence[str],
    max_shopper_share: Decimal | float,
    quota: dict[str, int] | None = None,
) -> dict[tuple[int, str], Balance]:
    """What was done, per (entry, channel), with the plan's rules it breaks (``problems``: codes
    ``weeks``, ``slots``, ``scenarios``, ``shopper``). A rule is judged once the quota is reached
    (``quota`` per channel; without it, on what was done): a season under way is behind, not unbalanced."""
    found: dict[tuple[int, str], Balance] = {}
    n_weeks = len(weeks_of(starts_on, ends_on))
    for test in done:
        b = found.setdefault((test.entry_id, test.channel), Balance(test.entry_id, test.channel))
        b.total += 1
        b.weeks[week_of(starts_on, test.date)] += 1
        b.weekdays[test.date.weekday()] += 1
        b.slots[test.slot] += 1
        if test.scenario:
            b.scenarios[test.scenario] += 1
        if test.shopper:
            b.shoppers[test.shopper] += 1
    for b in found.values():
        if quota is not None and b.total < quota.get(b.channel, 0):
            continue
        if _spread(b.weeks, range(1, n_weeks + 1)) > 1:
            b.problems.append("weeks")
        if b.slots.get(OUTSIDE) or _spread(b.slots, slots) > 1:
            b.problems.append("slots")
        if scenarios and _spread(b.scenarios, scenarios) > 1:
            b.problems.append("scenarios")
        if b.shoppers and max(b.shoppers.values()) > shopper_cap(b.total, max_shopper_share):
            b.problems.append("shopper")
    return found
