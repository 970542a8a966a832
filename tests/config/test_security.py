"""Security checks: CSP and headers, CSRF on every form, XSS escaped on every page and in PDFs, CSV export
neutralising formulas, tokens never logged, admin for staff only, throttling with Retry-After."""

import csv
import io
import logging
import re
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from pypdf import PdfReader
from rest_framework.authtoken.models import Token

from election.models import Brand, Category
from mystery_tests import exports
from mystery_tests.models import TestResult
from palmares.certificates.services import certificates_issue
from palmares.models import Appeal, Certificate
from palmares.portal.scorecard import scorecard_for
from palmares.portal.services import report_pdf
from palmares.publication.services import edition_publish
from scoring.services import recompute_edition
from tests.conftest import session_client as client_for
from tests.support import factories
from tests.support.palmares import build_world

ROOT = Path(__file__).resolve().parents[2]
BRAND_XSS = '<script>alert("brand")</script>Azur'
CATEGORY_XSS = '<img src=x onerror=alert("cat")>Banque'
COMMENT_XSS = "<script>alert('comment')</script> =cmd|' /C calc'!A0"
RAW_MARKERS = ("<script>alert(", "<img src=x onerror")


@pytest.fixture
def xss(db, django_capture_on_commit_callbacks):
    """A published edition whose laureate brand, category and every comment carry HTML/formula payloads."""
    world = build_world(year=2031, names={"banque": (CATEGORY_XSS, [BRAND_XSS, "Bleu", "Cerise", "Dune"])})
    TestResult.objects.update(comment=COMMENT_XSS)
    recompute_edition(edition=world.edition)
    with django_capture_on_commit_callbacks(execute=True):
        publication = edition_publish(edition=world.edition)
    if not Certificate.objects.filter(publication=publication).exists():
        with django_capture_on_commit_callbacks(execute=True):
            certificates_issue(publication=publication)
    laureate = world.entries["banque"][0]
    member = factories.BrandMembershipFactory(brand=laureate.brand).user
    agent = factories.AgencyMembershipFactory(agency=world.agency).user
    organiser = factories.UserFactory(is_staff=True, is_superuser=True)
    return {
        "world": world,
        "laureate": laureate,
        "certificate": Certificate.objects.get(publication=publication, entry=laureate),
        "member": member,
        "agent": agent,
        "organiser": organiser,
    }


# -- headers -----------------------------------------------------------------------------------------
def test_security_headers_on_pages(db):
    # Act
    response = client_for().get("/accounts/login/")

    # Assert
    policy = dict(part.strip().split(" ", 1) for part in response["Content-Security-Policy"].split(";"))
    assert policy["default-src"] == "'self'"
    assert policy["script-src"] == "'self'"
    assert policy["object-src"] == "'none'"
    assert policy["frame-ancestors"] == "'none'"
    assert policy["form-action"] == "'self'"
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert "Strict-Transport-Security" not in response  # HSTS in production only (tests/config/test_deploy.py)


def test_security_no_inline_script_in_any_template():
    # Arrange
    templates = [p for p in ROOT.glob("**/templates/**/*.html") if ".venv" not in p.parts]

    # Act
    inline = [
        f"{p.relative_to(ROOT)}: {m.group(0)}"
        for p in templates
        for m in re.finditer(r"<script(?![^>]*\bsrc=)[^>]*>|\son[a-z]+\s*=", p.read_text())
    ]

    # Assert
    assert len(templates) > 40
    assert inline == []


def test_security_api_docs_load_their_script_from_a_file(db):
    # Act
    page = client_for().get("/api/v1/docs/").content.decode()

    # Assert
    scripts = re.findall(r"<script[^>]*>", page)
    assert scripts and all("src=" in tag for tag in scripts)


# -- CSRF --------------------------------------------------------------------------------------------
def _csrf_posts(xss) -> list[tuple[str, object, str, dict]]:
    world, laureate = xss["world"], xss["laureate"]
    result = TestResult.objects.filter(entry=laureate).first()
    appeal = Appeal.objects.create(entry=laureate, result=result, filed_by=xss["member"], reason="Hors horaires.")
    return [
        ("login", None, "/accounts/login/", {"username": "x", "password": "y"}),
        ("logout", xss["member"], "/accounts/logout/", {}),
        ("language", None, "/i18n/setlang/", {"language": "fr", "next": "/palmares/"}),
        ("upload", xss["agent"], f"/agency/campaigns/{world.campaign.pk}/", {"file": io.BytesIO(b"a;b\n")}),
        ("appeal", xss["member"], f"/portal/appeals/new/{result.pk}/", {"reason": "Hors horaires."}),
        ("answer", xss["agent"], f"/agency/appeals/{appeal.pk}/answer/", {f"a{appeal.pk}-agency_answer": "Non."}),
        (
            "admin-action",
            xss["organiser"],
            "/admin/mystery_tests/testresult/",
            {"action": "export_results_csv", "_selected_action": [result.pk]},
        ),
    ]


