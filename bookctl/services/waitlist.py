"""Waitlists of full classes (bookctl #20).

A client who asks for a place in a full meeting with `--waitlist` gets a booking in status
`waitlisted`: it owes nothing, takes no place and is left out of `session list` unless asked for.
They wait in the order they joined (by when, then by booking id). When a place frees (a booking
cancelled, moved to another meeting, or a client leaving the place offered to them), the first
client waiting gets it in the same unit of work:

- `waitlist.mode = "auto"`: their booking is confirmed, and a confirmation with its invitation is
  queued when they have an email;
- `waitlist.mode = "offer"`: the place is held for them (`offered`, it counts against the capacity)
  until `offer_expires_at`, `waitlist.hold_hours` away but never past the cut-off, and an email
  tells them; `waitlist accept` takes it, and `waitlist sweep` (cron) lets lapsed offers go and
  offers the place to the next.

No place is given within `waitlist.cutoff_hours` of the start: a place that frees later stays free
for whoever books it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from bookctl.domain.ids import id_order
from bookctl.domain.models import WAITING_STATUSES, Booking, Contact, Service, Session
from bookctl.errors import RuleError
from bookctl.services.lookups import resolve_booking, zone_of
from bookctl.services.places import cancel_place, label_with_service, places_left
from bookctl.services.views import booking_view
from bookctl.storage.unit import UnitOfWork
from bookctl.timeutil import iso


def queue_of(bookings: Iterable[Booking]) -> list[Booking]:
    """The bookings waiting (offered ones first, as they were first in line), in the order they joined."""
    return sorted((b for b in bookings if b.status in WAITING_STATUSES),
                  key=lambda b: (b.status != "offered", b.created_at.astimezone(UTC), id_order(b.id)))


def position(booking: Booking, bookings: Iterable[Booking]) -> int | None:
    """Where a waitlisted booking stands in its meeting's line (1: next), None for any other."""
    if booking.status != "waitlisted":
        return None
    line = [b.id for b in queue_of(bookings) if b.status == "waitlisted"]
    return line.index(booking.id) + 1


def waitlist_view(uow: UnitOfWork, booking: Booking, session: Session, bookings: list[Booking] | None = None) -> dict[str, Any]:
    """A booking as every command prints it, with its place in line and its offer's expiry."""
    zone = zone_of(uow)
    view = booking_view(booking, session, zone)
    view["waitlist_position"] = position(booking, bookings if bookings is not None else uow.calendar.session_bookings(session))
    view["offer_expires_at"] = None if booking.offer_expires_at is None else iso(booking.offer_expires_at, zone)
    return view


def check_can_wait(service: Service) -> None:
    """Refuse `--waitlist` for what has no waitlist: appointments, courses, a class whose size is 0."""
    if service.kind != "class":
        raise RuleError(f"{service.name} is {'an appointment' if service.kind == 'appointment' else 'a course'}; "
                        "only a class has a waitlist")
    if service.waitlist_size == 0:
        raise RuleError(f"{service.name} has no waitlist (its waitlist size is 0; "
                        f"'bookctl service edit {service.id} --waitlist-size N' opens one)")


def join(uow: UnitOfWork, now: datetime, contact: Contact, session: Session, service: Service,
         bookings: list[Booking], answers: dict[str, str]) -> dict[str, Any]:
    """Put `contact` on the waitlist of the full meeting `session`; its view, with its place in line."""
    check_can_wait(service)
    line = queue_of(bookings)
    if service.waitlist_size is not None and len(line) >= service.waitlist_size:
        raise RuleError(f"session {session.id} is full and so is its waitlist ({len(line)} of {service.waitlist_size})")
    booking = uow.calendar.add_booking(session, contact_id=contact.id, price=service.price, status="waitlisted",
                                       form_responses=dict(answers), created_at=now)
    return waitlist_view(uow, booking, session, [*bookings, booking])


def already_waiting(bookings: Iterable[Booking], contact: Contact, session: Session) -> None:
    """Refuse a second place in line for one client."""
    for booking in bookings:
        if booking.contact_id == contact.id and booking.status in WAITING_STATUSES:
            raise RuleError(f"{contact.display_name} is already on the waitlist of session {session.id} "
                            f"({booking.id}, {booking.status})")


def _cutoff(uow: UnitOfWork, session: Session) -> datetime:
    """The last moment a place of `session` is given to someone waiting (in UTC: wall-clock arithmetic
    across a clock change would be an hour out)."""
    return session.start.astimezone(UTC) - timedelta(hours=uow.settings.waitlist.cutoff_hours)


def fill_freed_places(uow: UnitOfWork, now: datetime, session: Session) -> list[dict[str, Any]]:
    """Give each free place of `session` to the next client waiting, as `waitlist.mode` says; one row
    per client promoted or offered a place (`action`, `booking`, `contact_id`, `email`)."""
    if session.status != "scheduled" or now.astimezone(UTC) >= _cutoff(uow, session):
        return []
    service = uow.settings.services.get(session.service_id)
    bookings = uow.calendar.session_bookings(session)
    given = []
    for booking in [b for b in queue_of(bookings) if b.status == "waitlisted"]:
        if places_left(session, bookings) <= 0:
            break
        contact = uow.contacts.get(booking.contact_id)
        if contact.erased_at is not None:
            cancel_place(booking, now)  # an erased client cannot be booked: their place in line goes
            continue
        given.append(_give(uow, now, booking, session, service, contact))
    return given


