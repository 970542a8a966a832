"""Publication services: frozen snapshot, go-live, unpublish/republish, the command and the go-live task."""

import datetime as dt
import io
from unittest import mock

import pytest
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.utils import timezone

from election.models import Edition
from mystery_tests import services as upload_services
from palmares.models import Publication
from palmares.publication import services, signals
from palmares.publication.tasks import publish_due
from scoring.models import CategoryRanking
from scoring.services import RecomputeReport, mark_inputs_changed
from tests.conftest import token_client
from tests.support import factories
from tests.support.palmares import LAUREATE_SCORE, add_results, build_world, recompute

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("in_english")]


def _upload_item(world, entry, external_id="LATE-1"):
    return {
        "external_id": external_id,
        "entry": entry.pk,
        "channel": "phone",
        "performed_at": f"{world.edition.year - 1}-06-02T10:00:00+02:00",
        "reached": True,
        "scores": {"greeting": 2},
    }


def test_publish_freezes_snapshot_with_palmares_body(world, organiser):
    # Act
    publication = services.edition_publish(edition=world.edition, user=organiser)

    # Assert
    world.edition.refresh_from_db()
    assert world.edition.frozen_at == publication.decided_at
    assert world.edition.published_at == publication.goes_live_at
    assert world.edition.results_released_at == publication.goes_live_at
    assert publication.decided_by == organiser
    assert publication.is_current is True
    body = publication.snapshot["palmares"]
    assert body["edition"] == {
        "id": world.edition.pk,
        "country": "FR",
        "year": 2031,
        "name": "Élu Service Client de l'Année 2031",
        "published_at": publication.goes_live_at.astimezone(dt.UTC).isoformat(),
    }

    def transparency(entries, complete):
        return {
            "entries": entries,
            "scored_entries": entries,
            "complete_entries": complete,
            "min_entrants": 3,
            "counted_tests": {"phone": 2 * entries, "email": entries},
            "excluded_tests": {"quality_review": 0, "appeal": 0},
        }

    laureate = {"brand": {"slug": "banque-0", "name": "Banque 0"}, "overall": LAUREATE_SCORE, "moe": 0.0}
    # (each category's provenance is checked by the provenance tests)
    assert [{k: v for k, v in c.items() if k != "provenance"} for c in body["categories"]] == [
        {
            "slug": "assurance",
            "name": "Assurance",
            "names": {"fr": "Assurance"},  # issue 19: the name by language
            "laureates": [],
            "robustness": None,
            "outcome": "below_threshold",
            "transparency": transparency(3, 3),
        },
        {
            "slug": "banque",
            "name": "Banque",
            "names": {"fr": "Banque"},  # issue 19: the name by language
            "laureates": [laureate | {"p_best": pytest.approx(1.0, abs=1e-4)}],
            "robustness": 1.0,
            "outcome": "awarded",
            "transparency": transparency(4, 4),
        },
        {
            "slug": "energie",
            "name": "Energie",
            "names": {"fr": "Energie"},  # issue 19: the name by language
            "laureates": [],
            "robustness": None,
            "outcome": "not_contested",
            "transparency": transparency(2, 2),
        },
    ]
    assert body["figures"]["awarded_categories"] == 1
    assert body["figures"]["categories"] == 3
    assert [c["slug"] for c in publication.snapshot["rankings"]["categories"]] == ["assurance", "banque", "energie"]
    assert publication.snapshot["methodology"]["threshold"] == 12.0
    assert [c["channel"] for c in publication.snapshot["methodology"]["channels"]] == ["phone", "email"]


def test_publish_recomputes_stale_categories_first(organiser):
    # Arrange: results stored but never computed, then one more result marked stale
    world = build_world()
    recompute(world)
    add_results(world, world.entries["assurance"][0], 20.0, phone=2, email=1)
    CategoryRanking.objects.filter(category=world.categories["assurance"]).update(input_version=99)

    # Act
    publication = services.edition_publish(edition=world.edition, user=organiser)

    # Assert: assurance-0 now averages (11.6875*3 + 20*3)/6 = 15.84375 and wins
    assurance = next(c for c in publication.snapshot["palmares"]["categories"] if c["slug"] == "assurance")
    assert [(lau["brand"], lau["overall"]) for lau in assurance["laureates"]] == [
        ({"slug": "assurance-0", "name": "Assurance 0"}, 15.84375)
    ]
    assert assurance["outcome"] == "awarded"
    assert publication.snapshot["rankings"]["stale"] is False


