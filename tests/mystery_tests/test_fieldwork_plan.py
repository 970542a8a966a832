"""The fieldwork plan (issue 20): balanced per entry and channel, deterministic, shoppers under their share."""

import dataclasses
import datetime as dt
from collections import Counter
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mystery_tests.planning import (
    OUTSIDE,
    DoneTest,
    RosterTooShort,
    balance,
    build_plan,
    shopper_cap,
    shopper_positions,
    weeks_of,
)

SLOTS = ("morning", "midday", "afternoon")

plans = st.fixed_dictionaries(
    {
        "campaign_id": st.integers(1, 10_000),
        "seed": st.integers(0, 2**32),
        "entry_ids": st.lists(st.integers(1, 10_000), min_size=1, max_size=4, unique=True),
        "quota": st.dictionaries(st.sampled_from(["phone", "email", "web", "chat"]), st.integers(0, 40), min_size=1),
        "starts_on": st.dates(dt.date(2026, 1, 1), dt.date(2027, 12, 31)),
        "days": st.integers(0, 120),
        "slots": st.lists(st.sampled_from(SLOTS + ("evening",)), min_size=1, max_size=4, unique=True),
        "scenarios": st.lists(st.sampled_from(["S1", "S2", "S3", "S4", "S5"]), max_size=5, unique=True),
        "share": st.sampled_from([Decimal("0.1"), Decimal("0.2"), Decimal("0.25"), Decimal("0.5"), Decimal("1")]),
    }
)


def _plan(p: dict):
    return build_plan(
        campaign_id=p["campaign_id"],
        seed=p["seed"],
        entry_ids=p["entry_ids"],
        quota=p["quota"],
        starts_on=p["starts_on"],
        ends_on=p["starts_on"] + dt.timedelta(days=p["days"]),
        slots=p["slots"],
        scenarios=p["scenarios"],
        max_shopper_share=p["share"],
    )


def _four_weeks(*, phone: int) -> dict:
    """One entry's ``phone`` tests over 4 full weeks from Monday 3 May 2027, the three slots, share 0.2."""
    return {
        "campaign_id": 1,
        "seed": 0,
        "entry_ids": [1],
        "quota": {"phone": phone},
        "starts_on": dt.date(2027, 5, 3),
        "days": 27,
        "slots": list(SLOTS),
        "scenarios": [],
        "share": Decimal("0.2"),
    }


def _spread(counts: Counter, keys) -> int:
    values = [counts.get(k, 0) for k in keys]
    return max(values) - min(values)


@settings(max_examples=150, deadline=None)
@given(plans)
def test_plan_is_balanced_per_entry_and_channel_for_any_campaign(p):
    # Act
    plan = _plan(p)

    # Assert: every quota planned; per entry and channel, weeks, slots and scenarios differ by at most one
    ends_on = p["starts_on"] + dt.timedelta(days=p["days"])
    weeks = weeks_of(p["starts_on"], ends_on)
    for entry_id in p["entry_ids"]:
        for channel, quota in p["quota"].items():
            tests = [t for t in plan if t.entry_id == entry_id and t.channel == channel]
            assert len(tests) == quota
            if not quota:
                continue
            assert _spread(Counter(t.week for t in tests), range(1, len(weeks) + 1)) <= 1
            assert _spread(Counter(t.slot for t in tests), p["slots"]) <= 1
            if p["scenarios"]:
                assert _spread(Counter(t.scenario for t in tests), p["scenarios"]) <= 1
            else:
                assert {t.scenario for t in tests} == {""}
            assert max(Counter(t.shopper for t in tests).values()) <= shopper_cap(quota, p["share"])
            for t in tests:
                assert t.date in weeks[t.week - 1]
                assert p["starts_on"] <= t.date <= ends_on


@settings(max_examples=50, deadline=None)
@given(plans)
def test_plan_is_the_same_for_the_same_campaign_and_seed(p):
    # Act
    first, second = _plan(p), _plan(dict(p))

    # Assert
    assert first == second


def test_plan_changes_with_the_seed():
    # Arrange
    p = {
        "campaign_id": 7,
        "seed": 1,
        "entry_ids": [1, 2, 3],
        "quota": {"phone": 15, "email": 10},
        "starts_on": dt.date(2027, 5, 3),
        "days": 60,
        "slots": list(SLOTS),
        "scenarios": ["S1", "S2"],
        "share": Decimal("0.2"),
    }

    # Act
    one, other = _plan(p), _plan({**p, "seed": 2})

    # Assert
    assert one != other
    assert Counter((t.entry_id, t.channel) for t in one) == Counter((t.entry_id, t.channel) for t in other)


