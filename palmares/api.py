"""GET /api/v1/editions/{id}/palmares/: the frozen palmarès body of API.md, public once live, 404 before."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from mystery_tests.serializers import ErrorSerializer

from .selectors import live_palmares


class PalmaresBrandSerializer(serializers.Serializer):
    slug = serializers.SlugField()
    name = serializers.CharField()


class PalmaresLaureateSerializer(serializers.Serializer):
    brand = PalmaresBrandSerializer()
    overall = serializers.FloatField(help_text="Overall score out of 20, unrounded.")


class PalmaresCategorySerializer(serializers.Serializer):
    slug = serializers.SlugField()
    name = serializers.CharField()
    laureates = PalmaresLaureateSerializer(many=True, help_text="Empty when the category is not awarded.")


class PalmaresEditionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    country = serializers.CharField()
    year = serializers.IntegerField()
    name = serializers.CharField()
    published_at = serializers.DateTimeField()


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
