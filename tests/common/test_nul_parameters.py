"""A NUL character in a query parameter answers 400, never a server error (issue 13, finding 14).

PostgreSQL refuses NUL in a string literal: an admin filter such as ``?channel__exact=%00`` used to end
as a 500 there. The ``services`` variants run the same requests on PostgreSQL.
"""

import pytest
from django.test import Client

from tests.conftest import token_client
from tests.support import factories

ADMIN_URLS = [
    "/admin/mystery_tests/testresult/?channel__exact=%00",
    "/admin/mystery_tests/testresult/?q=%00",
    "/admin/election/brand/?q=a%00b",
    "/admin/mystery_tests/testresult/?%00=1",
]


def _organiser_client() -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(factories.UserFactory(username="organiser", is_staff=True, is_superuser=True))
    return client


def _assert_admin_answers_400(url: str) -> None:
    response = _organiser_client().get(url)

    assert response.status_code == 400


@pytest.mark.django_db
@pytest.mark.parametrize("url", ADMIN_URLS)
def test_nul_in_admin_filter_answers_400(url):
    _assert_admin_answers_400(url)


@pytest.mark.services
@pytest.mark.django_db
@pytest.mark.parametrize("url", ADMIN_URLS)
def test_nul_in_admin_filter_answers_400_on_postgresql(url):
    _assert_admin_answers_400(url)


@pytest.mark.django_db
def test_nul_in_api_filter_answers_400_with_detail(edition):
    client = token_client(factories.AgencyMembershipFactory().user)

    response = client.get("/api/v1/appeals/?status=%00", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 400
    assert response.json()["detail"] == "The address holds a NUL character in its parameter “status”: remove it."


@pytest.mark.django_db
def test_nul_free_admin_filter_still_answers_200():
    response = _organiser_client().get("/admin/mystery_tests/testresult/?channel__exact=phone")

    assert response.status_code == 200