def test_security_every_form_refuses_a_post_without_csrf_token(xss):
    # Arrange
    posts = _csrf_posts(xss)

    # Act
    statuses = {
        name: client_for(user, enforce_csrf_checks=True).post(url, data).status_code for name, user, url, data in posts
    }

    # Assert
    assert statuses == {name: 403 for name, *_ in posts}


def test_security_csrf_token_lets_the_same_post_through(xss):
    # Arrange: the control — with the token, the admin action and the language switch work
    organiser = client_for(xss["organiser"], enforce_csrf_checks=True)
    organiser.get("/admin/mystery_tests/testresult/")
    result = TestResult.objects.first()

    # Act
    exported = organiser.post(
        "/admin/mystery_tests/testresult/",
        {
            "action": "export_results_csv",
            "_selected_action": [result.pk],
            "csrfmiddlewaretoken": organiser.cookies["csrftoken"].value,
        },
    )

    # Assert
    assert exported.status_code == 200
    assert exported["Content-Type"] == "text/csv; charset=utf-8"


# -- XSS ---------------------------------------------------------------------------------------------
def _pages(xss) -> list[tuple[object, str]]:
    world, laureate = xss["world"], xss["laureate"]
    return [
        (None, "/palmares/"),
        (None, "/palmares/fr/2031/"),
        (None, "/palmares/fr/2031/banque/"),
        (None, f"/palmares/brands/{laureate.brand.slug}/"),
        (None, f"/verify/{xss['certificate'].code}/"),
        (xss["member"], "/portal/"),
        (xss["member"], f"/portal/scorecards/{laureate.pk}/"),
        (xss["member"], "/portal/appeals/"),
        (xss["agent"], "/agency/"),
        (xss["agent"], f"/agency/campaigns/{world.campaign.pk}/"),
        (xss["organiser"], "/admin/mystery_tests/testresult/"),
        (
            xss["organiser"],
            f"/admin/mystery_tests/testresult/{TestResult.objects.filter(entry=laureate).first().pk}/change/",
        ),
        (xss["organiser"], "/admin/election/brand/"),
        (xss["organiser"], "/admin/election/category/"),
        (xss["organiser"], "/admin/election/entry/"),
        (xss["organiser"], "/admin/palmares/certificate/"),
        (xss["organiser"], "/admin/scoring/categoryranking/"),
    ]


def test_security_names_and_comments_are_escaped_on_every_page(xss):
    # Act
    pages = {url: client_for(user).get(url, follow=True) for user, url in _pages(xss)}

    # Assert
    assert {url: r.status_code for url, r in pages.items()} == dict.fromkeys(pages, 200)
    leaks = {url: m for url, r in pages.items() for m in RAW_MARKERS if m in r.content.decode()}
    assert leaks == {}
    shown = {url for url, r in pages.items() if "&lt;script&gt;alert(" in r.content.decode()}
    assert {"/palmares/fr/2031/", "/palmares/fr/2031/banque/", f"/verify/{xss['certificate'].code}/"} <= shown
    assert {"/portal/", f"/portal/scorecards/{xss['laureate'].pk}/", "/admin/election/brand/"} <= shown
    comment = "&lt;script&gt;alert(&#x27;comment&#x27;)&lt;/script&gt; =cmd|&#x27; /C calc&#x27;!A0"
    with_comment = {url for url, r in pages.items() if comment in r.content.decode()}
    assert {f"/portal/scorecards/{xss['laureate'].pk}/"} <= with_comment
    assert any(url.endswith("/change/") for url in with_comment)


def _pdf_text(data: bytes) -> str:
    return " ".join(" ".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages).split())


def test_security_certificate_pdf_prints_html_in_names_as_text(xss):
    # Act
    text = _pdf_text(Path(xss["certificate"].file.path).read_bytes())

    # Assert: printed as written (the layout may break a line after "</")
    compact = text.replace(" ", "")
    assert BRAND_XSS.replace(" ", "") in compact
    assert CATEGORY_XSS.replace(" ", "") in compact


def test_security_scorecard_pdf_prints_html_and_formulas_as_text(xss):
    # Act
    text = _pdf_text(report_pdf(card=scorecard_for(entry=xss["laureate"]), language="en"))

    # Assert
    assert BRAND_XSS in text
    assert CATEGORY_XSS in text


# -- CSV export ----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "exported"),
    [
        ("=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"),
        ("+SUM(1+1)", "'+SUM(1+1)"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t'=1"),  # the part after the tab is neutralised too (a spreadsheet may split on it)
        ("\r=1", "'\r'=1"),
        ("Conseillère aimable", "Conseillère aimable"),
        (12.5, 12.5),
    ],
)
def test_security_export_neutralises_formula_cells(value, exported):
    # Act / Assert
    assert exports.neutralise(value) == exported


