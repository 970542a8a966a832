"""The appeal admin (list column, impact preview) names the category in the reader's language."""

import re

import pytest

from election.models import Category
from palmares.appeals.services import appeal_file
from tests.conftest import session_client

NAMES = {"fr": "Banque grand public", "en": "Retail banking"}


@pytest.mark.parametrize(
    ("language", "shown", "hidden"),
    [("en", "Retail banking", "Banque grand public"), ("fr", "Banque grand public", "Retail banking")],
)
def test_appeal_admin_names_the_category_in_the_readers_language(world, organiser, language, shown, hidden):
    Category.objects.filter(pk=world.appealed.entry.category_id).update(name=NAMES["fr"], names=NAMES)
    appeal = appeal_file(result=world.appealed, user=world.member_a, reason="Outside opening hours.")
    client = session_client(organiser, language=language)

    listing = client.get("/admin/palmares/appeal/").content.decode()
    change = client.get(f"/admin/palmares/appeal/{appeal.pk}/change/").content.decode()

    caption = re.search(r"<caption>(.*?)</caption>", change).group(1)
    assert (shown in listing, hidden in listing) == (True, False)
    assert caption == shown
