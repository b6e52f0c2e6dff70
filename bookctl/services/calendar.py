"""The calendar: sessions, bookings, attendance, rescheduling and cancelling (seed 000).

The functions take values (datetimes, dates, ids, form answers); the commands parse what was typed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime, timedelta, tzinfo
from typing import TYPE_CHECKING, Any, TypeVar

from bookctl.domain.attendance import change_attendance
from bookctl.domain.ids import id_order
from bookctl.domain.models import HOLDS_PLACE, WAITING_STATUSES, Booking, Service, Session
from bookctl.errors import NotFoundError, RuleError, UsageError
from bookctl.services.clashes import (
    check_contact_free,
    check_staff_free,
    check_unassigned_capacity,
)
from bookctl.services.lookups import find_service, resolve_booking, zone_of
from bookctl.services.places import (
    bookable_contact,
    booking_window,
    cancel_place,
    label_with_service,
    places_left,
)
from bookctl.services.views import booking_view, session_view
from bookctl.storage.unit import UnitOfWork
from bookctl.timeutil import add_elapsed, day_bounds, iso

if TYPE_CHECKING:
    from bookctl.storage.repositories import SessionBookings

T = TypeVar("T")
# A value, or a function that returns it. A command passes a function for what it can only parse
# once the store is open and must refuse after the service's own checks (an unknown service is
# reported before a start that does not parse, as it always was); the service calls it where it
# needs the value.
Later = T | Callable[[], T]


def _value(given: Later[T]) -> T:
    return given() if callable(given) else given


def _not_in_past(start: datetime, now: datetime, allow_past: bool, zone: tzinfo) -> None:
    if start < now and not allow_past:
        raise RuleError(f"{start.astimezone(zone):%Y-%m-%d %H:%M} is in the past; "
                        "use --allow-past to record a session that already happened")


def _bookable(service: Service) -> Service:
    if service.archived:
        raise RuleError(f"service {service.id} was removed and cannot be booked; "
                        f"'bookctl service edit {service.id} --restore' brings it back")
    return service


def add_session(uow: UnitOfWork, now: datetime, service_ref: str, start: Later[datetime],
                staff_ref: str | None = None, capacity: Later[int | None] = None,
                allow_past: bool = False) -> dict[str, Any]:
    """Put a meeting of a class or course on the calendar, with no one booked yet. `capacity`: the
    places (the command has checked the range), or None for the service's."""
    zone = zone_of(uow)
    service = _bookable(find_service(uow.settings, service_ref))
    if service.kind == "appointment":
        raise RuleError(f"{service.name} is an appointment; its session is made when it is booked "
                        "('bookctl session book')")
    start = _value(start)
    _not_in_past(start, now, allow_past, zone)
    capacity = _value(capacity)
    from bookctl.services.availability import bookable_staff

    staff = bookable_staff(uow.settings, service, staff_ref)
    staff_id = staff.id if staff else None
    end = add_elapsed(start, timedelta(minutes=service.duration_minutes))
    check_staff_free(uow, staff_id, start, end)
    session = uow.calendar.add_session(service_id=service.id, staff_id=staff_id, start=start, end=end,
                              capacity=capacity or service.capacity, created_at=now)
    return session_view(session, [], zone)


