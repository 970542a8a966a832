"""Laureates' certificates: issue, render (PDF with a verification QR code) and revoke.

A certificate belongs to one publication and one laureate entry of its snapshot. Its PDF is
a cached file, regenerated only when the facts it prints change (a data fingerprint), and the
new file always replaces the old one. What a verification shows (valid / expired / revoked)
is computed when someone verifies (see ``palmares.certificates.selectors``), never printed as
a frozen state.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import logging
import math
import secrets
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from celery import current_app
from django.conf import settings
from django.contrib.admin.models import CHANGE, LogEntry
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Count, OuterRef, QuerySet, Subquery
from django.db.models.fields.json import KeyTransform
from django.template.loader import get_template
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from common.display import country_name, display_score
from common.pagecache import bump_public_generation
from election.models import Entry
from palmares.audit.selectors import audit_statement, frozen_audit
from palmares.models import Certificate, Publication

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser
    from django.contrib.auth.models import AnonymousUser

logger = logging.getLogger(__name__)
# Queued by name: palmares/certificates/tasks.py imports this module (the task calls certificate_render).
RENDER_CERTIFICATE = "palmares.render_certificate"

# No 0/O, 1/I/L: a code read off a framed certificate is typed without doubt.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_GROUPS = 3
CODE_GROUP_LENGTH = 5
# 15 symbols of a 31-letter alphabet: log2(31) * 15 ≈ 74 bits, unguessable by enumeration.
CODE_LENGTH = CODE_GROUPS * CODE_GROUP_LENGTH

PDF_TEMPLATE = "palmares/certificate.html"


class CertificateError(Exception):
    """A certificate operation refused: the message says why."""


# -- codes --------------------------------------------------------------------------------


def _group(symbols: str) -> str:
    return "-".join(symbols[i : i + CODE_GROUP_LENGTH] for i in range(0, CODE_LENGTH, CODE_GROUP_LENGTH))


def new_code() -> str:
    """A fresh verification code such as ``K7QF2-MXA9H-TD3WR`` (CSPRNG, ~74 bits)."""
    return _group("".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH)))


def normalize_code(raw: str) -> str | None:
    """The canonical form of a code as someone typed it (any case, spaces or dashes), or
    None when it cannot be a code at all."""
    symbols = "".join(ch for ch in raw.upper() if ch.isalnum())
    if len(symbols) != CODE_LENGTH or any(ch not in CODE_ALPHABET for ch in symbols):
        return None
    return _group(symbols)


# -- facts printed on a certificate -----------------------------------------------------------


def one_year_after(moment: dt.datetime) -> dt.datetime:
    """The same instant a calendar year later (29 February → 28 February)."""
    try:
        return moment.replace(year=moment.year + 1)
    except ValueError:
        return moment.replace(year=moment.year + 1, day=28)


def verify_path(code: str) -> str:
    return f"/verify/{code}/"


def verify_url(code: str) -> str:
    return settings.SITE_URL.rstrip("/") + verify_path(code)


def palmares_category_path(*, country: str, year: int, slug: str) -> str:
    """The stable public address of a category's palmarès (API.md "Stable page addresses")."""
    return f"/palmares/{country.lower()}/{year}/{slug}/"


def with_certificate_facts(queryset: QuerySet[Certificate]) -> QuerySet[Certificate]:
    """Everything ``certificate_facts`` reads, in one query (the snapshot JSON is left out:
    it can be large and nothing printed comes from it after issue)."""
    co_laureates = (
        Certificate.objects.filter(publication=OuterRef("publication"), entry__category=OuterRef("entry__category"))
        .order_by()
        .values("publication")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        queryset.select_related("publication__edition", "entry__brand", "entry__category")
        .defer("publication__snapshot")
        .annotate(co_laureates=Subquery(co_laureates))
        # The palmarès audit frozen with the publication (issue 17: printed on the certificate).
        .annotate(frozen_audit=KeyTransform("audit", KeyTransform("palmares", "publication__snapshot")))
    )


_template_digest_cache: dict[str, str] = {}


