"""Writes on the competition's structure (ENGINEERING "Inside an app": keyword-only, atomic).

Rankings learn about changed inputs (an entry's status, an edition's settings) from the
model signals scoring listens to, so these services save through the models.
"""

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from .models import Category, Edition, Entry

RANKED_FIELDS = {"status", "category", "brand"}


class EditionFrozen(Exception):
    """The edition's results are frozen (publication decided): its entries can no longer change."""


def _lock_editions(edition_ids: Iterable[int]) -> dict[int, Edition]:
    """Lock the editions' rows (id order) inside the caller's transaction and read them afresh.

    Uploads, review changes and publication take the same lock: a change racing a publication
    waits for it, then sees ``frozen_at`` as committed and is refused; it never lands after the freeze.
    """
    return {e.pk: e for e in Edition.objects.select_for_update().filter(pk__in=set(edition_ids)).order_by("pk")}


def _refuse_if_frozen(entries: Iterable[Entry]) -> None:
    """Refuse when an entry's edition is frozen, as read under the edition's lock (call inside atomic)."""
    entries = list(entries)
    # The stored category too: an entry moved out of a frozen edition changes that edition's results.
    saved = [e.pk for e in entries if e.pk is not None]
    stored = Entry.objects.filter(pk__in=saved).values_list("category_id", flat=True)
    category_ids = {e.category_id for e in entries} | set(stored)
    edition_ids = Category.objects.filter(pk__in=category_ids).values_list("edition_id", flat=True)
    if any(e.is_frozen for e in _lock_editions(edition_ids).values()):
        raise EditionFrozen(_("The results of this edition are frozen (published): its entries can no longer change."))


def edition_save(*, edition: Edition, changed_fields: Iterable[str] = ()) -> Edition:
    """Validate and save an edition (Edition.clean refuses changing a frozen edition's settings).

    The publication state (``frozen_at``, ``published_at``) belongs to palmares' services: it is
    read under the edition's lock, so a settings change racing a publication is judged against
    the freeze and never writes back a stale "not frozen".
    """
    with transaction.atomic():
        if edition.pk is not None:
            locked = _lock_editions([edition.pk]).get(edition.pk)
            if locked is not None:
                edition.frozen_at, edition.published_at = locked.frozen_at, locked.published_at
        edition.full_clean()
        edition.save()
    return edition


def entry_save(*, entry: Entry, changed_fields: Iterable[str] = ()) -> Entry:
    """Validate and save an entry; a new entry, or a change of what is ranked, is refused once frozen."""
    with transaction.atomic():
        if entry.pk is None or RANKED_FIELDS & set(changed_fields):
            _refuse_if_frozen([entry])
        entry.full_clean()
        entry.save()
    return entry


def entries_set_status(*, entries: Iterable[Entry], status: str, reason: str = "") -> int:
    """Set the status of several entries at once (with the reason); returns how many changed.

    Raises EditionFrozen if any of them belongs to a frozen edition, and ValidationError for
    an unknown status: nothing is changed then.
    """
    if status not in Entry.Status.values:
        raise ValidationError(_("“%(status)s” is not an entry status.") % {"status": status})
    entries = [e for e in entries if e.status != status]
    with transaction.atomic():
        _refuse_if_frozen(entries)
        for entry in entries:
            entry.status = status
            entry.status_reason = reason
            entry.save(update_fields=["status", "status_reason", "updated_at"])
    return len(entries)
