"""Public verification of a certificate and the laureate's PDF download.

/verify/<code>/credential.jwt (the certificate as an Open Badges 3.0 credential, a signed JWT) and
/verify/<code>/status.json (its status) are public like the verification page, never cached, so that a
revocation or an expiry shows at the next request."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

from common.pagecache import mark_public
from palmares.certificates.credentials import MEDIA_TYPE, certificate_jwt, credential_status
from palmares.certificates.selectors import certificate_for_download, certificate_for_verification, verification_page
from palmares.certificates.services import certificate_is_current, certificate_render, normalize_code, verify_path
from palmares.publication.selectors import PAGE_TTL, next_go_live, public_generation
from palmares.publication.views import _plain_anonymous, make_public, public_response


@require_safe
def verify(request: HttpRequest, code: str) -> HttpResponse:
    """/verify/<code>/: anyone checks a certificate (no login). A code typed in another
    form (lower case, spaces) is redirected to its canonical address.

    For a plain anonymous visitor the page comes whole from the cache, keyed by the public generation
    (a publication, unpublication or revocation changes it) and kept no longer than the certificate's
    state can change by the clock alone (its expiry, the next scheduled go-live); anyone else gets it
    rendered afresh, never stored."""
    canonical = normalize_code(code)
    if canonical is None:
        return _never_cached(unknown_code(request, code))
    if canonical != code:
        return _never_cached(redirect(verify_path(canonical), permanent=True))
    anonymous = _plain_anonymous(request)
    key = f"palmares:verify:{canonical}:{public_generation()}:{get_language()}:{request.get_host()}"
    now = timezone.now()
    if anonymous and isinstance(held := cache.get(key), tuple):
        html, until = held
        # Kept by common.pagecache too, until the state may change by the clock (as when first rendered).
        return mark_public(public_response(html), (until - now).total_seconds())
    page = verification_page(code=canonical, now=now)
    if page is None:
        return _never_cached(unknown_code(request, canonical))
    # Dates read as on the printed certificate: in the edition's time zone.
    with timezone.override(page["edition"].time_zone):
        if not anonymous:
            return _never_cached(render(request, "palmares/verify.html", page))
        response = render(request, "palmares/verify.html", {**page, "messages": ()})
    ttl = _verification_ttl(page["verification"], now)
    if ttl > 0:
        cache.set(key, (response.content.decode(), now + dt.timedelta(seconds=ttl)), ttl)
        mark_public(response, ttl)
    return make_public(response)


def _never_cached(response: HttpResponse) -> HttpResponse:
    patch_cache_control(response, no_cache=True, max_age=0)
    return response


def _verification_ttl(verification, now) -> int:
    """Seconds a verification page may be kept: until its state may change by the clock alone."""
    limits = [PAGE_TTL]
    if verification.revoked_at is None and verification.valid_until > now:
        limits.append((verification.valid_until - now).total_seconds())
    upcoming = next_go_live(now)
    if upcoming is not None:
        limits.append((upcoming - now).total_seconds())
    return int(min(limits))


def unknown_code(request: HttpRequest, code: str) -> HttpResponse:
    """The verification service's key answer, rendered with its 404 status rather than raised, so that
    the demo (DEBUG) shows it too: no certificate has this code, and what to do about a fake."""
    context = {"code": code, "contact_email": settings.CONTACT_EMAIL}
    response = render(request, "palmares/verify_unknown.html", context, status=404)
    response["X-Robots-Tag"] = "noindex"
    return response


@require_safe
def verify_lookup(request: HttpRequest) -> HttpResponse:
    """/verify/: a form for a code typed off a printed certificate."""
    raw = request.GET.get("code", "").strip()
    error = ""
    if raw:
        canonical = normalize_code(raw)
        if canonical is not None:
            return redirect(verify_path(canonical))
        error = _(
            "A certificate code has 15 letters and digits, printed in three groups of five "
            "(for example K7QF2-MXA9H-TD3WR); it never contains I, L, O, 0 or 1. Check what you typed."
        )
    return render(
        request, "palmares/certificate_lookup.html", {"code": raw, "error": error}, status=400 if error else 200
    )


@require_safe
@login_required
def download(request: HttpRequest, code: str) -> FileResponse:
    """/portal/certificates/<code>.pdf: the laureate brand's members and organisers; anyone
    else gets a 404 (the certificate's existence is not revealed)."""
    certificate = certificate_for_download(user=request.user, code=code)
    if certificate is None:
        raise Http404(_("No certificate of yours has this code."))
    if not certificate_is_current(certificate) or not certificate.file.storage.exists(certificate.file.name):
        # The worker has not caught up (or the facts changed): render now rather than fail.
        certificate_render(certificate=certificate)
        certificate.refresh_from_db(fields=["file", "file_fingerprint", "generated_at"])
    edition = certificate.publication.edition
    entry = certificate.entry
    filename = f"certificate-{edition.country.lower()}-{edition.year}-{entry.category.slug}-{entry.brand.slug}.pdf"
    response = FileResponse(
        certificate.file.open("rb"), as_attachment=True, filename=filename, content_type="application/pdf"
    )
    response["Cache-Control"] = "private, no-cache"
    return response


def _certificate_document(suffix: str):
    """The view of a certificate's machine-readable document at /verify/<code>/<suffix>, built from the
    certificate by the decorated function: never cached, readable from any origin, not indexed. An unknown
    code answers as the verification page does; a code typed otherwise redirects to its canonical address."""

    def decorate(build: Callable[[Any], HttpResponse]):
        @require_safe
        @cache_control(no_cache=True, max_age=0)
        @functools.wraps(build)
        def view(request: HttpRequest, code: str) -> HttpResponse:
            canonical = normalize_code(code)
            if canonical is None:
                return unknown_code(request, code)
            if canonical != code:
                return redirect(verify_path(canonical) + suffix, permanent=True)
            certificate = certificate_for_verification(code=canonical)
            if certificate is None:
                return unknown_code(request, canonical)
            response = build(certificate)
            response["Access-Control-Allow-Origin"] = "*"
            response["X-Robots-Tag"] = "noindex"
            return response

        return view

    return decorate


@_certificate_document("credential.jwt")
def credential(certificate) -> HttpResponse:
    response = HttpResponse(certificate_jwt(certificate), content_type=MEDIA_TYPE)
    response["Content-Disposition"] = f'inline; filename="{certificate.code}.jwt"'
    return response


@_certificate_document("status.json")
def status(certificate) -> HttpResponse:
    return JsonResponse(credential_status(certificate), json_dumps_params={"ensure_ascii": False})
