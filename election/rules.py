"""The one piece of METHODOLOGY arithmetic that lives below scoring: §6's completeness floor.

``mystery_tests`` (campaign progress) needs it and may not import ``scoring``; ``scoring`` calls the
same function, so an entry shown complete on a progress page is complete in the rankings.
"""

from decimal import ROUND_CEILING, Decimal


def required_tests(quota: int, completion: Decimal | str | float) -> int:
    """§6: counted tests a channel needs for a complete entry, ``ceil(completion × quota)`` in exact decimal
    (a float completion is read by its shortest text, so 0.7 × 10 is 7, never 8)."""
    exact = completion if isinstance(completion, Decimal) else Decimal(str(completion))
    return int((exact * Decimal(int(quota))).to_integral_value(rounding=ROUND_CEILING))
