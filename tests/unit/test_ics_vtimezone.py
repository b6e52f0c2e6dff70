"""The VTIMEZONE bookctl.output.ics writes, read back by the icalendar library under a name it does
not know, so that the VTIMEZONE alone decides every offset (RFC 5545 3.6.5)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bookctl.output.ics import vtimezone


def described(zone_name: str, first: date, last: date):  # noqa: ANN201 - a tzinfo
    from icalendar import Calendar

    # icalendar keeps the zones it built by TZID: a name of this test's own makes it read ours.
    tzid = f"Test/{zone_name.replace('/', '-')}-{first.year}"
    text = vtimezone(ZoneInfo(zone_name), tzid, first, last)
    [component] = Calendar.from_ical(f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n{text}"
                                     "END:VCALENDAR\r\n").walk("VTIMEZONE")
    return component.to_tz()


def samples(zone: ZoneInfo, first: date, last: date) -> list[datetime]:
    """Noon UTC of every day, and every quarter hour of each day on which the zone's offset changes."""
    moments, day = [], datetime(first.year, first.month, first.day, tzinfo=UTC)
    while day.date() < last:
        following = day + timedelta(days=1)
        if day.astimezone(zone).utcoffset() != following.astimezone(zone).utcoffset():
            moments += [day + timedelta(minutes=15 * n) for n in range(-8, 4 * 24 + 8)]
        moments.append(day + timedelta(hours=12))
        day = following
    return moments


@pytest.mark.parametrize("zone_name", [
    "Europe/Rome",          # the store of the tests: spring forward at 02:00, back at 03:00
    "Europe/Dublin",        # winter is its "negative" summer time in the zone data
    "Australia/Lord_Howe",  # half an hour of summer time, southern hemisphere
    "Pacific/Chatham",      # +12:45 and +13:45
    "America/St_Johns",     # -03:30
    "America/Sao_Paulo",    # gave summer time up in 2019: no change in the period
    "Asia/Kolkata",
    "UTC",
])
def test_the_vtimezone_gives_the_zones_own_offset_at_every_sampled_instant(zone_name):
    first, last = date(2026, 1, 1), date(2028, 12, 31)
    ours, zone = described(zone_name, first, last), ZoneInfo(zone_name)
    wrong = [m for m in samples(zone, first, last) if m.astimezone(ours).utcoffset() != m.astimezone(zone).utcoffset()]
    assert wrong == []


def test_each_change_starts_at_the_wall_time_before_it():
    text = vtimezone(ZoneInfo("Europe/Rome"), "Europe/Rome", date(2027, 1, 1), date(2027, 12, 31))
    # 01:00 UTC both times: 02:00 on the winter clock in March, 03:00 on the summer clock in October.
    assert "BEGIN:DAYLIGHT\r\nDTSTART:20270328T020000\r\nTZNAME:CEST\r\nTZOFFSETFROM:+0100\r\n" in text
    # The autumn change repeats the one that began the winter in force on 1 January.
    assert "BEGIN:STANDARD\r\nDTSTART:20261025T030000\r\nRDATE:20271031T030000\r\nTZNAME:CET\r\n" \
           "TZOFFSETFROM:+0200\r\n" in text


def test_a_thousand_years_of_changes_is_written_in_bounded_time():
    import time

    began = time.perf_counter()
    text = vtimezone(ZoneInfo("Europe/Rome"), "Europe/Rome", date(1900, 1, 1), date(3000, 12, 31))
    assert text.count("RDATE:") > 2000  # two changes a year since 1980, and the wartime ones
    assert time.perf_counter() - began < 10
