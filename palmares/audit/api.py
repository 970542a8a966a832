"""The auditor's API (API.md "Provenance, audit and credentials"): ``POST /api/v1/editions/{id}/audit/sample/``,
``POST …/audit/checks/`` and ``POST …/audit/signoff/``. Only the edition's auditor: another edition's auditor,
an agency or a brand member gets ``404`` (``403`` for an edition they may see: organisers, or a published one),
so the audit is reachable by nobody else."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from decimal import Decimal

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from common.api.exceptions import Conflict, PayloadInvalid
from common.api.serializers import ErrorSerializer
from common.permissions import is_edition_auditor, is_organiser
from election.models import Edition
from palmares.audit import selectors, services
from palmares.models import AuditCheck

HEX64 = r"^[0-9a-f]{64}$"


class SampleRequestSerializer(serializers.Serializer):
    rate = serializers.DecimalField(
        max_digits=5,
        decimal_places=4,
        min_value=Decimal("0.0001"),
        max_value=Decimal("1"),
        help_text="Share of each category's counted tests to draw: above 0, at most 1.",
    )
    nonce = serializers.CharField(
        max_length=services.MAX_NONCE_LENGTH, trim_whitespace=False, help_text="Any text of the auditor's choosing."
    )


class DrawnTestSerializer(serializers.Serializer):
    category = serializers.SlugField()
    agency = serializers.SlugField()
    external_id = serializers.CharField()
    fingerprint = serializers.RegexField(HEX64, help_text="The test's fingerprint when drawn (METHODOLOGY §12).")
    outcome = serializers.ChoiceField(choices=["verified", "discrepancy"], allow_null=True)
    note = serializers.CharField(allow_blank=True)
    checked_at = serializers.DateTimeField(allow_null=True)


class SampleSerializer(serializers.Serializer):
    edition = serializers.IntegerField()
    rate = serializers.FloatField()
    nonce = serializers.CharField()
    tree_hash = serializers.RegexField(HEX64, help_text="The edition's tree hash (§12) when the sample was drawn.")
    seed = serializers.RegexField(HEX64, help_text="SHA-256(tree hash bytes ‖ nonce in UTF-8), hex.")
    counted_tests = serializers.IntegerField()
    drawn_at = serializers.DateTimeField()
    signed_off_at = serializers.DateTimeField(allow_null=True)
    tests = DrawnTestSerializer(many=True, help_text="By category slug, then in draw order.")


class RedrawRequestSerializer(serializers.Serializer):
    rate = serializers.DecimalField(
        max_digits=5,
        decimal_places=4,
        min_value=Decimal("0.0001"),
        max_value=Decimal("1"),
        required=False,
        help_text="Share of each category's counted tests to draw; the earlier draw's rate when absent.",
    )
    nonce = serializers.CharField(
        max_length=services.MAX_NONCE_LENGTH,
        trim_whitespace=False,
        help_text="A nonce not used before for this edition.",
    )


class SignoffRequestSerializer(serializers.Serializer):
    acknowledge_changes = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Sign off although counted tests changed since the draw; the sign-off covers them as they are now.",
    )


class CheckItemSerializer(serializers.Serializer):
    external_id = serializers.CharField(max_length=100)
    agency = serializers.SlugField(max_length=80)
    outcome = serializers.ChoiceField(choices=[AuditCheck.Outcome.VERIFIED, AuditCheck.Outcome.DISCREPANCY])
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)


class ChecksResponseSerializer(serializers.Serializer):
    tests = DrawnTestSerializer(many=True, help_text="The checks just recorded.")


class AuditSummarySerializer(serializers.Serializer):
    auditor = serializers.CharField(help_text="The auditor's public name.")
    signed_at = serializers.DateTimeField()
    sampled = serializers.IntegerField()
    verified = serializers.IntegerField()
    discrepancies = serializers.IntegerField()


def audited_edition(request: Request, pk: int) -> Edition:
    """The edition, if ``request.user`` is its auditor; 404 for what the caller may not see, else 403."""
    edition = Edition.objects.select_related("auditor").filter(pk=pk).first()
    if edition is None:
        raise Http404
    if is_edition_auditor(request.user, edition):
        return edition
    if is_organiser(request.user) or edition.is_published:
        raise PermissionDenied(_("Only the edition's auditor may do this."))
    raise Http404


@contextlib.contextmanager
def _as_api_errors() -> Iterator[None]:
    """The services' refusals as the contract's errors: bad input 400 (with its items), a wrong state 409."""
    try:
        yield
    except services.AuditError as exc:
        raise PayloadInvalid(exc.errors, str(exc)) from exc
    except services.AuditConflict as exc:
        raise Conflict(str(exc)) from exc


def _drawn(request: Request, pk: int, serializer_class, draw) -> Response:
    """Draw (or redraw) the sample with ``draw`` from the request's validated body; the sample, 201."""
    edition = audited_edition(request, pk)
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    with _as_api_errors():
        audit = draw(edition=edition, user=request.user, **serializer.validated_data)
    return Response(selectors.audit_body(audit=audit), status=status.HTTP_201_CREATED)


