"""The money ledger: append-only entries, and a booking's payment figures derived from them.

Kinds: `charge` (money taken, or an invoice issued/settled/voided), `refund` (money given back),
`cancellation_fee` / `no_show_fee` (a fee: `kept` out of money already paid, `succeeded` when
charged to a card now, `due` when still owed). A settled invoice is a second entry naming it.

Money that goes through a provider is written ahead: the entry is committed `pending`, with the
idempotency key it sends (an *intent*), before the provider is called; the provider's answer then
settles it once, `succeeded` or `failed` (`settle`). That one transition is the only change an
entry ever sees: amounts, and entries already settled, never change, and nothing is deleted.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

from pydantic import AwareDatetime

from bookctl.domain.models import Booking, Record
from bookctl.domain.money import Money, money_of

if TYPE_CHECKING:
    from bookctl.domain.records import BookingLike, EntryLike

EntryKind = Literal["charge", "refund", "cancellation_fee", "no_show_fee"]
EntryStatus = Literal["succeeded", "failed", "pending", "voided", "kept", "due"]
Method = Literal["card", "invoice", "in_person"]
FEE_KINDS = ("cancellation_fee", "no_show_fee")
# 13 to 19 digits, maybe grouped by spaces or dashes: what a card number looks like.
_CARD_NUMBER = re.compile(r"(?<!\d)\d(?:[ -]?\d){12,18}(?!\d)")


def looks_like_card_number(text: str) -> bool:
    """True for '4242 4242 4242 4242', or a text holding one: what --card must never be given."""
    return _CARD_NUMBER.search(text) is not None


def failure_text(exc: Exception) -> str:
    """A provider's error as kept in a failed entry, with anything shaped like a card number removed
    (a provider may echo what it was given; only a token, brand and last four are ever stored)."""
    return _CARD_NUMBER.sub("[card number removed]", str(exc))


class LedgerEntry(Record):
    """One movement (or record) of money for a booking. Card data: brand and last four only."""

    id: str
    booking_id: str | None = None
    contact_id: str
    kind: EntryKind
    method: Method | None = None
    provider: str | None = None
    amount: Money
    status: EntryStatus
    reference: str | None = None
    created_at: AwareDatetime
    refund_of: str | None = None
    invoice_id: str | None = None
    deposit: bool = False
    card_brand: str | None = None
    card_last4: str | None = None
    reason: str | None = None
    failure: str | None = None
    # An intent's: the key sent to the provider (minted once, replayed by every retry), what to
    # send again (the request's fields other than amount and key), and when its answer came.
    idempotency_key: str | None = None
    request: dict[str, Any] | None = None
    settled_at: AwareDatetime | None = None


def is_pending_intent(entry: EntryLike) -> bool:
    """Sent, or about to be, to a provider that has not answered: its outcome is unknown."""
    return entry.status == "pending" and entry.idempotency_key is not None


def pending_intents(entries: Iterable[LedgerEntry]) -> list[LedgerEntry]:
    """The entries whose provider call has no recorded answer, oldest first."""
    return [e for e in entries if is_pending_intent(e)]


SETTLED_FIELDS = ("reference", "card_brand", "card_last4", "failure")


def settle(entry: LedgerEntry, status: Literal["succeeded", "failed"], at: datetime, **answer: str | None) -> None:
    """Record the provider's answer on a pending intent: the one change a ledger entry ever sees."""
    if not is_pending_intent(entry):
        raise ValueError(f"ledger entry {entry.id} is {entry.status}, not a pending intent; it cannot change")
    unknown = set(answer) - set(SETTLED_FIELDS)
    if unknown:
        raise ValueError(f"a settled entry only gains {', '.join(SETTLED_FIELDS)}, not {', '.join(sorted(unknown))}")
    entry.status = status
    entry.settled_at = at
    for name, value in answer.items():
        setattr(entry, name, value)


@dataclass(frozen=True)
class PaymentSummary:
    """What was paid, refunded and is still due for one booking; never stored, always derived."""

    charged: Money
    refunded: Money
    paid: Money
    kept: Money
    owed: Money
    due: Money
    status: str
    open_invoices: tuple[str, ...]
    refunding: Money | None = None

    @property
    def refundable(self) -> Money:
        """What may still go back to the client: paid, less fees kept out of it and refunds in flight
        (a pending refund may have gone through, so two of them can never exceed what was paid)."""
        left = self.paid - self.kept
        return left - self.refunding if self.refunding is not None else left


def money_moved_in(entry: EntryLike) -> bool:
    """Money reached the business: a succeeded charge or a fee charged to a card."""
    return entry.status == "succeeded" and entry.kind != "refund"


def open_invoices(entries: Sequence[EntryLike]) -> list[str]:
    """Invoices issued for the booking and neither settled nor voided."""
    issued = [e.invoice_id for e in entries
              if e.kind == "charge" and e.status == "pending" and e.invoice_id and e.idempotency_key is None]
    closed = {e.invoice_id for e in entries if e.kind == "charge" and e.status in ("succeeded", "voided")}
    return [i for i in issued if i not in closed]


