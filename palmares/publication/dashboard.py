"""The organisers' season dashboard (the admin home): the figures of every edition not yet public.

One selector, ``season_dashboard``, reads everything the page shows in a fixed number of queries,
whatever the number of editions, entries or agencies: the timeline, campaign progress against the
quotas (per agency and channel, and the entries behind plan), rankings stale or fresh, the quality
review and appeal queues, and the publication. It lives in palmares, the highest layer it reads.
"""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Count, F, Max, Min, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from election.channels import Channel
from election.models import Category, Edition, Entry
from mystery_tests.models import Campaign, TestResult
from palmares.models import Appeal, Publication

# How many entries behind plan the dashboard names per edition (the rest are counted).
BEHIND_SHOWN = 10

MILESTONES = (
    ("registration_opens_on", _("Registration opens")),
    ("registration_closes_on", _("Registration closes")),
    ("tests_start_on", _("Tests start")),
    ("tests_end_on", _("Tests end")),
    ("results_released_at", _("Results released to brands")),
    ("appeals_close_at", _("Appeals close")),
    ("frozen_at", _("Results frozen")),
    ("goes_live_at", _("Palmarès public")),
    ("ceremony_at", _("Ceremony")),
)


def open_editions(now: dt.datetime) -> list[Edition]:
    """Editions whose palmarès is not public yet (open, or frozen with a publication to come)."""
    return list(
        Edition.objects.filter(Q(published_at__isnull=True) | Q(published_at__gt=now)).order_by("-year", "country")
    )


def _local_day(value: Any, edition: Edition) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return timezone.localtime(value, _zone(edition)).date()
    return value


def _zone(edition: Edition):
    return ZoneInfo(edition.time_zone)


def planned_share(edition: Edition, today: dt.date) -> Decimal:
    """The share of the quotas planned to be done by ``today``: linear over the test period
    (0 before it starts, 1 from its last day); 1 without a test period (everything is due)."""
    start, end = edition.tests_start_on, edition.tests_end_on
    if start is None or end is None:
        return Decimal(1)
    if today < start:
        return Decimal(0)
    if today >= end:
        return Decimal(1)
    return Decimal((today - start).days + 1) / Decimal((end - start).days + 1)


def _timeline(edition: Edition, publication: dict | None, today: dt.date) -> list[dict]:
    values = {name: getattr(edition, name, None) for name, _label in MILESTONES}
    values["goes_live_at"] = publication["goes_live_at"] if publication else None
    steps = []
    for name, label in MILESTONES:
        value = values[name]
        if value is None:
            continue
        day = _local_day(value, edition)
        steps.append({"key": name, "label": label, "when": value, "day": day, "past": day < today})
    steps.sort(key=lambda s: s["day"])
    position = sum(1 for s in steps if s["day"] < today)
    steps.insert(position, {"key": "today", "label": _("Today"), "when": today, "day": today, "today": True})
    return steps


def _countdown(edition: Edition, publication: dict | None, now: dt.datetime) -> dict:
    """Publication state and the days until the next publication moment (public palmarès, else ceremony)."""
    if publication is not None:
        state = "scheduled"
        target = publication["goes_live_at"]
    else:
        state = "frozen" if edition.frozen_at else "open"
        target = edition.ceremony_at
    days = None
    if target is not None:
        days = max(0, math.ceil((target - now).total_seconds() / 86400))
    return {"state": state, "target": target, "days": days}


def _tallies(key: str, **where: Any) -> dict[tuple[int, str], dict]:
    """The tests received and counted per (``key``, channel) among the results matching ``where``."""
    rows = (
        TestResult.objects.filter(**where)
        .order_by()
        .values(key, "channel")
        .annotate(received=Count("id"), counted=Count("id", filter=Q(excluded=False)))
    )
    return {(row[key], row["channel"]): row for row in rows}