def _give(uow: UnitOfWork, now: datetime, booking: Booking, session: Session, service: Service | None,
          contact: Contact) -> dict[str, Any]:
    """Promote or offer one waiting client, with the email that tells them."""
    from bookctl.services.mail import queue_confirmation_email, queue_offer_email

    booking.revision += 1
    if uow.settings.waitlist.mode == "auto":
        _confirm(booking, service, contact)
        action = "promoted"
        queue = queue_confirmation_email
    else:
        booking.status = "offered"
        hold = now.astimezone(UTC) + timedelta(hours=uow.settings.waitlist.hold_hours)
        booking.offer_expires_at = min(hold, _cutoff(uow, session))
        action = "offered"
        queue = queue_offer_email
    email = None
    if contact.email:
        email = {"message": queue(uow, now, booking, session), "to": contact.email, "status": "queued"}
    row = {"action": action, "booking": booking.id, "session": session.id, "contact_id": contact.id, "email": email}
    if booking.offer_expires_at is not None:
        row["offer_expires_at"] = iso(booking.offer_expires_at, zone_of(uow))
    return row


def _confirm(booking: Booking, service: Service | None, contact: Contact) -> None:
    booking.status = "confirmed"
    booking.offer_expires_at = None
    if service is not None:
        label_with_service(contact, service)  # booked now: the service's label, as booking gives it


def accept(uow: UnitOfWork, now: datetime, ref: str) -> dict[str, Any]:
    """The client takes the place held for them: their booking is confirmed (now it owes its price)."""
    booking, session = resolve_booking(uow, ref)
    zone = zone_of(uow)
    if booking.status == "waitlisted":
        bookings = uow.calendar.session_bookings(session)
        raise RuleError(f"booking {booking.id} is number {position(booking, bookings)} on the waitlist; "
                        "no place has been offered to it yet")
    if booking.status != "offered":
        raise RuleError(f"booking {booking.id} is {booking.status}, not offered a place")
    assert booking.offer_expires_at is not None
    if now.astimezone(UTC) >= booking.offer_expires_at.astimezone(UTC):
        raise RuleError(f"the place offered to booking {booking.id} was held until "
                        f"{booking.offer_expires_at.astimezone(zone):%Y-%m-%d %H:%M}; "
                        "'bookctl waitlist sweep' offers it to the next client")
    booking.revision += 1
    _confirm(booking, uow.settings.services.get(session.service_id), uow.contacts.get(booking.contact_id))
    return waitlist_view(uow, booking, session)


def leave(uow: UnitOfWork, now: datetime, ref: str) -> dict[str, Any]:
    """Take a client off the waitlist (a place offered to them goes to the next)."""
    booking, session = resolve_booking(uow, ref)
    if booking.status not in WAITING_STATUSES:
        raise RuleError(f"booking {booking.id} is {booking.status}, not on a waitlist"
                        + ("; 'bookctl session cancel' cancels it" if booking.status == "confirmed" else ""))
    held = booking.status == "offered"
    cancel_place(booking, now)
    view = waitlist_view(uow, booking, session)
    given = fill_freed_places(uow, now, session) if held else []
    if given:
        view["waitlist"] = given
    return view


def list_waitlist(uow: UnitOfWork, now: datetime, session_id: str | None = None) -> list[dict[str, Any]]:
    """Every client waiting: of one session, or of every meeting still to come; in line order."""
    if session_id is not None:
        session = uow.calendar.get_session(session_id)
        pairs: Iterable[tuple[Session, list[Booking]]] = [(session, uow.calendar.session_bookings(session))]
    else:
        pairs = _upcoming(uow, now)
    rows = []
    for session, bookings in pairs:
        for booking in queue_of(bookings):
            rows.append(waitlist_view(uow, booking, session, bookings))
    return rows


def sweep(uow: UnitOfWork, now: datetime) -> list[dict[str, Any]]:
    """What cron runs: let each lapsed offer go, then give every free place of a meeting still to come
    to whoever waits for it. One row per change (`action`: expired, offered or promoted)."""
    rows = []
    moment = now.astimezone(UTC)
    for session, bookings in _upcoming(uow, now):
        waiting = queue_of(bookings)
        if not waiting:
            continue
        for booking in waiting:
            if booking.status == "offered" and booking.offer_expires_at is not None \
                    and booking.offer_expires_at.astimezone(UTC) <= moment:
                cancel_place(booking, now)
                booking.offer_expires_at = None
                rows.append({"action": "expired", "booking": booking.id, "session": session.id,
                             "contact_id": booking.contact_id, "email": None})
        rows += fill_freed_places(uow, now, session)
    return rows


def _upcoming(uow: UnitOfWork, now: datetime) -> Iterable[tuple[Session, list[Booking]]]:
    """Each meeting that has not begun, with its bookings, by start."""
    span = uow.calendar.span()
    if span is None:
        return []
    end = datetime.combine(span[1] + timedelta(days=2), datetime.min.time(), UTC)
    return ((s, b) for s, b in uow.calendar.sessions_starting(now, end) if s.status == "scheduled")
