"""The services driven directly, on the in-memory backend: the rules of booking, attendance, money
and the contact card, in milliseconds, with values (datetime, Money) and no command line. The same
rules are driven through the CLI on files and PostgreSQL in tests/cli."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from bookctl.domain.money import Money
from bookctl.domain.settings import Business, Settings
from bookctl.errors import RuleError
from bookctl.services import calendar, fees, payments
from bookctl.services.contacts import add_contact
from bookctl.services.money import carry_out
from bookctl.services.setup import add_service
from bookctl.storage.memory import MemoryStore

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=timezone(timedelta(hours=1)))
TOMORROW_10 = datetime(2026, 11, 24, 10, 0, tzinfo=timezone(timedelta(hours=1)))


def eur(amount: str) -> Money:
    return Money.parse(amount, "EUR")


@pytest.fixture
def store(tmp_path):  # noqa: ANN001, ANN201
    settings = Settings(business=Business(name="Studio Verde", currency="EUR", timezone="Europe/Rome"))
    settings.store.id = "0" * 32
    made = MemoryStore(tmp_path, settings)
    with made.write() as uow:
        add_service(uow, "Physio", eur("65"), 45, "appointment", cancellation_fee=eur("20"),
                    cancellation_window_hours=24)
        add_service(uow, "Yoga Flow", eur("18"), 60, "class", capacity=2)
        add_contact(uow, NOW, "Ada", email="ada@example.org")
        add_contact(uow, NOW, "Bruno")
        uow.commit()
    return made


def write(store, action):  # noqa: ANN001, ANN201
    with store.write() as uow:
        result = action(uow)
        uow.commit()
        return result


def money(store, action):  # noqa: ANN001, ANN201
    with store.write() as uow:
        outcome = carry_out(uow, NOW, action(uow))
    if outcome.error is not None:
        raise outcome.error
    return outcome.view


def test_booking_links_the_contact_and_labels_it_with_the_service(store):
    view = write(store, lambda uow: calendar.book(uow, NOW, "c-1", service_ref="Physio", start=TOMORROW_10))
    with store.read() as uow:
        contact = uow.contacts.get("c-1")
        assert contact.booking_ids == [view["id"]]
        assert contact.labels == ["Physio"]
        assert uow.calendar.get_booking(view["id"]).price == eur("65")


def test_a_class_refuses_a_place_more_than_its_capacity(store):
    session = write(store, lambda uow: calendar.add_session(uow, NOW, "yoga-flow", TOMORROW_10))
    write(store, lambda uow: calendar.book(uow, NOW, "c-1", session_id=session["id"]))
    write(store, lambda uow: calendar.book(uow, NOW, "c-2", session_id=session["id"],
                                           allow_overlap=True))
    with store.write() as uow:
        uow.contacts.add(first_name="Carla", created_at=NOW)
        uow.commit()
    with pytest.raises(RuleError, match="full"):
        write(store, lambda uow: calendar.book(uow, NOW, "c-3", session_id=session["id"]))


def test_attendance_is_kept_and_a_refused_change_writes_nothing(store):
    booking = write(store, lambda uow: calendar.book(uow, NOW, "c-1", service_ref="Physio", start=TOMORROW_10))["id"]
    with store.read() as uow:
        before = list(uow.dump())
    later = TOMORROW_10 + timedelta(hours=2)
    with pytest.raises(RuleError):  # not before the session starts
        write(store, lambda uow: calendar.set_attendance(uow, NOW, booking, "checked_in"))
    with store.read() as uow:
        assert list(uow.dump()) == before
    write(store, lambda uow: calendar.set_attendance(uow, later, booking, "checked_in"))
    with store.read() as uow:
        assert uow.calendar.get_booking(booking).attendance == "checked_in"


def test_a_deposit_by_card_then_a_refund_through_the_sandbox(store):
    booking = write(store, lambda uow: calendar.book(uow, NOW, "c-1", service_ref="Physio", start=TOMORROW_10))["id"]
    money(store, lambda uow: payments.collect(uow, NOW, booking, "card", eur("20"), card="tok_visa"))
    with store.read() as uow:
        [charge] = uow.calendar.get_booking(booking).ledger_entries
        assert (charge.kind, charge.status, charge.amount, charge.card_last4) == ("charge", "succeeded", eur("20"), "4242")
    money(store, lambda uow: payments.refund(uow, NOW, booking, eur("5")))
    with store.read() as uow:
        entries = uow.calendar.get_booking(booking).ledger_entries
        assert [(e.kind, e.status, e.amount) for e in entries] == [
            ("charge", "succeeded", eur("20")), ("refund", "succeeded", eur("5"))]
        assert uow.ledger.pending_homes() == []


def test_a_refund_never_exceeds_what_was_paid(store):
    booking = write(store, lambda uow: calendar.book(uow, NOW, "c-1", service_ref="Physio", start=TOMORROW_10))["id"]
    money(store, lambda uow: payments.collect(uow, NOW, booking, "card", eur("20"), card="tok_visa"))
    with pytest.raises(RuleError, match="cannot refund"):
        money(store, lambda uow: payments.refund(uow, NOW, booking, eur("20.01")))
    with store.read() as uow:
        assert len(uow.calendar.get_booking(booking).ledger_entries) == 1


def test_a_late_cancel_keeps_the_fee_and_refunds_the_rest(store):
    booking = write(store, lambda uow: calendar.book(uow, NOW, "c-1", service_ref="Physio", start=TOMORROW_10))["id"]
    money(store, lambda uow: payments.collect(uow, NOW, booking, "card", card="tok_visa"))
    money(store, lambda uow: fees.cancel(uow, NOW, booking, refund=True, charge_fee=True))
    with store.read() as uow:
        cancelled = uow.calendar.get_booking(booking)
        assert cancelled.status == "cancelled"
        assert [(e.kind, e.status, e.amount) for e in cancelled.ledger_entries] == [
            ("charge", "succeeded", eur("65")), ("cancellation_fee", "kept", eur("20")),
            ("refund", "succeeded", eur("45"))]


def test_a_declined_card_leaves_a_failed_entry_and_nothing_paid(store):
    booking = write(store, lambda uow: calendar.book(uow, NOW, "c-1", service_ref="Physio", start=TOMORROW_10))["id"]
    with pytest.raises(Exception, match="declined"):
        money(store, lambda uow: payments.collect(uow, NOW, booking, "card", card="tok_chargeDeclined"))
    with store.read() as uow:
        [entry] = uow.calendar.get_booking(booking).ledger_entries
        assert (entry.kind, entry.status) == ("charge", "failed")
