"""bookctl.domain.attendance.change_attendance under random sequences of changes and a cancel."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bookctl.domain.attendance import change_attendance
from bookctl.domain.models import ATTENDANCE_VALUES, Booking, Session
from bookctl.domain.money import Money
from bookctl.errors import BookctlError, RuleError

ROME = ZoneInfo("Europe/Rome")
START = datetime(2026, 11, 24, 18, 0, tzinfo=ROME)
CREATED = datetime(2026, 11, 20, 9, 0, tzinfo=ROME)

# Instants from two days before the session to two days after, to the minute, in the store's zone
# (late November: no clock change in Rome), with the session's own edges drawn often.
moments = st.one_of(
    st.datetimes(min_value=datetime(2026, 11, 22), max_value=datetime(2026, 11, 26, 23, 59), timezones=st.just(ROME))
    .map(lambda moment: moment.replace(second=0, microsecond=0)),
    st.sampled_from([START - timedelta(minutes=1), START, START + timedelta(minutes=1),
                     datetime(2026, 11, 24, 0, 0, tzinfo=ROME), datetime(2026, 11, 23, 23, 59, tzinfo=ROME)]),
)
changes = st.tuples(st.just("change"), st.sampled_from(ATTENDANCE_VALUES), moments)
cancels = st.tuples(st.just("cancel"), st.none(), moments)
steps = st.lists(st.one_of(changes, changes, changes, cancels), max_size=30)


def fresh() -> tuple[Booking, Session]:
    session = Session(id="s-20261124-1", service_id="yoga-flow", start=START, end=START + timedelta(hours=1),
                      capacity=3, created_at=CREATED)
    booking = Booking(id="b-20261124-2", session_id=session.id, contact_id="c-1",
                      price=Money(minor=1800, currency="EUR"), created_at=CREATED)
    return booking, session


def replay(booking: Booking, session: Session, sequence: list) -> list[tuple[str, str | None, datetime, bool]]:
    """Apply the steps; returns (kind, value, now, accepted) for each."""
    log = []
    for kind, value, now in sequence:
        if kind == "cancel":
            booking.status = "cancelled"  # what `session cancel` does to the booking
            log.append((kind, value, now, True))
            continue
        try:
            change_attendance(booking, session, value, now)
        except RuleError:
            log.append((kind, value, now, False))
        else:
            log.append((kind, value, now, True))
    return log


@settings(max_examples=150, deadline=None, derandomize=True, database=None)
@given(steps)
def test_a_cancelled_bookings_attendance_never_changes(sequence):
    booking, session = fresh()
    frozen = None
    for kind, value, now in sequence:
        if kind == "cancel":
            booking.status = "cancelled"
            frozen = booking.attendance if frozen is None else frozen
            continue
        before = booking.attendance
        try:
            change_attendance(booking, session, value, now)
        except RuleError:
            assert booking.attendance == before
        else:
            assert frozen is None, "a cancelled booking accepted an attendance change"
        if frozen is not None:
            assert booking.attendance == frozen


@settings(max_examples=150, deadline=None, derandomize=True, database=None)
@given(steps)
def test_no_show_is_never_accepted_before_the_start(sequence):
    booking, session = fresh()
    for kind, value, now, accepted in replay(booking, session, sequence):
        if kind == "change" and value == "no_show" and now < session.start:
            assert not accepted, f"no_show accepted at {now}, before the start {session.start}"


@settings(max_examples=150, deadline=None, derandomize=True, database=None)
@given(steps)
def test_check_in_is_never_accepted_before_the_sessions_day(sequence):
    booking, session = fresh()
    for kind, value, now, accepted in replay(booking, session, sequence):
        if kind == "change" and value == "checked_in" and now.date() < START.date():
            assert not accepted, f"checked_in accepted at {now}, before the session's day"


@settings(max_examples=150, deadline=None, derandomize=True, database=None)
@given(steps)
def test_attendance_always_ends_booked_checked_in_or_no_show(sequence):
    booking, session = fresh()
    replay(booking, session, sequence)
    assert booking.attendance in ("booked", "checked_in", "no_show")
    assert booking.status in ("confirmed", "cancelled")


@settings(max_examples=150, deadline=None, derandomize=True, database=None)
@given(steps)
def test_attendance_is_the_last_accepted_change_made_before_any_cancel(sequence):
    booking, session = fresh()
    expected = "booked"
    for kind, value, _now, accepted in replay(booking, session, sequence):
        if kind == "cancel":
            break
        if accepted:
            expected = value
    assert booking.attendance == expected


@settings(max_examples=150, deadline=None, derandomize=True, database=None)
@given(st.sampled_from(ATTENDANCE_VALUES), moments)
def test_an_allowed_change_on_a_confirmed_booking_is_accepted(to, now):
    booking, session = fresh()
    allowed = not ((to == "no_show" and now < START) or (to == "checked_in" and now.date() < START.date()))
    if allowed:
        change_attendance(booking, session, to, now)
        assert booking.attendance == to
    else:
        with pytest.raises(RuleError):
            change_attendance(booking, session, to, now)
        assert booking.attendance == "booked"


@settings(max_examples=100, deadline=None, derandomize=True, database=None)
@given(st.sampled_from(ATTENDANCE_VALUES), moments)
def test_a_repeated_change_reports_nothing_changed(to, now):
    booking, session = fresh()
    try:
        first = change_attendance(booking, session, to, now)
    except RuleError:
        return
    assert first == (to != "booked")
    assert change_attendance(booking, session, to, now) is False
    assert booking.attendance == to


@settings(max_examples=200, deadline=None, derandomize=True, database=None)
@given(st.text(min_size=0, max_size=12).filter(lambda text: text not in ATTENDANCE_VALUES), moments)
def test_an_unknown_attendance_value_is_refused_and_changes_nothing(value, now):
    booking, session = fresh()
    with pytest.raises(BookctlError):
        change_attendance(booking, session, value, now)
    assert booking.attendance == "booked"
