"""uow.ledger on every backend: where an entry goes, its id, pending intents, entries by month."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from bookctl.domain.payments import settle
from tests.storage.conftest import (
    NOW,
    add_booking,
    add_contact,
    add_invoice,
    add_session,
    charge,
)

LATE = datetime(2026, 11, 23, 23, 30, tzinfo=UTC)  # the 24th in Rome


def test_an_entry_of_a_booking_is_minted_on_the_sessions_utc_day_and_attached(store):
    with store.write() as uow:
        ada = add_contact(uow)
        session = add_session(uow, LATE)
        booking = add_booking(uow, session, ada, created_at=NOW)
        later = charge(uow, booking, 1000, created_at=NOW + timedelta(hours=2), method="card")
        earlier = charge(uow, booking, 800, created_at=NOW + timedelta(hours=1), method="in_person")
        assert (later.id, earlier.id) == ("p-20261123-3", "p-20261123-4")
        assert (later.booking_id, later.contact_id, later.invoice_id) == (booking.id, ada.id, None)
        assert booking.ledger_entries == [later, earlier]  # appended as added
        uow.commit()
    with store.read() as uow:
        entries = uow.calendar.get_booking(booking.id).ledger_entries
        assert [e.id for e in entries] == ["p-20261123-4", "p-20261123-3"]  # oldest first, as loaded
        assert [(e.amount.minor, e.method, e.status) for e in entries] == [(800, "in_person", "succeeded"),
                                                                           (1000, "card", "succeeded")]


def test_an_entry_of_an_invoice_without_booking_is_numbered_after_the_invoice(store):
    with store.write() as uow:
        ada = add_contact(uow)
        invoice = add_invoice(uow, ada)
        issued = charge(uow, invoice, 5000, status="pending", method="invoice")
        paid = charge(uow, invoice, 5000, method="invoice", created_at=NOW + timedelta(days=1))
        assert (issued.id, paid.id) == ("p-INV-0001-1", "p-INV-0001-2")
        assert (issued.booking_id, issued.invoice_id, issued.contact_id) == (None, "INV-0001", ada.id)
        assert [e.id for e in uow.ledger.of_invoice("INV-0001")] == ["p-INV-0001-1", "p-INV-0001-2"]
        uow.commit()
    with store.read() as uow:
        found = uow.ledger.of_invoice("INV-0001")
        assert [(e.id, e.status) for e in found] == [("p-INV-0001-1", "pending"), ("p-INV-0001-2", "succeeded")]
    with store.write() as uow:
        assert charge(uow, uow.documents.get_invoice("INV-0001"), 1, kind="refund").id == "p-INV-0001-3"
        session = add_session(uow)
        booking = add_booking(uow, session, uow.contacts.get(ada.id))
        with pytest.raises(ValueError, match="its entries go with the booking"):
            charge(uow, add_invoice(uow, ada, booking_id=booking.id))


def test_pending_homes_lists_intents_until_they_are_settled_and_committed(store):
    with store.write() as uow:
        ada = add_contact(uow)
        booking = add_booking(uow, add_session(uow), ada)
        charge(uow, booking)  # settled already
        intent = charge(uow, booking, status="pending", method="card", provider="sandbox", idempotency_key="k-1",
                        request={"description": "Yoga"})
        invoice = add_invoice(uow, ada)
        charge(uow, invoice, status="pending", method="invoice")  # an issued invoice: no key
        refund = charge(uow, invoice, 100, kind="refund", status="pending", provider="sandbox",
                        idempotency_key="k-2", created_at=NOW + timedelta(minutes=1))
        uow.commit()
    with store.read() as uow:
        assert uow.ledger.pending_homes() == [(intent.id, booking.id), (refund.id, invoice.id)]
    with store.write() as uow:
        pending = [e for e in uow.calendar.get_booking(booking.id).ledger_entries if e.id == intent.id]
        settle(pending[0], "succeeded", NOW + timedelta(minutes=2), reference="ch_9", card_brand="visa",
               card_last4="4242")
        uow.commit()
    with store.write() as uow:
        settle(uow.ledger.of_invoice(invoice.id)[1], "failed", NOW + timedelta(minutes=3), failure="declined")
        uow.close()  # not committed
    with store.read() as uow:
        assert uow.ledger.pending_homes() == [(refund.id, invoice.id)]
        settled = uow.calendar.get_booking(booking.id).ledger_entries[1]
        assert (settled.id, settled.status, settled.reference, settled.card_last4, settled.request) == \
            (intent.id, "succeeded", "ch_9", "4242", {"description": "Yoga"})
        assert settled.settled_at == NOW + timedelta(minutes=2)


def test_created_between_counts_utc_months(store):
    october_in_utc = datetime(2026, 10, 31, 23, 30, tzinfo=UTC)  # already November in Rome
    with store.write() as uow:
        ada = add_contact(uow)
        booking = add_booking(uow, add_session(uow), ada)
        october = charge(uow, booking, created_at=october_in_utc)
        november = charge(uow, booking, created_at=datetime(2026, 11, 30, 22, 0, tzinfo=UTC))
        december = charge(uow, add_invoice(uow, ada), created_at=datetime(2026, 12, 1, 0, 0, tzinfo=UTC))
        uow.commit()
    with store.read() as uow:
        def between(first: date | None, last: date | None) -> list[tuple[str, str]]:
            return list(uow.ledger.created_between(first, last))

        assert between(date(2026, 11, 1), date(2026, 11, 30)) == [(november.id, booking.id)]
        assert between(None, date(2026, 10, 15)) == [(october.id, booking.id)]
        assert between(date(2026, 11, 20), None) == [(november.id, booking.id), (december.id, "INV-0001")]
        assert sorted(between(None, None)) == sorted([(october.id, booking.id), (november.id, booking.id),
                                                      (december.id, "INV-0001")])
        assert between(date(2027, 1, 1), None) == []
