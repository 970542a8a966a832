"""Appeal services: the window, who may file, evidence checks, preview, decisions, e-mails."""

import datetime as dt
import pathlib
import re

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from mystery_tests.models import ResultEvent
from palmares.appeals import services as appeals
from palmares.appeals.services import (
    AppealConflict,
    AppealInvalid,
    AppealNotAllowed,
    AppealWindowClosed,
    appeal_accept,
    appeal_agency_answer,
    appeal_file,
    appeal_preview,
    appeal_reject,
    appeals_accept,
)
from palmares.models import Appeal
from scoring.models import EntryScore
from tests.support import factories
from tests.support.appeals import PDF_BYTES, PNG_BYTES, build_world

pytestmark = pytest.mark.usefixtures("in_english")


def _file(world, **kwargs) -> Appeal:
    kwargs.setdefault("reason", "Called on a Sunday, outside our opening hours.")
    return appeal_file(result=world.appealed, user=world.member_a, **kwargs)


# -- the window ---------------------------------------------------------------------------------


def test_appeal_file_within_window_creates_open_appeal(world):
    appeal = _file(world)

    stored = Appeal.objects.get()
    assert (stored.pk, stored.result_id, stored.entry_id) == (appeal.pk, world.appealed.pk, world.azur.pk)
    assert (stored.status, stored.filed_by, stored.reason) == (
        "open",
        world.member_a,
        "Called on a Sunday, outside our opening hours.",
    )


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        (
            "results_released_at",
            lambda now: now + dt.timedelta(days=2),
            r"Appeals open when the results are released to brands \(.*",
        ),
        (
            "results_released_at",
            lambda now: None,
            re.escape("Appeals open when the results are released to brands, which has not been scheduled yet."),
        ),
        ("appeals_close_at", lambda now: now - dt.timedelta(minutes=1), r"Appeals are closed \(the deadline was .*"),
        ("frozen_at", lambda now: now, re.escape("The results of this edition are frozen: appeals are closed.")),
        ("appeals_close_at", lambda now: None, re.escape("No appeal period has been set for this edition.")),
    ],
    ids=["before-release", "release-not-scheduled", "after-close", "after-freeze", "without-closing-date"],
)
def test_appeal_file_outside_the_window_refused(world, field, value, message):
    setattr(world.edition, field, value(timezone.now()))
    world.edition.save()

    with pytest.raises(AppealWindowClosed) as refused:
        _file(world)

    assert re.fullmatch(message, refused.value.message, flags=re.S)
    assert Appeal.objects.count() == 0


# -- who, what ----------------------------------------------------------------------------------


def test_appeal_file_by_other_brand_member_refused(world):
    with pytest.raises(AppealNotAllowed):
        appeal_file(result=world.appealed, user=world.member_b, reason="Not ours, but let us try.")

    assert Appeal.objects.count() == 0


def test_appeal_file_second_open_appeal_on_same_test_refused(world):
    _file(world)

    with pytest.raises(AppealConflict) as refused:
        appeal_file(result=world.appealed, user=world.member_a2, reason="Again.")

    assert refused.value.message == "An appeal on this test is already open."
    assert Appeal.objects.count() == 1


def test_appeal_file_after_rejection_may_appeal_again(world, organiser):
    first = _file(world)
    appeal_reject(appeal=first, user=organiser, answer="The call was within opening hours.")

    second = _file(world, reason="New evidence: the opening hours page.")

    assert Appeal.objects.filter(status="open").get() == second


@pytest.mark.parametrize(
    ("target", "field", "value", "message"),
    [
        ("appealed", "excluded", True, "This test is already excluded: it does not count in the scores."),
        ("azur", "status", "withdrawn", "This entry no longer competes: its tests cannot be appealed."),
    ],
    ids=["excluded-test", "withdrawn-entry"],
)
def test_appeal_file_on_a_test_that_no_longer_counts_refused(world, target, field, value, message):
    setattr(getattr(world, target), field, value)
    getattr(world, target).save()

    with pytest.raises(AppealConflict) as refused:
        _file(world)

    assert refused.value.message == message
    assert Appeal.objects.count() == 0


def test_appeal_file_blank_reason_refused(world):
    with pytest.raises(AppealInvalid) as refused:
        _file(world, reason="   ")

    assert (refused.value.field, refused.value.message) == ("reason", "Say why this test should not count.")


# -- evidence -----------------------------------------------------------------------------------


