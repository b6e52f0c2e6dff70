"""Staff beyond adding them: their weekly hours, their time off, editing and removing a member."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta, tzinfo
from typing import TYPE_CHECKING, Any

from bookctl.domain.hours import WEEKDAYS, WeeklyHours
from bookctl.domain.models import Session, Staff, overlaps
from bookctl.errors import NotFoundError, RuleError
from bookctl.services.clashes import LONGEST_SESSION
from bookctl.services.lookups import find_staff, zone_of
from bookctl.services.setup import check_staff_name
from bookctl.services.views import staff_view
from bookctl.storage.unit import UnitOfWork
from bookctl.timeutil import iso

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from bookctl.domain.schedules import TimeOff

# How many session ids a refusal lists before it says "and N more".
SHOWN_IDS = 5


def _ids_text(sessions: list[Session]) -> str:
    """'s-1, s-2' or 's-1, ..., s-5 and 3 more'."""
    ids = [s.id for s in sessions]
    shown = ", ".join(ids[:SHOWN_IDS])
    return shown if len(ids) <= SHOWN_IDS else f"{shown} and {len(ids) - SHOWN_IDS} more"


def hours_summary(hours: Mapping[str, str] | None) -> str:
    """A staff view's `hours` as one short line: consecutive days with the same ranges share one entry
    ('mon-fri 09:00-18:00; sat-sun off'); None is 'business hours'."""
    if hours is None:
        return "business hours"
    groups: list[tuple[str, str, str]] = []  # (first day, last day, ranges)
    for day in WEEKDAYS:
        text = hours.get(day, "off")
        if groups and groups[-1][2] == text:
            groups[-1] = (groups[-1][0], day, text)
        else:
            groups.append((day, day, text))
    return "; ".join(f"{first if first == last else f'{first}-{last}'} {text}" for first, last, text in groups)


def time_off_view(record: TimeOff, zone: tzinfo) -> dict[str, Any]:
    """A time off as its JSON keys, times with the store's offset."""
    return {"id": record.id, "staff_id": record.staff_id, "start": iso(record.start, zone),
            "end": iso(record.end, zone), "reason": record.reason, "created_at": iso(record.created_at, zone)}


def staff_card(uow: UnitOfWork, ref: str) -> dict[str, Any]:
    """A member of staff (id or unique name) with their `time_off`, by start."""
    staff = find_staff(uow.settings, ref)
    zone = zone_of(uow)
    return {**staff_view(staff), "time_off": [time_off_view(t, zone) for t in uow.timetable.time_off(staff.id)]}


def set_hours(uow: UnitOfWork, ref: str, days: Mapping[str, str] | None = None, clear: bool = False) -> Staff:
    """Set some weekdays of a member's hours (`days`: weekday -> ranges text, each already valid); the
    other days keep theirs. A member without hours of their own starts from a copy of the business
    hours (every day off when there are none). `clear` goes back to the business hours."""
    staff = find_staff(uow.settings, ref)
    if clear:
        staff.hours = None
        return staff
    if days:
        base = staff.hours or uow.settings.hours or WeeklyHours()
        staff.hours = WeeklyHours(**{**base.as_dict(), **days})
    return staff


def add_time_off(uow: UnitOfWork, now: datetime, ref: str, start: datetime, end: datetime,
                 reason: str | None = None, force: bool = False) -> TimeOff:
    """Record a member's time off from `start` to `end` (aware; end after start; `reason` one line already
    checked). Refused while the member has scheduled sessions during it, unless `force`."""
    staff = find_staff(uow.settings, ref)
    if end <= start:
        raise ValueError("add_time_off: end must come after start")
    clashing = sorted((s for s, _ in uow.calendar.sessions_starting(start - LONGEST_SESSION, end)
                       if s.staff_id == staff.id and s.status == "scheduled" and overlaps(start, end, s.start, s.end)),
                      key=lambda s: (s.start, s.id))
    if clashing and not force:
        what = "a session" if len(clashing) == 1 else f"{len(clashing)} sessions"
        raise RuleError(f"{staff.name} has {what} scheduled during that time off ({_ids_text(clashing)}); "
                        "move or cancel them first, or give --force to record it anyway")
    return uow.timetable.add_time_off(staff_id=staff.id, start=start, end=end, reason=reason, created_at=now)


def remove_time_off(uow: UnitOfWork, ref: str, time_off_id: str) -> TimeOff:
    """Delete one of a member's time off; another member's is not found."""
    staff = find_staff(uow.settings, ref)
    record = uow.timetable.get_time_off(time_off_id)
    if record.staff_id != staff.id:
        raise NotFoundError(f"{staff.name} has no time off {time_off_id!r}; see 'bookctl staff show {staff.id}'")
    uow.timetable.remove_time_off(record)
    return record


def edit_staff(uow: UnitOfWork, ref: str, *, name: str | None = None, email: str | None = None,
               restore: bool = False) -> Staff:
    """Change a member's name (checked and free) or email (an address already checked; "" clears it);
    `restore` brings back a removed member. None leaves a value as it is."""
    staff = find_staff(uow.settings, ref)
    if name is not None:
        staff.name = check_staff_name(uow, name, ignore=staff.id)
    if email is not None:
        staff.email = email or None
    if restore:
        staff.archived = False
    return staff


def upcoming_sessions(uow: UnitOfWork, now: datetime, staff_id: str) -> list[Session]:
    """The member's scheduled sessions starting from `now` on, by start."""
    span = uow.calendar.span()
    if span is None:
        return []
    end = datetime.combine(span[1] + timedelta(days=1), time(), tzinfo=UTC)
    if end <= now:
        return []
    found = [s for s, _ in uow.calendar.sessions_starting(now, end) if s.staff_id == staff_id and s.status == "scheduled"]
    return sorted(found, key=lambda s: (s.start, s.id))


def remove_staff(uow: UnitOfWork, now: datetime, ref: str) -> Staff:
    """Archive a member (kept for the history of their past sessions); refused while they have scheduled
    sessions from `now` on."""
    staff = find_staff(uow.settings, ref)
    today = now.astimezone(zone_of(uow)).date()
    running = [s.id for s in uow.timetable.schedules() if s.staff_id == staff.id and s.last_day() >= today]
    if running:
        raise RuleError(f"{staff.name} runs schedule {', '.join(running)}; give it to someone else "
                        f"('bookctl schedule edit {running[0]} --staff ...') or end it ('bookctl schedule end') first")
    ahead = upcoming_sessions(uow, now, staff.id)
    if ahead:
        what = "a session" if len(ahead) == 1 else f"{len(ahead)} sessions"
        raise RuleError(f"{staff.name} has {what} scheduled from now on ({_ids_text(ahead)}); free them with "
                        "'bookctl session move' or 'bookctl session cancel --all' first")
    staff.archived = True
    return staff


def staff_ids(uow: UnitOfWork, refs: Iterable[str]) -> list[str]:
    """The ids of the members named by `refs` (ids or unique names), in order, each once; a removed
    member cannot be given new work."""
    found: list[str] = []
    for ref in refs:
        staff = find_staff(uow.settings, ref)
        if staff.archived:
            raise RuleError(f"staff member {staff.id} was removed; 'bookctl staff edit {staff.id} --restore' "
                            "brings them back")
        if staff.id not in found:
            found.append(staff.id)
    return found
