"""Fixtures of the palmarès tests."""

import pytest

from tests.support.palmares import build_world, recompute


@pytest.fixture
def world(db):
    """The published-edition world of tests/support/palmares.py, computed by the scoring engine
    (a test module may define its own ``world``)."""
    w = build_world()
    recompute(w)
    return w