def book(uow: UnitOfWork, now: datetime, contact_id: str, *, service_ref: str | None = None,
         start: Later[datetime] | None = None, session_id: str | None = None, staff_ref: str | None = None,
         answers: dict[str, str] | None = None, allow_past: bool = False,
         allow_overlap: bool = False, force: bool = False, schedule_ref: str | None = None,
         waitlist: bool = False, pass_ref: str | None = None, use_pass: bool = False) -> dict[str, Any]:
    """Book a contact into a session: `session_id`, an existing one, or `service_ref` at `start`
    (with `staff_ref`, when given), a new appointment or a place in a class. `answers`: the booking
    form's. The contact may not hold another confirmed booking at that time unless `allow_overlap`.

    A new appointment keeps the staff's hours, time off and buffers, and every booking the service's
    notice and booking window (services/availability.py); `force` books despite them, and the view
    then lists what it overrode under `overrode`. A course is booked whole: a course service with no
    `start` (its schedule: `schedule_ref`, or its only one) or one of its scheduled meetings books
    every meeting (`book_course`). With `waitlist`, a full class puts the client on its waitlist
    (services/waitlist.py) instead of refusing. `pass_ref` pays with a credit of that pass, `use_pass`
    with the contact's pass that covers it and expires first (services/plans.py): the booking is `covered`."""
    from bookctl.services.availability import bookable_staff, enforce, time_problems

    zone = zone_of(uow)
    overrode: list[str] = []
    with_pass = pass_ref is not None or use_pass
    if with_pass and waitlist:
        raise UsageError("--pass/--use-pass pays for a place taken now; a waitlist place is paid when it is offered")
    if waitlist:
        from bookctl.services.waitlist import check_can_wait

        check_can_wait(uow.settings.services[uow.calendar.get_session(session_id).service_id] if session_id is not None
                       else find_service(uow.settings, service_ref or ""))
    if session_id is not None:
        if service_ref or start is not None or staff_ref:
            raise ValueError("book: an existing session takes no service, start or staff")
        session = uow.calendar.get_session(session_id)
        service = _bookable(uow.settings.services[session.service_id])
        if session.status != "scheduled":
            raise RuleError(f"session {session.id} is cancelled")
        if service.kind == "course" and session.schedule_id is not None:
            _no_pass_for_course(service, with_pass)
            from bookctl.services.courses import book_course

            return book_course(uow, now, contact_id, service, uow.timetable.schedule(session.schedule_id),
                               answers, allow_past, allow_overlap, force)
    else:
        if not service_ref:
            raise ValueError("book: give a session, or a service and a start")
        service = _bookable(find_service(uow.settings, service_ref))
        if start is None:
            if service.kind != "course":
                raise UsageError("give --start (or --session to join an existing one); only a course is booked "
                                 "without one, whole")
            _no_pass_for_course(service, with_pass)
            from bookctl.services.courses import book_course, course_schedule

            return book_course(uow, now, contact_id, service, course_schedule(uow, service, schedule_ref),
                               answers, allow_past, allow_overlap, force)
        start = _value(start)
        staff = bookable_staff(uow.settings, service, staff_ref)
        staff_id = staff.id if staff else None
        session = None if service.kind == "appointment" else _find_class_session(uow, service, start, staff_id)
        if session is None:
            _not_in_past(start, now, allow_past, zone)
            end = add_elapsed(start, timedelta(minutes=service.duration_minutes))
            uow.contacts.get(contact_id)  # an unknown contact is exit 3 before anything is checked
            check_staff_free(uow, staff_id, start, end)
            if staff_id is None:
                check_unassigned_capacity(uow, service, start, end)
            overrode = enforce(booking_window(service, start, now, zone, allow_past) + time_problems(uow, service, staff, start, end),
                               force)
            session = uow.calendar.add_session(service_id=service.id, staff_id=staff_id, start=start, end=end,
                                      capacity=service.capacity, created_at=now)
        elif service.kind == "course" and session.schedule_id is not None:
            _no_pass_for_course(service, with_pass)
            from bookctl.services.courses import book_course

            return book_course(uow, now, contact_id, service, uow.timetable.schedule(session.schedule_id),
                               answers, allow_past, allow_overlap, force)
    _not_in_past(session.start, now, allow_past, zone)
    contact = bookable_contact(uow, contact_id)
    bookings = uow.calendar.session_bookings(session)
    if any(b.contact_id == contact.id and b.status == "confirmed" for b in bookings):
        raise RuleError(f"{contact.display_name} is already booked in session {session.id}")
    from bookctl.services.waitlist import already_waiting, join

    already_waiting(bookings, contact, session)
    if not allow_overlap:
        check_contact_free(uow, contact, session.start, session.end)
    full = places_left(session, bookings) <= 0
    if full and not waitlist:
        hint = "; --waitlist puts the client on its waitlist" if service.kind == "class" and service.waitlist_size != 0 else ""
        raise RuleError(f"session {session.id} is full: no places left of {session.capacity}{hint}")
    if not overrode:
        overrode = enforce(booking_window(service, session.start, now, zone, allow_past), force)
    if full:
        view = join(uow, now, contact, session, service, bookings, answers or {})
        if overrode:
            view["overrode"] = overrode
        return view
    booking = uow.calendar.add_booking(session, contact_id=contact.id, price=service.price,
                                       form_responses=dict(answers or {}), created_at=now)
    if with_pass:
        from bookctl.services.credits import spend_credit

        spend_credit(uow, now, booking, session, service, pass_ref)
    label_with_service(contact, service)
    view = booking_view(booking, session, zone)
    if overrode:
        view["overrode"] = overrode
    return view