def test_security_admin_export_csv_quotes_injected_cells(xss):
    # Arrange
    Brand.objects.filter(pk=xss["laureate"].brand_id).update(name='=HYPERLINK("http://evil")')
    Category.objects.filter(pk=xss["laureate"].category_id).update(name="@SUM(A1)")
    result = TestResult.objects.filter(entry=xss["laureate"]).order_by("pk").first()
    TestResult.objects.filter(pk=result.pk).update(external_id="-1+1", comment="+cmd|' /C calc'!A0")

    # Act
    response = client_for(xss["organiser"]).post(
        "/admin/mystery_tests/testresult/", {"action": "export_results_csv", "_selected_action": [result.pk]}
    )

    # Assert
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert response["Content-Disposition"] == 'attachment; filename="test-results.csv"'
    assert len(rows) == 1
    assert (rows[0]["external_id"], rows[0]["brand"], rows[0]["category"], rows[0]["comment"]) == (
        "'-1+1",
        '\'=HYPERLINK("http://evil")',
        "'@SUM(A1)",
        "'+cmd|' /C calc'!A0",
    )
    assert rows[0]["score"] == str(result.score)


def test_security_admin_export_query_count_is_constant(xss, django_assert_num_queries):
    # Arrange
    ids = list(TestResult.objects.order_by("pk").values_list("pk", flat=True)[:3])
    client = client_for(xss["organiser"])
    client.post("/admin/mystery_tests/testresult/", {"action": "export_results_csv", "_selected_action": ids[:1]})
    with CaptureQueriesContext(connection) as one:
        client.post("/admin/mystery_tests/testresult/", {"action": "export_results_csv", "_selected_action": ids[:1]})

    # Act / Assert: the same queries for three results as for one
    with django_assert_num_queries(len(one.captured_queries)):
        response = client.post(
            "/admin/mystery_tests/testresult/", {"action": "export_results_csv", "_selected_action": ids}
        )
    assert len(response.content.decode("utf-8-sig").splitlines()) == 4


# -- tokens never logged ---------------------------------------------------------------------------------
def test_security_tokens_never_reach_the_logs(xss, caplog):
    # Arrange
    key = Token.objects.create(user=xss["agent"]).key
    wrong = "f" * 40
    caplog.set_level(logging.DEBUG)

    # Act
    ok = client_for().get("/api/v1/campaigns/", HTTP_AUTHORIZATION=f"Token {key}")
    refused = client_for().get("/api/v1/campaigns/", HTTP_AUTHORIZATION=f"Token {wrong}")
    missing = client_for().get("/api/v1/campaigns/999999/", HTTP_AUTHORIZATION=f"Token {key}")

    # Assert
    assert (ok.status_code, refused.status_code, missing.status_code) == (200, 401, 404)
    assert caplog.records  # the 401 and the 404 are logged…
    assert key not in caplog.text  # …without the keys
    assert wrong not in caplog.text


def test_security_gunicorn_access_log_format_has_no_headers():
    # Arrange: the access log line is gunicorn's default (request line, status, referer, user agent)
    dockerfile = (ROOT / "Dockerfile").read_text() + (ROOT / "docker-compose.yml").read_text()

    # Assert
    assert "--access-logfile" in dockerfile
    assert "--access-logformat" not in dockerfile


# -- admin, throttling ------------------------------------------------------------------------------------
@pytest.mark.parametrize("persona", ["member", "agent"])
def test_security_admin_redirects_non_staff_to_admin_login(xss, persona):
    # Act
    response = client_for(xss[persona]).get("/admin/mystery_tests/testresult/")

    # Assert
    assert response.status_code == 302
    assert response["Location"] == "/admin/login/?next=/admin/mystery_tests/testresult/"


def test_security_login_throttled_with_429_and_retry_after(db, settings):
    # Arrange
    settings.LOGIN_THROTTLE_RATE = "3/min"
    user = factories.UserFactory(username="directrice")
    client = client_for()
    for _ in range(3):
        client.post("/accounts/login/", {"username": "directrice", "password": "wrong"})

    # Act: even the right password is refused now
    response = client.post("/accounts/login/", {"username": "directrice", "password": factories.PASSWORD})

    # Assert
    assert response.status_code == 429
    assert response["Retry-After"] == "60"
    assert "Too many failed attempts for this username." in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert user.is_active


def test_security_api_throttled_with_429_detail_and_retry_after(xss, settings):
    # Arrange
    settings.API_THROTTLE_RATE = "2/min"
    key = Token.objects.create(user=xss["agent"]).key
    client = client_for(HTTP_AUTHORIZATION=f"Token {key}")
    client.get("/api/v1/campaigns/")
    client.get("/api/v1/campaigns/")

    # Act
    response = client.get("/api/v1/campaigns/")

    # Assert
    assert response.status_code == 429
    assert response.json()["detail"].startswith("Request was throttled.")
    assert 0 < int(response["Retry-After"]) <= 60
