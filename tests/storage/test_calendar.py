"""uow.calendar on every backend: sessions and bookings, their ids, their order, moves."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from bookctl.errors import NotFoundError
from tests.storage.conftest import NOW, add_booking, add_contact, add_session, charge

# 00:30 on the 24th in Rome is still the 23rd in UTC: ids and days follow UTC.
LATE = datetime(2026, 11, 23, 23, 30, tzinfo=UTC)


def test_add_session_mints_an_id_on_its_utc_day_and_reads_back(store):
    with store.write() as uow:
        first = add_session(uow, LATE, capacity=5, staff_id="giulia")
        second = add_session(uow, LATE + timedelta(hours=1))
        assert (first.id, second.id) == ("s-20261123-1", "s-20261124-1")
        assert uow.calendar.get_session(first.id) is first
        uow.commit()
    with store.read() as uow:
        found = uow.calendar.get_session("s-20261123-1")
        assert (found.start, found.end, found.capacity, found.staff_id) == (LATE, LATE + timedelta(hours=1), 5, "giulia")
        with pytest.raises(NotFoundError, match=r"^no session 's-20261123-9'$"):
            uow.calendar.get_session("s-20261123-9")


def test_add_booking_shares_the_day_sequence_and_links_the_contact(store):
    with store.write() as uow:
        ada = add_contact(uow)
        session = add_session(uow, LATE)
        one = add_booking(uow, session, ada)
        two = add_booking(uow, session, ada, created_at=NOW + timedelta(minutes=1))
        assert (one.id, two.id) == ("b-20261123-2", "b-20261123-3")
        assert (one.session_id, ada.booking_ids) == (session.id, [one.id, two.id])
        uow.commit()
    with store.read() as uow:
        assert uow.contacts.get("c-1").booking_ids == ["b-20261123-2", "b-20261123-3"]
        booking = uow.calendar.get_booking("b-20261123-2")
        assert (booking.session_id, booking.contact_id, booking.price.minor, booking.ledger_entries) == \
            ("s-20261123-1", "c-1", 1800, [])
        with pytest.raises(NotFoundError, match=r"^no booking 'b-20261123-9'$"):
            uow.calendar.get_booking("b-20261123-9")


def test_session_bookings_are_oldest_first_cancelled_ones_included(store):
    with store.write() as uow:
        ada, bea, cleo = add_contact(uow, "Ada"), add_contact(uow, "Bea"), add_contact(uow, "Cleo")
        session = add_session(uow)
        other = add_session(uow, NOW + timedelta(hours=2))
        late = add_booking(uow, session, ada, created_at=NOW + timedelta(minutes=2))
        early = add_booking(uow, session, bea, created_at=NOW - timedelta(minutes=2), status="cancelled")
        middle = add_booking(uow, session, cleo, created_at=NOW)
        add_booking(uow, other, ada)
        expected = [early.id, middle.id, late.id]
        assert [b.id for b in uow.calendar.session_bookings(session)] == expected
        uow.commit()
    with store.read() as uow:
        bookings = uow.calendar.session_bookings(uow.calendar.get_session(session.id))
        assert [b.id for b in bookings] == expected
        assert [b.status for b in bookings] == ["cancelled", "confirmed", "confirmed"]


def test_sessions_starting_is_half_open_day_after_day_with_bookings(store):
    with store.write() as uow:
        ada = add_contact(uow)
        before = add_session(uow, NOW - timedelta(minutes=1))
        at_start = add_session(uow, NOW)
        next_day = add_session(uow, NOW + timedelta(days=1))
        at_end = add_session(uow, NOW + timedelta(days=2))
        booking = add_booking(uow, next_day, ada)
        uow.commit()
    with store.read() as uow:
        found = list(uow.calendar.sessions_starting(NOW, NOW + timedelta(days=2)))
        assert [s.id for s, _ in found] == [at_start.id, next_day.id]
        assert [[b.id for b in bookings] for _, bookings in found] == [[], [booking.id]]
        assert [s.id for s, _ in uow.calendar.sessions_starting(NOW - timedelta(minutes=1), NOW)] == [before.id]
        assert list(uow.calendar.sessions_starting(NOW + timedelta(days=3), NOW + timedelta(days=9))) == []
        wide = [s.id for s, _ in uow.calendar.sessions_starting(NOW - timedelta(days=1), NOW + timedelta(days=9))]
        assert wide == [before.id, at_start.id, next_day.id, at_end.id]


def test_span_is_the_first_and_last_utc_day_with_a_session(store):
    with store.read() as uow:
        assert uow.calendar.span() is None
    with store.write() as uow:
        add_session(uow, LATE)
        add_session(uow, datetime(2026, 12, 2, 9, tzinfo=UTC))
        add_session(uow, datetime(2026, 11, 28, 9, tzinfo=UTC))
        uow.commit()
    with store.read() as uow:
        assert uow.calendar.span() == (date(2026, 11, 23), date(2026, 12, 2))


def test_move_session_to_another_utc_day_keeps_ids_bookings_and_ledger(store):
    new_start = datetime(2026, 12, 3, 15, tzinfo=UTC)
    with store.write() as uow:
        ada = add_contact(uow)
        session = add_session(uow)
        booking = add_booking(uow, session, ada)
        entry = charge(uow, booking)
        uow.commit()
    with store.write() as uow:
        moving = uow.calendar.get_session(session.id)
        uow.calendar.move_session(moving, new_start, new_start + timedelta(hours=1))
        uow.commit()
    with store.read() as uow:
        moved = uow.calendar.get_session(session.id)
        assert (moved.id, moved.start, moved.end) == (session.id, new_start, new_start + timedelta(hours=1))
        assert [b.id for b in uow.calendar.session_bookings(moved)] == [booking.id]
        assert [e.id for e in uow.calendar.get_booking(booking.id).ledger_entries] == [entry.id]
        assert list(uow.calendar.sessions_starting(NOW - timedelta(hours=1), NOW + timedelta(days=1))) == []
        found = list(uow.calendar.sessions_starting(new_start, new_start + timedelta(minutes=1)))
        assert [(s.id, [b.id for b in bs]) for s, bs in found] == [(session.id, [booking.id])]
        first, last = uow.calendar.span()  # the day it left may still count: its file holds the forward
        assert first <= date(2026, 12, 3) == last
        assert uow.contacts.get(ada.id).booking_ids == [booking.id]
    with store.write() as uow:  # the day the session left still mints fresh ids
        assert add_session(uow).id == "s-20261123-4"


def test_move_booking_into_another_session_keeps_its_id_and_ledger(store):
    with store.write() as uow:
        ada = add_contact(uow)
        here = add_session(uow)
        there = add_session(uow, datetime(2026, 11, 30, 9, tzinfo=UTC))
        booking = add_booking(uow, here, ada)
        entry = charge(uow, booking)
        uow.commit()
    with store.write() as uow:
        uow.calendar.move_booking(uow.calendar.get_booking(booking.id), uow.calendar.get_session(there.id))
        assert [b.id for b in uow.calendar.session_bookings(uow.calendar.get_session(there.id))] == [booking.id]
        uow.commit()
    with store.read() as uow:
        moved = uow.calendar.get_booking(booking.id)
        assert (moved.id, moved.session_id) == (booking.id, there.id)
        assert [e.id for e in moved.ledger_entries] == [entry.id]
        assert uow.calendar.session_bookings(uow.calendar.get_session(here.id)) == []
        assert [b.id for b in uow.calendar.session_bookings(uow.calendar.get_session(there.id))] == [booking.id]


def test_an_imported_id_is_kept_when_free_and_later_ids_go_past_it(store):
    with store.write() as uow:
        ada = add_contact(uow, keep_id="c-7")
        session = add_session(uow, LATE, keep_id="s-20261123-5")
        booking = add_booking(uow, session, ada, keep_id="b-20261123-9")
        assert (ada.id, session.id, booking.id) == ("c-7", "s-20261123-5", "b-20261123-9")
        uow.commit()
    with store.write() as uow:
        # Taken, or of another day or kind: a new id is minted instead, past the kept ones.
        again = add_session(uow, LATE, keep_id="s-20261123-5")
        other_day = add_session(uow, LATE, keep_id="s-20261201-1")
        bob = add_contact(uow, "Bob", keep_id="c-7")
        assert (again.id, other_day.id, bob.id) == ("s-20261123-10", "s-20261123-11", "c-8")
        uow.commit()
    with store.read() as uow:
        assert uow.calendar.get_booking("b-20261123-9").contact_id == "c-7"
        assert uow.contacts.get("c-7").booking_ids == ["b-20261123-9"]


def test_ids_kept_and_minted_in_one_unit_never_collide(store):
    with store.write() as uow:
        ada = add_contact(uow)
        kept = add_session(uow, LATE, keep_id="s-20261123-5")
        minted = add_session(uow, LATE)
        lower = add_booking(uow, kept, ada, keep_id="b-20261123-3")  # below the numbering, and free: kept
        taken = add_booking(uow, kept, ada, keep_id="b-20261123-3")  # now taken: a new one
        assert (kept.id, minted.id, lower.id, taken.id) == ("s-20261123-5", "s-20261123-6", "b-20261123-3",
                                                            "b-20261123-7")
        uow.commit()
    with store.write() as uow:
        assert add_session(uow, LATE, keep_id="s-20261123-6").id == "s-20261123-8"
        uow.commit()
