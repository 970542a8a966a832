"""The organisers' appeal queue: filters, impact preview, decisions one by one and in bulk."""

import re

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.test import Client

from mystery_tests.models import TestResult
from palmares.appeals.services import appeal_file, appeal_reject
from palmares.models import Appeal

CHANGELIST = "/admin/palmares/appeal/"


@pytest.fixture
def admin_client_en(organiser) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(organiser)
    return client


def _file(world, key="azur-1", user=None, reason="Outside opening hours.") -> Appeal:
    user = user or (world.member_a if key.startswith("azur") else world.member_b)
    return appeal_file(result=world.results[key], user=user, reason=reason)


def test_appeal_changelist_lists_appeals_with_filters(world, admin_client_en):
    appeal = _file(world)

    page = admin_client_en.get(CHANGELIST).content.decode()

    assert f"/admin/palmares/appeal/{appeal.pk}/change/" in page
    assert "T-azur-1" in page
    for parameter in ("?edition=", "?category=", "?status__exact=open", "?result__agency__id__exact="):
        assert parameter in page


def test_appeal_changelist_filters_by_status_and_agency(world, admin_client_en, organiser):
    open_appeal = _file(world)
    decided = _file(world, key="beryl-0")
    appeal_reject(appeal=decided, user=organiser, answer="No.")

    by_status = admin_client_en.get(f"{CHANGELIST}?status__exact=open").content.decode()
    by_agency = admin_client_en.get(f"{CHANGELIST}?result__agency__id__exact={world.agency_b.pk}").content.decode()

    assert (f"/{open_appeal.pk}/change/" in by_status, f"/{decided.pk}/change/" in by_status) == (True, False)
    assert (f"/{open_appeal.pk}/change/" in by_agency, f"/{decided.pk}/change/" in by_agency) == (False, False)


@pytest.mark.parametrize("n", [1, 3])
def test_appeal_changelist_query_count_constant(world, admin_client_en, n, django_assert_num_queries):
    for key in ("azur-0", "azur-1", "beryl-0")[:n]:
        _file(world, key=key)

    # session, user, editions/categories/agencies of the filters, date hierarchy, counts, the page of appeals
    with django_assert_num_queries(10):
        response = admin_client_en.get(CHANGELIST)

    assert response.status_code == 200
    assert response.content.decode().count('name="_selected_action"') == n


def test_appeal_change_page_shows_impact_preview(world, admin_client_en):
    appeal = _file(world)

    response = admin_client_en.get(f"{CHANGELIST}{appeal.pk}/change/")

    page = response.content.decode()
    assert response.status_code == 200
    assert "What accepting this appeal would change" in page
    assert "10.00 → <strong>15.00</strong>" in page
    assert "(+5.00)" in page
    assert "2 → <strong>1</strong>" in page
    assert "The laureate changes." in page
    assert f'action="/admin/palmares/appeal/{appeal.pk}/decide/"' in page
    assert 'name="_save"' not in page


def test_appeal_decide_accept_excludes_the_test(world, admin_client_en, organiser, django_capture_on_commit_callbacks):
    appeal = _file(world)

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client_en.post(
            f"{CHANGELIST}{appeal.pk}/decide/", {"decision": "accept", "answer": "Upheld: outside opening hours."}
        )

    appeal.refresh_from_db()
    result = TestResult.objects.get(pk=appeal.result_id)
    assert (response.status_code, response["Location"]) == (302, f"{CHANGELIST}{appeal.pk}/change/")
    assert (appeal.status, appeal.decided_by, appeal.answer) == (
        "accepted",
        organiser,
        "Upheld: outside opening hours.",
    )
    assert (result.excluded, result.exclusion_reason) == (True, f"Appeal #{appeal.pk}: Upheld: outside opening hours.")
    after = admin_client_en.get(f"{CHANGELIST}{appeal.pk}/change/").content.decode()
    assert "What accepting this appeal would change" not in after
    assert 'value="accept"' not in after


def test_appeal_decide_reject_keeps_the_test(world, admin_client_en):
    appeal = _file(world)

    admin_client_en.post(f"{CHANGELIST}{appeal.pk}/decide/", {"decision": "reject", "answer": "Within hours."})

    appeal.refresh_from_db()
    assert (appeal.status, appeal.answer) == ("rejected", "Within hours.")
    assert TestResult.objects.get(pk=appeal.result_id).excluded is False


