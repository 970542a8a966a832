"""The public palmarès and the verification service in headless Chromium, as a visitor on a phone
(390 px) and a desktop (1366 px), in French and English (issue 19).

- no page is wider than the window (``document.documentElement.scrollWidth``);
- every text of the edition's charts lies inside its SVG's viewBox and is rendered at a readable size;
- axe finds no critical or serious violation;
- a visitor finds last year's laureate of a category, verifies its certificate and types a wrong code.
"""

import itertools

import pytest
from axe_playwright_python.sync_playwright import Axe

from election.channels import CHANNELS
from palmares.certificates.services import certificate_render, certificates_issue
from palmares.publication import services
from scoring.services import recompute_edition
from tests.support import factories
from tests.support.browser import chromium, shot
from tests.support.world import add_test

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Per year, per category: (name, [(brand slug, brand name, overall)]); quotas 1 on every channel,
# threshold 12, three complete entries needed.
YEARS = {
    2030: {
        "banque-en-ligne": (
            "Banque en ligne",
            [("azur", "Banque Azur", 13.5), ("neo", "NeoBanque", 16.25), ("horizon", "Crédit Horizon", 11.0)],
        ),
        "energie": ("Fournisseur d'énergie", [("volt", "Volt+", 14.0), ("claire", "Énergie Claire", 12.5)]),
    },
    2031: {
        "banque-en-ligne": (
            "Banque en ligne",
            [("azur", "Banque Azur", 16.5), ("neo", "NeoBanque", 13.25), ("horizon", "Crédit Horizon", 12.75)],
        ),
        "assurance-auto": (
            "Assurance auto",
            [("eclair", "Assur'Éclair", 11.5), ("rhone", "Mutuelle du Rhône", 10.0), ("protect", "AutoProtect", 7.0)],
        ),
        "energie": ("Fournisseur d'énergie", [("volt", "Volt+", 17.0), ("claire", "Énergie Claire", 15.5)]),
    },
}
NON_LAUREATE_SHOWN = ["13,25", "13.25", "12,75", "12.75", "11,50", "11.50", "15,50", "15.50"]
WIDTHS = (390, 1366)
LOCALES = ("fr-FR", "en-GB")


def _publish(year: int):
    edition = factories.EditionFactory(
        country="FR", year=year, **{f"quota_{c}": 1 for c in CHANNELS}, threshold=12, min_entrants=3
    )
    # The edition's campaign, which add_test files the tests under.
    factories.CampaignFactory(
        edition=edition, agency=factories.AgencyFactory(slug=f"terrain-{year}", name="Terrain SA")
    )
    for slug, (name, entrants) in YEARS[year].items():
        category = factories.CategoryFactory(edition=edition, slug=slug, name=name)
        for brand_slug, brand_name, overall in entrants:
            entry = factories.EntryFactory(
                category=category, brand=factories.BrandFactory(slug=brand_slug, name=brand_name)
            )
            for channel in CHANNELS:
                add_test(
                    entry,
                    channel,
                    overall,
                    wait_seconds=40.0 if channel == "phone" else None,
                    response_hours=4.0 if channel != "phone" else None,
                )
    recompute_edition(edition=edition)
    return services.edition_publish(edition=edition)


@pytest.fixture
def published(db):
    """Two published editions and their laureates' certificates, by (year, brand slug): 2030's
    expired when 2031's palmarès went live."""
    certificates = {}
    for year in (2031, 2030):
        for certificate in certificates_issue(publication=_publish(year)):
            certificate_render(certificate=certificate)
            certificates[year, certificate.entry.brand.slug] = certificate
    return certificates


def _public_paths(certificates) -> list[str]:
    return [
        "/palmares/",
        "/palmares/fr/2031/",
        "/palmares/fr/2031/banque-en-ligne/",
        "/palmares/fr/2031/assurance-auto/",
        "/palmares/fr/2031/energie/",
        "/palmares/fr/2031/methodology/",
        "/palmares/fr/2030/",
        "/palmares/brands/azur/",
        "/verify/",
        f"/verify/{certificates[2031, 'azur'].code}/",
        f"/verify/{certificates[2030, 'neo'].code}/",
        "/verify/AAAAA-BBBBB-CCCCC/",
    ]


