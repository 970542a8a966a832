"""Fixtures of the appeal tests."""

import pytest

from tests.support.appeals import build_world


@pytest.fixture
def world(db):
    """The released edition of tests/support/appeals.py, with its brand members and agency."""
    return build_world()
