"""Each anomaly rule of mystery_tests/anomalies.py with a positive and a negative case (issue 20)."""

from datetime import UTC, datetime, timedelta

from mystery_tests import anomalies
from mystery_tests.anomalies import Observation

T0 = datetime(2027, 5, 12, 8, 0, tzinfo=UTC)  # 10:00 in Paris (summer time)


def obs(key, **kw):
    values = {"entry": 1, "brand": 1, "channel": "phone", "performed_at": T0, "uploaded_at": T0 + timedelta(days=1)}
    values.update(kw)
    return Observation(key=key, **values)


def test_late_upload_flagged_when_uploaded_weeks_after_the_contact():
    rows = [obs(1, uploaded_at=T0 + timedelta(days=30))]

    flags = anomalies.late_uploads(rows)

    assert flags == {1: "uploaded 30 days after the contact"}


def test_late_upload_not_flagged_within_two_weeks():
    rows = [obs(1, uploaded_at=T0 + timedelta(days=13, hours=23))]

    assert anomalies.late_uploads(rows) == {}


def test_odd_hours_flags_a_call_at_night_in_the_edition_zone():
    # 21:30 UTC is 23:30 in Paris: no call centre answers then.
    rows = [obs(1, performed_at=datetime(2027, 5, 12, 21, 30, tzinfo=UTC))]

    flags = anomalies.odd_hours(rows, time_zone="Europe/Paris")

    assert list(flags) == [1]
    assert "23:30" in flags[1]


def test_odd_hours_reads_local_time_not_utc():
    # 19:30 UTC is 21:30 in Paris: too late for a call, fine for an e-mail; in UTC-minded code the call
    # at 19:30 would pass.
    late = datetime(2027, 5, 12, 19, 30, tzinfo=UTC)
    rows = [obs(1, performed_at=late), obs(2, performed_at=late, channel="email"), obs(3)]

    flags = anomalies.odd_hours(rows, time_zone="Europe/Paris")

    assert set(flags) == {1}


def test_shared_comment_flagged_across_two_brands():
    text = "Conseillère aimable, réponse exacte et rapide."
    rows = [
        obs(1, brand=1, comment=text),
        obs(2, brand=2, entry=2, comment="  conseillère AIMABLE,  réponse exacte et rapide. "),
    ]

    flags = anomalies.shared_comments(rows)

    assert set(flags) == {1, 2}


def test_shared_comment_not_flagged_within_one_brand_or_when_short():
    text = "Conseillère aimable, réponse exacte et rapide."
    rows = [
        obs(1, brand=1, comment=text),
        obs(2, brand=1, comment=text),
        obs(3, brand=2, entry=2, comment="RAS"),
        obs(4, brand=3, entry=3, comment="RAS"),
    ]

    assert anomalies.shared_comments(rows) == {}


def test_burst_flags_three_tests_of_one_entry_within_ten_minutes():
    rows = [obs(k, performed_at=T0 + timedelta(minutes=m)) for k, m in ((1, 0), (2, 4), (3, 9), (4, 60))]

    flags = anomalies.bursts(rows)

    assert set(flags) == {1, 2, 3}


def test_burst_not_flagged_when_spread_or_on_different_entries():
    spread = [obs(k, performed_at=T0 + timedelta(minutes=m)) for k, m in ((1, 0), (2, 6), (3, 11))]
    others = [obs(10 + k, entry=10 + k, performed_at=T0) for k in range(3)]

    assert anomalies.bursts(spread + others) == {}


def _cells(shoppers_scores):
    rows, key = [], 0
    for entry in range(1, 7):
        for shopper, score in shoppers_scores:
            key += 1
            rows.append(obs(key, entry=entry, brand=entry, shopper=shopper, score=score + entry * 0.5))
    return rows


def test_outlying_shopper_flagged_when_far_below_peers_on_the_same_entries():
    rows = _cells([("A", 15.0), ("B", 15.5), ("HARSH", 10.0)])

    flags = anomalies.outlying_shoppers(rows)

    flagged = {r.shopper for r in rows if r.key in flags}
    assert flagged == {"HARSH"}
    assert len(flags) == 6


def test_outlying_shopper_not_flagged_when_close_to_peers_or_without_peers():
    close = _cells([("A", 15.0), ("B", 15.5), ("C", 14.0)])
    alone = [obs(100 + k, entry=50 + k, shopper="SOLO", score=2.0) for k in range(8)]

    assert anomalies.outlying_shoppers(close + alone) == {}


def test_all_flags_names_every_rule():
    assert set(anomalies.all_flags([obs(1)], time_zone="Europe/Paris")) == set(anomalies.RULES)
