# ruff: noqa: F811  (the iworld fixture is imported and then requested by name)
"""The organiser admin of mystery_tests: pages render in a constant number of queries, results are
read-only except the review actions (with their intermediate reason form), the campaign progress
view draws bars, grid edits recompute stored scores and are refused once the edition is frozen."""

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.files.base import ContentFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from mystery_tests import review
from mystery_tests.models import Criterion, TestResult
from tests.support import factories
from tests.support.world import iworld, iworld_admin, json_item, upload_results  # noqa: F401  (fixtures)

CHANGELIST = "/admin/mystery_tests/testresult/"


def _results(iworld, n: int) -> list[TestResult]:
    items = [json_item(i, brand=f"banque-{i % 3 + 1}") for i in range(n)]
    return upload_results(iworld.campaign_a, *items)


@pytest.mark.parametrize("n", [1, 3])
def test_admin_results_changelist_query_count_is_constant(iworld, iworld_admin, django_assert_num_queries, n):
    _results(iworld, n)
    iworld_admin.get(CHANGELIST)

    # session, user, edition/category/entry/agency filters, count, page of results (joined)
    with django_assert_num_queries(8):
        response = iworld_admin.get(CHANGELIST)

    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == n


@pytest.mark.parametrize(
    ("url", "make"),
    [
        ("/admin/mystery_tests/agency/", lambda w, i: factories.AgencyFactory(slug=f"extra-{i}")),
        (
            "/admin/mystery_tests/campaign/",
            lambda w, i: factories.CampaignFactory(
                edition=factories.EditionFactory(year=2040 + i), agency=w.agency_a, categories=[]
            ),
        ),
        (
            "/admin/mystery_tests/importjob/",
            lambda w, i: w.import_job(f"{i}.csv"),
        ),
        (
            "/admin/mystery_tests/criterion/",
            lambda w, i: Criterion.objects.create(
                edition=factories.EditionFactory(year=2050 + i, grid=False),
                channel="phone",
                code="c",
                label="C",
                weight=1,
            ),
        ),
    ],
)
def test_admin_changelists_query_count_same_for_1_and_3(iworld, iworld_admin, django_assert_max_num_queries, url, make):
    counts = []
    for i in range(3):
        make(iworld, i)
        if i in (0, 2):
            iworld_admin.get(url)
            with CaptureQueriesContext(connection) as queries:
                response = iworld_admin.get(url)
            assert response.status_code == 200
            counts.append(len(queries))

    assert counts[0] == counts[1]


def test_admin_result_change_page_shows_history_and_exclude_button(iworld, iworld_admin):
    (result,) = _results(iworld, 1)
    review.result_exclude(result=result, user=iworld.organiser, reason="Doublon d'appel")
    review.result_restore(result=result, user=iworld.organiser, reason="Vérifié")

    response = iworld_admin.get(f"{CHANGELIST}{result.pk}/change/")

    assert response.status_code == 200
    text = response.text
    assert "Doublon d&#x27;appel" in text and "Vérifié" in text
    assert 'value="exclude_results"' in text
    assert 'name="_save"' not in text  # read-only: nothing to save


def test_admin_exclude_action_asks_reason_then_excludes(iworld, iworld_admin):
    results = _results(iworld, 3)
    ids = [str(r.pk) for r in results[:2]]

    form = iworld_admin.post(CHANGELIST, {"action": "exclude_results", ACTION_CHECKBOX_NAME: ids, "index": 0})
    done = iworld_admin.post(
        CHANGELIST,
        {"action": "exclude_results", ACTION_CHECKBOX_NAME: ids, "index": 0, "apply": "1", "reason": "Hors protocole"},
    )

    assert form.status_code == 200
    assert form.templates[0].name == "admin/mystery_tests/testresult/review.html"
    assert done.status_code == 302
    assert sorted(TestResult.objects.filter(excluded=True).values_list("pk", flat=True)) == sorted(
        r.pk for r in results[:2]
    )
    assert set(TestResult.objects.filter(excluded=True).values_list("exclusion_reason", flat=True)) == {
        "Hors protocole"
    }


def test_admin_exclude_action_without_reason_shows_form_again(iworld, iworld_admin):
    (result,) = _results(iworld, 1)

    response = iworld_admin.post(
        CHANGELIST,
        {"action": "exclude_results", ACTION_CHECKBOX_NAME: [result.pk], "index": 0, "apply": "1", "reason": ""},
    )

    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["reason"]
    assert TestResult.objects.filter(excluded=True).count() == 0


