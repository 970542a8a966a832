"""Fieldwork reads (issue 20): a campaign's plan, its progress week by week, the balance achieved,
and an entry's spread of tests; the rules themselves are the pure functions of ``planning``."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from election.fieldwork import parse_slots
from election.models import Edition, Entry

from .models import Campaign, TestResult
from .planning import OUTSIDE, DoneTest, PlannedTest, balance, build_plan, week_of, weeks_of

PLAN_COLUMNS = (
    "entry",
    "brand",
    "category",
    "channel",
    "number",
    "week",
    "date",
    "weekday",
    "slot",
    "scenario",
    "shopper",
)


def campaign_entries(campaign: Campaign) -> list[Entry]:
    """The registered entries of the campaign's categories, by category then brand."""
    return list(
        Entry.objects.filter(category__campaigns=campaign, status=Entry.Status.REGISTERED)
        .select_related("brand", "category")
        .order_by("category__slug", "brand__slug")
    )


def slot_codes(edition: Edition) -> list[str]:
    return [s["code"] for s in edition.slots]


def scenario_codes(edition: Edition) -> list[str]:
    return [s["code"] for s in edition.scenarios or ()]


def campaign_plan(
    campaign: Campaign, *, seed: int = 0, roster: Sequence[str] = (), entries: Sequence[Entry] | None = None
) -> list[PlannedTest]:
    """The campaign's fieldwork plan (``planning.build_plan``); ``planning.RosterTooShort`` for a roster too short."""
    edition = campaign.edition
    entries = campaign_entries(campaign) if entries is None else entries
    return build_plan(
        campaign_id=campaign.pk,
        seed=seed,
        entry_ids=[e.pk for e in entries],
        quota={c: edition.quota[c] for c in edition.channels},
        starts_on=campaign.starts_on,
        ends_on=campaign.ends_on,
        slots=slot_codes(edition),
        scenarios=scenario_codes(edition),
        max_shopper_share=edition.max_shopper_share,
        roster=roster,
    )


def plan_rows(plan: Iterable[PlannedTest], entries: Sequence[Entry]) -> list[dict]:
    """The plan as rows of ``PLAN_COLUMNS`` (the API's items, the CSV's lines)."""
    by_id = {e.pk: e for e in entries}
    rows = []
    for test in plan:
        entry = by_id[test.entry_id]
        rows.append(
            {
                "entry": test.entry_id,
                "brand": entry.brand.slug,
                "category": entry.category.slug,
                "channel": test.channel,
                "number": test.number,
                "week": test.week,
                "date": test.date.isoformat(),
                "weekday": test.date.strftime("%A").lower(),
                "slot": test.slot,
                "scenario": test.scenario,
                "shopper": test.shopper,
            }
        )
    return rows


def plan_csv(rows: Iterable[dict]) -> bytes:
    """UTF-8 CSV (with a BOM for Excel), one line per planned test. Every value is a slug, a code, a
    number or a date the platform wrote: nothing a spreadsheet could read as a formula."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(PLAN_COLUMNS)
    for row in rows:
        writer.writerow([row[c] for c in PLAN_COLUMNS])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


# -- what was done -----------------------------------------------------------------------------------
def slot_of(moment: dt.time, slots) -> str:
    for slot in slots:
        if slot.holds(moment):
            return slot.code
    return OUTSIDE


def done_tests(results: QuerySet[TestResult], edition: Edition) -> list[DoneTest]:
    """The results (counted ones: not excluded) as the balance reads them, in the edition's local time."""
    tz = ZoneInfo(edition.time_zone)
    slots = parse_slots(edition.slots)
    done = []
    rows = results.filter(excluded=False).values_list("entry_id", "channel", "performed_at", "scenario", "shopper")
    for entry_id, channel, performed_at, scenario, shopper in rows.order_by():
        local = performed_at.astimezone(tz)
        done.append(DoneTest(entry_id, channel, local.date(), slot_of(local.time(), slots), scenario, shopper))
    return done


@dataclass
class WeekCell:
    week: int
    starts_on: dt.date
    planned: int = 0
    done: int = 0
    planned_to_date: int = 0  # cumulative, up to this week
    done_to_date: int = 0

    @property
    def behind(self) -> bool:
        return self.done_to_date < self.planned_to_date


@dataclass
class ProgressLine:
    entry: Entry
    weeks: list[WeekCell] = field(default_factory=list)
    behind: bool = False


