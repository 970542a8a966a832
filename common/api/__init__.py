"""API plumbing every app's REST endpoints share (API.md "Conventions").

``exceptions`` (error bodies, the 404/500 handlers), ``pagination``, ``throttling`` and ``serializers``
(the error shape, UTC date-times). No competition rule lives here.
"""
