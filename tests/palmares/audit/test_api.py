"""The independent controller's audit (API.md "Provenance, audit and credentials"): drawing the sample,
checks, sign-off, who may reach it, the publication gate and the palmarès ``audit``."""

import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import translation

from mystery_tests.models import TestResult
from palmares.models import Audit, AuditCheck, Publication
from palmares.publication.services import PublicationError, edition_publish
from tests.conftest import token_client
from tests.support import factories
from tests.support.audits import redrawn_by_script
from tests.support.palmares import build_world

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[3]
NONCE = "Étude Martin — 2031-06-01 — 7f3a"


@pytest.fixture
def auditor(world):
    user = factories.UserFactory(username="maitre-martin", first_name="Jeanne", last_name="Martin")
    world.edition.auditor = user
    world.edition.auditor_name = "Maître Jeanne Martin"
    world.edition.save()
    return user


@pytest.fixture
def auditor_api(auditor):
    return token_client(auditor)


def url(world, what: str, edition=None) -> str:
    return f"/api/v1/editions/{(edition or world.edition).pk}/audit/{what}/"


def draw(world, client, rate=0.1, nonce=NONCE):
    return client.post(url(world, "sample"), {"rate": rate, "nonce": nonce}, format="json")


def check_all(world, client, body, outcome="verified"):
    items = [
        {"external_id": t["external_id"], "agency": t["agency"], "outcome": outcome, "note": "ok"}
        for t in body["tests"]
    ]
    return client.post(url(world, "checks"), items, format="json")


# -- the sample --------------------------------------------------------------------------------------
def test_sample_draws_ceil_of_rate_per_category_at_least_one(world, auditor_api):
    # Arrange: banque 12 counted tests, assurance 9, energie 6 (3 tests per entry)

    # Act
    response = draw(world, auditor_api, rate=0.1)

    # Assert: ceil(1.2) = 2, ceil(0.9) = 1, ceil(0.6) = 1
    assert response.status_code == 201
    body = response.json()
    assert [t["category"] for t in body["tests"]] == ["assurance", "banque", "banque", "energie"]
    assert body["counted_tests"] == 27
    assert all(t["outcome"] is None for t in body["tests"])
    assert AuditCheck.objects.filter(audit__edition=world.edition).count() == 4


def test_sample_size_is_exact_for_a_decimal_rate(world, auditor_api):
    # Arrange: 0.25 × 12 = 3 exactly (a float product must not round it up to 4)

    # Act
    body = draw(world, auditor_api, rate=0.25).json()

    # Assert
    assert [t["category"] for t in body["tests"]].count("banque") == 3


def test_sample_is_redrawn_by_an_independent_script(world, auditor_api):
    # Arrange
    body = draw(world, auditor_api, rate=0.3).json()

    # Act: a stdlib-only script, in its own interpreter, from the published values alone
    redrawn = redrawn_by_script(world.edition, tree_hash=body["tree_hash"], nonce=NONCE, rate="0.3")

    # Assert
    assert redrawn == [[t["category"], t["fingerprint"]] for t in body["tests"]]


def test_sample_depends_on_the_nonce(world, auditor_api):
    # Arrange
    first = draw(world, auditor_api, rate=0.5).json()
    Audit.objects.all().delete()

    # Act
    second = draw(world, auditor_api, rate=0.5, nonce="another nonce").json()

    # Assert
    assert first["tree_hash"] == second["tree_hash"]
    assert first["seed"] != second["seed"]
    assert [t["fingerprint"] for t in first["tests"]] != [t["fingerprint"] for t in second["tests"]]


def test_sample_is_drawn_once_per_edition(world, auditor_api):
    # Arrange
    first = draw(world, auditor_api)

    # Act
    again = auditor_api.post(
        url(world, "sample"), {"rate": 0.1, "nonce": "a better nonce"}, format="json", HTTP_ACCEPT_LANGUAGE="en"
    )

    # Assert
    assert first.status_code == 201
    assert again.status_code == 409
    assert "already" in again.json()["detail"]
    assert Audit.objects.get().nonce == NONCE


def test_sample_with_bad_rate_and_empty_nonce_is_refused_with_every_error(world, auditor_api):
    # Act
    response = auditor_api.post(url(world, "sample"), {"rate": 0, "nonce": ""}, format="json")

    # Assert
    assert response.status_code == 400
    fields = sorted(e["field"] for e in response.json()["errors"])
    assert fields == ["nonce", "rate"]
    assert not Audit.objects.exists()


