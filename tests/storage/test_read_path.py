"""The read path (`Calendar.stream`, `Contacts.lookup`) hands out what the models say, on every backend.

A backend may hand out plain read-only records instead of models there (the file store decodes
whole files with msgspec, PostgreSQL builds them from rows); what a row is made from must not change.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from bookctl.services.views import booking_view
from bookctl.timeutil import load_zone
from tests.storage.conftest import NOW, add_booking, add_contact, add_session, charge

ROME = load_zone("Europe/Rome")
ENTRY_FIELDS = ("id", "booking_id", "contact_id", "kind", "method", "provider", "amount", "status", "reference",
                "created_at", "refund_of", "invoice_id", "deposit", "card_brand", "card_last4", "reason", "failure",
                "idempotency_key", "request", "settled_at")
CONTACT_FIELDS = ("id", "first_name", "last_name", "email", "phone", "labels", "display_name")  # ContactLike


def _calendar(store: Any) -> None:  # noqa: ANN401
    """Twelve days of sessions, some with bookings, payments and a cancellation; many contacts."""
    with store.write() as uow:
        contacts = [add_contact(uow, f"C{n}", last_name=None if n % 3 else "Rossi", labels=["VIP"] if n % 5 == 0 else [])
                    for n in range(40)]
        for day in range(12):
            for hour in (8, 12, 18):
                session = add_session(uow, NOW + timedelta(days=day, hours=hour - 11))
                for n in range((day + hour) % 4):
                    booking = add_booking(uow, session, contacts[(day * 7 + hour + n) % 40],
                                          created_at=NOW - timedelta(days=3, minutes=n), form_responses={"n": str(n)})
                    if n == 1:
                        charge(uow, booking, 1000, created_at=NOW - timedelta(days=2), method="in_person")
                    if n == 2:
                        booking.status = "cancelled"
        uow.commit()


def _plain(value: Any) -> Any:  # noqa: ANN401
    """Money (a model or a record) as (minor, currency); anything else as it is."""
    return (value.minor, value.currency) if hasattr(value, "minor") else value


def _rows(pairs: Any) -> list[Any]:  # noqa: ANN401
    found = []
    for session, bookings in pairs:
        for booking, entries in bookings:
            found.append((session.id, booking_view(booking, session, ROME, entries),
                          [tuple(_plain(getattr(e, f)) for f in ENTRY_FIELDS) for e in entries]))
    return found


def test_stream_yields_what_sessions_starting_yields(store) -> None:  # noqa: ANN001
    _calendar(store)
    start, end = NOW - timedelta(days=1), NOW + timedelta(days=13)
    with store.read() as uow:
        streamed = _rows(uow.calendar.stream(start, end))
    with store.write() as uow:  # a writable unit reads through the models
        modelled = _rows((s, [(b, b.ledger_entries) for b in bookings])
                         for s, bookings in uow.calendar.sessions_starting(start, end))
    assert len(streamed) == sum((day + hour) % 4 for day in range(12) for hour in (8, 12, 18))
    assert any(entries for _, _, entries in streamed)
    assert sorted(streamed, key=repr) == sorted(modelled, key=repr)


def test_stream_of_part_of_the_calendar_stops_at_its_ends(store) -> None:  # noqa: ANN001
    _calendar(store)
    start, end = NOW + timedelta(days=2), NOW + timedelta(days=8)
    with store.read() as uow:
        starts = [session.start for session, _ in uow.calendar.stream(start, end)]
    assert starts and all(start <= moment < end for moment in starts)
    assert len(starts) == 18


def test_lookup_gives_what_get_gives_across_many_shards(store) -> None:  # noqa: ANN001
    with store.write() as uow:
        for n in range(1100):  # five shards of the file store, past the few it reads through the models
            add_contact(uow, f"C{n}", last_name="Rossi" if n % 2 else None, email=f"c{n}@example.org",
                        labels=["VIP"] if n % 7 == 0 else [], custom_fields={"n": str(n)})
        uow.commit()
    ids = [f"c-{n}" for n in (1, 300, 555, 800, 1100, 2, 1000)]
    with store.read() as uow:
        looked = [tuple(getattr(uow.contacts.lookup(i), f) for f in CONTACT_FIELDS) for i in ids]
    with store.read() as uow:
        got = [tuple(getattr(uow.contacts.get(i), f) for f in CONTACT_FIELDS) for i in ids]
    assert looked == got


def test_lookup_of_an_unknown_contact_is_not_found(store) -> None:  # noqa: ANN001
    import pytest

    from bookctl.errors import NotFoundError

    with store.write() as uow:
        for n in range(800):
            add_contact(uow, f"C{n}")
        uow.commit()
    with store.read() as uow:
        for n in (1, 300, 600):
            uow.contacts.lookup(f"c-{n}")
        with pytest.raises(NotFoundError):
            uow.contacts.lookup("c-799999")
        with pytest.raises(NotFoundError):
            uow.contacts.lookup("c-801")
