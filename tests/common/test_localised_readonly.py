"""A frozen edition's read-only admin pages show the texts a localised_model_form edits per language
(common/forms.py): « Nom en français » with the category's name, not Django's fallback « Names fr : None »
(found by scripts/compare_answers.py on the published demo edition)."""

import pytest
from django.urls import reverse
from django.utils import timezone

from mystery_tests.models import Criterion
from tests.support import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def frozen_category():
    edition = factories.EditionFactory(frozen_at=timezone.now())
    factories.CategoryFactory(edition=edition, name="Assurance auto")  # no English name: the empty value
    return factories.CategoryFactory(edition=edition, name="Banque en ligne", names={"en": "Online banking"})


@pytest.mark.parametrize("page", ["category", "edition"])
def test_frozen_category_names_read_in_each_language(organiser_client, frozen_category, page):
    # Arrange: the category's own page, or its row in the edition's inline
    obj = frozen_category if page == "category" else frozen_category.edition
    url = reverse(f"admin:election_{page}_change", args=[obj.pk])

    # Act
    html = organiser_client.get(url, HTTP_ACCEPT_LANGUAGE="fr").content.decode()

    # Assert
    assert "Nom en français" in html and "Nom en anglais" in html
    assert "Online banking" in html
    assert "Names fr" not in html and "Names en" not in html and "None" not in html


def test_frozen_criterion_labels_read_in_each_language(organiser_client):
    # Arrange: a default criterion of a frozen edition carries both labels (METHODOLOGY §3)
    edition = factories.EditionFactory(frozen_at=timezone.now())
    criterion = Criterion.objects.get(edition=edition, channel="phone", code="greeting")
    url = reverse("admin:mystery_tests_criterion_change", args=[criterion.pk])

    # Act
    html = organiser_client.get(url, HTTP_ACCEPT_LANGUAGE="fr").content.decode()

    # Assert
    assert "Libellé en français" in html and "Libellé en anglais" in html
    assert "Greeting" in html
    assert "Labels fr" not in html and "None" not in html
