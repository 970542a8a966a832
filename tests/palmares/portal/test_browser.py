"""The brand portal in a real browser: log in, read a scorecard, download its PDF.

Headless Debian chromium through Playwright (never a downloaded browser); screenshots and the
PDF are kept in artifacts/ (gitignored) for a human look.
"""

import pytest

from election.models import BrandMembership
from tests.support import factories
from tests.support.browser import ARTIFACTS, log_in, new_page
from tests.support.factories import PASSWORD
from tests.support.world import season

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def browser_page(browser):
    return new_page(browser)


def _member(entry, username: str) -> None:
    BrandMembership.objects.create(user=factories.UserFactory(username=username), brand=entry.brand)


def test_browser_member_logs_in_reads_scorecard_and_downloads_pdf(live_server, browser_page):
    edition, category, entries = season(year=2041, published=True)
    _member(entries[0], "directrice-azur")
    page = browser_page

    log_in(page, live_server.url, "directrice-azur", next_url="/portal/")
    page.screenshot(path=str(ARTIFACTS / "portal-home.png"), full_page=True)
    page.click(f"a[href='/portal/scorecards/{entries[0].pk}/']")
    page.wait_for_selector("[data-testid=overall]")
    page.screenshot(path=str(ARTIFACTS / "portal-scorecard.png"), full_page=True)
    overall = page.inner_text("[data-testid=overall]")
    rank = page.inner_text("[data-testid=rank]")
    with page.expect_download() as download_info:
        page.click("[data-testid=download-pdf]")
    download = download_info.value
    target = ARTIFACTS / "portal-scorecard.pdf"
    download.save_as(str(target))

    assert overall.startswith(page.inner_text("[data-testid=overall]").split("/")[0])
    assert "sur 6" in rank
    assert download.suggested_filename == f"scorecard-{edition.year}-banque-en-ligne-banque-azur.pdf"
    assert target.read_bytes()[:5] == b"%PDF-"


def test_browser_other_brand_scorecard_is_not_found(live_server, browser_page):
    edition, category, entries = season(year=2042, entries=3)
    _member(entries[1], "directeur-horizon")
    page = browser_page

    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "directeur-horizon")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit].button")
    page.wait_for_url(f"{live_server.url}/portal/")
    response = page.goto(f"{live_server.url}/portal/scorecards/{entries[0].pk}/")

    assert response.status == 404