def test_admin_restore_action_restores(iworld, iworld_admin):
    results = _results(iworld, 2)
    review.results_exclude(result_ids=[r.pk for r in results], user=iworld.organiser, reason="Lot suspect")

    response = iworld_admin.post(
        CHANGELIST,
        {
            "action": "restore_results",
            ACTION_CHECKBOX_NAME: [r.pk for r in results],
            "index": 0,
            "apply": "1",
            "reason": "Vérifié avec l'agence",
        },
    )

    assert response.status_code == 302
    assert TestResult.objects.filter(excluded=True).count() == 0


def test_admin_results_filters_and_search(iworld, iworld_admin):
    results = _results(iworld, 3)
    review.result_exclude(result=results[0], user=iworld.organiser, reason="x")

    excluded = iworld_admin.get(CHANGELIST, {"excluded__exact": "1"}).context["cl"].result_list
    by_brand = iworld_admin.get(CHANGELIST, {"q": "banque-2"}).context["cl"].result_list
    by_category = iworld_admin.get(CHANGELIST, {"edition": iworld.edition.pk, "category": iworld.banque.pk})

    assert [r.pk for r in excluded] == [results[0].pk]
    assert [r.entry.brand.slug for r in by_brand] == ["banque-2"]
    assert len(by_category.context["cl"].result_list) == 3


def test_admin_campaign_progress_view_draws_bars(iworld, iworld_admin):
    _results(iworld, 3)

    response = iworld_admin.get(f"/admin/mystery_tests/campaign/{iworld.campaign_a.pk}/progress/")

    assert response.status_code == 200
    first = response.context["lines"][0]
    assert (first["brand"]["slug"], first["cells"][0]["counted"], first["cells"][0]["quota"]) == ("banque-1", 1, 140)
    assert "1 / 140 (1)" in response.text


def test_admin_criterion_weight_change_recomputes_scores(iworld, iworld_admin):
    (result,) = upload_results(iworld.campaign_a, json_item(1, scores={"greeting": 2, "courtesy": 0}))
    greeting = Criterion.objects.get(edition=iworld.edition, channel="phone", code="greeting")
    assert result.score == 10.0

    response = iworld_admin.post(
        f"/admin/mystery_tests/criterion/{greeting.pk}/change/",
        {
            "edition": iworld.edition.pk,
            "channel": "phone",
            "code": "greeting",
            "label": greeting.label,
            "weight": 3,
            "position": greeting.position,
        },
    )

    assert response.status_code == 302
    result.refresh_from_db()
    assert result.score == 15.0


def test_admin_criterion_of_frozen_edition_cannot_change(iworld, iworld_admin):
    greeting = Criterion.objects.get(edition=iworld.edition, channel="phone", code="greeting")
    iworld.edition.frozen_at = timezone.now()
    iworld.edition.save(update_fields=["frozen_at"])

    response = iworld_admin.post(
        f"/admin/mystery_tests/criterion/{greeting.pk}/change/",
        {
            "edition": iworld.edition.pk,
            "channel": "phone",
            "code": "greeting",
            "label": "x",
            "weight": 5,
            "position": 0,
        },
    )

    assert response.status_code == 403
    greeting.refresh_from_db()
    assert greeting.weight == 1


def test_admin_import_job_page_shows_errors_and_file(iworld, iworld_admin):
    job = iworld.import_job(
        "semaine.csv",
        status="failed",
        errors=[{"row": 3, "column": "reached", "message": "“bof” is not a yes/no value."}],
    )
    job.file.save("semaine.csv", ContentFile(b"external_id;brand\n"))

    page = iworld_admin.get(f"/admin/mystery_tests/importjob/{job.pk}/change/")
    download = iworld_admin.get(f"/admin/mystery_tests/importjob/{job.pk}/file/")

    assert page.status_code == 200
    assert "<td>3</td><td>reached</td><td>“bof” is not a yes/no value.</td>" in page.text
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"external_id;brand\n"


def test_admin_import_file_not_served_to_agency_user(iworld):
    job = iworld.import_job()
    client = Client()
    client.force_login(iworld.user_a)

    response = client.get(f"/admin/mystery_tests/importjob/{job.pk}/file/")

    assert response.status_code == 302  # to the admin login: agencies are not staff
