"""The auditor's pages (/audit/…), the organisers' read-only audit admin, and the audit as the public
reads it: edition and category pages, the certificate verification page."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from demo import services as demo
from election.models import Edition
from mystery_tests.models import TestResult
from mystery_tests.review import result_exclude
from palmares.audit import services
from palmares.certificates.services import certificates_issue
from palmares.models import Appeal, Audit, AuditCheck, Certificate
from palmares.publication.services import edition_publish
from tests.support import factories
from tests.support.audits import check_everything, drawn, name_auditor
from tests.support.palmares import ONE_CATEGORY, build_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def auditor(world):
    return name_auditor(world)


def browser(user, language="en") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client


def test_audit_page_draws_the_sample_and_lists_it(world, auditor):
    # Arrange
    client = browser(auditor)
    page = client.get(f"/audit/{world.edition.pk}/")

    # Act
    response = client.post(f"/audit/{world.edition.pk}/", {"action": "draw", "rate": "0.1", "nonce": "from a page"})
    listed = client.get(f"/audit/{world.edition.pk}/")

    # Assert
    assert page.status_code == 200
    assert "Draw the sample" in page.content.decode()
    assert response.status_code == 302
    audit = Audit.objects.get(edition=world.edition)
    assert audit.nonce == "from a page"
    body = listed.content.decode()
    for check in audit.checks.select_related("result"):
        assert check.result.external_id in body
    assert "4 drawn tests have no outcome yet." in body


def test_audit_page_refuses_a_bad_rate_with_the_form_error(world, auditor):
    # Act
    response = browser(auditor).post(f"/audit/{world.edition.pk}/", {"action": "draw", "rate": "2", "nonce": "x"})

    # Assert
    assert response.status_code == 400
    assert not Audit.objects.exists()


def test_audit_test_page_shows_the_evidence_history_and_appeals(world, auditor):
    # Arrange
    audit = drawn(world, auditor)
    check = audit.checks.select_related("result").first()
    member = factories.BrandMembershipFactory(brand=check.result.entry.brand).user
    Appeal.objects.create(result=check.result, entry=check.result.entry, filed_by=member, reason="Never called us")

    # Act
    response = browser(auditor).get(f"/audit/{world.edition.pk}/tests/{check.pk}/")

    # Assert
    body = response.content.decode()
    assert response.status_code == 200
    assert check.result.external_id in body
    assert check.fingerprint in body
    assert "Never called us" in body
    assert "History" in body


def test_audit_test_page_records_a_check_and_a_bare_discrepancy_is_refused(world, auditor):
    # Arrange
    audit = drawn(world, auditor)
    first, second = list(audit.checks.order_by("position"))[:2]
    client = browser(auditor)

    # Act
    bare = client.post(f"/audit/{world.edition.pk}/tests/{first.pk}/", {"outcome": "discrepancy", "note": ""})
    good = client.post(f"/audit/{world.edition.pk}/tests/{first.pk}/", {"outcome": "discrepancy", "note": "4 min"})

    # Assert
    assert bare.status_code == 400
    assert good.status_code == 302
    assert good["Location"] == f"/audit/{world.edition.pk}/tests/{second.pk}/"
    first.refresh_from_db()
    assert (first.outcome, first.note) == ("discrepancy", "4 min")


def test_audit_page_signs_off_once_every_test_is_checked(world, auditor):
    # Arrange
    audit = drawn(world, auditor)
    check_everything(world, auditor, audit)
    client = browser(auditor)

    # Act
    response = client.post(f"/audit/{world.edition.pk}/", {"action": "signoff"})

    # Assert
    assert response.status_code == 302
    audit.refresh_from_db()
    assert audit.signed_off_at is not None
    assert "Signed off on" in client.get(f"/audit/{world.edition.pk}/").content.decode()


def test_audit_pages_in_french(world, auditor):
    # Act
    body = browser(auditor, "fr").get(f"/audit/{world.edition.pk}/").content.decode()

    # Assert
    assert "Tirer l&#x27;échantillon" in body or "Tirer l'échantillon" in body


def test_audit_pages_answer_404_to_everyone_but_the_edition_auditor(world, auditor):
    # Arrange
    audit = drawn(world, auditor)
    check = audit.checks.first()
    other = build_world(year=2035)
    other_auditor = factories.UserFactory(username="other-auditor")
    other.edition.auditor = other_auditor
    other.edition.save()
    personas = {
        "organiser": factories.OrganiserFactory(),
        "brand member": factories.BrandMembershipFactory(brand=world.laureate_brand).user,
        "agency": factories.AgencyMembershipFactory(agency=world.agency).user,
        "other edition's auditor": other_auditor,
    }
    pages = [f"/audit/{world.edition.pk}/", f"/audit/{world.edition.pk}/tests/{check.pk}/"]

    # Act
    answers = {(name, page): browser(user).get(page).status_code for name, user in personas.items() for page in pages}
    posted = browser(other_auditor).post(pages[0], {"action": "signoff"})
    anonymous = Client().get(pages[0])

    # Assert
    assert set(answers.values()) == {404}
    assert posted.status_code == 404
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    assert browser(personas["organiser"]).get("/audit/").status_code == 404
    assert Audit.objects.get().signed_off_at is None


# -- organisers: the read-only admin ----------------------------------------------------------------------
def test_admin_organiser_sees_a_discrepancy_with_its_note_and_the_test(world, auditor):
    # Arrange
    audit = drawn(world, auditor)
    check = audit.checks.select_related("result").first()
    services.audit_record_checks(
        edition=world.edition,
        user=auditor,
        checks=[services.CheckInput(check.result.agency.slug, check.result.external_id, "discrepancy", "Wrong date")],
    )
    staff = browser(factories.OrganiserFactory())

    # Act
    listing = staff.get("/admin/palmares/auditcheck/?outcome__exact=discrepancy")
    audits = staff.get("/admin/palmares/audit/")
    change = staff.get(f"/admin/palmares/audit/{audit.pk}/change/")

    # Assert
    assert listing.status_code == 200
    assert "Wrong date" in listing.content.decode()
    assert f"/admin/mystery_tests/testresult/{check.result_id}/change/" in listing.content.decode()
    assert audits.status_code == 200
    assert change.status_code == 200
    assert "Wrong date" in change.content.decode()


def test_admin_audit_is_read_only_and_closed_to_staff_without_the_organisers_permission(world, auditor):
    # Arrange
    audit = drawn(world, auditor)
    jury = browser(factories.UserFactory(username="jury", is_staff=True))
    staff = browser(factories.OrganiserFactory())

    # Act
    closed = jury.get("/admin/palmares/audit/")
    add = staff.get("/admin/palmares/audit/add/")
    delete = staff.post(f"/admin/palmares/audit/{audit.pk}/delete/", {"post": "yes"})

    # Assert
    assert closed.status_code == 403
    assert add.status_code == 403
    assert delete.status_code == 403
    assert Audit.objects.filter(pk=audit.pk).exists()


def test_discrepancy_can_lead_to_the_exclusion_of_the_test(world, auditor, organiser):
    # Arrange: an organiser excludes the test after the auditor's discrepancy (quality review)
    audit = drawn(world, auditor)
    check = audit.checks.select_related("result").first()

    # Act
    result_exclude(result=check.result, user=organiser, reason="Audit discrepancy: wrong date")

    # Assert
    assert TestResult.objects.get(pk=check.result_id).excluded
    assert AuditCheck.objects.filter(pk=check.pk).exists()


# -- the public ------------------------------------------------------------------------------------------
def test_public_pages_and_verification_page_state_the_audit(world, auditor):
    # Arrange
    audit = drawn(world, auditor)
    check_everything(world, auditor, audit)
    services.audit_sign_off(edition=world.edition, user=auditor)
    publication = edition_publish(edition=world.edition)
    certificates_issue(publication=publication)
    code = Certificate.objects.get().code
    public_fr = Client(HTTP_ACCEPT_LANGUAGE="fr")

    # Act
    edition_page = public_fr.get("/palmares/fr/2031/").content.decode()
    category_page = public_fr.get("/palmares/fr/2031/banque/").content.decode()
    verify_page = Client(HTTP_ACCEPT_LANGUAGE="en").get(f"/verify/{code}/").content.decode()

    # Assert
    for body in (edition_page, category_page):
        assert "Résultats contrôlés par Maître Jeanne Martin" in body
        assert "4 tests tirés au sort, 4 vérifiés, 0 écart." in body
    assert "Results audited by Maître Jeanne Martin" in verify_page
    assert f"/verify/{code}/credential.jwt" in verify_page
    assert f"/verify/{code}/status.json" in verify_page


# -- query counts (ENGINEERING "Tests": 1 and 3 items) --------------------------------------------------
# Session, user, edition, audit, its drawn tests (with test, agency, brand, category), the summary, messages;
# the current tree hash (tests to fingerprint, categories, counted fingerprints) for the changes since the draw.
QUERIES_SAMPLE_PAGE = 10


def _queries(client, path: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    return len(queries)


@pytest.mark.parametrize("n", [1, 3])
def test_audit_sample_page_query_count_does_not_grow_with_the_sample(n, db):
    # Arrange: one category of 9 counted tests; rate 0.1 draws 1, 0.3 draws 3
    w = build_world(scores=ONE_CATEGORY)
    user = factories.UserFactory(username=f"auditor-{n}")
    w.edition.auditor = user
    w.edition.save()
    audit = services.audit_draw(edition=w.edition, user=user, rate=Decimal({1: "0.1", 3: "0.3"}[n]), nonce="q")
    client = browser(user)
    client.get(f"/audit/{w.edition.pk}/")

    # Act
    count = _queries(client, f"/audit/{w.edition.pk}/")

    # Assert
    assert audit.checks.count() == n
    assert count == QUERIES_SAMPLE_PAGE


@pytest.mark.parametrize("n", [1, 3])
def test_audit_home_query_count_does_not_grow_with_the_editions(n, db):
    # Arrange
    user = factories.UserFactory(username=f"home-auditor-{n}")
    for year in range(n):
        edition = factories.EditionFactory(year=2060 + year)
        edition.auditor = user
        edition.save()
    client = browser(user)
    client.get("/audit/")

    # Act
    count = _queries(client, "/audit/")

    # Assert
    assert count == 4


def test_admin_edition_form_names_the_auditor_and_requires_an_audit(world, organiser):
    # Arrange
    staff = browser(organiser)

    # Act
    body = staff.get(f"/admin/election/edition/{world.edition.pk}/change/").content.decode()

    # Assert
    assert 'name="auditor"' in body
    assert 'name="auditor_name"' in body
    assert 'name="audit_required"' in body


def test_demo_reset_removes_an_edition_with_an_audit(auditor):
    # Arrange: the demo's own edition, audited (an audit protects the tests it drew)
    demo_world = build_world(country=demo.COUNTRY, year=sorted(demo.EDITIONS)[0])
    demo_world.edition.auditor = auditor
    demo_world.edition.save()
    services.audit_draw(edition=demo_world.edition, user=auditor, rate=0.1, nonce="demo")

    # Act
    demo.reset()

    # Assert
    assert not Edition.objects.filter(pk=demo_world.edition.pk).exists()
    assert not Audit.objects.exists()


def test_audit_pages_in_french_open_the_edition_and_take_a_french_decimal_rate(world, auditor):
    # Arrange
    client = browser(auditor, "fr")

    # Act
    home = client.get("/audit/").content.decode()
    response = client.post(f"/audit/{world.edition.pk}/", {"action": "draw", "rate": "0,1", "nonce": "virgule"})
    test_page = client.get(f"/audit/{world.edition.pk}/tests/{Audit.objects.get().checks.first().pk}/")

    # Assert
    assert ">Ouvrir</a>" in home and "Ouverte" not in home
    assert response.status_code == 302
    assert Audit.objects.get().rate == Decimal("0.1")
    assert "Observation" in test_page.content.decode()


def test_portal_sends_an_auditor_without_a_brand_to_the_audit_area(world, auditor):
    # Act
    response = browser(auditor).get("/portal/")

    # Assert
    assert response.status_code == 302
    assert response["Location"] == "/audit/"
