"""Shapes of the agency API (API.md "Agency endpoints").

Output serializers render the contract's objects. The upload's item serializer only *documents*
the request in the OpenAPI schema: 10,000 items are validated by ``mystery_tests.validation`` in
plain Python, a serializer per item being far too slow.
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from common.api.serializers import CategoryNamesField, UTCDateTimeField
from election.channels import Channel
from election.models import Edition

from . import selectors
from .fields import RESULT_FIELDS, ResultField
from .models import Campaign, TestResult
from .validation import EXTERNAL_ID_MAX_LENGTH


# -- references ----------------------------------------------------------------------------------------
class EditionRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    country = serializers.CharField()
    year = serializers.IntegerField()
    name = serializers.CharField()


class SlugNameSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()


class CategoryRefSerializer(SlugNameSerializer):
    name = serializers.CharField(help_text="In the edition's language.")
    names = CategoryNamesField()


class CriterionSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField(help_text="In the edition's language.")
    labels = serializers.DictField(
        child=serializers.CharField(),
        help_text='The label in every language known, e.g. {"fr": "Accueil", "en": "Greeting"} (an addition).',
    )
    weight = serializers.IntegerField()
    max_points = serializers.IntegerField(help_text="Always 2: points are 0, 1, 2 or null.")


class ChannelSerializer(serializers.Serializer):
    channel = serializers.ChoiceField(choices=Channel.choices)
    quota = serializers.IntegerField()
    weight = serializers.IntegerField()
    criteria = CriterionSerializer(many=True)


class EntryRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    brand = SlugNameSerializer()
    category = CategoryRefSerializer()


# -- campaigns ----------------------------------------------------------------------------------------
class CampaignSerializer(serializers.ModelSerializer):
    """The campaign object of API.md; expects a queryset from ``selectors.with_contract_details``."""

    edition = EditionRefSerializer()
    agency = SlugNameSerializer()
    channels = serializers.SerializerMethodField()
    entries = serializers.SerializerMethodField()

    class Meta:
        model = Campaign
        fields = ["id", "edition", "agency", "starts_on", "ends_on", "status", "channels", "entries"]
        read_only_fields = fields

    @extend_schema_field(ChannelSerializer(many=True))
    def get_channels(self, campaign: Campaign) -> list[dict]:
        return selectors.campaign_channels(campaign)

    @extend_schema_field(EntryRefSerializer(many=True))
    def get_entries(self, campaign: Campaign) -> list[dict]:
        return selectors.campaign_entries(campaign)


# -- results --------------------------------------------------------------------------------------------
def _upload_item_field(field: ResultField) -> serializers.Field:
    """The DRF field documenting one field of a result (mystery_tests.fields) in an upload."""
    options: dict = {"help_text": field.help_text} if field.help_text else {}
    if not field.required:
        options["required"] = False
    if field.nullable:
        options["allow_null"] = True
    match field.kind:
        case "entry":
            return serializers.IntegerField(**options)
        case "channel":
            return serializers.ChoiceField(choices=Channel.choices, **options)
        case "datetime":
            return UTCDateTimeField(**options)
        case "boolean":
            return serializers.BooleanField(**options)
        case "number":
            return serializers.FloatField(min_value=0, **options)
        case "points":
            return serializers.DictField(
                child=serializers.IntegerField(min_value=0, max_value=2, allow_null=True), **options
            )
        case _ if field.required:
            return serializers.CharField(max_length=EXTERNAL_ID_MAX_LENGTH, **options)
        case _:
            return serializers.CharField(allow_blank=True, allow_null=True, **options)


def _upload_item_fields() -> dict[str, serializers.Field]:
    fields: dict[str, serializers.Field] = {}
    for field in RESULT_FIELDS:
        fields[field.name] = _upload_item_field(field)
        if field.kind == "entry":  # or the entry named by its brand and category
            fields["brand"] = serializers.SlugField(
                required=False, help_text="Brand slug, with `category`, instead of `entry`."
            )
            fields["category"] = serializers.SlugField(
                required=False, help_text="Category slug, with `brand`, instead of `entry`."
            )
    return fields


# One test result of ``POST …/results/`` (documentation of the request body only), from the fields' description.
ResultUploadItemSerializer = type(
    "ResultUploadItemSerializer",
    (serializers.Serializer,),
    {
        "__doc__": "One test result of ``POST …/results/`` (documentation of the request body only).",
        **_upload_item_fields(),
    },
)


class ReceiptSerializer(serializers.Serializer):
    """METHODOLOGY §12: the platform's signed receipt for an accepted batch."""

    count = serializers.IntegerField(help_text="How many results the batch held.")
    root = serializers.CharField(
        help_text="Hex RFC 6962 tree hash over the batch's fingerprints (32 bytes each) in the order sent "
        "(file imports: rows in file order)."
    )
    signed_at = serializers.CharField(help_text="UTC time of signing, YYYY-MM-DDTHH:MM:SSZ.")
    key_id = serializers.CharField(help_text="`kid` of the signing key in GET /api/v1/keys/ (RFC 7638 thumbprint).")
    signature = serializers.CharField(
        help_text="Base64url (unpadded) Ed25519 signature of the RFC 8785 canonical JSON of "
        "{count, root, signed_at, key_id}."
    )


class UploadCountsSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    receipt = ReceiptSerializer(
        allow_null=True,
        help_text="The signed receipt of the accepted batch; null for a dry run (nothing was accepted).",
    )


class ResultSerializer(serializers.ModelSerializer):
    """A result as ``GET …/results/`` lists it: the upload fields (``entry`` as an id), ``id``, ``score``
    and ``excluded``."""

    entry = serializers.IntegerField(source="entry_id")
    performed_at = UTCDateTimeField()
    scores = serializers.DictField(child=serializers.IntegerField())
    score = serializers.FloatField(help_text=_("The test's score out of 20, unrounded."))

    class Meta:
        model = TestResult
        fields = ["id", *(f.name for f in RESULT_FIELDS), "score", "excluded"]
        read_only_fields = fields


# -- progress ----------------------------------------------------------------------------------------
class ProgressCellSerializer(serializers.Serializer):
    quota = serializers.IntegerField()
    received = serializers.IntegerField(help_text="Results stored, excluded ones included.")
    counted = serializers.IntegerField(help_text="Results that count (not excluded).")


class ProgressEntrySerializer(serializers.Serializer):
    entry = serializers.IntegerField()
    brand = SlugNameSerializer()
    category = CategoryRefSerializer()
    channels = serializers.DictField(child=ProgressCellSerializer(), help_text="Keyed by channel.")


class ProgressSerializer(serializers.Serializer):
    campaign = serializers.IntegerField()
    entries = ProgressEntrySerializer(many=True)


# -- editions ----------------------------------------------------------------------------------------
class EditionSerializer(serializers.ModelSerializer):
    # Null until the edition is published (organisers see unpublished editions too).
    published_at = UTCDateTimeField(allow_null=True)

    class Meta:
        model = Edition
        fields = ["id", "country", "year", "name", "time_zone", "published_at"]
        read_only_fields = fields
