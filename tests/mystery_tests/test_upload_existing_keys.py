"""How an upload finds the stored rows of its keys (mystery_tests.services._existing): on PostgreSQL one
query with the keys as an array, on SQLite IN by chunks; keys holding quotes, backslashes, commas or
braces (an array literal's own syntax) and accents are found the same way."""
# ruff: noqa: F811  (pytest fixtures imported from tests.support.world are redefined as test arguments)

from django.db import connection
from django.test.utils import CaptureQueriesContext

from mystery_tests.models import TestResult
from mystery_tests.services import CHUNK, results_upload
from tests.support.world import result, world  # noqa: F401  (world is a fixture)

AWKWARD_KEYS = ("it's", 'say "hi"', "back\\slash", "a,b", "{braces}", "NULL", "Élu-été", " spaced ")


def test_awkward_keys_are_found_again_unchanged_then_replaced(world):
    # Arrange
    entry = world.entries["banque-1"]
    items = [result(entry, n, external_id=key) for n, key in enumerate(AWKWARD_KEYS)]
    first = results_upload(campaign=world.campaign_a, items=items)

    # Act
    again = results_upload(campaign=world.campaign_a, items=items)
    changed = results_upload(campaign=world.campaign_a, items=[{**item, "comment": "Revu."} for item in items])

    # Assert
    stored = set(TestResult.objects.filter(agency=world.agency_a).values_list("external_id", flat=True))
    assert first["created"] == len(AWKWARD_KEYS)
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, len(AWKWARD_KEYS))
    assert (changed["created"], changed["updated"], changed["unchanged"]) == (0, len(AWKWARD_KEYS), 0)
    assert stored == {key.strip() for key in AWKWARD_KEYS}  # a key is stored trimmed (validation.normalise_key)


def test_keys_of_a_large_batch_are_read_in_one_query_on_postgresql_by_chunks_elsewhere(world):
    # Arrange
    entry = world.entries["banque-1"]
    n = CHUNK + 5
    edition = world.campaign_a.edition
    edition.quota_phone = n  # every test on one entry's phone channel: the quota (§5) is not what this test is about
    edition.save(update_fields=["quota_phone"])
    items = [result(entry, i, external_id=f"K-{i:05d}") for i in range(n)]
    results_upload(campaign=world.campaign_a, items=items)

    # Act
    with CaptureQueriesContext(connection) as queries:
        counts = results_upload(campaign=world.campaign_a, items=items)

    # Assert
    lookups = [q["sql"] for q in queries if "external_id" in q["sql"] and q["sql"].lstrip().startswith("SELECT")]
    assert counts["unchanged"] == n
    assert len(lookups) == (1 if connection.vendor == "postgresql" else 2)
