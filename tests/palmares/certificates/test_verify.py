"""Public verification of certificates: /verify/<code>/ and the code lookup form."""

import datetime as dt

import pytest
from django.utils import timezone

from palmares.certificates.selectors import EXPIRED, REVOKED, VALID, certificate_verification, with_validity
from palmares.certificates.services import certificate_revoke, certificates_issue
from palmares.models import Certificate
from palmares.publication.services import edition_unpublish
from tests.support import factories
from tests.support.certificates import make_publication

pytestmark = pytest.mark.django_db


def laureate_entry(edition, slug="banque-en-ligne", brand="azur"):
    category = factories.CategoryFactory(edition=edition, slug=slug, name=slug.replace("-", " ").capitalize())
    return factories.EntryFactory(category=category, brand=factories.BrandFactory(slug=brand, name=brand.title()))


def issue(entry, *, goes_live_at=None, overall=15.125):
    publication = make_publication(entry.category.edition, [(entry, overall)], goes_live_at=goes_live_at)
    certificates_issue(publication=publication)
    return Certificate.objects.get(publication=publication, entry=entry)


@pytest.fixture
def edition_2031():
    return factories.EditionFactory(country="FR", year=2031, name="Élu Service Client de l'Année 2031")


def test_verify_valid_certificate_shows_facts(client, edition_2031):
    certificate = issue(laureate_entry(edition_2031), overall=15.125)

    response = client.get(f"/verify/{certificate.code}/")

    body = response.content.decode()
    assert response.status_code == 200
    assert response.context["verification"].state == VALID
    assert "Azur" in body
    assert "Banque en ligne" in body
    assert "Élu Service Client de l&#x27;Année 2031" in body
    assert "15,13" in body  # rounded half up, French page
    assert 'href="/palmares/fr/2031/banque-en-ligne/"' in body
    assert response["Cache-Control"] == "public, max-age=60"  # issue 21: a CDN may keep it (revocation bumps ours)


def test_verify_unknown_code_is_404(client, db):
    response = client.get("/verify/K7QF2-MXA9H-TD3WR/")

    assert response.status_code == 404


def test_verify_malformed_code_is_404(client, db):
    response = client.get("/verify/not-a-code/")

    assert response.status_code == 404


def test_verify_typed_code_redirects_to_canonical(client, edition_2031):
    certificate = issue(laureate_entry(edition_2031))

    response = client.get(f"/verify/{certificate.code.lower().replace('-', '')}/")

    assert response.status_code == 301
    assert response["Location"] == f"/verify/{certificate.code}/"


def test_verify_publication_not_live_is_404(client, edition_2031):
    certificate = issue(laureate_entry(edition_2031), goes_live_at=timezone.now() + dt.timedelta(days=2))

    response = client.get(f"/verify/{certificate.code}/")

    assert response.status_code == 404


def test_verify_after_one_year_is_expired(client, edition_2031):
    certificate = issue(laureate_entry(edition_2031), goes_live_at=timezone.now() - dt.timedelta(days=367))

    response = client.get(f"/verify/{certificate.code}/")

    assert response.status_code == 200
    assert response.context["verification"].state == EXPIRED
    assert response.context["verification"].valid_until == certificate.valid_until


def test_verification_time_moved_past_valid_until_expires(edition_2031):
    certificate = issue(laureate_entry(edition_2031))

    before = certificate_verification(certificate=certificate, now=certificate.valid_until - dt.timedelta(seconds=1))
    after = certificate_verification(certificate=certificate, now=certificate.valid_until)

    assert (before.state, after.state) == (VALID, EXPIRED)


def test_verify_next_edition_published_expires_certificate(client, edition_2031):
    live = timezone.now() - dt.timedelta(days=100)
    certificate = issue(laureate_entry(edition_2031), goes_live_at=live)
    next_edition = factories.EditionFactory(country="FR", year=2032, name="Élu Service Client de l'Année 2032")
    next_live = timezone.now() - dt.timedelta(days=1)
    make_publication(next_edition, [(laureate_entry(next_edition, brand="bleu"), 14.0)], goes_live_at=next_live)

    response = client.get(f"/verify/{certificate.code}/")

    verification = response.context["verification"]
    assert verification.state == EXPIRED
    assert verification.valid_until == next_live
    assert verification.superseded_by.edition == next_edition
    assert "Élu Service Client de l&#x27;Année 2032" in response.content.decode()


def test_verify_next_edition_of_other_country_changes_nothing(client, edition_2031):
    certificate = issue(laureate_entry(edition_2031), goes_live_at=timezone.now() - dt.timedelta(days=100))
    spain = factories.EditionFactory(country="ES", year=2032)
    make_publication(spain, [(laureate_entry(spain, brand="sol"), 14.0)])

    response = client.get(f"/verify/{certificate.code}/")

    assert response.context["verification"].state == VALID


def test_verify_next_edition_scheduled_later_changes_nothing(client, edition_2031):
    certificate = issue(laureate_entry(edition_2031), goes_live_at=timezone.now() - dt.timedelta(days=100))
    next_edition = factories.EditionFactory(country="FR", year=2032)
    make_publication(
        next_edition,
        [(laureate_entry(next_edition, brand="bleu"), 14.0)],
        goes_live_at=timezone.now() + dt.timedelta(days=3),
    )

    response = client.get(f"/verify/{certificate.code}/")

    assert response.context["verification"].state == VALID


