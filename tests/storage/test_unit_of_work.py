"""The unit of work on every backend: commit and rollback, the tracking rule, settings, locks."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from bookctl.domain.cards import Note
from bookctl.errors import StoreError
from tests.storage.conftest import (
    NOW,
    add_booking,
    add_contact,
    add_invoice,
    add_session,
    charge,
    dumped,
    fill,
)


def change_everything(uow: Any, ids: dict[str, str]) -> None:
    """A change to every kind of record, and a new one of each."""
    ada = uow.contacts.get(ids["ada"])
    ada.custom_fields["level"] = "9"
    uow.calendar.get_booking(ids["first"]).status = "cancelled"
    uow.calendar.get_session(ids["morning"]).capacity = 9
    uow.documents.get_invoice(ids["loose"]).status = "void"
    uow.cards.get(ids["ada"]).notes[0].text = "Changed"
    uow.settings.business.name = "Changed"
    new = add_contact(uow, "New")
    session = add_session(uow, NOW + timedelta(days=3))
    charge(uow, add_booking(uow, session, new))
    charge(uow, add_invoice(uow, new))
    uow.contacts.remove(uow.contacts.get(ids["bea"]))
    uow.calendar.move_session(uow.calendar.get_session(ids["late"]), NOW, NOW + timedelta(hours=1))
    uow.outbox.add(NOW, b"Subject: new\r\n\r\n")
    uow.outbox.remove(uow.outbox.ids()[0])
    uow.cards.put_bytes("a-9", b"new")
    uow.cards.delete_bytes(ids["attachment"])
    uow.replies.add("key-new", "x", 1)


def test_a_unit_closed_without_commit_leaves_the_store_as_it_was(store):
    ids = fill(store)
    before = dumped(store)
    with store.write() as uow:
        change_everything(uow, ids)
    assert dumped(store) == before
    with store.read() as uow:
        assert uow.settings.business.name == "Studio Verde"


def test_an_exception_in_the_block_discards_the_changes(store):
    ids = fill(store)
    before = dumped(store)
    with pytest.raises(RuntimeError, match="boom"), store.write() as uow:
        change_everything(uow, ids)
        raise RuntimeError("boom")
    assert dumped(store) == before


def test_only_the_committed_part_of_a_unit_is_kept(store):
    ids = fill(store)
    with store.write() as uow:
        uow.contacts.get(ids["ada"]).phone = "+39 1"
        kept = add_contact(uow, "Kept").id
        uow.commit()
        uow.contacts.get(ids["ada"]).phone = "+39 2"
        add_contact(uow, "Lost")
        uow.calendar.get_session(ids["morning"]).status = "cancelled"
    with store.read() as uow:
        after_commit = [(c.id, c.first_name, c.phone) for c in uow.contacts.all()]
        assert uow.calendar.get_session(ids["morning"]).status == "scheduled"
    assert after_commit == [(ids["ada"], "Ada", "+39 1"), (ids["bea"], "Bea", None), (kept, "Kept", None)]
    with store.write() as uow:  # the lost contact's number went with its unit
        assert add_contact(uow, "Next").id == "c-5"


def _contact(uow: Any, ids: dict[str, str]) -> Any:
    return uow.contacts.get(ids["ada"])


def _booking(uow: Any, ids: dict[str, str]) -> Any:
    return uow.calendar.get_booking(ids["third"])


def _only_note(card: Any, note_id: str) -> None:
    card.notes[:] = [Note(id=note_id, text="New", created_at=NOW)]


def _only_staff(settings: Any, staff_id: str) -> None:
    from bookctl.domain.models import Staff

    settings.staff.clear()
    settings.staff[staff_id] = Staff(id=staff_id, name=staff_id.title())


# what -> (how to reach the record, how to give it a value, how to read the value, two values it never had)
TRACKED: dict[str, tuple[Callable[[Any, dict[str, str]], Any], Callable[[Any, Any], None], Callable[[Any], Any],
                         tuple[Any, Any]]] = {
    "contact field": (_contact, lambda c, v: setattr(c, "tax_id", v), lambda c: c.tax_id, ("IT1", "IT2")),
    "contact custom field": (_contact, lambda c, v: c.custom_fields.update(level=v),
                             lambda c: c.custom_fields["level"], ("7", "8")),
    "booking status": (_booking, lambda b, v: setattr(b, "attendance", v), lambda b: b.attendance,
                       ("checked_in", "no_show")),
    "booking answers": (_booking, lambda b, v: b.form_responses.update(injury=v),
                        lambda b: b.form_responses.get("injury"), ("knee", "back")),
    "session capacity": (lambda uow, ids: uow.calendar.get_session(ids["morning"]),
                         lambda s, v: setattr(s, "capacity", v), lambda s: s.capacity, (7, 8)),
    "invoice field": (lambda uow, ids: uow.documents.get_invoice(ids["loose"]),
                      lambda i, v: setattr(i, "reference", v), lambda i: i.reference, ("bank 42", "bank 43")),
    "quote status": (lambda uow, ids: uow.documents.get_quote("Q-0001"),
                     lambda q, v: setattr(q, "invoice_id", v), lambda q: q.invoice_id, ("INV-0001", "INV-0002")),
    "card note text": (lambda uow, ids: uow.cards.get(ids["ada"]), lambda card, v: setattr(card.notes[0], "text", v),
                       lambda card: card.notes[0].text, ("Left knee", "Right knee")),
    "card of its own": (lambda uow, ids: uow.cards.get(ids["bea"]), _only_note,
                        lambda card: ",".join(n.id for n in card.notes), ("n-77", "n-78")),
    "settings business name": (lambda uow, ids: uow.settings, lambda s, v: setattr(s.business, "name", v),
                               lambda s: s.business.name, ("Studio Blu", "Studio Rosso")),
    "settings staff": (lambda uow, ids: uow.settings, _only_staff, lambda s: ",".join(s.staff), ("sara", "luca")),
}


@pytest.mark.parametrize("what", list(TRACKED))
def test_a_change_to_a_record_from_the_unit_is_written_by_commit_and_only_then(store, what):
    reach, change, read, (first, second) = TRACKED[what]
    ids = fill(store)
    with store.read() as uow:
        unchanged = read(reach(uow, ids))
    assert unchanged not in (first, second)
    with store.write() as uow:  # changed, never committed
        change(reach(uow, ids), first)
        assert read(reach(uow, ids)) == first  # the unit hands out the one record it tracks
    with store.read() as uow:
        assert read(reach(uow, ids)) == unchanged
    with store.write() as uow:  # changed, committed: no save call anywhere
        change(reach(uow, ids), first)
        uow.commit()
    with store.read() as uow:
        assert read(reach(uow, ids)) == first
    with store.write() as uow:  # a record still tracked after a commit: its next change goes with the next
        record = reach(uow, ids)
        uow.commit()
        change(record, second)
        uow.commit()
        change(record, unchanged)  # and a change after the last commit is lost
    with store.read() as uow:
        assert read(reach(uow, ids)) == second


def test_a_settled_intent_is_written_by_commit_only(store):
    from bookctl.domain.payments import settle

    ids = fill(store)
    with store.write() as uow:
        settle(uow.calendar.get_booking(ids["third"]).ledger_entries[0], "succeeded", NOW, reference="ch_3")
    with store.read() as uow:
        assert uow.calendar.get_booking(ids["third"]).ledger_entries[0].status == "pending"
    with store.write() as uow:
        settle(uow.calendar.get_booking(ids["third"]).ledger_entries[0], "succeeded", NOW, reference="ch_3")
        uow.commit()
    with store.read() as uow:
        entry = uow.calendar.get_booking(ids["third"]).ledger_entries[0]
        assert (entry.status, entry.reference, entry.settled_at) == ("succeeded", "ch_3", NOW)


def test_a_record_from_a_read_only_unit_is_never_written(store):
    ids = fill(store)
    before = dumped(store)
    with store.read() as uow:
        uow.contacts.get(ids["ada"]).first_name = "Changed"
        uow.settings.business.name = "Changed"
        with pytest.raises(RuntimeError, match="read-only"):
            uow.commit()
        with pytest.raises(RuntimeError, match="read-only"):
            add_contact(uow, "Nobody")
    assert dumped(store) == before


def test_a_writer_waits_for_the_lock_and_gives_up_with_store_error(store, monkeypatch):
    monkeypatch.setenv("BOOKCTL_LOCK_TIMEOUT", "0")
    holder = store.write()
    try:
        with pytest.raises(StoreError, match=r"^store is locked by another bookctl; retry$"):
            store.write()
        with store.read() as uow:  # a reader never waits
            assert list(uow.contacts.all()) == []
    finally:
        holder.close()
    store.write().close()  # free again


def test_the_outbox_sender_has_a_lock_of_its_own(store, monkeypatch):
    monkeypatch.setenv("BOOKCTL_LOCK_TIMEOUT", "0")
    sending = store.sending()
    try:
        with pytest.raises(StoreError, match=r"^another bookctl is sending the outbox; retry$"):
            store.sending()
        store.write().close()  # not the write lock
    finally:
        sending.release()
    store.sending().release()


def test_upgrade_of_a_new_store_changes_nothing(store):
    before, after = store.upgrade()
    assert before == after
    with store.write() as uow:
        add_contact(uow)
        uow.commit()
    assert store.upgrade() == (before, after)
    with store.read() as uow:
        assert [c.id for c in uow.contacts.all()] == ["c-1"]
