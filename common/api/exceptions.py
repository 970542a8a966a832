"""Every API error body is JSON with a human-readable ``detail`` (API.md "Conventions")."""

from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults
from rest_framework import status
from rest_framework.exceptions import APIException
from rest_framework.views import exception_handler


class PayloadInvalid(APIException):
    """A 400 that lists every problem: ``errors: [{"index"|"row", "field"|"column", "message"}]``."""

    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = "The payload is invalid; nothing was stored."

    def __init__(self, errors: list[dict], detail: str | None = None, omitted: int = 0):
        super().__init__(detail or self.default_detail)
        self.errors = errors
        self.omitted = omitted  # how many more problems than the ``errors`` listed (API.md: up to 1,000)


class Conflict(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "This campaign no longer accepts results."


class PayloadTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The payload is too large."


def contract_exception_handler(exc, context):
    response = exception_handler(exc, context)
    if response is None:
        return None
    data = response.data
    if isinstance(exc, PayloadInvalid):
        response.data = {"detail": str(exc.detail), "errors": exc.errors}
        if exc.omitted:
            response.data["errors_omitted"] = exc.omitted
    elif not isinstance(data, dict) or "detail" not in data:
        # A serializer's or filter's field errors, in the contract's list shape, with the sentence every
        # client can show.
        response.data = {"detail": "The request is invalid.", "errors": _error_items(data)}
    return response


def _error_items(data, path: str = "") -> list[dict]:
    """``{"status": ["…"], "scores": {"greeting": ["…"]}}`` → ``[{"field": "status", "message": "…"}, …]``."""
    if isinstance(data, dict):
        return [item for key, value in data.items() for item in _error_items(value, f"{path}.{key}" if path else key)]
    if isinstance(data, list) and data and all(isinstance(value, str) for value in data):
        return [{"field": path or "non_field_errors", "message": str(message)} for message in data]
    if isinstance(data, list):
        if not path:  # a list body: each item is reported by its position
            return [
                {"index": index, **item} for index, value in enumerate(data) for item in _error_items(value) if value
            ]
        return [item for index, value in enumerate(data) for item in _error_items(value, f"{path}.{index}")]
    return [{"field": path or "non_field_errors", "message": str(data)}]


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


def not_found(request, exception):
    """Django's 404 page, except under /api/ where clients parse JSON (e.g. ``/api/v1/appeals/abc/``)."""
    if _is_api(request):
        return JsonResponse({"detail": _("Not found.")}, status=404)
    return defaults.page_not_found(request, exception)


def server_error(request):
    """Django's 500 page, except under /api/: the contract promises a JSON body with ``detail``."""
    if _is_api(request):
        return JsonResponse({"detail": _("A server error occurred.")}, status=500)
    return defaults.server_error(request)
