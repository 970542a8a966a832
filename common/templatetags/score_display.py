"""``{% load score_display %}``: the ``score`` filter, METHODOLOGY §10's one display of a score."""

from __future__ import annotations

from typing import Any

from django import template

from common.display import format_score

register = template.Library()


@register.filter
def score(value: Any, places: int = 2) -> str:
    """A score as displayed everywhere (14,46 in French, 14.46 in English); empty for no value,
    so that ``|score|default:"—"`` reads as ``floatformat`` did."""
    return format_score(value, int(places))
