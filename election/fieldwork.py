"""An edition's fieldwork settings (issue 20): time slots, scenarios, the largest share of one shopper.

They shape how tests are spread (the agencies' fieldwork plan), never a score: they are not settings of
METHODOLOGY §2 and stay editable once an edition is frozen. Each is checked here, by plain functions
that return every problem with its place (``slots[1].end``), for the admin and ``load_edition`` alike.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

CODE_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,40}$")
LABEL_MAX_LENGTH = 200
DEFAULT_MAX_SHOPPER_SHARE = Decimal("0.20")


def default_slots() -> list[dict]:
    """Three local time slots of a working day (morning, lunch time, afternoon)."""
    return [
        {"code": "morning", "start": "09:00", "end": "12:00"},
        {"code": "midday", "start": "12:00", "end": "14:00"},
        {"code": "afternoon", "start": "14:00", "end": "18:00"},
    ]


def default_scenarios() -> list[dict]:
    return []


@dataclass(frozen=True, slots=True)
class Slot:
    code: str
    start: dt.time
    end: dt.time

    def holds(self, moment: dt.time) -> bool:
        return self.start <= moment < self.end


def _time(value: object) -> dt.time | None:
    if not isinstance(value, str) or not re.fullmatch(r"\d{2}:\d{2}", value):
        return None
    try:
        return dt.time.fromisoformat(value)
    except ValueError:
        return None


def slot_errors(value: object) -> list[tuple[str, str]]:
    """Every problem of a ``slots`` setting as (place, message); none for a valid list."""
    if not isinstance(value, list) or not value:
        return [("slots", _("Expected a non-empty list of {code, start, end} time slots."))]
    errors: list[tuple[str, str]] = []
    seen: set[str] = set()
    for i, item in enumerate(value):
        where = f"slots[{i}]"
        if not isinstance(item, dict) or set(item) != {"code", "start", "end"}:
            errors.append((where, _("Expected an object with exactly the keys code, start and end.")))
            continue
        _check_code(errors, where, item["code"], seen)
        start, end = _time(item["start"]), _time(item["end"])
        for key, parsed in (("start", start), ("end", end)):
            if parsed is None:
                errors.append((f"{where}.{key}", _("Expected a local time as HH:MM.")))
        if start is not None and end is not None and end <= start:
            errors.append((f"{where}.end", _("A slot must end after it starts.")))
    return errors


def _check_code(errors: list[tuple[str, str]], where: str, code: object, seen: set[str]) -> None:
    """A list item's ``code``: well formed and not already in its list (``seen``, which it joins)."""
    if not isinstance(code, str) or not CODE_PATTERN.match(code):
        errors.append((f"{where}.code", _("A code is 1 to 40 letters, digits, hyphens or underscores.")))
    elif code in seen:
        errors.append((f"{where}.code", _("Duplicate code “%(code)s”.") % {"code": code}))
    else:
        seen.add(code)


def scenario_errors(value: object) -> list[tuple[str, str]]:
    """Every problem of a ``scenarios`` setting as (place, message); an empty list is valid (no list)."""
    if not isinstance(value, list):
        return [("scenarios", _("Expected a list of {code, label} scenarios."))]
    errors: list[tuple[str, str]] = []
    seen: set[str] = set()
    for i, item in enumerate(value):
        where = f"scenarios[{i}]"
        if not isinstance(item, dict) or set(item) != {"code", "label"}:
            errors.append((where, _("Expected an object with exactly the keys code and label.")))
            continue
        _check_code(errors, where, item["code"], seen)
        label = item["label"]
        if not isinstance(label, str) or not label.strip() or len(label) > LABEL_MAX_LENGTH:
            errors.append(
                (
                    f"{where}.label",
                    _("Expected a non-empty text of at most %(n)d characters.") % {"n": LABEL_MAX_LENGTH},
                )
            )
    return errors


def parse_slots(value: list[dict]) -> tuple[Slot, ...]:
    """Valid ``slots`` (see ``slot_errors``) as ``Slot`` objects in their order."""
    return tuple(Slot(s["code"], dt.time.fromisoformat(s["start"]), dt.time.fromisoformat(s["end"])) for s in value)
