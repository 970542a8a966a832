"""Reads about certificates: what a verification shows, who may download which PDF."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import Case, F, OuterRef, Q, QuerySet, Subquery, Value, When
from django.utils import timezone
from django.utils.translation import get_language

from common.permissions import is_organiser
from palmares.audit.selectors import audit_statement
from palmares.certificates.services import (
    certificate_facts,
    display_score,
    facts_fingerprint,
    normalize_code,
    palmares_category_path,
    verify_url,
    with_certificate_facts,
)
from palmares.models import Certificate, Publication

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser
    from django.contrib.auth.models import AnonymousUser

VALID = "valid"
EXPIRED = "expired"
REVOKED = "revoked"
SCHEDULED = "scheduled"  # its publication is not live yet: only organisers see it


def _was_public(now: dt.datetime) -> Q:
    """The publication went live (and was not withdrawn before it did)."""
    return Q(publication__goes_live_at__lte=now) & (
        Q(publication__unpublished_at__isnull=True) | Q(publication__unpublished_at__gte=F("publication__goes_live_at"))
    )


def certificate_for_verification(*, code: str, now: dt.datetime | None = None) -> Certificate | None:
    """The certificate a verification code names, or None when it is unknown or its
    publication was never public (nothing leaks before go-live)."""
    canonical = normalize_code(code)
    if canonical is None:
        return None
    now = now or timezone.now()
    return with_certificate_facts(Certificate.objects.filter(_was_public(now), code=canonical)).first()


def next_edition_publication(*, certificate: Certificate, now: dt.datetime | None = None) -> Publication | None:
    """The first live publication of a later edition of the same country, which ends the
    certificate's validity (METHODOLOGY: the title holds until the next edition)."""
    now = now or timezone.now()
    edition = certificate.publication.edition
    return (
        Publication.objects.filter(
            edition__country=edition.country,
            edition__year__gt=edition.year,
            is_current=True,
            unpublished_at__isnull=True,
            goes_live_at__lte=now,
        )
        .select_related("edition")
        .defer("snapshot")
        .order_by("goes_live_at")
        .first()
    )


def with_validity(queryset: QuerySet[Certificate], *, now: dt.datetime) -> QuerySet[Certificate]:
    """Annotate ``state`` (VALID, EXPIRED, REVOKED or SCHEDULED) and ``next_live_at`` (go-live
    of the next edition of the country, if live) in the query itself, for lists."""
    next_live = (
        Publication.objects.filter(
            edition__country=OuterRef("publication__edition__country"),
            edition__year__gt=OuterRef("publication__edition__year"),
            is_current=True,
            unpublished_at__isnull=True,
            goes_live_at__lte=now,
        )
        .order_by("goes_live_at")
        .values("goes_live_at")[:1]
    )
    return queryset.annotate(next_live_at=Subquery(next_live)).annotate(
        state=Case(
            When(revoked_at__isnull=False, then=Value(REVOKED)),
            When(publication__goes_live_at__gt=now, then=Value(SCHEDULED)),
            When(valid_until__lte=now, then=Value(EXPIRED)),
            # The next edition went live (at or before now): the title passed on.
            When(next_live_at__isnull=False, then=Value(EXPIRED)),
            default=Value(VALID),
        )
    )


@dataclass(frozen=True)
class Verification:
    state: str  # VALID, EXPIRED or REVOKED
    valid_from: dt.datetime
    valid_until: dt.datetime  # the effective end: one year, or earlier if the next edition went live
    superseded_by: Publication | None
    revoked_at: dt.datetime | None
    revoked_reason: str

    @property
    def is_valid(self) -> bool:
        return self.state == VALID


