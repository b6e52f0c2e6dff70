"""Recurring schedules of classes and courses: their meetings put on the calendar up to a horizon
(`schedule extend`, safe to re-run from cron), skipped for a holiday, changed or ended (bookctl #19).

A meeting is a session like any other, with `schedule_id` naming its schedule. The schedule keeps
the last local day whose meetings are on the calendar (`materialized_through`), so extending again
makes nothing twice, and a meeting moved or cancelled is never made again.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from typing import Any

from bookctl.domain.hours import local_instant
from bookctl.domain.models import Service, Session
from bookctl.domain.schedules import Schedule
from bookctl.errors import RuleError, UsageError
from bookctl.services.clashes import check_staff_free
from bookctl.services.lookups import find_service, zone_of
from bookctl.services.timetables import schedule_meetings
from bookctl.storage.unit import UnitOfWork
from bookctl.timeutil import add_elapsed, day_bounds, iso

def schedule_view(schedule: Schedule) -> dict[str, Any]:
    """A schedule as the contract's JSON keys."""
    return {
        "id": schedule.id, "service_id": schedule.service_id, "staff_id": schedule.staff_id,
        "days": list(schedule.days), "at": schedule.at, "from": schedule.first_day.isoformat(),
        "until": None if schedule.until is None else schedule.until.isoformat(), "count": schedule.count,
        "capacity": schedule.capacity, "rrule": schedule.rrule, "exdates": [d.isoformat() for d in schedule.exdates],
        "materialized_through": None if schedule.materialized_through is None else schedule.materialized_through.isoformat(),
    }


def _service_for_schedule(uow: UnitOfWork, ref: str) -> Service:
    service = find_service(uow.settings, ref)
    if service.archived:
        raise RuleError(f"service {service.id} was removed and cannot be scheduled")
    if service.kind == "appointment":
        raise RuleError(f"{service.name} is an appointment; schedules are for classes and courses "
                        f"('bookctl service edit {service.id} --kind class' if it is one)")
    return service


def add_schedule(uow: UnitOfWork, now: datetime, service_ref: str, days: list[str], at: str, first_day: date,
                 until: date | None = None, count: int | None = None, staff_ref: str | None = None,
                 capacity: int | None = None) -> dict[str, Any]:
    """A recurring schedule of a class or course, its meetings put on the calendar at once: up to
    the horizon (`schedule.horizon_weeks`) for a class, every one for a course (it is booked whole).
    Refused whole if a meeting would clash with its staff's other sessions."""
    from bookctl.services.availability import bookable_staff

    service = _service_for_schedule(uow, service_ref)
    staff = bookable_staff(uow.settings, service, staff_ref)
    if (until is None) == (count is None):
        raise UsageError("give --until D or --count N: when the schedule ends")
    if until is not None and until < first_day:
        raise UsageError(f"--until {until} is before --from {first_day}")
    schedule = uow.timetable.add_schedule(
        service_id=service.id, staff_id=staff.id if staff else None, days=days, at=at, first_day=first_day,
        until=until, count=count, capacity=capacity or service.capacity, created_at=now)
    made, _ = _materialize(uow, now, schedule, _horizon(uow, now, schedule), refuse_clash=True)
    view = schedule_view(schedule)
    view["meetings"] = [session.id for session in made]
    view["notes"] = meeting_notes(uow, schedule, made)
    return view


def meeting_notes(uow: UnitOfWork, schedule: Schedule, sessions: list[Session]) -> list[str]:
    """One line for each of a schedule's new meetings the desk should look at: one in its staff's
    time off (a schedule keeps its time: a substitute may take the class), one whose wall-clock time
    the clocks skip that day (it is made when the clocks reach it)."""
    from bookctl.domain.models import overlaps

    zone = zone_of(uow)
    found = [f"session {session.id} is at {session.start.astimezone(zone):%Y-%m-%d %H:%M}: the clocks skip {schedule.at} that day"
             for session in sessions if f"{session.start.astimezone(zone):%H:%M}" != schedule.at]
    away: dict[str, list[Any]] = {}
    for session in sessions:
        if session.staff_id is None:
            continue
        if session.staff_id not in away:
            away[session.staff_id] = uow.timetable.time_off(session.staff_id)
        for off in away[session.staff_id]:
            if overlaps(session.start, session.end, off.start, off.end):
                found.append(f"session {session.id} on {session.start.astimezone(zone_of(uow)):%Y-%m-%d %H:%M} is in "
                             f"{session.staff_id}'s time off {off.id}")
                break
    return found


def _horizon(uow: UnitOfWork, now: datetime, schedule: Schedule, weeks: int | None = None) -> date:
    """The last local day whose meetings should be on the calendar now: a course's last, else the horizon."""
    service = uow.settings.services.get(schedule.service_id)
    if service is not None and service.kind == "course":
        return schedule.last_day()
    today = now.astimezone(zone_of(uow)).date()
    return today + timedelta(weeks=weeks if weeks is not None else uow.settings.schedule.horizon_weeks)


