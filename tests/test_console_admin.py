"""The organiser console (issue 18): a frozen edition reads as text, organisers land in the admin,
the season dashboard is the admin home, and the screens speak French rather than codes."""

import pytest
from django.urls import reverse
from django.utils import timezone

from election.models import Category, Edition, Entry
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, organiser):
    client.force_login(organiser)
    return client


def published_edition() -> Edition:
    now = timezone.now()
    return factories.EditionFactory(frozen_at=now, published_at=now)


def test_console_frozen_edition_change_form_is_read_only_with_a_banner(admin_client):
    # Arrange
    edition = published_edition()
    factories.CategoryFactory(edition=edition, slug="banque-en-ligne")

    # Act
    response = admin_client.get(reverse("admin:election_edition_change", args=[edition.pk]), HTTP_ACCEPT_LANGUAGE="en")

    # Assert
    assert response.status_code == 200
    assert response.context["has_change_permission"] is False
    assert response.context["has_delete_permission"] is False
    assert 'data-testid="frozen-notice"' in response.text
    assert 'name="threshold"' not in response.text
    assert 'name="categories-0-slug"' not in response.text
    assert "deletelink" not in response.text
    assert 'type="submit"' not in response.text.split('id="content-main"')[1].split("</form>")[0]


def test_console_open_edition_change_form_stays_editable(admin_client):
    # Arrange
    edition = factories.EditionFactory()
    factories.CategoryFactory(edition=edition)

    # Act
    response = admin_client.get(reverse("admin:election_edition_change", args=[edition.pk]))

    # Assert
    assert response.context["has_change_permission"] is True
    assert 'name="threshold"' in response.text
    assert 'name="categories-0-slug"' in response.text
    assert "deletelink" in response.text
    assert 'data-testid="frozen-notice"' not in response.text


def test_console_frozen_category_slug_and_entries_are_not_editable(admin_client):
    # Arrange
    entry = factories.EntryFactory(category=factories.CategoryFactory(edition=published_edition()))
    url = reverse("admin:election_category_change", args=[entry.category.pk])

    # Act
    page = admin_client.get(url)
    post = admin_client.post(url, {"edition": entry.category.edition_id, "name": "x", "slug": "nouvelle-adresse"})

    # Assert
    assert 'name="slug"' not in page.text
    assert 'name="entries-0-status"' not in page.text
    assert "deletelink" not in page.text
    assert post.status_code == 403
    entry.category.refresh_from_db()
    assert entry.category.slug != "nouvelle-adresse"


@pytest.mark.parametrize("model", ["edition", "category", "entry"])
def test_console_frozen_object_delete_page_is_refused(admin_client, model):
    # Arrange
    entry = factories.EntryFactory(category=factories.CategoryFactory(edition=published_edition()))
    obj = {"edition": entry.category.edition, "category": entry.category, "entry": entry}[model]

    # Act
    response = admin_client.post(reverse(f"admin:election_{model}_delete", args=[obj.pk]), {"post": "yes"})

    # Assert
    assert response.status_code == 403
    assert Entry.objects.filter(pk=entry.pk).exists()


@pytest.mark.parametrize("model", ["edition", "category", "entry"])
def test_console_bulk_delete_touching_a_frozen_edition_deletes_nothing(admin_client, model):
    # Arrange
    frozen = factories.EntryFactory(category=factories.CategoryFactory(edition=published_edition()))
    open_entry = factories.EntryFactory()
    rows = {
        "edition": [frozen.category.edition, open_entry.category.edition],
        "category": [frozen.category, open_entry.category],
        "entry": [frozen, open_entry],
    }[model]

    # Act
    response = admin_client.post(
        reverse(f"admin:election_{model}_changelist"),
        {"action": "delete_selected", "_selected_action": [r.pk for r in rows], "post": "yes"},
    )

    # Assert
    assert response.status_code == 200
    assert response.context["protected"]
    assert Entry.objects.count() == 2
    assert Category.objects.count() == 2


def test_console_open_edition_bulk_delete_still_works(admin_client):
    # Arrange
    entries = factories.EntryFactory.create_batch(2)

    # Act
    response = admin_client.post(
        reverse("admin:election_entry_changelist"),
        {"action": "delete_selected", "_selected_action": [e.pk for e in entries], "post": "yes"},
    )

    # Assert
    assert response.status_code == 302
    assert Entry.objects.count() == 0


def test_console_category_added_to_a_frozen_edition_is_refused(admin_client):
    # Arrange
    edition = published_edition()
    data = {
        "edition": edition.pk,
        "name": "Assurance",
        "slug": "assurance",
        "description": "",
        "entries-TOTAL_FORMS": "0",
        "entries-INITIAL_FORMS": "0",
        "entries-MIN_NUM_FORMS": "0",
        "entries-MAX_NUM_FORMS": "1000",
    }

    # Act
    response = admin_client.post(reverse("admin:election_category_add"), data)

    # Assert
    assert response.status_code == 200
    assert response.context["adminform"].form.non_field_errors()
    assert not Category.objects.filter(slug="assurance").exists()


# -- 2. organisers land in the console --------------------------------------------------------


def log_in(client, user, **extra):
    return client.post(
        reverse("login") + extra.pop("query", ""), {"username": user.username, "password": factories.PASSWORD}
    )


def test_console_login_sends_an_organiser_to_the_admin(client):
    # Arrange
    organiser = factories.OrganiserFactory(username="organisatrice")

    # Act
    response = log_in(client, organiser)

    # Assert
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:index")


def test_console_login_sends_a_brand_member_to_the_portal(client):
    # Arrange
    member = factories.BrandMembershipFactory().user

    # Act
    response = log_in(client, member)

    # Assert
    assert response["Location"] == "/portal/"


def test_console_login_sends_a_staff_account_without_the_permission_to_the_portal(client):
    # Arrange: is_staff alone is not the organisers' permission.
    staff = factories.UserFactory(username="jury", is_staff=True)

    # Act
    response = log_in(client, staff)

    # Assert
    assert response["Location"] == "/portal/"


@pytest.mark.parametrize(
    ("next_url", "expected"),
    [("/admin/scoring/categoryranking/", "/admin/scoring/categoryranking/"), ("https://evil.example/", "/admin/")],
)
def test_console_login_respects_a_safe_next_only(client, next_url, expected):
    # Arrange
    organiser = factories.OrganiserFactory(username="organisateur")

    # Act
    response = log_in(client, organiser, query=f"?next={next_url}")

    # Assert
    assert response["Location"] == expected


def test_console_signed_in_organiser_visiting_login_goes_to_the_admin(client):
    # Arrange
    client.force_login(factories.OrganiserFactory(username="deja-connecte"))

    # Act
    response = client.get(reverse("login"))

    # Assert
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:index")
