"""Public palmarès pages and API: embargo per persona, content per state, confidentiality, cache, queries."""

import datetime as dt
import re
from unittest import mock

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from palmares.publication import services
from scoring.models import EntryScore
from tests.conftest import token_client
from tests.support import factories
from tests.support.palmares import NON_LAUREATE_SCORES, build_world, displayed, published_world, recompute

pytestmark = pytest.mark.django_db

EDITION = "/palmares/fr/2031/"
PAGES = [EDITION, "/palmares/fr/2031/banque/", "/palmares/fr/2031/assurance/", "/palmares/fr/2031/methodology/"]
BRAND_PAGE = "/palmares/brands/banque-0/"


def _api(world) -> str:
    return f"/api/v1/editions/{world.edition.pk}/palmares/"


def _personas(world, organiser) -> dict[str, Client]:
    """Everyone but an organiser previewing: anonymous, the laureate's member, an agency's user."""
    anonymous = Client()
    member = Client()
    member.force_login(factories.BrandMembershipFactory(brand=world.laureate_brand).user)
    agency = Client()
    agency.force_login(factories.AgencyMembershipFactory(agency=world.agency).user)
    staff = Client()
    staff.force_login(organiser)
    return {"anonymous": anonymous, "brand member": member, "agency user": agency, "organiser": staff}


def _statuses(clients: dict[str, Client], urls: list[str]) -> dict[str, list[int]]:
    return {name: [c.get(url).status_code for url in urls] for name, c in clients.items()}


def _main(response) -> str:
    """The page's main part (the header carries a per-request CSRF token)."""
    body = response.content.decode()
    return body[body.index("<main") : body.index("</main>")]


def _no_palmares_keys() -> bool:
    return not [k for k in cache._cache if "palmares:page:" in k]


# -- embargo ---------------------------------------------------------------------------------


def test_pages_embargo_before_publication_every_persona_404(world, organiser):
    # Arrange
    clients = _personas(world, organiser)
    agency_token = token_client(factories.AgencyMembershipFactory(agency=world.agency).user)

    # Act
    statuses = _statuses(clients, [*PAGES, BRAND_PAGE, _api(world)])

    # Assert
    assert statuses == {name: [404] * 6 for name in clients}
    assert agency_token.get(_api(world)).status_code == 404
    assert "2031" not in Client().get("/palmares/").content.decode()
    assert "/palmares/fr/2031/" not in Client().get("/sitemap.xml").content.decode()


def test_pages_embargo_scheduled_until_go_live(world, organiser):
    # Arrange
    at = timezone.now() + dt.timedelta(hours=2)
    services.edition_publish(edition=world.edition, at=at)
    clients = _personas(world, organiser)
    agency_token = token_client(factories.AgencyMembershipFactory(agency=world.agency).user)
    urls = [*PAGES, BRAND_PAGE, _api(world)]

    # Act
    before = _statuses(clients, urls)
    token_before = agency_token.get(_api(world)).status_code
    with mock.patch("django.utils.timezone.now", return_value=at + dt.timedelta(minutes=1)):
        after = _statuses(clients, urls)
        token_after = agency_token.get(_api(world)).status_code
        home_after = Client().get("/palmares/").content.decode()

    # Assert
    assert before == {name: [404] * 6 for name in clients}
    assert token_before == 404
    assert after == {name: [200] * 6 for name in clients}
    assert token_after == 200
    assert "Élu Service Client de l&#x27;Année 2031" in home_after


def test_pages_organiser_preview_unpublished_marked_and_not_cached(world, organiser):
    # Arrange
    staff = Client(HTTP_ACCEPT_LANGUAGE="en")
    staff.force_login(organiser)
    cache.clear()

    # Act
    response = staff.get(EDITION + "?preview=1")
    category = staff.get("/palmares/fr/2031/banque/?preview=1")

    # Assert
    assert response.status_code == 200
    body = response.content.decode()
    assert "Preview — not public" in body
    assert "Banque 0" in body
    assert 'href="/palmares/fr/2031/banque/?preview=1"' in body
    assert '<meta name="robots" content="noindex, nofollow">' in body
    assert "no-store" in response["Cache-Control"]
    assert category.status_code == 200
    assert _no_palmares_keys()


