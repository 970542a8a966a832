"""The error pages and the unknown certificate code's page in headless Chromium: styled by the site's
stylesheet and free of Content Security Policy violations (no inline script or blocked resource)."""

import pytest

from tests.support.browser import chromium

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_error_pages_styled_without_csp_violation(live_server, settings):
    # Arrange
    settings.ROOT_URLCONF = "tests.support.error_urls"
    violations: list[str] = []
    seen: dict[str, tuple[int, str, str]] = {}

    # Act
    with chromium() as browser:
        page = browser.new_page(locale="en-GB")
        page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
        for path in ("/no-such-page/", "/verify/K7QF2-MXA9H-TD3WR/", "/test-errors/broken/"):
            response = page.goto(f"{live_server.url}{path}")
            page.wait_for_load_state("networkidle")
            card = page.locator(".error-card, .verify-card").first
            background = card.evaluate("e => getComputedStyle(e).backgroundColor")
            seen[path] = (response.status, page.locator("h1").inner_text(), background)
        icon = page.request.get(f"{live_server.url}/favicon.ico")
        icon_type = icon.headers["content-type"]

    # Assert
    assert violations == []
    assert seen == {
        "/no-such-page/": (404, "Page not found", "rgb(255, 255, 255)"),
        "/verify/K7QF2-MXA9H-TD3WR/": (404, "No such certificate", "rgb(255, 255, 255)"),
        "/test-errors/broken/": (500, "Server error", "rgb(255, 255, 255)"),
    }
    assert (icon.status, icon_type) == (200, "image/svg+xml")
