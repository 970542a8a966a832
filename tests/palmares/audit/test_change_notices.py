"""The « N tests changed since the draw » warning of the sample page also shows on the auditor's home
(/audit/) and the Audit admin changelist, with a query count that does not grow with the changed tests."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.conftest import session_client
from tests.support.audits import drawn, name_auditor
from tests.support.palmares import add_results

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/palmares/audit/"


@pytest.fixture
def auditor(world):
    return name_auditor(world)


def _get(client, path: str) -> tuple[str, int]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200
    return response.content.decode(), len(queries)


def test_nothing_changed_shows_no_warning(world, auditor, organiser):
    drawn(world, auditor)

    home, _ = _get(session_client(auditor), "/audit/")
    listing, _ = _get(session_client(organiser), CHANGELIST)

    assert ("changed since the draw" in home, "changed since the draw" in listing) == (False, False)


@pytest.mark.parametrize("added", [1, 3])
def test_home_and_changelist_say_how_many_tests_changed_since_the_draw(world, auditor, organiser, added):
    drawn(world, auditor)
    add_results(world, world.entries["banque"][1], 13.0, phone=added, email=0)
    said = f"{added} test{'s' if added > 1 else ''} changed since the draw on "

    home, home_queries = _get(session_client(auditor), "/audit/")
    listing, listing_queries = _get(session_client(organiser), CHANGELIST)
    french, _ = _get(session_client(auditor, language="fr"), "/audit/")

    assert (said in home, said in listing) == (True, True)
    assert "modifié" in french and "depuis le tirage" in french
    # The same queries whatever the number of changed tests (one count per audit).
    assert (home_queries, listing_queries) == _get_counts(world, auditor, organiser)


def _get_counts(world, auditor, organiser) -> tuple[int, int]:
    """The query counts of both pages once more tests changed: equal to the first reading's."""
    add_results(world, world.entries["banque"][1], 13.0, phone=2, email=1)
    return _get(session_client(auditor), "/audit/")[1], _get(session_client(organiser), CHANGELIST)[1]
