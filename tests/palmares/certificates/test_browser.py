"""Certificates in a real browser: a customer types the code printed on a framed certificate
and reads its state; the laureate's member downloads the PDF from the portal route.

Headless Debian chromium through Playwright (never a downloaded browser); screenshots are
kept in artifacts/ (gitignored) for a human look.
"""

from pathlib import Path

import pytest

from palmares.certificates.services import certificate_render, certificates_issue
from tests.support import factories
from tests.support.browser import ARTIFACTS
from tests.support.certificates import make_publication
from tests.support.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def certificate(db):
    edition = factories.EditionFactory(country="FR", year=2031, name="Élu Service Client de l'Année 2031")
    category = factories.CategoryFactory(edition=edition, slug="banque-en-ligne", name="Banque en ligne")
    entry = factories.EntryFactory(category=category, brand=factories.BrandFactory(slug="azur", name="Banque Azur"))
    certificate = certificates_issue(publication=make_publication(edition, [(entry, 15.125)]))[0]
    certificate_render(certificate=certificate)
    return certificate


def test_browser_typed_code_shows_valid_certificate_in_french(live_server, browser, certificate):
    page = browser.new_context(locale="fr-FR", viewport={"width": 1100, "height": 900}).new_page()

    page.goto(f"{live_server.url}/verify/")
    page.fill("#id_code", certificate.code.lower().replace("-", " "))
    page.press("#id_code", "Enter")
    page.wait_for_load_state()
    page.screenshot(path=str(ARTIFACTS / "certificates-verify-valid-fr.png"), full_page=True)

    assert page.url == f"{live_server.url}/verify/{certificate.code}/"
    assert page.locator("h1").inner_text() == "Certificat valable"
    assert page.locator(".verify-brand").inner_text() == "Banque Azur"
    assert page.get_by_role("link", name="Voir le palmarès « Banque en ligne »").get_attribute("href") == (
        "/palmares/fr/2031/banque-en-ligne/"
    )


def test_browser_member_downloads_pdf(live_server, browser, certificate):
    member = factories.BrandMembershipFactory(brand=certificate.entry.brand, user__username="azur-member").user
    page = browser.new_context(locale="en-GB", accept_downloads=True).new_page()
    page.goto(f"{live_server.url}/accounts/login/?next=/portal/")
    page.fill("input[name=username]", member.username)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form [type=submit]").last.click()
    page.wait_for_load_state()

    with page.expect_download() as download:
        page.evaluate(f"window.location.href = '/portal/certificates/{certificate.code}.pdf'")

    path = download.value.path()
    assert download.value.suggested_filename == "certificate-fr-2031-banque-en-ligne-azur.pdf"
    assert Path(path).read_bytes()[:5] == b"%PDF-"
