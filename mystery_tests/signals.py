"""Signals other layers listen to; mystery_tests never imports them (ENGINEERING "The shape").

``inputs_changed`` is sent inside the transaction that changes what the rankings of some
categories are computed from (results accepted, excluded or restored, a grid changed).
Listeners that start background work must defer it with ``transaction.on_commit``.
"""

from django.dispatch import Signal

# kwargs: category_ids (a set of Category ids), reason (short text for logs)
inputs_changed = Signal()