def _find_class_session(uow: UnitOfWork, service: Service, start: datetime, staff_id: str | None) -> Session | None:
    """The scheduled meeting of `service` at `start` (with `staff_id`, when given), if there is one."""
    for session, _ in uow.calendar.sessions_starting(start, start + timedelta(minutes=1)):
        if session.service_id == service.id and session.start == start and session.status == "scheduled" \
                and (staff_id is None or session.staff_id == staff_id):
            return session
    return None


def show(uow: UnitOfWork, ref: str) -> dict[str, Any]:
    """A booking, or a session with its bookings."""
    zone = zone_of(uow)
    if ref.startswith("s-"):
        session = uow.calendar.get_session(ref)
        return session_view(session, uow.calendar.session_bookings(session), zone)
    booking = uow.calendar.get_booking(ref)
    return booking_view(booking, uow.calendar.get_session(booking.session_id), zone)


def _still_covered(uow: UnitOfWork, booking: Booking, start: datetime) -> None:
    if booking.pass_id is not None:
        from bookctl.services.credits import check_still_covered

        check_still_covered(uow, booking, start)


def _no_pass_for_course(service: Service, with_pass: bool) -> None:
    if with_pass:
        raise RuleError(f"{service.name} is a course, booked whole at its own price; a pass pays for one session")


def set_attendance(uow: UnitOfWork, now: datetime, ref: str, to: str) -> dict[str, Any]:
    """Mark a booking booked, checked in or no-show; a no-show settles the credit of a pass that covers it
    (services/credits.py)."""
    zone = zone_of(uow)
    booking, session = resolve_booking(uow, ref)
    was_no_show = booking.attendance == "no_show"
    if change_attendance(booking, session, to, now.astimezone(zone)) and booking.pass_id and \
            (to == "no_show" or was_no_show):
        from bookctl.services.credits import no_show_credit

        no_show_credit(uow, now, booking, uow.settings.services.get(session.service_id), was_no_show)
    return booking_view(booking, session, zone)


def cancel(uow: UnitOfWork, now: datetime, ref: str, notify: bool = False, whole_course: bool = True,
           by_business: bool = False) -> dict[str, Any]:
    """Cancel a booking and free its place; an appointment's session is cancelled with it. The booking
    that holds a course (its first meeting's) takes the client's places in the course's meetings yet
    to come with it, unless `whole_course` is False (one meeting is cancelled, not the course).

    With `notify`, the cancellation email is queued in the outbox in this same unit of work; the
    view then carries `email: {message, to, status: queued}`. `by_business`: the studio cancelled the
    session, so a pass's credit always comes back (services/credits.py)."""
    zone = zone_of(uow)
    booking, session = resolve_booking(uow, ref)
    if booking.status == "cancelled":
        raise RuleError(f"booking {booking.id} is already cancelled")
    address = None
    if notify:
        from bookctl.services.mail import check_can_email

        address = check_can_email(uow, uow.contacts.get(booking.contact_id))  # refuse before changing anything
    held = booking.status in HOLDS_PLACE
    cancel_place(booking, now)
    service = uow.settings.services.get(session.service_id)
    credit = None
    if booking.pass_id is not None:
        from bookctl.services.credits import release_credit

        credit = release_credit(uow, now, booking, session, service, by_business)
    others = [b for b in uow.calendar.session_bookings(session) if b.status == "confirmed" and b.id != booking.id]
    if (service is None or service.kind == "appointment") and not others:
        session.status = "cancelled"  # frees the staff member's time
    view = booking_view(booking, session, zone)
    if credit is not None:
        view["credit"] = credit  # returned to the pass, or forfeited
    if held and service is not None and service.kind == "class":
        from bookctl.services.waitlist import fill_freed_places

        given = fill_freed_places(uow, now, session)
        if given:
            view["waitlist"] = given
    if whole_course and booking.course_booking_id == booking.id:
        from bookctl.services.courses import cancel_course_places

        view["course_cancelled"] = cancel_course_places(uow, now, booking)
    if notify:
        from bookctl.services.mail import queue_cancellation_email

        message_id = queue_cancellation_email(uow, now, booking, session)
        view["email"] = {"message": message_id, "to": address, "status": "queued"}
    return view


