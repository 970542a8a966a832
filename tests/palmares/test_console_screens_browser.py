"""The organiser console in headless Chromium on the demo season (issue 18): at 1366 px no page of
the dashboard, the changelists, add and change forms of the main models, the campaign progress and
balance, the rankings overview, a category's ranking, the what-if and the shopper effect is wider than
the window, and axe finds no critical or serious violation there, in French and English; on a tablet
(768 px) none of them is wider than the window either.
"""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.contrib.auth import get_user_model

from demo import services as demo
from election.models import Edition
from mystery_tests.models import Campaign, TestResult
from palmares.models import Appeal
from scoring.models import CategoryRanking
from tests.palmares.test_console_language import admin_pages
from tests.support.browser import chromium, shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LOCALES = ("fr-FR", "en-GB")
# Tables that hold data wider than a screen scroll inside their own box (Django's changelist does
# so since 4.1); the page itself must not.
PAGE_WIDTH = "() => [document.documentElement.scrollWidth, window.innerWidth]"


@pytest.fixture
def season():
    ids = demo.seed(scale=0.1, say=lambda _text: None)["editions"]
    # An open appeal on the open season: its page shows what accepting it would change (a wide table).
    result = TestResult.objects.filter(campaign__edition_id=ids[2027], excluded=False).order_by("pk").first()
    member = get_user_model().objects.get(username=demo.BRAND_MEMBER["username"])
    Appeal.objects.create(result=result, entry=result.entry, filed_by=member, reason="Appel hors horaires")
    return get_user_model().objects.get(username=demo.ORGANISER["username"])


def _paths() -> list[str]:
    paths = admin_pages()
    # The custom pages an organiser works in all season (they overflowed: progress by 149 px).
    edition = Edition.objects.filter(frozen_at__isnull=True).order_by("-year").first()
    campaign = Campaign.objects.filter(edition=edition).order_by("pk").first()
    ranking = CategoryRanking.objects.filter(category__edition=edition).order_by("pk").first()
    published = Edition.objects.filter(frozen_at__isnull=False).order_by("-year").first()
    paths += [
        f"/admin/election/edition/{published.pk}/change/",  # read-only, with the frozen banner
        "/admin/election/edition/add/",
        "/admin/election/entry/add/",
        f"/admin/mystery_tests/campaign/{campaign.pk}/progress/",
        f"/admin/mystery_tests/campaign/{campaign.pk}/balance/",
        f"/admin/scoring/categoryranking/edition/{edition.pk}/",
        f"/admin/scoring/categoryranking/category/{ranking.category_id}/",
        f"/admin/scoring/categoryranking/edition/{edition.pk}/what-if/",
        f"/admin/scoring/categoryranking/edition/{edition.pk}/shopper-effect/",
    ]
    return paths


def _visit(browser, base: str, paths: list[str], *, locale: str, width: int, axe: Axe | None = None):
    """Log the organiser in at ``width`` px and open each page: the pages wider than the window (with
    a screenshot) and, given ``axe``, the critical or serious violations."""
    too_wide, violations = [], []
    page = browser.new_context(locale=locale, viewport={"width": width, "height": 900}).new_page()
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", demo.ORGANISER["username"])
    page.fill("input[name=password]", demo.ORGANISER["password"])
    page.locator("main form [type=submit]").last.click()
    page.wait_for_url(f"{base}/admin/")
    for path in paths:
        response = page.goto(base + path)
        assert response.status == 200, (path, response.status)
        scroll, window = page.evaluate(PAGE_WIDTH)
        if scroll > window:
            too_wide.append((locale, width, path, scroll - window))
            shot(page, f"console-too-wide-{width}-{locale}-{path.strip('/').replace('/', '-')}")
        if axe is not None:
            violations += [
                (locale, path, v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
                for v in axe.run(page).response["violations"]
                if v["impact"] in ("critical", "serious")
            ]
    page.context.close()
    return too_wide, violations


def test_console_pages_fit_1366_px_and_have_no_serious_axe_violation(live_server, season):
    # Arrange
    axe = Axe()
    paths = _paths()
    too_wide, violations = [], []
    with chromium() as browser:
        for locale in LOCALES:
            # Act
            wide, found = _visit(browser, live_server.url, paths, locale=locale, width=1366, axe=axe)
            too_wide += wide
            violations += found

    # Assert
    assert {"too wide": too_wide, "axe": violations} == {"too wide": [], "axe": []}


def test_console_pages_fit_a_tablet(live_server, season):
    # Arrange
    paths = _paths()
    too_wide = []
    with chromium() as browser:
        for locale in LOCALES:
            # Act
            too_wide += _visit(browser, live_server.url, paths, locale=locale, width=768)[0]

    # Assert
    assert too_wide == []
