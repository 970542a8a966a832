"""The scorecard's spread of tests (issue 20): weeks, weekdays, slots and scenarios, never a shopper code."""

import pytest
from django.test import Client

from mystery_tests.models import TestResult
from palmares.templatetags.fieldwork_tags import _rows
from tests.support.world import small_world

pytestmark = pytest.mark.django_db


def test_scorecard_shows_how_the_tests_were_spread_without_shopper_codes():
    # Arrange: a released scorecard whose tests name their shopper and scenario
    world = small_world()
    TestResult.objects.filter(entry=world.a).update(shopper="SECRET-SH", scenario="S1")
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(world.member_a)

    # Act
    page = client.get(f"/portal/scorecards/{world.a.pk}/")

    # Assert
    text = page.content.decode()
    assert page.status_code == 200
    assert 'data-testid="tests-spread"' in text
    assert "How your tests were spread" in text
    assert "SECRET-SH" not in text


def test_spread_shares_round_half_up_as_every_displayed_figure():
    # Act: 1 test of 8 is 12.5 %, 3 of 8 is 37.5 %
    rows = _rows([("a", 1), ("b", 3), ("c", 4)], 8)

    # Assert: half up (§10), not round()'s half-to-even (12, 38)
    assert [row["pct"] for row in rows] == [13, 38, 50]