def meeting_start(schedule: Schedule, day: date, uow: UnitOfWork) -> datetime:
    """The aware start of the schedule's meeting on local `day`, at its wall-clock time."""
    return local_instant(datetime.combine(day, time.fromisoformat(schedule.at)), zone_of(uow))


def _materialize(uow: UnitOfWork, now: datetime, schedule: Schedule, through: date,
                 refuse_clash: bool = False) -> tuple[list[Session], str | None]:
    """Put the schedule's meetings after `materialized_through` and up to `through` on the calendar
    (none that has begun by `now`): the meetings made, and the clash that stopped it, if one did. A
    meeting that would clash with its staff's other sessions stops this schedule there: refused
    (`refuse_clash`: nothing is made), or left for a later run, which tries it again."""
    service = uow.settings.services[schedule.service_id]
    zone = zone_of(uow)
    made = []
    last_done = schedule.materialized_through
    for naive in schedule.occurrences(after=schedule.materialized_through, through=through):
        start = local_instant(naive, zone)
        if start < now:
            last_done = naive.date()
            continue
        end = add_elapsed(start, timedelta(minutes=service.duration_minutes))
        try:
            check_staff_free(uow, schedule.staff_id, start, end)
        except RuleError as exc:
            if refuse_clash:
                raise RuleError(f"the meeting of {naive:%Y-%m-%d %H:%M} clashes: {exc}") from None
            schedule.materialized_through = last_done
            return made, str(exc)
        made.append(uow.calendar.add_session(service_id=service.id, staff_id=schedule.staff_id, start=start, end=end,
                                             capacity=schedule.capacity, created_at=now, schedule_id=schedule.id))
        last_done = naive.date()
    schedule.materialized_through = max(filter(None, (schedule.materialized_through, last_done, min(through, schedule.last_day()))))
    return made, None


def extend(uow: UnitOfWork, now: datetime, weeks: int | None = None) -> tuple[list[dict[str, Any]], list[str]]:
    """Put every schedule's meetings on the calendar up to `weeks` ahead (default: the horizon): one
    row per schedule with the meetings made, and the clashes that stopped a schedule (each is tried
    again by the next run). Running it twice makes nothing twice."""
    if weeks is not None and not 1 <= weeks <= 520:
        raise UsageError("--weeks must be between 1 and 520")
    rows, clashes = [], []
    for schedule in uow.timetable.schedules():
        service = uow.settings.services.get(schedule.service_id)
        if service is None or service.archived:  # a removed service's schedule makes no new meetings
            continue
        made, clash = _materialize(uow, now, schedule, _horizon(uow, now, schedule, weeks))
        if clash is not None:
            clashes.append(f"schedule {schedule.id}: {clash}")
        rows.append({"schedule_id": schedule.id, "service_id": schedule.service_id, "made": len(made),
                     "through": None if schedule.materialized_through is None else schedule.materialized_through.isoformat(),
                     "meetings": [s.id for s in made], "notes": meeting_notes(uow, schedule, made)})
    return rows, clashes


def show(uow: UnitOfWork, now: datetime, ref: str) -> dict[str, Any]:
    """A schedule with its meetings from today on."""
    schedule = uow.timetable.schedule(ref)
    zone = zone_of(uow)
    view = schedule_view(schedule)
    today = now.astimezone(zone).date()
    view["upcoming"] = [{"session_id": s.id, "start": iso(s.start, zone), "status": s.status,
                         "booked": sum(1 for b in uow.calendar.session_bookings(s) if b.status == "confirmed")}
                        for s in schedule_meetings(uow, schedule, today)]
    return view


def _meeting_on(uow: UnitOfWork, schedule: Schedule, day: date) -> Session | None:
    zone = zone_of(uow)
    start, end = day_bounds(day, zone)
    for session, _ in uow.calendar.sessions_starting(start, end):
        if session.schedule_id == schedule.id and session.status == "scheduled":
            return session
    return None


def check_skip(uow: UnitOfWork, now: datetime, ref: str, day: date) -> tuple[Schedule, Session | None]:
    """The schedule and its meeting on `day` (None if not on the calendar yet), refusing a day it does
    not meet or has skipped already."""
    schedule = uow.timetable.schedule(ref)
    if day in schedule.exdates:
        raise RuleError(f"schedule {schedule.id} already skips {day}")
    if day < now.astimezone(zone_of(uow)).date():
        raise RuleError(f"{day} is past; a meeting that happened is not skipped (cancel its bookings one by one)")
    if not schedule.meets_on(day):
        raise RuleError(f"schedule {schedule.id} has no meeting on {day} ({', '.join(schedule.days)} at {schedule.at})")
    return schedule, _meeting_on(uow, schedule, day)


