# ruff: noqa: F811  (the iworld fixture is imported and then requested by name)
"""Calibration rounds (issue 20): ratings imported from CSV all or nothing, and the organiser's season
page with Krippendorff's α per criterion and each shopper's drift."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from mystery_tests import calibration, calibration_service
from mystery_tests.models import CalibrationRating, CalibrationRound
from tests.support import factories
from tests.support.world import iworld, iworld_admin  # noqa: F401  (fixture)


def _round(iworld, day: int, reference=None) -> CalibrationRound:
    return CalibrationRound.objects.create(
        edition=iworld.edition,
        channel="phone",
        title=f"Call {day}",
        held_on=dt.date(2027, 5, day),
        reference=reference or {},
    )


def test_import_ratings_stores_each_shoppers_points(iworld):
    round_ = _round(iworld, 3)
    content = b"agency;shopper;greeting;courtesy\nterrain-sa;S1;2;1\nterrain-sa;S2;1;\nautre-agence;S1;0;0\n"

    n = calibration_service.import_ratings(round=round_, content=content)

    assert n == 3
    stored = {(r.agency.slug, r.shopper): r.scores for r in CalibrationRating.objects.select_related("agency")}
    assert stored == {
        ("terrain-sa", "S1"): {"greeting": 2, "courtesy": 1},
        ("terrain-sa", "S2"): {"greeting": 1},
        ("autre-agence", "S1"): {"greeting": 0, "courtesy": 0},
    }


def test_import_ratings_lists_every_error_by_row_and_stores_nothing(iworld):
    round_ = _round(iworld, 3)
    content = b"agency,shopper,greeting\nterrain-sa,S1,2\nnowhere,S2,1\nterrain-sa,,3\n"

    with pytest.raises(calibration_service.CalibrationImportError) as caught:
        calibration_service.import_ratings(round=round_, content=content)

    assert caught.value.errors == [
        "Row 3: no agency “nowhere”.",
        "Row 4: a shopper code (1 to 40 characters) is required.",
        "Row 4: greeting: points are 0, 1 or 2 (or empty).",
    ]
    assert not CalibrationRating.objects.exists()


def test_import_ratings_refuses_a_column_outside_the_grid(iworld):
    round_ = _round(iworld, 3)

    with pytest.raises(calibration_service.CalibrationImportError) as caught:
        calibration_service.import_ratings(round=round_, content=b"agency,shopper,smile\nterrain-sa,S1,2\n")

    assert caught.value.errors == ["Row 1: unknown columns: smile."]


def test_season_alpha_per_criterion_and_drift_of_a_harsh_shopper(iworld):
    rounds = [_round(iworld, d, {"greeting": 2, "courtesy": 2}) for d in (3, 10, 17)]
    points = {"A": [2, 1, 0], "B": [2, 1, 0], "H": [2, 0, 0]}
    for i, round_ in enumerate(rounds):
        for shopper, values in points.items():
            CalibrationRating.objects.create(
                round=round_, agency=iworld.agency_a, shopper=shopper, scores={"greeting": values[i], "courtesy": 2}
            )

    found = calibration_service.season(edition=iworld.edition, channel="phone")

    greeting = {c["code"]: c for c in found["criteria"]}["greeting"]
    expected = calibration.alpha([{"A": 2, "B": 2, "H": 2}, {"A": 1, "B": 1, "H": 0}, {"A": 0, "B": 0, "H": 0}])
    assert greeting["alpha"] == pytest.approx(expected)
    assert 0 < greeting["alpha"] < 1
    assert {c["code"]: c["alpha"] for c in found["criteria"]}["courtesy"] is None  # all agree on one value
    rows = {r["shopper"]: r["deviations"] for r in found["drift"]["rows"]}
    assert rows["terrain-sa/H"] == [0.0, -1.0, -1.0]
    assert rows["terrain-sa/A"] == [0.0, -0.5, -1.0]


def test_season_page_and_import_page_for_an_organiser(iworld, iworld_admin):
    round_ = _round(iworld, 3)

    imported = iworld_admin.post(
        f"/admin/mystery_tests/calibrationround/{round_.pk}/import/",
        {"file": SimpleUploadedFile("r.csv", b"agency,shopper,greeting\nterrain-sa,S1,2\nterrain-sa,S2,0\n")},
    )
    season = iworld_admin.get(f"/admin/mystery_tests/calibrationround/season/{iworld.edition.pk}/phone/")

    assert imported.status_code == 302
    assert round_.ratings.count() == 2
    assert season.status_code == 200
    assert 'id="calibration-alpha"' in season.content.decode()
    assert "terrain-sa/S2" in season.content.decode()


def test_season_page_refused_to_staff_without_a_role(iworld):
    client = Client()
    client.force_login(factories.UserFactory(username="translator", is_staff=True))

    response = client.get(f"/admin/mystery_tests/calibrationround/season/{iworld.edition.pk}/phone/")

    assert response.status_code in (302, 403)
