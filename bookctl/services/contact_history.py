"""A contact's history: their bookings (upcoming, past) and the form answers given when booking."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from bookctl.domain.ids import id_order
from bookctl.domain.models import Contact
from bookctl.errors import NotFoundError
from bookctl.storage.unit import UnitOfWork

Which = Literal["upcoming", "past", "all"]


def booking_rows(uow: UnitOfWork, contact: Contact, now: datetime, which: Which = "all",
                 newest_first: bool = False) -> list[dict[str, Any]]:
    """The contact's bookings as booking JSON, from the contact's own index (no calendar scan).

    Upcoming: the session starts at `now` or later. Past: it started before. Ordered by start,
    oldest first unless `newest_first`."""
    from bookctl.services.views import booking_view
    from bookctl.timeutil import load_zone

    zone = load_zone(uow.settings.business.timezone)
    rows = []
    for booking_id in contact.booking_ids:
        booking = uow.calendar.get_booking(booking_id)
        session = uow.calendar.get_session(booking.session_id)
        upcoming = session.start >= now
        if which == "all" or (which == "upcoming") == upcoming:
            rows.append(((session.start, id_order(booking.id)), booking_view(booking, session, zone)))
    rows.sort(key=lambda pair: pair[0], reverse=newest_first)
    return [row for _, row in rows]


def contact_bookings(uow: UnitOfWork, now: datetime, contact_id: str, which: Which) -> list[dict[str, Any]]:
    """`contact bookings`: upcoming ones soonest first, past ones latest first, all of them by start."""
    contact = uow.contacts.get(contact_id)
    return booking_rows(uow, contact, now, which, newest_first=which == "past")


def form_response_rows(bookings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per answer given with `--form KEY=VALUE`, in the order of `bookings`."""
    return [
        {"booking_id": row["id"], "service_id": row["service_id"], "start": row["start"], "key": key, "value": value}
        for row in bookings for key, value in row["form_responses"].items()
    ]


def form_responses(uow: UnitOfWork, now: datetime, contact_id: str, booking_id: str | None = None) -> list[dict[str, Any]]:
    """The contact's form answers, newest booking first; `booking_id` keeps one of their bookings."""
    contact = uow.contacts.get(contact_id)
    rows = booking_rows(uow, contact, now, "all", newest_first=True)
    if booking_id is not None:
        rows = [row for row in rows if row["id"] == booking_id]
        if not rows:
            raise NotFoundError(f"contact {contact.id} has no booking {booking_id!r}")
    return form_response_rows(rows)
