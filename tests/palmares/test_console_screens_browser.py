"""The organiser console in headless Chromium on the demo season (issue 18): at 1366 px no page of
the dashboard, the changelists and the change forms of the main models, the campaign progress, the
rankings overview and the what-if is wider than the window, and
axe finds no critical or serious violation there, in French and English.
"""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.contrib.auth import get_user_model

from demo import services as demo
from election.models import Edition
from mystery_tests.models import Campaign
from tests.palmares.test_console_language import MODELS
from tests.support.browser import chromium, shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LOCALES = ("fr-FR", "en-GB")
# Tables that hold data wider than a screen scroll inside their own box (Django's changelist does
# so since 4.1); the page itself must not.
PAGE_WIDTH = "() => [document.documentElement.scrollWidth, window.innerWidth]"


@pytest.fixture
def season():
    demo.seed(scale=0.1, say=lambda _text: None)
    return get_user_model().objects.get(username=demo.ORGANISER["username"])


def _paths() -> list[str]:
    paths = ["/admin/"]
    for path, model in MODELS.items():
        paths.append(f"/admin/{path}/")
        obj = model.objects.order_by("-pk").first()
        if obj is not None:
            paths.append(f"/admin/{path}/{obj.pk}/change/")
    # The custom pages an organiser works in all season (they overflowed: progress by 149 px).
    edition = Edition.objects.filter(frozen_at__isnull=True).order_by("-year").first()
    campaign = Campaign.objects.filter(edition=edition).order_by("pk").first()
    paths += [
        f"/admin/mystery_tests/campaign/{campaign.pk}/progress/",
        f"/admin/scoring/categoryranking/edition/{edition.pk}/",
        f"/admin/scoring/categoryranking/edition/{edition.pk}/what-if/",
    ]
    return paths


def test_console_pages_fit_1366_px_and_have_no_serious_axe_violation(live_server, season):
    # Arrange
    axe = Axe()
    paths = _paths()
    too_wide, violations = [], []
    with chromium() as browser:
        for locale in LOCALES:
            page = browser.new_context(locale=locale, viewport={"width": 1366, "height": 900}).new_page()
            page.goto(f"{live_server.url}/accounts/login/")
            page.fill("input[name=username]", demo.ORGANISER["username"])
            page.fill("input[name=password]", demo.ORGANISER["password"])
            page.locator("main form [type=submit]").last.click()
            page.wait_for_url(f"{live_server.url}/admin/")
            for path in paths:
                # Act
                page.goto(live_server.url + path)
                scroll, window = page.evaluate(PAGE_WIDTH)
                if scroll > window:
                    too_wide.append((locale, path, scroll - window))
                    shot(page, f"console-too-wide-{locale}-{path.strip('/').replace('/', '-')}")
                results = axe.run(page)
                violations += [
                    (locale, path, v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
                    for v in results.response["violations"]
                    if v["impact"] in ("critical", "serious")
                ]
            page.context.close()

    # Assert
    assert {"too wide": too_wide, "axe": violations} == {"too wide": [], "axe": []}
