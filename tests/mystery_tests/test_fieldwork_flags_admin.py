# ruff: noqa: F811  (the iworld fixture is imported and then requested by name)
"""The results admin's fieldwork flags (issue 20): a filter per anomaly rule and a column, for the
quality review; nothing is excluded by a flag."""

from tests.support.world import iworld, iworld_admin, json_item, upload_results  # noqa: F401  (fixtures)

CHANGELIST = "/admin/mystery_tests/testresult/"


def test_flag_filter_lists_the_call_made_at_night_and_not_the_daytime_one(iworld, iworld_admin):
    night, day = upload_results(
        iworld.campaign_a,
        json_item(1, performed_at="2027-05-12T23:30:00+02:00"),
        json_item(2, performed_at="2027-05-12T10:31:00+02:00"),
    )

    response = iworld_admin.get(CHANGELIST, {"edition": iworld.edition.pk, "flag": "odd_hours"})

    assert response.status_code == 200
    assert [r.pk for r in response.context["cl"].result_list] == [night.pk]
    page = response.content.decode()
    assert "Outside the channel&#x27;s plausible hours" in page or "Outside the channel's plausible hours" in page
    assert "23:30 local time" in page
    night.refresh_from_db()
    assert night.excluded is False


def test_flag_filter_any_is_empty_when_nothing_is_odd(iworld, iworld_admin):
    upload_results(iworld.campaign_a, json_item(1), json_item(2, performed_at="2027-05-13T15:00:00+02:00"))

    response = iworld_admin.get(CHANGELIST, {"edition": iworld.edition.pk, "flag": "any"})

    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == []


def test_flag_column_shows_identical_comments_across_brands_once_an_edition_is_chosen(iworld, iworld_admin):
    text = "Conseillère aimable, réponse exacte et rapide."
    upload_results(
        iworld.campaign_a,
        json_item(1, brand="banque-1", comment=text),
        json_item(2, brand="banque-2", comment=text),
    )

    chosen = iworld_admin.get(CHANGELIST, {"edition": iworld.edition.pk}).content.decode()
    unchosen = iworld_admin.get(CHANGELIST).content.decode()

    assert chosen.count("Same comment on several brands") == 2 + 1  # two rows and the filter's choice
    assert unchosen.count("Same comment on several brands") == 1  # the filter's choice only
