"""Privileges: organisers are whoever holds the explicit permission (common.permissions), never ``is_staff``.

A staff account with no permission (a jury member, a translator) opens the admin's door only: everywhere
else it is refused exactly as any signed-in user who is neither the brand nor the agency concerned.
The same checks with a staff account of the "Organisers" group (no superuser) show the grant works.
"""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from common.permissions import ORGANISERS_GROUP, acts_for_agency, is_brand_member, is_organiser
from mystery_tests.models import ImportJob
from mystery_tests.selectors import imports_visible_to
from palmares.appeals.services import AppealNotAllowed, appeal_accept, appeal_file
from palmares.models import Appeal
from tests.conftest import session_client as _client
from tests.conftest import token_client
from tests.support import factories
from tests.support.appeals import PDF_BYTES, build_world


@pytest.fixture
def world(db):
    world = build_world()
    world.appeal = appeal_file(
        result=world.appealed,
        user=world.member_a,
        reason="Outside opening hours.",
        attachment=SimpleUploadedFile("hours.pdf", PDF_BYTES),
    )
    world.bare_staff = factories.UserFactory(username="traductrice", is_staff=True)
    world.organiser = factories.OrganiserFactory(username="organisatrice")
    return world


def _pages(world) -> dict[str, str]:
    edition = world.edition
    return {
        "scorecard": f"/portal/scorecards/{world.azur.pk}/",
        "report": f"/portal/scorecards/{world.azur.pk}/report.pdf",
        "evidence": f"/portal/appeals/{world.appeal.pk}/evidence/",
        "preview": f"/palmares/{edition.country.lower()}/{edition.year}/?preview=1",
    }


# -- predicates --------------------------------------------------------------------------------------------
def test_predicates_bare_staff_is_nobody(world):
    assert (is_organiser(world.bare_staff), acts_for_agency(world.bare_staff), is_brand_member(world.bare_staff)) == (
        False,
        False,
        False,
    )


def test_predicates_organisers_group_member_is_organiser(world):
    assert is_organiser(world.organiser) is True
    assert world.organiser.groups.filter(name=ORGANISERS_GROUP).exists()
    assert world.organiser.is_superuser is False


def test_predicates_agency_and_brand_roles(world):
    assert acts_for_agency(world.agent_a, world.agency_a) is True
    assert acts_for_agency(world.agent_a, world.agency_b) is False
    assert is_brand_member(world.member_a, world.azur.brand) is True
    assert is_brand_member(world.member_a, world.beryl.brand) is False
    assert (is_organiser(world.agent_a), is_organiser(world.member_a)) == (False, False)


def test_predicates_inactive_organiser_is_not_organiser(world):
    world.organiser.is_active = False
    world.organiser.save(update_fields=["is_active"])

    assert is_organiser(world.organiser) is False


def test_predicates_rules_capabilities_answer_has_perm(world):
    assert world.organiser.has_perm("competition.organise") is True
    assert world.bare_staff.has_perm("competition.organise") is False


# -- pages ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("page", ["scorecard", "report", "evidence", "preview"])
def test_pages_staff_without_permission_get_404(world, page):
    response = _client(world.bare_staff).get(_pages(world)[page])

    assert response.status_code == 404


@pytest.mark.parametrize("page", ["scorecard", "report", "evidence", "preview"])
def test_pages_organisers_group_member_gets_200(world, page):
    response = _client(world.organiser).get(_pages(world)[page])

    assert response.status_code == 200


def test_pages_staff_without_permission_portal_lists_no_entry(world):
    response = _client(world.bare_staff).get("/portal/")

    assert response.status_code == 200
    assert list(response.context["entries"]) == []


# -- API --------------------------------------------------------------------------------------------------
def test_api_staff_without_permission_refused_rankings_and_recompute(world):
    client = token_client(world.bare_staff)

    rankings = client.get(f"/api/v1/editions/{world.edition.pk}/rankings/")
    recompute = client.post(f"/api/v1/editions/{world.edition.pk}/recompute/")

    assert (rankings.status_code, recompute.status_code) == (403, 403)


def test_api_organisers_group_member_reads_rankings(world):
    response = token_client(world.organiser).get(f"/api/v1/editions/{world.edition.pk}/rankings/")

    assert response.status_code == 200