# -- checks and sign-off ------------------------------------------------------------------------------
def test_checks_record_outcomes_and_notes(world, auditor_api):
    # Arrange
    body = draw(world, auditor_api).json()
    first, second = body["tests"][:2]

    # Act
    response = auditor_api.post(
        url(world, "checks"),
        [
            {"external_id": first["external_id"], "agency": first["agency"], "outcome": "verified"},
            {
                "external_id": second["external_id"],
                "agency": second["agency"],
                "outcome": "discrepancy",
                "note": "Call log shows 4 min wait, not 45 s.",
            },
        ],
        format="json",
    )

    # Assert
    assert response.status_code == 200
    outcomes = dict(AuditCheck.objects.values_list("result__external_id", "outcome"))
    assert outcomes[first["external_id"]] == "verified"
    assert outcomes[second["external_id"]] == "discrepancy"
    assert AuditCheck.objects.get(result__external_id=second["external_id"]).note.startswith("Call log")


def test_checks_refuse_undrawn_tests_and_bare_discrepancies_storing_nothing(world, auditor_api):
    # Arrange
    body = draw(world, auditor_api).json()
    drawn = body["tests"][0]
    undrawn = TestResult.objects.exclude(external_id__in=[t["external_id"] for t in body["tests"]]).first()

    # Act
    response = auditor_api.post(
        url(world, "checks"),
        [
            {"external_id": drawn["external_id"], "agency": drawn["agency"], "outcome": "verified"},
            {"external_id": undrawn.external_id, "agency": undrawn.agency.slug, "outcome": "verified"},
            {"external_id": drawn["external_id"], "agency": drawn["agency"], "outcome": "discrepancy"},
        ],
        format="json",
    )

    # Assert
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert {(e["index"], e["field"]) for e in errors} == {(1, "external_id"), (2, "external_id"), (2, "note")}
    assert not AuditCheck.objects.exclude(outcome="").exists()


def test_checks_empty_list_is_a_400(world, auditor_api):
    # Arrange
    draw(world, auditor_api)

    # Act
    response = auditor_api.post(url(world, "checks"), [], format="json")

    # Assert
    assert response.status_code == 400


def test_checks_before_the_draw_are_a_409(world, auditor_api):
    # Act
    response = auditor_api.post(
        url(world, "checks"), [{"external_id": "T-1", "agency": "x", "outcome": "verified"}], format="json"
    )

    # Assert
    assert response.status_code == 409


def test_signoff_is_refused_while_a_drawn_test_has_no_outcome(world, auditor_api):
    # Arrange
    body = draw(world, auditor_api).json()
    first = body["tests"][0]
    auditor_api.post(
        url(world, "checks"),
        [{"external_id": first["external_id"], "agency": first["agency"], "outcome": "verified"}],
        format="json",
    )

    # Act
    response = auditor_api.post(url(world, "signoff"))

    # Assert
    assert response.status_code == 409
    assert "3" in response.json()["detail"]
    assert Audit.objects.get().signed_off_at is None


def test_signoff_answers_the_summary_and_freezes_the_checks(world, auditor_api):
    # Arrange
    body = draw(world, auditor_api).json()
    check_all(world, auditor_api, body)

    # Act
    response = auditor_api.post(url(world, "signoff"))
    late = check_all(world, auditor_api, body, outcome="discrepancy")

    # Assert
    assert response.status_code == 200
    summary = response.json()
    assert summary["auditor"] == "Maître Jeanne Martin"
    assert (summary["sampled"], summary["verified"], summary["discrepancies"]) == (4, 4, 0)
    assert summary["signed_at"].endswith("+00:00")
    assert late.status_code == 409
    assert auditor_api.post(url(world, "signoff")).status_code == 409


# -- who may reach the audit -----------------------------------------------------------------------------
def _personas(world):
    other_edition = build_world(year=2033)
    other_auditor = factories.UserFactory(username="other-auditor")
    other_edition.edition.auditor = other_auditor
    other_edition.edition.save()
    agency_user = factories.AgencyMembershipFactory(agency=world.agency).user
    member = factories.BrandMembershipFactory(brand=world.laureate_brand).user
    return {
        "other edition's auditor": (token_client(other_auditor), 404),
        "agency": (token_client(agency_user), 404),
        "brand member": (token_client(member), 404),
        "organiser": (token_client(factories.OrganiserFactory()), 403),
    }


@pytest.mark.parametrize("what", ["sample", "checks", "signoff", "redraw"])
def test_audit_is_reachable_by_the_edition_auditor_only(world, auditor_api, what):
    # Arrange
    personas = _personas(world)
    anonymous = Client()

    # Act
    answers = {name: c.post(url(world, what), {}, format="json").status_code for name, (c, _) in personas.items()}

    # Assert
    assert answers == {name: expected for name, (_client, expected) in personas.items()}
    assert anonymous.post(url(world, what)).status_code == 401
    assert not Audit.objects.exists()


