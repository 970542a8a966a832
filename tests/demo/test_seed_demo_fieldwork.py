"""The demo's fieldwork integrity data (issue 20): shoppers and scenarios on the results, a phone
calibration season with a drifting harsh shopper, planted anomalies the flags find, and a harsh shopper
the shopper-effect check measures."""

from io import StringIO

import pytest
from django.core.management import call_command

from election.models import Edition
from mystery_tests import anomalies, calibration_service
from mystery_tests.anomaly_flags import edition_flags
from mystery_tests.models import CalibrationRound, TestResult
from scoring.shopper_check import edition_check

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(db):
    """The demo at a tenth of its quotas, inside the test's transaction (nothing outlives the test)."""
    call_command("seed_demo", "--scale", "0.1", stdout=StringIO())
    return Edition.objects.get(country="FR", year=2027)


def test_demo_results_carry_shoppers_and_scenarios(demo):
    results = TestResult.objects.filter(campaign__edition=demo)

    assert not results.filter(shopper="").exists()
    assert set(results.values_list("scenario", flat=True)) == {"S1", "S2", "S3"}
    assert demo.scenario_codes == {"S1", "S2", "S3"}


def test_demo_flags_find_every_planted_anomaly_and_not_the_whole_season(demo):
    flags = edition_flags(demo)

    planted = dict(
        TestResult.objects.filter(external_id__startswith="TQ-2027-PLANTED-").values_list("external_id", "id")
    )
    rules = {ext: set(flags.get(pk, {})) for ext, pk in planted.items()}
    assert anomalies.BURST in rules["TQ-2027-PLANTED-01"]
    assert anomalies.ODD_HOURS in rules["TQ-2027-PLANTED-04"]
    assert anomalies.SHARED_COMMENT in rules["TQ-2027-PLANTED-05"]
    assert anomalies.LATE_UPLOAD in rules["TQ-2027-PLANTED-07"]
    late = [pk for pk, found in flags.items() if anomalies.LATE_UPLOAD in found]
    assert late == [planted["TQ-2027-PLANTED-07"]]
    assert len(flags) < TestResult.objects.filter(campaign__edition=demo).count() / 4


def test_demo_calibration_shows_the_harsh_shopper_drifting(demo):
    season = calibration_service.season(edition=demo, channel="phone")

    assert CalibrationRound.objects.filter(edition=demo).count() == 3
    assert all(c["alpha"] is not None for c in season["criteria"])
    harsh = next(r for r in season["drift"]["rows"] if r["shopper"] == "terrain-qualite/TQ-07")
    assert all(d < 0 for d in harsh["deviations"])


def test_demo_shopper_effect_check_finds_the_harsh_shopper(demo):
    check = edition_check(edition=demo)

    assert check["shoppers"][0]["code"] == "terrain-qualite/TQ-07"
    assert check["shoppers"][0]["effect"] < -0.5
