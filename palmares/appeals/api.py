"""``GET /api/v1/appeals/`` and ``/api/v1/appeals/{id}/`` — an addition to API.md (allowed: v1 only grows).

Agencies read the appeals filed on their own tests (to prepare their answer, which they give on
the /agency/appeals/ page); organisers read them all. Anyone else authenticated gets 403: the
endpoint is not for their role. A single appeal outside the caller's scope is 404, as the
contract wants, so one agency never learns that another's appeal exists.
"""

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import generics, serializers
from rest_framework.exceptions import PermissionDenied

from common.api.serializers import ErrorSerializer, UTCDateTimeField
from common.permissions import is_organiser
from palmares.appeals import selectors
from palmares.models import Appeal

_ERRORS = {
    401: OpenApiResponse(ErrorSerializer, description="No token, or an unknown one."),
    403: OpenApiResponse(ErrorSerializer, description="Neither an agency nor an organiser."),
    429: OpenApiResponse(ErrorSerializer, description="Too many requests for this token; retry later."),
}


class _AppealNamedSerializer(serializers.Serializer):
    """A brand or a category: ``{"slug", "name"}``."""

    slug = serializers.CharField()
    name = serializers.CharField()


class AppealEntrySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    edition = serializers.IntegerField(source="category.edition_id")
    brand = _AppealNamedSerializer()
    category = _AppealNamedSerializer()


class AppealTestSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    external_id = serializers.CharField()
    channel = serializers.CharField()
    performed_at = UTCDateTimeField()
    score = serializers.FloatField()
    excluded = serializers.BooleanField()


class AppealSerializer(serializers.ModelSerializer):
    entry = AppealEntrySerializer()
    test = AppealTestSerializer(source="result")
    evidence = serializers.SerializerMethodField(
        help_text="Whether the brand attached evidence (download it from the agency page)."
    )
    # API.md: datetimes are answered in UTC (a model field would be rendered in the server's zone).
    filed_at = UTCDateTimeField(read_only=True)
    agency_answered_at = UTCDateTimeField(read_only=True, allow_null=True)
    decided_at = UTCDateTimeField(read_only=True, allow_null=True)

    class Meta:
        model = Appeal
        fields = [
            "id",
            "status",
            "filed_at",
            "reason",
            "evidence",
            "entry",
            "test",
            "agency_answer",
            "agency_answered_at",
            "decided_at",
            "answer",
        ]

    def get_evidence(self, obj: Appeal) -> bool:
        return bool(obj.attachment)


class AppealFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=Appeal.Status.choices)
    # Bounded like a database id, so a huge number is a 400, never an overflow in the database driver.
    edition = filters.NumberFilter(field_name="entry__category__edition_id", min_value=1, max_value=2**63 - 1)

    class Meta:
        model = Appeal
        fields = ["status", "edition"]


class _AppealScope:
    def get_queryset(self) -> QuerySet[Appeal]:
        if getattr(self, "swagger_fake_view", False):  # schema generation: no caller
            return Appeal.objects.none()
        user = self.request.user
        if is_organiser(user):
            appeals = Appeal.objects.all()
        elif (agency := selectors.agency_of(user=user)) is not None:
            appeals = Appeal.objects.filter(result__agency=agency)
        else:
            raise PermissionDenied(_("Appeals are read by the agency concerned and by organisers."))
        return appeals.select_related("entry__brand", "entry__category", "result").order_by("id")


@extend_schema_view(
    get=extend_schema(
        summary="Appeals on the caller's tests (organisers: all)",
        description="Addition to API.md v1. Filter by `status` (open|accepted|rejected) and `edition` id.",
        responses={
            200: AppealSerializer(many=True),
            400: OpenApiResponse(ErrorSerializer, description="A filter value is invalid (`errors` names it)."),
            **_ERRORS,
        },
    )
)
class AppealListView(_AppealScope, generics.ListAPIView):
    serializer_class = AppealSerializer
    filterset_class = AppealFilter


@extend_schema_view(
    get=extend_schema(
        summary="One appeal",
        description="Addition to API.md v1. 404 when the appeal is not on one of the caller's tests.",
        responses={
            200: AppealSerializer,
            404: OpenApiResponse(ErrorSerializer, description="Unknown, or not visible to you."),
            **_ERRORS,
        },
    )
)
class AppealDetailView(_AppealScope, generics.RetrieveAPIView):
    serializer_class = AppealSerializer
