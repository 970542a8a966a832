"""The Content Security Policy in headless Chromium: pages with scripts, inline styles and forms work,
and the browser reports no CSP violation (a blocked script would break them silently)."""

import pytest

from mystery_tests.models import ImportJob
from palmares.publication.services import edition_publish
from scoring.services import recompute_edition
from tests.support import factories
from tests.support.palmares import build_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def watched_page(browser, violations: list[str]):
    page = browser.new_page(locale="en-GB")
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    return page


def log_in(page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", factories.PASSWORD)
    page.click("form.form-card [type=submit]")
    page.wait_for_load_state("networkidle")


def test_hardening_csp_pages_run_without_violations(browser, live_server):
    # Arrange
    world = build_world(year=2031)
    recompute_edition(edition=world.edition)
    edition_publish(edition=world.edition)
    agent = factories.AgencyMembershipFactory(agency=world.agency, user__username="agent").user
    job = ImportJob.objects.create(
        campaign=world.campaign, uploaded_by=agent, file="imports/x.csv", original_name="x.csv", format="csv"
    )
    factories.UserFactory(username="organiser", is_staff=True, is_superuser=True)
    violations: list[str] = []

    # Act: public pages, API docs (Swagger UI is script-built), the agency's import page (polling script)
    page = watched_page(browser, violations)
    for path in ("/palmares/", "/palmares/fr/2031/", "/palmares/fr/2031/banque/", "/api/v1/docs/"):
        page.goto(f"{live_server.url}{path}")
        page.wait_for_load_state("networkidle")
    swagger_operations = page.locator(".opblock").count()
    log_in(page, live_server, "agent")
    page.goto(f"{live_server.url}/agency/imports/{job.pk}/")
    page.wait_for_load_state("networkidle")
    admin = watched_page(browser, violations)
    log_in(admin, live_server, "organiser")
    admin.goto(f"{live_server.url}/admin/mystery_tests/testresult/")
    admin.check("#action-toggle")  # admin's own script selects every row
    selected = admin.locator("input.action-select:checked").count()

    # Assert
    assert violations == []
    assert swagger_operations >= 10
    assert selected == 27  # 9 entries × (2 phone + 1 email) tests
