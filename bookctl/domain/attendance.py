"""Attendance rules: booked, checked in, no-show (seed 000)."""

from __future__ import annotations

from datetime import datetime, timedelta

from bookctl.domain.models import ATTENDANCE_VALUES, Booking, Session
from bookctl.errors import RuleError, UsageError


def inside_cancellation_window(window_hours: int, start: datetime, at: datetime) -> bool:
    """Whether a cancellation at `at` is late for a session starting at `start`: inside the
    service's window before the start (always, for a window of 0 hours). Where fees apply, and
    what the attendance report counts as a late cancellation."""
    return window_hours == 0 or at >= start - timedelta(hours=window_hours)


def change_attendance(booking: Booking, session: Session, to: str, now: datetime) -> bool:
    """Set `booking.attendance` to `to`; returns False when it already was (a harmless repeat).

    `now` is aware and in the store's time zone. A cancelled booking has no attendance to mark; a
    client can check in from the session's day on, and be a no-show only once it has started.
    """
    if to not in ATTENDANCE_VALUES:
        raise UsageError(f"attendance {to!r} is not one of {', '.join(ATTENDANCE_VALUES)}")
    if booking.status == "cancelled":
        raise RuleError(f"booking {booking.id} is cancelled; its attendance cannot change")
    if booking.status != "confirmed":
        raise RuleError(f"booking {booking.id} is on the waitlist ({booking.status}); it has no attendance to mark")
    local_start = session.start.astimezone(now.tzinfo)
    if to == "checked_in" and now.date() < local_start.date():
        raise RuleError(f"booking {booking.id} is on {local_start.date().isoformat()}; cannot check in before that day")
    if to == "no_show" and now < session.start:
        raise RuleError(
            f"booking {booking.id} starts at {local_start.strftime('%Y-%m-%d %H:%M')}; "
            "cannot mark a no-show before it starts"
        )
    if booking.attendance == to:
        return False
    booking.attendance = to  # type: ignore[assignment]
    booking.revision += 1
    return True