def season_dashboard(*, now: dt.datetime | None = None) -> list[dict[str, Any]]:
    """One dict per edition not yet public, most recent first (see the module docstring).

    Queries: editions, entries, per-entry tallies, campaigns, per-campaign tallies, rankings,
    appeals, publications — eight, whatever the number of editions (none when there is no edition).
    """
    now = now or timezone.now()
    editions = open_editions(now)
    if not editions:
        return []
    ids = [e.pk for e in editions]

    entries = list(
        Entry.objects.filter(category__edition_id__in=ids, status=Entry.Status.REGISTERED)
        .order_by("category__edition_id", "category__name", "brand__name")
        .values("id", "category__edition_id", "category_id", "category__name", "brand__name")
    )
    tallies = _tallies("entry_id", entry__category__edition_id__in=ids)

    campaigns = list(
        Campaign.objects.filter(edition_id__in=ids)
        .order_by("edition_id", "agency__name", "id")
        .values("id", "edition_id", "agency__name", "status", "starts_on", "ends_on")
        .annotate(
            n_entries=Count(
                "categories__entries", filter=Q(categories__entries__status=Entry.Status.REGISTERED), distinct=True
            )
        )
    )
    campaign_tallies = _tallies("campaign_id", campaign__edition_id__in=ids)

    rankings = {
        row["edition_id"]: row
        for row in Category.objects.filter(edition_id__in=ids)
        .order_by()
        .values("edition_id")
        .annotate(
            n_categories=Count("id"),
            n_missing=Count("id", filter=Q(ranking__isnull=True)),
            n_stale=Count("id", filter=Q(ranking__computed_version__lt=F("ranking__input_version"))),
            n_failed=Count("id", filter=~Q(ranking__last_error="") & Q(ranking__isnull=False)),
            last_computed=Max("ranking__computed_at"),
        )
    }
    appeals = {
        row["entry__category__edition_id"]: row
        for row in Appeal.objects.filter(entry__category__edition_id__in=ids, status=Appeal.Status.OPEN)
        .order_by()
        .values("entry__category__edition_id")
        .annotate(
            n_open=Count("id"),
            n_awaiting_agency=Count("id", filter=Q(agency_answered_at__isnull=True)),
            oldest=Min("filed_at"),
        )
    }
    publications = {
        row["edition_id"]: row
        for row in Publication.objects.filter(edition_id__in=ids, is_current=True).values(
            "id", "edition_id", "goes_live_at", "decided_at"
        )
    }

    by_edition_entries: dict[int, list[dict]] = {}
    for entry in entries:
        by_edition_entries.setdefault(entry["category__edition_id"], []).append(entry)
    by_edition_campaigns: dict[int, list[dict]] = {}
    for campaign in campaigns:
        by_edition_campaigns.setdefault(campaign["edition_id"], []).append(campaign)

    board = []
    for edition in editions:
        local_today = timezone.localtime(now, _zone(edition)).date()
        share = planned_share(edition, local_today)
        channels = edition.channels
        quota = edition.quota
        publication = publications.get(edition.pk)

        behind = []
        received = counted = 0
        for entry in by_edition_entries.get(edition.pk, []):
            short = []
            for channel in channels:
                tally = tallies.get((entry["id"], channel), {})
                received += tally.get("received", 0)
                counted += tally.get("counted", 0)
                due = math.ceil(share * quota[channel])
                if tally.get("counted", 0) < due:
                    short.append(
                        {"channel": channel, "label": Channel(channel).label, "missing": due - tally.get("counted", 0)}
                    )
            if short:
                behind.append(
                    {
                        "id": entry["id"],
                        "brand": entry["brand__name"],
                        "category": entry["category__name"],
                        "category_id": entry["category_id"],
                        "short": short,
                    }
                )

        agencies = []
        for campaign in by_edition_campaigns.get(edition.pk, []):
            cells = []
            for channel in channels:
                tally = campaign_tallies.get((campaign["id"], channel), {})
                planned = campaign["n_entries"] * quota[channel]
                due = math.ceil(share * planned)
                cells.append(
                    {
                        "channel": channel,
                        "label": Channel(channel).label,
                        "planned": planned,
                        "due": due,
                        "counted": tally.get("counted", 0),
                        "behind": tally.get("counted", 0) < due,
                        "percent": min(100, round(100 * tally.get("counted", 0) / planned)) if planned else 0,
                    }
                )
            agencies.append({**campaign, "cells": cells})

        ranking = rankings.get(edition.pk, {})
        appeal = appeals.get(edition.pk)
        board.append(
            {
                "edition": edition,
                "today": local_today,
                "timeline": _timeline(edition, publication, local_today),
                "planned_share": share,
                "planned_percent": int((share * 100).to_integral_value()),
                "channels": [{"code": c, "label": Channel(c).label} for c in channels],
                "agencies": agencies,
                "n_entries": len(by_edition_entries.get(edition.pk, [])),
                "behind": behind[:BEHIND_SHOWN],
                "n_behind": len(behind),
                "received": received,
                "excluded": received - counted,
                "rankings": {
                    "n_categories": ranking.get("n_categories", 0),
                    "n_stale": ranking.get("n_stale", 0) + ranking.get("n_missing", 0),
                    "n_failed": ranking.get("n_failed", 0),
                    "last_computed": ranking.get("last_computed"),
                    "fresh": bool(ranking.get("n_categories"))
                    and not (ranking.get("n_stale") or ranking.get("n_missing")),
                },
                "appeals": {
                    "n_open": appeal["n_open"] if appeal else 0,
                    "n_awaiting_agency": appeal["n_awaiting_agency"] if appeal else 0,
                    "oldest": appeal["oldest"] if appeal else None,
                    "deadline": edition.appeals_close_at,
                },
                "publication": {
                    **_countdown(edition, publication, now),
                    "id": publication["id"] if publication else None,
                },
            }
        )
    return board
