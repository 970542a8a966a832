"""The publication over the API (API.md): ``GET /api/v1/editions/{id}/palmares/`` (the frozen
palmarès body, public once live, 404 before); provenance (METHODOLOGY §12, API.md "Provenance, audit
and credentials"): ``GET /api/v1/keys/`` (the platform's public keys, JWKS) and
``GET /api/v1/editions/{id}/proofs/?external_id=…`` (a test's inclusion proof, or why it did not count)."""

from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from common.api.serializers import CategoryNamesField, ErrorSerializer, UTCDateTimeField
from common.permissions import agency_of, is_edition_auditor, is_organiser
from election.models import Edition
from mystery_tests.models import TestResult
from mystery_tests.provenance import key_ring
from palmares.audit.api import AuditSummarySerializer
from palmares.publication.provenance import inclusion_proof
from palmares.publication.selectors import live_palmares, live_publication

HEX64 = r"^[0-9a-f]{64}$"


class JwkSerializer(serializers.Serializer):
    kty = serializers.CharField(help_text="Always `OKP`.")
    crv = serializers.CharField(help_text="Always `Ed25519`.")
    x = serializers.CharField(help_text="The public key, base64url (RFC 8037).")
    kid = serializers.CharField(help_text="RFC 7638 thumbprint; a receipt's `key_id`.")
    alg = serializers.CharField(help_text="Always `EdDSA`.")
    use = serializers.CharField(help_text="Always `sig`.")


class JwksSerializer(serializers.Serializer):
    keys = JwkSerializer(many=True, help_text="The current key first, then retired keys (old receipts still verify).")


class ProofSerializer(serializers.Serializer):
    fingerprint = serializers.RegexField(HEX64, help_text="The test's fingerprint (SHA-256 hex, METHODOLOGY §12).")
    category = serializers.SlugField(help_text="The test's category slug.")
    counted = serializers.BooleanField(help_text="Whether the test is a leaf of its category's published tree.")
    leaf_index = serializers.IntegerField(required=False, help_text="counted: its index among the sorted leaves.")
    tree_size = serializers.IntegerField(required=False, help_text="counted: the number of leaves (tests).")
    audit_path = serializers.ListField(
        child=serializers.RegexField(HEX64),
        required=False,
        help_text="counted: the RFC 6962 audit path, deepest sibling first (hex).",
    )
    root = serializers.RegexField(HEX64, required=False, help_text="counted: the published category root.")
    reason = serializers.ChoiceField(
        choices=["quality_review", "appeal", "replaced", "entry_not_registered", "not_in_publication"],
        required=False,
        help_text="Not counted: excluded by the quality review or after an upheld appeal, a replaced version "
        "(asked by `fingerprint`), the entry withdrawn or disqualified, or a version other than the published one.",
    )
    detail = serializers.CharField(required=False, help_text="Not counted: the reason in words.")
    replaced_by = serializers.RegexField(
        HEX64, required=False, help_text="reason `replaced`: the fingerprint of the current version."
    )


class KeysView(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(
        operation_id="keys_list",
        summary="The platform's Ed25519 public keys (JWKS)",
        description="Verify a receipt: the Ed25519 signature (base64url) of the RFC 8785 canonical JSON of "
        "{count, root, signed_at, key_id}, with the key whose `kid` is the receipt's `key_id`.",
        responses={200: JwksSerializer},
        tags=["provenance"],
    )
    def get(self, request: Request) -> Response:
        response = Response(key_ring().jwks())
        response["Cache-Control"] = "public, max-age=300"
        return response


class EditionProofView(APIView):
    @extend_schema(
        operation_id="editions_proofs_retrieve",
        summary="The inclusion proof of one test in its published category root",
        description=(
            "After publication only (`404` before). The test's agency (only its own tests: another agency's "
            "is `404`), the edition's auditor and organisers. `counted: true` comes with the RFC 6962 audit "
            "path against the category root of the palmarès; otherwise `counted: false` with `reason`. "
            "With `fingerprint`, asks about that version of the test (a replaced one answers `reason: replaced`)."
        ),
        parameters=[
            OpenApiParameter("external_id", OpenApiTypes.STR, OpenApiParameter.QUERY, required=True),
            OpenApiParameter(
                "agency",
                OpenApiTypes.STR,
                OpenApiParameter.QUERY,
                description="Agency slug; organisers only, needed when several agencies use the same external_id.",
            ),
            OpenApiParameter(
                "fingerprint",
                OpenApiTypes.STR,
                OpenApiParameter.QUERY,
                description="A version's fingerprint (e.g. from an older receipt's batch), to ask about that version.",
            ),
        ],
        responses={
            200: ProofSerializer,
            400: OpenApiResponse(ErrorSerializer, description="external_id missing, or ambiguous for an organiser."),
            401: OpenApiResponse(ErrorSerializer),
            403: OpenApiResponse(ErrorSerializer, description="Neither an agency, the auditor nor an organiser."),
            404: OpenApiResponse(ErrorSerializer, description="Unknown or unpublished edition, or no such test."),
        },
        tags=["provenance"],
    )
    def get(self, request: Request, pk: int) -> Response:
        organiser = is_organiser(request.user)
        agency = None if organiser else agency_of(request.user)
        edition = Edition.objects.filter(pk=pk).first()
        # The edition's auditor reads every test of it, as organisers do (API.md).
        everyone = organiser or (edition is not None and is_edition_auditor(request.user, edition))
        if not everyone and agency is None:
            raise PermissionDenied(_("Proofs are given to the test's agency, the edition's auditor and organisers."))
        if edition is None:
            raise Http404
        publication = live_publication(edition=edition)
        if publication is None:
            raise Http404
        external_id = (request.query_params.get("external_id") or "").strip()
        if not external_id:
            raise ValidationError({"external_id": [_("Give the external_id of the test.")]})
        asked = (request.query_params.get("fingerprint") or "").strip().lower() or None
        results = TestResult.objects.filter(campaign__edition=edition, external_id=external_id).select_related(
            "agency", "entry__brand", "entry__category"
        )
        if not everyone:
            results = results.filter(agency=agency)
        elif request.query_params.get("agency"):
            results = results.filter(agency__slug=request.query_params["agency"])
        found = list(results[:2])
        if not found:
            raise Http404
        if len(found) > 1:
            raise ValidationError({"agency": [_("Several agencies use this external_id: give agency=<slug>.")]})
        body = inclusion_proof(publication=publication, result=found[0], asked=asked)
        if body is None:
            raise Http404
        response = Response(body)
        response["Cache-Control"] = "private, no-store"
        return response


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
    name = serializers.CharField(help_text="In the edition's language.")
    names = CategoryNamesField(required=False)
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
