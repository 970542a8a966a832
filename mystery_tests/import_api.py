"""File imports over the API (API.md "A file import"): ``POST /api/v1/campaigns/{id}/imports/``
answers ``202`` with the import and its ``Location``; ``GET /api/v1/imports/{id}/`` follows it."""

from django.conf import settings
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    inline_serializer,
)
from rest_framework import serializers, status
from rest_framework.exceptions import APIException, NotFound, PermissionDenied
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from common.api.exceptions import Conflict, PayloadInvalid, PayloadTooLarge
from common.api.serializers import UTCDateTimeField

from . import imports, selectors, services
from .models import ImportJob
from .serializers import ReceiptSerializer


class UnsupportedFile(APIException):
    status_code = status.HTTP_415_UNSUPPORTED_MEDIA_TYPE
    default_detail = "Only CSV and XLSX files can be imported."


class ImportErrorSerializer(serializers.Serializer):
    row = serializers.IntegerField(allow_null=True, help_text="Spreadsheet row: header = 1, first data row = 2.")
    column = serializers.CharField(allow_null=True, help_text="Column name (null for a whole-file problem).")
    message = serializers.CharField()


class ImportJobSerializer(serializers.ModelSerializer):
    rows_done = serializers.SerializerMethodField()
    errors = ImportErrorSerializer(many=True, read_only=True)
    campaign = serializers.IntegerField(source="campaign_id", read_only=True)
    file_name = serializers.CharField(source="original_name", read_only=True)
    uploaded_at = UTCDateTimeField(source="created_at", read_only=True)
    started_at = UTCDateTimeField(read_only=True, allow_null=True)
    finished_at = UTCDateTimeField(read_only=True, allow_null=True)
    # Not read_only: the schema then lists it as optional, as it is (answers are never read back).
    errors_omitted = serializers.IntegerField(
        required=False,
        help_text="Present when the file has more than 1,000 problems: how many more than `errors` lists.",
    )
    receipt = serializers.SerializerMethodField(
        help_text="METHODOLOGY §12: the signed receipt once the import succeeded (rows in file order), else null."
    )

    class Meta:
        model = ImportJob
        fields = [
            "id",
            "status",
            "rows_total",
            "rows_done",
            "created",
            "updated",
            "unchanged",
            "errors",
            "campaign",
            "file_name",
            "format",
            "uploaded_at",
            "started_at",
            "finished_at",
            "errors_omitted",
            "receipt",
        ]
        read_only_fields = fields

    def get_rows_done(self, job: ImportJob) -> int:
        return imports.rows_done(job)

    def to_representation(self, job: ImportJob) -> dict:
        data = super().to_representation(job)
        if not data.get("errors_omitted"):
            data.pop("errors_omitted", None)  # API.md: added only past 1,000 errors
        return data

    @extend_schema_field(ReceiptSerializer(allow_null=True))
    def get_receipt(self, job: ImportJob) -> dict | None:
        receipt = getattr(job, "receipt", None) if job.status == ImportJob.Status.SUCCEEDED else None
        return receipt.as_receipt() if receipt is not None else None


class ImportUploadSerializer(serializers.Serializer):
    file = serializers.FileField(allow_empty_file=True, help_text="A CSV (UTF-8, `,` or `;`) or XLSX file.")


ERROR_BODY = inline_serializer(
    "ImportErrorBody",
    fields={
        "detail": serializers.CharField(),
        "errors": ImportErrorSerializer(many=True, required=False),
        "errors_omitted": serializers.IntegerField(required=False),
    },
)


class CampaignImportView(APIView):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        operation_id="campaign_import_create",
        summary="Upload a CSV or XLSX file of test results",
        description=(
            "One row per test; columns as in the contract. Answers 202 with the import object and a "
            "`Location` header; follow it until `status` is `succeeded` or `failed`. Row errors name the "
            "spreadsheet row (header = 1) and the column; any error stores nothing."
        ),
        request={"multipart/form-data": ImportUploadSerializer},
        parameters=[
            OpenApiParameter(
                "Location",
                OpenApiTypes.STR,
                location=OpenApiParameter.HEADER,
                response=[202],
                description="The import's address, /api/v1/imports/{id}/.",
            )
        ],
        responses={
            202: OpenApiResponse(ImportJobSerializer, description="Accepted: the import is queued (or has run)."),
            400: ERROR_BODY,
            401: ERROR_BODY,
            403: ERROR_BODY,
            404: ERROR_BODY,
            409: ERROR_BODY,
            413: ERROR_BODY,
            415: ERROR_BODY,
        },
        tags=["agency"],
    )
    def post(self, request, pk: int):
        campaign = get_object_or_404(
            selectors.campaigns_for(user=request.user).select_related("edition", "agency"), pk=pk
        )
        agency = selectors.agency_of(request.user)
        if selectors.is_organiser(request.user) or agency is None or agency.pk != campaign.agency_id:
            raise PermissionDenied(_("Organisers may not upload results: only the campaign's agency does."))
        reason = services.campaign_lock_reason(campaign)
        if reason:
            raise Conflict(reason)
        # Refuse an oversized body before reading it (the client sent its length).
        if int(request.META.get("CONTENT_LENGTH") or 0) > settings.API_MAX_FILE_BYTES + 64 * 1024:
            raise PayloadTooLarge(_("The file is larger than %(limit)d MiB.") % {"limit": _limit_mib()})
        upload = request.FILES.get("file")
        if upload is None:
            raise PayloadInvalid(
                [{"row": None, "column": None, "message": _("Send the file in the multipart field “file”.")}],
                _("No file was sent."),
            )
        try:
            job = imports.import_create(campaign=campaign, user=request.user, upload=upload)
        except services.CampaignLocked as exc:
            raise Conflict(str(exc))
        except imports.ImportRefused as exc:
            if exc.status == status.HTTP_413_REQUEST_ENTITY_TOO_LARGE:
                raise PayloadTooLarge(exc.message)
            raise UnsupportedFile(exc.message)
        job.refresh_from_db()  # with eager Celery (development) the import has already run
        location = reverse("api-import-detail", kwargs={"pk": job.pk})
        return Response(ImportJobSerializer(job).data, status=status.HTTP_202_ACCEPTED, headers={"Location": location})


def _limit_mib() -> int:
    return settings.API_MAX_FILE_BYTES // (1024 * 1024)


class ImportDetailView(APIView):
    @extend_schema(
        operation_id="import_retrieve",
        summary="An import's state, progress and row errors",
        responses={200: ImportJobSerializer, 401: ERROR_BODY, 404: ERROR_BODY},
        tags=["agency"],
    )
    def get(self, request, pk: int):
        job = selectors.imports_visible_to(user=request.user).filter(pk=pk).first()
        if job is None:
            raise NotFound(_("No such import."))
        return Response(ImportJobSerializer(job).data)
