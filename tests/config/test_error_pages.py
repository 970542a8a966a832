"""Public polish: branded 403/404/500 pages in French and English, the unknown certificate code's
404 page, robots.txt, the favicon, and SITE_URL in every address that leaves the site."""

import re
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.core import mail
from django.test import Client

from tests.support import factories

UNKNOWN_CODE = "K7QF2-MXA9H-TD3WR"


def visit(path: str, language: str, **extra):
    return Client(HTTP_ACCEPT_LANGUAGE=language, raise_request_exception=False).get(path, **extra)


# -- error pages (DEBUG off, as in production) ----------------------------------------------------


@pytest.fixture
def production_errors(settings):
    settings.DEBUG = False
    settings.ROOT_URLCONF = "tests.support.error_urls"


def in_both_languages(fr_title: str, en_title: str):
    """Runs a test on the page in French and in English: ``language``, its ``title`` and the ``other``
    language's title, which the page must not show."""
    return pytest.mark.parametrize(
        ("language", "title", "other"), [("fr", fr_title, en_title), ("en", en_title, fr_title)]
    )


def _branded(response, status: int, language: str, title: str, other: str = "") -> str:
    """The body of a branded error page, checked for its status, language, heading (and not the
    ``other`` language's) and the site's stylesheet."""
    body = response.content.decode()
    assert response.status_code == status
    assert f'<html lang="{language}">' in body
    assert f'<h1 id="error-title">{title}</h1>' in body
    assert not other or other not in body
    assert '<link rel="stylesheet" href="/static/css/site.css">' in body
    return body


@pytest.mark.django_db
@in_both_languages("Page introuvable", "Page not found")
def test_error_404_page_in_language(production_errors, language, title, other):
    # Act
    response = visit("/no-such-page/", language)

    # Assert
    body = _branded(response, 404, language, title, other)
    assert response["Content-Type"] == "text/html; charset=utf-8"
    assert 'href="/verify/"' in body and 'href="/palmares/"' in body


@pytest.mark.django_db
@in_both_languages("Accès refusé", "Access refused")
def test_error_403_page_in_language(production_errors, language, title, other):
    # Act
    response = visit("/test-errors/forbidden/", language)

    # Assert
    body = _branded(response, 403, language, title, other)
    assert "not for you" not in body  # the exception's message is not shown
    assert 'href="/accounts/login/?next=/test-errors/forbidden/"' in body


@pytest.mark.django_db
@in_both_languages("Formulaire expiré", "Form expired")
def test_error_csrf_failure_page_in_language(production_errors, language, title, other):
    # Arrange: a form posted without its CSRF token (an expired page, cookies refused)
    client = Client(HTTP_ACCEPT_LANGUAGE=language, enforce_csrf_checks=True)

    # Act
    response = client.post("/accounts/login/", {"username": "claire", "password": "x"})

    # Assert
    body = _branded(response, 403, language, title, other)
    assert "CSRF" not in body


@in_both_languages("Erreur du serveur", "Server error")
def test_error_500_page_in_language_without_database(production_errors, language, title, other):
    # Arrange: no django_db mark, so any query would fail the test: the page needs no database.

    # Act
    response = visit("/test-errors/broken/", language)

    # Assert
    body = _branded(response, 500, language, title, other)
    assert "boom" not in body and "Traceback" not in body


@pytest.mark.parametrize(("path", "status"), [("/api/v1/no-such-thing/", 404), ("/test-errors/broken/", 500)])
def test_error_page_without_inline_script(production_errors, path, status, db):
    # Act
    response = visit(path, "en")

    # Assert: nothing the CSP (script-src 'self') would block
    assert response.status_code == status
    assert "<script" not in response.content.decode()


@pytest.mark.django_db
def test_error_api_404_stays_json(production_errors):
    # Act
    response = visit("/api/v1/no-such-thing/", "fr")

    # Assert
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert list(response.json()) == ["detail"]


