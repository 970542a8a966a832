"""Category names in French and English where the organiser gives them (issue 19): Category.names and
name_for, load_edition's ``name`` and/or ``names``, the admin's « Nom en français » / « Nom en anglais »
fields (the category page and the edition's inline), and the criterion admin's labels by language."""

import copy

import pytest
from django.urls import reverse

from election.models import Category, Edition
from mystery_tests.loading import EditionFileInvalid, load_edition
from mystery_tests.models import Criterion
from tests.support import factories
from tests.support.admin_forms import category_form_data, edition_with_category_form_data

pytestmark = pytest.mark.django_db

DOC = {
    "country": "FR",
    "year": 2027,
    "name": "Élu Service Client de l'Année 2027",
    "categories": [
        {"slug": "banque-en-ligne", "name": "Banque en ligne", "names": {"en": "Online banking"}},
        {"slug": "assurance-auto", "names": {"fr": "Assurance auto", "en": "Car insurance"}},
        {"slug": "energie", "name": "Fournisseur d'énergie"},
    ],
}


def _categories() -> dict[str, Category]:
    return {c.slug: c for c in Category.objects.filter(edition__year=2027)}


def test_name_for_reads_the_readers_language_and_falls_back_to_the_editions():
    # Arrange
    category = factories.CategoryFactory(name="Banque en ligne", names={"en": "Online banking"})

    # Act / Assert: saving keeps the edition's language in step with name
    assert category.names == {"fr": "Banque en ligne", "en": "Online banking"}
    assert category.name_for("en") == category.name_for("en-gb") == "Online banking"
    assert category.name_for("fr") == "Banque en ligne"
    assert Category(name="Énergie", names={"fr": "Énergie"}).name_for("en") == "Énergie"


def test_load_edition_takes_name_and_names_in_both_languages():
    # Act
    load_edition(data=copy.deepcopy(DOC))

    # Assert
    categories = _categories()
    assert (categories["banque-en-ligne"].name, categories["banque-en-ligne"].names) == (
        "Banque en ligne",
        {"fr": "Banque en ligne", "en": "Online banking"},
    )
    assert categories["assurance-auto"].name == "Assurance auto"
    assert categories["assurance-auto"].name_for("en") == "Car insurance"
    assert categories["energie"].names == {"fr": "Fournisseur d'énergie"}


def test_load_edition_with_a_name_alone_keeps_the_english_name_given_before():
    # Arrange
    load_edition(data=copy.deepcopy(DOC))
    doc = copy.deepcopy(DOC)
    doc["categories"][0] = {"slug": "banque-en-ligne", "name": "Banque à distance"}

    # Act
    load_edition(data=doc)

    # Assert
    assert _categories()["banque-en-ligne"].names == {"fr": "Banque à distance", "en": "Online banking"}


@pytest.mark.parametrize(
    ("category", "paths"),
    [
        ({"slug": "x", "names": {"de": "Bank", "en": " "}}, ["categories[0].names.de", "categories[0].names.en"]),
        ({"slug": "x"}, ["categories[0].name"]),
        ({"slug": "x", "names": "Banque"}, ["categories[0].names"]),
    ],
)
def test_load_edition_refuses_bad_names_at_their_place(category, paths):
    # Arrange
    doc = copy.deepcopy(DOC)
    doc["categories"] = [category]

    # Act
    with pytest.raises(EditionFileInvalid) as raised:
        load_edition(data=doc)

    # Assert
    assert [e["path"] for e in raised.value.errors] == paths
    assert not Edition.objects.filter(year=2027).exists()