def _template_digest() -> str:
    """A digest of the certificate template, so a design change regenerates every PDF.
    Cached per process unless templates are reloaded in development."""
    if settings.DEBUG or PDF_TEMPLATE not in _template_digest_cache:
        source = get_template(PDF_TEMPLATE).template.source
        _template_digest_cache[PDF_TEMPLATE] = hashlib.sha256(source.encode()).hexdigest()
    return _template_digest_cache[PDF_TEMPLATE]


def certificate_facts(certificate: Certificate) -> dict[str, Any]:
    """The facts a certificate's PDF prints, JSON-shaped (they are also its fingerprint)."""
    edition = certificate.publication.edition
    category = certificate.entry.category
    brand = certificate.entry.brand
    co_laureates = getattr(certificate, "co_laureates", None)
    if co_laureates is None:
        co_laureates = Certificate.objects.filter(
            publication_id=certificate.publication_id, entry__category_id=category.pk
        ).count()
    if hasattr(certificate, "frozen_audit"):
        audit = certificate.frozen_audit if isinstance(certificate.frozen_audit, dict) else None
    else:
        audit = frozen_audit(publication_id=certificate.publication_id)
    return {
        "code": certificate.code,
        "audit": audit,
        "edition": {
            "name": edition.name,
            "country": edition.country,
            "year": edition.year,
            "language": edition.language,
            "time_zone": edition.time_zone,
        },
        "category": {"slug": category.slug, "name": category.name},
        "brand": {"slug": brand.slug, "name": brand.name},
        "overall": str(display_score(certificate.overall)),
        "ex_aequo": co_laureates > 1,
        "issued_at": certificate.issued_at.isoformat(),
        "valid_until": certificate.valid_until.isoformat(),
        "verify_url": verify_url(certificate.code),
        "template": _template_digest(),
    }


def facts_fingerprint(facts: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(facts, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def certificate_is_current(certificate: Certificate) -> bool:
    """True when the stored PDF prints exactly the current facts."""
    return bool(certificate.file) and certificate.file_fingerprint == facts_fingerprint(certificate_facts(certificate))


# -- PDF ----------------------------------------------------------------------------------


def qr_svg_data_uri(text: str) -> str:
    """The QR code of ``text`` as an SVG data URI (vector: stays sharp when printed large).

    Drawn as one path of horizontal runs in module units rather than with qrcode's SVG
    factories, whose thousands of unit-carrying sub-paths triple WeasyPrint's render time."""
    import qrcode  # noqa: PLC0415 -- Pillow behind it: loaded only where a certificate is drawn

    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4)
    qr.add_data(text)
    qr.make(fit=True)
    modules = qr.get_matrix()  # includes the quiet zone (border)
    size = len(modules)
    runs = []
    for y, row in enumerate(modules):
        x = 0
        while x < size:
            if row[x]:
                start = x
                while x < size and row[x]:
                    x += 1
                runs.append(f"M{start} {y}h{x - start}v1h-{x - start}z")
            else:
                x += 1
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" shape-rendering="crispEdges">'
        f'<rect width="{size}" height="{size}" fill="#fff"/><path d="{"".join(runs)}" fill="#000"/></svg>'
    )
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


def _rosette_points(*, spikes: int = 36, outer: float = 50.0, inner: float = 45.0) -> str:
    """The outline of the seal's serrated rosette, as SVG polygon points around (50, 50)."""
    points = []
    for i in range(spikes * 2):
        radius = outer if i % 2 == 0 else inner
        angle = math.pi * i / spikes
        points.append(f"{50 + radius * math.sin(angle):.2f},{50 - radius * math.cos(angle):.2f}")
    return " ".join(points)


def _local(moment_iso: str, time_zone: str) -> dt.datetime:
    return dt.datetime.fromisoformat(moment_iso).astimezone(ZoneInfo(time_zone))


