"""A booking's payment figures, derived from its price and status (the ledger joins in #4)."""

from __future__ import annotations

from dataclasses import dataclass

from bookctl.domain.models import Booking
from bookctl.domain.money import Money


@dataclass(frozen=True)
class PaymentSummary:
    """What was paid, refunded and is still due for one booking; never stored, always derived."""

    paid: Money
    refunded: Money
    due: Money
    status: str


def summarize(booking: Booking) -> PaymentSummary:
    """The payment figures of `booking`. A cancelled booking owes nothing."""
    zero = Money.zero(booking.price.currency)
    due = zero if booking.status == "cancelled" else booking.price
    return PaymentSummary(paid=zero, refunded=zero, due=due, status="not_paid")
