"""Election models: constraints in the database, validation in clean(), and the write services."""

from decimal import Decimal
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.db.models.signals import post_save
from django.utils import timezone, translation

from election import services
from election.models import Category, Edition, Entry
from scoring.models import CategoryRanking
from tests.support import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def signals_received():
    """The entries and editions saved through the model signals scoring listens to."""
    received = []

    def listener(sender, instance, **kwargs):
        received.append(instance.pk)

    post_save.connect(listener, sender=Entry, dispatch_uid="test_entry_saved")
    post_save.connect(listener, sender=Edition, dispatch_uid="test_edition_saved")
    yield received
    post_save.disconnect(sender=Entry, dispatch_uid="test_entry_saved")
    post_save.disconnect(sender=Edition, dispatch_uid="test_edition_saved")


def test_category_slug_is_unique_in_its_edition():
    # Arrange
    category = factories.CategoryFactory(slug="banque-en-ligne")

    # Act / Assert
    with pytest.raises(IntegrityError), transaction.atomic():
        Category.objects.create(edition=category.edition, slug="banque-en-ligne", name="Autre")


def test_category_same_slug_in_another_edition_is_allowed():
    # Arrange
    factories.CategoryFactory(slug="banque-en-ligne")
    other = factories.EditionFactory()

    # Act
    Category.objects.create(edition=other, slug="banque-en-ligne", name="Banque en ligne")

    # Assert
    assert Category.objects.filter(slug="banque-en-ligne").count() == 2


def test_category_duplicate_slug_is_a_validation_error_on_full_clean():
    # Arrange
    category = factories.CategoryFactory(slug="assurance-auto")
    duplicate = Category(edition=category.edition, slug="assurance-auto", name="Assurance auto")

    # Act
    with pytest.raises(ValidationError) as raised:
        duplicate.full_clean()

    # Assert
    assert list(raised.value.message_dict) == ["__all__"]


def test_entry_one_per_brand_per_category():
    # Arrange
    entry = factories.EntryFactory()

    # Act / Assert
    with pytest.raises(IntegrityError), transaction.atomic():
        Entry.objects.create(category=entry.category, brand=entry.brand)


def test_entry_same_brand_in_two_categories_is_allowed():
    # Arrange
    entry = factories.EntryFactory()
    other = factories.CategoryFactory(edition=entry.category.edition)

    # Act
    Entry.objects.create(category=other, brand=entry.brand)

    # Assert
    assert entry.brand.entries.count() == 2


def test_entry_status_outside_choices_is_refused_by_the_database():
    # Arrange
    entry = factories.EntryFactory()

    # Act / Assert
    with pytest.raises(IntegrityError), transaction.atomic():
        Entry.objects.filter(pk=entry.pk).update(status="excluded")


def test_edition_weight_blank_equals_quota():
    # Arrange
    edition = factories.EditionFactory(quota_phone=120, weight_email=80)

    # Act
    weights = edition.weight

    # Assert
    assert weights == {"phone": 120, "email": 80, "web": 15, "chat": 10, "social": 10}


def test_edition_zero_weight_on_a_channel_of_the_edition_is_refused():
    # Arrange
    edition = factories.EditionFactory.build(weight_chat=0)

    # Act
    with pytest.raises(ValidationError) as raised:
        edition.full_clean()

    # Assert
    assert list(raised.value.message_dict) == ["weight_chat"]


def test_edition_zero_weight_on_a_channel_left_out_is_accepted():
    # Arrange
    edition = factories.EditionFactory.build(quota_chat=0, weight_chat=0)

    # Act
    edition.full_clean()

    # Assert
    assert edition.channels == ["phone", "email", "web", "social"]


def test_edition_without_any_channel_is_refused():
    # Arrange
    edition = factories.EditionFactory.build(quota_phone=0, quota_email=0, quota_web=0, quota_chat=0, quota_social=0)

    # Act
    with pytest.raises(ValidationError) as raised:
        edition.full_clean()

    # Assert
    assert list(raised.value.message_dict) == ["quota_phone"]


def test_edition_unknown_time_zone_is_refused():
    # Arrange
    edition = factories.EditionFactory.build(time_zone="Europe/Lutece")

    # Act
    with pytest.raises(ValidationError) as raised:
        edition.full_clean()

    # Assert
    assert list(raised.value.message_dict) == ["time_zone"]


def test_edition_known_time_zone_is_accepted():
    # Arrange
    edition = factories.EditionFactory.build(time_zone="Africa/Casablanca", country="MA")

    # Act
    edition.full_clean()

    # Assert
    assert edition.time_zone == "Africa/Casablanca"