def render_certificate_pdf(facts: dict[str, Any]) -> bytes:
    """The certificate as PDF bytes, in the edition's language."""
    from weasyprint import HTML  # noqa: PLC0415 -- heavy: loaded only where a PDF is made

    edition = facts["edition"]
    context = {
        "facts": facts,
        "overall": Decimal(facts["overall"]),
        "issued_on": _local(facts["issued_at"], edition["time_zone"]).date(),
        "valid_until": _local(facts["valid_until"], edition["time_zone"]).date(),
        "qr": qr_svg_data_uri(facts["verify_url"]),
        "verify_display": facts["verify_url"].split("://", 1)[-1],
        "rosette": _rosette_points(),
        # A faint guilloché behind the text, as on printed diplomas.
        "guilloche": range(0, 180, 10),
        "country_name": country_name(edition["country"]),
    }
    with translation.override(edition["language"]):
        context["audit_statement"] = audit_statement(facts.get("audit"), time_zone=edition["time_zone"])
        html = get_template(PDF_TEMPLATE).render(context)
    # Tagged PDF: screen readers and text extraction follow the reading order.
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf(pdf_tags=True)


# -- services -----------------------------------------------------------------------------


def _laureates_in_snapshot(publication: Publication) -> list[tuple[str, str, float]]:
    """(category slug, brand slug, overall) of every laureate of the snapshot's palmarès."""
    palmares = (publication.snapshot or {}).get("palmares") or {}
    return [
        (category["slug"], laureate["brand"]["slug"], float(laureate["overall"]))
        for category in palmares.get("categories", [])
        for laureate in category.get("laureates", [])
    ]


def certificates_issue(*, publication: Publication) -> list[Certificate]:
    """One certificate per laureate of the publication's palmarès (idempotent: laureates
    that already have one keep it and its code), each PDF queued for rendering after commit.

    Certificates of earlier publications of the same edition that are still unrevoked are
    revoked: a re-publication supersedes them, and two valid certificates for one title
    must never coexist.
    """
    with transaction.atomic():
        publication = (
            Publication.objects.select_for_update(of=("self",)).select_related("edition").get(pk=publication.pk)
        )
        laureates = _laureates_in_snapshot(publication)
        entries = {
            (e.category.slug, e.brand.slug): e
            for e in Entry.objects.filter(category__edition_id=publication.edition_id).select_related(
                "category", "brand"
            )
        }
        missing = [(c, b) for c, b, _overall in laureates if (c, b) not in entries]
        if missing:
            raise CertificateError(
                _("The snapshot names laureates that are not entries of %(edition)s: %(missing)s")
                % {"edition": publication.edition, "missing": ", ".join(f"{b} ({c})" for c, b in missing)}
            )
        have = set(Certificate.objects.filter(publication=publication).values_list("entry_id", flat=True))
        valid_until = one_year_after(publication.goes_live_at)
        new = [
            Certificate(
                publication=publication,
                entry=entries[(c, b)],
                code=new_code(),
                overall=overall,
                issued_at=publication.goes_live_at,
                valid_until=valid_until,
            )
            for c, b, overall in laureates
            if entries[(c, b)].pk not in have
        ]
        Certificate.objects.bulk_create(new)
        superseded = Certificate.objects.filter(
            publication__edition_id=publication.edition_id, revoked_at__isnull=True
        ).exclude(publication=publication)
        if superseded.exists():
            # Stored text, read by the public: in the edition's language.
            with translation.override(publication.edition.language):
                reason = _("Superseded by a new publication of the palmarès on %(date)s.") % {
                    "date": _local(publication.decided_at.isoformat(), publication.edition.time_zone).date()
                }
            superseded.update(revoked_at=timezone.now(), revoked_reason=reason)
        certificates = list(
            Certificate.objects.filter(publication=publication).select_related("entry__brand", "entry__category")
        )
        ids = [c.pk for c in certificates]
        transaction.on_commit(lambda: certificates_queue_render(certificate_ids=ids))
    logger.info("certificates issued for publication %s: %s new, %s in all", publication.pk, len(new), len(ids))
    return certificates


def certificates_queue_render(*, certificate_ids: list[int]) -> int:
    """Queue one render task per certificate (each checks its own fingerprint)."""
    for pk in certificate_ids:
        current_app.tasks[RENDER_CERTIFICATE].delay(pk)
    return len(certificate_ids)


