"""A store's records as one stream, the same for every backend: what `UnitOfWork.dump()` yields
(storage/unit.py), for `store copy` and the contract tests. A backend adds only what it keeps its
own way: its counters, its days' id sequences and its idempotency replies."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bookctl.domain.models import Booking, Session
    from bookctl.storage.records import Reply
    from bookctl.storage.unit import UnitOfWork

    Day = list[tuple[Session, list[Booking]]]

# The calendar is read a week at a time: few reads, and a week's records in memory at most.
CALENDAR_WINDOW_DAYS = 7


def calendar_days(uow: UnitOfWork) -> Iterator[tuple[date, Day]]:
    """The whole calendar, one UTC day at a time: (day, [(session, its bookings)])."""
    span = uow.calendar.span()
    if span is None:
        return
    first = span[0]
    while first <= span[1]:
        # A week at a time: sessions_starting promises no order, so each week is sorted by day here.
        start = datetime.combine(first, time(0), tzinfo=UTC)
        week: dict[date, Day] = {}
        for session, bookings in uow.calendar.sessions_starting(start, start + timedelta(days=CALENDAR_WINDOW_DAYS)):
            week.setdefault(session.start.astimezone(UTC).date(), []).append((session, bookings))
        for day, sessions in sorted(week.items()):
            yield day, sorted(sessions, key=lambda pair: pair[0].id)
        first += timedelta(days=CALENDAR_WINDOW_DAYS)


def dump(uow: UnitOfWork, counters: dict[str, int], sequences: dict[date, int],
         replies: Iterable[tuple[str, Reply]]) -> Iterator[tuple[str, Any]]:
    """Every record of `uow` in DUMP_KINDS order (see UnitOfWork.dump)."""
    yield "counters", dict(counters)
    yield "sequences", dict(sequences)
    contact_ids = []
    for contact in uow.contacts.all():
        contact_ids.append(contact.id)
        yield "contact", contact
    for invoice in uow.documents.invoices():
        yield "invoice", (invoice, uow.ledger.of_invoice(invoice.id) if invoice.booking_id is None else [])
    for quote in uow.documents.quotes():
        yield "quote", quote
    for day in calendar_days(uow):
        yield "day", day
    for contact_id in contact_ids:
        card = uow.cards.get(contact_id)
        if card.notes or card.tasks or card.attachments:
            yield "card", (contact_id, card, {a.id: uow.cards.read_bytes(a.id) for a in card.attachments})
    for message_id in uow.outbox.ids():
        yield "message", (message_id, uow.outbox.read(message_id))
    for reply in replies:
        yield "reply", reply
    for schedule in uow.timetable.schedules():
        yield "schedule", schedule
    for time_off in uow.timetable.time_off():
        yield "time_off", time_off
    for plan in uow.plans.plans():
        yield "plan", plan
    for sold in uow.plans.passes():
        yield "pass", sold
    for delivery in uow.webhooks.all():
        yield "delivery", delivery