def test_pages_preview_parameter_ignored_for_non_staff(world, organiser):
    # Arrange
    clients = _personas(world, organiser)
    del clients["organiser"]

    # Act
    statuses = _statuses(clients, [EDITION + "?preview=1", "/palmares/fr/2031/banque/?preview=1"])

    # Assert
    assert statuses == {name: [404, 404] for name in clients}


def test_pages_organiser_preview_of_scheduled_shows_frozen_snapshot(world, organiser):
    # Arrange
    services.edition_publish(edition=world.edition, at=timezone.now() + dt.timedelta(hours=1))
    world.edition.refresh_from_db()
    staff = Client(HTTP_ACCEPT_LANGUAGE="en")
    staff.force_login(organiser)

    # Act
    response = staff.get(EDITION + "?preview=1")

    # Assert
    assert response.status_code == 200
    assert "Preview — not public" in response.content.decode()
    assert staff.get(EDITION).status_code == 404


# -- content ---------------------------------------------------------------------------------


def test_edition_page_lists_laureates_figures_and_charts(world, settings):
    # Arrange
    settings.SITE_URL = "https://awards.example.org"
    services.edition_publish(edition=world.edition)

    # Act
    en = Client(HTTP_ACCEPT_LANGUAGE="en").get(EDITION).content.decode()
    fr = Client(HTTP_ACCEPT_LANGUAGE="fr").get(EDITION).content.decode()

    # Assert
    assert "<h1>Élu Service Client de l&#x27;Année 2031</h1>" in en
    assert "Banque 0" in en and "16.44" in en
    assert en.count("Not awarded</p>") == 1 and en.count("Not contested</p>") == 1
    assert "16,44" in fr
    assert fr.count("Non attribué</p>") == 1 and fr.count("Non disputée</p>") == 1
    assert en.count("<svg viewBox") == 2
    assert '<link rel="canonical" href="https://awards.example.org/palmares/fr/2031/">' in en
    assert '<meta property="og:image" content="https://awards.example.org/static/img/og-palmares.png">' in en
    assert '<meta property="og:title" content="Élu Service Client de l&#x27;Année 2031 — the palmarès">' in en


def test_category_page_laureate_and_not_awarded(world):
    # Arrange
    services.edition_publish(edition=world.edition)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")

    # Act
    banque = client.get("/palmares/fr/2031/banque/").content.decode()
    assurance = client.get("/palmares/fr/2031/assurance/").content.decode()
    missing = client.get("/palmares/fr/2031/inconnue/")

    # Assert
    assert '<a href="/palmares/brands/banque-0/">Banque 0</a>' in banque
    assert "Overall score 16.44/20, above the qualifying mark of 12.00/20." in banque
    assert "Not awarded this year" in assurance
    assert "Assurance 0" not in assurance
    assert missing.status_code == 404


def test_methodology_page_from_settings_and_grid(world):
    # Arrange
    services.edition_publish(edition=world.edition)

    # Act
    body = Client(HTTP_ACCEPT_LANGUAGE="en").get("/palmares/fr/2031/methodology/").content.decode()

    # Assert: quotas 2 and 1, weights 2 and 1 (66.7 % / 33.3 %), threshold, min entrants, the grid
    assert '<tr><th scope="row">Phone</th><td>2</td><td>2</td><td>2</td><td>66.7 %</td></tr>' in body
    assert '<tr><th scope="row">E-mail</th><td>1</td><td>1</td><td>1</td><td>33.3 %</td></tr>' in body
    assert "qualifying mark of 12.00/20" in body
    assert "at least 3 brands have complete results" in body
    # the criterion in the reader's language (issue 19)
    assert '<tr><th scope="row">Greeting</th><td>1</td><td>4.8 %</td></tr>' in body
    assert "Web" not in body.split("5. The assessment grid")[1]


def test_brand_page_titles_only_for_laureates(world):
    # Arrange
    services.edition_publish(edition=world.edition)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")

    # Act
    laureate = client.get(BRAND_PAGE)
    other = client.get("/palmares/brands/banque-1/")

    # Assert
    assert laureate.status_code == 200
    assert "1 title of Customer Service of the Year" in laureate.content.decode()
    assert '<a href="/palmares/fr/2031/banque/">Banque</a>' in laureate.content.decode()
    assert other.status_code == 404


