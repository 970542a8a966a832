# ruff: noqa: F811  (the world fixture is imported from tests.support.world and requested by name)
"""The campaign admin's progress and balance pages name a category in the reader's language."""

import pytest
from django.urls import reverse

from election.models import Category
from tests.conftest import session_client
from tests.support.world import world  # noqa: F401  (world is a fixture)

pytestmark = pytest.mark.django_db

NAMES = {"fr": "Banque grand public", "en": "Retail banking"}


@pytest.mark.parametrize(
    ("language", "shown", "hidden"),
    [("en", "Retail banking", "Banque grand public"), ("fr", "Banque grand public", "Retail banking")],
)
@pytest.mark.parametrize("page", ["progress", "balance"])
def test_campaign_pages_name_the_category_in_the_readers_language(world, organiser, page, language, shown, hidden):
    world.one_shopper_alone()
    Category.objects.filter(campaigns=world.campaign_a).update(name=NAMES["fr"], names=NAMES)
    client = session_client(organiser, language=language)

    text = client.get(reverse(f"admin:mystery_tests_campaign_{page}", args=[world.campaign_a.pk])).content.decode()

    assert (shown in text, hidden in text) == (True, False)
