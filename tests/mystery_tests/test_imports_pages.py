# ruff: noqa: F811  (the iworld fixture is imported and then requested by name)
"""The agencies' pages: campaigns with progress, the upload form and the import page; agency A
never sees agency B's campaigns or imports, users without an agency are refused."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from mystery_tests.models import ImportJob, TestResult
from tests.conftest import session_client
from tests.support import factories
from tests.support.world import csv_bytes, iworld, json_item, row, upload_results  # noqa: F401  (fixtures)


def test_agency_home_lists_own_campaigns_with_progress(iworld):
    upload_results(iworld.campaign_a, json_item(1), json_item(2, brand="banque-2"))

    response = session_client(iworld.user_a).get("/agency/")

    assert response.status_code == 200
    lines = response.context["lines"]
    assert [line["campaign"] for line in lines] == [iworld.campaign_a]
    # 3 entries × (140 + 50 + 15 + 10 + 10) planned tests
    assert (lines[0]["campaign"].n_counted, lines[0]["planned"]) == (2, 675)
    assert f"/agency/campaigns/{iworld.campaign_a.pk}/" in response.text
    assert f"/agency/campaigns/{iworld.campaign_b.pk}/" not in response.text


def test_agency_pages_refuse_users_without_agency(iworld):
    codes = [
        session_client(iworld.nobody).get("/agency/").status_code,
        session_client(iworld.organiser).get(f"/agency/campaigns/{iworld.campaign_a.pk}/").status_code,
    ]

    assert codes == [403, 403]


def test_agency_pages_send_anonymous_to_login(iworld):
    response = Client().get("/agency/")

    assert (response.status_code, response["Location"]) == (302, "/accounts/login/?next=/agency/")


def test_agency_campaign_of_other_agency_is_404(iworld):
    job = iworld.import_job()
    client_b = session_client(iworld.user_b)

    codes = [
        client_b.get(f"/agency/campaigns/{iworld.campaign_a.pk}/").status_code,
        client_b.post(
            f"/agency/campaigns/{iworld.campaign_a.pk}/", {"file": SimpleUploadedFile("a.csv", b"x")}
        ).status_code,
        client_b.get(f"/agency/imports/{job.pk}/").status_code,
    ]

    assert codes == [404, 404, 404]
    assert ImportJob.objects.count() == 1


def test_agency_campaign_shows_progress_of_own_results_only(iworld):
    upload_results(iworld.campaign_a, json_item(1), json_item(2))
    upload_results(iworld.campaign_b, json_item(1), json_item(2), json_item(3))

    response = session_client(iworld.user_a).get(f"/agency/campaigns/{iworld.campaign_a.pk}/")

    first = response.context["lines"][0]
    phone = first["cells"][0]
    assert (first["brand"]["slug"], phone["channel"], phone["received"], phone["counted"], phone["quota"]) == (
        "banque-1",
        "phone",
        2,
        2,
        140,
    )


def test_agency_upload_form_imports_and_redirects_to_progress(iworld, django_capture_on_commit_callbacks):
    client = session_client(iworld.user_a)
    upload = SimpleUploadedFile("semaine-19.csv", csv_bytes([row(1), row(2, brand="banque-2")]))

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/agency/campaigns/{iworld.campaign_a.pk}/", {"file": upload})

    job = ImportJob.objects.get()
    assert (response.status_code, response["Location"]) == (302, f"/agency/imports/{job.pk}/")
    page = client.get(response["Location"])
    assert page.context["job"].status == "succeeded"
    assert "2 new, 0 replaced, 0 unchanged" in page.text
    assert TestResult.objects.filter(agency=iworld.agency_a).count() == 2


def test_agency_import_page_shows_errors_table(iworld, django_capture_on_commit_callbacks):
    client = session_client(iworld.user_a)
    upload = SimpleUploadedFile("semaine.csv", csv_bytes([row(1), row(2, reached="peut-être")]))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/agency/campaigns/{iworld.campaign_a.pk}/", {"file": upload})

    page = client.get(f"/agency/imports/{ImportJob.objects.get().pk}/")

    assert page.context["job"].status == "failed"
    assert '<tr><td class="num">3</td><td>reached</td><td>“peut-être” is not a yes/no value' in page.text
    assert TestResult.objects.count() == 0


def test_agency_upload_form_refuses_other_file_types(iworld):
    upload = SimpleUploadedFile("resultats.pdf", b"%PDF-1.7")

    response = session_client(iworld.user_a).post(f"/agency/campaigns/{iworld.campaign_a.pk}/", {"file": upload})

    assert response.status_code == 415
    assert response.context["form"].errors["file"] == ["Only CSV and XLSX files can be imported."]
    assert ImportJob.objects.count() == 0


def test_agency_upload_form_refuses_closed_campaign(iworld):
    iworld.campaign_a.status = "closed"
    iworld.campaign_a.save()
    upload = SimpleUploadedFile("semaine.csv", csv_bytes([row(1)]))

    response = session_client(iworld.user_a).post(f"/agency/campaigns/{iworld.campaign_a.pk}/", {"file": upload})

    assert response.status_code == 409
    assert ImportJob.objects.count() == 0


def test_agency_import_page_polls_the_api_while_running(iworld):
    job = iworld.import_job(status="running", rows_total=4000, rows_done=1000)

    page = session_client(iworld.user_a).get(f"/agency/imports/{job.pk}/")

    assert f'data-import-url="/api/v1/imports/{job.pk}/" data-finished="false"' in page.text
    assert "import-progress.js" in page.text
    assert page.context["share"] == 25


@pytest.mark.parametrize("n", [1, 3])
def test_agency_home_query_count_is_constant(iworld, django_assert_num_queries, n):
    for i in range(1, n):
        edition = factories.EditionFactory(
            year=2027 + i, tests_start_on=dt.date(2027 + i, 5, 2), tests_end_on=dt.date(2027 + i, 7, 31)
        )
        factories.CampaignFactory(edition=edition, agency=iworld.agency_a)
    client = session_client(iworld.user_a)

    # session, user, membership with its agency, campaigns with their counts, the header's brand-portal link
    with django_assert_num_queries(5):
        response = client.get("/agency/")

    assert len(response.context["lines"]) == n


@pytest.mark.parametrize("n", [1, 3])
def test_agency_campaign_query_count_is_constant(iworld, django_assert_num_queries, n):
    for i in range(n):
        iworld.import_job(f"{i}.csv")
    client = session_client(iworld.user_a)

    # session, user, membership with its agency, campaign, entries, tallies, imports, grid, the header's portal link
    with django_assert_num_queries(9):
        response = client.get(f"/agency/campaigns/{iworld.campaign_a.pk}/")

    assert len(response.context["imports"]) == n


def test_agency_import_page_shows_first_500_errors_and_counts_the_rest(iworld):
    job = iworld.import_job(
        status="failed", errors=[{"row": n, "column": "reached", "message": "bad"} for n in range(2, 602)]
    )

    page = session_client(iworld.user_a).get(f"/agency/imports/{job.pk}/")

    assert len(page.context["errors"]) == 500
    assert "… and 100 more errors, listed in full at the import's API address." in page.text
