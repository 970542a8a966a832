"""The agency endpoints of API.md (file imports live in ``import_api``) and the editions list.

Status codes follow the contract's order: 401 (authentication), 404 (not visible), 403 (visible but
not for your role), 409 (campaign closed, edition frozen), 413, 415, 400. Throttling (429) is
DRF's, checked right after authentication so that a client over its rate costs no further work.
"""

import json

from django import forms
from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.utils.translation import gettext as _
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics
from rest_framework.exceptions import UnsupportedMediaType
from rest_framework.parsers import JSONParser
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from common.api.exceptions import Conflict, PayloadInvalid, PayloadTooLarge
from common.api.serializers import ErrorSerializer
from election.channels import Channel

from . import permissions, selectors, services
from .models import TestResult
from .serializers import (
    CampaignSerializer,
    EditionSerializer,
    ProgressSerializer,
    ResultSerializer,
    ResultUploadItemSerializer,
    UploadCountsSerializer,
)
from .validation import json_type

TRUE_VALUES = {"true", "1", "yes"}
FALSE_VALUES = {"false", "0", "no", ""}


def _errors(*codes: int) -> dict:
    descriptions = {
        400: "Invalid payload or parameter: `errors` lists every problem; nothing was stored.",
        401: "No token, or an unknown one.",
        403: "Visible to you but not allowed for your role (e.g. an organiser uploading results).",
        404: "Unknown, or not visible to you.",
        409: "The campaign is closed or its edition is published (frozen).",
        413: "More than 10,000 items, or a JSON body over 16 MiB.",
        415: "The body is not JSON (`Content-Type: application/json`).",
        429: "Too many requests for this token; retry later.",
    }
    return {code: OpenApiResponse(ErrorSerializer, description=descriptions[code]) for code in codes}


