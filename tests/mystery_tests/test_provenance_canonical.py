"""The fingerprint's canonical JSON equals the rfc8785 package's bytes (METHODOLOGY §12), fast path or not."""

import datetime as dt
import hashlib

import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from mystery_tests.provenance import canonical_json, fingerprint, fingerprint_document

numbers = (
    st.none()
    | st.integers(min_value=-(2**60), max_value=2**60)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.floats(min_value=1e-4, max_value=1e15)  # the plain range the fast path writes itself
    | st.integers(min_value=0, max_value=10**6).map(float)  # 45.0 and the like
)
codes = st.text(min_size=1, max_size=12)
documents = st.fixed_dictionaries(
    {
        "agency": st.text(max_size=20),
        "external_id": st.text(max_size=30),
        "brand": st.text(max_size=20),
        "category": st.text(max_size=20),
        "channel": st.sampled_from(["phone", "email", "web", "chat", "social"]),
        "performed_at": st.just("2027-05-12T08:31:00Z"),
        "reached": st.booleans(),
        "wait_seconds": numbers,
        "response_hours": numbers,
        "scores": st.dictionaries(codes, st.integers(0, 2) | numbers, max_size=6),
        "comment": st.text(max_size=60),
    }
)


@settings(max_examples=1000, deadline=None)
@given(documents)
def test_canonical_json_equals_rfc8785_on_generated_documents(document):
    # Act / Assert: same bytes, or both refuse (e.g. a lone surrogate, an integer beyond 2**53)
    try:
        expected = rfc8785.dumps(document)
    except Exception:  # noqa: BLE001  (rfc8785 refuses what JSON cannot carry exactly)
        expected = None
    try:
        actual = canonical_json(document)
    except Exception:  # noqa: BLE001
        actual = None
    assert actual == expected


def _document(**fields) -> dict:
    """A fingerprint document of short made-up values, with ``fields`` in place of the defaults."""
    values = {
        "agency": "a",
        "external_id": "x",
        "brand": "b",
        "category": "c",
        "channel": "phone",
        "performed_at": dt.datetime(2027, 5, 12, 8, 31, tzinfo=dt.UTC),
        "reached": True,
        "wait_seconds": None,
        "response_hours": None,
        "scores": {},
        "comment": "",
    }
    return fingerprint_document(**{**values, **fields})


def test_canonical_json_numbers_follow_ecmascript_form():
    # Arrange
    document = _document(
        wait_seconds=1e16, response_hours=1e-7, scores={"x": 45.0, "y": 0.1, "z": 2}, comment='a\nb\u0001"'
    )

    # Act
    text = canonical_json(document)

    # Assert
    assert text == rfc8785.dumps(document)
    assert b'"scores":{"x":45,"y":0.1,"z":2}' in text
    assert b'"response_hours":1e-7' in text
    assert b'"wait_seconds":10000000000000000' in text
    assert b'"comment":"a\\nb\\u0001\\""' in text


def test_fingerprint_is_the_same_for_45_and_45_0_and_any_offset():
    # Arrange
    base = {
        "agency": "terrain-sa",
        "external_id": "AG-2027-000123",
        "brand": "banque-azur",
        "category": "banque-en-ligne",
        "channel": "phone",
        "reached": True,
        "response_hours": None,
        "scores": {"greeting": 2, "courtesy": 1, "answer_accuracy": 2, "clarity": None},
        "comment": "Conseillère aimable, réponse exacte.",
    }
    paris = dt.timezone(dt.timedelta(hours=2))

    # Act
    a = fingerprint(**base, wait_seconds=45, performed_at=dt.datetime(2027, 5, 12, 10, 31, tzinfo=paris))
    b = fingerprint(**base, wait_seconds=45.0, performed_at=dt.datetime(2027, 5, 12, 8, 31, tzinfo=dt.UTC))

    # Assert: the API.md example, hashed from its RFC 8785 text written by hand
    text = (
        '{"agency":"terrain-sa","brand":"banque-azur","category":"banque-en-ligne","channel":"phone",'
        '"comment":"Conseillère aimable, réponse exacte.","external_id":"AG-2027-000123",'
        '"performed_at":"2027-05-12T08:31:00Z","reached":true,"response_hours":null,'
        '"scores":{"answer_accuracy":2,"courtesy":1,"greeting":2},"wait_seconds":45}'
    )
    assert a == b == hashlib.sha256(text.encode()).hexdigest()


def test_fingerprint_document_leaves_out_empty_criteria_and_writes_no_comment_as_empty():
    # Act
    document = _document(
        channel="email",
        performed_at=dt.datetime(2027, 5, 12, 8, 31, 59, 999999, tzinfo=dt.UTC),
        reached=False,
        scores={"greeting": None},
        comment=None,
    )

    # Assert
    assert document["scores"] == {}
    assert document["comment"] == ""
    assert document["performed_at"] == "2027-05-12T08:31:59Z"


fields = st.fixed_dictionaries(
    {
        "agency": st.text(max_size=20),
        "external_id": st.text(max_size=30),
        "brand": st.text(max_size=20),
        "category": st.text(max_size=20),
        "channel": st.sampled_from(["phone", "email"]),
        "performed_at": st.datetimes(
            min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2100, 1, 1), timezones=st.timezones()
        ),
        "reached": st.booleans(),
        "wait_seconds": numbers,
        "response_hours": numbers,
        "scores": st.dictionaries(codes, st.none() | st.integers(0, 2), max_size=6),
        "comment": st.none() | st.text(max_size=60),
    }
)


@settings(max_examples=500, deadline=None)
@given(fields)
def test_fingerprint_equals_sha256_of_rfc8785_of_its_document(values):
    # Act / Assert
    try:
        expected = hashlib.sha256(rfc8785.dumps(fingerprint_document(**values))).hexdigest()
    except Exception:  # noqa: BLE001
        expected = None
    try:
        actual = fingerprint(**values)
    except Exception:  # noqa: BLE001
        actual = None
    assert actual == expected
