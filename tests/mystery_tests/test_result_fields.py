"""The one description of a test result's fields (mystery_tests.fields) and what is derived from it."""

from mystery_tests import exports, serializers, sheets, validation
from mystery_tests.fields import CONTENT_ATTRIBUTES, RESULT_FIELDS, UPLOAD_MODEL_FIELDS
from mystery_tests.models import TestResult
from mystery_tests.validation import CleanResult


def test_fields_each_described_field_is_a_model_field_with_the_same_nullability():
    # Arrange
    model_fields = {f.attname: f for f in TestResult._meta.concrete_fields}

    # Act / Assert
    for field in RESULT_FIELDS:
        assert field.stored in model_fields, field.name
        assert model_fields[field.stored].null == field.nullable, field.name


def test_fields_upload_writes_only_model_fields_and_never_the_exclusion():
    names = {f.name for f in TestResult._meta.concrete_fields}

    assert set(UPLOAD_MODEL_FIELDS) <= names
    assert not {"excluded", "exclusion_reason", "excluded_at", "excluded_by"} & set(UPLOAD_MODEL_FIELDS)


def test_fields_json_keys_are_the_contract_item_keys_and_the_schema_documents_them():
    # Arrange: API.md "A test result"
    contract = {
        "external_id",
        "entry",
        "brand",
        "category",
        "channel",
        "performed_at",
        "reached",
        "wait_seconds",
        "response_hours",
        "scores",
        "comment",
        "shopper",
        "scenario",
    }

    # Act
    documented = set(serializers.ResultUploadItemSerializer().fields)

    # Assert
    assert contract == validation.ALLOWED_FIELDS
    assert documented == contract
    assert set(validation.REQUIRED_FIELDS) == {"external_id", "channel", "performed_at", "reached"}


def test_fields_file_columns_exports_and_clean_results_follow_the_description():
    # Act
    content = tuple(f for f in CleanResult.__dataclass_fields__ if f in CONTENT_ATTRIBUTES)

    # Assert
    assert sheets.REQUIRED_COLUMNS == ("external_id", "brand", "category", "channel", "performed_at", "reached")
    assert sheets.OPTIONAL_COLUMNS == ("wait_seconds", "response_hours", "comment", "shopper", "scenario")
    assert sheets.NUMBER_COLUMNS == ("wait_seconds", "response_hours")
    assert exports.COLUMNS[6:13] == [
        "channel",
        "performed_at",
        "reached",
        "wait_seconds",
        "response_hours",
        "shopper",
        "scenario",
    ]
    assert content == CONTENT_ATTRIBUTES
