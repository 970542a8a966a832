"""The scorecard PDF is cached per language: French and English each keep their own file."""

import io

import pytest
from django.test import Client
from pypdf import PdfReader

from mystery_tests.models import Criterion
from palmares.models import ScorecardReport
from tests.support.world import small_world

pytestmark = pytest.mark.django_db


def _download(user, entry, language: str) -> bytes:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    response = client.get(f"/portal/scorecards/{entry.pk}/report.pdf")
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def _text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_report_switching_language_keeps_both_files_cached():
    world = small_world()
    _download(world.member_a, world.a, "fr")
    french = ScorecardReport.objects.get(entry=world.a, language="fr")
    french_state = (french.file.name, french.generated_at)

    english_pdf = _download(world.member_a, world.a, "en")
    french_again_pdf = _download(world.member_a, world.a, "fr")

    english = ScorecardReport.objects.get(entry=world.a, language="en")
    french.refresh_from_db()
    assert (french.file.name, french.generated_at) == french_state
    assert english.file.name != french.file.name
    assert english.file.storage.exists(english.file.name)
    assert french.file.storage.exists(french.file.name)
    assert "Scores by channel" in _text(english_pdf)
    assert "Notes par canal" in _text(french_again_pdf)


def test_report_and_page_name_criteria_in_the_readers_language_with_fallback():
    world = small_world()
    Criterion.objects.filter(edition=world.edition, channel="phone", code="b").update(
        labels={"fr": "Écoute", "en": "Listening"}
    )
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(world.member_a)

    english_pdf = _text(_download(world.member_a, world.a, "en"))
    french_pdf = _text(_download(world.member_a, world.a, "fr"))
    english_page = client.get(f"/portal/scorecards/{world.a.pk}/").content.decode()

    # b has an English label; c (« Clôture ») has none and falls back to the edition's label.
    assert "Phone · Listening" in english_pdf and "Écoute" not in english_pdf
    assert "Téléphone · Écoute" in french_pdf and "Listening" not in french_pdf
    assert "Listening" in english_page and "Clôture" in english_page
