"""Public pages say which rule decided a category without a laureate: "not contested" (too few
complete entries) never reads like "not awarded" (no complete entry reached the mark), and the
category page says how many entries competed (issue 19). World: tests/palmares_support.py."""

import pytest
from django.test import Client

from palmares.publication import services
from tests.support.palmares import NON_LAUREATE_SCORES, build_world, displayed, recompute

pytestmark = pytest.mark.django_db

EDITION = "/palmares/fr/2031/"


@pytest.fixture
def published():
    world = build_world()
    recompute(world)
    services.edition_publish(edition=world.edition)
    return world


def _get(path: str, language: str) -> str:
    return Client(HTTP_ACCEPT_LANGUAGE=language).get(path).content.decode()


def test_edition_page_cards_read_not_contested_apart_from_not_awarded(published):
    # Act
    en, fr = _get(EDITION, "en"), _get(EDITION, "fr")

    # Assert: assurance (below the mark) is not awarded, energie (2 entries of 3 needed) not contested
    assert en.count("Not awarded</p>") == 1 and en.count("Not contested</p>") == 1
    assert fr.count("Non attribué</p>") == 1 and fr.count("Non disputée</p>") == 1


def test_category_page_not_contested_says_so_in_its_heading(published):
    # Act
    energie_en, energie_fr = _get(f"{EDITION}energie/", "en"), _get(f"{EDITION}energie/", "fr")
    assurance_en = _get(f"{EDITION}assurance/", "en")

    # Assert
    assert '<h2 id="none-title">Not contested this year</h2>' in energie_en
    assert '<h2 id="none-title">Catégorie non disputée cette année</h2>' in energie_fr
    assert '<h2 id="none-title">Not awarded this year</h2>' in assurance_en
    # the list of the other categories tells them apart too
    assert '<span class="who none">Not contested</span>' in assurance_en
    assert '<span class="who none">Not awarded</span>' in energie_en


def test_category_page_counts_its_entrants_without_showing_their_scores(published):
    # Act
    pages = {slug: _get(f"{EDITION}{slug}/", "en") for slug in ("banque", "assurance", "energie")}
    banque_fr = _get(f"{EDITION}banque/", "fr")

    # Assert
    assert '<p class="hero-meta">4 entries competed</p>' in pages["banque"]
    assert '<p class="hero-meta">3 entries competed</p>' in pages["assurance"]
    assert '<p class="hero-meta">2 entries competed</p>' in pages["energie"]
    assert '<p class="hero-meta">4 candidatures en lice</p>' in banque_fr
    for html in (*pages.values(), banque_fr):
        assert not any(shown in html for score in NON_LAUREATE_SCORES for shown in displayed(score))
