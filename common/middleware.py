"""Confidential responses are never stored by a browser or a shared cache (``Cache-Control: private, no-store``).

Confidential: whatever answers a signed-in visitor or an API client sending credentials (the page may
carry their name, their brand's figures or an organiser's view), every page of the portal, the agencies'
pages, the accounts and the admin, and the whole API under /api/v1/ except its public reads (published
palmarès, the editions list, the signing keys, the schema and its docs) asked anonymously.
"""

from __future__ import annotations

import re

from django.core.exceptions import BadRequest
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _

PRIVATE = "private, no-store"
PRIVATE_PREFIXES = ("/portal/", "/agency/", "/accounts/", "/admin/", "/api/v1/")
PUBLIC_API = re.compile(r"/api/v1/(?:editions/(?:\d+/palmares/)?|keys/|schema/|docs/.*)")


def is_confidential(request: HttpRequest) -> bool:
    if request.META.get("HTTP_AUTHORIZATION"):
        return True
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return True
    path = request.path_info
    return path.startswith(PRIVATE_PREFIXES) and not PUBLIC_API.fullmatch(path)


class ConfidentialCacheControlMiddleware:
    """Sets ``private, no-store`` on confidential responses, keeping a stricter header a view already set."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if is_confidential(request):
            current = {part.strip().lower() for part in response.get("Cache-Control", "").split(",")}
            if not {"private", "no-store"} <= current:
                response["Cache-Control"] = PRIVATE
                if "Expires" in response:
                    del response["Expires"]
        return response


class RejectNulMiddleware:
    """A NUL character in a query parameter is answered 400, before any view or filter reads it.

    PostgreSQL refuses NUL in a string literal, so ``?channel__exact=%00`` in an admin filter (or any
    list filter) would end as a server error; no address of the site ever needs one.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        for name, values in request.GET.lists():
            if "\x00" in name or any("\x00" in value for value in values):
                shown = name.replace("\x00", "\\0")
                message = _("The address holds a NUL character in its parameter “%(name)s”: remove it.") % {
                    "name": shown
                }
                if request.path_info.startswith("/api/"):
                    return JsonResponse({"detail": message}, status=400)
                raise BadRequest(message)
        return self.get_response(request)
