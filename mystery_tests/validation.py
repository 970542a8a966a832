"""Validation of uploaded test results (API.md "A test result", METHODOLOGY §2–§5) in plain Python.

A DRF serializer per item is far too slow for 10,000 items, so the campaign's lookups (entries,
grid, window) are loaded once into a ``CampaignContext`` and every item is checked against them
with plain Python. Every problem is collected, never only the first: an agency fixes a whole batch
in one go.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from election.channels import channel_label
from election.models import Brand, Entry

from .fields import CONTENT_ATTRIBUTES, JSON_KEYS, JSON_REQUIRED
from .models import Campaign, Criterion

# The fields of API.md "A test result" (mystery_tests.fields); anything else is refused so that a
# typo never goes unnoticed.
ALLOWED_FIELDS = JSON_KEYS
REQUIRED_FIELDS = JSON_REQUIRED
EXTERNAL_ID_MAX_LENGTH = 100  # TestResult.external_id's max_length
VALID_POINTS = (0, 1, 2)
# shopper and scenario (issue 20): short codes, never names nor free text.
CODE_MAX_LENGTH = 40
CODE_RE = re.compile(r"^[A-Za-z0-9._-]+$")
# A comment is a few sentences from the field; a megabyte of text is a broken or hostile client.
COMMENT_MAX_LENGTH = 10_000
# API.md "Conventions": errors list every problem up to 1,000; past that ``errors_omitted`` says how many more.
ERRORS_MAX = 1000


class ErrorList(list):
    """A list of errors that knows how many more were found but not kept (``omitted``)."""

    omitted: int = 0


class CappedErrors:
    """Collects errors while keeping only the first ``limit`` in ``key`` order (ties: first added first)
    and counting the others, so a payload of a million mistakes costs a few thousand dicts.

    ``total`` counts every error added, kept or not: it tells whether an item added any."""

    def __init__(self, key: Callable[[dict], object], limit: int = ERRORS_MAX):
        self.key = key
        self.limit = limit
        self.total = 0
        self._kept: list[dict] = []
        self._dropped = 0
        self._max = None  # the largest key kept, once ``limit`` are kept
        self.faulty_rows = 0  # for a file import: how many rows have at least one error

    def append(self, error: dict) -> None:
        self.total += 1
        if self._max is not None and len(self._kept) >= self.limit and not self.key(error) < self._max:
            self._dropped += 1  # at least ``limit`` kept errors come before it
            return
        self._kept.append(error)
        if len(self._kept) >= 2 * self.limit:
            self._trim()
        elif len(self._kept) >= self.limit and self._max is None:
            self._max = max(self.key(e) for e in self._kept)

    def extend(self, errors) -> None:
        for error in errors:
            self.append(error)

    def _trim(self) -> None:
        self._kept.sort(key=self.key)
        self._dropped += max(0, len(self._kept) - self.limit)
        del self._kept[self.limit :]
        self._max = self.key(self._kept[-1]) if len(self._kept) >= self.limit else None

    def result(self) -> ErrorList:
        """The kept errors in ``key`` order, with ``omitted`` the number of the others."""
        self._trim()
        errors = ErrorList(self._kept)
        errors.omitted = self._dropped
        return errors

    def __bool__(self) -> bool:
        return self.total > 0


def capped(errors: list[dict], limit: int = ERRORS_MAX) -> ErrorList:
    """``errors`` (already in order) cut to ``limit``; ``omitted`` adds what was cut to what ``errors`` omitted."""
    kept = ErrorList(errors[:limit])
    kept.omitted = max(0, len(errors) - limit) + getattr(errors, "omitted", 0)
    return kept


def normalise_key(value: str) -> str:
    """The one spelling of a key (``external_id``, brand, category and channel slugs) for JSON and files
    alike: surrounding white space removed (a spreadsheet cell is read so), so "K " and "K" are the same
    test. Nothing else changes: a key is the agency's, stored and answered exactly as sent otherwise
    (no Unicode normalisation, no case folding), so that it can be searched for as the agency has it."""
    return value.strip()


def echo(value: object, limit: int = 60) -> str:
    """A bad value quoted in a message, cut short: a megabyte string must not make a megabyte error."""
    text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def unusable_character(value: str) -> str | None:
    """A character no identifier should hold: a control character, or half a UTF-16 pair (unencodable)."""
    for char in value:
        if char < " " or "\x7f" <= char <= "\x9f" or "\ud800" <= char <= "\udfff":
            return f"U+{ord(char):04X}"
    return None


def nul_message() -> str:
    # Databases refuse the NUL character in text: refuse it here, with its field, rather than fail on write.
    return _("Must not contain the NUL character (\\u0000).")


class ScoreInputInvalid(ValueError):
    """Points that METHODOLOGY §4 cannot score (validation refuses them before scoring)."""


def test_score(*, weights: dict[str, int], points: dict[str, int | None], reached: bool) -> float:
    """The score of one test out of 20 (METHODOLOGY §4).

    ``20 × Σ(weight × points / 2) / Σ(weight)`` is computed as ``10 × Σ(weight × points) / Σ(weight)``:
    integer sums and one division, so equal inputs give bit-identical scores.
    """
    if not reached:
        if any(p is not None for p in points.values()):
            raise ScoreInputInvalid("An unreached test carries no points.")
        return 0.0
    numerator = 0
    denominator = 0
    for code, value in points.items():
        if value is None:
            continue
        if code not in weights:
            raise ScoreInputInvalid(f"Criterion {code!r} is not in the grid.")
        if value not in VALID_POINTS or isinstance(value, bool):
            raise ScoreInputInvalid(f"Points {value!r} are not 0, 1 or 2.")
        numerator += weights[code] * value
        denominator += weights[code]
    if denominator == 0:
        raise ScoreInputInvalid("A reached test needs at least one scored criterion.")
    return 10 * numerator / denominator


test_score.__test__ = False  # a domain function, not a pytest test


@dataclass(frozen=True)
class EntryInfo:
    id: int
    category_id: int
    status: str
    brand_slug: str
    category_slug: str


@dataclass
class CampaignContext:
    """Everything item validation needs, loaded with a handful of queries."""

    campaign_id: int
    agency_id: int
    time_zone: ZoneInfo
    starts_on: dt.date
    ends_on: dt.date
    channels: tuple[str, ...]
    grid: dict[str, dict[str, int]]
    entries: dict[int, EntryInfo]
    entries_by_slugs: dict[tuple[str, str], int] = field(default_factory=dict)
    category_slugs: frozenset[str] = frozenset()
    # The edition's scenario codes (issue 20); empty: the edition keeps no list and any code is taken.
    scenario_codes: frozenset[str] = frozenset()

    @classmethod
    def load(cls, campaign: Campaign) -> CampaignContext:
        edition = campaign.edition
        channels = tuple(edition.channels)
        grid: dict[str, dict[str, int]] = {c: {} for c in channels}
        for channel, code, weight in Criterion.objects.filter(edition_id=edition.pk, channel__in=channels).values_list(
            "channel", "code", "weight"
        ):
            grid[channel][code] = weight
        entries: dict[int, EntryInfo] = {}
        for pk, category_id, status, brand_slug, category_slug in Entry.objects.filter(
            category__campaigns=campaign
        ).values_list("id", "category_id", "status", "brand__slug", "category__slug"):
            entries[pk] = EntryInfo(pk, category_id, status, brand_slug, category_slug)
        return cls(
            campaign_id=campaign.pk,
            agency_id=campaign.agency_id,
            time_zone=ZoneInfo(edition.time_zone),
            starts_on=campaign.starts_on,
            ends_on=campaign.ends_on,
            channels=channels,
            grid=grid,
            entries=entries,
            entries_by_slugs={(e.brand_slug, e.category_slug): e.id for e in entries.values()},
            category_slugs=frozenset(campaign.categories.values_list("slug", flat=True)),
            scenario_codes=edition.scenario_codes,
        )


@dataclass(slots=True)
class CleanResult:
    """One valid item, normalised: equal content gives equal objects whatever the raw text was.

    Slotted: a 100,000-row import holds that many at once (measured: ~6 MiB less at its peak)."""

    index: int
    external_id: str
    entry_id: int
    category_id: int
    channel: str
    performed_at: dt.datetime
    reached: bool
    wait_seconds: float | None
    response_hours: float | None
    scores: dict[str, int]
    comment: str
    shopper: str
    scenario: str
    score: float
    # METHODOLOGY §12, set by the upload service once the batch is valid (provenance.fingerprint).
    fingerprint: str = ""

    def content(self) -> tuple:
        """The version's content, in the order of ``fields.CONTENT_ATTRIBUTES``."""
        return tuple(getattr(self, name) for name in CONTENT_ATTRIBUTES)


