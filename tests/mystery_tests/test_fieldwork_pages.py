# ruff: noqa: F811  (the world fixture is imported from tests.support.world and requested by name)
"""The fieldwork settings (load_edition, defaults), the plan's API endpoint and CSV, the agency's plan page
with its progress, the organisers' balance page and the brands' spread of tests (issue 20)."""

import csv
import datetime as dt
import io
import json
from decimal import Decimal
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation

from election.models import Edition
from mystery_tests import fieldwork
from mystery_tests.loading import EditionFileInvalid, load_edition
from mystery_tests.models import TestResult
from tests.support import factories
from tests.support.world import result, world  # noqa: F401  (world is a fixture)

pytestmark = pytest.mark.django_db

SCENARIOS = [{"code": "S1", "label": "Ouverture de compte"}, {"code": "S2", "label": "Résiliation"}]
SLOTS = [{"code": "am", "start": "09:00", "end": "12:00"}, {"code": "pm", "start": "14:00", "end": "17:30"}]


# -- settings -------------------------------------------------------------------------------------------
def test_new_edition_has_default_slots_share_and_no_scenario_list():
    # Act
    edition = factories.EditionFactory()

    # Assert
    assert [s["code"] for s in edition.slots] == ["morning", "midday", "afternoon"]
    assert edition.max_shopper_share == Decimal("0.20")
    assert edition.scenarios == []


def test_load_edition_sets_the_fieldwork_settings(tmp_path):
    # Arrange
    doc = {
        "country": "FR",
        "year": 2029,
        "name": "Édition 2029",
        "settings": {"slots": SLOTS, "scenarios": SCENARIOS, "max_shopper_share": 0.25},
    }
    path = tmp_path / "edition.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    out = StringIO()

    # Act
    with translation.override("en"):
        call_command("load_edition", str(path), stdout=out)

    # Assert
    edition = Edition.objects.get(pk=json.loads(out.getvalue())["edition"])
    assert (edition.slots, edition.scenarios, edition.max_shopper_share) == (SLOTS, SCENARIOS, Decimal("0.250"))


def test_load_edition_names_every_bad_slot_and_scenario_and_stores_nothing(tmp_path):
    # Arrange
    doc = {
        "country": "FR",
        "year": 2029,
        "name": "Édition 2029",
        "settings": {
            "slots": [{"code": "am", "start": "12:00", "end": "09:00"}, {"code": "am", "start": "9h", "end": "10:00"}],
            "scenarios": [{"code": "S 1", "label": "x"}],
            "max_shopper_share": 1.5,
        },
    }

    # Act
    with translation.override("en"), pytest.raises(EditionFileInvalid) as caught:
        load_edition(data=doc)

    # Assert
    paths = [e["path"] for e in caught.value.errors]
    assert paths == [
        "settings.slots[0].end",
        "settings.slots[1].code",
        "settings.slots[1].start",
        "settings.scenarios[0].code",
        "settings.max_shopper_share",
    ]
    assert not Edition.objects.filter(year=2029).exists()


def test_edition_clean_refuses_a_slot_that_ends_before_it_starts():
    # Arrange
    edition = factories.EditionFactory()
    edition.slots = [{"code": "am", "start": "12:00", "end": "09:00"}]

    # Act / Assert
    with pytest.raises(ValidationError, match=r"slots\[0\]\.end"):
        edition.full_clean()


# -- the plan over the API -------------------------------------------------------------------------------
def plan_url(campaign) -> str:
    return f"/api/v1/campaigns/{campaign.pk}/plan/"


def test_api_plan_gives_every_entry_its_quota_balanced_and_is_deterministic(world):
    # Arrange
    world.edition.scenarios = SCENARIOS
    world.edition.save()

    # Act
    first = world.api_a.get(plan_url(world.campaign_a), {"seed": 4})
    second = world.api_a.get(plan_url(world.campaign_a), {"seed": 4})

    # Assert
    assert first.status_code == 200
    body = first.json()
    assert body == second.json()
    entries = {e.pk for e in fieldwork.campaign_entries(world.campaign_a)}
    tests = body["tests"]
    assert {t["entry"] for t in tests} == entries
    quota = world.edition.quota
    phone = [t for t in tests if t["channel"] == "phone" and t["entry"] == world.entries["banque-1"].pk]
    assert len(phone) == quota["phone"]
    per_scenario = [sum(t["scenario"] == s["code"] for t in phone) for s in SCENARIOS]
    assert max(per_scenario) - min(per_scenario) <= 1
    assert body["scenarios"] == SCENARIOS


def test_api_plan_as_csv_has_the_same_lines(world):
    # Act
    as_json = world.api_a.get(plan_url(world.campaign_a)).json()
    as_csv = world.api_a.get(plan_url(world.campaign_a), {"format": "csv"})

    # Assert
    assert as_csv.status_code == 200
    assert as_csv["Content-Type"].startswith("text/csv")
    lines = list(csv.DictReader(io.StringIO(as_csv.content.decode("utf-8-sig"))))
    assert len(lines) == len(as_json["tests"])
    assert lines[0] == {k: str(v) for k, v in as_json["tests"][0].items()}