def reschedule(uow: UnitOfWork, now: datetime, ref: str, start: Later[datetime] | None = None, allow_past: bool = False,
               allow_overlap: bool = False, session_id: str | None = None, force: bool = False) -> dict[str, Any]:
    """Move a booking to a new time: an appointment moves its session (keeping the staff's hours,
    time off and buffers, and the service's notice and window, unless `force`); a class booking
    changes to another existing meeting of its service, `session_id` or the one at `start`, and
    never makes a meeting of its own. Moving into another of the contact's bookings is refused, as
    booking it would be, unless `allow_overlap`."""
    from bookctl.services.availability import enforce, time_problems

    zone = zone_of(uow)
    booking, session = resolve_booking(uow, ref)
    if booking.status == "cancelled":
        raise RuleError(f"booking {booking.id} is cancelled; book again instead")
    if booking.status in WAITING_STATUSES:
        raise RuleError(f"booking {booking.id} is on the waitlist of session {session.id}; "
                        "'bookctl waitlist leave' it and join another meeting's")
    if booking.attendance != "booked":
        raise RuleError(f"booking {booking.id} is marked {booking.attendance}; "
                        "set its attendance back to booked before rescheduling")
    service = uow.settings.services[session.service_id]
    if service.kind != "appointment":
        return _change_meeting(uow, now, booking, session, service, start, session_id, allow_past, allow_overlap)
    if session_id is not None:
        raise UsageError(f"{service.name} is an appointment: give --start, its new time (--session is for classes)")
    if start is None:
        raise UsageError("give --start, the new time")
    start = _value(start)
    _not_in_past(start, now, allow_past, zone)
    _still_covered(uow, booking, start)
    end = add_elapsed(start, session.end - session.start)
    if not allow_overlap:
        check_contact_free(uow, uow.contacts.get(booking.contact_id), start, end, ignore=booking.id,
                           to="move it there anyway")
    check_staff_free(uow, session.staff_id, start, end, ignore=session.id)
    if session.staff_id is None:
        check_unassigned_capacity(uow, service, start, end, ignore=session.id)
    staff = uow.settings.staff.get(session.staff_id or "")
    overrode = enforce(booking_window(service, start, now, zone, allow_past)
                       + time_problems(uow, service, staff, start, end, ignore=session.id), force)
    for moved in uow.calendar.session_bookings(session):  # every booking of the appointment moves with it
        moved.revision += 1
    uow.calendar.move_session(session, start, end)
    view = booking_view(booking, session, zone)
    if overrode:
        view["overrode"] = overrode
    return view


def _change_meeting(uow: UnitOfWork, now: datetime, booking: Booking, session: Session, service: Service,
                    start: Later[datetime] | None, session_id: str | None, allow_past: bool,
                    allow_overlap: bool) -> dict[str, Any]:
    """A class booking moves to another meeting that is on the calendar already."""
    zone = zone_of(uow)
    if session_id is not None:
        target = uow.calendar.get_session(session_id)
        if target.service_id != service.id:
            raise RuleError(f"session {target.id} is not a meeting of {service.name}")
        if target.status != "scheduled":
            raise RuleError(f"session {target.id} is cancelled")
    else:
        if start is None:
            raise UsageError("give --session, the meeting to move to (or --start, its time)")
        moment = _value(start)
        target = _find_class_session(uow, service, moment, session.staff_id) or _find_class_session(uow, service, moment, None)
        if target is None:
            raise RuleError(f"{service.name} has no meeting at {moment.astimezone(zone):%Y-%m-%d %H:%M}; give "
                            f"--session of an existing one ('bookctl session slots --service {service.id}' lists them) "
                            "or put one on the calendar with 'bookctl session add'")
    if target.id == session.id:
        return booking_view(booking, session, zone)
    _not_in_past(target.start, now, allow_past, zone)
    _still_covered(uow, booking, target.start)
    if not allow_overlap:
        check_contact_free(uow, uow.contacts.get(booking.contact_id), target.start, target.end, ignore=booking.id,
                           to="move it there anyway")
    bookings = uow.calendar.session_bookings(target)
    if any(b.contact_id == booking.contact_id and b.status == "confirmed" for b in bookings):
        raise RuleError(f"contact {booking.contact_id} is already booked in session {target.id}")
    if places_left(target, bookings) <= 0:
        raise RuleError(f"session {target.id} is full: no places left of {target.capacity}")
    booking.revision += 1
    uow.calendar.move_booking(booking, target)
    view = booking_view(booking, target, zone)
    from bookctl.services.waitlist import fill_freed_places

    given = fill_freed_places(uow, now, session)  # the place it left
    if given:
        view["waitlist"] = given
    return view