def test_admin_category_form_offers_the_name_in_french_and_in_english(admin_client):
    # Arrange
    category = factories.CategoryFactory(name="Banque en ligne")
    url = reverse("admin:election_category_change", args=[category.pk])

    # Act
    page = admin_client.get(url, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    response = admin_client.post(url, category_form_data(category, names_en="Online banking"))

    # Assert
    assert "Nom en français" in page and "Nom en anglais" in page
    assert response.status_code == 302
    category.refresh_from_db()
    assert category.names == {"fr": "Banque en ligne", "en": "Online banking"}


def test_admin_category_name_edited_alone_carries_its_languages_field_along(admin_client):
    # Arrange
    category = factories.CategoryFactory(name="Banque en ligne", names={"en": "Online banking"})
    url = reverse("admin:election_category_change", args=[category.pk])

    # Act: the organiser edits the name; the French field still holds the former text
    response = admin_client.post(url, category_form_data(category, name="Banque à distance"))

    # Assert
    assert response.status_code == 302
    category.refresh_from_db()
    assert (category.name, category.names) == ("Banque à distance", {"fr": "Banque à distance", "en": "Online banking"})


def test_admin_category_refuses_two_different_texts_for_the_editions_language(admin_client):
    # Arrange
    category = factories.CategoryFactory(name="Banque en ligne")
    url = reverse("admin:election_category_change", args=[category.pk])

    # Act
    response = admin_client.post(url, category_form_data(category, name="Banque A", names_fr="Banque B"))

    # Assert: said at the field, nothing stored
    assert response.status_code == 200
    assert "names_fr" in response.context["adminform"].form.errors
    category.refresh_from_db()
    assert category.name == "Banque en ligne"


def test_admin_edition_inline_takes_category_names_by_language(admin_client):
    # Arrange: a new edition whose category is named only in its languages' fields
    edition = factories.EditionFactory.build(year=2046)
    data = edition_with_category_form_data(
        edition, name="", names_fr="Banque en ligne", names_en="Online banking", slug="banque-en-ligne"
    )

    # Act
    response = admin_client.post(reverse("admin:election_edition_add"), data)

    # Assert
    assert response.status_code == 302
    category = Category.objects.get(edition__year=2046)
    assert (category.name, category.names) == ("Banque en ligne", {"fr": "Banque en ligne", "en": "Online banking"})


def _criterion_form(criterion: Criterion, **changes) -> dict:
    data = {
        "edition": criterion.edition_id,
        "channel": criterion.channel,
        "code": criterion.code,
        "label": criterion.label,
        "labels_fr": criterion.labels.get("fr", ""),
        "labels_en": criterion.labels.get("en", ""),
        "weight": criterion.weight,
        "position": criterion.position,
    }
    return {**data, **changes}


def test_admin_criterion_form_offers_the_label_in_french_and_in_english(admin_client):
    # Arrange: a default criterion carries both labels (METHODOLOGY §3)
    edition = factories.EditionFactory(year=2047)
    criterion = Criterion.objects.get(edition=edition, channel="phone", code="greeting")
    url = reverse("admin:mystery_tests_criterion_change", args=[criterion.pk])

    # Act
    page = admin_client.get(url, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    response = admin_client.post(url, _criterion_form(criterion, labels_en="Welcome"))

    # Assert
    assert "Libellé en français" in page and "Libellé en anglais" in page
    assert 'value="Greeting"' in page
    assert response.status_code == 302
    criterion.refresh_from_db()
    assert criterion.labels == {"fr": "Accueil", "en": "Welcome"}
    assert criterion.label_for("en") == "Welcome"


def test_admin_criterion_label_is_required_in_the_editions_language(admin_client):
    # Arrange
    edition = factories.EditionFactory(year=2048)
    criterion = Criterion.objects.get(edition=edition, channel="phone", code="greeting")
    url = reverse("admin:mystery_tests_criterion_change", args=[criterion.pk])

    # Act: neither the label nor its French field
    response = admin_client.post(url, _criterion_form(criterion, label="", labels_fr="", labels_en="Welcome"))

    # Assert
    assert response.status_code == 200
    assert "label" in response.context["adminform"].form.errors
    criterion.refresh_from_db()
    assert criterion.labels == {"fr": "Accueil", "en": "Greeting"}


def test_admin_criterion_label_given_only_in_french_becomes_the_label(admin_client):
    # Arrange
    edition = factories.EditionFactory(year=2049)
    criterion = Criterion.objects.get(edition=edition, channel="phone", code="greeting")
    url = reverse("admin:mystery_tests_criterion_change", args=[criterion.pk])

    # Act: the French field edited, the label left as it was
    response = admin_client.post(url, _criterion_form(criterion, labels_fr="Bienvenue"))

    # Assert
    assert response.status_code == 302
    criterion.refresh_from_db()
    assert (criterion.label, criterion.labels) == ("Bienvenue", {"fr": "Bienvenue", "en": "Greeting"})