def test_home_lists_latest_per_country_and_past_editions(db):
    # Arrange
    for year in (2030, 2031):
        published_world(year=year)
    ma = build_world(year=2031, country="MA")
    recompute(ma)
    services.edition_publish(edition=ma.edition)

    # Act
    body = Client(HTTP_ACCEPT_LANGUAGE="en").get("/palmares/").content.decode()

    # Assert
    latest, past = body.split('id="past-title"')
    assert 'href="/palmares/fr/2031/"' in latest and 'href="/palmares/ma/2031/"' in latest
    assert 'href="/palmares/fr/2030/"' in past and 'href="/palmares/fr/2030/"' not in latest


def test_sitemap_lists_live_editions_and_categories(world, settings):
    # Arrange: the addresses are on SITE_URL whatever host the crawler asked
    settings.SITE_URL = "https://awards.example.org"
    services.edition_publish(edition=world.edition)

    # Act
    body = Client().get("/sitemap.xml").content.decode()

    # Assert
    for path in ["/palmares/", *PAGES, "/palmares/fr/2031/energie/"]:
        assert f"<loc>https://awards.example.org{path}</loc>" in body
    assert "testserver" not in body


def test_api_palmares_body_exact(world):
    # Arrange
    publication = services.edition_publish(edition=world.edition)

    # Act
    response = Client().get(_api(world))

    # Assert
    assert response.status_code == 200
    assert response.json() == publication.snapshot["palmares"]
    assert set(response.json()) == {"edition", "figures", "categories", "provenance", "audit"}


def test_api_palmares_unknown_edition_404_json(db):
    response = Client().get("/api/v1/editions/999999/palmares/")
    assert response.status_code == 404
    assert "detail" in response.json()


# -- confidentiality -------------------------------------------------------------------------


def test_no_non_laureate_score_anywhere_public(world):
    # Arrange
    services.edition_publish(edition=world.edition)
    urls = ["/palmares/", *PAGES, "/palmares/fr/2031/energie/", BRAND_PAGE, _api(world), "/sitemap.xml"]

    # Act
    bodies = [Client(HTTP_ACCEPT_LANGUAGE=lang).get(url).content.decode() for lang in ("fr", "en") for url in urls]

    # Assert
    leaks = [(value, text) for value in NON_LAUREATE_SCORES for text in displayed(value) for b in bodies if text in b]
    assert leaks == []
    assert all("Banque 1" not in b and "Energie 0" not in b for b in bodies)


def test_pages_never_read_live_rankings_after_publication(world):
    # Arrange
    services.edition_publish(edition=world.edition)
    before = _main(Client().get("/palmares/fr/2031/banque/"))
    cache.clear()

    # Act: the stored rankings change behind the publication
    EntryScore.objects.filter(entry__category__edition=world.edition).update(laureate=False, overall=1.0)
    after = _main(Client().get("/palmares/fr/2031/banque/"))

    # Assert
    assert "Banque 0" in after
    assert after == before


# -- unpublish and cache ---------------------------------------------------------------------


def test_unpublish_hides_pages_at_once_and_republish_serves_new_snapshot(
    world, organiser, django_capture_on_commit_callbacks
):
    # Arrange
    with django_capture_on_commit_callbacks(execute=True):
        services.edition_publish(edition=world.edition)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    assert client.get(EDITION).status_code == 200

    # Act
    with django_capture_on_commit_callbacks(execute=True):
        services.edition_unpublish(edition=world.edition, user=organiser, reason="Erreur")
    hidden = [client.get(url).status_code for url in [*PAGES, _api(world), BRAND_PAGE]]
    with django_capture_on_commit_callbacks(execute=True):
        services.edition_publish(edition=world.edition)
    shown = [client.get(url).status_code for url in [*PAGES, _api(world), BRAND_PAGE]]

    # Assert
    assert hidden == [404] * 6
    assert shown == [200] * 6


def test_page_cache_keyed_by_language(world):
    # Arrange
    services.edition_publish(edition=world.edition)

    # Act
    en = Client(HTTP_ACCEPT_LANGUAGE="en").get(EDITION).content.decode()
    fr = Client(HTTP_ACCEPT_LANGUAGE="fr").get(EDITION).content.decode()
    en_again = Client(HTTP_ACCEPT_LANGUAGE="en").get(EDITION).content.decode()

    # Assert
    assert "The laureates" in en and "Les lauréats" in fr
    assert "Les lauréats" not in en_again


# -- queries ---------------------------------------------------------------------------------

