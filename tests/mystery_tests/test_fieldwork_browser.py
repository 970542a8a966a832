# ruff: noqa: F811  (the iworld fixture is imported and then requested by name)
"""The fieldwork plan as an agency lives it, in a real browser (issue 20): from its campaign to the plan
page (every entry behind plan two weeks in), the plan's CSV downloaded, a file of tests made as planned
(with their shopper and scenario) uploaded, and the plan page again with the tests counted in their week.

Headless Debian chromium through Playwright (never a downloaded browser).
"""

import csv
import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest

from mystery_tests.models import TestResult
from tests.support.browser import chromium, log_in, new_page, shot
from tests.support.world import HEADER, csv_bytes, iworld, row  # noqa: F401  (fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_browser_agency_reads_its_plan_uploads_planned_tests_and_sees_its_progress(live_server, iworld):
    # Arrange: a four-week campaign that started two weeks ago, scenarios S1 and S2
    edition = iworld.edition
    edition.scenarios = [{"code": "S1", "label": "Ouverture"}, {"code": "S2", "label": "Réclamation"}]
    edition.quota_email = edition.quota_web = edition.quota_chat = edition.quota_social = 0
    edition.quota_phone = 8
    edition.save()
    tz = ZoneInfo(edition.time_zone)
    today = dt.datetime.now(tz).date()
    campaign = iworld.campaign_a
    campaign.starts_on = today - dt.timedelta(days=14)
    campaign.ends_on = today + dt.timedelta(days=13)
    campaign.save()
    base = live_server.url

    with chromium() as browser:
        page = new_page(browser, locale="en-GB")
        log_in(page, base, "field-a", next_url="/agency/")

        # Act 1: from the campaign to its plan
        page.get_by_role("link", name=edition.name).click()
        page.locator("#plan-link").click()
        page.wait_for_url(f"{base}/agency/campaigns/{campaign.pk}/plan/")
        summary = page.locator("#behind-summary").inner_text()
        shot(page, "fieldwork-plan-before")

        # Act 2: the plan's CSV
        with page.expect_download() as download:
            page.get_by_role("link", name="Download the whole plan (CSV)").click()
        planned = list(csv.DictReader(io.StringIO(download.value.path().read_bytes().decode("utf-8-sig"))))

        # Act 3: banque-1's week-1 phone tests made as planned, uploaded as a file
        week_one = [p for p in planned if p["brand"] == "banque-1" and p["channel"] == "phone" and p["week"] == "1"]
        slot_start = {s["code"]: s["start"] for s in edition.slots}
        rows = []
        for n, p in enumerate(week_one, start=1):
            moment = dt.datetime.combine(dt.date.fromisoformat(p["date"]), dt.time.fromisoformat(slot_start[p["slot"]]))
            rows.append(
                row(n, performed_at=moment.replace(tzinfo=tz).isoformat(), shopper=p["shopper"], scenario=p["scenario"])
            )
        page.goto(f"{base}/agency/campaigns/{campaign.pk}/")
        page.set_input_files(
            "input[name=file]",
            files=[
                {
                    "name": "plan.csv",
                    "mimeType": "text/csv",
                    "buffer": csv_bytes(rows, header=[*HEADER, "shopper", "scenario"]),
                }
            ],
        )
        page.get_by_role("button", name="Import").click()
        page.wait_for_url(f"{base}/agency/imports/*/")
        page.wait_for_selector(".status-succeeded")

        # Act 4: the plan page again
        page.goto(f"{base}/agency/campaigns/{campaign.pk}/plan/")
        line = page.locator(f"tr[data-entry='{iworld.entries['banque-1'].pk}']")
        first_week = line.locator("td.num").first.inner_text()
        shot(page, "fieldwork-plan-after")

    # Assert
    assert summary == "3 entries are behind plan."
    assert len(planned) == 3 * 8
    assert {p["scenario"] for p in planned} == {"S1", "S2"}
    assert len(week_one) == 2
    assert first_week == "2 / 2"
    assert set(TestResult.objects.values_list("shopper", flat=True)) == {p["shopper"] for p in week_one}