def test_publish_snapshot_immutable_after_recompute_and_new_results(world, organiser):
    # Arrange
    publication = services.edition_publish(edition=world.edition, user=organiser)
    frozen = publication.snapshot
    fingerprint = publication.fingerprint

    # Act: data changes behind the publication and a full recompute runs
    add_results(world, world.entries["banque"][1], 20.0, phone=6, email=3)
    recompute(world)

    # Assert
    publication.refresh_from_db()
    assert publication.snapshot == frozen
    assert publication.fingerprint == fingerprint


def test_publish_refuses_uploads_with_409(world, organiser):
    # Arrange
    services.edition_publish(edition=world.edition, user=organiser)
    agency_user = factories.AgencyMembershipFactory(agency=world.agency).user
    item = _upload_item(world, world.entries["banque"][1])

    csv_file = io.BytesIO(b"external_id,brand,category,channel,performed_at,reached\n")
    csv_file.name = "late.csv"

    # Act
    api = token_client(agency_user)
    response = api.post(f"/api/v1/campaigns/{world.campaign.pk}/results/", [item], format="json")
    file_response = api.post(f"/api/v1/campaigns/{world.campaign.pk}/imports/", {"file": csv_file}, format="multipart")

    # Assert
    assert response.status_code == 409
    assert file_response.status_code == 409
    with pytest.raises(upload_services.CampaignLocked):
        upload_services.results_upload(campaign=world.campaign, items=[item])


def test_publish_twice_refused(world, organiser):
    # Arrange
    services.edition_publish(edition=world.edition, user=organiser)

    # Act / Assert
    with pytest.raises(services.PublicationError, match="already published"):
        services.edition_publish(edition=world.edition, user=organiser)
    assert Publication.objects.filter(edition=world.edition).count() == 1


def test_publish_at_in_the_past_refused(world):
    with pytest.raises(services.PublicationError, match="past"):
        services.edition_publish(edition=world.edition, at=timezone.now() - dt.timedelta(hours=1))
    world.edition.refresh_from_db()
    assert world.edition.frozen_at is None


def test_publish_scheduled_freezes_now_goes_live_later(world):
    # Arrange
    at = timezone.now() + dt.timedelta(hours=3)

    # Act
    publication = services.edition_publish(edition=world.edition, at=at)

    # Assert
    world.edition.refresh_from_db()
    assert world.edition.frozen_at is not None
    assert world.edition.published_at == at
    assert world.edition.is_published is False
    with mock.patch("django.utils.timezone.now", return_value=at + dt.timedelta(seconds=1)):
        assert world.edition.is_published is True
    assert publication.snapshot["palmares"]["edition"]["published_at"] == at.astimezone(dt.UTC).isoformat()


def test_publish_keeps_an_earlier_release_of_scorecards(world):
    # Arrange
    released = timezone.now() - dt.timedelta(days=10)
    Edition.objects.filter(pk=world.edition.pk).update(results_released_at=released)

    # Act
    services.edition_publish(edition=world.edition, at=timezone.now() + dt.timedelta(hours=1))

    # Assert
    world.edition.refresh_from_db()
    assert world.edition.results_released_at == released


def test_publish_sends_signal_after_commit(world, django_capture_on_commit_callbacks):
    # Arrange
    received = []

    def listener(sender, publication, **kwargs):
        received.append(publication.pk)

    signals.edition_published.connect(listener)
    try:
        # Act
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            publication = services.edition_publish(edition=world.edition)
        assert received == []
        for callback in callbacks:
            callback()
    finally:
        signals.edition_published.disconnect(listener)

    # Assert
    assert received == [publication.pk]


def test_unpublish_records_and_unfreezes(world, organiser, django_capture_on_commit_callbacks):
    # Arrange
    publication = services.edition_publish(edition=world.edition, user=organiser)
    received = []

    def listener(sender, publication, reason, **kwargs):
        received.append((publication.pk, reason))

    signals.edition_unpublished.connect(listener)
    try:
        # Act
        with django_capture_on_commit_callbacks(execute=True):
            services.edition_unpublish(edition=world.edition, user=organiser, reason="Erreur de saisie")
    finally:
        signals.edition_unpublished.disconnect(listener)

    # Assert
    publication.refresh_from_db()
    world.edition.refresh_from_db()
    assert publication.is_current is False
    assert publication.unpublished_by == organiser
    assert publication.unpublish_reason == "Erreur de saisie"
    assert publication.unpublished_at is not None
    assert world.edition.frozen_at is None
    assert world.edition.published_at is None
    assert received == [(publication.pk, "Erreur de saisie")]


