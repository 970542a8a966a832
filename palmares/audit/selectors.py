"""Reads of the audit: the auditor's view of the sample, the public summary, the publication gate."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

from django.db.models import Count, Q
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from common.display import format_local
from election.models import Edition
from mystery_tests.selectors import criterion_labels
from palmares.models import Appeal, Audit, AuditCheck, Publication
from palmares.publication.provenance import result_fingerprint


def audit_of(*, edition: Edition) -> Audit | None:
    return Audit.objects.filter(edition=edition).select_related("edition").first()


def audit_checks(*, audit: Audit):
    return audit.checks.select_related("result__agency", "result__entry__brand", "result__entry__category").order_by(
        "position"
    )


def auditor_name(edition: Edition) -> str:
    """The auditor's public name: the edition's ``auditor_name``, else the user's full name or username."""
    if edition.auditor_name:
        return edition.auditor_name
    user = edition.auditor
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


def _signer_name(audit: Audit) -> str:
    """Who signed the audit off, by the edition's public name for its auditor while that is still the signer
    (an organiser may name another auditor afterwards: the palmarès names who signed, not the newcomer)."""
    signer = audit.signed_off_by
    if signer is None or signer.pk == audit.edition.auditor_id:
        return auditor_name(audit.edition)
    return signer.get_full_name() or signer.get_username()


def audit_signed_off(*, edition: Edition) -> bool:
    return Audit.objects.filter(edition=edition, signed_off_at__isnull=False).exists()


def audit_progress(*, edition: Edition) -> str:
    """Where an edition's audit stands, for an organiser told that publication waits for it."""
    if edition.auditor_id is None:
        return _("No auditor is named yet: name one in the edition's form.")
    audit = (
        Audit.objects.filter(edition=edition)
        .annotate(
            drawn=Count("checks"),
            checked=Count(
                "checks",
                filter=Q(checks__outcome__in=[AuditCheck.Outcome.VERIFIED, AuditCheck.Outcome.DISCREPANCY]),
            ),
        )
        .first()
    )
    if audit is None:
        return _("The auditor has not drawn the sample yet.")
    return _("Sample drawn on %(date)s: %(checked)d of %(drawn)d drawn tests checked, not signed off yet.") % {
        "date": format_local(audit.drawn_at, edition.time_zone, "DATE_FORMAT"),
        "checked": audit.checked,
        "drawn": audit.drawn,
    }


def audit_summary(*, edition: Edition) -> dict[str, Any] | None:
    """The palmarès body's ``audit`` (API.md): ``{"auditor", "signed_at", "sampled", "verified",
    "discrepancies"}`` once signed off, else None."""
    audit = (
        Audit.objects.filter(edition=edition, signed_off_at__isnull=False)
        .select_related("edition__auditor", "signed_off_by")
        .annotate(
            sampled=Count("checks"),
            verified=Count("checks", filter=Q(checks__outcome=AuditCheck.Outcome.VERIFIED)),
            discrepancies=Count("checks", filter=Q(checks__outcome=AuditCheck.Outcome.DISCREPANCY)),
        )
        .first()
    )
    if audit is None:
        return None
    return {
        "auditor": _signer_name(audit),
        "signed_at": audit.signed_off_at.astimezone(dt.UTC).isoformat(),
        "sampled": audit.sampled,
        "verified": audit.verified,
        "discrepancies": audit.discrepancies,
    }


def check_body(check: AuditCheck) -> dict[str, Any]:
    result = check.result
    return {
        "category": check.category_slug,
        "agency": result.agency.slug,
        "external_id": result.external_id,
        "fingerprint": check.fingerprint,
        "outcome": check.outcome or None,
        "note": check.note,
        "checked_at": check.checked_at.astimezone(dt.UTC).isoformat() if check.checked_at else None,
    }


def audit_body(*, audit: Audit) -> dict[str, Any]:
    """The auditor's view of the audit (sample endpoint): how it was drawn and each drawn test."""
    return {
        "edition": audit.edition_id,
        "rate": float(audit.rate),
        "nonce": audit.nonce,
        "tree_hash": audit.tree_hash,
        "seed": audit.seed,
        "counted_tests": audit.counted_tests,
        "drawn_at": audit.drawn_at.astimezone(dt.UTC).isoformat(),
        "signed_off_at": audit.signed_off_at.astimezone(dt.UTC).isoformat() if audit.signed_off_at else None,
        "tests": [check_body(c) for c in audit_checks(audit=audit)],
    }


def frozen_audit(*, publication_id: int) -> dict[str, Any] | None:
    """The palmarès ``audit`` frozen in a publication's snapshot (None without a signed-off audit)."""
    value = Publication.objects.filter(pk=publication_id).values_list("snapshot__palmares__audit", flat=True).first()
    return value if isinstance(value, dict) else None


def audit_statement(audit: dict[str, Any] | None, *, time_zone: str) -> str:
    """The public sentence about a palmarès ``audit``, in the active language ("" without one):
    "Results audited by Maître …, on …: 120 tests drawn at random, 120 verified, 0 discrepancies."."""
    if not audit:
        return ""
    signed = dt.datetime.fromisoformat(audit["signed_at"]).astimezone(zoneinfo.ZoneInfo(time_zone))
    return ngettext(
        "Results audited by %(auditor)s on %(date)s: %(sampled)d tests drawn at random, %(verified)d verified, "
        "%(discrepancies)d discrepancy.",
        "Results audited by %(auditor)s on %(date)s: %(sampled)d tests drawn at random, %(verified)d verified, "
        "%(discrepancies)d discrepancies.",
        audit["discrepancies"],
    ) % {
        "auditor": audit["auditor"],
        "date": date_format(signed.date(), "DATE_FORMAT"),
        "sampled": audit["sampled"],
        "verified": audit["verified"],
        "discrepancies": audit["discrepancies"],
    }


def evidence(*, check: AuditCheck) -> dict[str, Any]:
    """A drawn test with everything behind it: all its fields (points with their criteria), its history
    (versions, exclusions, restores), its appeals, and whether it is still the version drawn."""
    result = check.result
    labels = criterion_labels(result.entry.category.edition_id, result.channel)  # in the reader's language
    return {
        "result": result,
        "points": [
            {"code": code, "label": labels.get(code, code), "points": points}
            for code, points in (result.scores or {}).items()
            if points is not None
        ],
        "events": list(result.events.select_related("user").order_by("at", "id")),
        "appeals": list(Appeal.objects.filter(result=result).select_related("filed_by").order_by("filed_at")),
        "current_fingerprint": result.fingerprint or result_fingerprint(result),
    }
