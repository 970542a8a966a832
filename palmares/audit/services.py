"""Writes of the audit: draw the sample, record checks, sign off. Only the edition's auditor calls these
(the API and pages check ``is_edition_auditor`` first)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from election.models import Edition, Entry
from mystery_tests.models import TestResult
from palmares.audit import changes
from palmares.audit.sampling import audit_seed, draw
from palmares.models import Audit, AuditCheck
from palmares.publication.provenance import counted_leaves, provenance_of

MAX_NONCE_LENGTH = 200


class AuditError(Exception):
    """Bad input for an audit operation; ``errors`` lists every problem (API.md error items)."""

    def __init__(self, message: str, errors: list[dict] | None = None):
        super().__init__(message)
        self.errors = errors or []


class AuditConflict(Exception):
    """The audit is not in a state that allows the operation (not drawn, already drawn or signed off)."""


@dataclass(frozen=True)
class CheckInput:
    agency: str
    external_id: str
    outcome: str
    note: str


def _locked_audit(edition: Edition) -> Audit:
    Edition.objects.select_for_update().get(pk=edition.pk)
    audit = Audit.objects.select_for_update().filter(edition=edition).first()
    if audit is None:
        raise AuditConflict(_("The sample of this edition has not been drawn yet."))
    return audit


def _checked_request(rate: Decimal, nonce: str) -> None:
    errors = []
    if not nonce.strip():
        errors.append({"field": "nonce", "message": _("Give a nonce of your own choosing (any text).")})
    elif len(nonce) > MAX_NONCE_LENGTH:
        errors.append(
            {"field": "nonce", "message": _("The nonce is at most %(n)d characters.") % {"n": MAX_NONCE_LENGTH}}
        )
    if not (Decimal(0) < rate <= Decimal(1)):
        errors.append({"field": "rate", "message": _("The rate is a share of the tests: above 0, at most 1.")})
    if errors:
        raise AuditError(_("The sampling request is invalid; nothing was drawn."), errors)


def _draw_into(audit: Audit, *, edition: Edition, user, rate: Decimal, nonce: str) -> Audit:
    """Draw the sample of ``edition`` (locked) into ``audit`` (saved, or created when new)."""
    leaves = counted_leaves(edition=edition)
    total = sum(len(values) for values in leaves.values())
    if total == 0:
        raise AuditConflict(_("This edition has no counted test yet: there is nothing to sample."))
    _categories, tree_hash = provenance_of(leaves)
    seed = audit_seed(tree_hash, nonce)
    drawn = draw(seed=seed, rate=rate, leaves=leaves)
    results = {
        row.fingerprint: row
        for row in TestResult.objects.filter(
            entry__category__edition=edition,
            entry__status=Entry.Status.REGISTERED,
            excluded=False,
            fingerprint__in=[fingerprint.hex() for _slug, fingerprint in drawn],
        )
    }
    audit.auditor, audit.rate, audit.nonce, audit.tree_hash = user, rate, nonce, tree_hash
    audit.seed, audit.counted_tests, audit.drawn_at = seed.hex(), total, timezone.now()
    audit.signed_off_at, audit.signed_off_by, audit.signed_tree_hash = None, None, ""
    audit.save()
    AuditCheck.objects.bulk_create(
        AuditCheck(
            audit=audit,
            result=results[fingerprint.hex()],
            position=position,
            category_slug=slug,
            fingerprint=fingerprint.hex(),
        )
        for position, (slug, fingerprint) in enumerate(drawn)
    )
    return audit


def audit_draw(*, edition: Edition, user, rate: Decimal, nonce: str) -> Audit:
    """Draw the edition's sample, once (``sampling`` documents the procedure; ``audit_redraw`` after changes)."""
    nonce = nonce or ""
    _checked_request(rate, nonce)
    with transaction.atomic():
        locked = Edition.objects.select_for_update().get(pk=edition.pk)
        if Audit.objects.filter(edition=locked).exists():
            raise AuditConflict(_("The sample of this edition has already been drawn; it is drawn once."))
        return _draw_into(Audit(edition=locked), edition=locked, user=user, rate=rate, nonce=nonce)


def _earlier_draw(audit: Audit) -> dict:
    """The record of a draw about to be replaced: how it was drawn, its checks, its sign-off."""

    def iso(value):
        return value.isoformat() if value else None

    checks = audit.checks.select_related("result__agency").order_by("position")
    return {
        "rate": str(audit.rate),
        "nonce": audit.nonce,
        "tree_hash": audit.tree_hash,
        "seed": audit.seed,
        "counted_tests": audit.counted_tests,
        "drawn_at": iso(audit.drawn_at),
        "signed_off_at": iso(audit.signed_off_at),
        "signed_tree_hash": audit.signed_tree_hash,
        "replaced_at": timezone.now().isoformat(),
        "tests": [
            {
                "category": c.category_slug,
                "agency": c.result.agency.slug,
                "external_id": c.result.external_id,
                "fingerprint": c.fingerprint,
                "outcome": c.outcome or None,
                "note": c.note,
                "checked_at": iso(c.checked_at),
            }
            for c in checks
        ],
    }


