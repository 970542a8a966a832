"""The organiser admin of election: every page renders, lists cost a fixed number of queries, actions work."""

import pytest
from django.urls import reverse
from django.utils import timezone

from election.models import Edition, Entry
from tests.support import factories
from tests.support.admin_forms import category_form_data, edition_form_data, edition_with_category_form_data

pytestmark = pytest.mark.django_db

MODELS = ["edition", "category", "brand", "entry", "brandmembership"]


def make_rows(model: str, n: int) -> list:
    """n objects of the model, each in its own edition/category so that every column has data."""
    if model == "edition":
        return [factories.CategoryFactory().edition for _ in range(n)]
    if model == "category":
        return [factories.EntryFactory().category for _ in range(n)]
    if model == "brand":
        return [factories.BrandMembershipFactory(brand=factories.EntryFactory().brand).brand for _ in range(n)]
    if model == "entry":
        return factories.EntryFactory.create_batch(n)
    return factories.BrandMembershipFactory.create_batch(n)


@pytest.mark.parametrize("model", MODELS)
def test_admin_changelist_renders_for_superuser(organiser_client, model):
    # Arrange
    make_rows(model, 2)

    # Act
    response = organiser_client.get(reverse(f"admin:election_{model}_changelist"))

    # Assert
    assert response.status_code == 200
    assert response.context["cl"].result_count == 2


@pytest.mark.parametrize("model", MODELS)
def test_admin_changelist_search_renders(organiser_client, model):
    # Arrange
    make_rows(model, 1)

    # Act
    response = organiser_client.get(reverse(f"admin:election_{model}_changelist"), {"q": "zzz-nothing"})

    # Assert
    assert response.status_code == 200
    assert response.context["cl"].result_count == 0


@pytest.mark.parametrize("model", MODELS)
def test_admin_change_form_renders_for_superuser(organiser_client, model):
    # Arrange
    obj = make_rows(model, 1)[0]

    # Act
    response = organiser_client.get(reverse(f"admin:election_{model}_change", args=[obj.pk]))

    # Assert
    assert response.status_code == 200
    assert response.context["original"] == obj


@pytest.mark.parametrize("model", MODELS)
def test_admin_add_form_renders_for_superuser(organiser_client, model):
    # Act
    response = organiser_client.get(reverse(f"admin:election_{model}_add"))

    # Assert
    assert response.status_code == 200


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("n", [1, 3])
def test_admin_changelist_query_count_is_fixed(organiser_client, django_assert_num_queries, model, n):
    # Arrange
    make_rows(model, n)
    url = reverse(f"admin:election_{model}_changelist")
    organiser_client.get(url)  # warm the session and content types

    # Act / Assert: session, user, count, full count, rows (+ the filters' own choices)
    expected = {"edition": 7, "category": 6, "brand": 5, "entry": 6, "brandmembership": 6}[model]
    with django_assert_num_queries(expected):
        response = organiser_client.get(url)
    assert response.context["cl"].result_count == n


def test_admin_changelist_is_refused_to_anonymous(client):
    # Act
    response = client.get(reverse("admin:election_edition_changelist"))

    # Assert
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_admin_changelist_is_refused_to_a_brand_member(client):
    # Arrange
    member = factories.BrandMembershipFactory().user
    client.force_login(member)

    # Act
    response = client.get(reverse("admin:election_entry_changelist"))

    # Assert
    assert response.status_code == 302


def test_admin_edition_list_shows_counts_and_state(organiser_client):
    # Arrange
    category = factories.CategoryFactory()
    factories.EntryFactory.create_batch(2, category=category)
    factories.EntryFactory(category=category, status="withdrawn")

    # Act
    response = organiser_client.get(reverse("admin:election_edition_changelist"))

    # Assert
    row = response.context["cl"].result_list[0]
    assert (row.n_categories, row.n_entries) == (1, 2)
    assert f"category__edition__id__exact={category.edition_id}&amp;status__exact=registered" in response.text


def test_admin_edition_state_filter_finds_published(organiser_client):
    # Arrange
    published = factories.EditionFactory(frozen_at=timezone.now(), published_at=timezone.now())
    factories.EditionFactory()

    # Act
    response = organiser_client.get(reverse("admin:election_edition_changelist"), {"state": "published"})

    # Assert
    assert list(response.context["cl"].result_list) == [published]
    assert f'href="/palmares/fr/{published.year}/"' in response.text