ONE = {"banque": [16.4375, 13.3125, 12.5625]}
THREE = {
    "banque": [16.4375, 13.3125, 12.5625],
    "assurance": [11.6875, 10.9375, 7.0625],
    "energie": [17.1875, 15.4375],
}


def _cached_after_first_visit(client, url: str, queries: int, django_assert_num_queries) -> None:
    """The page answers 200 with ``queries`` queries, then again with none (from the cache)."""
    with django_assert_num_queries(queries):
        assert client.get(url).status_code == 200
    with django_assert_num_queries(0):
        assert client.get(url).status_code == 200


@pytest.mark.parametrize("scores", [ONE, THREE], ids=["1 category", "3 categories"])
@pytest.mark.parametrize(
    ("url", "logos"), [(EDITION, 1), ("/palmares/fr/2031/banque/", 1), ("/palmares/fr/2031/methodology/", 0)]
)
def test_edition_pages_query_count_uncached_then_cached(db, django_assert_num_queries, scores, url, logos):
    # Arrange
    published_world(scores=scores)
    cache.clear()
    client = Client()

    # Act / Assert: the current-publication pointer, then the snapshot (and the laureates' logos, issue 19);
    # nothing once cached
    _cached_after_first_visit(client, url, 2 + logos, django_assert_num_queries)


@pytest.mark.parametrize("editions", [1, 3])
def test_home_query_count(db, django_assert_num_queries, editions):
    # Arrange
    for year in range(2031, 2031 + editions):
        published_world(year=year, scores=ONE)
    client = Client()

    # Act / Assert: the live editions and the next scheduled go-live, then nothing (issue 21: the home's
    # list is held until a publication, an unpublication, a revocation or a scheduled go-live)
    _cached_after_first_visit(client, "/palmares/", 2, django_assert_num_queries)


@pytest.mark.parametrize("editions", [1, 3])
def test_brand_page_and_sitemap_query_count(db, django_assert_num_queries, editions):
    # Arrange
    for year in range(2031, 2031 + editions):
        published_world(year=year, scores=ONE)
    client = Client()

    # Act / Assert: the brand's titles, the next scheduled go-live (how long the page may be kept) and its logo
    # (issue 19), then nothing (issue 21)
    _cached_after_first_visit(client, BRAND_PAGE, 3, django_assert_num_queries)
    with django_assert_num_queries(1):
        assert client.get("/sitemap.xml").status_code == 200


@pytest.mark.parametrize("scores", [ONE, THREE], ids=["1 category", "3 categories"])
def test_api_palmares_query_count(db, django_assert_num_queries, scores):
    # Arrange
    w = published_world(scores=scores)

    # Act / Assert
    with django_assert_num_queries(1):
        response = Client().get(f"/api/v1/editions/{w.edition.pk}/palmares/")
    assert len(response.json()["categories"]) == len(scores)


def test_cached_page_sets_no_cookie_and_switches_language_by_link(world):
    # Arrange: the first visitor fills the whole-page cache, the second is served from it
    services.edition_publish(edition=world.edition)
    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    first.get(EDITION)

    # Act
    response = second.get(EDITION)
    link = re.search(r'href="(/i18n/language/en/\?next=[^"]+)"', response.content.decode()).group(1)
    switched = second.get(link.replace("&amp;", "&"))

    # Assert: no form, no token, no cookie; the link sets the language and comes back
    assert "csrfmiddlewaretoken" not in response.content.decode()
    assert not response.cookies
    assert switched.status_code == 302
    assert switched["Location"] == EDITION
    assert "The laureates" in second.get(EDITION).content.decode()


def test_publication_from_another_process_shows_at_once(world):
    # Arrange: a visitor meets the 404; the publication's on-commit invalidation never reaches this
    # process (in tests on_commit callbacks do not run, as with a command in another process)
    assert Client().get(EDITION).status_code == 404

    # Act
    services.edition_publish(edition=world.edition)

    # Assert
    assert Client().get(EDITION).status_code == 200


def test_country_in_capitals_redirects_to_stable_address(world):
    # Arrange
    services.edition_publish(edition=world.edition)

    # Act
    response = Client().get("/palmares/FR/2031/banque/?utm=press")

    # Assert
    assert response.status_code == 301
    assert response["Location"] == "/palmares/fr/2031/banque/?utm=press"
