"""Tests that change between the audit's draw and publication (issue 17): the auditor and the organisers
are warned ("N tests changed since the draw on …"), the auditor redraws with a new nonce or signs off
knowingly, the sign-off covers the tree hash it saw, and publication — service, command, admin, scheduled —
is refused while the current tree hash differs from the signed-off one, naming the difference."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from election.models import Entry
from mystery_tests.models import TestResult
from mystery_tests.review import result_exclude, result_restore
from palmares.audit import changes, services
from palmares.models import Audit, AuditCheck, Publication
from palmares.publication.services import PublicationError, edition_publish
from tests.conftest import session_client, token_client
from tests.support import factories
from tests.support.audits import check_everything, drawn, name_auditor, redrawn_by_script
from tests.support.palmares import add_results, build_world, recompute

pytestmark = pytest.mark.django_db

NONCE = "Étude Martin — tirage 1"


@pytest.fixture
def auditor(world):
    return name_auditor(world)


def english_api(user):
    client = token_client(user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def api(world, what: str) -> str:
    return f"/api/v1/editions/{world.edition.pk}/audit/{what}/"


def an_undrawn_test(audit: Audit) -> TestResult:
    drawn_ids = audit.checks.values_list("result_id", flat=True)
    return TestResult.objects.filter(campaign__edition=audit.edition, excluded=False).exclude(pk__in=drawn_ids).first()


def signed(world, auditor) -> Audit:
    audit = drawn(world, auditor, nonce=NONCE)
    check_everything(world, auditor, audit)
    return services.audit_sign_off(edition=world.edition, user=auditor)


# -- the warning -------------------------------------------------------------------------------------------
def test_nothing_changed_right_after_the_draw(world, auditor):
    # Act
    change = changes.since_draw(drawn(world, auditor, nonce=NONCE))

    # Assert
    assert not change.changed
    assert change.tests == 0


def test_an_excluded_and_an_added_test_are_counted_as_changes_since_the_draw(world, auditor, organiser):
    # Arrange
    audit = drawn(world, auditor, nonce=NONCE)
    result_exclude(result=an_undrawn_test(audit), user=organiser, reason="Hors scénario")
    add_results(world, world.entries["banque"][1], 13.3125, phone=1, email=0)

    # Act
    change = changes.since_draw(audit)
    with translation.override("en"):
        message = change.since_draw_message()

    # Assert
    assert change.changed
    assert change.covered == audit.tree_hash
    assert change.current == changes.current_tree_hash(edition=world.edition)
    assert change.tests == 2
    assert message.startswith("2 tests changed since the draw on ")


def test_a_withdrawn_entry_is_a_change_no_test_history_names(world, auditor):
    # Arrange
    audit = drawn(world, auditor, nonce=NONCE)
    Entry.objects.filter(pk=world.entries["assurance"][2].pk).update(status=Entry.Status.WITHDRAWN)

    # Act
    change = changes.since_draw(audit)
    with translation.override("en"):
        message = change.since_draw_message()

    # Assert
    assert change.changed
    assert change.tests == 0
    assert message.startswith("The counted tests changed since the draw on ")


def test_an_exclusion_then_its_restore_is_no_change(world, auditor, organiser):
    # Arrange
    audit = drawn(world, auditor, nonce=NONCE)
    result = an_undrawn_test(audit)
    result_exclude(result=result, user=organiser, reason="Doute")
    result_restore(result=result, user=organiser, reason="Levée du doute")

    # Act
    change = changes.since_draw(audit)

    # Assert
    assert not change.changed


def test_the_auditor_page_warns_and_offers_a_redraw(world, auditor, organiser):
    # Arrange
    audit = drawn(world, auditor, nonce=NONCE)
    result_exclude(result=an_undrawn_test(audit), user=organiser, reason="Hors scénario")

    # Act
    english = session_client(auditor).get(f"/audit/{world.edition.pk}/").content.decode()
    french = session_client(auditor, language="fr").get(f"/audit/{world.edition.pk}/").content.decode()

    # Assert
    assert "1 test changed since the draw on" in english
    assert 'name="action" value="redraw"' in english
    assert "1 test modifié depuis le tirage du" in french


def test_the_organiser_sees_the_warning_on_the_publication_page_and_in_the_audit_admin(world, auditor, organiser):
    # Arrange
    audit = drawn(world, auditor, nonce=NONCE)
    result_exclude(result=an_undrawn_test(audit), user=organiser, reason="Hors scénario")
    staff = session_client(organiser)

    # Act
    publish_page = staff.get(f"/admin/palmares/publication/add/?edition={world.edition.pk}").content.decode()
    audit_page = staff.get(f"/admin/palmares/audit/{audit.pk}/change/").content.decode()

    # Assert
    for body in (publish_page, audit_page):
        assert "1 test changed since the draw on" in body
        assert "may redraw the sample with a new nonce, or sign off knowingly" in body


# -- signing off knowingly -----------------------------------------------------------------------------------
def test_signoff_after_changes_is_refused_unless_acknowledged_and_covers_the_current_tree(world, auditor, organiser):
    # Arrange
    audit = drawn(world, auditor, nonce=NONCE)
    check_everything(world, auditor, audit)
    result_exclude(result=an_undrawn_test(audit), user=organiser, reason="Hors scénario")
    client = english_api(auditor)

    # Act
    refused = client.post(api(world, "signoff"), {}, format="json")
    accepted = client.post(api(world, "signoff"), {"acknowledge_changes": True}, format="json")

    # Assert
    assert refused.status_code == 409
    assert "1 test changed since the draw on" in refused.json()["detail"]
    assert "Redraw the sample with a new nonce, or sign off acknowledging the changes" in refused.json()["detail"]
    assert accepted.status_code == 200
    audit.refresh_from_db()
    assert audit.signed_tree_hash == changes.current_tree_hash(edition=world.edition) != audit.tree_hash


def test_the_signoff_form_needs_the_box_ticked_after_changes(world, auditor, organiser):
    # Arrange
    audit = drawn(world, auditor, nonce=NONCE)
    check_everything(world, auditor, audit)
    result_exclude(result=an_undrawn_test(audit), user=organiser, reason="Hors scénario")
    client = session_client(auditor)

    # Act
    unticked = client.post(f"/audit/{world.edition.pk}/", {"action": "signoff"})
    ticked = client.post(f"/audit/{world.edition.pk}/", {"action": "signoff", "acknowledge": "on"})

    # Assert
    assert unticked.status_code == 400
    assert "Tick this box to sign off despite the changes, or redraw the sample." in unticked.content.decode()
    assert ticked.status_code == 302
    assert Audit.objects.get().signed_off_at is not None


def test_publication_after_a_knowing_signoff_freezes_the_signed_tree(world, auditor, organiser):
    # Arrange
    audit = drawn(world, auditor, nonce=NONCE)
    check_everything(world, auditor, audit)
    result_exclude(result=an_undrawn_test(audit), user=organiser, reason="Hors scénario")
    services.audit_sign_off(edition=world.edition, user=auditor, acknowledge_changes=True)

    # Act
    publication = edition_publish(edition=world.edition)

    # Assert
    audit.refresh_from_db()
    assert publication.snapshot["palmares"]["provenance"]["edition_root"] == audit.signed_tree_hash


# -- publication refused after the sign-off ------------------------------------------------------------------
@pytest.mark.parametrize("required", [True, False])
def test_publication_is_refused_when_tests_changed_after_the_signoff(world, auditor, organiser, required):
    # Arrange: a signed-off audit is stated on the palmarès, required or not
    world.edition.audit_required = required
    world.edition.save()
    audit = signed(world, auditor)
    result_exclude(result=an_undrawn_test(audit), user=organiser, reason="Après la signature")

    # Act
    with translation.override("en"), pytest.raises(PublicationError) as refused:
        edition_publish(edition=world.edition)

    # Assert
    message = str(refused.value)
    assert "cannot be published: 1 test changed since the audit was signed off on" in message
    assert audit.tree_hash in message
    assert changes.current_tree_hash(edition=world.edition) in message
    assert "Ask the auditor to redraw the sample with a new nonce" in message
    assert not Publication.objects.exists()
    world.edition.refresh_from_db()
    assert world.edition.frozen_at is None


def test_publication_refused_after_signoff_changes_by_command_admin_and_schedule(world, auditor, organiser):
    # Arrange
    audit = signed(world, auditor)
    result_exclude(result=an_undrawn_test(audit), user=organiser, reason="Après la signature")
    staff = session_client(organiser)

    # Act
    with translation.override("en"), pytest.raises(CommandError) as command:
        call_command("publish_edition", str(world.edition.pk), stdout=io.StringIO())
    with translation.override("en"), pytest.raises(CommandError) as scheduled_command:
        call_command("publish_edition", str(world.edition.pk), "--at", "2099-06-12T21:30", stdout=io.StringIO())
    now = staff.post("/admin/palmares/publication/add/", {"edition": world.edition.pk, "at": ""})
    later = staff.post("/admin/palmares/publication/add/", {"edition": world.edition.pk, "at": "2099-07-01T21:30"})

    # Assert
    assert "changed since the audit was signed off" in str(command.value)
    assert "changed since the audit was signed off" in str(scheduled_command.value)
    for response in (now, later):
        assert response.status_code == 200
        body = response.content.decode()
        assert "cannot be published: 1 test changed since the audit was signed off on" in body
        assert "Publication is refused until the auditor redraws the sample" in body
    assert not Publication.objects.exists()


# -- redrawing -----------------------------------------------------------------------------------------------
def test_redraw_keeps_the_earlier_draw_and_starts_a_new_unchecked_sample(world, auditor, organiser):
    # Arrange
    audit = signed(world, auditor)
    first_checks = audit.checks.count()
    result_exclude(result=an_undrawn_test(audit), user=organiser, reason="Après la signature")
    client = english_api(auditor)

    # Act
    reused = client.post(api(world, "redraw"), {"nonce": NONCE}, format="json")
    redrawn = client.post(api(world, "redraw"), {"nonce": "tirage 2"}, format="json")

    # Assert
    assert reused.status_code == 400
    assert redrawn.status_code == 201
    body = redrawn.json()
    audit.refresh_from_db()
    assert body["nonce"] == "tirage 2"
    assert body["tree_hash"] == audit.tree_hash == changes.current_tree_hash(edition=world.edition)
    assert body["signed_off_at"] is None
    assert all(t["outcome"] is None for t in body["tests"])
    assert audit.signed_off_at is None and audit.signed_tree_hash == ""
    (earlier,) = audit.earlier_draws
    assert earlier["nonce"] == NONCE
    assert earlier["signed_off_at"] is not None
    assert len(earlier["tests"]) == first_checks
    assert {t["outcome"] for t in earlier["tests"]} == {"verified"}


def test_redraw_then_signoff_lets_the_edition_be_published(world, auditor, organiser):
    # Arrange
    world.edition.audit_required = True
    world.edition.save()
    audit = signed(world, auditor)
    result_exclude(result=an_undrawn_test(audit), user=organiser, reason="Après la signature")
    services.audit_redraw(edition=world.edition, user=auditor, nonce="tirage 2")
    with pytest.raises(PublicationError):
        edition_publish(edition=world.edition)  # the new sample is not signed off yet

    # Act
    check_everything(world, auditor, Audit.objects.get())
    services.audit_sign_off(edition=world.edition, user=auditor)
    publication = edition_publish(edition=world.edition)

    # Assert
    assert publication.snapshot["palmares"]["audit"]["sampled"] == AuditCheck.objects.count()


def test_redraw_is_refused_while_nothing_changed_and_once_published(world, auditor, organiser):
    # Arrange
    client = english_api(auditor)
    audit = drawn(world, auditor, nonce=NONCE)

    # Act
    unchanged = client.post(api(world, "redraw"), {"nonce": "tirage 2"}, format="json")
    check_everything(world, auditor, audit)
    services.audit_sign_off(edition=world.edition, user=auditor)
    edition_publish(edition=world.edition)
    published = client.post(api(world, "redraw"), {"nonce": "tirage 3"}, format="json")

    # Assert
    assert unchanged.status_code == 409
    assert "the sample stands" in unchanged.json()["detail"]
    assert published.status_code == 409
    assert Audit.objects.get().nonce == NONCE


def test_redraw_from_the_audit_page(world, auditor, organiser):
    # Arrange
    audit = drawn(world, auditor, nonce=NONCE)
    result_exclude(result=an_undrawn_test(audit), user=organiser, reason="Hors scénario")
    client = session_client(auditor)

    # Act
    reused = client.post(f"/audit/{world.edition.pk}/", {"action": "redraw", "rate": "0.1", "nonce": NONCE})
    redrawn = client.post(f"/audit/{world.edition.pk}/", {"action": "redraw", "rate": "0.1", "nonce": "tirage 2"})
    page = client.get(f"/audit/{world.edition.pk}/").content.decode()

    # Assert
    assert reused.status_code == 400
    assert "Choose a new nonce" in reused.content.decode()
    assert redrawn.status_code == 302
    assert Audit.objects.get().nonce == "tirage 2"
    assert "changed since the draw" not in page


def test_redraw_is_the_auditors_alone(world, auditor, organiser):
    # Arrange
    audit = drawn(world, auditor, nonce=NONCE)
    result_exclude(result=an_undrawn_test(audit), user=organiser, reason="Hors scénario")

    # Act
    as_organiser = token_client(organiser).post(api(world, "redraw"), {"nonce": "x"}, format="json")
    as_member = token_client(factories.BrandMembershipFactory(brand=world.laureate_brand).user).post(
        api(world, "redraw"), {"nonce": "x"}, format="json"
    )

    # Assert
    assert as_organiser.status_code == 403
    assert as_member.status_code == 404
    assert Audit.objects.get().nonce == NONCE


def test_a_redrawn_sample_is_redrawn_by_the_independent_script_too(world, auditor, organiser):
    # Arrange
    audit = drawn(world, auditor, nonce=NONCE)
    result_exclude(result=an_undrawn_test(audit), user=organiser, reason="Hors scénario")
    body = english_api(auditor).post(api(world, "redraw"), {"nonce": "tirage 2", "rate": "0.3"}, format="json").json()

    # Act
    redrawn = redrawn_by_script(world.edition, tree_hash=body["tree_hash"], nonce="tirage 2", rate="0.3")

    # Assert
    assert redrawn == [[t["category"], t["fingerprint"]] for t in body["tests"]]


def test_an_auditor_reaches_nothing_of_another_edition(world, auditor):
    # Arrange: the auditor of world's edition, and another edition with its own audit, published
    other = build_world(year=2037)
    recompute(other)
    other_auditor = name_auditor(other, username="autre-controleur")
    other_audit = drawn(other, other_auditor)
    check_everything(other, other_auditor, other_audit)
    services.audit_sign_off(edition=other.edition, user=other_auditor)
    edition_publish(edition=other.edition)
    client, site = english_api(auditor), session_client(auditor)
    check = other_audit.checks.select_related("result__agency").first()
    base = f"/api/v1/editions/{other.edition.pk}"

    # Act
    writes = {
        what: client.post(f"{base}/audit/{what}/", body, format="json").status_code
        for what, body in {
            "sample": {"rate": 0.1, "nonce": "x"},
            "checks": [
                {"external_id": check.result.external_id, "agency": check.result.agency.slug, "outcome": "verified"}
            ],
            "signoff": {},
            "redraw": {"nonce": "y"},
        }.items()
    }
    rankings = client.get(f"{base}/rankings/").status_code
    proof = client.get(f"{base}/proofs/?external_id={check.result.external_id}").status_code
    pages = [
        site.get(f"/audit/{other.edition.pk}/").status_code,
        site.get(f"/audit/{other.edition.pk}/tests/{check.pk}/").status_code,
        site.get(f"/audit/{world.edition.pk}/tests/{check.pk}/").status_code,  # its check, under my edition
    ]

    # Assert: a published edition is public, so 403 (not the auditor) rather than 404
    assert writes == {"sample": 403, "checks": 403, "signoff": 403, "redraw": 403}
    assert rankings == 403
    assert proof == 403
    assert pages == [404, 404, 404]
    other_audit.refresh_from_db()
    assert other_audit.nonce == "page nonce" and other_audit.earlier_draws == []


def test_the_audit_admin_keeps_the_earlier_draw_with_its_discrepancies(world, auditor, organiser):
    # Arrange: a discrepancy in the first draw, then a change and a redraw
    audit = drawn(world, auditor, nonce=NONCE)
    check_everything(world, auditor, audit, outcome="discrepancy", note="Date d'appel erronée")
    result_exclude(result=an_undrawn_test(audit), user=organiser, reason="Hors scénario")
    services.audit_redraw(edition=world.edition, user=auditor, nonce="tirage 2")

    # Act
    page = session_client(organiser).get(f"/admin/palmares/audit/{audit.pk}/change/")

    # Assert
    body = page.content.decode()
    assert page.status_code == 200
    assert NONCE in body and "tirage 2" in body
    assert "Date d&#x27;appel erronée" in body
    assert "Nothing changed: the audit covers the current tests." in body


# -- where the audit stands, when publication waits for it ---------------------------------------------------
def test_the_refusal_says_where_the_required_audit_stands(world, auditor):
    # Arrange
    world.edition.audit_required = True
    world.edition.auditor = None
    world.edition.save()
    refusals = []

    def refusal() -> str:
        with translation.override("en"), pytest.raises(PublicationError) as refused:
            edition_publish(edition=world.edition)
        return str(refused.value)

    # Act
    refusals.append(refusal())
    world.edition.auditor = auditor
    world.edition.save()
    refusals.append(refusal())
    audit = drawn(world, auditor, nonce=NONCE)
    check = audit.checks.select_related("result__agency").first()
    services.audit_record_checks(
        edition=world.edition,
        user=auditor,
        checks=[services.CheckInput(check.result.agency.slug, check.result.external_id, "verified", "")],
    )
    refusals.append(refusal())

    # Assert
    assert all("requires an audit" in text for text in refusals)
    assert refusals[0].endswith("No auditor is named yet: name one in the edition's form.")
    assert refusals[1].endswith("The auditor has not drawn the sample yet.")
    assert "Sample drawn on " in refusals[2]
    assert refusals[2].endswith(": 1 of 4 drawn tests checked, not signed off yet.")
    assert not Publication.objects.exists()


def test_the_palmares_names_who_signed_even_if_another_auditor_is_named_afterwards(world, auditor):
    # Arrange
    signed(world, auditor)
    auditor.first_name, auditor.last_name = "Jeanne", "Martin"
    auditor.save()
    world.edition.auditor = factories.UserFactory(username="remplacant")
    world.edition.auditor_name = "Maître Paul Remplaçant"
    world.edition.save()

    # Act
    publication = edition_publish(edition=world.edition)

    # Assert
    assert publication.snapshot["palmares"]["audit"]["auditor"] == "Jeanne Martin"
