"""The four users' journeys, end to end in headless Chromium, on one edition:

1. the organiser sets up the edition in the admin (edition with its rules and categories, brands,
   entries), through the admin's own forms;
2. an agency member uploads the season's CSV from the upload page and sees it imported;
3. the organiser recomputes the rankings and publishes the edition in the admin;
4. a brand member reads the brand's scorecard in the portal;
5. the public browses the palmarès: home → edition → category.

Each step runs in a browser context of its own (one user, one set of cookies). Screenshots go to
artifacts/journey-*.png (gitignored).
"""

from __future__ import annotations

import pytest

from election.models import Category, Edition, Entry
from mystery_tests.models import TestResult
from palmares.models import Publication
from scoring.models import EntryScore
from tests.support import factories
from tests.support.browser import chromium, log_in, new_page, shot
from tests.support.factories import PASSWORD
from tests.support.world import csv_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

YEAR = 2044
EDITION_NAME = f"Élu Service Client de l'Année {YEAR}"
CATEGORIES = [("Banque en ligne", "banque-en-ligne"), ("Assurance auto", "assurance-auto")]
BRANDS = [("Banque Azur", "banque-azur"), ("Crédit Horizon", "credit-horizon"), ("BanqueFlash", "banqueflash")]
# Phone points (greeting, courtesy, answer_accuracy; weights 1, 1, 3): 2,2,2 → 20; 2,1,2 → 18; 1,1,1 → 10.
POINTS = {
    "banque-en-ligne": {"banque-azur": (2, 2, 2), "credit-horizon": (2, 1, 2), "banqueflash": (1, 1, 1)},
    "assurance-auto": {"banque-azur": (1, 1, 1), "credit-horizon": (2, 2, 2), "banqueflash": (2, 1, 2)},
}
GRID = [("greeting", "Accueil", 1), ("courtesy", "Courtoisie", 1), ("answer_accuracy", "Exactitude de la réponse", 3)]
HEADER = ["external_id", "brand", "category", "channel", "performed_at", "reached"]
HEADER += ["greeting", "courtesy", "answer_accuracy"]


def _season_csv() -> tuple[bytes, int]:
    """Two phone tests per entry (the quota set in the admin), as an agency's field team sends them."""
    rows = []
    for category, brands in POINTS.items():
        for brand, (greeting, courtesy, accuracy) in brands.items():
            for n in (1, 2):
                rows.append(
                    {
                        "external_id": f"TQ-{category}-{brand}-{n}",
                        "brand": brand,
                        "category": category,
                        "channel": "phone",
                        "performed_at": f"{YEAR - 1}-06-{10 + n} 10:30:00+02:00",
                        "reached": "oui",
                        "greeting": str(greeting),
                        "courtesy": str(courtesy),
                        "answer_accuracy": str(accuracy),
                    }
                )
    return csv_bytes(rows, header=HEADER), len(rows)


def _admin_login(page, base: str) -> None:
    page.goto(f"{base}/admin/login/?next=/admin/")
    page.fill("input[name=username]", "organisatrice")
    page.fill("input[name=password]", PASSWORD)
    page.locator("input[type=submit]").click()
    page.wait_for_url(f"{base}/admin/")


def _success(page) -> str:
    return page.locator("ul.messagelist li.success").inner_text()


def organiser_sets_up_the_edition(page, base: str) -> Edition:
    _admin_login(page, base)

    page.goto(f"{base}/admin/election/edition/add/")
    page.fill("input[name=name]", EDITION_NAME)
    page.fill("input[name=country]", "FR")
    page.fill("input[name=year]", str(YEAR))
    page.fill("input[name=tests_start_on]", f"{YEAR - 1}-05-01")
    page.fill("input[name=tests_end_on]", f"{YEAR - 1}-07-31")
    for channel, quota in (("phone", 2), ("email", 0), ("web", 0), ("chat", 0), ("social", 0)):
        page.fill(f"input[name=quota_{channel}]", str(quota))
    for i, (name, slug) in enumerate(CATEGORIES):
        page.locator(".add-row a").click()
        page.locator(f"input[name=categories-{i}-name]").press_sequentially(name)
        # The admin's prepopulated field writes the slug from the name, as it does for a person typing.
        assert page.input_value(f"input[name=categories-{i}-slug]") == slug
    shot(page, "journey-1-organiser-edition-form")
    page.locator("input[name=_continue]").first.click()
    page.wait_for_selector("ul.messagelist li.success")
    assert "was added successfully" in _success(page)
    edition = Edition.objects.get(country="FR", year=YEAR)

    # A new edition comes with the default grid of METHODOLOGY §3: nothing to type for the criteria.

    for name, slug in BRANDS:
        page.goto(f"{base}/admin/election/brand/add/")
        page.locator("input[name=name]").press_sequentially(name)
        assert page.input_value("input[name=slug]") == slug
        page.locator("input[name=_save]").click()
        page.wait_for_selector("ul.messagelist li.success")

    for _, slug in CATEGORIES:
        category = Category.objects.get(edition=edition, slug=slug)
        page.goto(f"{base}/admin/election/category/{category.pk}/change/")
        for i, (brand_name, _) in enumerate(BRANDS):
            page.locator(".add-row a").click()
            # The brand field is the admin's autocomplete (select2): open it, search, pick.
            page.locator(f"#entries-{i} .select2-selection").click()
            page.locator(".select2-search__field").fill(brand_name)
            page.locator(".select2-results__option", has_text=brand_name).first.click()
        shot(page, f"journey-1-organiser-entries-{slug}")
        page.locator("input[name=_save]").click()
        page.wait_for_selector("ul.messagelist li.success")
    return edition