def test_admin_frozen_edition_settings_change_is_refused(organiser_client):
    # Arrange: a frozen edition's change form is read-only (issue 18), so a forged POST is forbidden.
    edition = factories.EditionFactory(frozen_at=timezone.now())
    url = reverse("admin:election_edition_change", args=[edition.pk])

    # Act
    response = organiser_client.post(url, edition_form_data(edition, threshold="10.00"))

    # Assert
    assert response.status_code == 403
    edition.refresh_from_db()
    assert str(edition.threshold) == "12.00"


def test_admin_edition_add_with_inline_categories(organiser_client):
    # Arrange
    edition = factories.EditionFactory.build(year=2045)
    data = edition_with_category_form_data(edition, name="Banque en ligne", slug="banque-en-ligne")

    # Act
    response = organiser_client.post(reverse("admin:election_edition_add"), data)

    # Assert
    assert response.status_code == 302
    created = Edition.objects.get(year=2045)
    assert list(created.categories.values_list("slug", flat=True)) == ["banque-en-ligne"]


def test_admin_entry_withdraw_action_records_the_reason(organiser_client):
    # Arrange
    entries = factories.EntryFactory.create_batch(2)

    # Act
    response = organiser_client.post(
        reverse("admin:election_entry_changelist"),
        {"action": "withdraw", "_selected_action": [e.pk for e in entries], "reason": "Désistement"},
        follow=True,
    )

    # Assert
    assert response.status_code == 200
    assert list(Entry.objects.order_by().values_list("status", "status_reason").distinct()) == [
        ("withdrawn", "Désistement")
    ]


def test_admin_entry_action_on_frozen_edition_is_refused_with_a_message(organiser_client):
    # Arrange
    edition = factories.EditionFactory(frozen_at=timezone.now())
    entry = factories.EntryFactory(category=factories.CategoryFactory(edition=edition))

    # Act
    response = organiser_client.post(
        reverse("admin:election_entry_changelist"),
        {"action": "disqualify", "_selected_action": [entry.pk], "reason": ""},
        follow=True,
    )

    # Assert
    assert [m.level_tag for m in response.context["messages"]] == ["error"]
    entry.refresh_from_db()
    assert entry.status == "registered"


def test_admin_entry_add_to_frozen_edition_is_refused(organiser_client):
    # Arrange
    edition = factories.EditionFactory(frozen_at=timezone.now())
    category = factories.CategoryFactory(edition=edition)
    brand = factories.BrandFactory()

    # Act
    response = organiser_client.post(
        reverse("admin:election_entry_add"),
        {"category": category.pk, "brand": brand.pk, "status": "registered", "status_reason": ""},
    )

    # Assert
    assert response.status_code == 200
    # A frozen edition's categories are not offered (election.selectors.categories_to_enter): the choice is refused.
    assert "category" in response.context["adminform"].form.errors
    assert Entry.objects.count() == 0


def test_admin_category_inline_adds_an_entry(organiser_client):
    # Arrange
    category = factories.CategoryFactory()
    brand = factories.BrandFactory()
    data = category_form_data(
        category,
        **{
            "entries-TOTAL_FORMS": "1",
            "entries-0-brand": brand.pk,
            "entries-0-status": "registered",
            "entries-0-status_reason": "",
        },
    )

    # Act
    response = organiser_client.post(reverse("admin:election_category_change", args=[category.pk]), data)

    # Assert
    assert response.status_code == 302
    assert list(category.entries.values_list("brand__slug", flat=True)) == [brand.slug]


def test_admin_brand_add_form_prepopulates_the_slug(organiser_client):
    # Act
    response = organiser_client.get(reverse("admin:election_brand_add"))

    # Assert
    assert response.context["adminform"].prepopulated_fields[0]["field"].name == "slug"


@pytest.mark.parametrize(
    ("language", "text"),
    [("en", "Withdraw the selected entries"), ("fr", "Retirer les candidatures sélectionnées")],
)
def test_admin_entry_actions_speak_french_and_english(organiser_client, language, text):
    # Arrange
    factories.EntryFactory()

    # Act
    response = organiser_client.get(reverse("admin:election_entry_changelist"), HTTP_ACCEPT_LANGUAGE=language)

    # Assert
    assert text in response.text


def test_admin_site_carries_the_competition_name_in_french(organiser_client):
    # Act
    response = organiser_client.get(reverse("admin:index"), HTTP_ACCEPT_LANGUAGE="fr")

    # Assert
    assert "Service Client de l&#x27;Année — administration" in response.text
