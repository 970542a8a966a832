"""Publication of an edition: freeze an immutable snapshot when it is decided, go live now or later.

The snapshot is the only thing public pages and the palmarès API read, so recomputes,
late results or exclusions after the decision change nothing published (METHODOLOGY §10).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from election.models import Edition
from palmares.audit import changes as audit_changes
from palmares.audit.selectors import audit_progress, audit_signed_off
from palmares.models import Audit, Publication
from palmares.publication.provenance import counted_leaves, freeze_trees, provenance_of
from palmares.publication.selectors import bump_public_generation, forget_live_publication
from palmares.publication.signals import edition_published, edition_unpublished
from palmares.publication.snapshot import build_snapshot, snapshot_fingerprint
from scoring import services as scoring_services
from scoring.models import CategoryRanking


class PublicationError(Exception):
    """A publication request that cannot be carried out; the message says why."""


def _recompute_stale(*, edition: Edition) -> None:
    """Bring every stale (or never computed) category up to date before freezing, synchronously."""
    category_ids = set(edition.categories.values_list("pk", flat=True))
    fresh = {
        r.category_id
        for r in CategoryRanking.objects.filter(category_id__in=category_ids)
        if not r.stale and r.computed_at is not None
    }
    stale = category_ids - fresh
    if stale:
        report = scoring_services.recompute_categories(category_ids=stale)
        if report.failed:
            names = ", ".join(sorted(edition.categories.filter(pk__in=report.failed).values_list("name", flat=True)))
            raise PublicationError(
                _("The rankings of these categories could not be computed, so nothing was published: %(names)s.")
                % {"names": names}
            )


def _invalidate_live_cache(edition_id: int) -> None:
    forget_live_publication(edition_id=edition_id)


def _refuse_outdated_audit(*, edition: Edition, leaves: dict[str, list[bytes]]) -> None:
    """A signed-off audit covers the counted tests it saw (its tree hash): the palmarès states it, so it is
    not published over other tests. Refused, naming the change, until the auditor redraws and signs off."""
    audit = Audit.objects.filter(edition=edition, signed_off_at__isnull=False).select_related("edition").first()
    if audit is None:
        return
    _categories, current = provenance_of(leaves)
    change = audit_changes.since_signoff(audit, current=current)
    if change is not None and change.changed:
        raise PublicationError(
            _(
                "%(edition)s cannot be published: %(changes)s The audit covers the tests as they were then "
                "(%(hashes)s). Ask the auditor to redraw the sample with a new nonce and sign the audit off again."
            )
            % {"edition": edition, "changes": change.since_signoff_message(), "hashes": change.hashes_message()}
        )


def edition_publish(*, edition: Edition, at: dt.datetime | None = None, user=None) -> Publication:
    """Decide the publication of ``edition``: freeze its results now, make them public at ``at`` (or now).

    Uploads are refused from this moment (``Edition.frozen_at``); scorecards are released at
    go-live unless an organiser released them earlier.
    """
    now = timezone.now()
    if at is not None:
        if timezone.is_naive(at):
            raise PublicationError(_("The go-live time must carry a time zone."))
        if at < now - dt.timedelta(minutes=1):
            raise PublicationError(_("The go-live time is in the past; leave it empty to publish now."))
    goes_live_at = max(at, now) if at is not None else now

    with transaction.atomic():
        # The row lock serialises two organisers publishing at once and uploads that lock the edition.
        locked = Edition.objects.select_for_update().get(pk=edition.pk)
        current = Publication.objects.filter(edition=locked, is_current=True).first()
        if current is not None:
            raise PublicationError(
                _("%(edition)s is already published (public from %(at)s); unpublish it first.")
                % {"edition": locked, "at": timezone.localtime(current.goes_live_at).strftime("%Y-%m-%d %H:%M")}
            )
        if not locked.categories.exists():
            raise PublicationError(_("%(edition)s has no category to publish.") % {"edition": locked})
        if locked.audit_required and not audit_signed_off(edition=locked):
            refusal = _(
                "%(edition)s requires an audit: it cannot be published until its auditor has signed the audit off."
            ) % {"edition": locked}
            raise PublicationError(f"{refusal} {audit_progress(edition=locked)}")
        # Frozen first: from here no upload can slip in between the recompute and the snapshot.
        Edition.objects.filter(pk=locked.pk).update(frozen_at=now, published_at=goes_live_at, updated_at=now)
        _recompute_stale(edition=locked)
        # METHODOLOGY §12: the counted tests' fingerprints, frozen with the snapshot (roots) and kept (proofs).
        leaves = counted_leaves(edition=locked)
        _refuse_outdated_audit(edition=locked, leaves=leaves)
        snapshot = build_snapshot(edition=locked, goes_live_at=goes_live_at, leaves=leaves)
        if snapshot["rankings"].get("stale"):
            raise PublicationError(_("The rankings changed while publishing; try again."))
        releases = locked.results_released_at is None or locked.results_released_at > goes_live_at
        # Kept so that cancelling a scheduled publication can take back the release it made.
        snapshot["meta"] = {"released_results": releases}
        if releases:
            Edition.objects.filter(pk=locked.pk).update(results_released_at=goes_live_at)
        publication = Publication.objects.create(
            edition=locked,
            decided_at=now,
            decided_by=user if user is not None and user.is_authenticated else None,
            goes_live_at=goes_live_at,
            snapshot=snapshot,
            fingerprint=snapshot_fingerprint(snapshot),
            is_current=True,
        )
        freeze_trees(publication=publication, leaves=leaves)
        bump_public_generation()  # and again on commit (forget_live_publication), see certificate_revoke
        transaction.on_commit(lambda: _invalidate_live_cache(locked.pk))
        transaction.on_commit(lambda: edition_published.send(sender=Publication, publication=publication))
    edition.refresh_from_db()
    return publication


def edition_unpublish(*, edition: Edition, user, reason: str) -> Publication:
    """Withdraw the current publication of ``edition``, recording who, when and why.

    The edition's results are unfrozen (uploads and recomputes resume); publishing again
    makes a new snapshot.
    """
    reason = (reason or "").strip()
    if not reason:
        raise PublicationError(_("Say why the palmarès is withdrawn: a reason is required."))
    now = timezone.now()
    with transaction.atomic():
        locked = Edition.objects.select_for_update().get(pk=edition.pk)
        publication = Publication.objects.select_for_update().filter(edition=locked, is_current=True).first()
        if publication is None:
            raise PublicationError(_("%(edition)s is not published.") % {"edition": locked})
        publication.is_current = False
        publication.unpublished_at = now
        publication.unpublished_by = user if user is not None and user.is_authenticated else None
        publication.unpublish_reason = reason
        publication.save(update_fields=["is_current", "unpublished_at", "unpublished_by", "unpublish_reason"])
        changes: dict[str, Any] = {"frozen_at": None, "published_at": None, "updated_at": now}
        released_by_it = (publication.snapshot.get("meta") or {}).get("released_results")
        # A release made by a publication that never went live is taken back with it.
        if released_by_it and publication.goes_live_at > now and locked.results_released_at == publication.goes_live_at:
            changes["results_released_at"] = None
        Edition.objects.filter(pk=locked.pk).update(**changes)
        bump_public_generation()  # and again on commit (forget_live_publication), see certificate_revoke
        transaction.on_commit(lambda: _invalidate_live_cache(locked.pk))
        transaction.on_commit(
            lambda: edition_unpublished.send(sender=Publication, publication=publication, reason=reason)
        )
    edition.refresh_from_db()
    return publication