def test_edition_threshold_above_20_is_refused_by_the_database():
    # Arrange
    edition = factories.EditionFactory()

    # Act / Assert
    with pytest.raises(IntegrityError), transaction.atomic():
        Edition.objects.filter(pk=edition.pk).update(threshold=Decimal("20.5"))


def test_edition_country_year_is_unique():
    # Arrange
    factories.EditionFactory(country="FR", year=2040)

    # Act / Assert
    with pytest.raises(IntegrityError), transaction.atomic():
        factories.EditionFactory(country="FR", year=2040)


def test_edition_frozen_settings_cannot_change():
    # Arrange
    edition = factories.EditionFactory(frozen_at=timezone.now())
    edition.threshold = Decimal("11.50")
    edition.quota_phone = 100

    # Act
    with pytest.raises(ValidationError) as raised:
        edition.full_clean()

    # Assert
    assert sorted(raised.value.message_dict) == ["quota_phone", "threshold"]


def test_edition_frozen_name_may_still_change():
    # Arrange
    edition = factories.EditionFactory(frozen_at=timezone.now())
    edition.name = "Élu Service Client de l'Année — palmarès"

    # Act
    services.edition_save(edition=edition, changed_fields=["name"])

    # Assert
    edition.refresh_from_db()
    assert edition.name == "Élu Service Client de l'Année — palmarès"


def test_edition_dates_in_the_wrong_order_are_refused():
    # Arrange
    edition = factories.EditionFactory.build()
    edition.tests_end_on = edition.tests_start_on.replace(year=edition.tests_start_on.year - 1)

    # Act
    with pytest.raises(ValidationError) as raised:
        edition.full_clean()

    # Assert
    assert list(raised.value.message_dict) == ["tests_end_on"]


def test_edition_save_marks_rankings_stale_on_settings_change():
    # Arrange
    category = factories.CategoryFactory()
    edition = category.edition
    edition.threshold = Decimal("13")

    # Act
    services.edition_save(edition=edition, changed_fields=["threshold"])

    # Assert
    assert CategoryRanking.objects.get(category=category).input_version == 1


def test_entries_set_status_records_reason_and_marks_rankings_stale(signals_received):
    # Arrange
    entries = factories.EntryFactory.create_batch(2)
    signals_received.clear()

    # Act
    changed = services.entries_set_status(entries=entries, status="withdrawn", reason="Retrait du candidat")

    # Assert
    assert changed == 2
    assert list(Entry.objects.order_by().values_list("status", "status_reason").distinct()) == [
        ("withdrawn", "Retrait du candidat")
    ]
    assert sorted(signals_received) == sorted(e.pk for e in entries)
    assert CategoryRanking.objects.filter(category__in=[e.category for e in entries], input_version__gte=1).count() == 2


def test_entries_set_status_unchanged_entries_are_skipped(signals_received):
    # Arrange
    entry = factories.EntryFactory()
    signals_received.clear()

    # Act
    changed = services.entries_set_status(entries=[entry], status="registered")

    # Assert
    assert changed == 0
    assert signals_received == []


def test_entries_set_status_on_a_frozen_edition_is_refused():
    # Arrange
    edition = factories.EditionFactory(frozen_at=timezone.now())
    entry = factories.EntryFactory(category=factories.CategoryFactory(edition=edition))

    # Act
    with pytest.raises(services.EditionFrozen):
        services.entries_set_status(entries=[entry], status="disqualified")

    # Assert
    entry.refresh_from_db()
    assert entry.status == "registered"


def test_entry_save_new_entry_is_saved_through_the_model(signals_received):
    # Arrange
    category = factories.CategoryFactory()
    entry = Entry(category=category, brand=factories.BrandFactory())
    signals_received.clear()

    # Act
    services.entry_save(entry=entry)

    # Assert
    assert signals_received == [entry.pk]


def test_entry_save_new_entry_in_frozen_edition_is_refused():
    # Arrange
    category = factories.CategoryFactory(edition=factories.EditionFactory(frozen_at=timezone.now()))
    entry = Entry(category=category, brand=factories.BrandFactory())

    # Act
    with pytest.raises(services.EditionFrozen):
        services.entry_save(entry=entry)

    # Assert
    assert Entry.objects.count() == 0


def test_election_models_match_their_migrations_in_every_language():
    # Arrange: models are imported in the default language (French); labels must stay lazy.
    out = StringIO()

    # Act
    call_command("makemigrations", "election", "--check", "--dry-run", stdout=out)

    # Assert
    assert out.getvalue().strip() == "No changes detected in app 'election'"


def test_edition_channel_labels_are_translated():
    # Act
    with translation.override("fr"):
        label = str(Edition._meta.get_field("quota_phone").verbose_name)

    # Assert
    assert label == "quota : phone"