def test_auditor_cannot_reach_another_edition(world, auditor_api):
    # Arrange
    other = build_world(year=2034)

    # Act
    response = draw(other, auditor_api)

    # Assert
    assert response.status_code == 404
    assert not Audit.objects.exists()


def test_auditor_reads_its_rankings_and_cannot_write_or_read_anything_else(world, auditor, auditor_api):
    # Arrange
    other = build_world(year=2036)
    site = Client()
    site.force_login(auditor)

    # Act
    rankings = auditor_api.get(f"/api/v1/editions/{world.edition.pk}/rankings/")
    other_rankings = auditor_api.get(f"/api/v1/editions/{other.edition.pk}/rankings/")
    upload = auditor_api.post(f"/api/v1/campaigns/{world.campaign.pk}/results/", [], format="json")
    recompute_ = auditor_api.post(f"/api/v1/editions/{world.edition.pk}/recompute/")
    admin = site.get("/admin/")
    portal_entry = site.get(f"/portal/scorecards/{world.entries['banque'][0].pk}/")

    # Assert
    assert rankings.status_code == 200
    assert [c["slug"] for c in rankings.json()["categories"]] == ["assurance", "banque", "energie"]
    assert other_rankings.status_code == 403
    assert upload.status_code in (403, 404)
    assert recompute_.status_code == 403
    assert admin.status_code == 302 and "/login/" in admin["Location"]
    assert portal_entry.status_code == 404


def test_auditor_lands_in_the_audit_area_after_login(world, auditor):
    # Act
    response = Client().post("/accounts/login/", {"username": auditor.username, "password": factories.PASSWORD})

    # Assert
    assert response.status_code == 302
    assert response["Location"] == "/audit/"


# -- the publication gate ------------------------------------------------------------------------------
def _require_audit(world):
    world.edition.audit_required = True
    world.edition.save()


def _signed_off(world, auditor_api):
    body = draw(world, auditor_api).json()
    check_all(world, auditor_api, body)
    assert auditor_api.post(url(world, "signoff")).status_code == 200


def test_publish_is_refused_without_signoff_when_an_audit_is_required(world, auditor_api):
    # Arrange
    _require_audit(world)
    draw(world, auditor_api)

    # Act
    with translation.override("en"), pytest.raises(PublicationError) as refused:
        edition_publish(edition=world.edition)

    # Assert
    assert "audit" in str(refused.value)
    assert not Publication.objects.exists()
    world.edition.refresh_from_db()
    assert world.edition.frozen_at is None


def test_publish_command_fails_without_signoff(world, auditor_api):
    # Arrange
    _require_audit(world)

    # Act
    with translation.override("en"), pytest.raises(CommandError) as failed:
        call_command("publish_edition", str(world.edition.pk), stdout=io.StringIO())
    with pytest.raises(CommandError):
        call_command("publish_edition", str(world.edition.pk), "--at", "2099-06-12T21:30", stdout=io.StringIO())

    # Assert
    assert "audit" in str(failed.value)
    assert not Publication.objects.exists()


def test_admin_publication_and_scheduled_publication_refused_without_signoff(world, auditor_api, organiser):
    # Arrange
    _require_audit(world)
    staff = Client(HTTP_ACCEPT_LANGUAGE="en")
    staff.force_login(organiser)

    # Act
    now = staff.post("/admin/palmares/publication/add/", {"edition": world.edition.pk, "at": ""})
    later = staff.post("/admin/palmares/publication/add/", {"edition": world.edition.pk, "at": "2099-07-01T21:30"})

    # Assert
    assert now.status_code == 200
    assert later.status_code == 200
    assert "requires an audit" in now.content.decode()
    assert "requires an audit" in later.content.decode()
    assert not Publication.objects.exists()


def test_publish_after_signoff_carries_the_audit_in_the_palmares(world, auditor_api):
    # Arrange
    _require_audit(world)
    _signed_off(world, auditor_api)

    # Act
    edition_publish(edition=world.edition)
    body = Client().get(f"/api/v1/editions/{world.edition.pk}/palmares/").json()

    # Assert
    audit = body["audit"]
    assert audit["auditor"] == "Maître Jeanne Martin"
    assert (audit["sampled"], audit["verified"], audit["discrepancies"]) == (4, 4, 0)


def test_palmares_audit_is_null_without_an_audit(world):
    # Act
    edition_publish(edition=world.edition)
    body = Client().get(f"/api/v1/editions/{world.edition.pk}/palmares/").json()

    # Assert
    assert body["audit"] is None
