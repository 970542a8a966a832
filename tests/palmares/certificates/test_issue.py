"""Issuing and revoking certificates, and following the publication workflow."""

import datetime as dt

import pytest
from django.contrib.admin.models import LogEntry
from django.utils import timezone

from mystery_tests.services import results_upload
from palmares.certificates.selectors import VALID, certificate_verification
from palmares.certificates.services import (
    CertificateError,
    certificate_revoke,
    certificates_issue,
    certificates_regenerate,
    certificates_revoke_for_publication,
    one_year_after,
)
from palmares.models import Certificate, Publication
from palmares.publication.services import edition_publish, edition_unpublish
from palmares.publication.signals import edition_published
from tests.support import factories
from tests.support.certificates import make_publication

pytestmark = pytest.mark.django_db


@pytest.fixture
def category():
    edition = factories.EditionFactory(country="FR", year=2031)
    return factories.CategoryFactory(edition=edition, slug="banque-en-ligne", name="Banque en ligne")


def entry_of(category, slug):
    return factories.EntryFactory(category=category, brand=factories.BrandFactory(slug=slug, name=slug.title()))


def test_issue_one_certificate_per_laureate_only(category):
    azur, bleu, rouge = (entry_of(category, s) for s in ("azur", "bleu", "rouge"))
    live = timezone.now() - dt.timedelta(hours=1)
    publication = make_publication(
        category.edition, [(azur, 15.5)], others=[(bleu, 12.5), (rouge, 9.0)], goes_live_at=live
    )

    certificates = certificates_issue(publication=publication)

    assert [(c.entry, c.overall, c.issued_at, c.valid_until) for c in certificates] == [
        (azur, 15.5, live, one_year_after(live))
    ]


def test_issue_co_laureates_each_get_one(category):
    azur, bleu = entry_of(category, "azur"), entry_of(category, "bleu")
    publication = make_publication(category.edition, [(azur, 14.0), (bleu, 14.0)])

    certificates_issue(publication=publication)

    assert sorted(Certificate.objects.values_list("entry__brand__slug", flat=True)) == ["azur", "bleu"]


def test_issue_twice_is_idempotent(category):
    azur = entry_of(category, "azur")
    publication = make_publication(category.edition, [(azur, 14.0)])
    first = certificates_issue(publication=publication)

    second = certificates_issue(publication=publication)

    assert [c.code for c in second] == [c.code for c in first]
    assert Certificate.objects.count() == 1


def test_issue_category_without_laureate_gives_none(category):
    azur = entry_of(category, "azur")
    publication = make_publication(category.edition, [], others=[(azur, 10.0)])

    certificates = certificates_issue(publication=publication)

    assert certificates == []


def test_issue_unknown_laureate_is_refused_and_writes_nothing(category):
    azur = entry_of(category, "azur")
    publication = make_publication(category.edition, [(azur, 14.0)])
    publication.snapshot["palmares"]["categories"][0]["laureates"].append({"brand": {"slug": "ghost"}, "overall": 13})
    publication.save(update_fields=["snapshot"])

    with pytest.raises(CertificateError, match="ghost"):
        certificates_issue(publication=publication)

    assert Certificate.objects.count() == 0


def test_issue_validity_leap_day_goes_to_28_february():
    assert one_year_after(dt.datetime(2032, 2, 29, 12, tzinfo=dt.UTC)) == dt.datetime(2033, 2, 28, 12, tzinfo=dt.UTC)


def test_revoke_records_reason_and_history(category, organiser):
    certificate = certificates_issue(
        publication=make_publication(category.edition, [(entry_of(category, "azur"), 14.0)])
    )[0]

    certificate_revoke(certificate=certificate, user=organiser, reason="  Titre utilisé abusivement.  ")

    certificate.refresh_from_db()
    assert certificate.revoked_reason == "Titre utilisé abusivement."
    assert certificate.revoked_at is not None
    assert LogEntry.objects.get(object_id=str(certificate.pk)).change_message == "Revoked: Titre utilisé abusivement."


def test_revoke_without_reason_is_refused(category, organiser):
    certificate = certificates_issue(
        publication=make_publication(category.edition, [(entry_of(category, "azur"), 14.0)])
    )[0]

    with pytest.raises(CertificateError):
        certificate_revoke(certificate=certificate, user=organiser, reason="   ")

    certificate.refresh_from_db()
    assert certificate.revoked_at is None


def test_revoke_twice_is_refused_keeping_first_reason(category, organiser):
    certificate = certificates_issue(
        publication=make_publication(category.edition, [(entry_of(category, "azur"), 14.0)])
    )[0]
    certificate_revoke(certificate=certificate, user=organiser, reason="Premier motif")

    with pytest.raises(CertificateError):
        certificate_revoke(certificate=certificate, user=organiser, reason="Second motif")

    certificate.refresh_from_db()
    assert certificate.revoked_reason == "Premier motif"