def test_api_plan_of_another_agency_is_404_and_a_short_roster_is_400(world):
    # Act
    other = world.api_a.get(plan_url(world.campaign_b))
    short = world.api_a.get(plan_url(world.campaign_a), {"shoppers": "A1,B2"})
    bad_seed = world.api_a.get(plan_url(world.campaign_a), {"seed": "-3"})

    # Assert
    assert other.status_code == 404
    assert short.status_code == 400
    assert short.json()["errors"] == [
        {"field": "shoppers", "message": "140 tests with at most 28 per shopper need 5 shoppers; the roster has 2."}
    ]
    assert bad_seed.status_code == 400


def test_api_plan_with_a_roster_rotates_its_codes_under_the_share(world):
    # Arrange: phone quota 140 at 20 %: at most 28 tests per shopper, 5 shoppers needed
    roster = ["A1", "B2", "C3", "D4", "E5", "F6"]

    # Act
    body = world.api_a.get(plan_url(world.campaign_a), {"shoppers": ",".join(roster)}).json()

    # Assert
    phone = [t for t in body["tests"] if t["channel"] == "phone" and t["entry"] == world.entries["banque-1"].pk]
    counts = {code: sum(t["shopper"] == code for t in phone) for code in roster}
    assert set(counts) == set(roster)
    assert max(counts.values()) <= int(Decimal("0.2") * len(phone))


# -- the agency's page -----------------------------------------------------------------------------------
def test_agency_plan_page_shows_progress_and_highlights_entries_behind(world, client, settings):
    # Arrange: a campaign of 4 weeks around today, two tests done for one entry only
    settings.LANGUAGE_CODE = "en"
    today = dt.date.today()
    world.campaign_a.starts_on = today - dt.timedelta(days=14)
    world.campaign_a.ends_on = today + dt.timedelta(days=13)
    world.campaign_a.save()
    world.edition.quota_email = world.edition.quota_web = world.edition.quota_chat = world.edition.quota_social = 0
    world.edition.quota_phone = 8
    world.edition.save()
    entry = world.entries["banque-1"]
    when = dt.datetime.combine(today - dt.timedelta(days=14), dt.time(10, 0)).isoformat() + "+02:00"
    items = [result(entry, n, performed_at=when, shopper=f"SH{n}") for n in (1, 2)]
    uploaded = world.api_a.post(f"/api/v1/campaigns/{world.campaign_a.pk}/results/", items, format="json")
    assert uploaded.status_code == 200
    client.force_login(world.user_a)

    # Act
    page = client.get(reverse("mystery_tests:agency-plan", args=[world.campaign_a.pk]), HTTP_ACCEPT_LANGUAGE="en")
    csv_file = client.get(reverse("mystery_tests:agency-plan-csv", args=[world.campaign_a.pk]))

    # Assert: 8 tests over 4 weeks = 2 a week; by week 3, 6 planned and at most 2 done: every entry is behind
    assert page.status_code == 200
    text = page.content.decode()
    assert "Progress against the plan, week by week" in text
    assert text.count('class="behind"') == len(fieldwork.campaign_entries(world.campaign_a))
    assert csv_file.status_code == 200
    assert len(csv_file.content.decode("utf-8-sig").strip().splitlines()) == 1 + 8 * len(
        fieldwork.campaign_entries(world.campaign_a)
    )


def test_agency_plan_page_of_another_agency_is_404(world, client):
    # Arrange
    client.force_login(world.user_a)

    # Act
    response = client.get(reverse("mystery_tests:agency-plan", args=[world.campaign_b.pk]))

    # Assert
    assert response.status_code == 404


# -- the balance achieved (organisers) and the spread (brands) -------------------------------------------
def test_campaign_balance_names_the_entry_one_shopper_did_alone(world):
    # Arrange: an edition whose phone quota is 4; banque-1's 4 tests by one shopper on one Monday morning
    entry = world.one_shopper_alone()

    # Act
    found = fieldwork.campaign_balance(world.campaign_a)

    # Assert
    (line,) = found["breaking"]
    assert line["entry"] == entry
    assert line["balance"].problems == ["weeks", "slots", "shopper"]
    assert line["balance"].slots["morning"] == 4


def test_entry_spread_counts_weeks_weekdays_slots_and_scenarios_never_shoppers(world):
    # Arrange
    entry = world.entries["banque-1"]
    items = [
        result(entry, 1, performed_at="2027-05-03T10:00:00+02:00", shopper="SH1", scenario="S1"),
        result(entry, 2, performed_at="2027-05-12T15:00:00+02:00", shopper="SH2", scenario="S2"),
        result(entry, 3, performed_at="2027-05-12T20:00:00+02:00", shopper="SH2"),
    ]
    world.api_a.post(f"/api/v1/campaigns/{world.campaign_a.pk}/results/", items, format="json")

    # Act
    spread = fieldwork.entry_spread(entry)

    # Assert
    assert spread["total"] == 3
    assert spread["weeks"] == [(dt.date(2027, 5, 3), 1), (dt.date(2027, 5, 10), 2)]
    assert dict(spread["weekdays"])[2] == 2
    assert dict(spread["slots"]) == {"morning": 1, "midday": 0, "afternoon": 1, "-": 1}
    assert spread["scenarios"] == [("S1", "S1", 1), ("S2", "S2", 1)]
    assert "SH1" not in repr(spread)


def test_entry_spread_is_none_without_tests(world):
    assert fieldwork.entry_spread(world.entries["banque-2"]) is None
    assert not TestResult.objects.exists()
