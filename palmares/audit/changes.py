"""Reads: did the edition's counted tests change since the audit's draw, or since its sign-off?

The sample is drawn from the tree hash of the counted tests (METHODOLOGY §12) and the sign-off covers the
tree hash the auditor saw when signing (``Audit.signed_tree_hash``). A test added, replaced, excluded or
restored afterwards changes the current tree hash: the auditor sees a warning and may redraw with a new
nonce or sign off knowingly, the organiser sees it on the publication page, and publication is refused
while the current tree hash differs from the signed-off one (publication.services)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q
from django.utils.translation import gettext, gettext_noop, ngettext
from django.utils.translation import gettext as _

from common.display import format_local
from election.models import Edition
from mystery_tests.models import TestResult
from palmares.models import Audit
from palmares.publication.provenance import counted_leaves, provenance_of


@dataclass(frozen=True)
class TreeChange:
    """The edition's counted tests against those an audit covered (drawn, or signed off)."""

    since: dt.datetime
    covered: str  # the tree hash the draw (or the sign-off) saw
    current: str  # the tree hash now
    tests: int  # tests added, replaced, excluded or restored since (by their history)
    time_zone: str

    @property
    def changed(self) -> bool:
        return self.covered != self.current

    @property
    def when(self) -> str:
        return format_local(self.since, self.time_zone)

    def _said(self, unknown: str, counted: str) -> str:
        """The change in words: ``unknown`` when no test's history names it (e.g. an entry withdrawn)."""
        return (counted if self.tests else gettext(unknown)) % {"n": self.tests, "when": self.when}

    def since_draw_message(self) -> str:
        """ "3 tests changed since the draw on …" (for the auditor and the organisers)."""
        return self._said(
            gettext_noop("The counted tests changed since the draw on %(when)s."),
            ngettext(
                "%(n)d test changed since the draw on %(when)s.",
                "%(n)d tests changed since the draw on %(when)s.",
                self.tests,
            ),
        )

    def since_signoff_message(self) -> str:
        return self._said(
            gettext_noop("The counted tests changed since the audit was signed off on %(when)s."),
            ngettext(
                "%(n)d test changed since the audit was signed off on %(when)s.",
                "%(n)d tests changed since the audit was signed off on %(when)s.",
                self.tests,
            ),
        )

    def hashes_message(self) -> str:
        return _("tree hash covered by the audit %(covered)s, now %(current)s") % {
            "covered": self.covered,
            "current": self.current,
        }


def current_tree_hash(*, edition: Edition) -> str:
    _categories, tree_hash = provenance_of(counted_leaves(edition=edition))
    return tree_hash


def tests_changed_since(*, edition: Edition, since: dt.datetime) -> int:
    """Tests of the edition stored, replaced, excluded or restored after ``since`` (one query)."""
    return (
        TestResult.objects.filter(entry__category__edition=edition)
        .filter(Q(created_at__gt=since) | Q(events__at__gt=since))
        .values("pk")
        .distinct()
        .count()
    )


def _change(audit: Audit, *, since: dt.datetime, covered: str, current: str | None) -> TreeChange:
    edition = audit.edition
    current = current if current is not None else current_tree_hash(edition=edition)
    tests = tests_changed_since(edition=edition, since=since) if current != covered else 0
    return TreeChange(since=since, covered=covered, current=current, tests=tests, time_zone=edition.time_zone)


def since_draw(audit: Audit, *, current: str | None = None) -> TreeChange:
    """The counted tests now against those the sample was drawn from."""
    return _change(audit, since=audit.drawn_at, covered=audit.tree_hash, current=current)


def since_signoff(audit: Audit, *, current: str | None = None) -> TreeChange | None:
    """The counted tests now against those the sign-off covered (None before the sign-off)."""
    if audit.signed_off_at is None:
        return None
    return _change(audit, since=audit.signed_off_at, covered=audit.signed_tree_hash or audit.tree_hash, current=current)


def covered(audit: Audit, *, current: str | None = None) -> TreeChange:
    """What the audit covers now: since the sign-off once signed off, else since the draw."""
    return since_signoff(audit, current=current) or since_draw(audit, current=current)


def organiser_warning(audit: Audit, *, current: str | None = None) -> str:
    """What an organiser is told about an audit whose tests changed ("" when none did)."""
    change = covered(audit, current=current)
    if not change.changed:
        return ""
    if audit.signed_off_at is not None:
        return _(
            "%(edition)s: %(changes)s Publication is refused until the auditor redraws the sample and signs the "
            "audit off again."
        ) % {"edition": audit.edition, "changes": change.since_signoff_message()}
    return _("%(edition)s: %(changes)s The auditor may redraw the sample with a new nonce, or sign off knowingly.") % {
        "edition": audit.edition,
        "changes": change.since_draw_message(),
    }


def notice(audit: Audit | None) -> str:
    """ "N tests changed since the draw (or the sign-off) on …" for the lists of audits; "" when nothing did.
    A fixed number of queries per audit (the current tree hash, then the count of changed tests)."""
    if audit is None:
        return ""
    change = covered(audit)
    if not change.changed:
        return ""
    return change.since_signoff_message() if audit.signed_off_at is not None else change.since_draw_message()


def unpublished_warnings() -> list[str]:
    """The warnings of every audit of an edition not yet published (or scheduled), for the publication page."""
    audits = Audit.objects.filter(edition__frozen_at__isnull=True).select_related("edition").order_by("-drawn_at")
    return [warning for warning in (organiser_warning(audit) for audit in audits) if warning]