def certificates_regenerate(*, certificates: QuerySet[Certificate], force: bool = False) -> int:
    """Queue the rendering of these certificates' missing or outdated PDFs (all of them with
    ``force``, whose fingerprints are cleared so that lists count them as pending until
    done). Returns how many were queued."""
    with transaction.atomic():
        chosen = with_certificate_facts(Certificate.objects.filter(pk__in=certificates.values("pk")))
        ids = [
            c.pk
            for c in chosen.order_by("pk")
            if force or not c.file or c.file_fingerprint != facts_fingerprint(certificate_facts(c))
        ]
        if force and ids:
            Certificate.objects.filter(pk__in=ids).update(file_fingerprint="")
        transaction.on_commit(lambda: certificates_queue_render(certificate_ids=ids))
    return len(ids)


def certificate_render(*, certificate: Certificate, force: bool = False) -> bool:
    """Make the certificate's PDF match its current facts. Returns True when a new file was
    written. The new file replaces the old one, which is deleted once the row points to the
    new file, so a download never finds a half-written PDF and nothing accumulates."""
    storage = Certificate._meta.get_field("file").storage
    with transaction.atomic():
        # The row lock serialises two workers rendering the same certificate.
        certificate = with_certificate_facts(Certificate.objects.select_for_update(of=("self",))).get(pk=certificate.pk)
        facts = certificate_facts(certificate)
        fingerprint = facts_fingerprint(facts)
        old_name = certificate.file.name if certificate.file else ""
        if not force and old_name and certificate.file_fingerprint == fingerprint and storage.exists(old_name):
            return False
        pdf = render_certificate_pdf(facts)
        new_name = storage.save(f"certificates/{certificate.code}-{fingerprint[:12]}.pdf", ContentFile(pdf))
        try:
            certificate.file.name = new_name
            certificate.file_fingerprint = fingerprint
            certificate.generated_at = timezone.now()
            certificate.save(update_fields=["file", "file_fingerprint", "generated_at"])
        except Exception:
            storage.delete(new_name)
            raise
        if old_name and old_name != new_name:
            transaction.on_commit(lambda: storage.delete(old_name))
    return True


def certificate_revoke(
    *, certificate: Certificate, user: AbstractBaseUser | AnonymousUser | None, reason: str
) -> Certificate:
    """Withdraw a certificate: its verification page shows it revoked, with the reason."""
    reason = (reason or "").strip()
    if not reason:
        raise CertificateError(_("Give the reason for revoking the certificate: it is shown to whoever verifies it."))
    with transaction.atomic():
        certificate = Certificate.objects.select_for_update().get(pk=certificate.pk)
        if certificate.revoked_at is not None:
            raise CertificateError(
                _("Certificate %(code)s was already revoked on %(date)s.")
                % {"code": certificate.code, "date": timezone.localtime(certificate.revoked_at).strftime("%Y-%m-%d")}
            )
        certificate.revoked_at = timezone.now()
        certificate.revoked_reason = reason
        certificate.save(update_fields=["revoked_at", "revoked_reason"])
        # The cached verification pages go now and again once committed (a page cached in between by a
        # reader of the old row would otherwise outlive the revocation).
        bump_public_generation()
        transaction.on_commit(bump_public_generation)
        if user is not None and user.is_authenticated:
            # No revoked_by column: the admin history records who did it.
            LogEntry.objects.log_actions(
                user_id=user.pk,
                queryset=[certificate],
                action_flag=CHANGE,
                change_message=f"Revoked: {reason}",
                single_object=True,
            )
    return certificate


def certificates_revoke_for_publication(
    *, publication: Publication, user: AbstractBaseUser | AnonymousUser | None, reason: str
) -> int:
    """Revoke every still-valid certificate of a publication (it was withdrawn)."""
    reason = (reason or "").strip()
    if not reason:
        # Stored text, read by the public: in the edition's language.
        with translation.override(publication.edition.language):
            reason = _("The publication of this palmarès was withdrawn.")
    with transaction.atomic():
        certificates = list(
            Certificate.objects.select_for_update().filter(publication=publication, revoked_at__isnull=True)
        )
        for certificate in certificates:
            certificate_revoke(certificate=certificate, user=user, reason=reason)
    return len(certificates)
