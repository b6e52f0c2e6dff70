"""Reminders that cron sends exactly once (bookctl #20): `remind run` finds every confirmed booking
starting within an offset (`remind.offsets`, or `--before`) that has had no reminder for it, and
queues one email per booking in the same commit that marks it reminded. A run killed at any point,
run again or run twice at once sends nothing twice: the mark and the queued message commit together,
under the store lock, and a queued message is sent from the outbox (by this run, the next one, or
`outbox send`) and removed as the server takes it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from bookctl.domain.durations import parse_duration
from bookctl.domain.models import Booking, Session
from bookctl.errors import UsageError
from bookctl.services.lookups import zone_of
from bookctl.storage.unit import UnitOfWork
from bookctl.timeutil import iso

KIND = "reminder"


def offsets(uow: UnitOfWork, before: str | None) -> list[tuple[str, timedelta]]:
    """The offsets to remind at: `--before` when given, else `remind.offsets`; longest first."""
    texts = [before] if before is not None else list(uow.settings.remind.offsets)
    found = []
    for text in texts:
        try:
            found.append((text.strip().lower(), parse_duration(text)))
        except ValueError as exc:
            raise UsageError(f"--before {exc}" if before is not None else f"remind.offsets: {exc}") from None
    return sorted(found, key=lambda pair: pair[1], reverse=True)


def mark(offset: str, session: Session) -> str:
    """What a booking keeps once reminded at `offset` before `session`'s start."""
    return f"{offset}@{session.start.astimezone(UTC):%Y-%m-%dT%H:%MZ}"


@dataclass
class Due:
    """A booking to remind now, at the nearest of the offsets whose window it is in."""

    booking: Booking
    session: Session
    offset: str
    marks: list[str]  # every offset it is due for: one email covers them all


def due(uow: UnitOfWork, now: datetime, wanted: list[tuple[str, timedelta]]) -> list[Due]:
    """Every confirmed booking of a scheduled session starting in (now, now + offset] that has no mark
    for that offset and start, by start. A booking due for several offsets at once (booked late, or a
    run missed) gets one reminder, for the nearest, marked for all of them."""
    longest = wanted[0][1]
    found = []
    for session, bookings in uow.calendar.sessions_starting(now, now + longest + timedelta(minutes=1)):
        # In UTC: a zone's datetimes subtract by wall clock, and 24 hours before a clock change is not.
        start = session.start.astimezone(UTC)
        if session.status != "scheduled" or not now < start <= now + longest:
            continue
        for booking in bookings:
            if booking.status != "confirmed":
                continue
            marks = [mark(text, session) for text, delta in wanted
                     if start - delta <= now and mark(text, session) not in booking.reminded]
            if marks:
                nearest = min((pair for pair in wanted if mark(pair[0], session) in marks), key=lambda pair: pair[1])
                found.append(Due(booking, session, nearest[0], marks))
    return sorted(found, key=lambda d: (d.session.start.astimezone(UTC), d.booking.id))


def queue(uow: UnitOfWork, now: datetime, found: list[Due]) -> list[dict[str, Any]]:
    """Queue each reminder and mark its booking, in this unit (the caller commits both at once). A
    contact with no email address is marked too, and its row says so: it would never get one."""
    from bookctl.services.mail import queue_reminder_email

    rows = []
    for item in found:
        contact = uow.contacts.get(item.booking.contact_id)
        message = None
        if contact.email and contact.erased_at is None:
            message = queue_reminder_email(uow, now, item.booking, item.session)
        item.booking.reminded.extend(item.marks)
        rows.append(row(uow, item, contact.email, message, "queued" if message else "no email"))
    return rows


def row(uow: UnitOfWork, item: Due, to: str | None, message: str | None, status: str) -> dict[str, Any]:
    """One reminder as `remind run` prints it."""
    return {"booking": item.booking.id, "session_id": item.session.id, "contact_id": item.booking.contact_id,
            "to": to, "start": iso(item.session.start, zone_of(uow)), "offset": item.offset, "message": message,
            "status": status}


def queued_reminders(uow: UnitOfWork) -> list[str]:
    """The reminders still in the outbox (queued by this run or by one whose sending failed), oldest first."""
    from bookctl.services.mail import list_outbox

    return [m["id"] for m in list_outbox(uow) if m["kind"] == KIND]
