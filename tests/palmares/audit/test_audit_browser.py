"""The independent controller's audit and the credentials tried in a real browser (issue 17, "Done means":
as the controller, an organiser, a laureate and a visitor).

Headless Debian chromium through Playwright (tests/support/browser.py, never a downloaded browser);
screenshots are kept in artifacts/ (gitignored) for a human look.
"""

from __future__ import annotations

import datetime as dt
import warnings

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.utils import timezone
from joserfc import jwt as jose_jwt
from joserfc.jwk import KeySet

from common.pagecache import bump_public_generation
from election.models import BrandMembership, Edition
from mystery_tests.review import result_exclude, result_restore
from palmares.audit import services
from palmares.certificates.services import certificate_revoke
from palmares.models import Appeal, Audit, AuditCheck, Certificate, Publication
from palmares.publication.services import edition_publish
from tests.support import factories
from tests.support.audits import check_everything, drawn, name_auditor
from tests.support.browser import log_in, new_page, shot
from tests.support.palmares import build_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NOTE = "Appel passé un dimanche, hors des horaires publiés."


@pytest.fixture
def auditor(world):
    return name_auditor(world, first_name="Jeanne", last_name="Martin")


def record(page, outcome: str, note: str = "") -> None:
    """Record the check of the drawn test on the page; the next drawn test (or the sample) opens."""
    page.check(f"input[name=outcome][value={outcome}]")
    if note:
        page.fill("textarea[name=note]", note)
    with page.expect_navigation():
        page.get_by_role("button", name="Record the check").click()


def test_controller_draws_reads_the_evidence_checks_and_signs_off_and_sees_nothing_else(
    live_server, browser, world, auditor
):
    # Arrange: another edition with its own auditor; a brand member to appeal a drawn test
    other = build_world(year=2035)
    other.edition.auditor = factories.UserFactory(username="autre-controleur")
    other.edition.save()
    member = factories.BrandMembershipFactory(brand=world.laureate_brand).user
    base = live_server.url
    page = new_page(browser, locale="en-GB")

    # Act 1: log in, land in the audit area, open the edition, draw with a nonce.
    log_in(page, base, auditor.username, next_url="/audit/")
    home = page.inner_text("main")
    page.get_by_role("link", name="Open").click()
    page.wait_for_url(f"{base}/audit/{world.edition.pk}/")
    tree_hash = page.inner_text("code.hash")
    page.fill("#id_rate", "0.1")
    page.fill("#id_nonce", "Étude Martin — 2031-06-01 — 7f3a")
    page.get_by_role("button", name="Draw the sample").click()
    page.wait_for_selector("text=The sample is drawn.")
    sample = page.inner_text("main")
    shot(page, "audit-controller-sample")

    # The evidence grows after the draw: an appeal on the first drawn test, an exclusion then a restore.
    audit = Audit.objects.get(edition=world.edition)
    first = audit.checks.order_by("position").select_related("result__entry").first()
    Appeal.objects.create(result=first.result, entry=first.result.entry, filed_by=member, reason="Jamais appelés")
    organiser = factories.OrganiserFactory(username="qualite", first_name="Claire", last_name="Dubois")
    result_exclude(result=first.result, user=organiser, reason="Doute sur la date")
    result_restore(result=first.result, user=organiser, reason="Date confirmée par l'agence")

    # Act 2: open the first drawn test, read its evidence, record verified; the next one, a discrepancy.
    page.locator(f"a[href='/audit/{world.edition.pk}/tests/{first.pk}/']").click()
    page.wait_for_url(f"{base}/audit/{world.edition.pk}/tests/{first.pk}/")
    evidence = page.inner_text("main")
    shot(page, "audit-controller-evidence")
    record(page, "verified")
    record(page, "discrepancy", NOTE)
    while page.locator("input[name=outcome]").count():  # the next drawn tests, until the sample page
        record(page, "verified")
    page.wait_for_url(f"{base}/audit/{world.edition.pk}/")
    checked = page.inner_text("main")

    # Act 3: sign off.
    page.get_by_role("button", name="Sign the audit off").click()
    page.wait_for_selector("text=The audit is signed off.")
    signed = page.inner_text("main")
    shot(page, "audit-controller-signed")

    # Act 4: nothing of another edition, no admin, no portal, no other writes.
    other_audit = page.goto(f"{base}/audit/{other.edition.pk}/")
    page.goto(f"{base}/admin/")
    admin_url = page.url
    page.goto(f"{base}/portal/")
    portal_url = page.url
    scorecard = page.goto(f"{base}/portal/scorecards/{world.entries['banque'][0].pk}/")
    page.context.close()

    # Assert
    assert "Maître Jeanne Martin" in home or world.edition.name in home
    assert len(tree_hash) == 64
    assert "4 drawn tests have no outcome yet." in sample
    for heading in ("The test as stored", "History", "Appeals"):
        assert heading in evidence
    assert "Jamais appelés" in evidence
    assert "Doute sur la date" in evidence and "Date confirmée par l'agence" in evidence
    assert "Claire Dubois" in evidence  # who excluded and restored it
    assert first.fingerprint in evidence
    assert NOTE[:40] in checked
    assert "Signed off on" in signed
    assert "4 tests drawn, 3 verified, 1 with a discrepancy." in signed
    audit.refresh_from_db()
    assert audit.signed_off_by == auditor
    assert audit.signed_tree_hash == audit.tree_hash == tree_hash
    assert list(AuditCheck.objects.filter(outcome="discrepancy").values_list("note", flat=True)) == [NOTE]
    assert other_audit.status == 404
    assert "/admin/login/" in admin_url
    assert portal_url == f"{base}/audit/"  # the auditor is no brand member: back to the audit area
    assert scorecard.status == 404
    assert not Audit.objects.filter(edition=other.edition).exists()


