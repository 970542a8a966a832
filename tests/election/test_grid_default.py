"""A new edition takes results at once: it is created with the default grid of METHODOLOGY §3."""

from django.urls import reverse

from election.models import Edition
from mystery_tests.grid import DEFAULT_GRID
from mystery_tests.models import Criterion
from mystery_tests.services import grid_install_default
from tests.support import factories
from tests.support.admin_forms import edition_form_data


def _grid(edition: Edition) -> dict[str, list[tuple[str, int]]]:
    grid: dict[str, list[tuple[str, int]]] = {}
    for channel, code, weight in Criterion.objects.filter(edition=edition).values_list("channel", "code", "weight"):
        grid.setdefault(channel, []).append((code, weight))
    return grid


EXPECTED = {channel: [(code, weight) for code, weight, *_ in rows] for channel, rows in DEFAULT_GRID.items()}


def test_grid_default_installed_when_an_edition_is_created(db):
    # Act
    edition = Edition.objects.create(country="ES", year=2041, name="Elegido Servicio al Cliente 2041", language="es")

    # Assert
    assert _grid(edition) == EXPECTED
    assert Criterion.objects.filter(edition=edition, channel="phone", code="greeting").get().label == "Greeting"


def test_grid_default_installed_for_an_edition_added_in_the_admin(admin_client):
    # Arrange
    data = edition_form_data(factories.EditionFactory.build(year=2046))

    # Act
    response = admin_client.post(reverse("admin:election_edition_add"), data)

    # Assert
    assert response.status_code == 302
    assert _grid(Edition.objects.get(year=2046)) == EXPECTED


def test_grid_default_install_keeps_a_channel_that_has_its_own_grid(db):
    # Arrange
    edition = factories.EditionFactory(grid=False)
    Criterion.objects.create(edition=edition, channel="phone", code="accueil", label="Accueil", weight=3)

    # Act
    created = grid_install_default(edition=edition)

    # Assert
    assert created == sum(len(rows) for channel, rows in DEFAULT_GRID.items() if channel != "phone")
    assert _grid(edition)["phone"] == [("accueil", 3)]
    assert _grid(edition)["email"] == EXPECTED["email"]


def test_grid_default_not_installed_twice_on_later_saves(db):
    # Arrange
    edition = factories.EditionFactory()
    count = Criterion.objects.filter(edition=edition).count()

    # Act
    edition.name = "Renamed"
    edition.save()

    # Assert
    assert Criterion.objects.filter(edition=edition).count() == count == sum(len(r) for r in DEFAULT_GRID.values())
