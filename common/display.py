"""How numbers, dates and countries are shown to people; the one rounding of METHODOLOGY §10.

Every page, PDF, certificate, e-mail and admin screen that shows a score goes through
``display_score`` (the number) or ``format_score`` (the text), so that a score reads the same
everywhere: the §7 value (rounded to 9 decimals) rounded half up to 2 decimals, shown with the
language's decimal mark (14,46 in French, 14.46 in English).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from django.utils import formats
from django.utils.translation import gettext, gettext_lazy

# §7: every score is compared (and so defined) at 9 decimals.
RULE_BOOK_PLACES = 9
# §10: scores are displayed with 2 decimals.
SCORE_PLACES = 2


def _finite_decimal(value: Any) -> Decimal | None:
    """``value`` as an exact decimal (a float by its shortest repr, so 0.1 is 0.1), or None when it is
    no number (None, empty text, a boolean, text that is no number, NaN, infinity)."""
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        exact = value if isinstance(value, Decimal) else Decimal(repr(float(value)))
    except (TypeError, ValueError, InvalidOperation):
        return None
    return exact if exact.is_finite() else None


def display_score(value: Any, places: int = SCORE_PLACES) -> Decimal | None:
    """The displayed value of a score: first the rule book's 9 decimals (§7), then half up to
    ``places`` decimals (§10). None for no value (None, empty text, NaN, infinity).

    Going through 9 decimals first makes a binary float such as 14.454999999999998 (14.455
    computed with float noise) display as 14.46, as the rule book's value does.
    """
    exact = _finite_decimal(value)
    if exact is None:
        return None
    nine = exact.quantize(Decimal(1).scaleb(-RULE_BOOK_PLACES), rounding=ROUND_HALF_UP)
    return nine.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def format_score(value: Any, places: int = SCORE_PLACES, *, empty: str = "") -> str:
    """``display_score`` as text in the active language (14,46 / 14.46); ``empty`` for no value."""
    rounded = display_score(value, places)
    if rounded is None:
        return empty
    if rounded == 0:
        rounded = abs(rounded)  # never "-0,00"
    return formats.number_format(rounded, decimal_pos=places, use_l10n=True)


# -- METHODOLOGY §11: statistical statements ---------------------------------------------------


def display_percent(value: Any) -> str | None:
    """A probability as a whole percentage (§11): "> 99" from 0.995, "< 1" under 0.005, otherwise
    the percentage rounded half up ("97"). None for no value. Without the sign: see ``format_percent``."""
    exact = _finite_decimal(value)
    if exact is None:
        return None
    if exact >= Decimal("0.995"):
        return "> 99"
    if exact < Decimal("0.005"):
        return "< 1"
    return str((exact * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def format_percent(value: Any, *, empty: str = "") -> str:
    """``display_percent`` with its sign after a no-break space ("97 %", "> 99 %"); ``empty`` for none."""
    shown = display_percent(value)
    if shown is None:
        return empty
    return shown.replace(" ", "\u00a0") + "\u00a0%"


def format_robustness(value: Any, *, empty: str = "") -> str:
    """A sole laureate's weight robustness δ (§11) in plain words, in the active language."""
    if value is None or isinstance(value, bool):
        return empty
    try:
        delta = Decimal(repr(float(value)))
    except (TypeError, ValueError, InvalidOperation):
        return empty
    if not delta.is_finite():
        return empty
    if delta >= 1:
        return gettext("holds whatever the weights")
    percent = int((delta * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    if percent <= 0:
        return gettext("holds only with the edition's weights")
    # The number and its sign, joined by a no-break space, stay out of the msgid.
    return gettext("holds for any weight change up to ±%(percent)s") % {"percent": f"{percent}\u00a0%"}


# -- numbers, percentages, dates, countries ---------------------------------------------------


def format_number(value: Any, places: int = 0, *, empty: str = "") -> str:
    """A measured number (not a score) half up to ``places`` decimals in the active language
    (1 234,5 / 1,234.5); ``empty`` for no value."""
    rounded = display_score(value, places)
    if rounded is None:
        return empty
    return formats.number_format(abs(rounded) if rounded == 0 else rounded, decimal_pos=places, use_l10n=True)


def format_percentage(share: Any, places: int = 1, *, empty: str = "") -> str:
    """A share (0.125) as a percentage half up to ``places`` decimals with its sign ("12,5 %");
    ``empty`` for no value. Probabilities of §11 use ``format_percent`` instead."""
    if share is None or share == "" or isinstance(share, bool):
        return empty
    shown = format_number(Decimal(repr(float(share))) * 100, places)
    return f"{shown} %" if shown else empty


def format_date(value: Any, format_name: str = "DATE_FORMAT", *, empty: str = "") -> str:
    """A date or date-time in the active language's ``format_name`` (Django's named formats)."""
    if value is None or value == "":
        return empty
    return formats.date_format(value, format_name, use_l10n=True)


def format_local(moment: Any, time_zone: str, format_name: str = "DATETIME_FORMAT", *, empty: str = "") -> str:
    """An aware moment as read in ``time_zone`` (an edition's), in the active language's ``format_name``."""
    if moment is None:
        return empty
    return format_date(moment.astimezone(ZoneInfo(time_zone)), format_name)


def with_colon(label: Any) -> str:
    """« label: » with the active language's typography: French sets a no-break space before the colon."""
    return gettext("%(label)s:") % {"label": label}


COUNTRY_NAMES = {
    "FR": gettext_lazy("France"),
    "ES": gettext_lazy("Spain"),
    "GB": gettext_lazy("United Kingdom"),
    "MA": gettext_lazy("Morocco"),
    "DE": gettext_lazy("Germany"),
    "BE": gettext_lazy("Belgium"),
    "CH": gettext_lazy("Switzerland"),
}


def country_name(code: str) -> str:
    """An edition's country (ISO 3166 alpha-2, any case) by its name in the active language; the code
    itself, upper-cased, for a country without one."""
    code = (code or "").upper()
    return str(COUNTRY_NAMES.get(code, code))


def localised(label: str, labels: dict[str, str] | None, language: str | None) -> str:
    """A data label in the reader's language: ``labels[language]`` ("en-gb" reads "en"), else
    ``label`` (the text in the data's own language), so older data without ``labels`` still reads."""
    code = (language or "").split("-")[0].lower()
    return (labels or {}).get(code) or label


# -- charts ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BarLayout:
    """The geometry of a horizontal bar chart drawn as inline SVG (pages and PDFs alike).

    Bars start at ``label_width`` and end at most ``width - right``; each row holds one bar per
    series, ``gap`` apart, rows ``row_gap`` apart from ``top``; a value's text sits after its bar,
    ``baseline`` below the bar's middle. A value above 0 is drawn at least ``min_bar`` wide.

    With ``label_above`` (a height), each row's label sits on its own line above its bars, from the
    left edge, so a long label ("Réseaux sociaux") never competes with the bars for width."""

    width: int
    label_width: int
    right: int
    bar_height: int
    gap: int = 2
    row_gap: int = 16
    top: int = 8
    bottom: int = 0
    min_bar: float = 2.0
    baseline: float = 5.0
    label_above: int = 0


def svg_number(value: float) -> int | float:
    """An SVG coordinate or length to one decimal, a whole one as an integer ("22", never "22.0")."""
    value = round(float(value), 1)
    return int(value) if value.is_integer() else value


def bar_chart(rows: list[tuple[str, list[tuple[str, Any, str]]]], scale: float, layout: BarLayout) -> dict[str, Any]:
    """``rows`` = [(label, [(css class, value, text), …])] → the positioned bars on a 0–``scale`` axis:
    ``{"width", "height", "label_width", "label_x", "label_anchor", "rows": [{"label", "label_y",
    "bars": [{"css", "x", "y", "width", "height", "text", "text_x", "text_y", "missing"}]}]}``.
    Templates only draw."""
    plot = layout.width - layout.label_width - layout.right
    scale = float(scale) or 1.0
    y = layout.top
    out = []
    for label, series in rows:
        label_y = y + layout.label_above - 5
        y += layout.label_above
        bars = []
        for i, (css, value, text) in enumerate(series):
            top = y + i * (layout.bar_height + layout.gap)
            length = 0 if value is None else svg_number(max(layout.min_bar, plot * min(float(value), scale) / scale))
            bars.append(
                {
                    "css": css,
                    "x": layout.label_width,
                    "y": top,
                    "width": length,
                    "height": layout.bar_height,
                    "text": text,
                    "text_x": svg_number(layout.label_width + length + 6),
                    "text_y": svg_number(top + layout.bar_height / 2 + layout.baseline),
                    "missing": value is None,
                }
            )
        group = len(series) * (layout.bar_height + layout.gap)
        label_y = label_y if layout.label_above else y + group / 2 + 5
        out.append({"label": label, "label_y": svg_number(label_y), "bars": bars})
        y += group + layout.row_gap
    return {
        "width": layout.width,
        "height": svg_number(y + layout.bottom),
        "rows": out,
        "label_width": layout.label_width,
        # Where and how labels are anchored: at the left edge above the bars, or ending before them.
        "label_x": 0 if layout.label_above else layout.label_width - 10,
        "label_anchor": "start" if layout.label_above else "end",
    }
