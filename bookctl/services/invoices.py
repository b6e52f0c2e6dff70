"""Invoices and quotes (seed 001: charge by invoice; the contact card: create an invoice or quote).

An invoice for a booking is also a `pending` ledger entry on the booking (payment_status
invoiced); paying it adds a `succeeded` entry, voiding it a `voided` one. The invoice document
keeps its own status (open, paid, void).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from bookctl.domain.invoices import Invoice, LineItem, Quote
from bookctl.domain.models import Booking, Session
from bookctl.domain.money import Money
from bookctl.domain.payments import summarize
from bookctl.errors import RuleError
from bookctl.services.lookups import resolve_booking, zone_of
from bookctl.storage.unit import UnitOfWork
from bookctl.timeutil import iso

if TYPE_CHECKING:
    from bookctl.services.money import Plan

# Line items and their exact total, read in the currency given: the command's --item options, read
# only when the service gets to them, after the contact and the booking are checked.
Lines = Callable[[str], tuple[list[LineItem], Money]]


def _document_view(record: Invoice | Quote, uow: UnitOfWork) -> dict[str, Any]:
    zone = zone_of(uow)
    data = record.model_dump(mode="json")
    data["total"] = record.total.to_json()
    data["items"] = [{"text": i.text, "amount": i.amount.to_json()} for i in record.items]
    for key in ("created_at", "paid_at", "voided_at", "accepted_at"):
        value = getattr(record, key, None)
        if key in data:
            data[key] = None if value is None else iso(value, zone)
    return data


def invoice_view(invoice: Invoice, uow: UnitOfWork) -> dict[str, Any]:
    """An invoice with its line items and exact total."""
    return _document_view(invoice, uow)


def quote_view(quote: Quote, uow: UnitOfWork) -> dict[str, Any]:
    """A quote with its line items and exact total."""
    return _document_view(quote, uow)


def invoice_booking(uow: UnitOfWork, now: datetime, booking: Booking, session: Session, amount: Money,
                    items: list[LineItem] | None = None, due: Any = None) -> Invoice:
    """Invoice `amount` of a booking: the invoice and the booking's `pending` ledger entry."""
    summary = summarize(booking)
    if summary.open_invoices:
        raise RuleError(f"booking {booking.id} already has open invoice {summary.open_invoices[0]}; "
                        f"pay or void it first")
    if amount.minor == 0 or amount > summary.due:
        raise RuleError(f"booking {booking.id} has {summary.due} due; cannot invoice {amount}")
    if items is None:
        service = uow.settings.services.get(session.service_id)
        when = session.start.astimezone(zone_of(uow))
        items = [LineItem(text=f"{service.name if service else session.service_id} {when:%Y-%m-%d %H:%M}",
                          amount=amount)]
    invoice = uow.documents.add_invoice(contact_id=booking.contact_id, booking_id=booking.id, items=items, total=amount,
                              due=due, created_at=now)
    uow.ledger.add(booking, kind="charge", method="invoice", provider="invoice", amount=amount,
                         status="pending", reference=invoice.id, invoice_id=invoice.id, created_at=now)
    return invoice


def create_invoice(uow: UnitOfWork, now: datetime, contact_id: str, booking_ref: str | None,
                   lines: Lines | None, due: date | None) -> dict[str, Any]:
    """An invoice from a contact with line items, or for a booking (its amount due by default).
    `lines` gives the items in the store's currency; None (only with a booking): the amount due."""
    contact = uow.contacts.get(contact_id)
    currency = uow.settings.business.currency
    if booking_ref is None:
        if lines is None:
            raise ValueError("an invoice for no booking needs its line items")
        items, total = lines(currency)
        return invoice_view(uow.documents.add_invoice(contact_id=contact.id, items=items, total=total, due=due,
                                            created_at=now), uow)
    booking, session = resolve_booking(uow, booking_ref)
    if booking.contact_id != contact.id:
        raise RuleError(f"booking {booking.id} belongs to contact {booking.contact_id}, not {contact.id}")
    items, total = lines(currency) if lines is not None else (None, summarize(booking).due)
    return invoice_view(invoice_booking(uow, now, booking, session, total, items, due), uow)


def list_invoices(uow: UnitOfWork) -> list[dict[str, Any]]:
    """Every invoice, by number."""
    return [invoice_view(i, uow) for i in uow.documents.invoices()]


