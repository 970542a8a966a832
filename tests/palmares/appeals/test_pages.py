"""Appeal pages: brand members file and follow, agencies answer; every other persona sees nothing."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from palmares.appeals.services import appeal_accept, appeal_file
from palmares.models import Appeal
from tests.conftest import session_client as _client
from tests.support import factories
from tests.support.appeals import PDF_BYTES


def _new_url(result) -> str:
    return f"/portal/appeals/new/{result.pk}/"


def _file(world, result=None, user=None, **kwargs) -> Appeal:
    return appeal_file(
        result=result or world.appealed, user=user or world.member_a, reason="Outside opening hours.", **kwargs
    )


# -- filing ---------------------------------------------------------------------------------------


def test_appeal_form_shows_the_test_to_its_brand_member(world):
    response = _client(world.member_a).get(_new_url(world.appealed))

    page = response.content.decode()
    assert response.status_code == 200
    assert ("T-azur-1" in page, "5.00 / 20" in page, 'name="reason"' in page) == (True, True, True)


@pytest.mark.parametrize("persona", ["member_b", "agent_a", "organiser"])
def test_appeal_form_other_personas_get_404(world, organiser, persona):
    user = organiser if persona == "organiser" else getattr(world, persona)

    response = _client(user).get(_new_url(world.appealed))

    assert response.status_code == 404


def test_appeal_form_anonymous_redirected_to_login(world):
    response = Client(HTTP_ACCEPT_LANGUAGE="en").get(_new_url(world.appealed))

    assert (response.status_code, response["Location"]) == (302, f"/accounts/login/?next={_new_url(world.appealed)}")


def test_appeal_form_unknown_test_404(world):
    response = _client(world.member_a).get("/portal/appeals/new/999999/")

    assert response.status_code == 404


def test_appeal_post_files_and_redirects_to_list(world):
    client = _client(world.member_a)

    response = client.post(
        _new_url(world.appealed),
        {"reason": "The call was placed on a Sunday.", "attachment": SimpleUploadedFile("hours.pdf", PDF_BYTES)},
    )

    appeal = Appeal.objects.get()
    assert (response.status_code, response["Location"]) == (302, "/portal/appeals/")
    assert (appeal.result_id, appeal.filed_by, appeal.reason) == (
        world.appealed.pk,
        world.member_a,
        "The call was placed on a Sunday.",
    )
    listing = client.get("/portal/appeals/").content.decode()
    assert "The call was placed on a Sunday." in listing
    assert f"/portal/appeals/{appeal.pk}/evidence/" in listing


def test_appeal_post_by_other_brand_404_nothing_stored(world):
    response = _client(world.member_b).post(_new_url(world.appealed), {"reason": "Sabotage."})

    assert (response.status_code, Appeal.objects.count()) == (404, 0)


def test_appeal_post_blank_reason_shows_error_keeps_nothing(world):
    response = _client(world.member_a).post(_new_url(world.appealed), {"reason": ""})

    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert Appeal.objects.count() == 0


def test_appeal_post_fake_pdf_shows_error_keeps_reason(world):
    response = _client(world.member_a).post(
        _new_url(world.appealed),
        {"reason": "Recorded reply attached.", "attachment": SimpleUploadedFile("reply.pdf", b"GIF89a fake")},
    )

    page = response.content.decode()
    assert response.status_code == 400
    assert "The content of “reply.pdf” is not a PDF file." in page
    assert "Recorded reply attached." in page
    assert Appeal.objects.count() == 0


def test_appeal_post_second_open_appeal_conflict(world):
    _file(world)

    response = _client(world.member_a2).post(_new_url(world.appealed), {"reason": "Me too."})

    assert response.status_code == 409
    assert "An appeal on this test is already open." in response.content.decode()
    assert Appeal.objects.count() == 1


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"appeals_close_at": timezone.now() - dt.timedelta(hours=1)}, "Appeals are closed (the deadline was "),
        ({"frozen_at": timezone.now()}, "The results of this edition are frozen: appeals are closed."),
    ],
    ids=["after-close", "after-freeze"],
)
def test_appeal_outside_window_refused_with_message(world, change, message):
    for field, value in change.items():
        setattr(world.edition, field, value)
    world.edition.save()
    client = _client(world.member_a)

    shown = client.get(_new_url(world.appealed))
    posted = client.post(_new_url(world.appealed), {"reason": "Please."})

    assert (shown.status_code, posted.status_code) == (403, 403)
    assert message in shown.content.decode()
    assert 'name="reason"' not in shown.content.decode()
    assert Appeal.objects.count() == 0


@pytest.mark.parametrize("released_at", [timezone.now() + dt.timedelta(days=3), None], ids=["scheduled", "unset"])
def test_appeal_before_release_own_test_answers_like_a_missing_one(world, released_at):
    world.edition.results_released_at = released_at
    world.edition.save()
    client = _client(world.member_a)
    other_brand = world.member_b  # member_b's brand has its own tests: not member_a's

    answers = [
        client.get(_new_url(world.appealed)),  # member A's own brand's test
        client.post(_new_url(world.appealed), {"reason": "Please."}),
        client.get("/portal/appeals/new/987654/"),  # no such test
        _client(other_brand).get(_new_url(world.appealed)),  # another brand's test
    ]

    # No oracle counting the tests made on the brand before release (§10): the same 404 everywhere.
    assert [r.status_code for r in answers] == [404, 404, 404, 404]
    assert "T-azur-1" not in answers[0].content.decode()
    assert Appeal.objects.count() == 0


# -- following ------------------------------------------------------------------------------------


def test_appeal_list_shows_decision_and_answer(world, organiser):
    appeal = _file(world)
    appeal_accept(appeal=appeal, user=organiser, answer="Upheld: the shop was closed.")

    page = _client(world.member_a2).get("/portal/appeals/").content.decode()

    assert f'id="appeal-{appeal.pk}"' in page
    assert "appeal-status-accepted" in page
    assert "Upheld: the shop was closed." in page


def test_appeal_list_of_other_brand_shows_none_of_ours(world):
    _file(world)
    mine = _file(world, result=world.results["beryl-0"], user=world.member_b)

    page = _client(world.member_b).get("/portal/appeals/").content.decode()

    assert f'id="appeal-{mine.pk}"' in page
    assert ("Azur" in page, "T-azur-1" in page) == (False, False)


@pytest.mark.parametrize("persona", ["agent_a", "organiser"])
def test_appeal_list_non_members_404(world, organiser, persona):
    user = organiser if persona == "organiser" else getattr(world, persona)

    assert _client(user).get("/portal/appeals/").status_code == 404


@pytest.mark.parametrize("n", [1, 3])
def test_appeal_list_query_count_constant(world, n, django_assert_num_queries):
    factories.BrandMembershipFactory(user=world.member_a, brand=world.beryl.brand)
    for key in ("azur-0", "azur-1", "beryl-0")[:n]:
        _file(world, result=world.results[key])
    client = _client(world.member_a)

    # session, user, membership check, appeals (one join), the editions with an open appeal period,
    # the menu's membership check
    with django_assert_num_queries(6):
        response = client.get("/portal/appeals/")

    assert response.content.decode().count('id="appeal-') == n


# -- evidence ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "status"),
    [("member_a2", 200), ("agent_a", 200), ("organiser", 200), ("member_b", 404), ("agent_b", 404)],
)
def test_appeal_evidence_download_permissions(world, organiser, persona, status):
    appeal = _file(world, attachment=SimpleUploadedFile("hours.pdf", PDF_BYTES))
    user = organiser if persona == "organiser" else getattr(world, persona)

    response = _client(user).get(f"/portal/appeals/{appeal.pk}/evidence/")

    assert response.status_code == status
    if status == 200:
        assert (b"".join(response.streaming_content), response["Content-Type"]) == (PDF_BYTES, "application/pdf")
        assert response["Content-Disposition"] == f'attachment; filename="appeal-{appeal.pk}-evidence.pdf"'


# -- the agency's page --------------------------------------------------------------------------------


def test_agency_page_lists_its_appeals_with_answer_form(world):
    appeal = _file(world)

    page = _client(world.agent_a).get("/agency/appeals/").content.decode()

    assert f'id="appeal-{appeal.pk}"' in page
    assert "Outside opening hours." in page
    assert f'action="/agency/appeals/{appeal.pk}/answer/"' in page


def test_agency_page_of_other_agency_shows_nothing_of_it(world):
    appeal = _file(world)

    page = _client(world.agent_b).get("/agency/appeals/").content.decode()

    assert (f'id="appeal-{appeal.pk}"' in page, "Outside opening hours." in page, "T-azur-1" in page) == (
        False,
        False,
        False,
    )


@pytest.mark.parametrize("persona", ["member_a", "organiser"])
def test_agency_page_non_agency_users_404(world, organiser, persona):
    user = organiser if persona == "organiser" else getattr(world, persona)

    assert _client(user).get("/agency/appeals/").status_code == 404


def test_agency_answer_recorded(world):
    appeal = _file(world)

    response = _client(world.agent_a).post(
        f"/agency/appeals/{appeal.pk}/answer/", {f"a{appeal.pk}-agency_answer": "Called at 10:02, recording kept."}
    )

    appeal.refresh_from_db()
    assert (response.status_code, response["Location"]) == (302, f"/agency/appeals/#appeal-{appeal.pk}")
    assert appeal.agency_answer == "Called at 10:02, recording kept."


def test_agency_answer_by_other_agency_404(world):
    appeal = _file(world)

    response = _client(world.agent_b).post(
        f"/agency/appeals/{appeal.pk}/answer/", {f"a{appeal.pk}-agency_answer": "Not ours."}
    )

    appeal.refresh_from_db()
    assert (response.status_code, appeal.agency_answer) == (404, "")


def test_agency_answer_get_not_allowed(world):
    appeal = _file(world)

    assert _client(world.agent_a).get(f"/agency/appeals/{appeal.pk}/answer/").status_code == 405


@pytest.mark.parametrize("n", [1, 3])
def test_agency_page_query_count_constant(world, n, django_assert_num_queries):
    for key in ("azur-0", "azur-1", "beryl-0")[:n]:
        result = world.results[key]
        _file(world, result=result, user=world.member_a if key.startswith("azur") else world.member_b)
    client = _client(world.agent_a)

    # session, user, agency membership, appeals (one join), the menu's membership check
    with django_assert_num_queries(5):
        response = client.get("/agency/appeals/")

    assert response.content.decode().count('class="appeal-card"') == n


# -- the scorecard's link -------------------------------------------------------------------------------


def test_scorecard_no_appeal_link_on_excluded_or_appealed_tests(world):
    _file(world)
    excluded = world.results["azur-0"]
    excluded.excluded = True
    excluded.save()

    page = _client(world.member_a).get(f"/portal/scorecards/{world.azur.pk}/").content.decode()

    assert (page.count('class="sc-appeal"'), "/portal/appeals/new/" in page) == (0, False)
    assert "appeal pending" in page


def test_scorecard_links_counted_test_to_appeal_form(world):
    page = _client(world.member_a).get(f"/portal/scorecards/{world.azur.pk}/").content.decode()

    assert page.count('class="sc-appeal"') == 2
    assert f'href="/portal/appeals/new/{world.appealed.pk}/"' in page
    assert ('class="sc-appeal-note"' in page, 'href="/portal/appeals/"' in page) == (True, True)


def test_scorecard_no_appeal_link_outside_window(world):
    world.edition.appeals_close_at = timezone.now() - dt.timedelta(hours=1)
    world.edition.save()

    page = _client(world.member_a).get(f"/portal/scorecards/{world.azur.pk}/").content.decode()

    assert (page.count('class="sc-appeal"'), 'class="sc-appeal-note"' in page) == (0, False)


def test_appeal_form_in_french(world):
    client = Client(HTTP_ACCEPT_LANGUAGE="fr")
    client.force_login(world.member_a)

    page = client.get(_new_url(world.appealed)).content.decode()

    assert (
        "Contester un test" in page,
        "Déposer le recours" in page,
        "Pourquoi ce test ne devrait-il pas compter" in page,
    ) == (
        True,
        True,
        True,
    )