def _stored_files(settings) -> list[pathlib.Path]:
    root = pathlib.Path(settings.MEDIA_ROOT)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def test_appeal_file_pdf_evidence_stored_under_random_name(world, settings):
    evidence = SimpleUploadedFile("Relevé d'appels Jean Dupont.pdf", PDF_BYTES, content_type="application/pdf")

    appeal = _file(world, attachment=evidence)

    name = pathlib.Path(appeal.attachment.name)
    assert (name.parent.as_posix(), name.suffix, len(name.stem)) == ("appeals", ".pdf", 32)
    assert appeal.attachment.read() == PDF_BYTES


def test_appeal_file_png_evidence_accepted(world):
    appeal = _file(world, attachment=SimpleUploadedFile("capture.PNG", PNG_BYTES, content_type="image/png"))

    assert pathlib.Path(appeal.attachment.name).suffix == ".png"


def test_appeal_file_text_evidence_accepted(world):
    text = "Ticket 4512 — réponse envoyée le 12/05 à 10:02".encode()

    appeal = _file(world, attachment=SimpleUploadedFile("ticket.txt", text, content_type="text/plain"))

    assert appeal.attachment.read() == text


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("proof.pdf", b"MZ\x90\x00 not a pdf", "The content of “proof.pdf” is not a PDF file."),
        ("script.exe", b"MZ\x90\x00", "Evidence must be a file of one of these types: JPEG, JPG, PDF, PNG, TXT, WEBP."),
        ("notes.txt", b"\x00\x01\x02binary", "The content of “notes.txt” is not a TXT file."),
        ("empty.pdf", b"", "The evidence file is empty."),
    ],
)
def test_appeal_file_bad_evidence_refused_nothing_stored(world, settings, name, content, message):
    with pytest.raises(AppealInvalid) as refused:
        _file(world, attachment=SimpleUploadedFile(name, content, content_type="application/pdf"))

    assert (refused.value.field, refused.value.message) == ("attachment", message)
    assert (Appeal.objects.count(), _stored_files(settings)) == (0, [])


def test_appeal_file_evidence_over_limit_refused(world, settings, monkeypatch):
    monkeypatch.setattr(appeals, "ATTACHMENT_MAX_BYTES", 1024 * 1024)
    big = SimpleUploadedFile("big.pdf", PDF_BYTES + b"0" * (2 * 1024 * 1024), content_type="application/pdf")

    with pytest.raises(AppealInvalid) as refused:
        _file(world, attachment=big)

    assert refused.value.message == "The evidence file is 2.0 MB; the limit is 1 MB."
    assert (Appeal.objects.count(), _stored_files(settings)) == (0, [])


def test_appeal_file_conflict_discards_evidence_file(world, settings):
    _file(world)

    with pytest.raises(AppealConflict):
        _file(world, attachment=SimpleUploadedFile("p.pdf", PDF_BYTES))

    assert _stored_files(settings) == []


# -- preview ------------------------------------------------------------------------------------


def test_appeal_preview_shows_hand_computed_impact(world):
    appeal = _file(world)

    preview = appeal_preview(appeal=appeal)

    assert preview["counted"] is True
    assert preview["before_source"] == "stored"
    assert preview["entry"]["before"] == {
        "rank": 2,
        "overall": 10.0,
        "moe": pytest.approx(9.8),
        "complete": True,
        "laureate": False,
    }
    assert (preview["entry"]["after"]["rank"], preview["entry"]["after"]["overall"]) == (1, 15.0)
    assert preview["entry"]["after"]["laureate"] is True
    assert preview["score_change"] == 5.0
    assert [x["brand"]["slug"] for x in preview["laureates_before"]] == ["beryl"]
    assert [x["brand"]["slug"] for x in preview["laureates_after"]] == ["azur"]
    assert preview["laureate_changes"] is True
    assert [(r["brand"]["slug"], r["before"]["rank"], r["after"]["rank"]) for r in preview["entries"]] == [
        ("azur", 2, 1),
        ("beryl", 1, 2),
        ("corail", 3, 3),
    ]


def test_appeal_preview_writes_nothing(world):
    appeal = _file(world)

    with CaptureQueriesContext(connection) as queries:
        appeal_preview(appeal=appeal)

    writes = [q["sql"] for q in queries if q["sql"].split()[0].upper() in ("INSERT", "UPDATE", "DELETE")]
    assert writes == []
    assert world.appealed.__class__.objects.get(pk=world.appealed.pk).excluded is False


def test_appeal_preview_while_stale_computes_before_from_current_data(db):
    world = build_world(recompute=False)
    appeal = _file(world)

    preview = appeal_preview(appeal=appeal)

    assert preview["before_source"] == "computed"
    assert (preview["entry"]["before"]["overall"], preview["entry"]["after"]["overall"]) == (10.0, 15.0)


