"""The money commands' options read as values: a method, a card token, an amount, a period, line items.

The services take what these return (a method already normalised, `Money`, `date`) and never name an
option; every error that names one is raised here. Where the old service read an option only after
looking something up (the booking whose currency an amount is in, the contact an invoice is for), the
command does that look-up first, inside the same unit of work, so that the same error wins: an id
that names nothing is still exit 3 before anything wrong with the options is reported.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import TYPE_CHECKING

from bookctl.errors import UsageError

if TYPE_CHECKING:
    from bookctl.domain.invoices import LineItem
    from bookctl.domain.money import Money
    from bookctl.services.money import Plan
    from bookctl.storage.unit import UnitOfWork

METHODS = {"card": "card", "invoice": "invoice", "in-person": "in_person", "in_person": "in_person"}


def method_of(text: str) -> str:
    """card | invoice | in_person from the command line's spelling of --method."""
    method = METHODS.get(text.strip().lower())
    if method is None:
        raise UsageError(f"--method {text!r} is not one of card, invoice, in-person")
    return method


def card_token(method: str, card: str | None, save_card: bool) -> str | None:
    """--card as the provider's token (never a card number), only with --method card."""
    from bookctl.domain import values
    from bookctl.domain.payments import looks_like_card_number

    if (card is not None or save_card) and method != "card":
        raise UsageError("--card and --save-card go with --method card")
    if card is not None and looks_like_card_number(card):
        raise UsageError("--card takes the provider's token (e.g. tok_visa, pm_card_visa), never a card number; "
                         "nothing was charged")
    return None if card is None else values.token(card, "--card")


def booking_currency(uow: UnitOfWork, ref: str) -> str:
    """The currency of the booking `ref` names, the one its --amount is read in. Looking the booking
    up is the service's first step too: an id that names nothing (exit 3), or a session with several
    active bookings, is reported before anything wrong with the options."""
    from bookctl.services.lookups import resolve_booking

    return resolve_booking(uow, ref)[0].price.currency


def amount(text: str | None, currency: str) -> Money | None:
    """--amount in `currency`; None when it was not given."""
    from bookctl.domain.money import Money

    return None if text is None else Money.parse(text, currency, what="--amount")


def positive_amount(text: str | None, currency: str) -> Money | None:
    """--amount in `currency`, more than 0; None when it was not given."""
    asked = amount(text, currency)
    if asked is not None and asked.minor == 0:
        raise UsageError("--amount must be more than 0")
    return asked


def period(date_from: str | None, date_to: str | None) -> tuple[date | None, date | None]:
    """--from and --to as local days (inclusive), either left open; --to may not be before --from."""
    from bookctl.timeutil import parse_date

    first = parse_date(date_from, "--from") if date_from else None
    last = parse_date(date_to, "--to") if date_to else None
    if first and last and last < first:
        raise UsageError(f"--to {last} is before --from {first}")
    return first, last


def hand_settlement(status: str, reference: str | None) -> str | None:
    """--as succeeded|failed and --reference of `payment reconcile --mark`: the reference to record
    (the provider's id of the payment, needed with succeeded, refused with failed)."""
    from bookctl.domain import values

    if status not in ("succeeded", "failed"):
        raise UsageError(f"--as {status!r} is not one of succeeded, failed")
    if reference is not None and reference.strip():
        reference = values.line(reference, "--reference")
    if status == "succeeded" and not (reference and reference.strip()):
        raise UsageError("--as succeeded needs --reference: the provider's id of the payment")
    if status == "failed" and reference is not None:
        raise UsageError("--reference goes with --as succeeded")
    return reference


def item_lines(pairs: list[str]) -> Callable[[str], tuple[list[LineItem], Money]]:
    """The --item "TEXT=AMOUNT" options, for the service to read in the currency it invoices in, at
    the point it gets to them (after the contact and the booking are checked)."""
    from bookctl.domain.invoices import parse_items

    return lambda currency: parse_items(pairs, currency)


def invoice_label(uow: UnitOfWork, record_id: str, method: str | None) -> str | None:
    """--method of `invoice pay`: how the invoice was paid, as the studio names it (bank transfer,
    cash). Read after the invoice is found, as ever (an unknown invoice is exit 3 first)."""
    from bookctl.domain import values

    uow.documents.get_invoice(record_id)
    return None if method is None else values.line(method, "--method", values.NAME_LIMIT)


def invoice_due(uow: UnitOfWork, contact_id: str, due: str | None) -> date | None:
    """--due of `invoice create`, read after the contact is found, as ever (exit 3 first)."""
    from bookctl.timeutil import parse_date

    uow.contacts.get(contact_id)
    return parse_date(due, "--due") if due else None


def cancel_from_options(uow: UnitOfWork, now: datetime, ref: str, refund: bool = False, amount_text: str | None = None,
                        charge_fee: bool = False, notify: bool = False, refund_email_too: bool = False) -> Plan:
    """`session cancel`'s options read as values, then `services.fees.cancel`: the call shape the
    service had when it read them itself. --amount and --refund-email go with --refund; the amount
    is in the booking's currency (0 is allowed: cancel, refund nothing)."""
    from bookctl.services.fees import cancel

    if amount_text is not None and not refund:
        raise UsageError("--amount goes with --refund")
    if refund_email_too and not refund:
        raise UsageError("--refund-email goes with --refund")
    asked = None if amount_text is None else amount(amount_text, booking_currency(uow, ref))
    return cancel(uow, now, ref, refund, asked, charge_fee, notify=notify, refund_email_too=refund_email_too)
