"""The brand portal on a phone (390 px) and a desktop (1366 px), in French and English, in Debian's
chromium: no page wider than the window, no critical or serious axe violation, and a brand's whole
errand on a phone — log in, read the scorecard, appeal a test, download the PDF.

Screenshots at 390 px go to artifacts/ (gitignored) for a human look.
"""

import pytest
from axe_playwright_python.sync_playwright import Axe

from palmares.models import Appeal
from tests.support.appeals import build_world
from tests.support.browser import ARTIFACTS
from tests.support.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 768}


def _member_page(browser, base: str, *, viewport: dict, locale: str):
    context = browser.new_context(locale=locale, viewport=viewport, accept_downloads=True)
    page = context.new_page()
    page.goto(f"{base}/accounts/login/?next=/portal/")
    page.fill("input[name=username]", "membre-azur")
    page.fill("input[name=password]", PASSWORD)
    page.locator("main form [type=submit]").last.click()
    page.wait_for_url(f"{base}/portal/")
    return page


def _overflow(page) -> tuple[int, int]:
    return page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")


# The elements sticking out on the right (innermost first), to name the culprit in a failure.
_WIDE = """() => [...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > window.innerWidth + 0.5
               && ![...e.children].some(c => c.getBoundingClientRect().right > window.innerWidth + 0.5))
  .slice(0, 5)
  .map(e => e.tagName.toLowerCase() + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))"""


def _serious(page) -> list[str]:
    violations = Axe().run(page).response["violations"]
    return [
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}"
        for v in violations
        if v["impact"] in ("critical", "serious")
    ]


@pytest.mark.parametrize("locale", ["fr-FR", "en-GB"])
@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["390", "1366"])
def test_portal_pages_fit_the_window_and_pass_axe(live_server, browser, viewport, locale):
    world = build_world()
    base = live_server.url
    page = _member_page(browser, base, viewport=viewport, locale=locale)
    pages = {
        "home": "/portal/",
        "scorecard": f"/portal/scorecards/{world.azur.pk}/",
        "scorecard-filtered": f"/portal/scorecards/{world.azur.pk}/?channel=phone&reached=yes&band=5-10",
        "appeals": "/portal/appeals/",
        "appeal-form": f"/portal/appeals/new/{world.appealed.pk}/",
    }
    problems = {}

    for name, address in pages.items():
        page.goto(f"{base}{address}")
        page.wait_for_load_state()
        if viewport is PHONE:
            page.screenshot(path=str(ARTIFACTS / f"portal-390-{locale}-{name}.png"), full_page=True)
        width, inner = _overflow(page)
        found = ([f"{width}px wide in a {inner}px window", *page.evaluate(_WIDE)] if width > inner else []) + _serious(
            page
        )
        if found:
            problems[name] = found

    assert problems == {}


def test_brand_on_a_phone_reads_scorecard_appeals_a_test_and_downloads_pdf(live_server, browser):
    world = build_world()
    base = live_server.url
    page = _member_page(browser, base, viewport=PHONE, locale="fr-FR")

    page.get_by_role("link", name="Fiche de résultats").first.click()
    page.wait_for_selector("[data-testid=overall]")
    deadline = page.inner_text("[data-testid=open-period]")
    card = page.locator(f'li[data-test-id="{world.appealed.pk}"]')
    card.get_by_role("link", name="Contester ce test").click()
    page.wait_for_url(f"**/portal/appeals/new/{world.appealed.pk}/")
    page.fill("textarea[name=reason]", "Appel passé un dimanche à 20 h : nos lignes sont ouvertes du lundi au samedi.")
    page.locator("main form [type=submit]").last.click()
    page.wait_for_url("**/portal/appeals/")
    page.screenshot(path=str(ARTIFACTS / "portal-390-journey-appealed.png"), full_page=True)
    appeals_width = _overflow(page)
    page.goto(f"{base}/portal/scorecards/{world.azur.pk}/")
    with page.expect_download() as download_info:
        page.click("[data-testid=download-pdf]")
    target = ARTIFACTS / "portal-390-scorecard.pdf"
    download_info.value.save_as(str(target))

    assert deadline.startswith("Contestations ouvertes jusqu'au") and "Contester ce test" in deadline
    assert Appeal.objects.filter(result=world.appealed, status=Appeal.Status.OPEN).count() == 1
    assert appeals_width[0] <= appeals_width[1]
    assert target.read_bytes()[:5] == b"%PDF-"
