"""Published pages served whole from the cache to anonymous visitors (issue 21): no cookie, no CSRF token,
``Cache-Control: public, max-age`` for a CDN, and never stale after a publication, an unpublication or a
revocation."""

import pytest
from django.core.cache import cache
from django.test import Client

from palmares.certificates.services import certificate_revoke, certificates_issue
from palmares.models import Certificate
from palmares.publication import services
from tests.support import factories
from tests.support.certificates import make_publication
from tests.support.palmares import build_world, recompute

pytestmark = pytest.mark.django_db

EDITION = "/palmares/fr/2031/"
PUBLIC_PAGES = [EDITION, "/palmares/fr/2031/banque/", "/palmares/fr/2031/methodology/", "/palmares/"]


@pytest.fixture
def world():
    w = build_world()
    recompute(w)
    return w


def _publish(world, capture):
    with capture(execute=True):
        services.edition_publish(edition=world.edition)


def test_public_pages_anonymous_no_cookie_and_public_cache_control(world, settings, django_capture_on_commit_callbacks):
    # Arrange
    settings.PUBLIC_PAGE_MAX_AGE = 60
    _publish(world, django_capture_on_commit_callbacks)
    Client().get(EDITION)  # fills the cache

    # Act: served once from a fresh render, once from the cache, per page
    responses = [Client().get(url) for url in PUBLIC_PAGES for _ in range(2)]

    # Assert
    assert [r.status_code for r in responses] == [200] * len(responses)
    for response in responses:
        assert not response.cookies, response.cookies
        assert "csrfmiddlewaretoken" not in response.content.decode()
        assert {p.strip() for p in response["Cache-Control"].split(",")} == {"public", "max-age=60"}
        assert "Accept-Language" in response["Vary"]
        assert "Content-Security-Policy" in response


def test_public_page_signed_in_stays_private(world, organiser, django_capture_on_commit_callbacks):
    # Arrange
    _publish(world, django_capture_on_commit_callbacks)
    client = Client()
    client.force_login(organiser)

    # Act
    response = client.get(EDITION)

    # Assert
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"


def test_public_page_never_stale_after_unpublish_and_republish(world, organiser, django_capture_on_commit_callbacks):
    # Arrange: the page is cached
    _publish(world, django_capture_on_commit_callbacks)
    assert Client().get(EDITION).status_code == 200
    assert Client().get(EDITION).status_code == 200

    # Act
    with django_capture_on_commit_callbacks(execute=True):
        services.edition_unpublish(edition=world.edition, user=organiser, reason="Erreur")
    withdrawn = [Client().get(url).status_code for url in PUBLIC_PAGES[:3]]
    home_withdrawn = Client().get("/palmares/").content.decode()
    _publish(world, django_capture_on_commit_callbacks)
    republished = [Client().get(url).status_code for url in PUBLIC_PAGES[:3]]

    # Assert
    assert withdrawn == [404, 404, 404]
    assert EDITION not in home_withdrawn
    assert republished == [200, 200, 200]


def _certificate():
    edition = factories.EditionFactory(country="FR", year=2031, name="Élu 2031")
    category = factories.CategoryFactory(edition=edition, slug="banque-en-ligne", name="Banque en ligne")
    entry = factories.EntryFactory(category=category, brand=factories.BrandFactory(slug="azur", name="Azur"))
    publication = make_publication(edition, [(entry, 15.125)])
    certificates_issue(publication=publication)
    return Certificate.objects.get(publication=publication, entry=entry)


def test_verification_page_cached_then_fresh_after_revocation(organiser, django_capture_on_commit_callbacks):
    # Arrange: read twice, so that the second answer comes from the cache
    certificate = _certificate()
    url = f"/verify/{certificate.code}/"
    first = Client().get(url)
    cached = Client().get(url)

    # Act
    with django_capture_on_commit_callbacks(execute=True):
        certificate_revoke(certificate=certificate, user=organiser, reason="Titre utilisé hors de sa catégorie.")
    after = Client().get(url)

    # Assert
    assert first.context is not None  # rendered
    assert cached.context is None  # whole from the cache
    assert cached.content == first.content
    assert "public" in cached["Cache-Control"]
    assert not cached.cookies
    assert "Titre utilisé hors de sa catégorie." not in cached.content.decode()
    assert "Titre utilisé hors de sa catégorie." in after.content.decode()


def test_verification_page_from_the_views_cache_is_kept_by_the_middleware_again(db):
    # Arrange: rendered once, then the middleware's copy expires (the view's own copy lives longer)
    certificate = _certificate()
    url = f"/verify/{certificate.code}/"
    first = Client(HTTP_ACCEPT_LANGUAGE="fr").get(url)
    kept_key = f"public-pages:testserver:fr:{url}"
    assert cache.get(kept_key) is not None
    cache.delete(kept_key)

    # Act: answered by the view from its cache
    again = Client(HTTP_ACCEPT_LANGUAGE="fr").get(url)

    # Assert: the middleware keeps it again, so the next visitors skip the view
    assert again.content == first.content
    assert cache.get(kept_key) is not None


def test_verification_page_signed_in_rendered_afresh_never_public(organiser):
    # Arrange
    certificate = _certificate()
    client = Client()
    client.force_login(organiser)

    # Act
    responses = [client.get(f"/verify/{certificate.code}/") for _ in range(2)]

    # Assert
    assert all(r.context is not None for r in responses)
    assert all("public" not in r["Cache-Control"] for r in responses)


def test_language_switch_link_refuses_foreign_next_and_unknown_language(db):
    # Act
    foreign = Client().get("/i18n/language/en/?next=https://evil.example/")
    unknown = Client().get("/i18n/language/xx/?next=/palmares/")

    # Assert
    assert foreign.status_code == 302
    assert foreign["Location"] == "/"
    assert foreign.cookies["django_language"].value == "en"
    assert unknown.status_code == 404


def test_public_page_answered_by_middleware_keeps_headers_and_skips_sessions(
    world, organiser, django_capture_on_commit_callbacks
):
    # Arrange: a first anonymous visit keeps the page
    _publish(world, django_capture_on_commit_callbacks)
    first = Client().get(EDITION)
    signed_in = Client()
    signed_in.force_login(organiser)

    # Act
    kept = Client().get(EDITION)
    with_query = Client().get(EDITION + "?utm=x")
    member = signed_in.get(EDITION)

    # Assert: the kept answer is the page with its headers, never for a session or a query string
    assert first.context is not None
    assert kept.context is None
    assert kept.content == first.content
    for header in ("Content-Security-Policy", "Cache-Control", "Vary", "Content-Language", "X-Frame-Options"):
        assert kept[header] == first[header], header
    assert with_query.context is not None
    assert member.context is not None
    assert member["Cache-Control"] == "private, no-store"


def test_public_page_kept_per_language(world, django_capture_on_commit_callbacks):
    # Arrange
    _publish(world, django_capture_on_commit_callbacks)
    Client(HTTP_ACCEPT_LANGUAGE="fr").get(EDITION)

    # Act
    english = Client(HTTP_ACCEPT_LANGUAGE="en").get(EDITION)
    french = Client(HTTP_ACCEPT_LANGUAGE="fr").get(EDITION)

    # Assert
    assert '<html lang="en">' in english.content.decode()
    assert '<html lang="fr">' in french.content.decode()