def test_appeal_decide_without_answer_shows_error_changes_nothing(world, admin_client_en):
    appeal = _file(world)

    response = admin_client_en.post(f"{CHANGELIST}{appeal.pk}/decide/", {"decision": "accept", "answer": ""})

    appeal.refresh_from_db()
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert (appeal.status, TestResult.objects.get(pk=appeal.result_id).excluded) == ("open", False)


def test_appeal_decide_already_decided_refused_with_message(world, admin_client_en, organiser):
    appeal = _file(world)
    appeal_reject(appeal=appeal, user=organiser, answer="No.")

    response = admin_client_en.post(f"{CHANGELIST}{appeal.pk}/decide/", {"decision": "accept", "answer": "Yes."})

    appeal.refresh_from_db()
    assert response.status_code == 400
    assert f"Appeal #{appeal.pk} has already been decided (Rejected)." in response.content.decode()
    assert appeal.status == "rejected"


def test_appeal_admin_refuses_non_staff(world):
    appeal = _file(world)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(world.member_a)

    response = client.post(f"{CHANGELIST}{appeal.pk}/decide/", {"decision": "accept", "answer": "Mine."})

    appeal.refresh_from_db()
    assert (response.status_code, appeal.status) == (302, "open")
    assert response["Location"].startswith("/admin/login/")


def test_appeal_admin_has_no_add_or_delete(world, admin_client_en):
    appeal = _file(world)

    assert admin_client_en.get(f"{CHANGELIST}add/").status_code == 403
    assert admin_client_en.get(f"{CHANGELIST}{appeal.pk}/delete/").status_code == 403


def test_appeal_bulk_accept_shows_combined_impact_then_decides(world, admin_client_en):
    first = _file(world)
    second = _file(world, key="beryl-1", reason="Network outage.")
    selection = {ACTION_CHECKBOX_NAME: [first.pk, second.pk], "action": "accept_selected"}

    intermediate = admin_client_en.post(CHANGELIST, selection)
    done = admin_client_en.post(CHANGELIST, {**selection, "apply": "1", "answer": "Upheld for both."})

    page = intermediate.content.decode()
    assert intermediate.status_code == 200
    assert "Combined impact of accepting them" in page
    assert "Banque en ligne" in page
    assert done.status_code == 302
    assert sorted(Appeal.objects.values_list("status", "answer")) == [
        ("accepted", "Upheld for both."),
        ("accepted", "Upheld for both."),
    ]
    assert sorted(TestResult.objects.filter(excluded=True).values_list("external_id", flat=True)) == [
        "T-azur-1",
        "T-beryl-1",
    ]


def test_appeal_bulk_reject_with_a_decided_appeal_refused_all(world, admin_client_en, organiser):
    first = _file(world)
    decided = _file(world, key="beryl-1")
    appeal_reject(appeal=decided, user=organiser, answer="No.")
    selection = {ACTION_CHECKBOX_NAME: [first.pk, decided.pk], "action": "reject_selected"}

    response = admin_client_en.post(CHANGELIST, {**selection, "apply": "1", "answer": "Dismissed."})

    first.refresh_from_db()
    assert response.status_code == 200
    assert f"Appeal #{decided.pk} has already been decided (Rejected)." in response.content.decode()
    assert first.status == "open"


def test_appeal_bulk_without_answer_asks_again(world, admin_client_en):
    first = _file(world)
    selection = {ACTION_CHECKBOX_NAME: [first.pk], "action": "reject_selected", "apply": "1", "answer": ""}

    response = admin_client_en.post(CHANGELIST, selection)

    first.refresh_from_db()
    assert (response.status_code, first.status) == (200, "open")
    assert "This field is required." in response.content.decode()


def test_appeal_page_in_french_reads_the_test_in_french_notation(world, organiser):
    appeal = _file(world)
    client = Client(HTTP_ACCEPT_LANGUAGE="fr")
    client.force_login(organiser)

    text = re.sub(r"<[^>]+>", " ", client.get(f"{CHANGELIST}{appeal.pk}/change/").content.decode())

    assert re.search(r"note \d+,\d{2}/20", text)  # §10 with a decimal comma, not 14.00
    assert not re.search(r"\b\d{4}-\d{2}-\d{2}\b", text)  # no ISO date
    assert "Lauréat\u00a0:" in text  # French typography before the colon
    assert "Modification du recours" in text  # a title written whole, not « Modification de recours »
