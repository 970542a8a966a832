"""Organiser rankings screens name a category in the reader's language (its ``names``), not the edition's."""

import pytest
from django.urls import reverse

from election.models import Category
from tests.conftest import session_client
from tests.support.world import small_world

pytestmark = pytest.mark.django_db

NAMES = {"fr": "Banque en ligne", "en": "Online banking"}


@pytest.fixture
def world():
    world = small_world()
    Category.objects.filter(pk=world.category.pk).update(names=NAMES)
    return world


@pytest.mark.parametrize(
    ("language", "shown", "hidden"),
    [("en", "Online banking", "Banque en ligne"), ("fr", "Banque en ligne", "Online banking")],
)
def test_rankings_overview_and_category_ranking_name_the_category_in_the_readers_language(
    world, organiser, language, shown, hidden
):
    client = session_client(organiser, language=language)

    overview = client.get(reverse("admin:scoring_edition_overview", args=[world.edition.pk])).content.decode()
    ranking = client.get(reverse("admin:scoring_category_ranking", args=[world.category.pk])).content.decode()

    assert (shown in overview, hidden in overview) == (True, False)
    assert (shown in ranking, hidden in ranking) == (True, False)