@pytest.mark.parametrize(
    ("persona", "campaigns_count", "results_status", "appeals_status", "appeals_count"),
    [("bare_staff", 0, 404, 403, None), ("organiser", 2, 200, 200, 1)],
    ids=["staff-without-permission-sees-none", "organisers-group-member-sees-every-one"],
)
def test_api_campaigns_results_and_appeals_by_persona(
    world, persona, campaigns_count, results_status, appeals_status, appeals_count
):
    client = token_client(getattr(world, persona))

    campaigns = client.get("/api/v1/campaigns/")
    results = client.get(f"/api/v1/campaigns/{world.campaign_a.pk}/results/")
    appeals = client.get("/api/v1/appeals/")

    assert (campaigns.status_code, campaigns.json()["count"]) == (200, campaigns_count)
    assert results.status_code == results_status
    assert (appeals.status_code, appeals.json().get("count")) == (appeals_status, appeals_count)


def test_api_staff_without_permission_sees_no_import(world):
    ImportJob.objects.create(
        campaign=world.campaign_a, original_name="r.csv", format="csv", file="imports/r.csv", uploaded_by=world.agent_a
    )

    assert (imports_visible_to(user=world.bare_staff).count(), imports_visible_to(user=world.organiser).count()) == (
        0,
        1,
    )


# -- services ---------------------------------------------------------------------------------------------
def test_appeal_decision_by_staff_without_permission_refused(world):
    with pytest.raises(AppealNotAllowed):
        appeal_accept(appeal=world.appeal, user=world.bare_staff, answer="Accordé.")

    assert Appeal.objects.get(pk=world.appeal.pk).status == Appeal.Status.OPEN


# -- Cache-Control on confidential responses (issue 13, finding 4) ----------------------------------------
@pytest.mark.parametrize(
    "page",
    [
        "/portal/",
        "/portal/scorecards/{azur}/",
        "/portal/scorecards/{azur}/report.pdf",
        "/portal/appeals/",
        "/portal/appeals/{appeal}/evidence/",
    ],
)
def test_cache_control_brand_member_pages_private_no_store(world, page):
    response = _client(world.member_a).get(page.format(azur=world.azur.pk, appeal=world.appeal.pk))

    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"


@pytest.mark.parametrize(
    ("persona", "method", "path"),
    [
        ("organiser", "get", "/api/v1/editions/{edition}/rankings/"),
        ("organiser", "post", "/api/v1/editions/{edition}/recompute/"),
        ("organiser", "get", "/api/v1/editions/"),
        ("agent_a", "get", "/api/v1/campaigns/"),
        ("agent_a", "get", "/api/v1/campaigns/{campaign}/results/"),
        ("agent_a", "get", "/api/v1/campaigns/{campaign}/progress/"),
        ("agent_a", "get", "/api/v1/appeals/"),
        ("agent_a", "get", "/api/v1/appeals/{appeal}/"),
    ],
)
def test_cache_control_api_answers_to_a_client_private_no_store(world, persona, method, path):
    url = path.format(edition=world.edition.pk, campaign=world.campaign_a.pk, appeal=world.appeal.pk)

    response = getattr(token_client(getattr(world, persona)), method)(url)

    assert response.status_code < 300
    assert response["Cache-Control"] == "private, no-store"


def test_cache_control_api_errors_private_no_store(world):
    response = token_client(world.agent_a).get(f"/api/v1/editions/{world.edition.pk}/rankings/")

    assert response.status_code == 403
    assert response["Cache-Control"] == "private, no-store"


def test_cache_control_organiser_preview_private_no_store(world):
    response = _client(world.organiser).get(_pages(world)["preview"])

    assert response.status_code == 200
    assert {"private", "no-store"} <= {p.strip() for p in response["Cache-Control"].split(",")}


def test_cache_control_anonymous_public_reads_not_forced_private(world):
    client = Client()

    editions = client.get("/api/v1/editions/")
    home = client.get("/palmares/")

    assert (editions.status_code, home.status_code) == (200, 200)
    assert "no-store" not in editions.get("Cache-Control", "")
    assert "no-store" not in home.get("Cache-Control", "")