def agency_uploads_the_season(page, base: str, edition: Edition) -> int:
    content, n_rows = _season_csv()
    log_in(page, base, "terrain-qualite", next_url="/agency/")
    page.get_by_role("link", name=edition.name).click()
    page.set_input_files(
        "input[name=file]", files=[{"name": "saison-2043.csv", "mimeType": "text/csv", "buffer": content}]
    )
    shot(page, "journey-2-agency-campaign")
    page.get_by_role("button", name="Import").click()
    page.wait_for_url(f"{base}/agency/imports/*/")
    shot(page, "journey-2-agency-imported")
    assert page.locator("table.errors-table").count() == 0, page.locator("main").inner_text()
    page.wait_for_selector("text=Imported:")
    return n_rows


def organiser_recomputes_and_publishes(page, base: str, edition: Edition) -> None:
    _admin_login(page, base)
    page.goto(f"{base}/admin/scoring/categoryranking/edition/{edition.pk}/")
    page.get_by_role("button", name="Recompute the whole edition now").click()
    page.wait_for_selector("ul.messagelist li")
    shot(page, "journey-3-organiser-rankings")
    assert "Up to date." in page.locator("#content-main").inner_text()

    page.goto(f"{base}/admin/palmares/publication/add/?edition={edition.pk}")
    page.get_by_role("button", name="Freeze and publish").click()
    page.wait_for_selector("ul.messagelist li.success")
    shot(page, "journey-3-organiser-published")
    assert "is frozen" in _success(page)


def brand_reads_its_scorecard(page, base: str, entry: Entry) -> dict[str, str]:
    log_in(page, base, "directrice-azur", next_url="/portal/")
    page.click(f"a[href='/portal/scorecards/{entry.pk}/']")
    page.wait_for_selector("[data-testid=overall]")
    shot(page, "journey-4-brand-scorecard")
    return {
        "overall": page.inner_text("[data-testid=overall]"),
        "rank": page.inner_text("[data-testid=rank]"),
        "text": page.locator("main").inner_text(),
    }


def public_browses_the_palmares(page, base: str) -> dict[str, str]:
    page.goto(f"{base}/palmares/")
    shot(page, "journey-5-public-home")
    page.get_by_role("link", name=EDITION_NAME).first.click()
    page.wait_for_url(f"{base}/palmares/fr/{YEAR}/")
    shot(page, "journey-5-public-edition")
    banque = page.locator(".laureate-card", has_text="Banque en ligne").inner_text()
    assurance = page.locator(".laureate-card", has_text="Assurance auto").inner_text()
    page.locator(".laureate-card", has_text="Banque en ligne").locator("a").first.click()
    page.wait_for_url(f"{base}/palmares/fr/{YEAR}/banque-en-ligne/")
    shot(page, "journey-5-public-category")
    return {"banque": banque, "assurance": assurance, "category": page.locator("main").inner_text()}


def test_browser_four_users_from_setup_to_palmares(live_server, settings):
    settings.LANGUAGE_CODE = "en"
    base = live_server.url
    factories.UserFactory(username="organisatrice", is_staff=True, is_superuser=True)

    with chromium() as browser:
        # 1. The organiser sets the edition up in the admin.
        edition = organiser_sets_up_the_edition(new_page(browser, locale="en-GB"), base)
        entries = {
            (e.category.slug, e.brand.slug): e
            for e in Entry.objects.filter(category__edition=edition).select_related("brand", "category")
        }
        assert sorted(entries) == sorted((c, b) for _, c in CATEGORIES for _, b in BRANDS)
        assert edition.quota == {"phone": 2, "email": 0, "web": 0, "chat": 0, "social": 0}
        phone_grid = dict(edition.criteria.filter(channel="phone").values_list("code", "weight"))
        assert {code: phone_grid.get(code) for code, _, _ in GRID} == {code: weight for code, _, weight in GRID}

        # 2. The agency uploads the season's file.
        agency = factories.AgencyFactory(slug="terrain-qualite", name="Terrain Qualité")
        factories.AgencyMembershipFactory(agency=agency, user__username="terrain-qualite")
        factories.CampaignFactory(edition=edition, agency=agency)
        n_rows = agency_uploads_the_season(new_page(browser, locale="en-GB"), base, edition)
        assert TestResult.objects.filter(campaign__edition=edition).count() == n_rows == 12

        # 3. The organiser recomputes and publishes.
        organiser_recomputes_and_publishes(new_page(browser, locale="en-GB"), base, edition)
        edition.refresh_from_db()
        assert edition.is_frozen and edition.is_published
        assert Publication.objects.filter(edition=edition).count() == 1
        laureates = EntryScore.objects.filter(entry__category__edition=edition, laureate=True)
        assert sorted((s.entry.category.slug, s.entry.brand.slug) for s in laureates) == [
            ("assurance-auto", "credit-horizon"),
            ("banque-en-ligne", "banque-azur"),
        ]

        # 4. A member of Banque Azur reads its scorecard.
        member = factories.UserFactory(username="directrice-azur")
        factories.BrandMembershipFactory(brand=entries[("banque-en-ligne", "banque-azur")].brand, user=member)
        card = brand_reads_its_scorecard(
            new_page(browser, locale="fr-FR"), base, entries[("banque-en-ligne", "banque-azur")]
        )

        # 5. The public browses the palmarès.
        public = public_browses_the_palmares(new_page(browser, locale="fr-FR"), base)

    assert card["overall"].startswith("20,00")
    assert card["rank"] == "1er sur 3"
    assert "Lauréat" in card["text"]
    assert "Banque Azur" in public["banque"] and "20,00" in public["banque"]
    assert "Crédit Horizon" in public["assurance"]
    # The public never sees a non-laureate's score (METHODOLOGY §10).
    assert "18,00" not in public["category"] and "10,00" not in public["category"]