# -- an unknown certificate code ----------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("debug", [False, True])
def test_verify_unknown_code_page_says_no_such_certificate(settings, debug):
    # Arrange: with DEBUG on (the demo) too, the page is ours, not Django's debug 404
    settings.DEBUG = debug

    # Act
    response = visit(f"/verify/{UNKNOWN_CODE}/", "en")

    # Assert
    body = response.content.decode()
    assert response.status_code == 404
    assert '<h1 id="verify-title">No such certificate</h1>' in body
    assert f"has the code <code>{UNKNOWN_CODE}</code>" in body
    assert "the certificate is not genuine: do not rely on it" in body
    assert "Report it to the organisers of the award" in body
    assert response["X-Robots-Tag"] == "noindex"
    assert response["Cache-Control"] == "no-cache, max-age=0"


@pytest.mark.django_db
def test_verify_unknown_code_page_in_french_gives_contact_address(settings):
    # Arrange
    settings.CONTACT_EMAIL = "fraude@awards.example.org"

    # Act
    response = visit(f"/verify/{UNKNOWN_CODE}/", "fr")

    # Assert
    body = response.content.decode()
    assert response.status_code == 404
    assert '<h1 id="verify-title">Certificat inexistant</h1>' in body
    assert "Signaler un faux certificat" in body
    assert '<a href="mailto:fraude@awards.example.org">fraude@awards.example.org</a>' in body


@pytest.mark.django_db
def test_verify_malformed_code_page_escapes_what_was_typed(settings):
    # Act
    response = visit("/verify/<b>not-a-code/", "en")

    # Assert
    body = response.content.decode()
    assert response.status_code == 404
    assert "No such certificate" in body
    assert "<code>&lt;b&gt;not-a-code</code>" in body


# -- robots.txt and the favicon ---------------------------------------------------------------------


def test_robots_txt_allows_palmares_and_points_to_sitemap(settings):
    # Arrange
    settings.SITE_URL = "https://awards.example.org"

    # Act
    response = Client().get("/robots.txt")

    # Assert
    lines = response.content.decode().splitlines()
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert lines[:2] == ["User-agent: *", "Allow: /palmares/"]
    for path in ("/admin/", "/portal/", "/api/", "/accounts/"):
        assert f"Disallow: {path}" in lines
    assert "Disallow: /" not in lines and "Disallow: /palmares/" not in lines
    assert "Disallow: /verify/" not in lines  # crawlers must reach the pages to read their noindex
    assert lines[-1] == "Sitemap: https://awards.example.org/sitemap.xml"


def test_favicon_ico_redirects_to_svg_icon():
    # Act
    response = Client().get("/favicon.ico")

    # Assert
    assert response.status_code == 302
    assert response["Location"] == "/static/img/favicon.svg"
    icon = Path(finders.find("img/favicon.svg")).read_text()
    assert icon.startswith("<svg")


@pytest.mark.django_db
def test_base_template_links_svg_favicon():
    # Act
    body = Client().get("/verify/").content.decode()

    # Assert
    assert '<link rel="icon" href="/static/img/favicon.svg" type="image/svg+xml">' in body


# -- SITE_URL in every address that leaves the site ----------------------------------------------------


@pytest.mark.django_db
def test_password_reset_email_link_uses_site_url(settings):
    # Arrange
    settings.SITE_URL = "https://awards.example.org"
    factories.UserFactory(username="claire", email="claire@azur.example")

    # Act: the request's own host is not the public address
    response = Client(HTTP_HOST="10.0.0.7").post("/accounts/password_reset/", {"email": "claire@azur.example"})

    # Assert
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    links = re.findall(r"\S+/accounts/reset/\S+", mail.outbox[0].body)
    assert len(links) == 1 and links[0].startswith("https://awards.example.org/accounts/reset/")
    assert "10.0.0.7" not in mail.outbox[0].body
