"""Records as the contract's JSON objects (ISO 8601 with offsets, money as amount + currency)."""

from __future__ import annotations

from datetime import date, tzinfo
from typing import TYPE_CHECKING, Any

from bookctl.domain.models import HOLDS_PLACE, Booking, Contact, Service, Session, Staff
from bookctl.domain.money import Money, money_json
from bookctl.domain.payments import Figures, figures
from bookctl.timeutil import iso

if TYPE_CHECKING:
    from collections.abc import Sequence

    from bookctl.domain.records import BookingLike, EntryLike, SessionLike
    from bookctl.domain.cards import Attachment, Note, Task
    from bookctl.domain.payments import LedgerEntry


def money(value: Money | None) -> dict[str, str] | None:
    """Money in its JSON form, None stays None."""
    return None if value is None else value.to_json()


def service_view(service: Service) -> dict[str, Any]:
    """A service with its booking policy and availability rules (buffers, notice, how far ahead, staff_ids)."""
    data = service.model_dump(mode="json")
    for key in ("price", "deposit", "cancellation_fee", "no_show_fee"):
        data[key] = money(getattr(service, key))
    return data


def staff_view(staff: Staff) -> dict[str, Any]:
    """A member of staff: `hours` their own weekly hours (weekday -> ranges, or None: the business
    hours), `archived` once removed."""
    return {"id": staff.id, "name": staff.name, "email": staff.email,
            "hours": None if staff.hours is None else staff.hours.as_dict(), "archived": staff.archived}


def contact_view(contact: Contact, zone: tzinfo) -> dict[str, Any]:
    """The contact's JSON keys; the booking and pass indexes and the saved card stay internal."""
    data = contact.model_dump(mode="json", exclude={"booking_ids", "pass_ids", "saved_card"})
    data["created_at"] = iso(contact.created_at, zone)
    data["erased_at"] = None if contact.erased_at is None else iso(contact.erased_at, zone)
    return data


def booking_view(booking: BookingLike, session: SessionLike, zone: tzinfo,
                 entries: Sequence[EntryLike] | None = None, times: tuple[str, str] | None = None) -> dict[str, Any]:
    """One client's place in a session, with where, when and the payment figures. `booking` and
    `session` are models or the read path's records; `entries`: the booking's own by default;
    `times`: the session's start and end as `iso` writes them, when a listing has them already."""
    found = figures(booking, booking.ledger_entries if entries is None else entries)  # type: ignore[attr-defined]
    start, end = times or (iso(session.start, zone), iso(session.end, zone))
    return booking_fields(booking, found, session.id, session.service_id, session.staff_id, start, end,
                          iso(booking.created_at, zone))


def booking_fields(booking: BookingLike, found: Figures, session_id: str, service_id: str, staff_id: str | None,
                   start: str, end: str, created_at: str) -> dict[str, Any]:
    """A booking's JSON keys (the contract's), from its figures and its session's times as ISO text:
    the one place they are laid out, for `booking_view` and for the streaming exports."""
    currency = booking.price.currency
    fields = {
        "id": booking.id,
        "session_id": session_id,
        "service_id": service_id,
        "contact_id": booking.contact_id,
        "staff_id": staff_id,
        "start": start,
        "end": end,
        "status": booking.status,
        "attendance": booking.attendance,
        "payment_status": found.status,
        "price": money_json(booking.price.minor, currency),
        "paid": money_json(found.paid, currency),
        "refunded": money_json(found.refunded, currency),
        "due": money_json(found.due, currency),
        "form_responses": dict(booking.form_responses),
        "created_at": created_at,
    }
    if booking.course_booking_id is not None:  # a place in a course: the booking that holds its price and ledger
        fields["course_booking_id"] = booking.course_booking_id
    if booking.pass_id is not None:  # covered by a pass's credit (bookctl #23)
        fields["pass_id"] = booking.pass_id
    return fields


def session_view(session: Session, bookings: list[Booking], zone: tzinfo) -> dict[str, Any]:
    """A session with its `bookings` list and how many places it has left."""
    taken = sum(1 for b in bookings if b.status in HOLDS_PLACE)
    return {
        "id": session.id,
        "service_id": session.service_id,
        "staff_id": session.staff_id,
        "start": iso(session.start, zone),
        "end": iso(session.end, zone),
        "status": session.status,
        "capacity": session.capacity,
        "places_left": max(0, session.capacity - taken) if session.status == "scheduled" else 0,
        "created_at": iso(session.created_at, zone),
        "schedule_id": session.schedule_id,
        "bookings": [booking_view(b, session, zone) for b in bookings],
    }


def note_view(note: Note, zone: tzinfo) -> dict[str, Any]:
    """A note on a contact's card."""
    return {"id": note.id, "type": note.type, "author": note.author, "text": note.text,
            "created_at": iso(note.created_at, zone)}


def task_view(task: Task, contact_id: str, zone: tzinfo, today: date) -> dict[str, Any]:
    """A task with `open` and `overdue` worked out for `today` (the store's calendar day)."""
    is_open = task.done_at is None
    return {"id": task.id, "contact_id": contact_id, "text": task.text, "assignee": task.assignee,
            "due": None if task.due is None else task.due.isoformat(), "open": is_open,
            "overdue": is_open and task.due is not None and task.due < today,
            "created_at": iso(task.created_at, zone),
            "done_at": None if task.done_at is None else iso(task.done_at, zone)}


def attachment_view(attachment: Attachment, contact_id: str, zone: tzinfo) -> dict[str, Any]:
    """An attachment's metadata (its bytes stay in the store)."""
    return {"id": attachment.id, "contact_id": contact_id, "name": attachment.name, "size": attachment.size,
            "media_type": attachment.media_type, "sha256": attachment.sha256,
            "created_at": iso(attachment.created_at, zone)}


def entry_view(entry: LedgerEntry, zone: tzinfo) -> dict[str, Any]:
    """A ledger entry as the contract's payment JSON."""
    data = entry.model_dump(mode="json")
    data["amount"] = entry.amount.to_json()
    data["created_at"] = iso(entry.created_at, zone)
    if entry.settled_at is not None:
        data["settled_at"] = iso(entry.settled_at, zone)
    return data