def audit_redraw(*, edition: Edition, user, nonce: str, rate: Decimal | None = None) -> Audit:
    """Draw a new sample after the counted tests changed since the draw (or since the sign-off), with a new
    nonce. The earlier draw, its checks and sign-off are kept in ``Audit.earlier_draws``; the new sample
    starts unchecked and unsigned. Refused while nothing changed (the sample stands) and once published."""
    nonce = nonce or ""
    with transaction.atomic():
        locked = Edition.objects.select_for_update().get(pk=edition.pk)
        audit = Audit.objects.select_for_update().filter(edition=locked).first()
        if audit is None:
            raise AuditConflict(_("The sample of this edition has not been drawn yet."))
        rate = audit.rate if rate is None else rate
        _checked_request(rate, nonce)
        if locked.frozen_at is not None:
            raise AuditConflict(
                _("The edition is published (its results are frozen): the sample can no longer be redrawn.")
            )
        if not changes.covered(audit).changed:
            raise AuditConflict(_("No counted test changed since the draw or the sign-off: the sample stands."))
        used = {audit.nonce, *(earlier.get("nonce") for earlier in audit.earlier_draws)}
        if nonce in used:
            raise AuditError(
                _("The sampling request is invalid; nothing was drawn."),
                [{"field": "nonce", "message": _("Choose a new nonce: this one was already used for this edition.")}],
            )
        audit.earlier_draws = [*audit.earlier_draws, _earlier_draw(audit)]
        audit.checks.all().delete()
        return _draw_into(audit, edition=locked, user=user, rate=rate, nonce=nonce)


def audit_record_checks(*, edition: Edition, user, checks: list[CheckInput]) -> list[AuditCheck]:
    """Record the outcome of drawn tests (all or nothing); a later check of the same test replaces it."""
    if not checks:
        raise AuditError(_("Send at least one check."), [])
    with transaction.atomic():
        audit = _locked_audit(edition)
        if audit.is_signed_off:
            raise AuditConflict(_("The audit is signed off: its checks can no longer change."))
        drawn = {
            (c.result.agency.slug, c.result.external_id): c
            for c in audit.checks.select_related("result__agency").select_for_update(of=("self",))
        }
        errors: list[dict] = []
        seen: set[tuple[str, str]] = set()
        for index, item in enumerate(checks):
            key = (item.agency, item.external_id)
            if key not in drawn:
                errors.append(
                    {"index": index, "field": "external_id", "message": _("This test is not in the drawn sample.")}
                )
            elif key in seen:
                errors.append({"index": index, "field": "external_id", "message": _("This test is checked twice.")})
            seen.add(key)
            if item.outcome == AuditCheck.Outcome.DISCREPANCY and not item.note.strip():
                errors.append({"index": index, "field": "note", "message": _("Describe the discrepancy in a note.")})
        if errors:
            raise AuditError(_("The checks are invalid; nothing was stored."), errors)
        now = timezone.now()
        changed = []
        for item in checks:
            check = drawn[(item.agency, item.external_id)]
            check.outcome, check.note, check.checked_at = item.outcome, item.note.strip(), now
            changed.append(check)
        AuditCheck.objects.bulk_update(changed, ["outcome", "note", "checked_at"])
    return changed


def audit_sign_off(*, edition: Edition, user, acknowledge_changes: bool = False) -> Audit:
    """Sign the audit off, once every drawn test has an outcome. The sign-off covers the tree hash of the
    counted tests at this moment (``signed_tree_hash``). When tests changed since the draw, the auditor
    either redraws or signs off knowingly (``acknowledge_changes``); otherwise it is refused, naming them."""
    with transaction.atomic():
        audit = _locked_audit(edition)
        if audit.is_signed_off:
            raise AuditConflict(_("The audit was already signed off."))
        pending = audit.checks.filter(outcome=AuditCheck.Outcome.PENDING).count()
        if pending:
            raise AuditConflict(
                _("%(n)d drawn test(s) have no outcome yet: record a check for each before signing off.")
                % {"n": pending}
            )
        change = changes.since_draw(audit)
        if change.changed and not acknowledge_changes:
            raise AuditConflict(
                _(
                    "%(changes)s Redraw the sample with a new nonce, or sign off acknowledging the changes: "
                    "the sign-off then covers the tests as they are now."
                )
                % {"changes": change.since_draw_message()}
            )
        audit.signed_off_at = timezone.now()
        audit.signed_off_by = user
        audit.signed_tree_hash = change.current
        audit.save(update_fields=["signed_off_at", "signed_off_by", "signed_tree_hash"])
    return audit