def certificate_verification(*, certificate: Certificate, now: dt.datetime | None = None) -> Verification:
    """The certificate's state at ``now``: revoked, expired (one year passed or the next
    edition of the country went live, whichever came first) or valid."""
    now = now or timezone.now()
    successor = next_edition_publication(certificate=certificate, now=now)
    valid_until = certificate.valid_until
    if successor is not None and successor.goes_live_at < valid_until:
        valid_until = successor.goes_live_at
    else:
        successor = None
    if certificate.revoked_at is not None:
        state = REVOKED
    elif now >= valid_until:
        state = EXPIRED
    else:
        state = VALID
    return Verification(
        state=state,
        valid_from=certificate.issued_at,
        valid_until=valid_until,
        superseded_by=successor,
        revoked_at=certificate.revoked_at,
        revoked_reason=certificate.revoked_reason,
    )


def verification_page(*, code: str, now: dt.datetime | None = None) -> dict[str, Any] | None:
    """Everything the public verification page shows, or None (→ 404)."""
    now = now or timezone.now()
    certificate = certificate_for_verification(code=code, now=now)
    if certificate is None:
        return None
    verification = certificate_verification(certificate=certificate, now=now)
    publication = certificate.publication
    edition = publication.edition
    category = certificate.entry.category
    still_public = publication.is_current and publication.unpublished_at is None
    return {
        "certificate": certificate,
        "verification": verification,
        "edition": edition,
        "category": category,
        # The reader's language (issue 19), else the edition's (the printed certificate's).
        "category_name": category.name_for(get_language()),
        "brand": certificate.entry.brand,
        "overall": display_score(certificate.overall),
        "ex_aequo": (certificate.co_laureates or 0) > 1,
        "verify_url": verify_url(certificate.code),
        "audit_statement": audit_statement(getattr(certificate, "frozen_audit", None), time_zone=edition.time_zone),
        "palmares_url": (
            palmares_category_path(country=edition.country, year=edition.year, slug=category.slug)
            if still_public
            else None
        ),
    }


def _downloadable(user: AbstractBaseUser, now: dt.datetime, include_revoked: bool = False) -> Q:
    if is_organiser(user):
        return Q()
    mine = Q(entry__brand__memberships__user=user) & Q(publication__goes_live_at__lte=now)
    current = Q(revoked_at__isnull=True) & Q(publication__unpublished_at__isnull=True)
    if include_revoked:
        # The portal's list also shows the brand's revoked certificates, with the reason.
        return mine & (current | Q(revoked_at__isnull=False))
    return mine & current


def certificates_for(
    *, user: AbstractBaseUser | AnonymousUser, now: dt.datetime | None = None, include_revoked: bool = False
) -> QuerySet[Certificate]:
    """Certificates the user may download: organisers all; a brand member those of the brand's
    live, unrevoked titles; anyone else none. Each carries ``state`` and ``next_live_at``
    (see ``with_validity``) for lists such as the portal's. ``include_revoked`` adds, for the
    portal's list only, the brand's revoked ones (shown with their reason, never downloadable)."""
    if not user.is_authenticated:
        return Certificate.objects.none()
    now = now or timezone.now()
    visible = _downloadable(user, now, include_revoked)
    return (
        with_validity(with_certificate_facts(Certificate.objects.filter(visible)), now=now)
        .distinct()
        .order_by("-publication__edition__year", "entry__category__name", "entry__brand__name", "pk")
    )


def certificate_for_download(
    *, user: AbstractBaseUser | AnonymousUser, code: str, now: dt.datetime | None = None
) -> Certificate | None:
    canonical = normalize_code(code)
    if canonical is None:
        return None
    return certificates_for(user=user, now=now).filter(code=canonical).first()


def certificate_generation_counts(*, queryset: QuerySet[Certificate]) -> dict[str, int]:
    """How many of these certificates have an up-to-date PDF (``generated``) and how many
    still wait for one, missing or outdated (``pending``)."""
    total = generated = 0
    for certificate in with_certificate_facts(queryset.order_by()):
        total += 1
        if certificate.file and certificate.file_fingerprint == facts_fingerprint(certificate_facts(certificate)):
            generated += 1
    return {"total": total, "generated": generated, "pending": total - generated}
