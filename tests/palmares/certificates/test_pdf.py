"""The certificate PDF: printed facts, QR code, regeneration replacing the file."""

import datetime as dt
from pathlib import Path

import pytest
import zxingcpp
from pypdf import PdfReader

from palmares.certificates.services import (
    CODE_ALPHABET,
    certificate_render,
    certificates_issue,
    display_score,
    new_code,
    normalize_code,
)
from palmares.models import Certificate
from tests.support import factories
from tests.support.browser import ARTIFACTS
from tests.support.certificates import make_publication, pdf_page_image


@pytest.fixture
def laureate(db, settings):
    settings.SITE_URL = "https://awards.example.org"
    edition = factories.EditionFactory(country="FR", year=2031, name="Élu Service Client de l'Année 2031")
    category = factories.CategoryFactory(edition=edition, slug="banque-en-ligne", name="Banque en ligne")
    entry = factories.EntryFactory(category=category, brand=factories.BrandFactory(slug="azur", name="Banque Azur"))
    return entry


@pytest.fixture
def issued(django_capture_on_commit_callbacks):
    """Issue the entry's certificate; its PDF is rendered by the task queued on commit."""

    def issue(entry, overall=14.455, **kwargs):
        publication = make_publication(entry.category.edition, [(entry, overall)], **kwargs)
        with django_capture_on_commit_callbacks(execute=True):
            certificates_issue(publication=publication)
        return Certificate.objects.get(publication=publication, entry=entry)

    return issue


def pdf_text(certificate) -> str:
    reader = PdfReader(certificate.file.path)
    return " ".join((page.extract_text() or "") for page in reader.pages)


def test_certificate_pdf_prints_the_facts(laureate, issued):
    certificate = issued(laureate, overall=14.455, goes_live_at=dt.datetime(2031, 3, 12, 18, 0, tzinfo=dt.UTC))

    text = " ".join(pdf_text(certificate).split())

    assert len(PdfReader(certificate.file.path).pages) == 1
    assert "Élu Service Client de l'Année 2031" in text
    assert "Banque Azur" in text
    assert "Banque en ligne" in text
    assert "14,46 / 20" in text  # French edition: decimal comma, rounded half up
    assert "12 mars 2031" in text
    assert "12 mars 2032" in text
    assert f"awards.example.org/verify/{certificate.code}/" in text.replace(" ", "")
    assert certificate.code in text


def test_certificate_pdf_english_edition_prints_english(laureate, issued):
    edition = laureate.category.edition
    edition.language = "en"
    edition.save(update_fields=["language"])
    certificate = issued(laureate, overall=13.0, goes_live_at=dt.datetime(2031, 3, 12, 18, 0, tzinfo=dt.UTC))

    text = " ".join(pdf_text(certificate).split())

    assert "13.00 / 20" in text
    assert "12 March 2032" in text
    assert "This certificate attests that" in text


def test_certificate_qr_decodes_to_verify_address(laureate, issued, tmp_path):
    certificate = issued(laureate)

    image = pdf_page_image(Path(certificate.file.path), tmp_path / "page", dpi=150)
    codes = zxingcpp.read_barcodes(image)
    ARTIFACTS.mkdir(exist_ok=True)
    image.save(ARTIFACTS / "certificate-page-1.png")  # the first page as printed, for a human look

    assert [c.text for c in codes if c.format == zxingcpp.BarcodeFormat.QRCode] == [
        f"https://awards.example.org/verify/{certificate.code}/"
    ]


def test_certificate_page_is_a4_landscape(laureate, issued):
    certificate = issued(laureate)

    box = PdfReader(certificate.file.path).pages[0].mediabox

    assert (round(float(box.width) / 72 * 25.4), round(float(box.height) / 72 * 25.4)) == (297, 210)


def test_certificate_render_unchanged_facts_keeps_file(laureate, issued):
    certificate = issued(laureate)
    before = (certificate.file.name, certificate.generated_at)

    rendered = certificate_render(certificate=certificate)
    certificate.refresh_from_db()

    assert rendered is False
    assert (certificate.file.name, certificate.generated_at) == before


def test_certificate_render_changed_facts_replaces_file(laureate, issued, settings, django_capture_on_commit_callbacks):
    certificate = issued(laureate)
    old_path = Path(certificate.file.path)
    laureate.brand.name = "Banque Azur & Cie"
    laureate.brand.save(update_fields=["name"])

    with django_capture_on_commit_callbacks(execute=True):
        rendered = certificate_render(certificate=certificate)
    certificate.refresh_from_db()

    files = sorted(p.name for p in (Path(settings.MEDIA_ROOT) / "certificates").iterdir())
    assert rendered is True
    assert files == [Path(certificate.file.name).name]
    assert not old_path.exists()
    assert "Banque Azur & Cie" in pdf_text(certificate)


def test_certificate_render_missing_file_regenerates(laureate, issued):
    certificate = issued(laureate)
    Path(certificate.file.path).unlink()

    rendered = certificate_render(certificate=certificate)
    certificate.refresh_from_db()

    assert rendered is True
    assert Path(certificate.file.path).exists()


def test_certificate_render_forced_keeps_one_file(laureate, issued, settings, django_capture_on_commit_callbacks):
    certificate = issued(laureate)

    for _ in range(3):
        with django_capture_on_commit_callbacks(execute=True):
            certificate_render(certificate=certificate, force=True)

    assert len(list((Path(settings.MEDIA_ROOT) / "certificates").iterdir())) == 1


def test_code_new_is_long_unambiguous_and_unique():
    codes = {new_code() for _ in range(2000)}

    assert len(codes) == 2000
    assert all(len(c) == 17 and set(c.replace("-", "")) <= set(CODE_ALPHABET) for c in codes)
    assert not set("01ILO") & set(CODE_ALPHABET)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("k7qf2-mxa9h-td3wr", "K7QF2-MXA9H-TD3WR"),
        (" K7QF2 MXA9H TD3WR ", "K7QF2-MXA9H-TD3WR"),
        ("K7QF2MXA9HTD3WR", "K7QF2-MXA9H-TD3WR"),
        ("K7QF2-MXA9H-TD3W", None),
        ("K7QF2-MXA9H-TD3W0", None),
        ("../../etc/passwd", None),
    ],
)
def test_code_normalize_typed_forms(raw, expected):
    assert normalize_code(raw) == expected


@pytest.mark.parametrize(
    ("value", "expected"), [(14.455, "14.46"), (14.454999, "14.45"), (12.0, "12.00"), (19.995, "20.00")]
)
def test_display_score_rounds_half_up(value, expected):
    assert str(display_score(value)) == expected
