"""Results stored without a fingerprint (rows from before METHODOLOGY §12, or written outside the upload
path) get theirs: from the data migration, and again at publication before the roots are frozen."""

import importlib

from django.apps import apps

from mystery_tests.models import ResultEvent, TestResult
from mystery_tests.services import results_upload
from palmares.publication.provenance import result_fingerprint
from palmares.publication.services import edition_publish
from tests.mystery_tests.test_provenance_api import fingerprint_of
from tests.support.agencies import result, world  # noqa: F401  (fixture)
from tests.support.audit_redraw import mth
from tests.support.palmares import build_world

migration = importlib.import_module("mystery_tests.migrations.0004_provenance_fingerprints_and_receipts")


def test_data_migration_fingerprints_results_and_replaced_versions(world):  # noqa: F811
    # Arrange: a result replaced once, then both fingerprints wiped as before the migration
    entry = world.entries["banque-1"]
    results_upload(campaign=world.campaign_a, items=[result(entry, 1)])
    first = TestResult.objects.get().fingerprint
    results_upload(campaign=world.campaign_a, items=[result(entry, 1, comment="Corrigé")])
    current = TestResult.objects.get().fingerprint
    TestResult.objects.update(fingerprint="")
    ResultEvent.objects.update(fingerprint="")

    # Act
    migration.fill_fingerprints(apps, None)

    # Assert
    stored = TestResult.objects.select_related("agency", "entry__brand", "entry__category").get()
    assert stored.fingerprint == current == fingerprint_of(stored)
    assert ResultEvent.objects.get(kind=ResultEvent.Kind.REPLACED).fingerprint == first


def test_publication_fingerprints_rows_stored_without_one(db, organiser):
    # Arrange: palmares_support writes its results with bulk_create, without fingerprints
    palmares_world = build_world()
    assert set(TestResult.objects.values_list("fingerprint", flat=True)) == {""}

    # Act
    publication = edition_publish(edition=palmares_world.edition, user=organiser)

    # Assert
    rows = TestResult.objects.select_related("agency", "entry__brand", "entry__category")
    assert all(r.fingerprint == fingerprint_of(r) == result_fingerprint(r) for r in rows)
    banque = next(c for c in publication.snapshot["palmares"]["categories"] if c["slug"] == "banque")
    leaves = sorted(bytes.fromhex(r.fingerprint) for r in rows if r.entry.category.slug == "banque")
    assert banque["provenance"] == {"root": mth(leaves).hex(), "tests": len(leaves)}
