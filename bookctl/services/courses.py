"""Courses, booked whole: one booking per meeting of the course's schedule, the first holding the
course's price and its ledger (bookctl #19). Attendance is kept per meeting; cancelling the first
booking cancels the client's places in the meetings still to come."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bookctl.domain.models import Booking, Service
from bookctl.domain.schedules import Schedule
from bookctl.errors import RuleError, UsageError
from bookctl.services.clashes import check_contact_free
from bookctl.services.lookups import zone_of
from bookctl.services.places import (
    bookable_contact,
    booking_window,
    cancel_place,
    label_with_service,
    places_left,
)
from bookctl.services.views import booking_view
from bookctl.storage.unit import UnitOfWork


def course_schedule(uow: UnitOfWork, service: Service, schedule_ref: str | None) -> Schedule:
    """The schedule a course booking takes: `schedule_ref`, else the service's only schedule."""
    if schedule_ref is not None:
        schedule = uow.timetable.schedule(schedule_ref)
        if schedule.service_id != service.id:
            raise UsageError(f"schedule {schedule.id} is not a schedule of {service.name}")
        return schedule
    found = [s for s in uow.timetable.schedules() if s.service_id == service.id]
    if not found:
        raise RuleError(f"{service.name} has no schedule to book; add one with 'bookctl schedule add --service "
                        f"{service.id} ...'")
    if len(found) > 1:
        raise UsageError(f"{service.name} has {len(found)} schedules ({', '.join(s.id for s in found)}); "
                         "give --schedule or --session of one of its meetings")
    return found[0]


def book_course(uow: UnitOfWork, now: datetime, contact_id: str, service: Service, schedule: Schedule,
                answers: dict[str, str] | None, allow_past: bool, allow_overlap: bool, force: bool) -> dict[str, Any]:
    """Book a client into every scheduled meeting of a course's schedule: one booking per meeting,
    the first holding the course's price and its ledger, every other one naming it in
    `course_booking_id` at no price of its own. Refused whole if any meeting is full or taken."""
    from bookctl.domain.money import Money
    from bookctl.services.availability import enforce
    from bookctl.services.timetables import schedule_meetings

    zone = zone_of(uow)
    contact = bookable_contact(uow, contact_id)
    meetings = [m for m in schedule_meetings(uow, schedule) if m.status == "scheduled"]
    if not meetings:
        raise RuleError(f"schedule {schedule.id} of {service.name} has no meetings on the calendar")
    first = meetings[0]
    if first.start < now and not allow_past:
        raise RuleError(f"{service.name} began on {first.start.astimezone(zone):%Y-%m-%d %H:%M}; "
                        "use --allow-past to book the whole course anyway")
    overrode = enforce(booking_window(service, first.start, now, zone, allow_past), force)
    for meeting in meetings:
        bookings = uow.calendar.session_bookings(meeting)
        if any(b.contact_id == contact.id and b.status == "confirmed" for b in bookings):
            raise RuleError(f"{contact.display_name} is already booked in session {meeting.id} of {service.name}")
        if places_left(meeting, bookings) <= 0:
            raise RuleError(f"{service.name} is full on {meeting.start.astimezone(zone):%Y-%m-%d %H:%M} "
                            f"(session {meeting.id}): no places left of {meeting.capacity}")
        if not allow_overlap:
            check_contact_free(uow, contact, meeting.start, meeting.end)
    lead = uow.calendar.add_booking(first, contact_id=contact.id, price=service.price,
                                    form_responses=dict(answers or {}), created_at=now)
    lead.course_booking_id = lead.id
    places = [lead.id]
    for meeting in meetings[1:]:
        place = uow.calendar.add_booking(meeting, contact_id=contact.id, price=Money.zero(service.price.currency),
                                         form_responses=dict(answers or {}), created_at=now,
                                         course_booking_id=lead.id)
        places.append(place.id)
    label_with_service(contact, service)
    view = booking_view(lead, first, zone)
    view["course"] = {"schedule_id": schedule.id, "meetings": len(places), "bookings": places}
    if overrode:
        view["overrode"] = overrode
    return view


def cancel_course_places(uow: UnitOfWork, now: datetime, lead: Booking) -> list[str]:
    """Cancel the places of a course booking in its meetings from now on; their ids. Read through the
    contact's own bookings, so the cost follows that client, never the calendar."""
    cancelled = []
    for booking_id in uow.contacts.get(lead.contact_id).booking_ids:
        if booking_id == lead.id:
            continue
        place = uow.calendar.get_booking(booking_id)
        if place.course_booking_id == lead.id and place.status == "confirmed" \
                and uow.calendar.get_session(place.session_id).start >= now:
            cancel_place(place, now)
            cancelled.append(place.id)
    return cancelled