def pay_invoice(uow: UnitOfWork, now: datetime, record_id: str, method: str | None) -> Plan:
    """Settle an open invoice through the invoice provider; for a booking, the payment joins the
    booking's ledger. The invoice is marked paid with the provider's answer (`money.send`).
    `method` is how it was paid, as the studio names it (bank transfer, cash): a checked name."""
    from bookctl.services.money import Outcome, Plan, charge_intent, describe, resumable
    from bookctl.services.views import entry_view
    from bookctl.services.lookups import provider_for

    invoice = uow.documents.get_invoice(record_id)
    owner: Booking | Invoice = invoice
    entries = uow.ledger.of_invoice(invoice.id) if invoice.booking_id is None else []
    if invoice.booking_id is not None:
        owner, _ = resolve_booking(uow, invoice.booking_id)
        entries = owner.ledger_entries
    again = resumable(entries, ("charge",), None)
    if again and again[0].invoice_id != invoice.id:
        raise RuleError(f"{describe(again[0])} of {owner.id} is pending; retry the command that made it, or run "
                        f"'bookctl payment reconcile {owner.id}', before paying invoice {invoice.id}")
    replay = bool(again)
    if not again:
        if invoice.status != "open":
            raise RuleError(f"invoice {invoice.id} is {invoice.status}; only an open invoice can be paid")
        provider = provider_for(uow, "invoice")
        if isinstance(owner, Booking):
            summary = summarize(owner)
            if invoice.total > summary.due:
                raise RuleError(f"booking {owner.id} has {summary.due} due, less than invoice {invoice.id}'s "
                                f"{invoice.total}; void the invoice instead")
        again = [charge_intent(uow, now, owner, provider.name, invoice.total, description=f"invoice {invoice.id}",
                               method="invoice", request={"label": method or "invoice"}, invoice_id=invoice.id)]
    zone = zone_of(uow)
    return Plan(again, lambda answers: Outcome(invoice_view(invoice, uow) if answers.error is None or answers.unknown
                                               else entry_view(again[0], zone), answers.error), replay=replay)


def void_invoice(uow: UnitOfWork, now: datetime, record_id: str) -> dict[str, Any]:
    """Cancel an open invoice; its booking is no longer invoiced. Not while a payment of it is pending."""
    from bookctl.services.money import pending_entries

    invoice = uow.documents.get_invoice(record_id)
    if invoice.status != "open":
        raise RuleError(f"invoice {invoice.id} is {invoice.status}; only an open invoice can be voided")
    paying = [e for e in pending_entries(uow, invoice.id) if e.invoice_id == invoice.id]
    if paying:
        raise RuleError(f"payment {paying[0].id} of invoice {invoice.id} is pending; "
                        f"run 'bookctl payment reconcile {invoice.id}' first")
    if invoice.pass_id is not None:
        from bookctl.domain.plans import sale_voided

        sale_voided(uow.plans.get_pass(invoice.pass_id), invoice.id, now)  # the pass it sold goes with it
    invoice.status, invoice.voided_at = "void", now
    if invoice.booking_id is not None:
        booking, _ = resolve_booking(uow, invoice.booking_id)
        uow.ledger.add(booking, kind="charge", method="invoice", provider="invoice", amount=invoice.total,
                             status="voided", reference=invoice.id, invoice_id=invoice.id, created_at=now)
    return invoice_view(invoice, uow)


def create_quote(uow: UnitOfWork, now: datetime, contact_id: str, lines: Lines) -> dict[str, Any]:
    """A quote for a contact with line items (`lines`, in the store's currency)."""
    contact = uow.contacts.get(contact_id)
    items, total = lines(uow.settings.business.currency)
    return quote_view(uow.documents.add_quote(contact_id=contact.id, items=items, total=total, created_at=now), uow)


def list_quotes(uow: UnitOfWork) -> list[dict[str, Any]]:
    """Every quote, by number."""
    return [quote_view(q, uow) for q in uow.documents.quotes()]


def accept_quote(uow: UnitOfWork, now: datetime, record_id: str) -> dict[str, Any]:
    """Accepting a quote turns it into an open invoice with the same lines."""
    quote = uow.documents.get_quote(record_id)
    if quote.status != "open":
        raise RuleError(f"quote {quote.id} was already accepted as invoice {quote.invoice_id}")
    invoice = uow.documents.add_invoice(contact_id=quote.contact_id, items=list(quote.items), total=quote.total,
                              quote_id=quote.id, created_at=now)
    quote.status, quote.invoice_id, quote.accepted_at = "accepted", invoice.id, now
    return invoice_view(invoice, uow)
