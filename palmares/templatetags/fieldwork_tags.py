"""How a brand's tests were spread (issue 20), for its scorecard: weeks, weekdays, time slots and
scenarios — never who made them (no shopper code reaches a brand)."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext as _

from common.display import display_score
from election.models import Entry
from mystery_tests.fieldwork import entry_spread

register = template.Library()


def _weekday_names() -> list[str]:
    return [_("Monday"), _("Tuesday"), _("Wednesday"), _("Thursday"), _("Friday"), _("Saturday"), _("Sunday")]


def _rows(pairs, total: int) -> list[dict]:
    # §10 rounding (half up, common.display): 1 test of 8 reads 13 %, never round()'s banker's 12.
    return [{"label": label, "n": n, "pct": _share(n, total)} for label, n in pairs]


def _share(n: int, total: int) -> int:
    return int(display_score(100 * n / total, 0)) if total else 0


@register.simple_tag
def tests_spread(entry_id: int) -> dict | None:
    """The entry's counted tests per week (by the Monday it starts), weekday, slot and scenario, as rows
    ``{"label", "n", "pct"}``; None when the entry has no counted test."""
    entry = Entry.objects.select_related("category__edition").filter(pk=entry_id).first()
    spread = entry_spread(entry) if entry is not None else None
    if spread is None:
        return None
    total = spread["total"]
    names = _weekday_names()
    return {
        "total": total,
        "weeks": _rows(spread["weeks"], total),
        "weekdays": _rows(((names[day], n) for day, n in spread["weekdays"]), total),
        "slots": _rows(((_("outside the slots") if s == "-" else s, n) for s, n in spread["slots"]), total),
        "scenarios": _rows(((label, n) for _code, label, n in spread["scenarios"]), total),
    }
