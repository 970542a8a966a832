# ruff: noqa: F811  (fixtures are imported and then requested by name)
"""The admin shows a test's fingerprint (and its replaced versions'), and each batch's or import's receipt."""

from django.test import Client
from django.urls import reverse

from mystery_tests.models import ImportJob, TestResult, UploadReceipt
from mystery_tests.services import results_upload
from palmares.publication.services import edition_publish
from tests.support.world import result, world  # noqa: F401  (fixture)


def test_admin_result_page_shows_its_fingerprint_and_the_replaced_versions(world, organiser):
    # Arrange
    entry = world.entries["banque-1"]
    results_upload(campaign=world.campaign_a, items=[result(entry, 1)])
    first = TestResult.objects.get().fingerprint
    results_upload(campaign=world.campaign_a, items=[result(entry, 1, comment="Corrigé")])
    current = TestResult.objects.get()
    client = Client()
    client.force_login(organiser)

    # Act
    page = client.get(reverse("admin:mystery_tests_testresult_change", args=[current.pk]))

    # Assert
    assert page.status_code == 200
    html = page.content.decode()
    assert current.fingerprint in html
    assert first in html  # the replaced version, in the history


def test_admin_receipts_show_each_batch_and_the_import_page_its_receipt(world, organiser):
    # Arrange
    counts = results_upload(campaign=world.campaign_a, items=[result(world.entries["banque-1"], 1)])
    receipt = UploadReceipt.objects.get()
    job = ImportJob.objects.create(
        campaign=world.campaign_a, original_name="x.csv", format="csv", status=ImportJob.Status.SUCCEEDED
    )
    UploadReceipt.objects.filter(pk=receipt.pk).update(import_job=job)
    client = Client()
    client.force_login(organiser)

    # Act
    listing = client.get(reverse("admin:mystery_tests_uploadreceipt_changelist"))
    detail = client.get(reverse("admin:mystery_tests_uploadreceipt_change", args=[receipt.pk]))
    job_page = client.get(reverse("admin:mystery_tests_importjob_change", args=[job.pk]))

    # Assert
    assert listing.status_code == detail.status_code == job_page.status_code == 200
    assert counts["receipt"]["signature"] in detail.content.decode()
    assert counts["receipt"]["root"] in job_page.content.decode()


def test_admin_publication_page_shows_the_frozen_roots(world, organiser):
    # Arrange
    results_upload(campaign=world.campaign_a, items=[result(world.entries["banque-1"], n) for n in (1, 2)])
    publication = edition_publish(edition=world.edition, user=organiser)
    palmares = publication.snapshot["palmares"]
    client = Client()
    client.force_login(organiser)

    # Act
    page = client.get(reverse("admin:palmares_publication_change", args=[publication.pk]))

    # Assert
    assert page.status_code == 200
    html = page.content.decode()
    assert palmares["provenance"]["edition_root"] in html
    for category in palmares["categories"]:
        assert category["provenance"]["root"] in html