def _minor_sum(entries: Iterable[EntryLike], currency: str) -> int:
    total = 0
    for entry in entries:
        if entry.amount.currency != currency:
            raise ValueError(f"cannot combine {currency} with {entry.amount.currency}")
        total += entry.amount.minor
    return total


def _sum(entries: Iterable[LedgerEntry], currency: str) -> Money:
    return money_of(_minor_sum(entries, currency), currency)


class Figures(NamedTuple):
    """A booking's payment figures in minor units of its price's currency (see `figures`)."""

    charged: int
    refunded: int
    refunding: int
    paid: int
    kept: int
    owed: int
    due: int
    status: str
    open_invoices: tuple[str, ...]


def figures(booking: BookingLike, entries: Sequence[EntryLike]) -> Figures:
    """The payment figures of `booking` from its ledger `entries`, as plain integers: the one place
    they are worked out, for `summarize` and for the read path that streams exports and listings.

    `booking` and `entries` are the models or the read path's plain records (anything with their
    attributes). What the booking owes: its price while it stands; only its fees once it is
    cancelled, or once it is a no-show that was charged a no-show fee (the fee replaces the price);
    nothing while it waits on a waitlist; nothing but its fees when a pass's credit covers it (`covered`).
    """
    price = booking.price
    covered = booking.pass_id is not None
    if not entries:  # most bookings: nothing has moved yet (the same arithmetic as below, unrolled)
        owed = price.minor if booking.status == "confirmed" and not covered else 0  # cancelled, waiting: nothing
        return Figures(0, 0, 0, 0, 0, owed, max(owed, 0), "covered" if covered else "not_paid", ())
    currency = price.currency
    charged = _minor_sum((e for e in entries if money_moved_in(e)), currency)
    refunded = _minor_sum((e for e in entries if e.kind == "refund" and e.status == "succeeded"), currency)
    refunding = _minor_sum((e for e in entries if e.kind == "refund" and is_pending_intent(e)), currency)
    paid = charged - refunded
    fees = [e for e in entries if e.kind in FEE_KINDS and e.status in ("kept", "succeeded", "due")]
    kept = _minor_sum((e for e in fees if e.status == "kept"), currency)
    if booking.status != "confirmed":  # cancelled (its fees stand), or still on the waitlist
        owed = _minor_sum(fees, currency)
    elif booking.attendance == "no_show" and any(e.kind == "no_show_fee" for e in fees):
        owed = _minor_sum((e for e in fees if e.kind == "no_show_fee"), currency)
    elif covered:
        owed = 0
    else:
        owed = price.minor
    invoices = tuple(open_invoices(entries))
    deposit = _minor_sum((e for e in entries if e.deposit and money_moved_in(e)), currency)
    status = "covered" if covered and charged == 0 else payment_status(
        charged=charged, refunded=refunded, price=price.minor, owed=owed, deposit=deposit, invoiced=bool(invoices))
    return Figures(charged, refunded, refunding, paid, kept, owed, max(owed - paid, 0), status, invoices)


def summarize(booking: Booking, entries: list[LedgerEntry] | None = None) -> PaymentSummary:
    """The payment figures of `booking` from its ledger entries (the booking's own, by default), as Money."""
    found = figures(booking, booking_ledger(booking) if entries is None else entries)
    currency = booking.price.currency
    return PaymentSummary(charged=money_of(found.charged, currency), refunded=money_of(found.refunded, currency),
                          paid=money_of(found.paid, currency), kept=money_of(found.kept, currency),
                          owed=money_of(found.owed, currency), due=money_of(found.due, currency),
                          status=found.status, open_invoices=found.open_invoices,
                          refunding=money_of(found.refunding, currency) if found.refunding else None)


def payment_status(*, charged: int, refunded: int, price: int, owed: int, deposit: int, invoiced: bool) -> str:
    """A booking's `payment_status` from its figures in minor units: the README's table, first row that holds.

    `charged`: money that came in (succeeded charges, fees charged to a card); `refunded`: money
    that went back; their difference is the net, the booking's `paid`. `price`: the booking's price;
    `owed`: the price while the booking stands, only its fees once it is cancelled (or a no-show
    charged a no-show fee); `deposit`: what came in as a deposit; `invoiced`: an invoice for it is open.
    Only the net counts, so a booking refunded in full and then paid again is `paid`."""
    net = charged - refunded
    if charged == 0:
        return "invoiced" if invoiced else "not_paid"
    if net == 0:
        return "refunded"
    if refunded > 0 and net < price:
        return "partially_refunded"
    if net >= owed:
        return "paid"
    if invoiced:
        return "invoiced"
    if deposit > 0 and net == deposit:
        return "deposit_paid"
    return "partially_paid"


def booking_ledger(booking: Booking) -> list[LedgerEntry]:
    """The booking's entries, oldest first, as the store attached them when it loaded the booking."""
    return booking.ledger_entries


def refunded_against(entries: list[LedgerEntry], charge: LedgerEntry) -> Money:
    """How much of `charge` has gone back, or may have (a pending refund of it counts)."""
    return _sum((e for e in entries if e.kind == "refund" and e.refund_of == charge.id
                 and (e.status == "succeeded" or is_pending_intent(e))), charge.amount.currency)