def test_organiser_requires_an_audit_is_refused_sees_the_discrepancy_publishes_and_revokes_and_the_laureate_sees_it(
    live_server, browser, world, auditor
):
    # Arrange: the auditor drew and checked (one discrepancy), not signed off yet; the laureate's member.
    organiser = factories.OrganiserFactory(username="organisatrice", is_superuser=True)
    audit = drawn(world, auditor, nonce="tirage du 1er juin")
    check_everything(world, auditor, audit)
    discrepant = audit.checks.select_related("result__agency").order_by("position").first()
    services.audit_record_checks(
        edition=world.edition,
        user=auditor,
        checks=[services.CheckInput(discrepant.result.agency.slug, discrepant.result.external_id, "discrepancy", NOTE)],
    )
    member = factories.UserFactory(username="directrice-azur")
    BrandMembership.objects.create(user=member, brand=world.laureate_brand)
    base = live_server.url
    staff = new_page(browser, locale="en-GB")

    # Act 1: require an audit on the edition (its admin form).
    log_in(staff, base, organiser.username, next_url="/admin/")
    staff.goto(f"{base}/admin/election/edition/{world.edition.pk}/change/")
    staff.check("input[name=audit_required]")
    staff.locator("input[name=_save]").first.click()
    staff.wait_for_selector("ul.messagelist li.success")

    # Act 2: try to publish before the sign-off.
    staff.goto(f"{base}/admin/palmares/publication/add/?edition={world.edition.pk}")
    staff.get_by_role("button", name="Freeze and publish").click()
    staff.wait_for_selector("p.errornote")
    refusal = staff.inner_text("p.errornote")
    shot(staff, "audit-organiser-refused")

    # Act 3: the discrepancy with its note; the organiser excludes the test in quality review.
    staff.goto(f"{base}/admin/palmares/auditcheck/?outcome__exact=discrepancy")
    discrepancies = staff.inner_text("#result_list")
    result_exclude(result=discrepant.result, user=organiser, reason="Écart relevé par le contrôleur")
    staff.goto(f"{base}/admin/palmares/publication/add/?edition={world.edition.pk}")
    warning = staff.inner_text("[data-testid=audit-warnings]")

    # Act 4: the auditor signs off knowingly (the box), the organiser publishes.
    controller = new_page(browser, locale="en-GB")
    log_in(controller, base, auditor.username, next_url="/audit/")
    controller.goto(f"{base}/audit/{world.edition.pk}/")
    controller_warning = controller.inner_text("[data-testid=audit-changes]")
    controller.check("input[name=acknowledge]")
    controller.get_by_role("button", name="Sign the audit off").click()
    controller.wait_for_selector("text=The audit is signed off.")
    controller.context.close()
    staff.goto(f"{base}/admin/palmares/publication/add/?edition={world.edition.pk}")
    staff.get_by_role("button", name="Freeze and publish").click()
    staff.wait_for_selector("ul.messagelist li.success")
    published = staff.inner_text("ul.messagelist")

    # Act 5: the laureate's member sees the certificate in the portal.
    laureate = new_page(browser, locale="fr-FR")
    log_in(laureate, base, member.username, next_url="/portal/")
    before = laureate.inner_text("section.certificates")

    # Act 6: the organiser revokes it with a reason (action, then the reason).
    staff.goto(f"{base}/admin/palmares/certificate/")
    staff.locator("input.action-select").first.check()
    staff.select_option("select[name=action]", "revoke_selected")
    staff.locator("button[name=index], input[name=index]").first.click()
    staff.fill("[name=reason]", "Fin de la licence d'utilisation du logo.")
    staff.locator("input[name=apply]").click()
    staff.wait_for_selector("ul.messagelist li.success")
    revoked_message = staff.inner_text("ul.messagelist")
    shot(staff, "audit-organiser-revoked")
    staff.context.close()
    laureate.reload()
    after = laureate.inner_text("section.certificates")
    shot(laureate, "audit-laureate-revoked")
    laureate.context.close()

    # Assert
    assert Edition.objects.get(pk=world.edition.pk).audit_required
    assert "requires an audit" in refusal and "signed the audit off" in refusal
    assert NOTE in discrepancies
    assert "1 test changed since the draw on" in warning
    assert "1 test changed since the draw on" in controller_warning
    assert "is frozen" in published
    assert Publication.objects.filter(edition=world.edition, is_current=True).exists()
    assert "Valable jusqu" in before
    assert "1 certificate revoked." in revoked_message
    assert "Révoqué le" in after and "Fin de la licence d'utilisation du logo." in after
    assert Certificate.objects.get().revoked_reason == "Fin de la licence d'utilisation du logo."


