# ruff: noqa: F811  (pytest fixtures imported from tests.support.world are redefined as test arguments)
"""Messages people read name a channel by its label in their language, not by its code (issue 13)."""

import pytest
from django.utils import translation

from election.models import Edition
from mystery_tests import review
from mystery_tests.models import Campaign, TestResult
from mystery_tests.services import ResultsInvalid, results_upload
from tests.support.world import result, world  # noqa: F401  (world is a fixture)


@pytest.fixture
def capped(world):
    """The world's edition with a phone quota of 1."""
    Edition.objects.filter(pk=world.edition.pk).update(quota_phone=1)
    world.campaign_a = Campaign.objects.select_related("edition").get(pk=world.campaign_a.pk)
    return world


def test_quota_message_in_french_names_the_channel_by_its_french_label(capped):
    # Arrange
    entry = capped.entries["banque-1"]
    items = [result(entry, 1), result(entry, 2)]

    # Act
    with translation.override("fr"), pytest.raises(ResultsInvalid) as refused:
        results_upload(campaign=capped.campaign_a, items=items)

    # Assert
    assert [e["message"] for e in refused.value.errors] == [
        "Ce test porterait Banque en ligne 1 en Banque en ligne à 2 tests (Téléphone) ; le quota est de 1 "
        "(une agence ne refait un test qu’après une exclusion)."
    ]
    assert TestResult.objects.count() == 0


def test_restore_refusal_in_french_names_the_channel_by_its_french_label(capped, organiser):
    # Arrange
    entry = capped.entries["banque-1"]
    results_upload(campaign=capped.campaign_a, items=[result(entry, 1)])
    first = TestResult.objects.get()
    review.result_exclude(result=first, user=organiser, reason="Hors protocole")
    results_upload(campaign=capped.campaign_a, items=[result(entry, 2)])

    # Act
    with translation.override("fr"), pytest.raises(review.ReviewRefused) as refused:
        review.result_restore(result=first, user=organiser)

    # Assert
    assert "à 2 tests (Téléphone) ; le quota est de 1." in refused.value.message
    assert "tests phone" not in refused.value.message


def test_unknown_criterion_in_french_names_the_grid_by_its_french_label(world):
    # Arrange
    item = result(world.entries["banque-1"], 1, scores={"greeting": 2, "bogus": 1})

    # Act
    with translation.override("fr"), pytest.raises(ResultsInvalid) as refused:
        results_upload(campaign=world.campaign_a, items=[item])

    # Assert
    assert [(e["field"], e["message"]) for e in refused.value.errors] == [
        ("scores.bogus", "« bogus » n'est pas un critère de la grille Téléphone.")
    ]