def test_verify_revoked_shows_reason(client, edition_2031, organiser):
    certificate = issue(laureate_entry(edition_2031))
    certificate_revoke(certificate=certificate, user=organiser, reason="Titre utilisé hors de sa catégorie.")

    response = client.get(f"/verify/{certificate.code}/")

    assert response.status_code == 200
    assert response.context["verification"].state == REVOKED
    assert "Titre utilisé hors de sa catégorie." in response.content.decode()


def test_verify_unpublished_edition_shows_revoked_without_palmares_link(
    client, edition_2031, django_capture_on_commit_callbacks
):
    certificate = issue(laureate_entry(edition_2031))
    organiser = factories.UserFactory(username="boss", is_staff=True)

    with django_capture_on_commit_callbacks(execute=True):
        edition_unpublish(edition=edition_2031, user=organiser, reason="Erreur de saisie d'une agence.")
    response = client.get(f"/verify/{certificate.code}/")

    assert response.status_code == 200
    assert response.context["verification"].state == REVOKED
    assert response.context["verification"].revoked_reason == "Erreur de saisie d'une agence."
    assert response.context["palmares_url"] is None


def test_verify_page_query_count(client, edition_2031, django_assert_num_queries):
    certificate = issue(laureate_entry(edition_2031))

    # certificate with its facts; the next edition's publication; the next scheduled go-live (how long the
    # page may stay cached); then served from the cache without any query
    with django_assert_num_queries(3):
        response = client.get(f"/verify/{certificate.code}/")
    with django_assert_num_queries(0):
        cached = client.get(f"/verify/{certificate.code}/")

    assert response.status_code == 200
    assert cached.content == response.content


def test_verify_page_in_english(client, edition_2031):
    certificate = issue(laureate_entry(edition_2031))

    response = client.get(f"/verify/{certificate.code}/", HTTP_ACCEPT_LANGUAGE="en")

    assert "Valid certificate" in response.content.decode()


def test_lookup_form_redirects_typed_code(client, db):
    response = client.get("/verify/", {"code": " k7qf2 mxa9h td3wr "})

    assert response.status_code == 302
    assert response["Location"] == "/verify/K7QF2-MXA9H-TD3WR/"


def test_lookup_form_bad_code_explains(client, db):
    response = client.get("/verify/", {"code": "K7QF2-0000"}, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 400
    assert "15 letters and digits" in response.content.decode()


def test_lookup_form_empty_shows_form(client, db):
    response = client.get("/verify/")

    assert response.status_code == 200
    assert 'name="code"' in response.content.decode()


def test_verify_publication_withdrawn_before_go_live_is_404(client, edition_2031):
    now = timezone.now()
    certificate = issue(laureate_entry(edition_2031), goes_live_at=now - dt.timedelta(minutes=1))
    publication = certificate.publication
    # Withdrawn two minutes before its planned go-live: it was never public.
    publication.is_current, publication.unpublished_at = False, now - dt.timedelta(minutes=2)
    publication.save(update_fields=["is_current", "unpublished_at"])

    response = client.get(f"/verify/{certificate.code}/")

    assert response.status_code == 404


def test_verify_dates_shown_in_edition_time_zone(client, db):
    edition = factories.EditionFactory(country="FR", year=2031, time_zone="America/Martinique")
    live = dt.datetime(2026, 3, 12, 2, 0, tzinfo=dt.UTC)  # still 11 March in Martinique
    certificate = issue(laureate_entry(edition), goes_live_at=live)

    response = client.get(f"/verify/{certificate.code}/", HTTP_ACCEPT_LANGUAGE="en")

    assert "March 11, 2026" in response.content.decode()


def test_list_state_agrees_with_verification(edition_2031, organiser):
    now = timezone.now()
    valid = issue(laureate_entry(edition_2031, slug="valide", brand="a"), goes_live_at=now - dt.timedelta(days=10))
    old_edition = factories.EditionFactory(country="FR", year=2029)
    aged = issue(laureate_entry(old_edition, slug="ancienne", brand="b"), goes_live_at=now - dt.timedelta(days=400))
    superseded_edition = factories.EditionFactory(country="FR", year=2030)
    superseded = issue(
        laureate_entry(superseded_edition, slug="remplacee", brand="c"), goes_live_at=now - dt.timedelta(days=200)
    )
    revoked = issue(laureate_entry(factories.EditionFactory(country="ES", year=2031), slug="r", brand="d"))
    certificate_revoke(certificate=revoked, user=organiser, reason="Motif")
    revoked.refresh_from_db()

    listed = dict(with_validity(Certificate.objects.all(), now=now).values_list("pk", "state"))
    verified = {
        c.pk: certificate_verification(certificate=c, now=now).state for c in (valid, aged, superseded, revoked)
    }

    assert listed == verified
    assert verified == {valid.pk: VALID, aged.pk: EXPIRED, superseded.pk: EXPIRED, revoked.pk: REVOKED}
