"""GET /api/v1/editions/{id}/palmares/: the frozen palmarès body of API.md, public once live, 404 before."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from mystery_tests.serializers import ErrorSerializer, UTCDateTimeField

from .audit.api import AuditSummarySerializer
from .selectors import live_palmares


class PalmaresBrandSerializer(serializers.Serializer):
    slug = serializers.SlugField()
    name = serializers.CharField()


class PalmaresLaureateSerializer(serializers.Serializer):
    brand = PalmaresBrandSerializer()
    overall = serializers.FloatField(help_text="Overall score out of 20, unrounded.")
    moe = serializers.FloatField(help_text="Margin of error of the overall score (95 %), unrounded.")
    p_best = serializers.FloatField(
        help_text="METHODOLOGY §11: probability that the laureate's true score is the highest of the category."
    )


class PalmaresCountedTestsSerializer(serializers.Serializer):
    phone = serializers.IntegerField(required=False)
    email = serializers.IntegerField(required=False)
    web = serializers.IntegerField(required=False)
    chat = serializers.IntegerField(required=False)
    social = serializers.IntegerField(required=False)


class PalmaresExcludedTestsSerializer(serializers.Serializer):
    quality_review = serializers.IntegerField(help_text="Tests excluded by the organisers' quality review.")
    appeal = serializers.IntegerField(help_text="Tests excluded by an upheld appeal.")


class PalmaresTransparencySerializer(serializers.Serializer):
    entries = serializers.IntegerField(help_text="Registered entries of the category.")
    scored_entries = serializers.IntegerField(help_text="Entries with at least one counted test.")
    complete_entries = serializers.IntegerField(help_text="Entries that met every channel's completion (§6).")
    min_entrants = serializers.IntegerField(help_text="Complete entries the category needed to be contested.")
    counted_tests = PalmaresCountedTestsSerializer(help_text="Counted tests per channel (channels with none left out).")
    excluded_tests = PalmaresExcludedTestsSerializer()


class PalmaresCategoryProvenanceSerializer(serializers.Serializer):
    root = serializers.CharField(
        help_text="Hex RFC 6962 tree hash over the counted tests' fingerprints (32 bytes each), sorted ascending; "
        "the empty tree hash (SHA-256 of nothing) when no test counted."
    )
    tests = serializers.IntegerField(help_text="How many counted tests the root is built on.")


class PalmaresProvenanceSerializer(serializers.Serializer):
    edition_root = serializers.CharField(help_text="Hex RFC 6962 tree hash over the category roots in slug order.")


class PalmaresCategorySerializer(serializers.Serializer):
    slug = serializers.SlugField()
    name = serializers.CharField()
    laureates = PalmaresLaureateSerializer(many=True, help_text="Empty when the category is not awarded.")
    robustness = serializers.FloatField(
        allow_null=True,
        help_text="METHODOLOGY §11: the sole laureate's weight robustness δ in [0, 1] (1: the title holds whatever "
        "the weights); null with co-laureates, no laureate or a complete entry missing a channel.",
    )
    outcome = serializers.ChoiceField(
        choices=["awarded", "not_contested", "below_threshold"],
        help_text="`not_contested`: fewer complete entries than `min_entrants`; `below_threshold`: contested, "
        "but no complete entry reached the qualifying mark.",
    )
    transparency = PalmaresTransparencySerializer()
    provenance = PalmaresCategoryProvenanceSerializer(
        help_text="METHODOLOGY §12: the category root over its counted tests and their number."
    )


class PalmaresEditionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    country = serializers.CharField()
    year = serializers.IntegerField()
    name = serializers.CharField()
    published_at = UTCDateTimeField()


class PalmaresChannelFiguresSerializer(serializers.Serializer):
    average_laureates = serializers.FloatField(allow_null=True)
    average_others = serializers.FloatField(allow_null=True)
    reach_rate = serializers.FloatField(allow_null=True)
    median_wait_seconds = serializers.FloatField(allow_null=True, required=False, help_text="phone and chat")
    median_response_hours = serializers.FloatField(allow_null=True, required=False, help_text="email and social")


class PalmaresFiguresSerializer(serializers.Serializer):
    categories = serializers.IntegerField()
    contested_categories = serializers.IntegerField()
    awarded_categories = serializers.IntegerField()
    entries = serializers.IntegerField()
    counted_tests = serializers.IntegerField()
    average_laureates = serializers.FloatField(allow_null=True)
    average_others = serializers.FloatField(allow_null=True)
    renewal_rate = serializers.FloatField(allow_null=True)
    channels = serializers.DictField(child=PalmaresChannelFiguresSerializer())


class PalmaresSerializer(serializers.Serializer):
    edition = PalmaresEditionSerializer()
    figures = PalmaresFiguresSerializer()
    categories = PalmaresCategorySerializer(many=True)
    provenance = PalmaresProvenanceSerializer(help_text="METHODOLOGY §12: the edition root, frozen at publication.")
    audit = AuditSummarySerializer(
        allow_null=True,
        required=False,
        help_text="The independent controller's audit, signed off before publication; null without one.",
    )


class EditionPalmaresView(APIView):
    """The published palmarès of an edition: laureates with their overall score, and the edition figures."""

    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="editions_palmares_retrieve",
        summary="The published palmarès of an edition",
        description=(
            "Public once the edition's publication time has come, `404` before (also while it is "
            "scheduled). Frozen when publication was decided; never a non-laureate's score or rank."
        ),
        responses={
            200: PalmaresSerializer,
            404: OpenApiResponse(ErrorSerializer, description="Unknown edition, or its palmarès is not public yet."),
        },
        tags=["editions"],
    )
    def get(self, request: Request, pk: int) -> Response:
        body = live_palmares(edition_id=pk)
        if body is None:
            raise Http404
        return Response(body)
