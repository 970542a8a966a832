"""common.display.format_local: a moment as an edition's time zone reads it (the audit's and appeals' dates)."""

import datetime as dt

from django.utils import translation

from common.display import format_local


def test_format_local_reads_the_moment_in_the_given_time_zone():
    moment = dt.datetime(2026, 3, 31, 22, 30, tzinfo=dt.UTC)  # 1 April, 00:30 in Paris (summer time)
    with translation.override("en"):
        assert format_local(moment, "Europe/Paris", "DATE_FORMAT") == "April 1, 2026"
        assert format_local(moment, "UTC", "DATE_FORMAT") == "March 31, 2026"
        assert format_local(moment, "Europe/Paris") == "April 1, 2026, 12:30 a.m."
    with translation.override("fr"):
        assert format_local(moment, "Europe/Paris") == "1 avril 2026 00:30"


def test_format_local_no_moment_gives_empty():
    assert format_local(None, "Europe/Paris") == ""
    assert format_local(None, "Europe/Paris", empty="—") == "—"
