"""Turns a frozen snapshot into what the public pages show: figures, charts geometry, plain labels.

Pure functions over snapshot dicts (no queries), shared by the pages and the cache warm-up.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils.translation import get_language
from django.utils.translation import gettext as _

from common.display import BarLayout, bar_chart, display_score, format_percentage, format_score, localised
from election.channels import CHANNELS, RESPONSE_CHANNELS, WAIT_CHANNELS, Channel
from election.rules import required_tests

# The public page's inline SVG bar charts (drawn by palmares/_bar_chart.html): each channel's name on
# its own line above its bars, so the longest ("Réseaux sociaux", "Social networks") always fits; a
# narrow viewBox keeps the text readable once scaled down to a phone (site.css caps it on a desktop).
CHART = BarLayout(width=360, label_width=0, right=72, bar_height=16, row_gap=10, label_above=20)


def round_score(value: float | None) -> Decimal | None:
    """Displayed scores (METHODOLOGY §10): ``common.display``'s one rounding."""
    return display_score(value)


def channel_label(channel: str) -> str:
    try:
        return str(Channel(channel).label)
    except ValueError:
        return channel


def _fmt_score(value: float | None) -> str:
    return format_score(value, empty="—")


def _fmt_percent(value: float | None) -> str:
    return format_percentage(value, empty="—")


def figures_view(figures: dict[str, Any], channels: list[str]) -> dict[str, Any]:
    """Edition figures (METHODOLOGY §9) ready to display, with two inline charts."""
    per_channel = figures.get("channels") or {}
    ordered = [c for c in CHANNELS if c in per_channel or c in channels]
    score_rows = []
    reach_rows = []
    delays = []
    for c in ordered:
        data = per_channel.get(c) or {}
        score_rows.append(
            (
                channel_label(c),
                [
                    ("bar-laureates", data.get("average_laureates"), _fmt_score(data.get("average_laureates"))),
                    ("bar-others", data.get("average_others"), _fmt_score(data.get("average_others"))),
                ],
            )
        )
        reach = data.get("reach_rate")
        reach_rows.append(
            (channel_label(c), [("bar-reach", None if reach is None else reach * 100, _fmt_percent(reach))])
        )
        if c in WAIT_CHANNELS and data.get("median_wait_seconds") is not None:
            delays.append({"channel": channel_label(c), "kind": "wait", "value": data["median_wait_seconds"]})
        if c in RESPONSE_CHANNELS and data.get("median_response_hours") is not None:
            delays.append({"channel": channel_label(c), "kind": "response", "value": data["median_response_hours"]})
    renewal = figures.get("renewal_rate")
    return {
        "categories": figures.get("categories"),
        "contested_categories": figures.get("contested_categories"),
        "awarded_categories": figures.get("awarded_categories"),
        "entries": figures.get("entries"),
        "counted_tests": figures.get("counted_tests"),
        "average_laureates": round_score(figures.get("average_laureates")),
        "average_others": round_score(figures.get("average_others")),
        "renewal_rate": None if renewal is None else round_score(renewal * 100),
        "score_chart": bar_chart(score_rows, 20.0, CHART) if score_rows else None,
        "reach_chart": bar_chart(reach_rows, 100.0, CHART) if reach_rows else None,
        "delays": delays,
    }


def categories_view(palmares: dict[str, Any], logos: dict[str, str] | None = None) -> list[dict[str, Any]]:
    """The palmarès categories as the pages show them; ``logos`` ({brand slug: address}) gives laureates a logo."""
    logos = logos or {}
    return [
        {
            "slug": c["slug"],
            # The reader's language (issue 19); palmarès frozen before names were kept have only "name".
            "name": localised(c["name"], c.get("names"), get_language()),
            "laureates": [
                {
                    "slug": lau["brand"]["slug"],
                    "name": lau["brand"]["name"],
                    "logo": logos.get(lau["brand"]["slug"]),
                    "overall": round_score(lau["overall"]),
                    "moe": round_score(lau.get("moe")),
                    "p_best": lau.get("p_best"),
                }
                for lau in c["laureates"]
            ],
            "ex_aequo": len(c["laureates"]) > 1,
            "robustness": c.get("robustness"),
            "outcome": c.get("outcome") or ("awarded" if c["laureates"] else None),
            "transparency": transparency_view(c.get("transparency")),
            "provenance": c.get("provenance"),  # METHODOLOGY §12: {"root", "tests"}
        }
        for c in palmares.get("categories", [])
    ]


def transparency_view(transparency: dict[str, Any] | None) -> dict[str, Any] | None:
    """A category's counts (API.md ``transparency``) with the channels labelled; None in a
    snapshot frozen before the counts were published."""
    if not transparency:
        return None
    counted = transparency.get("counted_tests") or {}
    excluded = transparency.get("excluded_tests") or {}
    return {
        **transparency,
        "counted": [{"channel": c, "label": channel_label(c), "n": counted[c]} for c in CHANNELS if c in counted],
        "counted_total": sum(counted.values()),
        "excluded_quality_review": excluded.get("quality_review", 0),
        "excluded_appeal": excluded.get("appeal", 0),
    }


def methodology_view(methodology: dict[str, Any]) -> dict[str, Any]:
    channels = methodology.get("channels", [])
    total_weight = sum(c["weight"] for c in channels) or 1
    completion = Decimal(repr(methodology.get("completion", 1.0)))
    rows = []
    for c in channels:
        grid_weight = sum(cr["weight"] for cr in c["criteria"]) or 1
        rows.append(
            {
                "channel": c["channel"],
                "label": channel_label(c["channel"]),
                "quota": c["quota"],
                "weight": c["weight"],
                "share": round_score(100 * c["weight"] / total_weight),
                "required": required_tests(c["quota"], completion),
                "criteria": [
                    {
                        **cr,
                        # The reader's language; snapshots frozen before issue 19 have only "label".
                        "label": localised(cr["label"], cr.get("labels"), get_language()),
                        "share": round_score(100 * cr["weight"] / grid_weight),
                    }
                    for cr in c["criteria"]
                ],
                "grid_weight": grid_weight,
            }
        )
    return {
        "threshold": round_score(methodology.get("threshold")),
        "min_entrants": methodology.get("min_entrants"),
        "completion_percent": round_score(float(completion) * 100),
        "channels": rows,
        "total_weight": total_weight,
        "time_zone": methodology.get("time_zone"),
    }


def edition_description(palmares: dict[str, Any]) -> str:
    edition = palmares["edition"]
    figures = palmares.get("figures") or {}
    return _(
        "%(name)s: %(awarded)s titles awarded in %(categories)s categories, after %(tests)s mystery-shopper tests."
    ) % {
        "name": edition["name"],
        "awarded": figures.get("awarded_categories", "—"),
        "categories": figures.get("categories", len(palmares.get("categories", []))),
        "tests": figures.get("counted_tests", "—"),
    }