def list_bookings(uow: UnitOfWork, now: datetime, *, days: Later[tuple[date | None, date | None]] | None = None,
                  staff_id: str | None = None, service_id: str | None = None,
                  contact_id: str | None = None, waitlisted: bool = False) -> list[dict[str, Any]]:
    """One row per booking, ordered by start. `days`: the first and last local day, inclusive,
    either open; when None, today's, or every booking of `contact_id` when given. `staff_id` and
    `service_id` (resolved by the caller) narrow it down. Clients on a waitlist are left out unless
    `waitlisted`."""
    zone = zone_of(uow)
    pairs: Iterable[SessionBookings]
    if contact_id is not None and days is None:
        contact = uow.contacts.get(contact_id)
        pairs = _contact_pairs(uow, contact.booking_ids)
    else:
        if contact_id is not None:
            uow.contacts.get(contact_id)
        start, end = _period(uow, now, zone, None if days is None else _value(days))
        pairs = uow.calendar.stream(start, end) if start < end else []
    rows = []
    for session, bookings in pairs:
        if (staff_id and session.staff_id != staff_id) or (service_id and session.service_id != service_id):
            continue
        times = None  # the session's, worked out once for its bookings
        for booking, entries in bookings:
            if (contact_id is None or booking.contact_id == contact_id) \
                    and (waitlisted or booking.status not in WAITING_STATUSES):
                times = times or (iso(session.start, zone), iso(session.end, zone))
                rows.append((session.start, booking.id, booking_view(booking, session, zone, entries, times)))
    rows.sort(key=lambda row: (row[0], id_order(row[1])))
    return [row for _, _, row in rows]


def _contact_pairs(uow: UnitOfWork, booking_ids: list[str]) -> Iterable[SessionBookings]:
    for booking_id in booking_ids:
        booking = uow.calendar.get_booking(booking_id)
        yield uow.calendar.get_session(booking.session_id), [(booking, booking.ledger_entries)]


def _period(uow: UnitOfWork, now: datetime, zone: tzinfo,
            days: tuple[date | None, date | None] | None) -> tuple[datetime, datetime]:
    """The instants [start, end) the local `days` cover (today when None; an open end: the calendar's)."""
    if days is None:
        return day_bounds(now.astimezone(zone).date(), zone)
    first, last = days
    if first and last:
        return day_bounds(first, zone)[0], day_bounds(last, zone)[1]
    span = uow.calendar.span()
    if span is None:
        return now, now
    # A local day can straddle two UTC days; widen by one so nothing at the edges is missed.
    first = first or span[0] - timedelta(days=1)
    last = last or span[1] + timedelta(days=1)
    return day_bounds(first, zone)[0], day_bounds(last, zone)[1]


def display_rows(uow: UnitOfWork, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows for a person: names beside ids."""
    settings = uow.settings
    names: dict[str, str] = {}
    out = []
    for row in rows:
        contact_id = row["contact_id"]
        if contact_id not in names:
            try:
                names[contact_id] = uow.contacts.lookup(contact_id).display_name
            except NotFoundError:
                names[contact_id] = contact_id
        service = settings.services.get(row["service_id"])
        staff = settings.staff.get(row["staff_id"] or "")
        out.append({
            "id": row["id"], "start": row["start"][:16].replace("T", " "), "end": row["end"][11:16],
            "service": service.name if service else row["service_id"], "contact": names[contact_id],
            "staff": staff.name if staff else "", "status": row["status"], "attendance": row["attendance"],
            "payment": row["payment_status"], "paid": _paid_of_price(row), "due": row["due"],
        })
    return out


def _paid_of_price(row: dict[str, Any]) -> str:
    """What the desk reads at check-in: "20.00 of 65.00", what is paid (net of refunds) of the price."""
    return f"{row['paid']['amount']} of {row['price']['amount']}"


def today(now: datetime, zone: tzinfo) -> date:
    """The store's calendar day at `now`."""
    return now.astimezone(zone).date()
