"""/verify/<code>/credential.jwt (the certificate as an Open Badges 3.0 credential, a signed JWT) and
/verify/<code>/status.json (its status): public like the verification page, never cached, so that a
revocation or an expiry shows at the next request."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

from .certificate_selectors import certificate_for_verification
from .certificate_views import unknown_code
from .certificates import normalize_code, verify_path
from .credentials import MEDIA_TYPE, certificate_jwt, credential_status


def _certificate_or_answer(request: HttpRequest, code: str, suffix: str):
    canonical = normalize_code(code)
    if canonical is None:
        return None, unknown_code(request, code)
    if canonical != code:
        return None, redirect(verify_path(canonical) + suffix, permanent=True)
    certificate = certificate_for_verification(code=canonical)
    if certificate is None:
        return None, unknown_code(request, canonical)
    return certificate, None


@require_safe
@cache_control(no_cache=True, max_age=0)
def credential(request: HttpRequest, code: str) -> HttpResponse:
    certificate, answer = _certificate_or_answer(request, code, "credential.jwt")
    if answer is not None:
        return answer
    response = HttpResponse(certificate_jwt(certificate), content_type=MEDIA_TYPE)
    response["Content-Disposition"] = f'inline; filename="{certificate.code}.jwt"'
    response["Access-Control-Allow-Origin"] = "*"
    response["X-Robots-Tag"] = "noindex"
    return response


@require_safe
@cache_control(no_cache=True, max_age=0)
def status(request: HttpRequest, code: str) -> HttpResponse:
    certificate, answer = _certificate_or_answer(request, code, "status.json")
    if answer is not None:
        return answer
    response = JsonResponse(credential_status(certificate), json_dumps_params={"ensure_ascii": False})
    response["Access-Control-Allow-Origin"] = "*"
    response["X-Robots-Tag"] = "noindex"
    return response
