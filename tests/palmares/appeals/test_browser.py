"""An appeal in a real browser: a brand member files it from the scorecard, the agency answers,
an organiser reads the impact and accepts it in the admin, the member sees the decision.

Headless Debian chromium through Playwright (never a downloaded browser); screenshots are kept
in artifacts/ (gitignored) for a human look.
"""

import re

import pytest

from palmares.models import Appeal
from tests.support.appeals import PDF_BYTES, build_world
from tests.support.browser import ARTIFACTS
from tests.support.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _log_in(browser, base: str, username: str, *, locale: str = "en-GB", start: str = "/portal/"):
    context = browser.new_context(locale=locale, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(f"{base}{start}")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form [type=submit]").last.click()
    page.wait_for_load_state()
    return page


def _shot(page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"appeals-{name}.png"), full_page=True)


def test_browser_member_files_agency_answers_organiser_accepts_member_sees_decision(live_server, browser):
    world = build_world()
    UserFactory(username="organiser", is_staff=True, is_superuser=True)
    base = live_server.url

    # The brand member: from the scorecard's tests table to the appeal form.
    member = _log_in(browser, base, "membre-azur")
    member.goto(f"{base}/portal/scorecards/{world.azur.pk}/")
    row = member.locator(f'li[data-test-id="{world.appealed.pk}"]')
    row.get_by_role("link", name="Appeal this test").click()
    member.wait_for_url(f"**/portal/appeals/new/{world.appealed.pk}/")
    member.fill("textarea[name=reason]", "The shopper called on Sunday at 8 pm; our lines are open Mon–Sat 8 am–8 pm.")
    member.set_input_files(
        "input[name=attachment]",
        files=[{"name": "opening-hours.pdf", "mimeType": "application/pdf", "buffer": PDF_BYTES}],
    )
    _shot(member, "1-member-form")
    member.get_by_role("button", name="File the appeal").click()
    member.wait_for_url("**/portal/appeals/")
    _shot(member, "2-member-list-open")
    assert member.locator(".appeal-status-open").count() == 1
    appeal = Appeal.objects.get()

    # The agency: sees the appeal on its test and answers.
    agency = _log_in(browser, base, "agent-a", start="/agency/appeals/")
    agency.goto(f"{base}/agency/appeals/")
    agency.fill(f"textarea[name=a{appeal.pk}-agency_answer]", "Call placed Sunday 20:05 by protocol error; agreed.")
    agency.get_by_role("button", name="Send the answer").click()
    agency.wait_for_load_state()
    _shot(agency, "3-agency-answered")
    assert "Your answer to appeal" in agency.locator(".messages").inner_text()

    # The organiser: the queue, the impact preview, the decision.
    staff = _log_in(browser, base, "organiser", start="/admin/login/?next=/admin/palmares/appeal/")
    staff.goto(f"{base}/admin/palmares/appeal/?status__exact=open")
    _shot(staff, "4-admin-queue")
    staff.locator(f'#result_list a[href*="/appeal/{appeal.pk}/change/"]').first.click()
    staff.wait_for_url(re.compile(rf"/admin/palmares/appeal/{appeal.pk}/change/"))
    preview = staff.locator(".appeal-decision").inner_text()
    assert "10.00 → 15.00" in preview
    assert "The laureate changes." in preview
    staff.fill("textarea[name=answer]", "Upheld: the call was outside the published opening hours.")
    _shot(staff, "5-admin-preview")
    staff.get_by_role("button", name="Accept the appeal (exclude the test)").click()
    staff.wait_for_url(re.compile(rf"/admin/palmares/appeal/{appeal.pk}/change/"))
    _shot(staff, "6-admin-accepted")
    assert "accepted" in staff.locator(".messagelist").inner_text()

    # The member again: the decision, the answer and the recomputed score.
    member.goto(f"{base}/portal/appeals/")
    _shot(member, "7-member-list-accepted")
    assert member.locator(".appeal-status-accepted").count() == 1
    assert "Upheld: the call was outside the published opening hours." in member.locator(".appeal-answer").inner_text()
    member.goto(f"{base}/portal/scorecards/{world.azur.pk}/")
    _shot(member, "8-member-scorecard-after")
    assert member.locator('[data-testid="overall"]').inner_text().startswith("15.00")
    french = _log_in(browser, base, "membre-azur-2", locale="fr-FR")
    french.goto(f"{base}/portal/appeals/")
    _shot(french, "9-member-list-fr")
    assert french.locator(".appeal-status-accepted").inner_text() == "Accepté"
    appeal.refresh_from_db()
    assert (appeal.status, appeal.agency_answer) == ("accepted", "Call placed Sunday 20:05 by protocol error; agreed.")
