"""Moved to tests/support/world.py (the agency world ``world``); kept only until
tests/mystery_tests/test_api_campaigns.py imports from there."""

from tests.support.world import result, world  # noqa: F401
