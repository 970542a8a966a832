"""Shapes every API shares: the error body of API.md "Conventions" and date-times in UTC."""

import datetime as dt

from rest_framework import serializers


class UTCDateTimeField(serializers.DateTimeField):
    """The contract answers in UTC whatever the server's time zone (API.md "Conventions")."""

    def __init__(self, **kwargs):
        super().__init__(default_timezone=dt.UTC, **kwargs)


class ErrorItemSerializer(serializers.Serializer):
    index = serializers.IntegerField(required=False, help_text="0-based position of the item in a JSON upload.")
    row = serializers.IntegerField(required=False, help_text="Spreadsheet row in a file import (header = 1).")
    field = serializers.CharField(required=False, help_text="Dotted path of the field, e.g. `scores.greeting`.")
    column = serializers.CharField(required=False, allow_null=True, help_text="Column of a file import.")
    message = serializers.CharField()


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text="A sentence a person can read.")
    errors = ErrorItemSerializer(
        many=True, required=False, help_text="Every problem found, not only the first, up to 1,000."
    )
    errors_omitted = serializers.IntegerField(
        required=False, min_value=1, help_text="Present past 1,000 problems: how many more were found but not listed."
    )


class CategoryNamesField(serializers.DictField):
    """A category's ``names`` (issue 19, an addition under v1): its name in every language the organiser
    gave, beside ``name`` in the edition's language."""

    def __init__(self, **kwargs):
        kwargs.setdefault(
            "help_text",
            'The name in every language the organiser gave, e.g. {"fr": "Banque en ligne", "en": "Online banking"} '
            "(an addition; absent from a palmarès published before it).",
        )
        super().__init__(child=serializers.CharField(), **kwargs)
