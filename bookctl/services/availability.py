"""When a session may be: staff hours (their own, else the business hours), time off, the buffers
kept around sessions, the notice a service asks for and how far ahead it may be booked (bookctl #19).

`problems` names every rule a time breaks; `session book`, `session move` and `reschedule` refuse
on the first unless the front desk gives --force. `slots` walks the same rules forward, so a slot it
returns is one `session book` accepts.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any

from bookctl.domain.hours import WEEKDAYS, WeeklyHours, working_intervals
from bookctl.domain.ids import id_order
from bookctl.domain.models import HOLDS_PLACE, Service, Staff, overlaps
from bookctl.domain.settings import Settings
from bookctl.errors import RuleError, UsageError
from bookctl.services.clashes import LONGEST_SESSION, span_text
from bookctl.services.lookups import find_staff, zone_of
from bookctl.storage.unit import UnitOfWork
from bookctl.timeutil import add_elapsed, day_bounds, iso

# The widest buffer a service may keep (models.Service): how far around a time other sessions matter.
WIDEST_BUFFER = timedelta(hours=24)
# `--first` looks this far ahead when the service sets no booking window.
FIRST_SLOT_HORIZON_DAYS = 366


def hours_of(settings: Settings, staff: Staff | None) -> WeeklyHours | None:
    """The weekly hours that bind `staff` (None: no one): their own, else the business hours (None: no limit)."""
    if staff is not None and staff.hours is not None:
        return staff.hours
    return settings.hours


def bookable_staff(settings: Settings, service: Service, ref: str | None) -> Staff | None:
    """The member of staff `ref` names, refusing one removed or not among those who run `service`."""
    if not ref:
        return None
    staff = find_staff(settings, ref)
    if staff.archived:
        raise RuleError(f"{staff.name} ({staff.id}) was removed from the staff; "
                        f"'bookctl staff edit {staff.id} --restore' brings them back")
    if service.staff_ids and staff.id not in service.staff_ids:
        raise RuleError(f"{staff.name} does not run {service.name}; it is run by {', '.join(service.staff_ids)}")
    return staff


@dataclass(frozen=True)
class Busy:
    """A session that takes a member of staff's time, with the buffers its service keeps around it."""

    session_id: str
    start: datetime
    end: datetime
    before: timedelta
    after: timedelta


def _buffers(settings: Settings, service_id: str) -> tuple[timedelta, timedelta]:
    service = settings.services.get(service_id)
    if service is None:
        return timedelta(0), timedelta(0)
    return timedelta(minutes=service.buffer_before_minutes), timedelta(minutes=service.buffer_after_minutes)


def busy_times(settings: Settings, sessions: Iterable[Any], staff_id: str | None, service_id: str,
               ignore: str | None = None) -> list[Busy]:
    """The scheduled sessions among `sessions` that hold `staff_id` (None: the staff-less sessions of
    `service_id`, which is who runs a service when no one is named), but `ignore`."""
    found = []
    for session in sessions:
        if session.status != "scheduled" or session.id == ignore:
            continue
        if (session.staff_id == staff_id) if staff_id is not None else \
                (session.staff_id is None and session.service_id == service_id):
            before, after = _buffers(settings, session.service_id)
            # In UTC: buffers are elapsed minutes, and a zone's datetimes subtract by wall clock.
            found.append(Busy(session.id, session.start.astimezone(UTC), session.end.astimezone(UTC), before, after))
    return found


def _notice_problem(service: Service, start: datetime, now: datetime, zone: tzinfo) -> str | None:
    start, now = start.astimezone(UTC), now.astimezone(UTC)
    earliest = now + timedelta(hours=service.min_notice_hours)
    if service.min_notice_hours and start < earliest:
        return (f"too soon: {service.name} is booked at least {service.min_notice_hours} hours ahead "
                f"(from {earliest.astimezone(zone):%Y-%m-%d %H:%M})")
    return None


def _window_problem(service: Service, start: datetime, now: datetime, zone: tzinfo) -> str | None:
    start, now = start.astimezone(UTC), now.astimezone(UTC)
    if service.max_days_ahead is not None and start > now + timedelta(days=service.max_days_ahead):
        latest = now + timedelta(days=service.max_days_ahead)
        return (f"too far ahead: {service.name} is booked at most {service.max_days_ahead} days ahead "
                f"(until {latest.astimezone(zone):%Y-%m-%d %H:%M})")
    return None


