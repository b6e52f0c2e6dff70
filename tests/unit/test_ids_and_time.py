"""Record ids (bookctl.domain.ids) and the dates and times users type (bookctl.timeutil)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from bookctl.cli import exit_code_for
from bookctl.domain.ids import contact_id, contact_number, day_id, home_day, slug, unique_slug
from bookctl.errors import UsageError
from bookctl.timeutil import day_bounds, iso, load_zone, parse_date, parse_datetime

deterministic = settings(derandomize=True, database=None, deadline=None, max_examples=200)
ROME = load_zone("Europe/Rome")
SLUG = re.compile(r"(?:[a-z0-9]+(?:-[a-z0-9]+)*)?")

days = st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31))
sequences = st.integers(min_value=1, max_value=999_999_999)


# --- ids ----------------------------------------------------------------------------------------------


def test_home_day_reads_the_day_out_of_a_booking_id():
    assert home_day("b-20261123-4", "b") == date(2026, 11, 23)


def test_home_day_reads_the_day_out_of_a_session_id():
    assert home_day("s-20260301-17", "s") == date(2026, 3, 1)


@deterministic
@given(prefix=st.sampled_from(["s", "b"]), day=days, seq=sequences)
def test_home_day_round_trips_day_id(prefix, day, seq):
    assert home_day(day_id(prefix, day, seq), prefix) == day


@pytest.mark.parametrize(("record_id", "prefix"), [
    ("b-20261123-4", "s"),          # a booking id where a session id is wanted
    ("b-20261332-1", "b"),          # there is no month 13
    ("b-20260229-1", "b"),          # 2026 is not a leap year
    ("b-20261123-0", "b"),          # sequences start at 1
    ("b-20261123-04", "b"),         # no leading zeros
    ("B-20261123-4", "b"),
    ("b-2026-11-23-4", "b"),
    ("b-20261123", "b"),
    ("nonsense", "b"),
    ("", "b"),
    ("b-20261123-4\n", "b"),        # a trailing newline is not part of an id
])
def test_home_day_of_something_that_is_not_such_an_id_is_none(record_id, prefix):
    assert home_day(record_id, prefix) is None


@deterministic
@given(number=sequences)
def test_contact_number_round_trips_contact_id(number):
    assert contact_number(contact_id(number)) == number


@pytest.mark.parametrize("record_id", ["c-0", "c-01", "C-1", "c-", "17", "c-1.5", "c--1", "", " c-1", "c-1 ",
                                       "c-17\n", "b-20261123-4"])
def test_contact_number_of_something_that_is_not_a_contact_id_is_none(record_id):
    assert contact_number(record_id) is None


@pytest.mark.parametrize(("name", "expected"), [
    ("Yoga Flow", "yoga-flow"),
    ("Zoë Lefèvre", "zoe-lefevre"),
    ("  --Pilates   Reformer!! ", "pilates-reformer"),
    ("Анна Смирнова", ""),
    ("נועה כהן", ""),
])
def test_slug_makes_a_readable_id(name, expected):
    assert slug(name) == expected


@deterministic
@given(name=st.text(max_size=80))
def test_slug_is_lowercase_ascii_words_joined_by_single_hyphens(name):
    made = slug(name)
    assert SLUG.fullmatch(made), made
    assert len(made) <= 40


@deterministic
@given(name=st.text(max_size=80))
def test_slug_of_a_slug_is_itself(name):
    assert slug(slug(name)) == slug(name)


def test_unique_slug_numbers_a_taken_name():
    assert unique_slug("Yoga Flow", {"yoga-flow", "yoga-flow-2"}, "service-3") == "yoga-flow-3"


def test_unique_slug_falls_back_when_the_name_has_no_latin_letters():
    assert unique_slug("Анна Смирнова", {"giulia-romano"}, "staff-2") == "staff-2"


# --- times --------------------------------------------------------------------------------------------


def test_local_time_is_read_in_the_store_zone_in_winter():
    parsed = parse_datetime("2026-11-23 09:00", ROME, "--start")
    assert parsed.isoformat() == "2026-11-23T09:00:00+01:00"


def test_local_time_is_read_in_the_store_zone_in_summer():
    parsed = parse_datetime("2026-07-01 09:00", ROME, "--start")
    assert parsed.isoformat() == "2026-07-01T09:00:00+02:00"


def test_local_time_may_use_a_t_separator():
    assert parse_datetime("2026-11-23T09:00", ROME, "--start") == datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


@pytest.mark.parametrize(("text", "utc"), [
    ("2026-11-23T09:00:00+00:00", datetime(2026, 11, 23, 9, 0, tzinfo=UTC)),
    ("2026-11-23T09:00Z", datetime(2026, 11, 23, 9, 0, tzinfo=UTC)),
    ("2026-11-23T09:00:00-05:00", datetime(2026, 11, 23, 14, 0, tzinfo=UTC)),
])
def test_iso_time_with_an_offset_keeps_its_offset(text, utc):
    parsed = parse_datetime(text, ROME, "--start")
    assert parsed == utc
    assert parsed.utcoffset() == datetime.fromisoformat(text).utcoffset()


@pytest.mark.parametrize(("zone", "text"), [
    ("Europe/Rome", "2026-03-29 02:30"),
    ("Europe/Rome", "2026-03-29 02:00"),
    ("Europe/Rome", "2026-03-29 02:59"),
    ("America/New_York", "2026-03-08 02:30"),
])
def test_wall_time_in_the_spring_forward_gap_is_refused_naming_the_option(zone, text):
    with pytest.raises(UsageError, match=f"^--start .*{re.escape(text)}.* does not exist") as caught:
        parse_datetime(text, load_zone(zone), "--start")
    assert exit_code_for(caught.value) == 2


def test_the_minute_after_the_spring_forward_gap_is_accepted():
    assert parse_datetime("2026-03-29 03:00", ROME, "--start").isoformat() == "2026-03-29T03:00:00+02:00"


@deterministic
@given(moment=st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 31, 23, 59)))
def test_an_existing_wall_time_reads_back_as_the_same_wall_time(moment):
    naive = moment.replace(second=0, microsecond=0)
    exists = naive.replace(tzinfo=ROME).astimezone(UTC).astimezone(ROME).replace(tzinfo=None) == naive
    assume(exists)
    parsed = parse_datetime(f"{naive:%Y-%m-%d %H:%M}", ROME, "--start")
    assert parsed.astimezone(UTC).astimezone(ROME).replace(tzinfo=None) == naive


@pytest.mark.parametrize("text", [
    "2026-02-30 10:00", "2026-11-23 25:00", "2026-11-23 9:00", "2026-11-23", "tomorrow", "",
    "2026-11-23 09:00 CET", "2026-11-23T09:00+25:00",
])
def test_bad_date_and_time_is_a_usage_error_naming_the_option(text):
    with pytest.raises(UsageError, match=f"^--start {re.escape(repr(text))} is not a valid date and time") as caught:
        parse_datetime(text, ROME, "--start")
    assert exit_code_for(caught.value) == 2


def test_parse_date_reads_a_day():
    assert parse_date("2026-11-23", "--day") == date(2026, 11, 23)


@pytest.mark.parametrize("text", ["2026-02-30", "2026-13-01", "2026-1-5", "20261123", "23/11/2026", "", "today"])
def test_bad_date_is_a_usage_error_naming_the_option(text):
    expected = f"^--day {re.escape(repr(text))} is not a valid date; use YYYY-MM-DD$"
    with pytest.raises(UsageError, match=expected) as caught:
        parse_date(text, "--day")
    assert exit_code_for(caught.value) == 2


def test_unknown_time_zone_is_a_usage_error():
    with pytest.raises(UsageError, match="unknown time zone 'Mars/Olympus'") as caught:
        load_zone("Mars/Olympus")
    assert exit_code_for(caught.value) == 2


def test_day_bounds_of_the_spring_forward_day_span_23_hours():
    start, end = day_bounds(date(2026, 3, 29), ROME)
    assert end.astimezone(UTC) - start.astimezone(UTC) == timedelta(hours=23)
    assert iso(start, ROME) == "2026-03-29T00:00:00+01:00"
    assert iso(end, ROME) == "2026-03-30T00:00:00+02:00"


def test_iso_shows_the_store_zones_offset_to_the_second():
    assert iso(datetime(2026, 11, 23, 8, 0, 30, 123456, tzinfo=UTC), ROME) == "2026-11-23T09:00:30+01:00"
