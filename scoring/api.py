"""Organiser endpoints of API.md: the current rankings of an edition and a full recompute."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from common.api.serializers import CategoryNamesField, UTCDateTimeField
from common.permissions import is_edition_auditor, is_organiser
from election.models import Edition

from .selectors import rankings_for
from .services import enqueue_edition_recompute


class _BrandSerializer(serializers.Serializer):
    slug = serializers.SlugField()
    name = serializers.CharField()


class _ChannelScoreSerializer(serializers.Serializer):
    score = serializers.FloatField(help_text="Mean of the channel's counted test scores (/20), unrounded.")
    n = serializers.IntegerField(help_text="Counted tests on the channel.")
    sd = serializers.FloatField(help_text="Sample standard deviation of those scores (0 when n = 1).")


class _EntrySerializer(serializers.Serializer):
    entry = serializers.IntegerField()
    brand = _BrandSerializer()
    rank = serializers.IntegerField(allow_null=True, help_text="Null for an entry with no counted test.")
    overall = serializers.FloatField(allow_null=True)
    moe = serializers.FloatField(allow_null=True, help_text="Margin of error (95 %).")
    complete = serializers.BooleanField()
    laureate = serializers.BooleanField()
    close_call = serializers.BooleanField()
    counted_tests = serializers.IntegerField()
    channels = serializers.DictField(
        child=_ChannelScoreSerializer(), help_text="Only the channels with at least one counted test."
    )
    p_threshold = serializers.FloatField(
        allow_null=True,
        help_text="METHODOLOGY §11: probability that the true score reaches the threshold; null for an "
        "incomplete entry.",
    )
    p_best = serializers.FloatField(
        allow_null=True,
        help_text="METHODOLOGY §11: probability that the true score is the highest among the category's "
        "complete entries; null for an incomplete entry or outside a contested category.",
    )


class _CategorySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    slug = serializers.SlugField()
    name = serializers.CharField(help_text="In the edition's language.")
    names = CategoryNamesField(required=False)
    contested = serializers.BooleanField()
    awarded = serializers.BooleanField()
    robustness = serializers.FloatField(
        allow_null=True,
        help_text="METHODOLOGY §11: the sole laureate's weight robustness δ in [0, 1] (1: the title holds "
        "whatever the weights); null with co-laureates, no laureate or a complete entry missing a channel.",
    )
    stale = serializers.BooleanField(help_text="This category's inputs changed since it was computed.")
    computed_at = UTCDateTimeField(allow_null=True)
    entries = _EntrySerializer(many=True, help_text="By rank then brand slug; unranked entries last.")


class RankingsSerializer(serializers.Serializer):
    edition = serializers.IntegerField()
    computed_at = UTCDateTimeField(allow_null=True)
    stale = serializers.BooleanField(help_text="True while any input changed since `computed_at`.")
    categories = _CategorySerializer(many=True, help_text="Ordered by slug.")


_ERROR = inline_serializer("RankingsError", fields={"detail": serializers.CharField()})


def _organiser_edition(request: Request, pk: int, *, auditor_reads: bool = False) -> Edition:
    """404 for an unknown edition, then 403 for anyone but an organiser (API.md status order); with
    ``auditor_reads``, the edition's auditor too (API.md: read-only on its tests and rankings)."""
    edition = get_object_or_404(Edition, pk=pk)
    if auditor_reads and is_edition_auditor(request.user, edition):
        return edition
    if not is_organiser(request.user):
        raise PermissionDenied(_("Only organisers may read or recompute rankings."))
    return edition


class EditionRankingsView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="editions_rankings_retrieve",
        summary="Current rankings of an edition (organisers, and the edition's auditor)",
        description=(
            "The rankings stored by the last recompute: every category by slug with its registered "
            "entries by rank then brand slug (entries without a counted test last, rank, overall and "
            "moe null). `stale` is true while results, exclusions, entry status, settings or grid "
            "changed since `computed_at`."
        ),
        responses={
            200: RankingsSerializer,
            401: OpenApiResponse(_ERROR, description="No or bad token."),
            403: OpenApiResponse(_ERROR, description="Neither an organiser nor the edition's auditor."),
            404: OpenApiResponse(_ERROR, description="Unknown edition."),
        },
        tags=["editions"],
    )
    def get(self, request: Request, pk: int) -> Response:
        edition = _organiser_edition(request, pk, auditor_reads=True)
        return Response(rankings_for(edition=edition))


class EditionRecomputeView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="editions_recompute_create",
        summary="Queue a full recompute of an edition's rankings (organisers)",
        request=None,
        responses={
            202: inline_serializer(
                "RecomputeQueued",
                fields={
                    "detail": serializers.CharField(),
                    "edition": serializers.IntegerField(),
                    "categories": serializers.IntegerField(),
                },
            ),
            401: OpenApiResponse(_ERROR, description="No or bad token."),
            403: OpenApiResponse(_ERROR, description="Not an organiser."),
            404: OpenApiResponse(_ERROR, description="Unknown edition."),
            503: OpenApiResponse(_ERROR, description="The task queue is unavailable; nothing was queued."),
        },
        tags=["editions"],
    )
    def post(self, request: Request, pk: int) -> Response:
        edition = _organiser_edition(request, pk)
        if not enqueue_edition_recompute(edition_id=edition.pk):
            body = {"detail": _("The recompute could not be queued (task queue unavailable); try again shortly.")}
            return Response(body, status=status.HTTP_503_SERVICE_UNAVAILABLE)
        body = {
            "detail": _("A full recompute of this edition's rankings is queued."),
            "edition": edition.pk,
            "categories": edition.categories.count(),
        }
        return Response(body, status=status.HTTP_202_ACCEPTED)