def _overflow(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


# Every text of every chart: its box (in the SVG's user units) against the viewBox, and its
# rendered font size (computed size × the SVG's scale on screen).
CHART_TEXTS = """() => [...document.querySelectorAll('figure.chart svg')].flatMap(svg => {
  const vb = svg.viewBox.baseVal;
  const scale = svg.getBoundingClientRect().width / vb.width;
  return [...svg.querySelectorAll('text')].map(t => {
    const b = t.getBBox();
    return {text: t.textContent, x: b.x, y: b.y, right: b.x + b.width, bottom: b.y + b.height,
            width: vb.width, height: vb.height,
            px: parseFloat(getComputedStyle(t).fontSize) * scale};
  });
})"""
MIN_CHART_PX = 11


def test_public_pages_fit_the_window_on_phone_and_desktop_in_both_languages(live_server, published):
    # Arrange
    paths = _public_paths(published)
    too_wide = []
    with chromium() as browser:
        for locale, width in itertools.product(LOCALES, WIDTHS):
            page = browser.new_context(locale=locale, viewport={"width": width, "height": 900}).new_page()
            # Act
            for path in paths:
                page.goto(live_server.url + path)
                if (extra := _overflow(page)) > 0:
                    too_wide.append((locale, width, path, extra))
            page.goto(live_server.url + "/palmares/fr/2031/methodology/")
            shot(page, f"public-methodology-{locale}-{width}")
            page.context.close()

    # Assert
    assert too_wide == []


def test_edition_chart_texts_fit_their_svg_and_stay_readable(live_server, published):
    # Arrange
    problems = []
    labels = set()
    with chromium() as browser:
        for locale, width in itertools.product(LOCALES, WIDTHS):
            page = browser.new_context(locale=locale, viewport={"width": width, "height": 900}).new_page()
            # Act
            page.goto(live_server.url + "/palmares/fr/2031/")
            texts = page.evaluate(CHART_TEXTS)
            shot(page, f"public-edition-{locale}-{width}")
            page.context.close()
            for t in texts:
                labels.add(t["text"])
                inside = t["x"] >= 0 and t["y"] >= 0 and t["right"] <= t["width"] and t["bottom"] <= t["height"]
                if not inside or t["px"] < MIN_CHART_PX:
                    problems.append((locale, width, t))

    # Assert
    assert {"Réseaux sociaux", "Social networks"} <= labels
    assert problems == []


def test_public_pages_have_no_critical_or_serious_axe_violation(live_server, published):
    # Arrange
    axe = Axe()
    found = []
    with chromium() as browser:
        for locale, width in itertools.product(LOCALES, WIDTHS):
            page = browser.new_context(locale=locale, viewport={"width": width, "height": 900}).new_page()
            for path in _public_paths(published):
                page.goto(live_server.url + path)
                # Act
                results = axe.run(page)
                found += [
                    (locale, width, path, v["id"], v["impact"])
                    for v in results.response["violations"]
                    if v["impact"] in ("critical", "serious")
                ]
            page.context.close()

    # Assert
    assert found == []


def test_visitor_finds_last_years_laureate_verifies_its_certificate_and_a_wrong_code(live_server, published):
    # Arrange
    with chromium() as browser:
        page = browser.new_context(locale="en-GB", viewport={"width": 390, "height": 844}).new_page()

        # Act: from the palmarès home, through the archive, to last year's category
        page.goto(live_server.url + "/palmares/")
        page.get_by_role("link", name="2030").first.click()
        page.wait_for_url(f"{live_server.url}/palmares/fr/2030/")
        page.locator(".laureate-card", has_text="Banque en ligne").locator("a").click()
        page.wait_for_url(f"{live_server.url}/palmares/fr/2030/banque-en-ligne/")
        laureate = page.locator(".award-brand").inner_text()
        category_text = page.locator("main").inner_text()
        shot(page, "public-visitor-2030-category")

        # verify its certificate, then this year's laureate's, by their codes typed loosely
        verified = []
        for key in ((2030, "neo"), (2031, "azur")):
            page.goto(live_server.url + "/verify/")
            page.fill("#id_code", published[key].code.lower().replace("-", " "))
            page.press("#id_code", "Enter")
            page.wait_for_url(f"{live_server.url}/verify/{published[key].code}/")
            verified.append((page.locator("h1").inner_text(), page.locator(".verify-brand").inner_text()))

        # and a code nobody issued
        page.goto(live_server.url + "/verify/")
        page.fill("#id_code", "K7QF2-MXA9H-TD3WR")
        page.press("#id_code", "Enter")
        page.wait_for_load_state()
        wrong = page.locator("main").inner_text()
        status = page.evaluate("performance.getEntriesByType('navigation')[0].responseStatus")
        shot(page, "public-visitor-wrong-code")

    # Assert
    assert laureate == "NeoBanque"
    assert "3 entries" in category_text or "3 entrants" in category_text
    assert not any(score in category_text for score in ("13,50", "13.50", "11,00", "11.00"))
    assert verified == [("Expired certificate", "NeoBanque"), ("Valid certificate", "Banque Azur")]
    assert "No such certificate" in wrong and "Report a fake certificate" in wrong
    assert status == 404
