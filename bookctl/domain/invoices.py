"""Invoices and quotes: numbered per store (INV-0001, Q-0001), line items with exact totals."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import AwareDatetime, Field

from bookctl.domain import values
from bookctl.domain.models import Record
from bookctl.domain.money import Money
from bookctl.errors import UsageError

InvoiceStatus = Literal["open", "paid", "void"]
QuoteStatus = Literal["open", "accepted"]


class LineItem(Record):
    """One line: what it is for and what it costs."""

    text: str
    amount: Money


class Invoice(Record):
    """A bill to a contact, possibly for one booking. Its status is the document's own."""

    id: str
    contact_id: str
    booking_id: str | None = None
    items: list[LineItem] = Field(min_length=1)
    total: Money
    status: InvoiceStatus = "open"
    due: date | None = None
    quote_id: str | None = None
    created_at: AwareDatetime
    paid_at: AwareDatetime | None = None
    voided_at: AwareDatetime | None = None
    method: str | None = None
    reference: str | None = None
    # The pass (ps-N) it sells (bookctl #23): paying it activates the pass, voiding it cancels the pass.
    pass_id: str | None = None


class Quote(Record):
    """An offer to a contact; accepting it makes an invoice."""

    id: str
    contact_id: str
    items: list[LineItem] = Field(min_length=1)
    total: Money
    status: QuoteStatus = "open"
    invoice_id: str | None = None
    created_at: AwareDatetime
    accepted_at: AwareDatetime | None = None


def invoice_id(number: int) -> str:
    """`INV-0001`."""
    return f"INV-{number:04d}"


def quote_id(number: int) -> str:
    """`Q-0001`."""
    return f"Q-{number:04d}"


def document_number(record_id: str, prefix: str) -> int | None:
    """1 for `INV-0001` with prefix `INV`; None if the id is not of that kind."""
    head, sep, digits = record_id.upper().partition("-")
    if head != prefix or not sep or not digits.isdigit() or int(digits) < 1:
        return None
    return int(digits)


def parse_items(pairs: list[str], currency: str) -> tuple[list[LineItem], Money]:
    """`--item "TEXT=AMOUNT"` options as line items and their exact total."""
    if not pairs:
        raise UsageError('give at least one --item "TEXT=AMOUNT"')
    items = []
    total = Money.zero(currency)
    for pair in pairs:
        text, sep, amount = pair.rpartition("=")
        if not sep or not text.strip():
            raise UsageError(f'--item {values.shown(pair)} must look like "TEXT=AMOUNT"')
        item = LineItem(text=values.line(text, "--item text"), amount=Money.parse(amount, currency, what="--item amount"))
        items.append(item)
        total = total + item.amount
    return items, total