def test_plan_spreads_weekdays_monday_to_friday_in_full_weeks():
    # Arrange: 4 full weeks starting on a Monday, 20 tests: 4 per weekday
    p = _four_weeks(phone=20)

    # Act
    plan = _plan(p)

    # Assert
    assert Counter(t.date.weekday() for t in plan) == {0: 4, 1: 4, 2: 4, 3: 4, 4: 4}
    assert Counter(t.week for t in plan) == {1: 5, 2: 5, 3: 5, 4: 5}


@pytest.mark.parametrize(
    ("tests", "share", "cap", "positions"),
    [(15, "0.2", 3, 5), (3, "0.2", 1, 3), (10, "0.25", 2, 5), (1, "0.2", 1, 1), (20, "1", 20, 1)],
)
def test_shopper_cap_is_the_share_rounded_down_and_at_least_one(tests, share, cap, positions):
    assert shopper_cap(tests, Decimal(share)) == cap
    assert shopper_positions(tests, Decimal(share)) == positions


def test_plan_with_a_roster_too_short_for_the_share_is_refused():
    # Arrange: 15 tests at most 3 each need 5 shoppers
    p = _four_weeks(phone=15)

    # Act / Assert
    with pytest.raises(RosterTooShort, match="need 5 shoppers; the roster has 2"):
        build_plan(**_args(p), roster=["A1", "B2"])
    plan = build_plan(**_args(p), roster=["A1", "B2", "C3", "D4", "E5"])
    assert Counter(t.shopper for t in plan) == {"A1": 3, "B2": 3, "C3": 3, "D4": 3, "E5": 3}


def _args(p):
    return {
        "campaign_id": p["campaign_id"],
        "seed": p["seed"],
        "entry_ids": p["entry_ids"],
        "quota": p["quota"],
        "starts_on": p["starts_on"],
        "ends_on": p["starts_on"] + dt.timedelta(days=p["days"]),
        "slots": p["slots"],
        "scenarios": p["scenarios"],
        "max_shopper_share": p["share"],
    }


def _done(week_days: list[dt.date], slot="morning", scenario="", shopper="", entry=1):
    return [DoneTest(entry, "phone", day, slot, scenario, shopper) for day in week_days]


def test_balance_flags_an_entry_whose_tests_all_fell_in_one_week_and_slot():
    # Arrange: 4 tests on one Monday morning in a 2-week window, by one shopper
    monday = dt.date(2027, 5, 3)
    done = _done([monday] * 4, shopper="X1")

    # Act
    found = balance(
        done=done,
        starts_on=monday,
        ends_on=monday + dt.timedelta(days=13),
        slots=SLOTS,
        scenarios=[],
        max_shopper_share=Decimal("0.5"),
    )

    # Assert
    assert found[(1, "phone")].problems == ["weeks", "slots", "shopper"]


def test_balance_passes_a_plan_done_as_planned_and_flags_a_test_outside_the_slots():
    # Arrange: the plan carried out exactly, shoppers named by position
    monday = dt.date(2027, 5, 3)
    plan = build_plan(
        campaign_id=3,
        seed=9,
        entry_ids=[1],
        quota={"phone": 12},
        starts_on=monday,
        ends_on=monday + dt.timedelta(days=27),
        slots=SLOTS,
        scenarios=["S1", "S2"],
        max_shopper_share=Decimal("0.25"),
    )
    done = [DoneTest(t.entry_id, t.channel, t.date, t.slot, t.scenario, t.shopper) for t in plan]
    kwargs = {
        "starts_on": monday,
        "ends_on": monday + dt.timedelta(days=27),
        "slots": SLOTS,
        "scenarios": ["S1", "S2"],
        "max_shopper_share": Decimal("0.25"),
    }

    # Act
    as_planned = balance(done=done, **kwargs)
    one_outside = balance(done=[dataclasses.replace(done[0], slot=OUTSIDE), *done[1:]], **kwargs)

    # Assert
    assert as_planned[(1, "phone")].problems == []
    assert one_outside[(1, "phone")].problems == ["slots"]


def test_balance_waits_for_the_quota_before_judging():
    # Arrange: one test done of 15 planned: behind, not unbalanced
    monday = dt.date(2027, 5, 3)

    # Act
    found = balance(
        done=_done([monday], shopper="X1"),
        starts_on=monday,
        ends_on=monday + dt.timedelta(days=27),
        slots=SLOTS,
        scenarios=[],
        max_shopper_share=Decimal("0.2"),
        quota={"phone": 15},
    )

    # Assert
    assert found[(1, "phone")].problems == []
    assert found[(1, "phone")].total == 1
