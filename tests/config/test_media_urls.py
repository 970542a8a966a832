"""In development (DEBUG) the media folder is served only for its public files: the development signing
key kept in MEDIA_ROOT/signing/ (API.md) and the private uploads are never downloadable (issue 16 follow-up)."""

import importlib
from pathlib import Path

import pytest
from django.urls import clear_url_caches

import config.urls
from mystery_tests import provenance


@pytest.fixture
def debug_urls(settings):
    """The project's URLs as built with DEBUG on (the media patterns are decided when urls.py loads)."""
    settings.DEBUG = True
    importlib.reload(config.urls)
    clear_url_caches()
    yield
    settings.DEBUG = False
    importlib.reload(config.urls)
    clear_url_caches()


def _media_file(settings, relative: str, content: bytes) -> None:
    path = Path(settings.MEDIA_ROOT) / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)


def test_development_signing_key_with_debug_on_is_not_served(settings, client, db, debug_urls):
    # Arrange: the key generated in the media folder, as a development server does
    settings.SIGNING_KEY = ""
    provenance._development_pem()
    assert (Path(settings.MEDIA_ROOT) / provenance.DEV_KEY_PATH).exists()

    # Act
    response = client.get(f"{settings.MEDIA_URL}{provenance.DEV_KEY_PATH.as_posix()}")

    # Assert
    assert response.status_code == 404
    assert b"PRIVATE KEY" not in b"".join(getattr(response, "streaming_content", [response.content]))


@pytest.mark.parametrize("relative", ["imports/2027/05/semaine.csv", "reports/scorecard.pdf", "appeals/proof.pdf"])
def test_private_media_with_debug_on_is_not_served(settings, client, db, debug_urls, relative):
    # Arrange
    _media_file(settings, relative, b"confidential")

    # Act
    response = client.get(f"{settings.MEDIA_URL}{relative}")

    # Assert
    assert response.status_code == 404


@pytest.mark.parametrize("climb", ["brands/../signing/ed25519.pem", "brands/%2e%2e/signing/ed25519.pem"])
def test_signing_key_reached_from_a_public_folder_with_debug_on_is_not_served(settings, client, db, debug_urls, climb):
    # Arrange
    settings.SIGNING_KEY = ""
    provenance._development_pem()

    # Act
    response = client.get(f"{settings.MEDIA_URL}{climb}")

    # Assert: Django's answer to a path leaving its folder (SuspiciousFileOperation), nothing served
    assert response.status_code == 400
    assert b"PRIVATE KEY" not in response.content


def test_brand_logo_with_debug_on_is_served(settings, client, db, debug_urls):
    # Arrange
    _media_file(settings, "brands/logo.png", b"logo bytes")

    # Act
    response = client.get(f"{settings.MEDIA_URL}brands/logo.png")

    # Assert
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"logo bytes"