def json_type(value: object) -> str:
    """The JSON name of a value's type, for messages an integrator understands."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return _("a boolean")
    if isinstance(value, int | float):
        return _("a number")
    if isinstance(value, str):
        return _("a string")
    if isinstance(value, list):
        return _("an array")
    if isinstance(value, dict):
        return _("an object")
    return type(value).__name__


class ItemValidator:
    """Checks one item after the other against a ``CampaignContext``; ``errors`` collects every problem."""

    def __init__(self, context: CampaignContext):
        self.context = context
        self.errors = CappedErrors(key=_by_index)
        # (index, brand slug, category slug) whose pair matched no entry: explained after the loop
        # with one query, so that the message says which of the two is wrong.
        self._unmatched_slugs: list[tuple[int, str, str]] = []

    def error(self, index: int, field_name: str, message: str) -> None:
        self.errors.append({"index": index, "field": field_name, "message": message})

    # -- one item ---------------------------------------------------------------------------
    def clean(self, index: int, item: object) -> CleanResult | None:
        if not isinstance(item, dict):
            self.error(index, "", _("Each result must be a JSON object, not %(type)s.") % {"type": json_type(item)})
            return None
        before = self.errors.total
        for name in sorted(item.keys() - ALLOWED_FIELDS):
            self.error(index, str(name), _("Unknown field “%(name)s”.") % {"name": echo(name)})
        for name in REQUIRED_FIELDS:
            if name not in item:
                self.error(index, name, _("This field is required."))

        external_id = self._external_id(index, item)
        entry = self._entry(index, item)
        channel = self._channel(index, item)
        performed_at = self._performed_at(index, item)
        reached = self._reached(index, item)
        wait_seconds = self._non_negative(index, item, "wait_seconds")
        response_hours = self._non_negative(index, item, "response_hours")
        comment = self._comment(index, item)
        shopper = self._code(index, item, "shopper")
        scenario = self._code(index, item, "scenario")
        scores, score = self._scores(index, item, channel, reached)

        # An entry named by slugs that matched none is explained later (``finish``), hence the explicit test.
        if self.errors.total != before or entry is None:
            return None
        return CleanResult(
            index=index,
            external_id=external_id,
            entry_id=entry.id,
            category_id=entry.category_id,
            channel=channel,
            performed_at=performed_at,
            reached=reached,
            wait_seconds=wait_seconds,
            response_hours=response_hours,
            scores=scores,
            comment=comment,
            shopper=shopper,
            scenario=scenario,
            score=score,
        )

    # -- fields -----------------------------------------------------------------------------
    def _typed(self, index: int, item: dict, name: str, kind: Any, message: str, *, nullable: bool = False) -> Any:
        """``item[name]`` when present and a ``kind`` (a boolean is no number), else None: absent, or null
        when ``nullable``, silently; a value of another JSON type reported at ``name`` with ``message``
        (which names that type, e.g. "Must be a string, not number."). ``message`` comes untranslated
        (``gettext_noop``) and is translated only when reported: a valid item costs no catalogue lookup."""
        value = item.get(name)
        if name not in item or (nullable and value is None):
            return None
        if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
            self.error(index, name, _(message) % {"type": json_type(value)})
            return None
        return value

    def _external_id(self, index: int, item: dict) -> str | None:
        value = self._typed(index, item, "external_id", str, gettext_noop("Must be a string, not %(type)s."))
        if value is None:
            return None
        value = normalise_key(value)
        if not value:
            self.error(index, "external_id", _("Must not be empty."))
            return None
        if "\x00" in value:
            self.error(index, "external_id", nul_message())
            return None
        if (char := unusable_character(value)) is not None:
            self.error(index, "external_id", _("Must not contain the character %(char)s.") % {"char": char})
            return None
        if len(value) > EXTERNAL_ID_MAX_LENGTH:
            self.error(
                index,
                "external_id",
                _("Must be at most %(max)d characters long (it has %(n)d).")
                % {"max": EXTERNAL_ID_MAX_LENGTH, "n": len(value)},
            )
            return None
        return value

    def _entry(self, index: int, item: dict) -> EntryInfo | None:
        has_entry = "entry" in item
        has_brand = "brand" in item
        has_category = "category" in item
        if not (has_entry or has_brand or has_category):
            self.error(index, "entry", _("Give the entry's id, or its “brand” and “category” slugs."))
            return None
        by_id = self._entry_by_id(index, item["entry"]) if has_entry else None
        by_slugs = None
        if has_brand or has_category:
            by_slugs = self._entry_by_slugs(index, item, has_brand, has_category)
        if by_id is not None and by_slugs is not None and by_id.id != by_slugs.id:
            self.error(
                index,
                "entry",
                _("Entry %(id)s is %(brand)s in %(category)s, which contradicts the brand and category given.")
                % {"id": by_id.id, "brand": by_id.brand_slug, "category": by_id.category_slug},
            )
            return None
        entry = by_id or by_slugs
        if entry is None:
            return None
        if entry.status != Entry.Status.REGISTERED:
            self.error(
                index,
                "entry" if has_entry else "brand",
                _("Entry %(id)s is %(status)s: it no longer takes results.")
                % {"id": entry.id, "status": Entry.Status(entry.status).label.lower()},
            )
            return None
        return entry

    def _entry_by_id(self, index: int, value: object) -> EntryInfo | None:
        if not isinstance(value, int) or isinstance(value, bool):
            self.error(
                index, "entry", _("Must be an entry id (an integer), not %(type)s.") % {"type": json_type(value)}
            )
            return None
        entry = self.context.entries.get(value)
        if entry is None:
            self.error(index, "entry", _("Entry %(id)s is not an entry of this campaign's categories.") % {"id": value})
        return entry

    def _entry_by_slugs(self, index: int, item: dict, has_brand: bool, has_category: bool) -> EntryInfo | None:
        slugs = {}
        for name, present in (("brand", has_brand), ("category", has_category)):
            value = item.get(name)
            if not present:
                self.error(
                    index,
                    name,
                    _("Required together with “%(other)s”.")
                    % {"other": ({"brand": "category", "category": "brand"}[name])},
                )
            elif not isinstance(value, str) or not value:
                self.error(index, name, _("Must be a slug (a string), not %(type)s.") % {"type": json_type(value)})
            else:
                slugs[name] = normalise_key(value)
        if len(slugs) != 2:
            return None
        brand, category = slugs["brand"], slugs["category"]
        if category not in self.context.category_slugs:
            self.error(
                index,
                "category",
                _("Category “%(slug)s” is not a category of this campaign.") % {"slug": echo(category)},
            )
            return None
        entry_id = self.context.entries_by_slugs.get((brand, category))
        if entry_id is None:
            self._unmatched_slugs.append((index, brand, category))
            return None
        return self.context.entries[entry_id]

    def _channel(self, index: int, item: dict) -> str | None:
        value = self._typed(index, item, "channel", str, gettext_noop("Must be a string, not %(type)s."))
        if value is None:
            return None
        value = normalise_key(value)
        if value not in self.context.grid:
            if value in ("phone", "email", "web", "chat", "social"):
                message = _("Channel “%(channel)s” is not part of this edition (its quota is 0).")
            else:
                message = _("Unknown channel “%(channel)s”; expected one of: %(channels)s.")
            self.error(
                index, "channel", message % {"channel": echo(value), "channels": ", ".join(self.context.channels)}
            )
            return None
        return value

    def _performed_at(self, index: int, item: dict) -> dt.datetime | None:
        value = self._typed(
            index, item, "performed_at", str, gettext_noop("Must be an ISO 8601 date-time string, not %(type)s.")
        )
        if value is None:
            return None
        try:
            parsed = dt.datetime.fromisoformat(value)
        except ValueError:
            self.error(
                index,
                "performed_at",
                _("“%(value)s” is not an ISO 8601 date-time such as 2027-05-12T10:31:00+02:00.")
                % {"value": echo(value)},
            )
            return None
        if parsed.tzinfo is None or parsed.utcoffset() is None:
            self.error(
                index,
                "performed_at",
                _("“%(value)s” has no UTC offset; add one, e.g. +02:00 or Z.") % {"value": echo(value)},
            )
            return None
        try:
            local_date = parsed.astimezone(self.context.time_zone).date()
        except OverflowError:
            # Year 1 or 9999 shifted past the calendar's edge: far outside any window either way.
            local_date = parsed.date()
        if not self.context.starts_on <= local_date <= self.context.ends_on:
            self.error(
                index,
                "performed_at",
                _("%(date)s (local date in %(tz)s) is outside the campaign window %(start)s – %(end)s.")
                % {
                    "date": local_date.isoformat(),
                    "tz": self.context.time_zone.key,
                    "start": self.context.starts_on.isoformat(),
                    "end": self.context.ends_on.isoformat(),
                },
            )
            return None
        return parsed.astimezone(dt.UTC)

    def _reached(self, index: int, item: dict) -> bool | None:
        return self._typed(index, item, "reached", bool, gettext_noop("Must be true or false, not %(type)s."))

    def _non_negative(self, index: int, item: dict, name: str) -> float | None:
        value = self._typed(
            index, item, name, int | float, gettext_noop("Must be a number or null, not %(type)s."), nullable=True
        )
        if value is None:
            return None
        try:
            finite = math.isfinite(value)
        except OverflowError:  # an integer literal too large for a float, e.g. 10**400
            finite = False
        if not finite:
            self.error(index, name, _("Must be a finite number (at most %(max).0e).") % {"max": sys.float_info.max})
            return None
        if value < 0:
            self.error(index, name, _("Must not be negative (got %(value)s).") % {"value": value})
            return None
        return float(value)

    def _comment(self, index: int, item: dict) -> str:
        value = self._typed(
            index, item, "comment", str, gettext_noop("Must be a string or null, not %(type)s."), nullable=True
        )
        if not value:
            return ""
        if len(value) > COMMENT_MAX_LENGTH:
            self.error(
                index,
                "comment",
                _("Must be at most %(max)d characters (got %(n)d).") % {"max": COMMENT_MAX_LENGTH, "n": len(value)},
            )
            return ""
        if any("\ud800" <= char <= "\udfff" for char in value):
            self.error(index, "comment", _("Must be valid Unicode text (it holds half of a UTF-16 pair)."))
            return ""
        if "\x00" in value:
            self.error(index, "comment", nul_message())
            return ""
        return value

    def _code(self, index: int, item: dict, name: str) -> str:
        """``shopper`` or ``scenario`` (issue 20): an optional short code, stripped; "" when absent or null.

        A shopper is a pseudonymous code, never a name: no spaces, 1 to 40 letters, digits, ``.``, ``_`` or
        ``-`` (so "Jean Dupont" is refused). A scenario must be a code of the edition's list when it has one."""
        value = self._typed(
            index, item, name, str, gettext_noop("Must be a string or null, not %(type)s."), nullable=True
        )
        if not value:
            return ""
        value = value.strip()
        if not value:
            return ""
        if len(value) > CODE_MAX_LENGTH or not CODE_RE.match(value):
            self.error(
                index,
                name,
                _(
                    "“%(value)s” is not a code: 1 to %(max)d letters, digits, “.”, “_” or “-”, without spaces "
                    "(a pseudonymous code, never a name)."
                )
                % {"value": echo(value), "max": CODE_MAX_LENGTH},
            )
            return ""
        if name == "scenario" and self.context.scenario_codes and value not in self.context.scenario_codes:
            self.error(
                index,
                name,
                _("Unknown scenario “%(value)s”; expected one of: %(codes)s.")
                % {"value": echo(value), "codes": ", ".join(sorted(self.context.scenario_codes))},
            )
            return ""
        return value

    def _scores(
        self, index: int, item: dict, channel: str | None, reached: bool | None
    ) -> tuple[dict[str, int], float]:
        raw = item.get("scores")
        if raw is None:
            raw = {}
        elif not isinstance(raw, dict):
            self.error(index, "scores", _("Must be an object {code: points}, not %(type)s.") % {"type": json_type(raw)})
            return {}, 0.0
        weights = self.context.grid.get(channel) if channel else None
        if weights is not None and reached is not None:
            fast = _plain_points(raw, weights)
            # The common case, a clean grid of integer points, is checked in one pass; anything else
            # goes through the detailed checks below, which name every problem.
            if fast is not None and (fast if reached else not fast):
                return fast, test_score(weights=weights, points=fast, reached=reached)
        points: dict[str, int] = {}
        errors_before = self.errors.total
        for code, value in raw.items():
            where = f"scores.{code}"
            if weights is not None and code not in weights:
                self.error(
                    index,
                    where,
                    _("“%(code)s” is not a criterion of the %(channel)s grid.")
                    % {"code": echo(code), "channel": channel_label(channel)},
                )
                continue
            if value is None:
                continue
            if isinstance(value, float) and value.is_integer():
                value = int(value)
            if isinstance(value, bool) or not isinstance(value, int) or value not in VALID_POINTS:
                shown = json_type(value) if isinstance(value, bool | str | list | dict) else value
                self.error(index, where, _("Points must be 0, 1, 2 or null, not %(value)s.") % {"value": echo(shown)})
                continue
            points[code] = value
        if reached is False and points:
            self.error(index, "scores", _("An unreached test (reached: false) carries no points; send {} or nulls."))
            return {}, 0.0
        if reached is True and weights is not None and not points and self.errors.total == errors_before:
            self.error(index, "scores", _("A reached test needs at least one scored criterion."))
            return {}, 0.0
        if reached is None or weights is None:
            return points, 0.0
        try:
            return points, test_score(weights=weights, points=points, reached=reached)
        except ScoreInputInvalid:
            # Every cause was reported above with its field.
            return points, 0.0

    # -- the whole payload ------------------------------------------------------------------
    def finish(self) -> None:
        """Explain brand/category pairs that matched no entry, with one query for the brands."""
        if not self._unmatched_slugs:
            return
        known = set(
            # A slug with a NUL character cannot exist (and the database refuses it in a query).
            Brand.objects.filter(slug__in={b for _, b, _ in self._unmatched_slugs if "\x00" not in b}).values_list(
                "slug", flat=True
            )
        )
        for index, brand, category in self._unmatched_slugs:
            if brand in known:
                self.error(
                    index,
                    "brand",
                    _("Brand “%(brand)s” has no entry in category “%(category)s”.")
                    % {"brand": echo(brand), "category": echo(category)},
                )
            else:
                self.error(index, "brand", _("Unknown brand “%(brand)s”.") % {"brand": echo(brand)})