# -- decisions ------------------------------------------------------------------------------------


def _stored_ranking(category) -> list[tuple]:
    return list(
        EntryScore.objects.filter(category=category)
        .order_by("entry__brand__slug")
        .values_list("entry__brand__slug", "rank", "overall", "laureate")
    )


def test_appeal_accept_excludes_test_and_recomputes_to_previewed_figures(
    world, organiser, django_capture_on_commit_callbacks
):
    appeal = _file(world)
    preview = appeal_preview(appeal=appeal)

    with django_capture_on_commit_callbacks(execute=True):
        decided = appeal_accept(appeal=appeal, user=organiser, answer="Called outside opening hours: upheld.")

    world.appealed.refresh_from_db()
    assert (world.appealed.excluded, world.appealed.exclusion_reason, world.appealed.excluded_by) == (
        True,
        f"Appeal #{appeal.pk}: Called outside opening hours: upheld.",
        organiser,
    )
    event = ResultEvent.objects.get(result=world.appealed, kind="excluded")
    assert (event.user, event.reason) == (organiser, f"Appeal #{appeal.pk}: Called outside opening hours: upheld.")
    assert (decided.status, decided.decided_by, decided.answer) == (
        "accepted",
        organiser,
        "Called outside opening hours: upheld.",
    )
    assert decided.decided_at is not None
    expected = sorted(
        (r["brand"]["slug"], r["after"]["rank"], r["after"]["overall"], r["after"]["laureate"])
        for r in preview["entries"]
    )
    assert _stored_ranking(world.category) == expected
    assert _stored_ranking(world.category) == [
        ("azur", 1, 15.0, True),
        ("beryl", 2, 12.5, False),
        ("corail", 3, 9.0, False),
    ]


def test_appeal_reject_changes_nothing_but_the_appeal(world, organiser, django_capture_on_commit_callbacks):
    appeal = _file(world)
    before = _stored_ranking(world.category)

    with django_capture_on_commit_callbacks(execute=True):
        decided = appeal_reject(appeal=appeal, user=organiser, answer="The call was at 10:00 on a weekday.")

    world.appealed.refresh_from_db()
    assert world.appealed.excluded is False
    assert ResultEvent.objects.filter(result=world.appealed, kind="excluded").count() == 0
    assert _stored_ranking(world.category) == before
    assert (decided.status, decided.decided_by, decided.answer) == (
        "rejected",
        organiser,
        "The call was at 10:00 on a weekday.",
    )


def test_appeal_accept_twice_refused(world, organiser):
    appeal = _file(world)
    appeal_reject(appeal=appeal, user=organiser, answer="No.")

    with pytest.raises(AppealConflict) as refused:
        appeal_accept(appeal=appeal, user=organiser, answer="Yes after all.")

    assert refused.value.message == f"Appeal #{appeal.pk} has already been decided (Rejected)."
    world.appealed.refresh_from_db()
    assert world.appealed.excluded is False


def test_appeal_accept_after_freeze_refused(world, organiser):
    appeal = _file(world)
    world.edition.frozen_at = timezone.now()
    world.edition.save()

    with pytest.raises(AppealWindowClosed):
        appeal_accept(appeal=appeal, user=organiser, answer="Upheld.")

    appeal.refresh_from_db()
    world.appealed.refresh_from_db()
    assert (appeal.status, world.appealed.excluded) == ("open", False)


def test_appeal_accept_blank_answer_refused(world, organiser):
    appeal = _file(world)

    with pytest.raises(AppealInvalid) as refused:
        appeal_accept(appeal=appeal, user=organiser, answer=" ")

    assert refused.value.field == "answer"
    appeal.refresh_from_db()
    assert appeal.status == "open"


@pytest.mark.parametrize(
    ("act", "user", "answer"),
    [(appeal_accept, "member_a", "We accept our own appeal."), (appeal_agency_answer, "agent_b", "Not our test.")],
    ids=["brand-member-decides", "other-agency-answers"],
)
def test_appeal_decision_or_agency_answer_without_the_role_refused(world, act, user, answer):
    appeal = _file(world)

    with pytest.raises(AppealNotAllowed):
        act(appeal=appeal, user=getattr(world, user), answer=answer)

    appeal.refresh_from_db()
    assert (appeal.status, appeal.agency_answer) == ("open", "")


def test_appeal_accept_already_excluded_test_only_records_decision(world, organiser):
    appeal = _file(world)
    world.appealed.__class__.objects.filter(pk=world.appealed.pk).update(excluded=True, exclusion_reason="Review")

    decided = appeal_accept(appeal=appeal, user=organiser, answer="Already excluded in review.")

    world.appealed.refresh_from_db()
    assert (decided.status, world.appealed.exclusion_reason) == ("accepted", "Review")


