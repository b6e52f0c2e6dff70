"""Attendance rules: booked, checked in, no-show (seed 000)."""

from __future__ import annotations

from datetime import datetime

from bookctl.domain.models import ATTENDANCE_VALUES, Booking, Session
from bookctl.errors import RuleError, UsageError


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
