"""The organiser console (issue 18): a frozen edition reads as text, organisers land in the admin,
the season dashboard is the admin home, and the screens speak French rather than codes."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.contrib import admin
from django.urls import reverse
from django.utils import timezone, translation

from election.models import Category, Edition, Entry
from palmares.models import Appeal
from palmares.publication.dashboard import season_dashboard
from tests.support import factories
from tests.support import world as world
from tests.support.admin_forms import category_form_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, organiser):
    client.force_login(organiser)
    return client


def published_edition() -> Edition:
    now = timezone.now()
    return factories.EditionFactory(frozen_at=now, published_at=now)


def test_console_frozen_edition_change_form_is_read_only_with_a_banner(admin_client):
    # Arrange
    edition = published_edition()
    factories.CategoryFactory(edition=edition, slug="banque-en-ligne")

    # Act
    response = admin_client.get(reverse("admin:election_edition_change", args=[edition.pk]), HTTP_ACCEPT_LANGUAGE="en")

    # Assert
    assert response.status_code == 200
    assert response.context["has_change_permission"] is False
    assert response.context["has_delete_permission"] is False
    assert 'data-testid="frozen-notice"' in response.text
    assert 'name="threshold"' not in response.text
    assert 'name="categories-0-slug"' not in response.text
    assert "deletelink" not in response.text
    assert 'type="submit"' not in response.text.split('id="content-main"')[1].split("</form>")[0]


def test_console_open_edition_change_form_stays_editable(admin_client):
    # Arrange
    edition = factories.EditionFactory()
    factories.CategoryFactory(edition=edition)

    # Act
    response = admin_client.get(reverse("admin:election_edition_change", args=[edition.pk]))

    # Assert
    assert response.context["has_change_permission"] is True
    assert 'name="threshold"' in response.text
    assert 'name="categories-0-slug"' in response.text
    assert "deletelink" in response.text
    assert 'data-testid="frozen-notice"' not in response.text


def test_console_frozen_category_slug_and_entries_are_not_editable(admin_client):
    # Arrange
    entry = factories.EntryFactory(category=factories.CategoryFactory(edition=published_edition()))
    url = reverse("admin:election_category_change", args=[entry.category.pk])

    # Act
    page = admin_client.get(url)
    post = admin_client.post(url, {"edition": entry.category.edition_id, "name": "x", "slug": "nouvelle-adresse"})

    # Assert
    assert 'name="slug"' not in page.text
    assert 'name="entries-0-status"' not in page.text
    assert "deletelink" not in page.text
    assert post.status_code == 403
    entry.category.refresh_from_db()
    assert entry.category.slug != "nouvelle-adresse"


@pytest.mark.parametrize("model", ["edition", "category", "entry"])
def test_console_frozen_object_delete_page_is_refused(admin_client, model):
    # Arrange
    entry = factories.EntryFactory(category=factories.CategoryFactory(edition=published_edition()))
    obj = {"edition": entry.category.edition, "category": entry.category, "entry": entry}[model]

    # Act
    response = admin_client.post(reverse(f"admin:election_{model}_delete", args=[obj.pk]), {"post": "yes"})

    # Assert
    assert response.status_code == 403
    assert Entry.objects.filter(pk=entry.pk).exists()


@pytest.mark.parametrize("model", ["edition", "category", "entry"])
def test_console_bulk_delete_touching_a_frozen_edition_deletes_nothing(admin_client, model):
    # Arrange
    frozen = factories.EntryFactory(category=factories.CategoryFactory(edition=published_edition()))
    open_entry = factories.EntryFactory()
    rows = {
        "edition": [frozen.category.edition, open_entry.category.edition],
        "category": [frozen.category, open_entry.category],
        "entry": [frozen, open_entry],
    }[model]

    # Act
    response = admin_client.post(
        reverse(f"admin:election_{model}_changelist"),
        {"action": "delete_selected", "_selected_action": [r.pk for r in rows], "post": "yes"},
    )

    # Assert
    assert response.status_code == 200
    assert response.context["protected"]
    assert Entry.objects.count() == 2
    assert Category.objects.count() == 2


def test_console_open_edition_bulk_delete_still_works(admin_client):
    # Arrange
    entries = factories.EntryFactory.create_batch(2)

    # Act
    response = admin_client.post(
        reverse("admin:election_entry_changelist"),
        {"action": "delete_selected", "_selected_action": [e.pk for e in entries], "post": "yes"},
    )

    # Assert
    assert response.status_code == 302
    assert Entry.objects.count() == 0


def test_console_category_added_to_a_frozen_edition_is_refused(admin_client):
    # Arrange
    edition = published_edition()
    data = category_form_data(Category(edition=edition, name="Assurance", slug="assurance"))

    # Act
    response = admin_client.post(reverse("admin:election_category_add"), data)

    # Assert
    assert response.status_code == 200
    assert response.context["adminform"].form.non_field_errors()
    assert not Category.objects.filter(slug="assurance").exists()


# -- 2. organisers land in the console --------------------------------------------------------


def log_in(client, user, **extra):
    return client.post(
        reverse("login") + extra.pop("query", ""), {"username": user.username, "password": factories.PASSWORD}
    )


def test_console_login_sends_an_organiser_to_the_admin(client):
    # Arrange
    organiser = factories.OrganiserFactory(username="organisatrice")

    # Act
    response = log_in(client, organiser)

    # Assert
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:index")


def test_console_login_sends_a_brand_member_to_the_portal(client):
    # Arrange
    member = factories.BrandMembershipFactory().user

    # Act
    response = log_in(client, member)

    # Assert
    assert response["Location"] == "/portal/"


def test_console_login_sends_a_staff_account_without_the_permission_to_the_portal(client):
    # Arrange: is_staff alone is not the organisers' permission.
    staff = factories.UserFactory(username="jury", is_staff=True)

    # Act
    response = log_in(client, staff)

    # Assert
    assert response["Location"] == "/portal/"


@pytest.mark.parametrize(
    ("next_url", "expected"),
    [("/admin/scoring/categoryranking/", "/admin/scoring/categoryranking/"), ("https://evil.example/", "/admin/")],
)
def test_console_login_respects_a_safe_next_only(client, next_url, expected):
    # Arrange
    organiser = factories.OrganiserFactory(username="organisateur")

    # Act
    response = log_in(client, organiser, query=f"?next={next_url}")

    # Assert
    assert response["Location"] == expected


def test_console_signed_in_organiser_visiting_login_goes_to_the_admin(client):
    # Arrange
    client.force_login(factories.OrganiserFactory(username="deja-connecte"))

    # Act
    response = client.get(reverse("login"))

    # Assert
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:index")


# -- 3. the season dashboard --------------------------------------------------------------------


def dashboard_world(year: int, *, published: bool = False):
    """An edition (phone 2, email 1 per entry; test period over) with two entries: Azur complete,
    Béryl one phone test short and no e-mail; one excluded test, rankings computed, one open appeal."""
    today = timezone.now().date()
    edition = world.small_edition(
        year=year,
        tests_start_on=today - dt.timedelta(days=60),
        tests_end_on=today - dt.timedelta(days=1),
        results_released_at=timezone.now() + dt.timedelta(days=2),
        appeals_close_at=timezone.now() + dt.timedelta(days=5),
        ceremony_at=timezone.now() + dt.timedelta(days=20),
    )
    cat = world.category(edition, slug=f"banque-{year}")
    azur = world.entry(cat, f"azur-{year}")
    beryl = world.entry(cat, f"beryl-{year}")
    factories.CampaignFactory(edition=edition)
    world.add_tests(azur, "phone", [14, 15])
    world.add_tests(azur, "email", [12])
    world.add_tests(azur, "email", [3], excluded=True)
    contested = world.add_tests(beryl, "phone", [11])[0]
    world.recompute_categories(category_ids=[cat.pk])
    Appeal.objects.create(result=contested, entry=beryl, filed_by=factories.UserFactory(), reason="Mal noté")
    if published:
        edition.frozen_at = edition.published_at = timezone.now()
        edition.save(update_fields=["frozen_at", "published_at"])
    return edition, azur, beryl


def test_console_dashboard_figures_of_an_open_edition():
    # Arrange
    edition, azur, beryl = dashboard_world(2061)
    dashboard_world(2062, published=True)

    # Act
    board = season_dashboard()

    # Assert
    assert [s["edition"] for s in board] == [edition]
    season = board[0]
    assert season["planned_percent"] == 100
    assert season["n_entries"] == 2
    assert [(b["brand"], [(s["channel"], s["missing"]) for s in b["short"]]) for b in season["behind"]] == [
        (beryl.brand.name, [("phone", 1), ("email", 1)])
    ]
    assert [(c["channel"], c["counted"], c["planned"], c["behind"]) for c in season["agencies"][0]["cells"]] == [
        ("phone", 3, 4, True),
        ("email", 1, 2, True),
    ]
    assert (season["received"], season["excluded"]) == (5, 1)
    assert season["rankings"]["fresh"] is True
    assert season["appeals"]["n_open"] == 1
    assert season["publication"]["state"] == "open"
    assert season["publication"]["days"] == 20
    keys = [step["key"] for step in season["timeline"]]
    assert keys == ["tests_start_on", "tests_end_on", "today", "results_released_at", "appeals_close_at", "ceremony_at"]


def test_console_dashboard_marks_rankings_stale_when_never_computed():
    # Arrange
    world.category(world.small_edition(year=2063))

    # Act
    season = season_dashboard()[0]

    # Assert
    assert season["rankings"]["fresh"] is False
    assert season["rankings"]["n_stale"] == 1


@pytest.mark.parametrize("n_editions", [1, 3])
def test_console_dashboard_query_count_does_not_grow_with_editions(django_assert_num_queries, n_editions):
    # Arrange
    for i in range(n_editions):
        dashboard_world(2070 + i)

    # Act / Assert: editions, entries, entry tallies, campaigns, campaign tallies, rankings, appeals, publications.
    with django_assert_num_queries(8):
        board = season_dashboard()
    assert len(board) == n_editions


def test_console_admin_home_shows_the_dashboard_in_french_above_the_model_list(admin_client):
    # Arrange
    edition, _azur, beryl = dashboard_world(2064)

    # Act
    response = admin_client.get(reverse("admin:index"), HTTP_ACCEPT_LANGUAGE="fr")

    # Assert
    text = response.text
    assert response.status_code == 200
    assert 'data-testid="season-dashboard"' in text
    assert 'data-testid="today"' in text
    assert reverse("admin:scoring_edition_overview", args=[edition.pk]) in text
    assert reverse("admin:election_entry_change", args=[beryl.pk]) in text
    assert "Téléphone" in text and ">phone<" not in text
    assert text.index('data-testid="season-dashboard"') < text.index('id="models"') < text.index("app-election")


def test_console_admin_home_without_the_permission_shows_only_the_model_list(client):
    # Arrange: a staff account without the organisers' permission (e.g. a translator).
    dashboard_world(2065)
    client.force_login(factories.UserFactory(username="traductrice", is_staff=True))

    # Act
    response = client.get(reverse("admin:index"))

    # Assert
    assert response.status_code == 200
    assert 'data-testid="season-dashboard"' not in response.text


# -- 4. French labels instead of codes ------------------------------------------------------------


def test_console_edition_pages_read_right_in_french(admin_client):
    # Arrange
    open_edition = factories.EditionFactory()
    frozen = published_edition()

    # Act
    change = admin_client.get(
        reverse("admin:election_edition_change", args=[open_edition.pk]), HTTP_ACCEPT_LANGUAGE="fr"
    )
    view = admin_client.get(reverse("admin:election_edition_change", args=[frozen.pk]), HTTP_ACCEPT_LANGUAGE="fr")
    add = admin_client.get(reverse("admin:election_category_add"), HTTP_ACCEPT_LANGUAGE="fr")

    # Assert
    assert "Modification de l&#x27;édition" in change.text
    assert "Quota : Téléphone" in change.text and "Poids : Réseaux sociaux" in change.text
    assert "Quota : phone" not in change.text
    assert "Affichage de l&#x27;édition" in view.text
    assert "Quota : Téléphone" in view.text
    assert "figés (publiés)" in view.text
    assert "Ajout d&#x27;une catégorie" in add.text


def test_console_admin_home_dashboard_speaks_french(admin_client):
    # Arrange
    dashboard_world(2067)

    # Act
    response = admin_client.get(reverse("admin:index"), HTTP_ACCEPT_LANGUAGE="fr")

    # Assert
    assert "Tableau de bord de la saison" in response.text
    assert "1 candidature sur 2 en retard sur le plan" in response.text
    assert "Clôture des recours" in response.text
    assert "Revue à terminer avant la communication aux marques" in response.text


def unnamed_inputs(html: str) -> list[str]:
    """Inputs a person fills in with neither a <label for> nor an aria-label (axe's "label" rule)."""
    labelled = set(re.findall(r'<label[^>]*\bfor="([^"]+)"', html))
    unnamed = []
    for tag in re.findall(r"<(?:input|select|textarea)\b[^>]*>", html):
        if re.search(r'type="(hidden|submit)"', tag) or "__prefix__" in tag or "aria-label=" in tag:
            continue
        found = re.search(r'\bid="([^"]+)"', tag)
        if not (found and found.group(1) in labelled):
            unnamed.append(tag)
    return unnamed


@pytest.mark.parametrize("model", ["edition", "category", "brand"])
def test_console_change_forms_name_every_input(admin_client, model):
    # Arrange
    entry = factories.EntryFactory()
    factories.BrandMembershipFactory(brand=entry.brand)
    obj = {"edition": entry.category.edition, "category": entry.category, "brand": entry.brand}[model]

    # Act
    response = admin_client.get(reverse(f"admin:election_{model}_change", args=[obj.pk]), HTTP_ACCEPT_LANGUAGE="fr")

    # Assert
    assert unnamed_inputs(response.text) == []
    if model == "edition":
        assert 'aria-label="Cérémonie (heure)"' in response.text


def test_console_rankings_and_progress_pages_read_right_in_french(admin_client):
    # Arrange: "Classements de Élu…" read wrong; a dash reads right whatever the name starts with.
    edition, _azur, _beryl = dashboard_world(2068)
    campaign = edition.campaigns.get()

    # Act
    rankings = admin_client.get(reverse("admin:scoring_edition_overview", args=[edition.pk]), HTTP_ACCEPT_LANGUAGE="fr")
    progress = admin_client.get(
        reverse("admin:mystery_tests_campaign_progress", args=[campaign.pk]), HTTP_ACCEPT_LANGUAGE="fr"
    )

    # Assert
    assert "Classements — Élu" in rankings.text
    assert "Classements de Élu" not in rankings.text
    assert "Avancement — " in progress.text
    assert '<th scope="col">Téléphone</th>' in progress.text
    assert '<th scope="col">phone</th>' not in progress.text


def test_console_brand_slug_of_a_published_brand_is_read_only(admin_client):
    # Arrange: /palmares/brands/<slug>/ is published once the brand competes in a frozen edition.
    published = factories.EntryFactory(category=factories.CategoryFactory(edition=published_edition())).brand
    unpublished = factories.EntryFactory().brand

    # Act
    frozen_page = admin_client.get(reverse("admin:election_brand_change", args=[published.pk]))
    open_page = admin_client.get(reverse("admin:election_brand_change", args=[unpublished.pk]))
    admin_client.post(
        reverse("admin:election_brand_change", args=[published.pk]),
        {
            "name": "Nouveau nom",
            "slug": "nouvelle-adresse",
            "website": "",
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
            "memberships-MIN_NUM_FORMS": "0",
            "memberships-MAX_NUM_FORMS": "1000",
        },
    )

    # Assert
    assert 'name="slug"' not in frozen_page.text
    assert 'name="slug"' in open_page.text
    published.refresh_from_db()
    assert published.name == "Nouveau nom"
    assert published.slug != "nouvelle-adresse"


def category_options(html: str) -> list[str]:
    """The labels of the entry form's category select, in their order (the empty choice left out)."""
    select = re.search(r'<select name="category"[^>]*>(.*?)</select>', html, flags=re.S)
    assert select, "no category select"
    return [label for value, label in re.findall(r'<option value="(\d*)"[^>]*>([^<]*)</option>', select[1]) if value]


def test_console_entry_form_names_each_category_with_its_edition_open_ones_newest_first(admin_client):
    # Arrange: every edition has its « Banque en ligne »; 2026 is published (frozen), 2027 and 2028 open.
    for year, frozen in ((2026, True), (2027, False), (2028, False)):
        now = timezone.now() if frozen else None
        edition = factories.EditionFactory(year=year, frozen_at=now, published_at=now)
        for slug, name in (("banque-en-ligne", "Banque en ligne"), ("assurance", "Assurance")):
            factories.CategoryFactory(edition=edition, slug=slug, name=name)

    # Act
    response = admin_client.get(reverse("admin:election_entry_add"), HTTP_ACCEPT_LANGUAGE="fr")

    # Assert
    assert category_options(response.text) == [
        "Assurance — France 2028",
        "Banque en ligne — France 2028",
        "Assurance — France 2027",
        "Banque en ligne — France 2027",
    ]


def test_console_entry_change_form_offers_only_its_editions_categories(admin_client):
    # Arrange
    entry = factories.EntryFactory(category__edition__year=2027, category__name="Banque en ligne")
    factories.CategoryFactory(edition=entry.category.edition, name="Assurance")
    factories.CategoryFactory(edition__year=2028, name="Banque en ligne")

    # Act
    response = admin_client.get(reverse("admin:election_entry_change", args=[entry.pk]), HTTP_ACCEPT_LANGUAGE="en")

    # Assert
    assert category_options(response.text) == ["Assurance — France 2027", "Banque en ligne — France 2027"]
    assert f'<option value="{entry.category.pk}" selected>Banque en ligne — France 2027</option>' in response.text


def test_console_edition_decimal_settings_read_and_parse_in_the_readers_notation(admin_client, organiser, rf):
    # Arrange
    edition = factories.EditionFactory(threshold="12.00", completion="1.000", max_shopper_share="0.200")
    request = rf.get("/")
    request.user = organiser
    form = admin.site.get_model_admin(Edition).get_form(request, edition)

    # Act
    french = admin_client.get(reverse("admin:election_edition_change", args=[edition.pk]), HTTP_ACCEPT_LANGUAGE="fr")
    english = admin_client.get(reverse("admin:election_edition_change", args=[edition.pk]), HTTP_ACCEPT_LANGUAGE="en")
    with translation.override("fr"):
        parsed = [form.base_fields[name].clean(text) for name, text in (("threshold", "12,5"), ("completion", "0,8"))]

    # Assert
    for name, value in (("threshold", "12,00"), ("completion", "1,000"), ("max_shopper_share", "0,200")):
        assert re.search(rf'name="{name}" value="{value}"', french.text), name
        assert re.search(rf'name="{name}" value="{value.replace(",", ".")}"', english.text), name
    assert parsed == [Decimal("12.5"), Decimal("0.8")]


def test_console_entry_form_names_categories_in_the_readers_language(admin_client):
    # Arrange
    edition = factories.EditionFactory(year=2027)
    factories.CategoryFactory(edition=edition, name="Banque en ligne", names={"en": "Online banking"})

    # Act
    english = admin_client.get(reverse("admin:election_entry_add"), HTTP_ACCEPT_LANGUAGE="en")
    french = admin_client.get(reverse("admin:election_entry_add"), HTTP_ACCEPT_LANGUAGE="fr")

    # Assert
    assert category_options(english.text) == ["Online banking — France 2027"]
    assert category_options(french.text) == ["Banque en ligne — France 2027"]
