"""An appeal end to end over HTTP: a member files it, the organiser previews and decides, the
category recomputes and the brand reads the new figures (or the same ones after a rejection)."""

import re

from django.core import mail
from django.test import Client

from palmares.models import Appeal
from scoring.models import EntryScore
from tests.conftest import session_client as _client


def _overall_shown(page: str) -> str:
    """The overall score of a scorecard page, as displayed."""
    return re.search(r'data-testid="overall">([^<]+)<', page).group(1)


def _file_over_http(world, member: Client) -> Appeal:
    response = member.post(f"/portal/appeals/new/{world.appealed.pk}/", {"reason": "Called on a Sunday."})
    assert response.status_code == 302
    return Appeal.objects.get()


def test_appeal_lifecycle_accept_brand_sees_recomputed_figures(world, organiser, django_capture_on_commit_callbacks):
    member = _client(world.member_a)
    staff = _client(organiser)
    scorecard = f"/portal/scorecards/{world.azur.pk}/"
    before_page = member.get(scorecard).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        appeal = _file_over_http(world, member)
    preview_page = staff.get(f"/admin/palmares/appeal/{appeal.pk}/change/").content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        staff.post(
            f"/admin/palmares/appeal/{appeal.pk}/decide/",
            {"decision": "accept", "answer": "Upheld: the call was outside opening hours."},
        )

    after_page = member.get(scorecard).content.decode()
    listing = member.get("/portal/appeals/").content.decode()
    stored = EntryScore.objects.get(entry=world.azur)
    assert "10.00 → <strong>15.00</strong>" in preview_page
    assert (stored.overall, stored.rank, stored.laureate) == (15.0, 1, True)
    assert (_overall_shown(before_page), _overall_shown(after_page)) == ("10.00", "15.00")
    assert f"Appeal #{appeal.pk}: Upheld: the call was outside opening hours." in after_page
    assert ("appeal-status-accepted" in listing, "Upheld: the call was outside opening hours." in listing) == (
        True,
        True,
    )
    # filing: 2 brand members + agency member + agency contact; deciding: the same four
    assert len(mail.outbox) == 8


def test_appeal_lifecycle_reject_changes_no_figure(world, organiser, django_capture_on_commit_callbacks):
    member = _client(world.member_a)
    staff = _client(organiser)
    before = list(EntryScore.objects.order_by("entry_id").values_list("entry_id", "overall", "rank", "laureate"))
    appeal = _file_over_http(world, member)

    with django_capture_on_commit_callbacks(execute=True):
        staff.post(f"/admin/palmares/appeal/{appeal.pk}/decide/", {"decision": "reject", "answer": "Within hours."})

    after = list(EntryScore.objects.order_by("entry_id").values_list("entry_id", "overall", "rank", "laureate"))
    listing = member.get("/portal/appeals/").content.decode()
    assert after == before
    assert ("appeal-status-rejected" in listing, "Within hours." in listing) == (True, True)
