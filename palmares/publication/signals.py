"""Signals of the publication workflow.

``edition_published`` is sent after the commit that decides a publication (kwarg
``publication``); ``edition_unpublished`` after the commit that withdraws one (kwargs
``publication``, ``reason``). Certificates and reports listen; publication never imports them.
"""

from django.dispatch import Signal

edition_published = Signal()
edition_unpublished = Signal()