def plan_progress(campaign: Campaign, *, today: dt.date, seed: int = 0) -> dict:
    """Progress against the plan, week by week, for each entry (all channels together): planned and done
    per week; an entry is behind when, by the end of the current week, it has done fewer tests than planned.
    ``plan`` and ``entries`` are the plan it was measured against and its entries (built once)."""
    edition = campaign.edition
    entries = campaign_entries(campaign)
    plan = campaign_plan(campaign, seed=seed, entries=entries)
    weeks = weeks_of(campaign.starts_on, campaign.ends_on)
    current = min(len(weeks), week_of(campaign.starts_on, today)) if today >= campaign.starts_on else 0
    planned: Counter = Counter((t.entry_id, t.week) for t in plan)
    done: Counter = Counter(
        (t.entry_id, week_of(campaign.starts_on, t.date))
        for t in done_tests(TestResult.objects.filter(campaign=campaign), edition)
    )
    lines = []
    for entry in entries:
        line = ProgressLine(entry)
        planned_sum = done_sum = 0
        for k, _days in enumerate(weeks, start=1):
            planned_sum += planned[(entry.pk, k)]
            done_sum += done[(entry.pk, k)]
            line.weeks.append(
                WeekCell(
                    k,
                    campaign.starts_on + dt.timedelta(days=7 * (k - 1)),
                    planned[(entry.pk, k)],
                    done[(entry.pk, k)],
                    planned_sum,
                    done_sum,
                )
            )
        if current:
            line.behind = line.weeks[current - 1].behind
        lines.append(line)
    return {
        "weeks": [campaign.starts_on + dt.timedelta(days=7 * k) for k in range(len(weeks))],
        "current_week": current,
        "lines": lines,
        "behind": [line for line in lines if line.behind],
        "plan": plan,
        "entries": entries,
    }


def campaign_balance(campaign: Campaign) -> dict:
    """The balance achieved per entry and channel (``planning.balance``), with the entries that break the plan."""
    edition = campaign.edition
    entries = {e.pk: e for e in campaign_entries(campaign)}
    found = balance(
        done=done_tests(TestResult.objects.filter(campaign=campaign), edition),
        starts_on=campaign.starts_on,
        ends_on=campaign.ends_on,
        slots=slot_codes(edition),
        scenarios=scenario_codes(edition),
        max_shopper_share=edition.max_shopper_share,
        quota=edition.quota,
    )
    lines = []
    for (entry_id, _channel), b in sorted(found.items(), key=lambda kv: (str(entries.get(kv[0][0], "")), kv[0][1])):
        entry = entries.get(entry_id)
        if entry is None:  # withdrawn since: its tests no longer matter to the plan
            continue
        lines.append({"entry": entry, "balance": b})
    n_weeks = len(weeks_of(campaign.starts_on, campaign.ends_on))
    return {
        "lines": lines,
        "weeks": list(range(1, n_weeks + 1)),
        "slots": [*slot_codes(edition), OUTSIDE],
        "scenarios": scenario_codes(edition),
        "breaking": [line for line in lines if line["balance"].problems],
    }


def entry_spread(entry: Entry) -> dict | None:
    """How an entry's counted tests were spread (for its scorecard): per week (by the Monday it starts),
    weekday, time slot and scenario, all channels together; never who made them. None without tests."""
    edition = entry.category.edition
    done = done_tests(TestResult.objects.filter(entry=entry), edition)
    if not done:
        return None
    weeks: Counter = Counter(t.date - dt.timedelta(days=t.date.weekday()) for t in done)
    weekdays: Counter = Counter(t.date.weekday() for t in done)
    slots: Counter = Counter(t.slot for t in done)
    scenarios: Counter = Counter(t.scenario for t in done if t.scenario)
    labels = {s["code"]: s["label"] for s in edition.scenarios or ()}
    return {
        "total": len(done),
        "weeks": sorted(weeks.items()),
        "weekdays": [(day, weekdays.get(day, 0)) for day in range(7) if weekdays.get(day) or day < 5],
        "slots": [(s, slots.get(s, 0)) for s in [*slot_codes(edition), OUTSIDE] if slots.get(s) or s != OUTSIDE],
        "scenarios": [(code, labels.get(code, code), n) for code, n in sorted(scenarios.items())],
    }


def share_text(share) -> str:
    """The edition's ``max_shopper_share``, 0.200 as "20 %", 0.125 as "12.5 %" (the plan page, the balance page)."""
    return f"{(share * 100).normalize():f} %"


def balance_problem_labels() -> dict[str, str]:
    return {
        "weeks": _("weeks uneven"),
        "slots": _("time slots uneven or outside"),
        "scenarios": _("scenarios uneven"),
        "shopper": _("one shopper above the share"),
    }
