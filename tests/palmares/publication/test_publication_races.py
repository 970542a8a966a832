# ruff: noqa: F811  (pytest fixtures imported from tests.support.world are redefined as test arguments)
"""Changes racing a publication (issue 13, findings 8, 13, 15): exclusions, accepted appeals,
withdrawals, settings changes and uploads take the edition row's lock that publication holds
from the freeze to the snapshot, and read ``frozen_at`` under it.

On SQLite (``select_for_update`` is a no-op) the tests check that a change is judged on the
edition as stored, never on a stale object in memory. On PostgreSQL (marker ``services``) a
thread holds the lock as a publication does; the change must wait for it, then be refused.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections, transaction
from django.utils import timezone, translation

from election import services as election_services
from election.models import Edition, Entry
from mystery_tests import review
from mystery_tests.models import TestResult
from mystery_tests.services import CampaignLocked, ResultsInvalid, grid_recompute_scores, results_upload
from palmares.appeals import services as appeal_services
from tests.support import factories
from tests.support.appeals import build_world
from tests.support.workers import wait_until
from tests.support.world import result, world  # noqa: F401  (world is a fixture)

pytestmark = pytest.mark.usefixtures("in_english")


def _freeze(edition: Edition) -> None:
    Edition.objects.filter(pk=edition.pk).update(frozen_at=timezone.now(), published_at=timezone.now())


# -- any database: judged on the stored edition ---------------------------------------------------
def test_entries_set_status_with_stale_entries_after_freeze_is_refused(world):
    entries = list(Entry.objects.select_related("category__edition").filter(category=world.banque))
    _freeze(world.edition)  # published after the organiser's page loaded the entries

    with pytest.raises(election_services.EditionFrozen):
        election_services.entries_set_status(entries=entries, status="withdrawn", reason="Retrait")

    assert (
        not Entry.objects.filter(category=world.banque, status="withdrawn")
        .exclude(pk=world.entries["banque-withdrawn"].pk)
        .exists()
    )


def test_entry_save_status_change_with_stale_edition_after_freeze_is_refused(world):
    entry = Entry.objects.select_related("category__edition").get(pk=world.entries["banque-1"].pk)
    _freeze(world.edition)
    entry.status = "withdrawn"

    with pytest.raises(election_services.EditionFrozen):
        election_services.entry_save(entry=entry, changed_fields=["status"])

    assert Entry.objects.get(pk=entry.pk).status == "registered"


def test_edition_save_with_stale_object_keeps_the_freeze(world):
    edition = Edition.objects.get(pk=world.edition.pk)
    _freeze(world.edition)
    edition.name = "Nouveau nom"

    election_services.edition_save(edition=edition, changed_fields=["name"])

    stored = Edition.objects.get(pk=edition.pk)
    assert (stored.name, stored.is_frozen) == ("Nouveau nom", True)


def test_edition_save_settings_change_with_stale_object_after_freeze_is_refused(world):
    edition = Edition.objects.get(pk=world.edition.pk)
    _freeze(world.edition)
    edition.quota_phone = 200

    with pytest.raises(ValidationError):
        election_services.edition_save(edition=edition, changed_fields=["quota_phone"])

    assert Edition.objects.get(pk=edition.pk).quota_phone == world.edition.quota_phone


def test_exclusion_after_freeze_is_refused_and_nothing_changes(world, organiser):
    results_upload(campaign=world.campaign_a, items=[result(world.entries["banque-1"], 1)])
    stored = TestResult.objects.select_related("campaign__edition").get()
    _freeze(world.edition)

    with pytest.raises(review.ReviewRefused):
        review.result_exclude(result=stored, user=organiser, reason="Hors protocole")

    assert TestResult.objects.get().excluded is False


def test_appeal_accept_after_freeze_is_refused(db, organiser):
    w = build_world()
    appeal = appeal_services.appeal_file(result=w.appealed, user=w.member_a, reason="Appel jamais reçu")
    _freeze(w.edition)

    with pytest.raises(appeal_services.AppealWindowClosed):
        appeal_services.appeal_accept(appeal=appeal, user=organiser, answer="Accepté")

    assert TestResult.objects.get(pk=w.appealed.pk).excluded is False


def test_grid_recompute_with_stale_edition_after_freeze_is_refused(world):
    edition = Edition.objects.get(pk=world.edition.pk)
    _freeze(world.edition)

    with pytest.raises(CampaignLocked):
        grid_recompute_scores(edition=edition)


# -- PostgreSQL: the lock orders a change after a publication ---------------------------------------
class LockHolder(threading.Thread):
    """Holds the edition row's lock as ``edition_publish`` does (locked, frozen, not yet committed),
    or runs ``inside`` under an outer transaction, until ``release`` is set."""

    def __init__(self, edition_id: int, inside: Callable[[], None] | None = None):
        super().__init__(daemon=True)
        self.edition_id, self.inside = edition_id, inside
        self.holding, self.release = threading.Event(), threading.Event()
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            with transaction.atomic():
                if self.inside is None:
                    Edition.objects.select_for_update().get(pk=self.edition_id)
                    Edition.objects.filter(pk=self.edition_id).update(frozen_at=timezone.now())
                else:
                    self.inside()
                self.holding.set()
                self.release.wait(60)
        except BaseException as exc:  # noqa: BLE001 - reported to the test
            self.error = exc
            self.holding.set()
        finally:
            connections.close_all()


class Attempt(threading.Thread):
    """Runs ``action`` in its own connection and keeps what it returned or raised."""

    def __init__(self, action: Callable[[], object]):
        super().__init__(daemon=True)
        self.action = action
        self.outcome: object = None
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            with translation.override("en"):
                self.outcome = self.action()
        except BaseException as exc:  # noqa: BLE001 - reported to the test
            self.error = exc
        finally:
            connections.close_all()


def _waiting_on_a_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0] > 0


def _race(edition_id: int, action: Callable[[], object], inside: Callable[[], None] | None = None) -> Attempt:
    """``action`` starts while the lock is held, must wait for it, and runs once it is released."""
    holder = LockHolder(edition_id, inside)
    holder.start()
    assert holder.holding.wait(60)
    assert holder.error is None, holder.error
    attempt = Attempt(action)
    attempt.start()
    try:
        assert wait_until(_waiting_on_a_lock, timeout=30, interval=0.05), "the change did not wait for the lock"
        assert attempt.is_alive()
    finally:
        holder.release.set()
        holder.join(60)
        attempt.join(60)
    assert holder.error is None, holder.error
    return attempt


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_exclusion_racing_publication_waits_then_is_refused(world, organiser):
    results_upload(campaign=world.campaign_a, items=[result(world.entries["banque-1"], 1)])
    stored = TestResult.objects.get()

    attempt = _race(
        world.edition.pk,
        lambda: review.results_exclude(result_ids=[stored.pk], user=organiser, reason="Hors protocole"),
    )

    assert isinstance(attempt.error, review.ReviewRefused)
    assert TestResult.objects.get().excluded is False


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_withdrawal_racing_publication_waits_then_is_refused(world):
    entries = [Entry.objects.select_related("category__edition").get(pk=world.entries["banque-1"].pk)]

    attempt = _race(world.edition.pk, lambda: election_services.entries_set_status(entries=entries, status="withdrawn"))

    assert isinstance(attempt.error, election_services.EditionFrozen)
    assert Entry.objects.get(pk=entries[0].pk).status == "registered"


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_appeal_accept_racing_publication_waits_then_is_refused(organiser):
    w = build_world()
    appeal = appeal_services.appeal_file(result=w.appealed, user=w.member_a, reason="Appel jamais reçu")

    attempt = _race(w.edition.pk, lambda: appeal_services.appeal_accept(appeal=appeal, user=organiser, answer="Oui"))

    assert isinstance(attempt.error, appeal_services.AppealWindowClosed)
    assert TestResult.objects.get(pk=w.appealed.pk).excluded is False


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_concurrent_uploads_of_two_agencies_never_exceed_the_quota(world):
    Edition.objects.filter(pk=world.edition.pk).update(quota_phone=3)
    entry = world.entries["banque-1"]
    first = [result(entry, n, external_id=f"A-{n}") for n in range(2)]
    second = [result(entry, n, external_id=f"B-{n}") for n in range(2)]

    # Agency A's upload is stored but not yet committed when agency B's starts.
    attempt = _race(
        world.edition.pk,
        lambda: results_upload(campaign=world.campaign_b, items=second),
        inside=lambda: results_upload(campaign=world.campaign_a, items=first),
    )

    assert isinstance(attempt.error, ResultsInvalid)
    assert [e["index"] for e in attempt.error.errors] == [1]
    assert TestResult.objects.filter(entry=entry, excluded=False).count() == 2


def test_entry_moved_out_of_a_frozen_edition_is_refused(world):
    other = factories.CategoryFactory(edition=factories.EditionFactory(year=2031), slug="ailleurs")
    entry = Entry.objects.get(pk=world.entries["banque-1"].pk)
    _freeze(world.edition)
    entry.category = other

    with pytest.raises(election_services.EditionFrozen):
        election_services.entry_save(entry=entry, changed_fields=["category"])

    assert Entry.objects.get(pk=entry.pk).category_id == world.banque.pk
