"""Template filters for the statistical statements of METHODOLOGY §11 (``common.display``)."""

from __future__ import annotations

from typing import Any

from django import template

from common.display import format_percent, format_robustness

register = template.Library()


@register.filter
def probability(value: Any) -> str:
    """A probability as a whole percentage: "97 %", "> 99 %", "< 1 %"; "" for none."""
    return format_percent(value)


@register.filter
def robustness_words(value: Any) -> str:
    """A sole laureate's weight robustness in plain words; "" for none."""
    return format_robustness(value)
