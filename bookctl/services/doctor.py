"""`doctor`: every file loads, and the records agree with each other (bookings, sessions, contacts),
every amount is in the store's currency and not negative, and every attachment's bytes are as attached."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any

from bookctl.domain.money import Money
from bookctl.domain.payments import summarize
from bookctl.errors import NotFoundError, StoreError
from bookctl.storage.unit import UnitOfWork

Problem = Any  # problem(where, text): note one finding


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
    currency = settings.business.currency
    for service in settings.services.values():
        for what in ("price", "deposit", "cancellation_fee", "no_show_fee"):
            _check_money(problem, f"service {service.id}", what.replace("_", " "), getattr(service, what), currency)
    indexed: dict[str, str] = {}
    for contact in uow.contacts.all():
        counts["contacts"] += 1
        for booking_id in contact.booking_ids:
            indexed[booking_id] = contact.id
    span = uow.calendar.span()
    seen: set[str] = set()
    pending_index = {entry_id for entry_id, _ in uow.ledger.pending_homes()}
    if span is not None:
        # The span is in UTC days, as the day files are.
        start = datetime.combine(span[0], time(0), tzinfo=UTC)
        end = datetime.combine(span[1] + timedelta(days=1), time(0), tzinfo=UTC)
        for session, bookings in uow.calendar.sessions_starting(start, end):
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
                    uow.contacts.get(booking.contact_id)
                except NotFoundError:
                    problem(f"booking {booking.id}", f"names contact {booking.contact_id}, which does not exist")
                _check_money(problem, f"booking {booking.id}", "price", booking.price, currency)
                _check_ledger(booking, problem, pending_index, currency)
    for booking_id in sorted(set(indexed) - seen):
        problem(f"contact {indexed[booking_id]}", f"lists booking {booking_id}, which is not on the calendar")
    _check_documents(uow, problem, currency)
    _check_attachments(uow, problem)
    for file, text in uow.index_problems():
        problem(file, text)
    if now is not None:
        from bookctl.services.money import describe, owner_id, stale_pending
        from bookctl.timeutil import iso, load_zone

        zone = load_zone(settings.business.timezone)
        for entry in stale_pending(uow, now):
            problem(f"booking {entry.booking_id}" if entry.booking_id else f"invoice {entry.invoice_id}",
                    f"{describe(entry)} has had no answer from {entry.provider} since {iso(entry.created_at, zone)}; "
                    f"run 'bookctl payment reconcile {owner_id(entry)}'")
    return problems, counts


def _check_ledger(booking: Any, problem: Problem, pending_index: set[str], currency: str) -> None:  # noqa: ANN401
    """The money rules the ledger must keep whatever was edited: amounts in the store's currency and
    not negative, refunds within charges, one client, and every pending payment where `payment
    reconcile` looks for it."""
    from bookctl.domain.payments import is_pending_intent

    where = f"booking {booking.id}"
    for entry in booking.ledger_entries:
        _check_money(problem, where, _entry_name(entry), entry.amount, currency)
    # The sums need amounts of one currency and sign; a foreign or negative one is reported above instead.
    if all(e.amount.currency == booking.price.currency and e.amount.minor >= 0 for e in booking.ledger_entries):
        summary = summarize(booking)
        if summary.refunded > summary.charged:
            problem(where, f"has {summary.refunded} refunded but only {summary.charged} charged")
    for entry in booking.ledger_entries:
        if entry.contact_id != booking.contact_id:
            problem(where, f"ledger entry {entry.id} names contact {entry.contact_id}, not {booking.contact_id}")
        if is_pending_intent(entry) and entry.id not in pending_index:
            problem(where, f"pending payment {entry.id} is missing from the index of pending payments; "
                           f"run 'bookctl payment reconcile {booking.id}'")


def _check_money(problem: Problem, where: str, what: str, money: Money | None, currency: str) -> None:
    """A stored amount is never negative (refunds and fees are kinds, not signs) and is in the store's
    currency: one finding for each rule it breaks."""
    if money is None:
        return
    if money.minor < 0:
        problem(where, f"{what} is negative: {money}")
    if money.currency != currency:
        problem(where, f"{what} is in {money.currency}, not the store's currency {currency}")


def _check_documents(uow: UnitOfWork, problem: Problem, currency: str) -> None:
    """Invoices and quotes: every line and total, and the payments of an invoice for no booking."""
    for invoice in uow.documents.invoices():
        where = f"invoice {invoice.id}"
        _check_lines(problem, where, invoice, currency)
        if invoice.booking_id is None:  # a booking's invoice is paid into the booking's ledger, checked there
            for entry in uow.ledger.of_invoice(invoice.id):
                _check_money(problem, where, _entry_name(entry), entry.amount, currency)
    for quote in uow.documents.quotes():
        _check_lines(problem, f"quote {quote.id}", quote, currency)


def _entry_name(entry: Any) -> str:  # noqa: ANN401
    return f"ledger entry {entry.id} ({entry.kind.replace('_', ' ')})"


def _check_lines(problem: Problem, where: str, document: Any, currency: str) -> None:  # noqa: ANN401
    for n, item in enumerate(document.items, start=1):
        _check_money(problem, where, f"line {n} ({item.text!r})", item.amount, currency)
    _check_money(problem, where, "the total", document.total, currency)


def _check_attachments(uow: UnitOfWork, problem: Problem) -> None:
    """Every attachment the index names (as `attachment get` finds them) is on its contact's card, and
    its bytes are there with the size and sha256 recorded when it was attached."""
    from bookctl.domain.ids import contact_number
    from bookctl.services.attachments import matches, stored_where
    from bookctl.domain.ids import card_number

    index = uow.cards.attachments()
    by_owner: dict[str, list[str]] = {}
    for attachment_id, owner in index.items():
        by_owner.setdefault(owner, []).append(attachment_id)
    for owner in sorted(by_owner, key=lambda cid: contact_number(cid) or 0):
        on_card = {a.id: a for a in uow.cards.get(owner).attachments}
        for attachment_id in sorted(by_owner[owner], key=lambda aid: card_number(aid, "a") or 0):
            where = f"attachment {attachment_id}"
            attachment = on_card.get(attachment_id)
            if attachment is None:
                problem(where, f"is indexed as contact {owner}'s but is not on that card")
                continue
            try:
                data = uow.cards.read_bytes(attachment_id)
            except StoreError:
                problem(where, f"{attachment.name!r} of contact {owner}: its bytes are missing "
                               f"({stored_where(uow, attachment_id)})")
                continue
            if not matches(attachment, data):
                problem(where, f"{attachment.name!r} of contact {owner}: its bytes do not match the sha256 "
                               f"recorded when it was attached; the file was altered or damaged "
                               f"({stored_where(uow, attachment_id)})")


def _check_session(session: Any, bookings: list[Any], settings: Any, problem: Problem) -> None:  # noqa: ANN401
    where = f"session {session.id}"
    if session.service_id not in settings.services:
        problem(where, f"names service {session.service_id}, which bookctl.toml does not have")
    if session.staff_id is not None and session.staff_id not in settings.staff:
        problem(where, f"names staff {session.staff_id}, whom bookctl.toml does not have")
    confirmed = sum(1 for b in bookings if b.status in ("confirmed", "offered"))
    if confirmed > session.capacity:
        problem(where, f"has {confirmed} confirmed bookings for {session.capacity} places")  # an offered place counts
    if session.end <= session.start:
        problem(where, "ends before it starts")
