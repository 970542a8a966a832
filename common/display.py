"""How a score is shown to people: the one rounding of METHODOLOGY §10, and its localised text.

Every page, PDF, certificate, e-mail and admin screen that shows a score goes through
``display_score`` (the number) or ``format_score`` (the text), so that a score reads the same
everywhere: the §7 value (rounded to 9 decimals) rounded half up to 2 decimals, shown with the
language's decimal mark (14,46 in French, 14.46 in English).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.utils import formats

# §7: every score is compared (and so defined) at 9 decimals.
RULE_BOOK_PLACES = 9
# §10: scores are displayed with 2 decimals.
SCORE_PLACES = 2


def display_score(value: Any, places: int = SCORE_PLACES) -> Decimal | None:
    """The displayed value of a score: first the rule book's 9 decimals (§7), then half up to
    ``places`` decimals (§10). None for no value (None, empty text, NaN, infinity).

    Going through 9 decimals first makes a binary float such as 14.454999999999998 (14.455
    computed with float noise) display as 14.46, as the rule book's value does.
    """
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        exact = value if isinstance(value, Decimal) else Decimal(repr(float(value)))
    except (TypeError, ValueError, InvalidOperation):
        return None
    if not exact.is_finite():
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
    if value is None or isinstance(value, bool):
        return None
    try:
        exact = value if isinstance(value, Decimal) else Decimal(repr(float(value)))
    except (TypeError, ValueError, InvalidOperation):
        return None
    if not exact.is_finite():
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
    from django.utils.translation import gettext

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
