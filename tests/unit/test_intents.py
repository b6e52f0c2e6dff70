"""The ledger's one transition (issue 15): a pending intent settles once; only succeeded entries count,
and pending refunds cap what else can go back."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bookctl.domain.models import Booking
from bookctl.domain.money import Money
from bookctl.domain.payments import LedgerEntry, pending_intents, settle, summarize

NOW = datetime(2026, 11, 23, 11, 0, tzinfo=UTC)


def booking_with(*entries: LedgerEntry, price: int = 6500) -> Booking:
    booking = Booking(id="b-20261124-1", session_id="s-20261124-1", contact_id="c-1",
                      price=Money(minor=price, currency="EUR"), created_at=NOW)
    booking.ledger_entries.extend(entries)
    return booking


def entry(n: int, kind: str, minor: int, status: str, key: bool = True, **more: object) -> LedgerEntry:
    return LedgerEntry(id=f"p-20261124-{n}", booking_id="b-20261124-1", contact_id="c-1", kind=kind,
                       amount=Money(minor=minor, currency="EUR"), status=status, created_at=NOW,
                       idempotency_key=f"store:b-20261124-1:{n}" if key else None, **more)


def test_a_pending_intent_settles_once_and_then_never_changes():
    charge = entry(1, "charge", 6500, "pending")
    settle(charge, "succeeded", NOW, reference="ch_1", card_brand="visa", card_last4="4242")
    assert (charge.status, charge.reference, charge.settled_at) == ("succeeded", "ch_1", NOW)
    with pytest.raises(ValueError, match="not a pending intent"):
        settle(charge, "failed", NOW)


def test_settling_changes_only_the_answer_fields():
    with pytest.raises(ValueError, match="only gains"):
        settle(entry(1, "charge", 6500, "pending"), "succeeded", NOW, amount="1")


def test_an_issued_invoice_is_pending_but_not_an_intent_and_cannot_be_settled():
    invoice = entry(1, "charge", 6500, "pending", key=False, invoice_id="INV-0001", method="invoice")
    assert pending_intents([invoice]) == []
    with pytest.raises(ValueError):
        settle(invoice, "succeeded", NOW)
    assert summarize(booking_with(invoice)).status == "invoiced"


def test_only_succeeded_entries_count_towards_paid():
    summary = summarize(booking_with(entry(1, "charge", 2000, "succeeded"), entry(2, "charge", 4500, "pending"),
                                     entry(3, "charge", 4500, "failed")))
    assert (summary.paid.minor, summary.due.minor, summary.status) == (2000, 4500, "partially_paid")


@settings(max_examples=200, deadline=None, derandomize=True, database=None)
@given(paid=st.integers(1, 100_000), pending=st.lists(st.integers(1, 100_000), max_size=4))
def test_pending_refunds_cap_what_is_refundable_so_refunds_never_exceed_what_was_paid(paid, pending):
    charge = entry(1, "charge", paid, "succeeded")
    refunds = []
    for n, minor in enumerate(pending, start=2):
        refundable = summarize(booking_with(charge, *refunds, price=paid)).refundable.minor
        if minor <= refundable:  # what the refund commands allow
            refunds.append(entry(n, "refund", minor, "pending", refund_of=charge.id))
    summary = summarize(booking_with(charge, *refunds, price=paid))
    assert summary.refunded.minor == 0  # none has succeeded yet
    assert sum(r.amount.minor for r in refunds) + summary.refundable.minor == paid
    for refund in refunds:  # whichever of them turn out to have gone through
        settle(refund, "succeeded", NOW, reference=f"re_{refund.id}")
    settled = summarize(booking_with(charge, *refunds, price=paid))
    assert 0 <= settled.refunded.minor <= paid
    assert settled.paid.minor == paid - settled.refunded.minor
