"""The organiser console in a real browser (headless Debian chromium through Playwright): a published
edition's change form offers nothing to edit or delete, an open edition's does."""

import pytest
from django.utils import timezone

from tests.election.test_admin_console import dashboard_world
from tests.support import factories
from tests.support.browser import chromium, log_in, new_page, shot
from tests.support.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Inputs an organiser could change (hidden inputs and the CSRF token are not for people).
EDITABLE = "#content-main form input:not([type=hidden]), #content-main form select, #content-main form textarea"


def test_browser_console_published_edition_is_read_only_and_open_edition_is_editable(live_server, organiser):
    # Arrange
    now = timezone.now()
    published = factories.EditionFactory(year=2051, frozen_at=now, published_at=now)
    factories.EntryFactory(category=factories.CategoryFactory(edition=published, slug="banque-en-ligne"))
    open_edition = factories.EditionFactory(year=2052)
    factories.CategoryFactory(edition=open_edition, slug="assurance")

    with chromium() as browser:
        page = new_page(browser)
        published_url = f"/admin/election/edition/{published.pk}/change/"
        log_in(page, live_server.url, organiser.username, next_url=published_url)

        # Act
        frozen = {
            "editable": page.locator(EDITABLE).count(),
            "delete_links": page.locator("a.deletelink, a.inline-deletelink, .delete input").count(),
            "banner": page.inner_text("[data-testid=frozen-notice]"),
            "slug_text": page.inner_text("#categories-group"),
        }
        shot(page, "console-published-edition")
        page.goto(f"{live_server.url}/admin/election/edition/{open_edition.pk}/change/")
        opened = {
            "editable": page.locator(EDITABLE).count(),
            "delete_links": page.locator("a.deletelink").count(),
            "slug_input": page.locator("input[name=categories-0-slug]").count(),
            "banner": page.locator("[data-testid=frozen-notice]").count(),
        }
        page.set_viewport_size({"width": 390, "height": 844})
        shot(page, "console-open-edition-390")

    # Assert
    assert frozen["editable"] == 0
    assert frozen["delete_links"] == 0
    assert "figés" in frozen["banner"] or "frozen" in frozen["banner"]
    assert "banque-en-ligne" in frozen["slug_text"]
    assert opened["editable"] > 20
    assert opened["delete_links"] >= 1  # save_on_top: one above, one below
    assert opened["slug_input"] == 1
    assert opened["banner"] == 0


def test_browser_console_organiser_lands_on_the_season_dashboard(live_server, organiser):
    # Arrange
    edition, _azur, beryl = dashboard_world(2066)

    with chromium() as browser:
        page = new_page(browser)
        page.set_viewport_size({"width": 1366, "height": 900})

        # Act
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("input[name=username]", organiser.username)
        page.fill("input[name=password]", PASSWORD)
        page.locator("main form [type=submit]").last.click()
        page.wait_for_url(f"{live_server.url}/admin/")
        season = page.inner_text(f"[data-testid=season-{edition.pk}]")
        today = page.locator("[data-testid=today]").count()
        models = page.locator("#app-election, .app-election").count()
        shot(page, "console-dashboard-1366")
        page.set_viewport_size({"width": 390, "height": 844})
        shot(page, "console-dashboard-390")

    # Assert
    assert beryl.brand.name in season
    assert "Téléphone" in season
    assert today == 1
    assert models >= 1
