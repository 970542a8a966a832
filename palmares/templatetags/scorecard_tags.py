"""Display helpers of the scorecard: rounding (METHODOLOGY §10) and the inline SVG charts.

The charts are computed here and drawn by template includes, so the portal page and the
PDF (WeasyPrint renders inline SVG) show exactly the same picture.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template
from django.utils import formats, translation
from django.utils.html import format_html_join
from django.utils.translation import gettext as _

from common.display import BarLayout, bar_chart, display_score, format_score

register = template.Library()


def round_half_up(value: float | int | Decimal, places: int = 2) -> Decimal:
    """Half up to ``places`` decimals after the rule book's 9 decimals: ``common.display``'s one rounding."""
    rounded = display_score(value, places)
    if rounded is None:
        raise ValueError(f"not a number: {value!r}")
    return rounded


def _fmt(value: Decimal, places: int) -> str:
    return formats.number_format(value, decimal_pos=places, use_l10n=True)


@register.filter
def score2(value: Any) -> str:
    """A score rounded half up to 2 decimals, localised (14,46 in French); an en dash for none."""
    return format_score(value, empty="–")


@register.filter
def signed2(value: Any) -> str:
    """A difference with its sign: +0,35 / −1,20 / ±0,00."""
    if value is None or value == "":
        return "–"
    rounded = round_half_up(value, 2)
    if rounded == 0:
        return "±" + _fmt(abs(rounded), 2)
    sign = "+" if rounded > 0 else "−"
    return sign + _fmt(abs(rounded), 2)


@register.filter
def lost(value: Any) -> str:
    """Points lost, shown as a deduction (−0,20); nothing lost reads 0,00, never −0,00."""
    if value is None or value == "":
        return "–"
    rounded = round_half_up(value, 2)
    return _fmt(rounded, 2) if rounded == 0 else "−" + _fmt(rounded, 2)


@register.filter
def percent(value: Any) -> str:
    """A share (0–1) as a whole percentage, rounded half up."""
    if value is None or value == "":
        return "–"
    return _("%(value)s %%") % {"value": _fmt(round_half_up(Decimal(repr(float(value))) * 100, 0), 0)}


@register.filter
def seconds(value: Any) -> str:
    """A waiting time: 45 s, 2 min 05 s."""
    if value is None or value == "":
        return "–"
    total = int(round_half_up(value, 0))
    minutes, secs = divmod(total, 60)
    if not minutes:
        return _("%(s)d s") % {"s": secs}
    return _("%(m)d min %(s)02d s") % {"m": minutes, "s": secs}


@register.filter
def hours(value: Any) -> str:
    """A response delay in hours with one decimal: 26,5 h."""
    if value is None or value == "":
        return "–"
    return _("%(h)s h") % {"h": _fmt(round_half_up(value, 1), 1)}


@register.filter
def points_chips(points: list[dict[str, Any]]) -> str:
    """A test's points as coloured chips (built here: a template loop per chip is ten times slower)."""
    return format_html_join(
        "",
        '<span class="pt pt{}" title="{}">{} {}</span>',
        ((p["points"], p["label"], p["label"], p["points"]) for p in points),
    )


@register.filter
def bylabel(rows: list[dict[str, Any]], channel: str) -> list[dict[str, Any]]:
    """The rows of one channel (criteria tables are grouped by channel)."""
    return [r for r in rows if r.get("channel") == channel]


@register.simple_tag
def rank_label(rank: int | None, total: int | None) -> str:
    """“2nd of 6” / “2e sur 6”."""
    if rank is None:
        return "–"
    # Ordinals are grammar, not vocabulary: each shipped language spells its own.
    if (translation.get_language() or "").startswith("fr"):
        ordinal = "1er" if rank == 1 else f"{rank}e"
        return ordinal if total is None else f"{ordinal} sur {total}"
    suffix = "th" if 10 <= rank % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(rank % 10, "th")
    ordinal = f"{rank}{suffix}"
    return ordinal if total is None else f"{ordinal} of {total}"


# -- charts --------------------------------------------------------------------------------------

CHART_WIDTH = 680
LABEL_WIDTH = 150
TRACK_LEFT = LABEL_WIDTH + 10
TRACK_RIGHT = CHART_WIDTH - 70
ROW = 38
TOP = 28
# One bar per criterion, the longest for the costliest.
LOSSES_CHART = BarLayout(
    width=CHART_WIDTH, label_width=290, right=70, bar_height=22, gap=0, row_gap=8, bottom=8, min_bar=1.0, baseline=4
)


def _x(score: float) -> float:
    """Position of a score /20 on the track."""
    clamped = max(0.0, min(20.0, float(score)))
    return round(TRACK_LEFT + (TRACK_RIGHT - TRACK_LEFT) * clamped / 20.0, 1)


def _row(label: str, value: float | None, summary: dict[str, float] | None, y: float) -> dict[str, Any]:
    row: dict[str, Any] = {"label": label, "y": y, "mid": y + ROW / 2, "value": value, "summary": None}
    if value is not None:
        row["value_x"] = _x(value)
        row["text_x"] = TRACK_RIGHT + 8
    if summary:
        # §10: the category's average only, never its spread or best.
        row["summary"] = {"avg_x": _x(summary["average"])}
    return row


@register.inclusion_tag("palmares/portal/_chart_channels.svg")
def channel_chart(card: dict[str, Any]) -> dict[str, Any]:
    """Overall and channel scores on a 0–20 track, against the category's average when shown."""
    rows = [_row(_("Overall"), card["overall"], card["category"]["overall"], TOP)]
    for ch in card["channels"]:
        if ch["score"] is None:
            continue
        rows.append(_row(ch["label"], ch["score"], ch["category"], TOP + ROW * len(rows)))
    height = TOP + ROW * len(rows) + 34
    ticks = [{"x": _x(v), "label": v} for v in (0, 5, 10, 15, 20)]
    return {
        "rows": rows,
        "width": CHART_WIDTH,
        "height": height,
        "axis_y": TOP + ROW * len(rows),
        "ticks": ticks,
        "track_left": TRACK_LEFT,
        "track_right": TRACK_RIGHT,
        "threshold_x": _x(card["threshold"]),
        "threshold": card["threshold"],
        "top": TOP,
        "row_height": ROW,
        "any_summary": any(r["summary"] for r in rows),
    }


@register.inclusion_tag("palmares/portal/_chart_losses.svg")
def losses_chart(card: dict[str, Any], limit: int = 8) -> dict[str, Any]:
    """The criteria that remove the most points from the overall score, as horizontal bars."""
    from scoring import engine  # noqa: PLC0415 -- engine loads pandas: kept out of the web processes' start-up

    losing = sorted(
        (c for c in card["criteria"] if c["points_lost"] > 0),
        key=lambda c: -engine.at_rule_precision(c["points_lost"]),
    )[:limit]
    labels = {ch["channel"]: ch["label"] for ch in card["channels"]}
    top = max((c["points_lost"] for c in losing), default=0) or 1
    rows = [
        (f"{labels.get(c['channel'], c['channel'])} · {c['label']}", [("", c["points_lost"], lost(c["points_lost"]))])
        for c in losing
    ]
    return {"chart": bar_chart(rows, top, LOSSES_CHART), "label_x": LOSSES_CHART.label_width - 8}
