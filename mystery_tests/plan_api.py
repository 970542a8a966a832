"""``GET /api/v1/campaigns/{id}/plan/`` (issue 20, an addition to API.md): the campaign's fieldwork plan,
as JSON or, with ``?format=csv`` (or ``Accept: text/csv``), as a CSV file of the same lines."""

import json

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from common.api.exceptions import PayloadInvalid
from common.api.serializers import ErrorSerializer

from . import fieldwork, permissions
from .planning import RosterTooShort
from .validation import CODE_MAX_LENGTH, CODE_RE

ROSTER_MAX = 500
SEED_MAX = 2**63 - 1


class PlanCSVRenderer(BaseRenderer):
    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if isinstance(data, dict) and "tests" in data:
            return fieldwork.plan_csv(data["tests"])
        return json.dumps(data).encode("utf-8")  # an error: its JSON body as it is


class PlannedTestSerializer(serializers.Serializer):
    entry = serializers.IntegerField()
    brand = serializers.SlugField()
    category = serializers.SlugField()
    channel = serializers.CharField()
    number = serializers.IntegerField(help_text="1 … the channel's quota, in the plan's order.")
    week = serializers.IntegerField(help_text="Week of the campaign window (7-day blocks from its first day), from 1.")
    date = serializers.DateField(help_text="Local date of the planned test.")
    weekday = serializers.CharField(help_text="monday … sunday.")
    slot = serializers.CharField(help_text="Code of one of the edition's time slots.")
    scenario = serializers.CharField(help_text="Code of the edition's scenario list; empty when it has none.")
    shopper = serializers.CharField(
        help_text="A code of the roster given in `shoppers`, else a shopper position P1, P2, … "
        "(no shopper makes more than the edition's share of an entry's tests on a channel)."
    )


class SlotSerializer(serializers.Serializer):
    code = serializers.CharField()
    start = serializers.CharField(help_text="Local time HH:MM.")
    end = serializers.CharField(help_text="Local time HH:MM.")


class ScenarioSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()


class PlanSerializer(serializers.Serializer):
    campaign = serializers.IntegerField()
    seed = serializers.IntegerField()
    max_shopper_share = serializers.DecimalField(max_digits=4, decimal_places=3)
    slots = SlotSerializer(many=True)
    scenarios = ScenarioSerializer(many=True)
    tests = PlannedTestSerializer(many=True)


def _roster(raw: str) -> list[str]:
    codes = [c.strip() for c in raw.split(",") if c.strip()]
    errors = [
        {"field": "shoppers", "message": _("“%(code)s” is not a shopper code.") % {"code": code[:60]}}
        for code in codes
        if len(code) > CODE_MAX_LENGTH or not CODE_RE.match(code)
    ]
    if len(set(codes)) != len(codes):
        errors.append({"field": "shoppers", "message": _("A shopper code appears twice.")})
    if len(codes) > ROSTER_MAX:
        errors.append({"field": "shoppers", "message": _("At most %(n)d shoppers.") % {"n": ROSTER_MAX}})
    if errors:
        raise PayloadInvalid(errors, detail=_("Invalid parameter."))
    return codes


class CampaignPlanView(APIView):
    renderer_classes = [JSONRenderer, PlanCSVRenderer]

    @extend_schema(
        operation_id="campaign_plan",
        summary="The campaign's fieldwork plan: every entry's tests spread over weeks, weekdays, slots, scenarios",
        description=(
            "For every registered entry of the campaign and every channel of the edition, its quota of tests "
            "spread evenly over the weeks of the window (Monday to Friday), the edition's time slots and "
            "scenarios (counts per week, slot and scenario differ by at most one), and over enough shoppers that "
            "none makes more than the edition's `max_shopper_share` of them. The same campaign and `seed` always "
            "give the same plan. `?format=csv` answers the tests as a CSV file with the same columns."
        ),
        parameters=[
            OpenApiParameter("seed", OpenApiTypes.INT, description="Any whole number ≥ 0 (default 0)."),
            OpenApiParameter(
                "shoppers",
                OpenApiTypes.STR,
                description="Optional: the agency's shopper codes, comma-separated, to rotate instead of positions.",
            ),
        ],
        responses={
            (200, "application/json"): PlanSerializer,
            (200, "text/csv"): OpenApiTypes.STR,
            **{
                code: OpenApiResponse(ErrorSerializer, description=text)
                for code, text in (
                    (400, "A bad seed or roster (too few shoppers for the share)."),
                    (401, "No token, or an unknown one."),
                    (404, "Unknown, or not visible to you."),
                    (429, "Too many requests for this token; retry later."),
                )
            },
        },
        tags=["agency"],
    )
    def get(self, request, pk: int):
        campaign = permissions.visible_campaign(request, pk)
        raw_seed = request.query_params.get("seed", "0")
        if not raw_seed.isdigit() or int(raw_seed) > SEED_MAX:
            raise PayloadInvalid(
                [{"field": "seed", "message": _("Must be a whole number of at least 0.")}],
                detail=_("Invalid parameter."),
            )
        seed = int(raw_seed)
        roster = _roster(request.query_params.get("shoppers", ""))
        edition = campaign.edition
        entries = fieldwork.campaign_entries(campaign)
        try:
            plan = fieldwork.campaign_plan(campaign, seed=seed, roster=roster, entries=entries)
        except RosterTooShort as exc:
            message = _(
                "%(tests)d tests with at most %(cap)d per shopper need %(needed)d shoppers; the roster has %(have)d."
            ) % {"tests": exc.tests, "cap": exc.cap, "needed": exc.needed, "have": exc.have}
            raise PayloadInvalid([{"field": "shoppers", "message": message}], detail=_("Invalid parameter.")) from exc
        rows = fieldwork.plan_rows(plan, entries)
        body = {
            "campaign": campaign.pk,
            "seed": seed,
            "max_shopper_share": float(edition.max_shopper_share),
            "slots": edition.slots,
            "scenarios": edition.scenarios or [],
            "tests": rows,
        }
        response = Response(body)
        if request.accepted_renderer.format == "csv":
            response["Content-Disposition"] = f'attachment; filename="plan-campaign-{campaign.pk}.csv"'
        return response