def _plain_points(raw: dict, weights: dict[str, int]) -> dict[str, int] | None:
    """``raw`` without its nulls when every code is in the grid and every value is 0, 1, 2 or null
    (integers, not booleans); None when anything needs a closer look."""
    points = {}
    for code, value in raw.items():
        if code not in weights:
            return None
        if value is None:
            continue
        if value.__class__ is not int or not 0 <= value <= 2:
            return None
        points[code] = value
    return points


def duplicate_errors(items: list) -> Iterator[dict]:
    """An ``external_id`` repeated inside one payload (compared normalised, as stored) is an error at
    every position where it occurs."""
    positions: dict[str, list[int]] = {}
    for index, item in enumerate(items):
        if isinstance(item, dict):
            key = item.get("external_id")
            if isinstance(key, str):
                positions.setdefault(normalise_key(key), []).append(index)
    for key, where in positions.items():
        if len(where) > 1:
            message = duplicate_message(key, where)
            for index in where:
                # "duplicates" lets a file import name the rows instead; the API answers without it.
                yield {"index": index, "field": "external_id", "message": message, "duplicates": where}


DUPLICATES_LISTED = 20


def duplicate_message(key: str, where: list[int], *, rows: bool = False) -> str:
    """Names the first positions of a repeated key (a message stays short however often it repeats)."""
    listed = ", ".join(str(i) for i in where[:DUPLICATES_LISTED]) + (", …" if len(where) > DUPLICATES_LISTED else "")
    if rows:
        return _("“%(key)s” appears more than once in this file (rows %(where)s).") % {"key": key, "where": listed}
    return _("“%(key)s” appears more than once in this payload (indexes %(where)s).") % {"key": key, "where": listed}


def validate_items(context: CampaignContext, items: list, progress=None, every: int = 1000) -> tuple[list, list]:
    """(clean results, errors sorted by index); ``progress(n)`` is told how many items were checked."""
    validator = ItemValidator(context)
    cleaned = []
    for index, item in enumerate(items):
        result = validator.clean(index, item)
        if result is not None:
            cleaned.append(result)
        if progress is not None and (index + 1) % every == 0:
            progress(index + 1)
    validator.finish()
    validator.errors.extend(duplicate_errors(items))
    return cleaned, validator.errors.result()


def _by_index(error: dict) -> int:
    return error["index"]
