"""Writes on the competition's structure (ENGINEERING "Inside an app": keyword-only, atomic).

Rankings learn about changed inputs (an entry's status, an edition's settings) from the
model signals scoring listens to, so these services save through the models.
"""

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from .models import Edition, Entry

RANKED_FIELDS = {"status", "category", "brand"}


class EditionFrozen(Exception):
    """The edition's results are frozen (publication decided): its entries can no longer change."""


def _refuse_if_frozen(entries: Iterable[Entry]) -> None:
    if any(e.category.edition.is_frozen for e in entries):
        raise EditionFrozen(_("The results of this edition are frozen (published): its entries can no longer change."))


def edition_save(*, edition: Edition, changed_fields: Iterable[str] = ()) -> Edition:
    """Validate and save an edition (Edition.clean refuses changing a frozen edition's settings)."""
    edition.full_clean()
    with transaction.atomic():
        edition.save()
    return edition


def entry_save(*, entry: Entry, changed_fields: Iterable[str] = ()) -> Entry:
    """Validate and save an entry; a new entry, or a change of what is ranked, is refused once frozen."""
    if entry.pk is None or RANKED_FIELDS & set(changed_fields):
        _refuse_if_frozen([entry])
    entry.full_clean()
    with transaction.atomic():
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
    _refuse_if_frozen(entries)
    with transaction.atomic():
        for entry in entries:
            entry.status = status
            entry.status_reason = reason
            entry.save(update_fields=["status", "status_reason", "updated_at"])
    return len(entries)