def test_visitor_reads_the_audit_sentence_and_verifies_a_certificate_valid_expired_revoked(
    live_server, browser, world, auditor, organiser
):
    # Arrange: a signed-off audit without discrepancy, the edition published, its certificate issued.
    audit = drawn(world, auditor)
    check_everything(world, auditor, audit)
    services.audit_sign_off(edition=world.edition, user=auditor)
    edition_publish(edition=world.edition)
    certificate = Certificate.objects.get()
    base = live_server.url
    french = new_page(browser, locale="fr-FR")
    english = new_page(browser, locale="en-GB")

    # Act 1: the edition and category pages, in French and English.
    french.goto(f"{base}/palmares/fr/2031/")
    edition_fr = french.inner_text("main")
    shot(french, "audit-visitor-edition-fr")
    french.goto(f"{base}/palmares/fr/2031/banque/")
    category_fr = french.inner_text("main")
    english.goto(f"{base}/palmares/fr/2031/")
    edition_en = english.inner_text("main")

    # Act 2: the verification page, valid; its credential, downloaded and verified.
    french.goto(f"{base}/verify/{certificate.code}/")
    valid = french.inner_text("h1")
    href = french.get_by_role("link", name="attestation (JWT)").get_attribute("href")
    credential = french.context.request.get(f"{base}{href}")
    token, credential_type = credential.text(), credential.headers["content-type"]
    keys = french.context.request.get(f"{base}/api/v1/keys/").json()

    # Act 3: expired after its date, then revoked with the reason.
    Certificate.objects.filter(pk=certificate.pk).update(valid_until=timezone.now() - dt.timedelta(seconds=1))
    # The page is kept until the state may change by the clock (the old date): moving the date is no clock.
    bump_public_generation()
    french.reload()
    expired = french.inner_text("h1")
    Certificate.objects.filter(pk=certificate.pk).update(valid_until=certificate.valid_until)
    certificate_revoke(certificate=certificate, user=organiser, reason="Appel fondé : le lauréat change.")
    french.reload()
    revoked = french.inner_text("main")
    shot(french, "audit-visitor-verify-revoked")
    status = french.context.request.get(f"{base}/verify/{certificate.code}/status.json").json()
    french.context.close()
    english.context.close()

    # Assert
    for body in (edition_fr, category_fr):
        assert "Résultats contrôlés par Maître Jeanne Martin, le" in body
        assert "4 tests tirés au sort, 4 vérifiés, 0 écart." in body
    assert "Results audited by Maître Jeanne Martin on" in edition_en
    assert "4 tests drawn at random, 4 verified, 0 discrepancies." in edition_en
    assert valid.strip() == "Certificat valable"
    assert credential.status == 200
    assert credential_type == "application/vc+jwt"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # joserfc flags "EdDSA" as superseded by RFC 9864's "Ed25519"
        decoded = jose_jwt.decode(token, KeySet.import_key_set(keys), algorithms=["EdDSA"])
    assert decoded.claims["jti"].endswith(f"/verify/{certificate.code}/")
    assert expired.strip() == "Certificat expiré"
    assert "Certificat révoqué" in revoked
    assert "Appel fondé : le lauréat change." in revoked
    assert status["status"] == "revoked"


PAGE_WIDTH = "() => [document.documentElement.scrollWidth, window.innerWidth]"


def test_audit_pages_have_no_serious_axe_violation_and_fit_the_window(live_server, browser, world, auditor, organiser):
    # Arrange: a drawn sample, every test checked, one test changed since (the warning and both forms show)
    audit = drawn(world, auditor)
    check_everything(world, auditor, audit)
    first = audit.checks.order_by("position").first()
    drawn_ids = audit.checks.values_list("result_id", flat=True)
    changed = world.entries["banque"][3].test_results.exclude(pk__in=drawn_ids).first()
    result_exclude(result=changed, user=organiser, reason="Hors scénario")
    paths = ["/audit/", f"/audit/{world.edition.pk}/", f"/audit/{world.edition.pk}/tests/{first.pk}/"]
    axe = Axe()
    violations, too_wide, statuses = [], [], []

    # Act
    for locale in ("fr-FR", "en-GB"):
        page = new_page(browser, locale=locale)
        log_in(page, live_server.url, auditor.username, next_url="/audit/")
        for path in paths:
            statuses.append(page.goto(live_server.url + path).status)
            scroll, window = page.evaluate(PAGE_WIDTH)
            if scroll > window:
                too_wide.append((locale, path, scroll - window))
            violations += [
                (locale, path, v["id"], [n["target"] for n in v["nodes"]][:3])
                for v in axe.run(page).response["violations"]
                if v["impact"] in ("critical", "serious")
            ]
        shot(page, f"audit-changes-{locale}")
        page.context.close()

    # Assert
    assert set(statuses) == {200}
    assert {"axe": violations, "too wide": too_wide} == {"axe": [], "too wide": []}
