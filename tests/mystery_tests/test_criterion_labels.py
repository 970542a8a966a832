# ruff: noqa: F811  (the world fixture imported from tests.support.world is a test argument)
"""Criterion labels in both languages (issue 19): the default grid, ``load_edition``'s ``labels``,
the contract's ``label`` kept in the edition's language with ``labels`` added, and the reader's
language on the public methodology page."""

import copy

import pytest
from django.test import Client

from mystery_tests.loading import EditionFileInvalid, load_edition
from mystery_tests.models import Criterion
from palmares.publication import services
from tests.support import factories
from tests.support.palmares import build_world, recompute
from tests.support.world import world  # noqa: F401  (a fixture)

pytestmark = pytest.mark.django_db

DOC = {
    "country": "FR",
    "year": 2027,
    "name": "Élu Service Client de l'Année 2027",
    "grid": {
        "phone": [
            {"code": "greeting", "label": "Accueil", "labels": {"en": "Welcome"}, "weight": 1},
            {"code": "hold", "labels": {"fr": "Mise en attente", "en": "Putting on hold"}, "weight": 2},
            {"code": "courtesy", "weight": 1},
            {"code": "own_words", "label": "Formule maison", "weight": 1},
        ]
    },
}


def _phone() -> dict[str, Criterion]:
    return {c.code: c for c in Criterion.objects.filter(edition__year=2027, channel="phone")}


def test_default_grid_criteria_carry_french_and_english_labels():
    # Act
    edition = factories.EditionFactory(country="FR", year=2040)
    criterion = Criterion.objects.get(edition=edition, channel="social", code="response_delay")

    # Assert
    assert criterion.label == "Délai de réponse"
    assert criterion.labels == {"fr": "Délai de réponse", "en": "Response delay"}
    assert criterion.label_for("en") == criterion.label_for("en-gb") == "Response delay"
    assert criterion.label_for("fr") == "Délai de réponse"


def test_label_for_falls_back_to_the_editions_language():
    # Arrange
    criterion = Criterion(label="Formule maison", labels={"fr": "Formule maison"})

    # Act / Assert
    assert criterion.label_for("en") == "Formule maison"
    assert Criterion(label="Accueil").label_for("en") == "Accueil"


def test_load_edition_takes_label_and_labels_in_both_languages():
    # Act
    load_edition(data=copy.deepcopy(DOC))

    # Assert
    phone = _phone()
    assert (phone["greeting"].label, phone["greeting"].labels) == ("Accueil", {"fr": "Accueil", "en": "Welcome"})
    assert phone["hold"].label == "Mise en attente"
    assert phone["hold"].label_for("en") == "Putting on hold"
    # a default criterion named by its code alone keeps the default grid's two labels
    assert phone["courtesy"].labels == {"fr": "Courtoisie", "en": "Courtesy"}
    # a French label alone: English readers fall back to it
    assert phone["own_words"].labels == {"fr": "Formule maison"}
    assert phone["own_words"].label_for("en") == "Formule maison"


def test_load_edition_refuses_unknown_or_empty_labels_with_their_place():
    # Arrange
    doc = copy.deepcopy(DOC)
    doc["grid"]["phone"][0]["labels"] = {"de": "Begrüßung", "en": " "}

    # Act
    with pytest.raises(EditionFileInvalid) as raised:
        load_edition(data=doc)

    # Assert: every problem at its place, nothing stored
    assert [e["path"] for e in raised.value.errors] == ["grid.phone[0].labels.de", "grid.phone[0].labels.en"]
    assert not Criterion.objects.filter(edition__year=2027).exists()


def test_api_campaign_keeps_label_in_the_editions_language_and_adds_labels(world):
    # Act
    body = world.api_a.get(f"/api/v1/campaigns/{world.campaign_a.pk}/").json()

    # Assert: a French edition's default grid
    first = body["channels"][0]["criteria"][0]
    assert (first["code"], first["label"]) == ("ivr_ease", "Facilité du serveur vocal")
    assert first["labels"] == {"fr": "Facilité du serveur vocal", "en": "Ease of the voice menu"}


def test_methodology_page_shows_criteria_in_the_readers_language():
    # Arrange
    world = build_world()
    recompute(world)
    services.edition_publish(edition=world.edition)
    path = "/palmares/fr/2031/methodology/"

    # Act
    en = Client(HTTP_ACCEPT_LANGUAGE="en").get(path).content.decode()
    fr = Client(HTTP_ACCEPT_LANGUAGE="fr").get(path).content.decode()

    # Assert (default grid, phone: « Temps d'attente » / "Waiting time" is its first criterion)
    first_fr, first_en = Criterion.objects.filter(edition=world.edition, channel="phone").values_list(
        "labels__fr", "labels__en"
    )[0]
    assert first_fr != first_en
    assert f'<th scope="row">{first_en}</th>' in en
    assert f'<th scope="row">{first_en}</th>' not in fr


def test_criterion_saved_with_a_new_label_keeps_labels_in_step():
    # Arrange
    edition = factories.EditionFactory(country="FR", year=2041)
    criterion = Criterion.objects.get(edition=edition, channel="phone", code="greeting")

    # Act: an organiser renames it (the admin saves the model)
    criterion.label = "Bienvenue"
    criterion.save()

    # Assert
    criterion.refresh_from_db()
    assert criterion.labels == {"fr": "Bienvenue", "en": "Greeting"}
    assert criterion.label_for("fr") == "Bienvenue"
