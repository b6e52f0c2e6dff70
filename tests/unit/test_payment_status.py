"""The payment figures a booking derives from its ledger (domain only, no I/O)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bookctl.domain.models import Booking
from bookctl.domain.money import Money
from bookctl.domain.payments import LedgerEntry, failure_text, summarize

NOW = datetime(2026, 11, 23, 11, tzinfo=UTC)


def eur(cents: int) -> Money:
    return Money(minor=cents, currency="EUR")


def booking(**changes: object) -> Booking:
    return Booking(id="b-20261124-2", session_id="s-20261124-1", contact_id="c-1", price=eur(6500), created_at=NOW,
                   **changes)


def entry(n: int, kind: str, status: str, cents: int, **extra: object) -> LedgerEntry:
    return LedgerEntry(id=f"p-20261124-{n}", booking_id="b-20261124-2", contact_id="c-1", kind=kind, status=status,
                       amount=eur(cents), created_at=NOW, **extra)


def test_nothing_recorded_is_not_paid_with_the_price_due():
    summary = summarize(booking(), [])
    assert (summary.status, summary.paid, summary.due) == ("not_paid", eur(0), eur(6500))


def test_a_deposit_alone_is_deposit_paid():
    summary = summarize(booking(), [entry(3, "charge", "succeeded", 2000, deposit=True)])
    assert (summary.status, summary.due) == ("deposit_paid", eur(4500))


def test_a_failed_charge_counts_for_nothing():
    assert summarize(booking(), [entry(3, "charge", "failed", 6500)]).status == "not_paid"


def test_an_open_invoice_is_invoiced_and_a_settled_one_paid():
    issued = entry(3, "charge", "pending", 6500, invoice_id="INV-0001")
    assert summarize(booking(), [issued]).status == "invoiced"
    settled = entry(4, "charge", "succeeded", 6500, invoice_id="INV-0001")
    assert summarize(booking(), [issued, settled]).status == "paid"
    voided = entry(4, "charge", "voided", 6500, invoice_id="INV-0001")
    assert summarize(booking(), [issued, voided]).status == "not_paid"


def test_a_cancelled_booking_owes_only_its_fees():
    entries = [entry(3, "charge", "succeeded", 6500), entry(4, "cancellation_fee", "kept", 2500),
               entry(5, "refund", "succeeded", 4000, refund_of="p-20261124-3")]
    summary = summarize(booking(status="cancelled"), entries)
    assert (summary.status, summary.paid, summary.refunded, summary.due, summary.refundable) == \
        ("partially_refunded", eur(2500), eur(4000), eur(0), eur(0))


def test_a_no_show_with_a_fee_owes_the_fee_not_the_price():
    summary = summarize(booking(attendance="no_show"), [entry(3, "no_show_fee", "due", 3000)])
    assert (summary.owed, summary.due) == (eur(3000), eur(3000))


@pytest.mark.parametrize(("said", "kept"), [
    ("'4111111111111111' is not a gift voucher code", "'[card number removed]' is not a gift voucher code"),
    ("card 4000 0000 0000 0341 was declined", "card [card number removed] was declined"),
    ("declined: insufficient funds (code 51)", "declined: insufficient funds (code 51)"),
])
def test_a_providers_error_is_kept_without_anything_shaped_like_a_card_number(said, kept):
    assert failure_text(RuntimeError(said)) == kept
