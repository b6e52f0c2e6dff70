"""`report attendance`: who came, who did not, who cancelled late, and how full the classes were
(bookctl #21), per service, member of staff, weekday, hour, month or contact.

One pass over the period's sessions through the streaming read path (`Calendar.stream`, one day
at a time). What each figure counts:
- bookings: confirmed and cancelled bookings (a place on a waitlist is not a booking);
- checked_in, no_shows: confirmed bookings with that attendance;
- cancellations: cancelled bookings; late_cancellations those of them cancelled inside the
  service's cancellation window (`domain.attendance.inside_cancellation_window`), unless the
  business cancelled the whole class or course meeting;
- no_show_rate: no-shows over the confirmed bookings of sessions that have ended (rates are of the
  past only: a booking of tomorrow has had no chance to be a no-show);
- utilisation: the places confirmed bookings take over the capacity of the ended, scheduled
  sessions of classes and courses (None for appointments, and when grouped by contact).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from typing import TYPE_CHECKING, Any

from bookctl.domain.attendance import inside_cancellation_window
from bookctl.domain.reports import Report, Table, rate
from bookctl.services.report_groups import NONE, WEEKDAYS, group_names, group_order
from bookctl.timeutil import day_bounds, load_zone

if TYPE_CHECKING:
    from bookctl.domain.records import BookingLike, SessionLike
    from bookctl.storage.unit import UnitOfWork

ATTENDANCE_GROUPINGS = ("service", "staff", "weekday", "hour", "month", "contact")
COUNTS = ("bookings", "checked_in", "no_shows", "late_cancellations", "cancellations")
# Named groupings show a name beside the id; the others are their own name.
_NAMED = ("service", "staff", "contact")


@dataclass
class _Tally:
    """The running figures of one group."""

    bookings: int = 0
    checked_in: int = 0
    no_shows: int = 0
    late_cancellations: int = 0
    cancellations: int = 0
    past_confirmed: int = 0  # the no-show rate's whole
    places: int = 0  # utilisation's part and whole, over ended class sessions
    capacity: int = 0

    def row(self, utilised: bool) -> dict[str, Any]:
        return {"bookings": self.bookings, "checked_in": self.checked_in, "no_shows": self.no_shows,
                "late_cancellations": self.late_cancellations, "cancellations": self.cancellations,
                "no_show_rate": rate(self.no_shows, self.past_confirmed),
                "utilisation": rate(self.places, self.capacity) if utilised else None}

    def add(self, other: _Tally) -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))


def attendance_report(uow: UnitOfWork, first: date, last: date, by: str, now: datetime) -> Report:
    """The attendance of the sessions starting on the local days `first` to `last`, grouped `by`
    one of ATTENDANCE_GROUPINGS; `now` (aware) says which sessions have ended."""
    settings = uow.settings
    zone = load_zone(settings.business.timezone)
    start, end = day_bounds(first, zone)[0], day_bounds(last, zone)[1]
    session_key, booking_key = _keys(by, zone)
    tallies: dict[str, _Tally] = {}
    for session, bookings in uow.calendar.stream(start, end):
        service = settings.services.get(session.service_id)
        kind = service.kind if service is not None else "appointment"
        window = service.cancellation_window_hours if service is not None else settings.policy.cancellation_window_hours
        ended = session.end <= now
        counts_places = ended and kind != "appointment" and session.status == "scheduled"
        group = session_key(session) if session_key else None
        if counts_places and group is not None:
            tallies.setdefault(group, _Tally()).capacity += session.capacity
        for booking, _entries in bookings:
            if booking.status not in ("confirmed", "cancelled"):
                continue  # waiting for a place
            tally = tallies.setdefault(group if group is not None else booking_key(booking), _Tally())
            _count(tally, booking, session, window, ended, kind)
            if counts_places and booking.status == "confirmed" and group is not None:
                tally.places += 1
    return _report(uow, first, last, by, tallies, utilised=by != "contact")


def _count(tally: _Tally, booking: BookingLike, session: SessionLike, window: int, ended: bool, kind: str) -> None:
    tally.bookings += 1
    if booking.status == "cancelled":
        tally.cancellations += 1
        cancelled_at = getattr(booking, "cancelled_at", None)
        # An appointment's session is cancelled with its booking; a class's, by the business.
        by_business = kind != "appointment" and session.status == "cancelled"
        if (not by_business and cancelled_at is not None
                and inside_cancellation_window(window, session.start, cancelled_at)):
            tally.late_cancellations += 1
        return
    if booking.attendance == "checked_in":
        tally.checked_in += 1
    elif booking.attendance == "no_show":
        tally.no_shows += 1
    if ended:
        tally.past_confirmed += 1


def _keys(by: str, zone: tzinfo) -> tuple[Callable[[SessionLike], str] | None, Callable[[BookingLike], str]]:
    """How a session names its group (None: each booking names its own, as a contact does)."""
    if by == "service":
        return (lambda s: s.service_id), _no_key
    if by == "staff":
        return (lambda s: s.staff_id or NONE), _no_key
    if by == "weekday":
        return (lambda s: WEEKDAYS[s.start.astimezone(zone).weekday()]), _no_key
    if by == "hour":
        return (lambda s: s.start.astimezone(zone).strftime("%H:00")), _no_key
    if by == "month":
        return (lambda s: s.start.astimezone(zone).strftime("%Y-%m")), _no_key
    return None, lambda b: b.contact_id


def _no_key(booking: BookingLike) -> str:  # pragma: no cover - a session names the group first
    raise AssertionError(booking.id)


def _report(uow: UnitOfWork, first: date, last: date, by: str, tallies: dict[str, _Tally], utilised: bool) -> Report:
    names = group_names(uow, by, list(tallies)) if by in _NAMED else {}
    total = _Tally()
    rows = []
    for group in sorted(tallies, key=group_order(by)):
        tally = tallies[group]
        total.add(tally)
        row: dict[str, Any] = {"group": group}
        if by in _NAMED:
            row["name"] = names.get(group, group)
        rows.append(row | tally.row(utilised))
    columns = ("group", *(("name",) if by in _NAMED else ()), *COUNTS, "no_show_rate", "utilisation")
    table = Table("rows", f"Attendance by {by}", columns, rows, label="name" if by in _NAMED else "group",
                  bar="bookings")
    return Report("attendance", first, last, by, [table], total=total.row(utilised))