def booking_window_problems(service: Service, start: datetime, now: datetime, zone: tzinfo) -> list[str]:
    """The notice and booking-window rules, which every booking keeps (a place in a class too)."""
    return [p for p in (_notice_problem(service, start, now, zone), _window_problem(service, start, now, zone)) if p]


def _within_hours(hours: WeeklyHours | None, start: datetime, end: datetime, zone: tzinfo) -> bool:
    if hours is None:
        return True
    day = start.astimezone(zone).date()
    return any(a <= start and end <= b for a, b in working_intervals(hours, day, zone))


def _hours_text(hours: WeeklyHours, day: date) -> str:
    return f"{WEEKDAYS[day.weekday()]} {getattr(hours, WEEKDAYS[day.weekday()])}"


def time_problems(uow: UnitOfWork, service: Service, staff: Staff | None, start: datetime, end: datetime, *,
                  ignore: str | None = None) -> list[str]:
    """The rules a new or moved session of `service` at [start, end) with `staff` breaks: hours, time
    off and buffers (a straight clash is `clashes.check_staff_free`'s, never overridden)."""
    settings = uow.settings
    zone = zone_of(uow)
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    found = []
    hours = hours_of(settings, staff)
    if not _within_hours(hours, start, end, zone):
        who = f"{staff.name}'s hours" if staff is not None and staff.hours is not None else "the business hours"
        assert hours is not None
        found.append(f"{span_text(start, end, zone)} is outside {who} ({_hours_text(hours, start.astimezone(zone).date())})")
    if staff is not None:
        for away in uow.timetable.time_off(staff.id):
            if overlaps(start, end, away.start, away.end):
                reason = f" ({away.reason})" if away.reason else ""
                found.append(f"{staff.name} is off from {away.start.astimezone(zone):%Y-%m-%d %H:%M} to "
                             f"{away.end.astimezone(zone):%Y-%m-%d %H:%M}{reason}, {away.id}")
                break
    before, after = timedelta(minutes=service.buffer_before_minutes), timedelta(minutes=service.buffer_after_minutes)
    nearby = (s for s, _ in uow.calendar.sessions_starting(start - LONGEST_SESSION - WIDEST_BUFFER - before,
                                                               end + WIDEST_BUFFER + after))
    for other in busy_times(settings, nearby, staff.id if staff else None, service.id, ignore):
        if overlaps(start, end, other.start, other.end):
            continue  # a straight clash: the clash rule's to refuse
        if _padded_overlap(start, end, before, after, other):
            found.append(f"{span_text(start, end, zone)} is inside the buffer kept around session {other.session_id} "
                         f"({span_text(other.start, other.end, zone)})")
            break
    return found


def _padded_overlap(start: datetime, end: datetime, before: timedelta, after: timedelta, other: Busy) -> bool:
    """Whether [start, end) with its buffers meets `other` with its own."""
    return overlaps(start - before, end + after, other.start - other.before, other.end + other.after)


def enforce(problems: list[str], force: bool) -> list[str]:
    """Refuse on the first problem unless `force`; returns what --force overrode."""
    if problems and not force:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise RuleError(f"{problems[0]}{more}; give --force to book it anyway")
    return problems


# --- free slots ---------------------------------------------------------------------------------

def slots(uow: UnitOfWork, now: datetime, service_ref: str, *, staff_ref: str | None = None,
          days: tuple[date, date] | None = None, every: int | None = None, first: bool = False) -> list[dict[str, Any]]:
    """The free start times of a service, in order: for an appointment, every time on the grid (its
    length, or `every` minutes, from the start of each working range) that some member of staff who
    runs it (or `staff_ref`) could take as `session book` would accept it; for a class or course, its
    meetings with places left. `days`: the first and last local day (default: today); `first`: the
    next free slot only, looking ahead up to the service's booking window (else a year)."""
    from bookctl.services.lookups import find_service

    settings = uow.settings
    zone = zone_of(uow)
    service = find_service(settings, service_ref)
    if service.archived:
        raise RuleError(f"service {service.id} was removed and cannot be booked")
    if every is not None and not 1 <= every <= 24 * 60:
        raise UsageError("--every must be between 1 and 1440 minutes")
    today = now.astimezone(zone).date()
    if days is None:
        horizon = service.max_days_ahead if service.max_days_ahead is not None else FIRST_SLOT_HORIZON_DAYS
        days = (today, today + timedelta(days=horizon)) if first else (today, today)
    if service.kind != "appointment":
        return _meeting_slots(uow, now, service, staff_ref, days, first)
    staff = _slot_staff(settings, service, staff_ref)
    found: list[dict[str, Any]] = []
    step = timedelta(minutes=every or service.duration_minutes)
    length = timedelta(minutes=service.duration_minutes)
    day = max(days[0], today)
    while day <= days[1]:
        week_end = min(days[1], day + timedelta(days=6))
        found += _week_slots(uow, now, service, staff, day, week_end, step, length, zone, first)
        if first and found:
            return found[:1]
        day = week_end + timedelta(days=1)
    return found


