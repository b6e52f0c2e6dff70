"""`doctor`: every file loads, and the records agree with each other (bookings, sessions, contacts)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any

from bookctl.domain.payments import summarize
from bookctl.errors import NotFoundError
from bookctl.storage.base import UnitOfWork


def diagnose(uow: UnitOfWork, now: datetime | None = None) -> tuple[list[dict[str, str]], dict[str, int]]:
    """(problems as {file, problem} rows, counts of what was checked). With `now`, a payment whose
    provider has not answered for over an hour is a problem too (`payment reconcile` settles it)."""
    problems = [{"file": file, "problem": problem} for file, problem in uow.damaged_files()]
    counts = {"sessions": 0, "bookings": 0, "contacts": 0}
    if problems:  # cross-references would trip over the same damage; mend the files first
        return problems, counts

    def problem(where: str, text: str) -> None:
        problems.append({"file": where, "problem": text})

    settings = uow.settings
    indexed: dict[str, str] = {}
    for contact in uow.iter_contacts():
        counts["contacts"] += 1
        for booking_id in contact.booking_ids:
            indexed[booking_id] = contact.id
    span = uow.calendar_span()
    seen: set[str] = set()
    pending_index = {entry_id for entry_id, _ in uow.pending_intent_homes()}
    if span is not None:
        # The span is in UTC days, as the day files are.
        start = datetime.combine(span[0], time(0), tzinfo=UTC)
        end = datetime.combine(span[1] + timedelta(days=1), time(0), tzinfo=UTC)
        for session, bookings in uow.sessions_starting(start, end):
            counts["sessions"] += 1
            _check_session(session, bookings, settings, problem)
            for booking in bookings:
                counts["bookings"] += 1
                if booking.id in seen:
                    problem(f"booking {booking.id}", "is stored twice")
                seen.add(booking.id)
                owner = indexed.get(booking.id)
                if owner is None:
                    problem(f"booking {booking.id}", f"is missing from contact {booking.contact_id}'s bookings")
                elif owner != booking.contact_id:
                    problem(f"booking {booking.id}", f"belongs to {booking.contact_id} but is listed on {owner}")
                try:
                    uow.get_contact(booking.contact_id)
                except NotFoundError:
                    problem(f"booking {booking.id}", f"names contact {booking.contact_id}, which does not exist")
                _check_ledger(booking, problem, pending_index)
    for booking_id in sorted(set(indexed) - seen):
        problem(f"contact {indexed[booking_id]}", f"lists booking {booking_id}, which is not on the calendar")
    if now is not None:
        from bookctl.services.money import describe, owner_id, stale_pending
        from bookctl.timeutil import iso, load_zone

        zone = load_zone(settings.business.timezone)
        for entry in stale_pending(uow, now):
            problem(f"booking {entry.booking_id}" if entry.booking_id else f"invoice {entry.invoice_id}",
                    f"{describe(entry)} has had no answer from {entry.provider} since {iso(entry.created_at, zone)}; "
                    f"run 'bookctl payment reconcile {owner_id(entry)}'")
    return problems, counts


def _check_ledger(booking: Any, problem: Any, pending_index: set[str]) -> None:  # noqa: ANN401
    """The money rules the ledger must keep whatever was edited: refunds within charges, one client,
    and every pending payment where `payment reconcile` looks for it."""
    from bookctl.domain.payments import is_pending_intent

    where = f"booking {booking.id}"
    summary = summarize(booking)
    if summary.refunded > summary.charged:
        problem(where, f"has {summary.refunded} refunded but only {summary.charged} charged")
    for entry in booking.ledger_entries:
        if entry.contact_id != booking.contact_id:
            problem(where, f"ledger entry {entry.id} names contact {entry.contact_id}, not {booking.contact_id}")
        if is_pending_intent(entry) and entry.id not in pending_index:
            problem(where, f"pending payment {entry.id} is missing from the index of pending payments; "
                           f"run 'bookctl payment reconcile {booking.id}'")


def _check_session(session: Any, bookings: list[Any], settings: Any, problem: Any) -> None:  # noqa: ANN401
    where = f"session {session.id}"
    if session.service_id not in settings.services:
        problem(where, f"names service {session.service_id}, which bookctl.toml does not have")
    if session.staff_id is not None and session.staff_id not in settings.staff:
        problem(where, f"names staff {session.staff_id}, whom bookctl.toml does not have")
    confirmed = sum(1 for b in bookings if b.status == "confirmed")
    if confirmed > session.capacity:
        problem(where, f"has {confirmed} confirmed bookings for {session.capacity} places")
    if session.end <= session.start:
        problem(where, "ends before it starts")
