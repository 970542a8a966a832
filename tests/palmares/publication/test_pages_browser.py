"""The public palmarès in headless Chromium: home → edition → category → methodology.

Screenshots of each page are kept in artifacts/ (gitignored) for a human eye on the design.
"""

import pytest

from palmares.publication import services
from tests.support.browser import ARTIFACTS
from tests.support.palmares import build_world, recompute

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


SCORES = {
    "banque-en-ligne": [16.4375, 13.3125, 12.5625, 9.8125],
    "assurance-auto": [14.8125, 14.0625, 12.9375],
    "energie": [11.6875, 10.9375, 7.0625],
    "telephonie-mobile": [15.0625, 13.5625, 11.1875, 10.0625],
    "vente-a-distance": [13.9375, 12.1875, 11.9375],
    "transport-ferroviaire": [17.1875, 15.4375],
}
NAMES = {
    "banque-en-ligne": ("Banque en ligne", ["Banque Azur", "NeoBanque", "Crédit Horizon", "BanqueFlash"]),
    "assurance-auto": ("Assurance auto", ["Assur'Éclair", "Mutuelle du Rhône", "AutoProtect"]),
    "energie": ("Fournisseur d'énergie", ["Volt+", "Énergie Claire", "GazNord"]),
    "telephonie-mobile": ("Téléphonie mobile", ["Onde Mobile", "TéléFlux", "Réseau Libre", "MobiCo"]),
    "vente-a-distance": ("Vente à distance", ["Maison & Colis", "Clic Boutique", "ModeExpress"]),
    "transport-ferroviaire": ("Transport ferroviaire", ["Rail Express", "TER Lumière"]),
}


@pytest.fixture
def browser_page(browser):
    return browser.new_page(viewport={"width": 1280, "height": 900}, locale="fr-FR")


def _shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"palmares-{name}.png"), full_page=True)


def test_browser_palmares_walk_home_edition_category_methodology(live_server, browser_page):
    # Arrange
    world = build_world(year=2031, scores=SCORES, names=NAMES)
    recompute(world)
    services.edition_publish(edition=world.edition)
    page = browser_page

    # Act / Assert: home
    page.goto(f"{live_server.url}/palmares/")
    assert page.locator("h1").inner_text() == "Les marques qui servent le mieux leurs clients"
    _shot(page, "1-home")
    page.get_by_role("link", name="Élu Service Client de l'Année 2031").first.click()

    # edition
    page.wait_for_url(f"{live_server.url}/palmares/fr/2031/")
    assert page.locator("h1").inner_text() == "Élu Service Client de l'Année 2031"
    cards = page.locator(".laureate-card")
    assert cards.count() == 6
    assert "16,44" in page.locator(".laureate-card", has_text="Banque en ligne").inner_text()
    assert "Non attribué" in page.locator(".laureate-card", has_text="Fournisseur d'énergie").inner_text()
    assert page.locator("figure.chart svg").count() == 2
    _shot(page, "2-edition")
    page.locator(".laureate-card", has_text="Banque en ligne").locator("a").click()

    # category
    page.wait_for_url(f"{live_server.url}/palmares/fr/2031/banque-en-ligne/")
    assert page.locator("h1").inner_text() == "Banque en ligne"
    assert page.locator(".award-brand").inner_text() == "Banque Azur"
    body = page.locator("main").inner_text()
    assert "13,31" not in body and "NeoBanque" not in body
    _shot(page, "3-category")
    page.get_by_role("link", name="Comment le prix est attribué").click()

    # methodology
    page.wait_for_url(f"{live_server.url}/palmares/fr/2031/methodology/")
    assert "12,00/20" in page.locator("main").inner_text()
    assert page.locator("details.grid-channel").count() == 2
    _shot(page, "4-methodology")

    # English, via the language switch
    page.get_by_role("link", name="EN", exact=True).click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "How the award is scored"
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/palmares/fr/2031/")
    _shot(page, "5-edition-mobile-en")
    assert page.locator(".laureate-card").count() == 6
