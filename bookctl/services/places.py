"""The floor the calendar and courses share: a session's places left, a contact that may book, the
booking window every booking keeps, the service label a booking adds, and cancelling one place."""

from __future__ import annotations

from datetime import datetime, tzinfo

from bookctl.domain.models import HOLDS_PLACE, Booking, Contact, Service, Session
from bookctl.errors import RuleError
from bookctl.storage.unit import UnitOfWork


def places_left(session: Session, bookings: list[Booking]) -> int:
    """The places no confirmed booking takes and none is held on offer."""
    return session.capacity - sum(1 for b in bookings if b.status in HOLDS_PLACE)


def booking_window(service: Service, start: datetime, now: datetime, zone: tzinfo, allow_past: bool) -> list[str]:
    """The notice and booking-window problems of a booking at `start` (none for one back-filled)."""
    from bookctl.services.availability import booking_window_problems

    if allow_past and start < now:
        return []
    return booking_window_problems(service, start, now, zone)


def bookable_contact(uow: UnitOfWork, contact_id: str) -> Contact:
    contact = uow.contacts.get(contact_id)
    if contact.erased_at is not None:
        raise RuleError(f"contact {contact.id} was erased and cannot be booked")
    return contact


def label_with_service(contact: Contact, service: Service) -> None:
    from bookctl.services.labels import (
        add_label,  # here: only booking needs it, and listings start faster
    )

    add_label(contact, service.name)  # seed 003: booking a service labels the client with it


def cancel_place(booking: Booking, now: datetime) -> None:
    booking.status = "cancelled"
    booking.cancelled_at = now
    booking.revision += 1