# -- campaigns --------------------------------------------------------------------------------------
class CampaignListView(generics.ListAPIView):
    serializer_class = CampaignSerializer

    def get_queryset(self):
        return selectors.with_contract_details(selectors.campaigns_for(user=self.request.user))

    @extend_schema(
        operation_id="campaigns_list",
        summary="Campaigns visible to the caller",
        description="An agency sees its own campaigns, organisers all of them, anyone else none.",
        responses={200: CampaignSerializer(many=True), **_errors(401, 429)},
        tags=["agency"],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class CampaignDetailView(generics.RetrieveAPIView):
    serializer_class = CampaignSerializer

    def get_object(self):
        campaigns = selectors.with_contract_details(selectors.campaigns_for(user=self.request.user))
        return permissions.visible_campaign(self.request, self.kwargs["pk"], campaigns)

    @extend_schema(
        operation_id="campaigns_retrieve",
        summary="One campaign: edition, window, channels with quota and grid, entries",
        responses={200: CampaignSerializer, **_errors(401, 404, 429)},
        tags=["agency"],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


# -- results ----------------------------------------------------------------------------------------------
class IdFilter(filters.NumberFilter):
    """A whole number within the database's id range (a bigger one would overflow the query)."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        super().__init__(*args, min_value=1, max_value=2**63 - 1, **kwargs)


class ResultFilter(filters.FilterSet):
    entry = IdFilter(field_name="entry_id", help_text="Entry id.")
    channel = filters.ChoiceFilter(choices=Channel.choices)
    external_id = filters.CharFilter(field_name="external_id", help_text="The agency's key of the test.")


class ContractFilterBackend(filters.DjangoFilterBackend):
    """django-filter, with invalid parameters reported in the contract's error shape."""

    def filter_queryset(self, request, queryset, view):
        filterset = self.get_filterset(request, queryset, view)
        if filterset is None:
            return queryset
        if not filterset.is_valid():
            raise PayloadInvalid(
                [
                    {"field": name, "message": str(message)}
                    for name, messages in filterset.errors.items()
                    for message in messages
                ],
                _("Invalid filter parameters."),
            )
        return filterset.qs


def _dry_run(request: Request) -> bool:
    value = request.query_params.get("dry_run", "").strip().lower()
    if value in TRUE_VALUES:
        return True
    if value in FALSE_VALUES:
        return False
    raise PayloadInvalid([{"field": "dry_run", "message": _("Use true or false.")}], _("Invalid parameter “dry_run”."))


def _limit_text() -> str:
    return _("%(items)s items or %(mib)d MiB") % {
        "items": f"{settings.API_MAX_ITEMS:,}",
        "mib": settings.API_MAX_JSON_BYTES // (1024 * 1024),
    }


def _reject_constant(name: str):
    raise ValueError(_("%(name)s is not valid JSON") % {"name": name})


def read_json_array(request: Request) -> list:
    """The body as a JSON array: 413 when too big (its length is checked before reading it),
    415 when not JSON, 400 when malformed, not an array or empty."""
    limit = settings.API_MAX_JSON_BYTES
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > limit:
        raise PayloadTooLarge(_("The body is larger than the limit of %(limit)s.") % {"limit": _limit_text()})
    media_type = (request.content_type or "").split(";")[0].strip().lower()
    if media_type != "application/json" and not media_type.endswith("+json"):
        raise UnsupportedMediaType(
            media_type or "none",
            detail=_("Send the results as JSON (Content-Type: application/json), not “%(type)s”.")
            % {"type": media_type or _("no content type")},
        )
    try:
        body = request.body
    except RequestDataTooBig:
        raise PayloadTooLarge(_("The body is larger than the limit of %(limit)s.") % {"limit": _limit_text()})
    if len(body) > limit:
        raise PayloadTooLarge(_("The body is larger than the limit of %(limit)s.") % {"limit": _limit_text()})
    try:
        items = json.loads(body, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise PayloadInvalid(
            [],
            _("Malformed JSON: %(problem)s at line %(line)d, column %(column)d.")
            % {"problem": exc.msg, "line": exc.lineno, "column": exc.colno},
        )
    except (ValueError, RecursionError) as exc:
        raise PayloadInvalid([], _("Malformed JSON: %(problem)s.") % {"problem": exc})
    if not isinstance(items, list):
        raise PayloadInvalid(
            [], _("The body must be a JSON array of results, not %(type)s.") % {"type": _json_type(items)}
        )
    if not items:
        raise PayloadInvalid([], _("The array is empty: send 1 to %(max)s results.") % {"max": settings.API_MAX_ITEMS})
    if len(items) > settings.API_MAX_ITEMS:
        raise PayloadTooLarge(
            _("%(n)s results in one upload; the limit is %(max)s: split the batch.")
            % {"n": f"{len(items):,}", "max": f"{settings.API_MAX_ITEMS:,}"}
        )
    return items


def _json_type(value) -> str:
    return json_type(value)


class CampaignResultsView(generics.GenericAPIView):
    serializer_class = ResultSerializer
    # Documents the request body; POST reads and checks the raw body itself (read_json_array).
    parser_classes = [JSONParser]
    filter_backends = [ContractFilterBackend]
    filterset_class = ResultFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no request, no campaign
            return TestResult.objects.none()
        return selectors.results_for(campaign=self.campaign)

    @extend_schema(
        operation_id="campaign_results_list",
        summary="The caller's results in this campaign",
        description="Ordered by id, paginated; filter by `entry`, `channel` or `external_id`.",
        parameters=[OpenApiParameter("entry", OpenApiTypes.INT, OpenApiParameter.QUERY, description="Entry id.")],
        responses={200: ResultSerializer(many=True), **_errors(400, 401, 404, 429)},
        tags=["agency"],
    )
    def get(self, request, pk: int):
        self.campaign = permissions.visible_campaign(request, pk)
        results = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(results)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(
        operation_id="campaign_results_upload",
        summary="Bulk upload of test results as JSON (synchronous, all or nothing)",
        description=(
            "A JSON array of 1 to 10,000 results. One invalid result → 400 listing every error by `index` "
            "and dotted `field`, and nothing is stored. Results are keyed by (agency, `external_id`): the same "
            "content again is `unchanged`, different content replaces the stored result (`updated`, keeping any "
            "exclusion; the replaced version stays in its history). `?dry_run=true` validates and answers the "
            "counts a real upload would give, storing nothing."
        ),
        parameters=[
            OpenApiParameter(
                "dry_run", OpenApiTypes.BOOL, OpenApiParameter.QUERY, description="Validate only; store nothing."
            )
        ],
        request=ResultUploadItemSerializer(many=True),
        responses={200: UploadCountsSerializer, **_errors(400, 401, 403, 404, 409, 413, 415, 429)},
        tags=["agency"],
    )
    def post(self, request, pk: int):
        campaign = permissions.visible_campaign(request, pk)
        permissions.require_upload(request, campaign)
        reason = services.campaign_lock_reason(campaign)
        if reason:
            raise Conflict(reason)
        items = read_json_array(request)
        dry_run = _dry_run(request)
        try:
            counts = services.results_upload(campaign=campaign, items=items, user=request.user, dry_run=dry_run)
        except services.CampaignLocked as exc:
            raise Conflict(str(exc))
        except services.ResultsInvalid as exc:
            raise PayloadInvalid(
                [{k: e[k] for k in ("index", "field", "message")} for e in exc.errors], exc.detail, omitted=exc.omitted
            )
        return Response(counts)


class CampaignProgressView(APIView):
    @extend_schema(
        operation_id="campaign_progress",
        summary="Per entry and channel: quota, received and counted (the caller's results)",
        description="`received` counts the stored results, `counted` those not excluded by the organisers.",
        responses={200: ProgressSerializer, **_errors(401, 404, 429)},
        tags=["agency"],
    )
    def get(self, request, pk: int):
        campaign = permissions.visible_campaign(request, pk)
        entries: dict[int, dict] = {}
        for row in selectors.campaign_progress(campaign=campaign, agency=campaign.agency):
            line = entries.setdefault(
                row["entry"],
                {"entry": row["entry"], "brand": row["brand"], "category": row["category"], "channels": {}},
            )
            line["channels"][row["channel"]] = {k: row[k] for k in ("quota", "received", "counted")}
        return Response({"campaign": campaign.pk, "entries": list(entries.values())})


# -- editions -----------------------------------------------------------------------------------------------
class EditionListView(generics.ListAPIView):
    """Editions: all for organisers; the published ones for everyone else, anonymous callers included
    (a published palmarès is public)."""

    serializer_class = EditionSerializer
    permission_classes = [AllowAny]

    def get_queryset(self):
        return selectors.editions_for(user=self.request.user)

    @extend_schema(
        operation_id="editions_list",
        summary="Editions: all for organisers, the published ones for everyone else",
        responses={200: EditionSerializer(many=True), **_errors(401, 429)},
        tags=["organiser"],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)
