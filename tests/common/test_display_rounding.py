"""METHODOLOGY §10: one display of a score everywhere — the §7 value (9 decimals) rounded half up
to 2 decimals, localised: 14.454999999999998 (14.455 with float noise) shows as 14,46 / 14.46."""

import io
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import translation
from pypdf import PdfReader

from common.display import display_score, format_score
from mystery_tests.models import TestResult
from palmares.certificates.services import certificates_issue, palmares_category_path
from palmares.models import Certificate
from palmares.portal.scorecard import scorecard_for
from palmares.portal.services import report_pdf
from scoring.models import EntryScore
from tests.support.certificates import make_publication
from tests.support.world import small_world

pytestmark = pytest.mark.django_db

NOISY = 14.454999999999998  # the float a computation of 14.455 may give


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (NOISY, "14.46"),
        (14.455, "14.46"),
        (14.454999, "14.45"),  # a real 14.454999 stays below the half
        (2.675, "2.68"),
        (19.995, "20.00"),
        (12, "12.00"),
        (Decimal("0.125"), "0.13"),
        ("13.335", "13.34"),
    ],
)
def test_display_score_nine_decimals_then_half_up(value, expected):
    assert str(display_score(value)) == expected


@pytest.mark.parametrize("value", [None, "", float("nan"), float("inf"), "abc"])
def test_display_score_no_value_is_none_and_empty_text(value):
    assert (display_score(value), format_score(value), format_score(value, empty="–")) == (None, "", "–")


def test_format_score_localised_comma_in_french_point_in_english():
    with translation.override("fr"):
        french = (format_score(NOISY), format_score(-0.001), format_score(-1.2))
    with translation.override("en"):
        english = format_score(NOISY)

    assert french == ("14,46", "0,00", "-1,20")
    assert english == "14.46"


def _fr_client(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="fr")
    client.force_login(user)
    return client


def test_noisy_score_shows_14_46_on_pages_pdfs_and_admin(settings, admin_user, django_capture_on_commit_callbacks):
    settings.SITE_URL = "https://awards.example.org"
    world = small_world()
    EntryScore.objects.filter(entry=world.a).update(overall=NOISY)
    TestResult.objects.filter(entry=world.a, channel="email").update(score=NOISY)
    edition = world.edition

    # The brand's scorecard page and its PDF report.
    page = _fr_client(world.member_a).get(f"/portal/scorecards/{world.a.pk}/").content.decode()
    pdf = PdfReader(io.BytesIO(report_pdf(card=scorecard_for(entry=world.a), language="fr")))
    pdf_text = " ".join(p.extract_text() for p in pdf.pages)
    # Organisers' admin: the category's ranking and the test results.
    admin = _fr_client(admin_user)
    ranking = admin.get(f"/admin/scoring/categoryranking/category/{world.category.pk}/").content.decode()
    results = admin.get("/admin/mystery_tests/testresult/").content.decode()
    # Publication: the certificate (PDF, verification page, admin list) and the public category page.
    publication = make_publication(edition, [(world.a, NOISY)])
    with django_capture_on_commit_callbacks(execute=True):
        certificates_issue(publication=publication)
    certificate = Certificate.objects.get(publication=publication, entry=world.a)
    certificate_text = " ".join(p.extract_text() for p in PdfReader(certificate.file.path).pages)
    verify = Client(HTTP_ACCEPT_LANGUAGE="fr").get(f"/verify/{certificate.code}/").content.decode()
    certificates_admin = admin.get("/admin/palmares/certificate/").content.decode()
    public = (
        Client(HTTP_ACCEPT_LANGUAGE="fr")
        .get(palmares_category_path(country=edition.country, year=edition.year, slug=world.category.slug))
        .content.decode()
    )

    assert 'data-testid="overall">14,46' in page
    assert "14,46" in pdf_text
    assert "14,46" in ranking
    assert "14,46" in results
    assert "14,46 / 20" in " ".join(certificate_text.split())
    assert "14,46" in verify
    assert "14,46 / 20" in certificates_admin
    assert "14,46" in public
    for text in (page, pdf_text, ranking, results, certificate_text, verify, certificates_admin, public):
        assert "14,45" not in text
