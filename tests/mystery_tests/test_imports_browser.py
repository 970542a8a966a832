# ruff: noqa: F811  (the iworld fixture is imported and then requested by name)
"""The agency upload page in a real browser: an agency member logs in, picks the campaign, drops a
file, follows the import and reads the errors table; the page's script follows a running import
through the API until it finishes.

Headless Debian chromium through Playwright (never a downloaded browser).
"""

import pytest

from mystery_tests.models import ImportJob, TestResult
from tests.support.factories import PASSWORD
from tests.support.world import csv_bytes, iworld, row  # noqa: F401  (fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _log_in(browser, base: str, username: str):
    page = browser.new_context(locale="en-GB").new_page()
    page.goto(f"{base}/accounts/login/?next=/agency/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.locator("main form [type=submit]").last.click()
    page.wait_for_url(f"{base}/agency/")
    return page


def test_browser_agency_uploads_file_and_reads_errors(live_server, browser, iworld):
    page = _log_in(browser, live_server.url, "field-a")

    page.get_by_role("link", name=iworld.edition.name).click()
    page.set_input_files(
        "input[name=file]",
        files=[
            {"name": "semaine-19.csv", "mimeType": "text/csv", "buffer": csv_bytes([row(1), row(2, greeting="deux")])}
        ],
    )
    page.get_by_role("button", name="Import").click()
    page.wait_for_url(f"{live_server.url}/agency/imports/*/")

    cells = page.locator("table.errors-table tbody tr").first.locator("td").all_inner_texts()
    assert cells[:2] == ["3", "greeting"]
    assert TestResult.objects.count() == 0

    page.goto(f"{live_server.url}/agency/campaigns/{iworld.campaign_a.pk}/")
    page.set_input_files(
        "input[name=file]",
        files=[{"name": "semaine-19-bis.csv", "mimeType": "text/csv", "buffer": csv_bytes([row(1), row(2)])}],
    )
    page.get_by_role("button", name="Import").click()
    page.wait_for_url(f"{live_server.url}/agency/imports/*/")

    assert "Imported: 2 new, 0 replaced, 0 unchanged." in page.locator("main").inner_text()
    assert TestResult.objects.filter(agency=iworld.agency_a).count() == 2


def test_browser_import_page_follows_running_import_until_it_finishes(live_server, browser, iworld):
    job = iworld.import_job("semaine.csv", status="running", rows_total=4, rows_done=1)
    page = _log_in(browser, live_server.url, "field-a")
    page.goto(f"{live_server.url}/agency/imports/{job.pk}/")
    assert page.locator("[data-status]").inner_text() == "Running"

    ImportJob.objects.filter(pk=job.pk).update(status="succeeded", rows_done=4, created=4)
    page.wait_for_selector("text=Imported: 4 new, 0 replaced, 0 unchanged.", timeout=15_000)

    assert page.locator("[data-status]").inner_text() == "Succeeded"


def test_browser_agency_b_cannot_open_agency_a_campaign(live_server, browser, iworld):
    page = _log_in(browser, live_server.url, "field-b")

    response = page.goto(f"{live_server.url}/agency/campaigns/{iworld.campaign_a.pk}/")

    page.goto(f"{live_server.url}/agency/")
    assert response.status == 404
    assert page.get_by_role("link", name=iworld.edition.name).get_attribute("href") == (
        f"/agency/campaigns/{iworld.campaign_b.pk}/"
    )
