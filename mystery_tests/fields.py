"""The fields of a test result (API.md "A test result"), described once.

JSON validation, the file columns, the upload's stored columns and staging table, the history of a
replaced version, the exports and the API's schema all read this list: a new optional field is one
line here (plus its model field and migration).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

# How a field is stored in PostgreSQL's staging table of the upload fast path (mystery_tests.writers).
_SQL_TYPES = {
    "text": "text",
    "entry": "bigint",
    "channel": "varchar(8)",
    "datetime": "timestamptz",
    "boolean": "boolean",
    "number": "double precision",
    "points": "jsonb",
}


@dataclass(frozen=True, slots=True)
class ResultField:
    """One field of a test result.

    ``name`` is the JSON key and the file column (None: not a column of a file — the entry is named
    by its brand and category there, points by one column per criterion code); ``attribute`` is the
    stored model attribute; ``content`` says whether it belongs to the version's content (compared
    to tell "unchanged", kept in the history when replaced); ``export`` whether the exports list it
    among the measures; ``fingerprinted`` whether the version's fingerprint covers it (METHODOLOGY §12:
    not the entry, named there by its brand and category, nor the shopper and the scenario).
    """

    name: str
    kind: str  # "text", "entry", "channel", "datetime", "boolean", "number" or "points"
    help_text: str
    required: bool = False
    nullable: bool = False
    column: str | None = None
    attribute: str = ""
    content: bool = True
    export: bool = False
    fingerprinted: bool = True

    @property
    def stored(self) -> str:
        return self.attribute or self.name

    @property
    def sql_type(self) -> str:
        return _SQL_TYPES[self.kind]

    def to_json(self, value: object) -> object:
        """A stored value as the history's JSON holds it."""
        if self.kind == "datetime" and isinstance(value, dt.datetime):
            return value.astimezone(dt.UTC).isoformat()
        return value

    def to_cell(self, value: object) -> object:
        """A stored value as an export's cell."""
        if value is None:
            return ""
        if self.kind == "boolean":
            return "true" if value else "false"
        if self.kind == "datetime":
            return value.isoformat()
        return value


RESULT_FIELDS: tuple[ResultField, ...] = (
    ResultField(
        "external_id", "text", "The agency's own key of the test.", required=True, column="external_id", content=False
    ),
    ResultField(
        "entry", "entry", "Entry id; or give `brand` and `category` slugs.", attribute="entry_id", fingerprinted=False
    ),
    ResultField("channel", "channel", "A channel of the edition.", required=True, column="channel", export=True),
    ResultField(
        "performed_at",
        "datetime",
        "ISO 8601 with an offset; its local date must lie inside the campaign window.",
        required=True,
        column="performed_at",
        export=True,
    ),
    ResultField(
        "reached",
        "boolean",
        "False when the contact failed: the test scores 0, without points.",
        required=True,
        column="reached",
        export=True,
    ),
    ResultField("wait_seconds", "number", "", nullable=True, column="wait_seconds", export=True),
    ResultField("response_hours", "number", "", nullable=True, column="response_hours", export=True),
    ResultField("scores", "points", "{criterion code: 0, 1, 2 or null}; codes of the channel's grid."),
    ResultField("comment", "text", "", column="comment"),
    ResultField(
        "shopper",
        "text",
        "The agency's pseudonymous code of the shopper (never a name): 1 to 40 letters, digits, . _ or -.",
        column="shopper",
        export=True,
        fingerprinted=False,
    ),
    ResultField(
        "scenario",
        "text",
        "A code of the edition's scenario list (any code when it has none).",
        column="scenario",
        export=True,
        fingerprinted=False,
    ),
)
FIELDS_BY_NAME = {f.name: f for f in RESULT_FIELDS}

# JSON: the fields, plus the entry named by slugs instead of its id; anything else is refused.
ENTRY_SLUG_KEYS = ("brand", "category")
JSON_KEYS = frozenset(f.name for f in RESULT_FIELDS) | frozenset(ENTRY_SLUG_KEYS)
JSON_REQUIRED = tuple(f.name for f in RESULT_FIELDS if f.required)
NUMBER_FIELDS = tuple(f.name for f in RESULT_FIELDS if f.kind == "number")

# A file: the entry by its brand and category columns, points in one column per criterion code.
FILE_REQUIRED_COLUMNS = (
    "external_id",
    *ENTRY_SLUG_KEYS,
    *(f.column for f in RESULT_FIELDS if f.required and f.column and f.name != "external_id"),
)
FILE_OPTIONAL_COLUMNS = tuple(f.column for f in RESULT_FIELDS if f.column and not f.required)
# The optional text columns (comment, shopper, scenario): passed to the item as written, "" when absent.
FILE_TEXT_COLUMNS = tuple(f.column for f in RESULT_FIELDS if f.column and not f.required and f.kind == "text")

# The version's content, in this order everywhere (``CleanResult.content()``, stored rows).
CONTENT_FIELDS = tuple(f for f in RESULT_FIELDS if f.content)
CONTENT_ATTRIBUTES = tuple(f.stored for f in CONTENT_FIELDS)
# What an upload writes on a stored row besides the content (exclusion fields are the organisers').
UPLOAD_EXTRA = ("campaign", "score", "fingerprint", "version", "updated_at")
UPLOAD_MODEL_FIELDS = (*(f.name if f.kind == "entry" else f.stored for f in CONTENT_FIELDS), *UPLOAD_EXTRA)
# What a fingerprint reads from a result itself (a stored row or a cleaned upload item), beside the slugs
# of its agency, brand and category (provenance.fingerprint_of).
FINGERPRINT_ATTRIBUTES = tuple(f.stored for f in RESULT_FIELDS if f.fingerprinted)
# The measures the exports list (between the entry's names and the score).
EXPORT_FIELDS = tuple(f for f in RESULT_FIELDS if f.export)