def _slot_staff(settings: Settings, service: Service, staff_ref: str | None) -> list[Staff | None]:
    if staff_ref:
        return [bookable_staff(settings, service, staff_ref)]
    if service.staff_ids:
        return [settings.staff[i] for i in service.staff_ids if i in settings.staff and not settings.staff[i].archived]
    working = [s for s in settings.staff.values() if not s.archived]
    return working or [None]  # a business with no staff on record: its sessions have no one named


def _week_slots(uow: UnitOfWork, now: datetime, service: Service, staff: list[Staff | None], first: date,
                last: date, step: timedelta, length: timedelta, zone: tzinfo, first_only: bool = False) -> list[dict[str, Any]]:
    """The slots of local days `first` to `last`, from one read of the sessions around them, day by
    day (`first_only`: up to the first day that has one)."""
    settings = uow.settings
    start, end = day_bounds(first, zone)[0], day_bounds(last, zone)[1]
    before, after = timedelta(minutes=service.buffer_before_minutes), timedelta(minutes=service.buffer_after_minutes)
    sessions = []
    held: dict[str, int] = {}  # staff-less sessions of this service: confirmed bookings in each
    for session, bookings in uow.calendar.stream(start - LONGEST_SESSION - WIDEST_BUFFER - before,
                                                 end + WIDEST_BUFFER + after):
        sessions.append(session)
        if session.staff_id is None and session.service_id == service.id:
            held[session.id] = sum(1 for b, _ in bookings if b.status in HOLDS_PLACE)
    now = now.astimezone(UTC)
    earliest = max(now, now + timedelta(hours=service.min_notice_hours))
    latest = now + timedelta(days=service.max_days_ahead) if service.max_days_ahead is not None else None
    members = []
    for member in staff:
        busy = busy_times(settings, sessions, member.id if member else None, service.id)
        away = uow.timetable.time_off(member.id) if member is not None else []
        members.append((member, busy, _Taken(busy), away, hours_of(settings, member)))
    found: list[dict[str, Any]] = []
    day = first
    while day <= last:
        today = []
        for member, busy, taken, away, hours in members:
            for a, b in working_intervals(hours, day, zone):
                moment = a
                while (finish := add_elapsed(moment, length)) <= b:
                    if moment >= earliest and (latest is None or moment <= latest) \
                            and not any(overlaps(moment, finish, t.start, t.end) for t in away) \
                            and (not taken.meets(moment - before, finish + after) if member is not None
                                 else _free_unassigned(moment, finish, before, after, busy, service, held)):
                        today.append((moment, member.id if member else "", _slot(moment, finish, member, service, zone)))
                    moment = add_elapsed(moment, step)
        today.sort(key=lambda found: found[:2])  # by instant: on the day the clocks go back, text order is not time order
        found += [slot for _, _, slot in today]
        if first_only and found:
            return found
        day += timedelta(days=1)
    return found


class _Taken:
    """A member's busy times with their buffers, to ask "does [lo, hi) meet any?" in O(log n): sorted by
    where each begins, with the latest end among those beginning up to each."""

    def __init__(self, busy: list[Busy]) -> None:
        padded = sorted((b.start - b.before, b.end + b.after) for b in busy)
        self.starts = [s for s, _ in padded]
        self.latest_end = []
        latest = None
        for _, e in padded:
            latest = e if latest is None or e > latest else latest
            self.latest_end.append(latest)

    def meets(self, lo: datetime, hi: datetime) -> bool:
        from bisect import bisect_left

        k = bisect_left(self.starts, hi)  # the intervals beginning before hi
        return k > 0 and self.latest_end[k - 1] > lo