def test_regenerate_queues_only_outdated(category, django_capture_on_commit_callbacks):
    azur, bleu = entry_of(category, "azur"), entry_of(category, "bleu")
    publication = make_publication(category.edition, [(azur, 14.0), (bleu, 14.0)])
    with django_capture_on_commit_callbacks(execute=True):
        certificates_issue(publication=publication)
    bleu.brand.name = "Bleu Marine"
    bleu.brand.save(update_fields=["name"])

    with django_capture_on_commit_callbacks(execute=True):
        queued = certificates_regenerate(certificates=Certificate.objects.all())
        forced = certificates_regenerate(certificates=Certificate.objects.all(), force=True)

    assert (queued, forced) == (1, 2)


# -- the publication workflow, through palmares.publication.services ----------------------------------------


def publish_world(category, django_capture_on_commit_callbacks):
    """Three complete entries with real uploaded results; ``azur`` is the only one above 12."""
    edition = category.edition
    edition.quota_phone, edition.quota_email, edition.quota_web, edition.quota_chat, edition.quota_social = (
        2,
        0,
        0,
        0,
        0,
    )
    edition.save()
    entries = {slug: entry_of(category, slug) for slug in ("azur", "bleu", "rouge")}
    campaign = factories.CampaignFactory(edition=edition)
    points = {"azur": 2, "bleu": 1, "rouge": 0}
    performed = dt.datetime(edition.year - 1, 6, 2, 10, 0, tzinfo=dt.UTC).isoformat()
    items = [
        {
            "external_id": f"{slug}-{i}",
            "entry": entry.pk,
            "channel": "phone",
            "performed_at": performed,
            "reached": True,
            "scores": {"greeting": points[slug], "courtesy": points[slug]},
        }
        for slug, entry in entries.items()
        for i in range(2)
    ]
    with django_capture_on_commit_callbacks(execute=True):
        results_upload(campaign=campaign, items=items)
    return entries


def test_publish_issues_and_renders_laureate_certificate(
    category, organiser, client, django_capture_on_commit_callbacks
):
    entries = publish_world(category, django_capture_on_commit_callbacks)

    with django_capture_on_commit_callbacks(execute=True):
        publication = edition_publish(edition=category.edition, user=organiser)
    certificate = Certificate.objects.get()
    response = client.get(f"/verify/{certificate.code}/")

    assert certificate.entry == entries["azur"]
    assert certificate.publication == publication
    assert certificate.overall == 20.0
    assert certificate.file.name.startswith(f"certificates/{certificate.code}-")
    assert response.status_code == 200
    assert response.context["verification"].state == VALID


def test_publish_scheduled_certificate_exists_but_is_not_verifiable(
    category, organiser, client, django_capture_on_commit_callbacks
):
    publish_world(category, django_capture_on_commit_callbacks)

    with django_capture_on_commit_callbacks(execute=True):
        edition_publish(edition=category.edition, user=organiser, at=timezone.now() + dt.timedelta(days=1))
    certificate = Certificate.objects.get()

    assert bool(certificate.file) is True
    assert client.get(f"/verify/{certificate.code}/").status_code == 404


def test_unpublish_then_republish_revokes_old_issues_new(category, organiser, django_capture_on_commit_callbacks):
    publish_world(category, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        edition_publish(edition=category.edition, user=organiser)
    with django_capture_on_commit_callbacks(execute=True):
        edition_unpublish(edition=category.edition, user=organiser, reason="Résultats d'une agence à revoir.")
    with django_capture_on_commit_callbacks(execute=True):
        edition_publish(edition=category.edition, user=organiser)

    old, new = Certificate.objects.order_by("pk")
    assert old.revoked_reason == "Résultats d'une agence à revoir."
    assert new.revoked_at is None
    assert old.code != new.code
    assert certificate_verification(certificate=new).state == VALID


def test_published_signal_with_bad_snapshot_is_logged_not_raised(category, caplog):
    publication = make_publication(category.edition, [(entry_of(category, "azur"), 14.0)])
    publication.snapshot["palmares"]["categories"][0]["laureates"][0]["brand"]["slug"] = "ghost"
    publication.save(update_fields=["snapshot"])

    edition_published.send(sender=Publication, publication=publication)

    assert Certificate.objects.count() == 0
    assert "could not be issued" in caplog.text


def test_revoke_for_publication_without_reason_uses_edition_language(category):
    publication = make_publication(category.edition, [(entry_of(category, "azur"), 14.0)])
    certificates_issue(publication=publication)

    revoked = certificates_revoke_for_publication(publication=publication, user=None, reason="")

    assert revoked == 1
    assert Certificate.objects.get().revoked_reason == "La publication de ce palmarès a été retirée."
