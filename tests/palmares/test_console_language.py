"""The organiser console speaks the reader's language (issue 18): on the dashboard, the changelists and
the change forms of the main models, the French screens show no code, English word, ISO date or
decimal point, and the English ones no French — scanned on the demo season (2026 published, 2027 open).
"""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from demo import services as demo
from election.models import Brand, Category, Edition, Entry
from mystery_tests.grid import DEFAULT_GRID
from mystery_tests.models import Campaign, TestResult
from palmares.models import Appeal, Certificate, Publication
from scoring.models import CategoryRanking

pytestmark = pytest.mark.django_db

MODELS = {
    "election/edition": Edition,
    "election/category": Category,
    "election/brand": Brand,
    "election/entry": Entry,
    "mystery_tests/campaign": Campaign,
    "mystery_tests/testresult": TestResult,
    "scoring/categoryranking": CategoryRanking,
    "palmares/appeal": Appeal,
    "palmares/publication": Publication,
    "palmares/certificate": Certificate,
}
# "web" alone is also French ("Site web"): its lower-case code is left out.
CHANNEL_CODES = ["phone", "email", "chat", "social", "PHONE", "EMAIL", "WEB", "CHAT", "SOCIAL"]
CRITERION_CODES = sorted({row[0] for rows in DEFAULT_GRID.values() for row in rows if "_" in row[0]})
# Codes and formats that must never reach a reader, in either language.
EVERYWHERE = [
    *(rf"(?<![\w./@-]){code}(?![\w./@-])" for code in CHANNEL_CODES + CRITERION_CODES),
    r"\bcreated\b",
    r"(?<!\w )\bversion: \d",  # a raw dump, not a label such as "Inputs version: 2"
    r"\b\d{4}-\d{2}-\d{2}\b",  # ISO dates
    r"\d[.,]\d{4,}",  # unrounded values
]
FRENCH_ONLY = [r"\b\d+\.\d+\b", r"\bde [ÉéÈèAaEeIiOoUu]\w+"]  # decimal points; a missing elision
ENGLISH_ONLY = [r"\b\d+,\d+\b", r"\b(Téléphone|Réseaux sociaux|Créé|Modifié|Catégorie|Édition)\b"]


@pytest.fixture
def season(db):
    """The demo at a tenth of its quotas; its organiser."""
    demo.seed(scale=0.1, say=lambda _text: None)
    return get_user_model().objects.get(username=demo.ORGANISER["username"])


def _words(html: str) -> str:
    """What a person reads: the text without scripts, styles, tags, attribute values and URLs."""
    html = re.sub(r"<(script|style|template)\b.*?</\1>", " ", html, flags=re.S)
    html = re.sub(r"<[^>]+>", " ", html)
    return re.sub(r"\s+", " ", html)


def admin_pages() -> list[str]:
    """The admin's home, and the list and the last object's change page of every model in MODELS."""
    pages = ["/admin/"]
    for path, model in MODELS.items():
        pages.append(f"/admin/{path}/")
        obj = model.objects.order_by("-pk").first()
        if obj is not None:
            pages.append(f"/admin/{path}/{obj.pk}/change/")
    return pages


def _problems(client: Client, language: str, patterns: list[str]) -> dict[str, list[str]]:
    found = {}
    for url in admin_pages():
        response = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
        assert response.status_code == 200, url
        text = _words(response.content.decode())
        hits = sorted({m.group(0) for p in patterns for m in re.finditer(p, text)})
        if hits:
            found[url] = hits
    return found


def test_console_french_screens_show_no_code_english_or_raw_number(season):
    client = Client()
    client.force_login(season)

    assert _problems(client, "fr", EVERYWHERE + FRENCH_ONLY) == {}


def test_console_english_screens_show_no_code_or_french(season):
    client = Client()
    client.force_login(season)

    assert _problems(client, "en", EVERYWHERE + ENGLISH_ONLY) == {}
