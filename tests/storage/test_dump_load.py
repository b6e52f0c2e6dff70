"""dump() -> load() between every pair of backends keeps every record, id, counter and sequence."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bookctl.storage.unit import DUMP_KINDS
from tests.storage.conftest import (
    BACKENDS,
    DAY,
    NOW,
    add_booking,
    add_contact,
    add_invoice,
    add_quote,
    add_session,
    dumped,
    fill,
)

PAIRS = [(source, target) for source in BACKENDS for target in BACKENDS]


def test_a_dump_comes_in_the_documented_order(store):
    fill(store)
    with store.read() as uow:
        kinds = [kind for kind, _ in uow.dump()]
    assert kinds[:2] == ["counters", "sequences"]
    assert [DUMP_KINDS.index(k) for k in kinds] == sorted(DUMP_KINDS.index(k) for k in kinds)
    assert set(kinds) == set(DUMP_KINDS)


def test_an_empty_store_dumps_no_records(store):
    assert [(kind, value) for kind, value in dumped(store) if kind not in ("counters", "sequences")] == []


@pytest.mark.parametrize(("source", "target"), PAIRS, ids=[f"{s}-{t}" for s, t in PAIRS])
def test_load_of_a_dump_makes_the_same_store(make_store, source, target):
    original = make_store(source)
    ids = fill(original)
    expected = dumped(original)
    copy = make_store(target)
    with original.read() as src, copy.write() as uow:
        uow.load(src.dump())
        uow.commit()
    assert dumped(copy) == expected
    with copy.read() as uow:  # and it reads like the original, through the repositories
        assert [c.id for c in uow.contacts.all()] == [ids["ada"], ids["bea"]]
        assert uow.contacts.get(ids["ada"]).booking_ids == [ids["first"], ids["third"]]
        assert uow.calendar.get_session(ids["late"]).start.day == 26
        assert [e.status for e in uow.calendar.get_booking(ids["second"]).ledger_entries] == ["failed"]
        assert uow.ledger.pending_homes() == [(uow.calendar.get_booking(ids["third"]).ledger_entries[0].id,
                                               ids["third"])]
        assert uow.cards.read_bytes(ids["attachment"]) == b"%PD"
        assert uow.cards.owner("t-1") == ids["ada"]
        assert uow.replies.get("key-1").result == {"entry": "p-1", "amounts": [1, 2]}
        assert [c.id for c in uow.contacts.with_label("vip")] == [ids["bea"]]  # the indexes came along too
        assert [i.id for i in uow.documents.invoices_of(ids["ada"])] == [ids["booked"]]
        assert [q.id for q in uow.documents.quotes_of(ids["bea"])] == ["Q-0001"]
        assert uow.timetable.schedule(ids["schedule"]).exdates == [DAY + timedelta(days=7)]
        assert uow.calendar.get_session(ids["morning"]).schedule_id == ids["schedule"]
        assert [t.reason for t in uow.timetable.time_off("giulia")] == [None, "conference"]
        assert list(uow.index_problems()) == []
    with copy.write() as uow:  # counters and day sequences came along: no id is minted twice
        contact = add_contact(uow, "After")
        session = add_session(uow, NOW + timedelta(hours=3))
        booking = add_booking(uow, session, contact)
        assert (contact.id, session.id, booking.id) == ("c-4", "s-20261123-6", "b-20261123-7")
        # the day the late session left minted three ids: the fourth is next
        assert add_session(uow, NOW + timedelta(days=1)).id == "s-20261124-4"
        assert uow.cards.new_id("t") == "t-2"
        assert add_quote(uow, contact).id == "Q-0002"
        assert add_invoice(uow, contact).id == "INV-0003"
        uow.commit()
