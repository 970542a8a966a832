"""The scorecard's PDF report: its facts, the cache (regenerate on change, never accumulate), the task."""

import io
from unittest import mock

import pytest
from django.test import Client
from pypdf import PdfReader

from mystery_tests.models import TestResult
from palmares.models import ScorecardReport
from palmares.portal.tasks import render_edition_reports, render_report
from scoring.services import recompute_categories
from tests.support.world import small_world

pytestmark = pytest.mark.django_db


def _pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return "\n".join(page.extract_text() for page in reader.pages)


def _download(user, entry) -> bytes:
    client = Client(HTTP_ACCEPT_LANGUAGE="fr")
    client.force_login(user)
    response = client.get(f"/portal/scorecards/{entry.pk}/report.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    return b"".join(response.streaming_content)


def test_report_pdf_states_the_scorecard_facts():
    world = small_world(published=True, min_entrants=1, entrants=4)

    text = _pdf_text(_download(world.member_a, world.a))

    # A (12.50, the only complete entry: laureate) is 3rd of 4 after D and B; average (see test_views).
    for fact in (
        "Azur",
        "Banque en ligne",
        "12,50",
        "± 7,54",
        "3e sur 4",
        "10,83",
        "Enregistrement inaudible",
        "−1,67",
    ):
        assert fact in text, fact


def test_report_pdf_before_publication_has_no_rank():
    world = small_world(released=True, published=False)

    text = _pdf_text(_download(world.member_a, world.a))

    assert "12,50" in text
    assert "2e sur 3" not in text


def test_report_cached_until_data_changes_then_replaced(settings, django_capture_on_commit_callbacks):
    world = small_world()
    _download(world.member_a, world.a)
    first = ScorecardReport.objects.get(entry=world.a)
    first_name, first_at = first.file.name, first.generated_at

    _download(world.member_a, world.a)
    again = ScorecardReport.objects.get(entry=world.a)
    assert (again.file.name, again.generated_at) == (first_name, first_at)

    TestResult.objects.filter(entry=world.a, excluded=True).update(excluded=False)
    recompute_categories(category_ids=[world.category.id])
    with django_capture_on_commit_callbacks(execute=True):
        _download(world.member_a, world.a)

    changed = ScorecardReport.objects.get(entry=world.a)
    assert changed.file.name != first_name
    reports_dir = settings.MEDIA_ROOT / "reports"
    assert sorted(p.name for p in reports_dir.iterdir()) == [changed.file.name.split("/")[-1]]


def test_render_report_task_writes_the_file():
    world = small_world()

    name = render_report.delay(world.a.pk, "en").get()

    report = ScorecardReport.objects.get(entry=world.a)
    assert name == report.file.name
    with report.file.open("rb") as fh:
        text = _pdf_text(fh.read())
    assert "12.50" in text


def test_render_edition_reports_task_renders_every_registered_entry():
    world = small_world()

    count = render_edition_reports.delay(world.edition.pk, "fr").get()

    assert count == 3
    assert set(ScorecardReport.objects.values_list("entry_id", flat=True)) == {world.a.pk, world.b.pk, world.c.pk}


def test_report_with_worker_not_ready_answers_being_prepared(settings, django_capture_on_commit_callbacks):
    world = small_world()
    settings.CELERY_TASK_ALWAYS_EAGER = False
    client = Client(HTTP_ACCEPT_LANGUAGE="fr")
    client.force_login(world.member_a)

    with mock.patch("palmares.portal.tasks.render_report.delay") as delay:
        with django_capture_on_commit_callbacks(execute=True):
            response = client.get(f"/portal/scorecards/{world.a.pk}/report.pdf")
        with django_capture_on_commit_callbacks(execute=True):
            client.get(f"/portal/scorecards/{world.a.pk}/report.pdf")

    assert response.status_code == 202
    assert '<meta http-equiv="refresh"' in response.content.decode()
    # Queued once for this data, however many times the page polls.
    delay.assert_called_once_with(world.a.pk, "fr")
