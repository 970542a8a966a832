"""``manage.py seed_demo``: the demo is built through the real paths, is idempotent and can be rebuilt.

Run at a tenth of the real quotas to stay quick; the full demo is the same code with scale 1.
"""

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from demo import services as demo
from election.models import Brand, BrandMembership, Edition, Entry
from mystery_tests.models import Campaign, TestResult
from palmares.models import Publication

pytestmark = pytest.mark.django_db

SCALE = "0.1"


def seed(*args: str) -> str:
    out = StringIO()
    call_command("seed_demo", "--scale", SCALE, *args, stdout=out)
    return out.getvalue()


def counts() -> dict:
    return {
        "editions": Edition.objects.count(),
        "brands": Brand.objects.count(),
        "entries": Entry.objects.count(),
        "campaigns": Campaign.objects.count(),
        "results": TestResult.objects.count(),
        "publications": Publication.objects.count(),
    }


@pytest.fixture
def seeded():
    return seed()


def test_seed_demo_builds_a_published_2026_and_an_open_2027(seeded):
    # Act
    editions = {e.year: e for e in Edition.objects.filter(country="FR")}

    # Assert
    assert sorted(editions) == [2026, 2027]
    assert editions[2026].is_published and editions[2026].is_frozen
    assert not editions[2027].is_frozen
    assert [e.categories.count() for e in editions.values()] == [12, 12]
    assert Brand.objects.count() == 66
    assert Entry.objects.filter(category__edition=editions[2026]).count() == 60
    assert Entry.objects.filter(category__edition=editions[2026], status="withdrawn").count() == 1
    assert Campaign.objects.filter(edition=editions[2026]).count() == 2


def test_seed_demo_uploads_every_registered_entrys_season(seeded):
    # Arrange
    edition = Edition.objects.get(country="FR", year=2026)
    per_entry = sum(edition.quota.values())  # 14 + 5 + 2 + 1 + 1 at a tenth of the quotas

    # Act
    uploaded = TestResult.objects.filter(campaign__edition=edition)

    # Assert
    complete = 59 - 3  # registered entries, less the three short of tests in transport-aerien
    assert per_entry == 23
    assert uploaded.count() == complete * per_entry + 3 * (8 + 3 + 1 + 0 + 0)
    assert uploaded.filter(reached=False).exists()
    assert not uploaded.filter(entry__status="withdrawn").exists()


def test_seed_demo_palmares_has_laureates_and_unawarded_categories(seeded):
    # Arrange
    publication = Publication.objects.get(edition__year=2026, is_current=True)

    # Act
    laureates = {c["slug"]: c["laureates"] for c in publication.snapshot["palmares"]["categories"]}

    # Assert
    assert laureates["transport-aerien"] == []  # fewer than 3 complete entries
    assert 8 <= sum(1 for v in laureates.values() if v) <= 11
    assert len(laureates) == 12


def test_seed_demo_prints_working_logins(seeded, client):
    # Assert
    assert "organisateur / demo-organisateur-2026" in seeded
    assert "banque-azur / demo-marque-2026" in seeded
    organiser = get_user_model().objects.get(username="organisateur")
    assert (organiser.is_staff, organiser.is_superuser) == (True, True)
    assert organiser.groups.filter(name="Organisers").exists()  # an organiser by the explicit permission too
    assert client.login(username="organisateur", password="demo-organisateur-2026")
    assert BrandMembership.objects.filter(user__username="banque-azur", brand__slug="banque-azur").exists()


def test_seed_demo_second_run_changes_nothing(seeded):
    # Arrange
    before = counts()
    ids = sorted(Edition.objects.values_list("pk", flat=True))

    # Act
    seed()

    # Assert
    assert counts() == before
    assert sorted(Edition.objects.values_list("pk", flat=True)) == ids


def test_seed_demo_reset_rebuilds_the_same_demo(seeded):
    # Arrange
    before = counts()

    # Act
    seed("--reset")

    # Assert
    assert counts() == before


def test_seed_demo_results_are_deterministic():
    # Arrange
    entry = demo.entries_for(2026)[0]
    edition = Edition(country="FR", year=2026)

    # Act
    first = demo.results_for(2026, edition, entry, 1, "TQ")
    second = demo.results_for(2026, edition, entry, 1, "TQ")

    # Assert
    assert first == second
    assert len(first) == 225


def test_seed_demo_refuses_production(settings):
    # Arrange
    settings.PRODUCTION = True

    # Act / Assert
    with pytest.raises(Exception, match="DJANGO_ENV=production"):
        seed()
    assert Edition.objects.count() == 0