def _free_unassigned(start: datetime, end: datetime, before: timedelta, after: timedelta, busy: list[Busy],
                     service: Service, held: dict[str, int]) -> bool:
    """No one named: the service's own staff-less sessions hold its places (clashes.check_unassigned_capacity),
    and their buffers are kept."""
    taken = sum(held.get(other.session_id, 0) for other in busy if overlaps(start, end, other.start, other.end))
    if taken >= service.capacity:
        return False
    return not any(_padded_overlap(start, end, before, after, other) for other in busy
                   if not overlaps(start, end, other.start, other.end))


def _slot(start: datetime, end: datetime, member: Staff | None, service: Service, zone: tzinfo) -> dict[str, Any]:
    return {"start": iso(start, zone), "end": iso(end, zone), "staff_id": member.id if member else None,
            "service_id": service.id}


def _meeting_slots(uow: UnitOfWork, now: datetime, service: Service, staff_ref: str | None,
                   days: tuple[date, date], first: bool) -> list[dict[str, Any]]:
    """A class's or course's meetings in `days` with places left that a client may still book."""
    zone = zone_of(uow)
    staff = bookable_staff(uow.settings, service, staff_ref) if staff_ref else None
    courses = _course_slots(uow, now, service, staff, days) if service.kind == "course" else []
    if first and courses:
        return courses[:1]
    found = []
    for start, end in _weeks(days, zone):
        week = []
        for session, bookings in uow.calendar.stream(start, end):
            if session.service_id != service.id or session.status != "scheduled" or session.start < now:
                continue
            if service.kind == "course" and session.schedule_id is not None:
                continue  # booked whole, from its first meeting: _course_slots
            if (staff is not None and session.staff_id != staff.id) or booking_window_problems(service, session.start, now, zone):
                continue
            left = session.capacity - sum(1 for b, _ in bookings if b.status in HOLDS_PLACE)
            if left > 0:
                week.append((session.start, session.id, {**_slot(session.start, session.end, None, service, zone),
                                                         "staff_id": session.staff_id, "session_id": session.id,
                                                         "places_left": left}))
        week.sort(key=lambda found: (found[0].astimezone(UTC), id_order(found[1])))
        found += [slot for _, _, slot in week]
        if first and found:
            return found[:1]
    if courses:
        found = sorted(found + courses, key=lambda slot: (datetime.fromisoformat(slot["start"]).astimezone(UTC),
                                                          id_order(slot["session_id"])))
    return found


def _course_slots(uow: UnitOfWork, now: datetime, service: Service, staff: Staff | None,
                  days: tuple[date, date]) -> list[dict[str, Any]]:
    """A course's schedules that `session book` would book whole now: from the first meeting, which
    has not begun, is in `days` and keeps the notice and window, with a place in every meeting
    (`places_left`: the fewest)."""
    from bookctl.services.timetables import schedule_meetings

    zone = zone_of(uow)
    found = []
    for schedule in uow.timetable.schedules():
        if schedule.service_id != service.id or (staff is not None and schedule.staff_id != staff.id):
            continue
        meetings = [m for m in schedule_meetings(uow, schedule) if m.status == "scheduled"]
        if not meetings:
            continue
        opening = meetings[0]
        if opening.start < now or not days[0] <= opening.start.astimezone(zone).date() <= days[1] \
                or booking_window_problems(service, opening.start, now, zone):
            continue
        left = min(m.capacity - sum(1 for b in uow.calendar.session_bookings(m) if b.status in HOLDS_PLACE)
                   for m in meetings)
        if left > 0:
            found.append({**_slot(opening.start, opening.end, None, service, zone), "staff_id": opening.staff_id,
                          "session_id": opening.id, "places_left": left})
    return found


def _weeks(days: tuple[date, date], zone: tzinfo) -> Iterator[tuple[datetime, datetime]]:
    day = days[0]
    while day <= days[1]:
        last = min(days[1], day + timedelta(days=6))
        yield day_bounds(day, zone)[0], day_bounds(last, zone)[1]
        day = last + timedelta(days=1)