def test_unpublish_requires_reason_and_publication(world, organiser):
    with pytest.raises(services.PublicationError, match="not published"):
        services.edition_unpublish(edition=world.edition, user=organiser, reason="x")
    services.edition_publish(edition=world.edition)
    with pytest.raises(services.PublicationError, match="reason"):
        services.edition_unpublish(edition=world.edition, user=organiser, reason="  ")


def test_unpublish_of_scheduled_takes_back_its_scorecard_release(world, organiser):
    # Arrange
    services.edition_publish(edition=world.edition, at=timezone.now() + dt.timedelta(hours=2))

    # Act
    services.edition_unpublish(edition=world.edition, user=organiser, reason="Cérémonie reportée")

    # Assert
    world.edition.refresh_from_db()
    assert world.edition.results_released_at is None


def test_republish_makes_a_new_publication_from_current_data(world, organiser):
    # Arrange
    first = services.edition_publish(edition=world.edition, user=organiser)
    services.edition_unpublish(edition=world.edition, user=organiser, reason="Test exclu à tort")
    add_results(world, world.entries["banque"][1], 20.0, phone=6, email=3)
    mark_inputs_changed(category_ids=[world.categories["banque"].pk])

    # Act
    second = services.edition_publish(edition=world.edition, user=organiser)

    # Assert
    assert second.pk != first.pk
    assert list(Publication.objects.filter(edition=world.edition).values_list("pk", "is_current")) == [
        (second.pk, True),
        (first.pk, False),
    ]
    banque = next(c for c in second.snapshot["palmares"]["categories"] if c["slug"] == "banque")
    assert banque["laureates"][0]["brand"]["slug"] == "banque-1"
    assert second.fingerprint != first.fingerprint


def test_publish_command_now_prints_what_it_did(world):
    # Arrange
    out = io.StringIO()

    # Act
    call_command("publish_edition", str(world.edition.pk), stdout=out)

    # Assert
    publication = Publication.objects.get(edition=world.edition, is_current=True)
    text = out.getvalue()
    assert f"edition {world.edition.pk}" in text
    assert "3 categories, 1 awarded" in text
    assert "public since" in text
    assert f"Publication {publication.pk}" in text


def test_publish_command_at_without_offset_read_in_edition_time_zone(world):
    # Arrange: 21:30 in Paris in summer is 19:30 UTC
    year = timezone.now().year + 1
    out = io.StringIO()

    # Act
    call_command("publish_edition", str(world.edition.pk), "--at", f"{year}-06-12T21:30", stdout=out)

    # Assert
    publication = Publication.objects.get(edition=world.edition, is_current=True)
    assert publication.goes_live_at == dt.datetime(year, 6, 12, 19, 30, tzinfo=dt.UTC)
    assert "scheduled to go public at" in out.getvalue()
    assert f"{year}-06-12T21:30:00+02:00" in out.getvalue()


def test_publish_command_errors_are_clear(world):
    with pytest.raises(CommandError, match="No edition with id 999999"):
        call_command("publish_edition", "999999")
    with pytest.raises(CommandError, match="not a date and time"):
        call_command("publish_edition", str(world.edition.pk), "--at", "tomorrow night")
    assert not Publication.objects.exists()


def test_publish_due_warms_pages_once_at_go_live(world):
    # Arrange
    at = timezone.now() + dt.timedelta(minutes=5)
    publication = services.edition_publish(edition=world.edition, at=at)
    cache.clear()

    # Act
    before = publish_due()
    with mock.patch("django.utils.timezone.now", return_value=at + dt.timedelta(seconds=30)):
        first = publish_due()
        second = publish_due()

    # Assert: edition, methodology and 3 categories in 2 languages were cached once
    assert (before, first, second) == (0, 1, 0)
    keys = [k for k in cache._cache if f"palmares:page:edition:{publication.pk}:" in k]
    assert len(keys) == 10


def test_publish_refused_when_a_stale_category_cannot_be_computed(world):
    # Arrange: one category stale, and its recompute fails
    banque = world.categories["banque"]
    CategoryRanking.objects.filter(category=banque).update(input_version=99)
    failing = RecomputeReport(failed=[banque.pk])

    # Act
    with (
        mock.patch("scoring.services.recompute_categories", return_value=failing),
        pytest.raises(services.PublicationError, match="could not be computed.*Banque"),
    ):
        services.edition_publish(edition=world.edition)

    # Assert: all or nothing
    world.edition.refresh_from_db()
    assert (world.edition.frozen_at, world.edition.published_at) == (None, None)
    assert not Publication.objects.exists()
