# ruff: noqa: F811  (the world fixture is imported from tests.support.world and requested by name)
"""What organisers see of the fieldwork (issue 20): the campaign admin's balance page, with the entries
that break the plan."""

import pytest
from django.urls import reverse

from tests.support import factories
from tests.support.world import result, world  # noqa: F401  (world is a fixture)

pytestmark = pytest.mark.django_db


def test_admin_balance_page_lists_the_entries_that_break_the_plan(world, client, settings):
    # Arrange
    settings.LANGUAGE_CODE = "en"
    world.one_shopper_alone()
    client.force_login(factories.OrganiserFactory(username="org-balance", is_superuser=True))

    # Act
    page = client.get(
        reverse("admin:mystery_tests_campaign_balance", args=[world.campaign_a.pk]), HTTP_ACCEPT_LANGUAGE="en"
    )

    # Assert
    assert page.status_code == 200
    text = page.content.decode()
    assert "1 entry and channel breaks the plan" in text
    assert "one shopper above the share" in text
    assert "SH1: 4" in text


def test_admin_balance_page_is_refused_to_a_staff_member_without_the_view_permission(world, client):
    # Arrange
    client.force_login(factories.UserFactory(username="staff-only", is_staff=True))

    # Act
    page = client.get(reverse("admin:mystery_tests_campaign_balance", args=[world.campaign_a.pk]))

    # Assert: redirected away, nothing shown
    assert page.status_code == 302
