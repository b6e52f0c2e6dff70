"""Who may be in two places at once: a member of staff never, a client only with --allow-overlap,
and an appointment booked without staff only as often at once as its service has places."""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo

from bookctl.domain.models import Contact, Service, overlaps
from bookctl.errors import RuleError
from bookctl.storage.unit import UnitOfWork
from bookctl.timeutil import load_zone

# No session lasts longer (services are capped at 24 h), so a clash is never further back.
LONGEST_SESSION = timedelta(hours=24)


def _zone(uow: UnitOfWork) -> tzinfo:
    return load_zone(uow.settings.business.timezone)


def span_text(start: datetime, end: datetime, zone: tzinfo) -> str:
    """'2026-11-24 10:00-10:45' in the store's zone (the end's date too when it is another day)."""
    first, last = start.astimezone(zone), end.astimezone(zone)
    until = f"{last:%H:%M}" if first.date() == last.date() else f"{last:%Y-%m-%d %H:%M}"
    return f"{first:%Y-%m-%d %H:%M}-{until}"


def check_staff_free(uow: UnitOfWork, staff_id: str | None, start: datetime, end: datetime,
                     ignore: str | None = None) -> None:
    """A member of staff cannot run two sessions at once (`ignore`: the session being moved)."""
    if staff_id is None:
        return
    for session, _ in uow.calendar.sessions_starting(start - LONGEST_SESSION, end):
        if session.staff_id == staff_id and session.id != ignore and session.status == "scheduled" \
                and overlaps(start, end, session.start, session.end):
            zone = _zone(uow)
            name = uow.settings.staff[staff_id].name if staff_id in uow.settings.staff else staff_id
            raise RuleError(
                f"{name} already has session {session.id} from {session.start.astimezone(zone):%Y-%m-%d %H:%M} "
                f"to {session.end.astimezone(zone):%H:%M}, which overlaps"
            )


def check_contact_free(uow: UnitOfWork, contact: Contact, start: datetime, end: datetime, *,
                       ignore: str | None = None, to: str = "book both") -> None:
    """One client cannot hold two confirmed bookings that overlap (`ignore`: the booking being moved).

    Read through the contact's own links to its bookings, so the cost follows that client's
    bookings, never the size of the calendar. `to` ends the hint: "give --allow-overlap to ..."."""
    for booking_id in contact.booking_ids:
        if booking_id == ignore:
            continue
        booking = uow.calendar.get_booking(booking_id)
        if booking.status != "confirmed":
            continue
        session = uow.calendar.get_session(booking.session_id)
        if session.status == "scheduled" and overlaps(start, end, session.start, session.end):
            raise RuleError(f"contact {contact.id} already has booking {booking.id} at "
                            f"{span_text(session.start, session.end, _zone(uow))}; give --allow-overlap to {to}")


def check_unassigned_capacity(uow: UnitOfWork, service: Service, start: datetime, end: datetime,
                              ignore: str | None = None) -> None:
    """Appointments of one service booked without staff: no more at once than the service's capacity.

    With staff, `check_staff_free` keeps them apart; without, nothing else would (`ignore`: the
    session being moved). Every staff-less booking overlapping [start, end) counts, which is exact
    for an appointment's one place."""
    if service.kind != "appointment":
        return
    held = []
    for session, bookings in uow.calendar.sessions_starting(start - LONGEST_SESSION, end):
        if session.service_id == service.id and session.staff_id is None and session.id != ignore \
                and session.status == "scheduled" and overlaps(start, end, session.start, session.end):
            held += [b.id for b in bookings if b.status == "confirmed"]
    if len(held) >= service.capacity:
        places = "its one place" if service.capacity == 1 else f"its {service.capacity} places"
        holders = f"booking {held[0]} holds" if len(held) == 1 else f"bookings {', '.join(held)} hold"
        raise RuleError(f"{service.name} without staff is taken at {span_text(start, end, _zone(uow))} "
                        f"({holders} {places}); give --staff, or choose another time")
