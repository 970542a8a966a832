# ruff: noqa: F811  (the iworld fixture is imported and then requested by name)
"""The test result admin page is titled « Test <ref> — brand, category, channel », not TestResult.__str__
("<agency id>:<ref>", kept for the admin history)."""

import re

import pytest

from mystery_tests.models import TestResult
from tests.conftest import session_client
from tests.support.world import iworld, json_item, upload_results  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("language", "channel"), [("en", "Phone"), ("fr", "Téléphone")])
def test_result_change_page_has_a_readable_title_and_breadcrumb(iworld, language, channel):
    (result,) = upload_results(iworld.campaign_a, json_item(0, brand="banque-1"))
    result = TestResult.objects.select_related("entry__brand", "entry__category").get(pk=result.pk)
    expected = f"Test {result.external_id} — {result.entry.brand.name}, {result.entry.category.reader_name}, {channel}"

    page = session_client(iworld.organiser, language=language).get(
        f"/admin/mystery_tests/testresult/{result.pk}/change/"
    )

    html = page.content.decode()
    subtitle = re.search(r"<h2>(.*?)</h2>", html).group(1)
    breadcrumbs = re.search(r'<div class="breadcrumbs">(.*?)</div>', html, re.S).group(1)
    assert page.status_code == 200
    assert (subtitle, expected in breadcrumbs) == (expected, True)
    assert str(result) not in breadcrumbs and str(result) == f"{result.agency_id}:{result.external_id}"
