"""An organiser through a season in the console, on the demo (issue 18), in headless Chromium at
1366 px: the season dashboard after login, a campaign's progress against quotas, the quality review
(filter, tick, exclude with a reason), an appeal answered, a what-if computed, the edition published.
"""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from demo import services as demo
from election.models import Edition
from mystery_tests.models import Campaign, TestResult
from palmares.models import Appeal, Publication
from tests.support.browser import chromium, shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_organiser_checks_progress_reviews_answers_an_appeal_tries_a_what_if_and_publishes(live_server):
    # Arrange: the demo's open 2027 season, and an appeal a brand member filed on one of its tests.
    ids = demo.seed(scale=0.1, say=lambda _text: None)["editions"]
    edition = Edition.objects.get(pk=ids[2027])
    campaign = Campaign.objects.filter(edition=edition).order_by("pk").first()
    counted = TestResult.objects.filter(campaign__edition=edition, excluded=False).order_by("score", "pk")
    appealed = counted.last()
    member = get_user_model().objects.get(username=demo.BRAND_MEMBER["username"])
    appeal = Appeal.objects.create(result=appealed, entry=appealed.entry, filed_by=member, reason="Appel hors horaires")
    base = live_server.url

    with chromium() as browser:
        page = browser.new_context(locale="en-GB", viewport={"width": 1366, "height": 900}).new_page()

        # Act 1: log in, land on the season dashboard.
        page.goto(f"{base}/accounts/login/")
        page.fill("input[name=username]", demo.ORGANISER["username"])
        page.fill("input[name=password]", demo.ORGANISER["password"])
        page.locator("main form [type=submit]").last.click()
        page.wait_for_url(f"{base}/admin/")
        dashboard = page.inner_text(f"[data-testid=season-{edition.pk}]")

        # Act 2: the campaign's progress against quotas.
        page.goto(f"{base}/admin/mystery_tests/campaign/{campaign.pk}/change/")
        page.get_by_role("link", name="Progress against quotas").click()
        page.wait_for_url(f"{base}/admin/mystery_tests/campaign/{campaign.pk}/progress/")
        progress_heading = page.inner_text("h1")

        # Act 3: the weakest tests of the season, two ticked and excluded with a reason.
        page.goto(f"{base}/admin/mystery_tests/testresult/?edition={edition.pk}&score_band=0-5")
        page.locator("input.action-select").nth(0).check()
        page.locator("input.action-select").nth(1).check()
        page.select_option("select[name=action]", "exclude_results")
        page.locator("button[name=index], input[name=index]").first.click()
        page.fill("textarea[name=reason]", "Scénario non respecté")
        page.get_by_role("button", name="Confirm").click()
        page.wait_for_selector("ul.messagelist li.success")
        review_message = page.inner_text("ul.messagelist")
        shot(page, "console-season-review-1366")

        # Act 4: the appeal answered (rejected) on its page.
        page.goto(f"{base}/admin/palmares/appeal/{appeal.pk}/change/")
        page.fill("textarea[name=answer]", "L'appel a eu lieu dans les horaires publiés.")
        page.get_by_role("button", name="Reject the appeal").click()
        page.wait_for_selector("ul.messagelist li")

        # Act 5: a what-if on the current data.
        page.goto(f"{base}/admin/scoring/categoryranking/edition/{edition.pk}/what-if/")
        page.get_by_role("button", name="Compute").click()
        page.wait_for_selector("table.scoring-table")
        what_if = page.inner_text("#content-main h2")

        # Act 6: publish.
        page.goto(f"{base}/admin/palmares/publication/add/?edition={edition.pk}")
        page.get_by_role("button", name="Freeze and publish").click()
        page.wait_for_selector("ul.messagelist li.success")
        shot(page, "console-season-published-1366")
        page.context.close()

    # Assert
    assert edition.name in dashboard or str(edition.year) in dashboard
    assert "Progress" in progress_heading
    assert "2 tests excluded." in review_message
    assert TestResult.objects.filter(excluded=True, exclusion_reason="Scénario non respecté").count() == 2
    appeal.refresh_from_db()
    assert appeal.status == Appeal.Status.REJECTED
    assert "would change laureate" in what_if
    edition.refresh_from_db()
    assert edition.is_frozen
    assert Publication.objects.filter(edition=edition).exists()
