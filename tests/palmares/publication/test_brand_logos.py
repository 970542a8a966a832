"""Brand logos (issue 19): shown, when the brand has one, on the public edition, category and brand pages,
on the portal home and in the scorecard PDF — a fixed box (width and height given: no layout shift), lazy
loading, an alt text."""

import re

import pytest
from django.core.files.base import ContentFile
from django.test import Client

from demo.services import logo_svg
from palmares.portal.scorecard import scorecard_cached
from palmares.portal.services import report_fingerprint, report_html
from palmares.publication import services
from tests.support.palmares import build_world, recompute
from tests.support.world import small_world

pytestmark = pytest.mark.django_db

IMG = re.compile(r'<img class="brand-logo brand-logo-(\d+)" src="([^"]+)" alt="([^"]+)" width="(\d+)" height="(\d+)"')


def _give_logo(brand) -> None:
    brand.logo.save(f"{brand.slug}.svg", ContentFile(logo_svg(brand.name, 0)), save=True)


def _page(path: str, language: str = "en") -> str:
    response = Client(HTTP_ACCEPT_LANGUAGE=language).get(path)
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def published():
    world = build_world()
    _give_logo(world.laureate_brand)
    recompute(world)
    services.edition_publish(edition=world.edition)
    return world


def test_laureate_logo_on_the_edition_category_and_brand_pages(published):
    brand = published.laureate_brand

    # Act
    pages = {
        "edition": _page("/palmares/fr/2031/"),
        "category": _page("/palmares/fr/2031/banque/"),
        "brand": _page(f"/palmares/brands/{brand.slug}/", "fr"),
    }

    # Assert: one logo each, its box fixed, the image lazy, the alt naming the brand in the reader's language
    for name, body in pages.items():
        found = IMG.findall(body)
        assert len(found) == 1, name
        size, src, alt, width, height = found[0]
        assert src == brand.logo.url and width == height == size
        assert 'loading="lazy"' in body
    assert IMG.findall(pages["edition"])[0][2] == f"Logo of {brand.name}"
    assert IMG.findall(pages["brand"])[0][2] == f"Logo de {brand.name}"


def test_brand_without_a_logo_shows_no_image(published):
    # Act
    published.laureate_brand.logo.delete(save=True)
    body = _page("/palmares/fr/2031/banque/", "fr")

    # Assert (the page was not cached with the logo before: first render)
    assert "brand-logo" not in body


def test_logo_on_the_portal_home():
    # Arrange
    world = small_world()
    _give_logo(world.a.brand)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(world.member_a)

    # Act
    body = client.get("/portal/").content.decode()

    # Assert
    (found,) = IMG.findall(body)
    assert found[1] == world.a.brand.logo.url and found[2] == f"Logo of {world.a.brand.name}"


def test_demo_logo_is_an_svg_of_the_brands_initials_escaped():
    svg = logo_svg("Assur'Route & Co", 1).decode()

    assert svg.startswith("<svg") and ">AR</text>" in svg
    assert "&" not in svg.replace("&amp;", "")


def test_scorecard_pdf_prints_the_brands_logo_and_is_redone_when_it_changes():
    # Arrange
    world = small_world()
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(world.member_a)
    path = f"/portal/scorecards/{world.a.pk}/report.pdf"
    card = scorecard_cached(entry=world.a)
    without = report_fingerprint(card=card, language="en")

    # Act
    _give_logo(world.a.brand)
    html = report_html(card=card, language="en")
    response = client.get(path)

    # Assert: the logo inlined (WeasyPrint fetches nothing), the cached PDF's fingerprint changed with it
    assert 'class="report-logo" src="data:image/svg+xml;base64,' in html
    assert f'alt="Logo of {world.a.brand.name}"' in html
    assert report_fingerprint(card=card, language="en") != without
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
