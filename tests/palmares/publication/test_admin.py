"""Organiser administration of publications: publish now / at a time, unpublish with a reason."""

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from palmares.models import Publication
from palmares.publication import services
from tests.support import factories
from tests.support.palmares import ONE_CATEGORY, build_world, recompute

pytestmark = pytest.mark.django_db

ADD = "/admin/palmares/publication/add/"


@pytest.fixture
def staff(organiser):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(organiser)
    return client


def test_admin_publish_now_from_add_view(world, staff, organiser):
    # Arrange
    form = staff.get(f"{ADD}?edition={world.edition.pk}")

    # Act
    response = staff.post(ADD, {"edition": world.edition.pk, "at": ""})

    # Assert
    assert form.status_code == 200
    assert f'<option value="{world.edition.pk}" selected>' in form.content.decode()
    publication = Publication.objects.get(edition=world.edition)
    assert response.status_code == 302
    assert response["Location"] == f"/admin/palmares/publication/{publication.pk}/change/"
    assert publication.decided_by == organiser
    assert publication.goes_live_at <= timezone.now()


def test_admin_publish_at_reads_time_in_edition_time_zone(world, staff):
    # Arrange: 21:30 in Paris in July is 19:30 UTC
    year = timezone.now().year + 1

    # Act
    response = staff.post(ADD, {"edition": world.edition.pk, "at": f"{year}-07-01T21:30"})

    # Assert
    assert response.status_code == 302
    publication = Publication.objects.get(edition=world.edition)
    assert publication.goes_live_at == dt.datetime(year, 7, 1, 19, 30, tzinfo=dt.UTC)


def test_admin_publish_in_the_past_shows_error_and_stores_nothing(world, staff):
    # Act
    response = staff.post(ADD, {"edition": world.edition.pk, "at": "2020-01-01T10:00"})

    # Assert
    assert response.status_code == 200
    assert "The go-live time is in the past" in response.content.decode()
    assert not Publication.objects.exists()


def test_admin_unpublish_with_reason_recorded(world, staff, organiser):
    # Arrange
    publication = services.edition_publish(edition=world.edition)
    url = f"/admin/palmares/publication/{publication.pk}/unpublish/"

    # Act
    empty = staff.post(url, {"reason": ""})
    response = staff.post(url, {"reason": "Résultat contesté"})

    # Assert
    assert empty.status_code == 200
    assert "This field is required." in empty.content.decode()
    assert response.status_code == 302
    publication.refresh_from_db()
    assert (publication.is_current, publication.unpublish_reason, publication.unpublished_by) == (
        False,
        "Résultat contesté",
        organiser,
    )


def test_admin_change_view_shows_frozen_summary_read_only(world, staff):
    # Arrange
    publication = services.edition_publish(edition=world.edition)

    # Act
    response = staff.get(f"/admin/palmares/publication/{publication.pk}/change/")

    # Assert
    body = response.content.decode()
    assert response.status_code == 200
    assert "<tr><th>Banque</th><td>Banque 0 (16.44)</td></tr>" in body
    assert "<tr><th>Assurance</th><td>not awarded</td></tr>" in body
    assert f"/admin/palmares/publication/{publication.pk}/unpublish/" in body
    assert 'name="_save"' not in body


def test_admin_publication_views_refused_to_non_staff(world):
    # Arrange
    publication = services.edition_publish(edition=world.edition)
    member = Client()
    member.force_login(factories.BrandMembershipFactory(brand=world.laureate_brand).user)

    # Act
    responses = [
        member.get(ADD),
        member.post(f"/admin/palmares/publication/{publication.pk}/unpublish/", {"reason": "x"}),
    ]

    # Assert
    assert [r.status_code for r in responses] == [302, 302]
    publication.refresh_from_db()
    assert publication.is_current is True


@pytest.mark.parametrize("count", [1, 3])
def test_admin_publication_list_query_count(db, staff, django_assert_num_queries, count):
    # Arrange
    for year in range(2031, 2031 + count):
        w = build_world(year=year, scores=ONE_CATEGORY)
        recompute(w)
        services.edition_publish(edition=w.edition)

    # Act / Assert: the same queries whatever the count (session, user, counts, date hierarchy,
    # country filter, the page of publications with their edition and author)
    with django_assert_num_queries(8):
        response = staff.get("/admin/palmares/publication/")
    assert response.status_code == 200
    assert response.content.decode().count('class="field-state"') == count


@pytest.mark.parametrize(("language", "label"), [("fr", "catégories\u00a0: "), ("en", "categories: ")])
def test_admin_change_view_sets_the_colon_as_the_language_does(world, organiser, language, label):
    publication = services.edition_publish(edition=world.edition)
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(organiser)

    body = client.get(f"/admin/palmares/publication/{publication.pk}/change/").content.decode()

    assert f"<p>{label}" in body  # French: a no-break space before the colon (« catégories : 2 »)