def test_appeals_accept_bulk_is_all_or_nothing(world, organiser):
    first = _file(world)
    second = appeal_file(result=world.results["azur-0"], user=world.member_a, reason="Wrong brand called.")
    appeal_reject(appeal=second, user=organiser, answer="No.")

    with pytest.raises(AppealConflict):
        appeals_accept(appeals=[first, second], user=organiser, answer="Upheld.")

    first.refresh_from_db()
    world.appealed.refresh_from_db()
    assert (first.status, world.appealed.excluded) == ("open", False)


def test_appeals_accept_bulk_decides_each(world, organiser):
    first = _file(world)
    other = appeal_file(result=world.results["beryl-1"], user=world.member_b, reason="Network outage.")

    decided = appeals_accept(appeals=[first, other], user=organiser, answer="Upheld for both.")

    assert sorted((a.pk, a.status) for a in decided) == sorted([(first.pk, "accepted"), (other.pk, "accepted")])
    assert set(world.appealed.__class__.objects.filter(excluded=True).values_list("external_id", flat=True)) == {
        "T-azur-1",
        "T-beryl-1",
    }


# -- the agency ------------------------------------------------------------------------------------


def test_appeal_agency_answer_recorded(world):
    appeal = _file(world)

    answered = appeal_agency_answer(appeal=appeal, user=world.agent_a, answer="Called at 10:02, recording kept.")

    answered.refresh_from_db()
    assert answered.agency_answer == "Called at 10:02, recording kept."
    assert answered.agency_answered_at is not None
    assert answered.agency_answered_by == world.agent_a


def test_appeal_agency_answer_after_decision_refused(world, organiser):
    appeal = _file(world)
    appeal_reject(appeal=appeal, user=organiser, answer="No.")

    with pytest.raises(AppealConflict):
        appeal_agency_answer(appeal=appeal, user=world.agent_a, answer="Late.")


# -- e-mails ---------------------------------------------------------------------------------------


def test_appeal_file_emails_brand_members_and_agency_on_commit(world, django_capture_on_commit_callbacks):
    world.edition.language = "en"
    world.edition.save()

    with django_capture_on_commit_callbacks(execute=True):
        appeal = _file(world)

    assert sorted(m.to[0] for m in mail.outbox) == [
        "agent@terrain.example",
        "contact@terrain.example",
        "cx@azur.example",
        "dir@azur.example",
    ]
    assert all(len(m.to) == 1 for m in mail.outbox)
    brand_mail = next(m for m in mail.outbox if m.to == ["dir@azur.example"])
    assert brand_mail.subject == f"Appeal #{appeal.pk} filed — Azur"
    assert "Called on a Sunday, outside our opening hours." in brand_mail.body
    assert "T-azur-1" in brand_mail.body


def test_appeal_file_sends_nothing_before_commit(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        _file(world)

    assert (len(callbacks), mail.outbox) == (1, [])


def test_appeal_decision_emails_brand_and_agency_with_answer(world, organiser, django_capture_on_commit_callbacks):
    appeal = _file(world)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        appeal_accept(appeal=appeal, user=organiser, answer="Upheld: outside opening hours.")

    assert sorted(m.to[0] for m in mail.outbox) == [
        "agent@terrain.example",
        "contact@terrain.example",
        "cx@azur.example",
        "dir@azur.example",
    ]
    assert all("Upheld: outside opening hours." in m.body for m in mail.outbox)


def test_appeal_failed_decision_sends_nothing(world, organiser, django_capture_on_commit_callbacks):
    appeal = _file(world)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(AppealInvalid):
        appeal_reject(appeal=appeal, user=organiser, answer="")

    assert mail.outbox == []


def test_appeal_notification_skips_inactive_and_addressless_members(world, django_capture_on_commit_callbacks):
    world.member_a2.is_active = False
    world.member_a2.save()
    factories.BrandMembershipFactory(user=factories.UserFactory(username="sans-mail", email=""), brand=world.azur.brand)

    with django_capture_on_commit_callbacks(execute=True):
        _file(world)

    assert sorted(m.to[0] for m in mail.outbox if "azur" in m.to[0]) == ["dir@azur.example"]


def test_appeal_file_emails_in_the_editions_language(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        appeal = _file(world)

    brand_mail = next(m for m in mail.outbox if m.to == ["dir@azur.example"])
    assert brand_mail.subject == f"Recours n° {appeal.pk} déposé — Azur"
    assert brand_mail.body.startswith(f"Votre recours n° {appeal.pk} est déposé.")