_ERRORS = {
    401: OpenApiResponse(ErrorSerializer),
    403: OpenApiResponse(ErrorSerializer, description="An edition you may see, but you are not its auditor."),
    404: OpenApiResponse(ErrorSerializer, description="Unknown edition, or one you may not see."),
}


def _draw_schema(*, request, conflict: str, **schema):
    """The schema of a draw (the first or a redraw): the sample, 201; bad input 400; ``conflict``, 409."""
    return extend_schema(
        request=request,
        responses={
            201: SampleSerializer,
            400: OpenApiResponse(ErrorSerializer),
            409: OpenApiResponse(ErrorSerializer, description=conflict),
            **_ERRORS,
        },
        tags=["audit"],
        **schema,
    )


class AuditSampleView(APIView):
    @_draw_schema(
        operation_id="editions_audit_sample_create",
        summary="Draw the audit sample (once per edition)",
        description=(
            "Per category (slug order) at least `ceil(rate × n)` of its `n` counted tests, at least 1, seeded by "
            "SHA-256 of the edition's current tree hash and the nonce, so neither side chooses it. Anyone can "
            "redraw it from `tree_hash`, `nonce` and `rate` (README, “Audit: redrawing the sample”)."
        ),
        request=SampleRequestSerializer,
        conflict="Already drawn, or nothing to sample.",
    )
    def post(self, request: Request, pk: int) -> Response:
        return _drawn(request, pk, SampleRequestSerializer, services.audit_draw)


class AuditChecksView(APIView):
    @extend_schema(
        operation_id="editions_audit_checks_create",
        summary="Record the outcome of drawn tests",
        description="All or nothing; a discrepancy needs a note. Checking a test again replaces its outcome.",
        request=CheckItemSerializer(many=True),
        responses={
            200: ChecksResponseSerializer,
            400: OpenApiResponse(ErrorSerializer, description="A test not drawn, checked twice, or no note."),
            409: OpenApiResponse(ErrorSerializer, description="No sample yet, or the audit is signed off."),
            **_ERRORS,
        },
        tags=["audit"],
    )
    def post(self, request: Request, pk: int) -> Response:
        edition = audited_edition(request, pk)
        serializer = CheckItemSerializer(data=request.data, many=True, allow_empty=False)
        serializer.is_valid(raise_exception=True)
        items = [services.CheckInput(**item) for item in serializer.validated_data]
        with _as_api_errors():
            checks = services.audit_record_checks(edition=edition, user=request.user, checks=items)
        return Response({"tests": [selectors.check_body(c) for c in checks]})


class AuditSignoffView(APIView):
    @extend_schema(
        operation_id="editions_audit_signoff_create",
        summary="Sign the audit off",
        description="`409` while a drawn test has no outcome, and when counted tests changed since the draw "
        "unless `acknowledge_changes` is true (the sign-off covers the edition's tree hash at this moment). When "
        "the edition requires an audit, publication is refused until this sign-off; a signed-off audit's "
        "edition is not published while its tree hash differs from the signed-off one.",
        request=SignoffRequestSerializer,
        responses={
            200: AuditSummarySerializer,
            409: OpenApiResponse(
                ErrorSerializer,
                description="No sample, a drawn test unchecked, signed off, or tests changed since the draw.",
            ),
            **_ERRORS,
        },
        tags=["audit"],
    )
    def post(self, request: Request, pk: int) -> Response:
        edition = audited_edition(request, pk)
        serializer = SignoffRequestSerializer(data=request.data or {})
        serializer.is_valid(raise_exception=True)
        with _as_api_errors():
            services.audit_sign_off(
                edition=edition, user=request.user, acknowledge_changes=serializer.validated_data["acknowledge_changes"]
            )
        return Response(selectors.audit_summary(edition=edition))


class AuditRedrawView(APIView):
    @_draw_schema(
        operation_id="editions_audit_redraw_create",
        summary="Redraw the audit sample after tests changed",
        description=(
            "Only when counted tests changed since the draw (or since the sign-off), before publication, with a "
            "nonce not used before for this edition. The earlier draw, its checks and sign-off are kept in the "
            "audit's record; the new sample starts unchecked and unsigned, drawn as the first one was."
        ),
        request=RedrawRequestSerializer,
        conflict="No sample yet, nothing changed, or published.",
    )
    def post(self, request: Request, pk: int) -> Response:
        return _drawn(request, pk, RedrawRequestSerializer, services.audit_redraw)
