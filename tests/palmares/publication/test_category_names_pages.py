"""Category names in the reader's language (issue 19) on the public pages, the palmarès API, certificate
verification and the brand's scorecard, with the edition's name as the fallback; the caches of published
pages keep one copy per language."""

import io

import pytest
from django.test import Client
from pypdf import PdfReader

from palmares.certificates.services import certificates_issue
from palmares.models import Certificate, Publication
from palmares.publication import services
from tests.support.palmares import build_world, recompute
from tests.support.world import small_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def published():
    world = build_world()
    banque = world.categories["banque"]
    banque.name, banque.names = "Banque en ligne", {"en": "Online banking"}
    banque.save()
    recompute(world)
    services.edition_publish(edition=world.edition)
    return world


def _page(path: str, language: str) -> str:
    response = Client(HTTP_ACCEPT_LANGUAGE=language).get(path)
    assert response.status_code == 200
    return response.content.decode()


def test_category_page_names_the_category_in_each_readers_language_from_its_own_cache(published):
    path = "/palmares/fr/2031/banque/"

    # Act: English first, then French, then English again (served from the caches)
    english = _page(path, "en")
    french = _page(path, "fr")
    english_again = _page(path, "en")

    # Assert
    assert "<h1>Online banking</h1>" in english and "<h1>Online banking</h1>" in english_again
    assert "<h1>Banque en ligne</h1>" in french and "Online banking" not in french


def test_edition_home_and_brand_pages_use_the_readers_language_with_a_fallback(published):
    # Act
    edition_en = _page("/palmares/fr/2031/", "en")
    home_en, home_fr = _page("/palmares/", "en"), _page("/palmares/", "fr")
    brand_en = _page(f"/palmares/brands/{published.laureate_brand.slug}/", "en")

    # Assert: "Assurance" has no English name and keeps its own
    assert "Online banking" in edition_en and "Assurance" in edition_en
    assert "Online banking" in home_en and "Online banking" not in home_fr
    assert "Online banking" in brand_en


def test_palmares_api_keeps_name_and_adds_names(published):
    # Act
    body = Client().get(f"/api/v1/editions/{published.edition.pk}/palmares/").json()

    # Assert
    banque = next(c for c in body["categories"] if c["slug"] == "banque")
    assert banque["name"] == "Banque en ligne"
    assert banque["names"] == {"fr": "Banque en ligne", "en": "Online banking"}


def test_certificate_verification_names_the_category_in_the_readers_language(published):
    # Arrange
    certificates_issue(publication=Publication.objects.get(edition=published.edition, is_current=True))
    certificate = Certificate.objects.get(entry=published.entries["banque"][0])

    # Act
    english = _page(f"/verify/{certificate.code}/", "en")
    french = _page(f"/verify/{certificate.code}/", "fr")

    # Assert
    assert "Online banking" in english
    assert "Banque en ligne" in french and "Online banking" not in french


def test_scorecard_page_and_english_pdf_name_the_category_in_english():
    # Arrange
    world = small_world()
    world.category.names = {"en": "Online banking"}
    world.category.save()
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(world.member_a)

    # Act
    page = client.get(f"/portal/scorecards/{world.a.pk}/").content.decode()
    home = client.get("/portal/").content.decode()
    response = client.get(f"/portal/scorecards/{world.a.pk}/report.pdf")
    pdf = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(b"".join(response.streaming_content))).pages)

    # Assert
    assert "Online banking" in page and "Online banking" in home
    assert "Online banking" in pdf and "Banque en ligne" not in pdf