def skip(schedule: Schedule, day: date) -> None:
    """Leave `day` out of the schedule (its EXDATEs)."""
    schedule.exdates = sorted({*schedule.exdates, day})


def _future_meetings(uow: UnitOfWork, now: datetime, schedule: Schedule) -> Iterator[tuple[Session, list[Any]]]:
    zone = zone_of(uow)
    for session in schedule_meetings(uow, schedule, now.astimezone(zone).date()):
        if session.status == "scheduled" and session.start >= now:
            yield session, [b for b in uow.calendar.session_bookings(session) if b.status == "confirmed"]


def edit(uow: UnitOfWork, now: datetime, ref: str, at: str | None = None, staff_ref: str | None = None,
         capacity: int | None = None, move_booked: bool = False, notify: bool = False) -> dict[str, Any]:
    """Change a schedule and its meetings to come. A new time or member of staff moves the meetings
    with no one booked; one with bookings is moved only with `move_booked` (and its clients told with
    `notify`), never silently. A capacity below a meeting's bookings is refused."""
    from bookctl.services.availability import bookable_staff
    from bookctl.services.meetings import move_meeting

    schedule = uow.timetable.schedule(ref)
    service = uow.settings.services[schedule.service_id]
    staff = bookable_staff(uow.settings, service, staff_ref) if staff_ref else None
    if notify and not move_booked:
        raise UsageError("--notify goes with --move-booked: it tells the clients whose meetings move")
    zone = zone_of(uow)
    moving_time = at is not None and at != schedule.at
    moving = moving_time or staff is not None and staff.id != schedule.staff_id
    # A meeting moved by hand ('session move') keeps its own time; the others follow the schedule's.
    # Compared as instants with the rule's own (a time the clocks skip is made later), and none is
    # moved to a time already gone.
    meetings = []
    for session, bookings in _future_meetings(uow, now, schedule):
        day = session.start.astimezone(zone).date()
        if moving_time and session.start != meeting_start(schedule, day, uow):
            continue
        new_start = meeting_start(schedule.model_copy(update={"at": at}), day, uow) if moving_time else session.start
        if new_start < now:
            continue
        meetings.append((session, bookings, new_start))
    booked = [session.id for session, bookings, _ in meetings if bookings]
    if moving and booked and not move_booked:
        listed = ", ".join(booked[:5]) + (f" and {len(booked) - 5} more" if len(booked) > 5 else "")
        which = f"meeting {listed} has" if len(booked) == 1 else f"meetings {listed} have"
        raise RuleError(f"{which} bookings; give --move-booked --notify to move them and tell the "
                        "clients, or leave the time and staff as they are")
    if capacity is not None:
        for session, bookings, _ in meetings:
            if len(bookings) > capacity:
                raise RuleError(f"session {session.id} has {len(bookings)} bookings, more than --capacity {capacity}")
    emails = []
    if at is not None:
        schedule.at = at
    if staff is not None:
        schedule.staff_id = staff.id
    if capacity is not None:
        schedule.capacity = capacity
    moved = []
    for session, bookings, new_start in meetings:
        if capacity is not None:
            session.capacity = capacity
        if not moving:
            continue
        # The clients' other bookings are not checked here: the whole timetable moves, and the desk
        # is told who is notified; one meeting is moved with its checks by 'session move'.
        emails += move_meeting(uow, now, session, new_start, staff_id=schedule.staff_id,
                               notify=notify and bool(bookings), force=True, allow_overlap=True)
        moved.append(session)
    view = schedule_view(schedule)
    view["changed"] = [session.id for session, _, _ in meetings]
    view["notes"] = meeting_notes(uow, schedule, moved)
    if emails:
        view["emails"] = emails
    return view


def end(uow: UnitOfWork, now: datetime, ref: str, after: date) -> dict[str, Any]:
    """Stop a schedule after local day `after`: its meetings later than that are cancelled, refused
    (naming them) while any has bookings; 'session cancel SESSION --all' deals with those first."""
    schedule = uow.timetable.schedule(ref)
    zone = zone_of(uow)
    if after < schedule.first_day:
        raise UsageError(f"--after {after} is before the schedule starts ({schedule.first_day})")
    later = [s for s in schedule_meetings(uow, schedule) if s.status == "scheduled" and s.start >= now
             and s.start.astimezone(zone).date() > after]
    booked = [s.id for s in later if any(b.status == "confirmed" for b in uow.calendar.session_bookings(s))]
    if booked:
        raise RuleError(f"meetings after {after} have bookings ({', '.join(booked[:5])}); cancel them with "
                        "'bookctl session cancel SESSION --all --refund --notify' first")
    for session in later:
        session.status = "cancelled"
    if after < schedule.last_day():
        schedule.until, schedule.count = after, None
    if schedule.materialized_through is not None:
        schedule.materialized_through = min(schedule.materialized_through, max(after, schedule.first_day))
    view = schedule_view(schedule)
    view["cancelled"] = [s.id for s in later]
    return view
