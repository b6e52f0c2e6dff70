"""The memory store's unit of work: records validated from the store's dumps on demand, so what a
unit hands out is always a copy; `_write` puts the dumps of what changed into the unit's own copy of
the state, and `_commit` publishes that copy as the store's."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import date
from typing import TYPE_CHECKING, Any, TypeVar

from bookctl.domain.settings import Settings
from bookctl.errors import StoreError
from bookctl.storage.memory.calendar import MemoryCalendar
from bookctl.storage.memory.cards import MemoryCards
from bookctl.storage.memory.contacts import MemoryContacts
from bookctl.storage.memory.documents import MemoryDocuments
from bookctl.storage.memory.ledger import MemoryLedger
from bookctl.storage.memory.outbox import MemoryOutbox
from bookctl.storage.memory.plans import MemoryPlans
from bookctl.storage.memory.replies import MemoryReplies
from bookctl.storage.memory.state import State, freeze, thaw
from bookctl.storage.memory.timetable import MemoryTimetable
from bookctl.storage.memory.webhooks import MemoryWebhookQueue
from bookctl.storage.unit import UnitOfWork

if TYPE_CHECKING:
    from bookctl.storage.memory import MemoryStore

R = TypeVar("R")
# What a ledger entry may gain: a pending intent's answer, once (the append-only rule of payments.py).
_SETTLING = frozenset({"status", "settled_at", "reference", "card_brand", "card_last4", "failure"})


class MemoryUnitOfWork(UnitOfWork):
    """A view of a memory store: its records by id, each handed out once per writable unit."""

    def __init__(self, store: MemoryStore, writable: bool) -> None:
        super().__init__(writable)
        self.root = store.root
        self._store: MemoryStore | None = store
        # A writer changes its own copy; a reader keeps the state it opened on (never changed).
        self.state: State = store.state.copy() if writable else store.state
        self._known: dict[str, dict[str, Any]] = {k: {} for k in ("session", "booking", "entry", "contact",
                                                                  "invoice", "quote", "card")}
        self._card_owner: dict[int, str] = {}  # id() of a card handed out -> its contact id
        self._settings: Settings | None = None
        self.open_repositories(MemoryCalendar, MemoryContacts, MemoryLedger, MemoryDocuments, MemoryCards,
                               MemoryOutbox, MemoryReplies, MemoryTimetable, MemoryWebhookQueue, MemoryPlans)

    # --- records handed out ------------------------------------------------------------------
    def known(self, kind: str, record_id: str, build: Callable[[], R | None], track: bool = True) -> R | None:
        """The record this unit already handed out, else `build()` (None: there is none), tracked."""
        record = self._known[kind].get(record_id)
        if record is None:
            record = build()
            if record is not None and self.writable:
                self._known[kind][record_id] = record
                if track:
                    self.seen(kind, record, key=record_id)
        return record

    def hold(self, kind: str, record_id: str, record: Any) -> None:
        """Keep a record this unit made, for lookups (the shared layer tracks it)."""
        self.require_writable()
        self._known[kind][record_id] = record

    def drop(self, kind: str, record_id: str) -> None:
        self._known[kind].pop(record_id, None)
        self.forget(kind, record_id)

    def card_handed_out(self, contact_id: str, card: Any) -> None:
        """Remember whose a card is: the identity map keys it by contact id, `_write` gets the card."""
        if self.writable:
            self._card_owner[id(card)] = contact_id

    def committed(self) -> State:
        """The store as of its last commit (a reader's: as it opened)."""
        return self._open_store().state if self.writable else self.state

    def sync(self) -> None:
        """Put what changed so far into the unit's state, so a query sees it."""
        if self.writable:
            self._write(self.changes())

    # --- settings and counters ---------------------------------------------------------------
    @property
    def settings(self) -> Settings:
        if self._settings is None:
            self._settings = self.seen("settings", Settings.model_validate(self.state.settings), key="")
        return self._settings

    def next_number(self, counter: str) -> int:
        self.require_writable()
        return self.state.next_number(counter)

    def reserve_number(self, counter: str, number: int) -> None:
        self.require_writable()
        self.state.reserve_number(counter, number)

    # --- the unit of work ----------------------------------------------------------------------
    def _write(self, changes: list[tuple[str, Any]]) -> None:
        state = self.state
        for time_off_id in self.timetable.removed():
            state.time_off.pop(time_off_id, None)
        for kind, record in changes:
            if kind == "settings":
                state.settings = freeze(record)
            elif kind == "contact":
                state.contacts[record.id] = freeze(record)
            elif kind == "session":
                state.put_session(freeze(record))
            elif kind == "booking":
                state.put_booking(freeze(record))
            elif kind == "entry":
                state.put_entry(_settled(state.entries.get(record.id), freeze(record)))
            elif kind == "invoice":
                state.invoices[record.id] = freeze(record)
            elif kind == "quote":
                state.quotes[record.id] = freeze(record)
            elif kind == "schedule":
                state.schedules[record.id] = freeze(record)
            elif kind == "time_off":
                state.time_off[record.id] = freeze(record)
            elif kind == "plan":
                state.plans[record.id] = freeze(record)
            elif kind == "pass":
                state.passes[record.id] = freeze(record)
            elif kind == "card":
                contact_id = self._card_owner[id(record)]
                if record.notes or record.tasks or record.attachments:
                    state.cards[contact_id] = freeze(record)
                else:
                    state.cards.pop(contact_id, None)
            else:
                raise ValueError(f"unknown kind of record {kind!r}")

    def _commit(self) -> None:
        store = self._open_store()
        store.publish(self.state)
        self.state = self.state.copy()  # what is published never changes again

    def _spill(self) -> None:
        for kind in ("session", "booking", "entry"):
            self._known[kind].clear()

    def close(self) -> None:
        store, self._store = self._store, None
        if store is not None and self.writable:
            store.release()

    def _open_store(self) -> MemoryStore:
        if self._store is None:
            raise RuntimeError("this unit of work is closed")
        return self._store

    # --- copies ----------------------------------------------------------------------------------
    def dump(self) -> Iterator[tuple[str, Any]]:
        from bookctl.storage.dumping import dump
        from bookctl.storage.records import Reply

        self.sync()
        state = self.state
        sequences = {date.fromisoformat(day): seq for day, seq in sorted(state.days.items())}
        replies = ((hashed, thaw(Reply, state.replies[hashed])) for hashed in sorted(state.replies))
        return dump(self, dict(state.counters), sequences, replies)

    def load(self, items: Iterable[tuple[str, Any]]) -> None:
        self.require_writable()
        state = self.state
        if not state.is_empty():
            raise StoreError("a store is loaded only into an empty one")
        for kind, value in items:
            if kind == "counters":
                state.counters.update({name: int(n) for name, n in value.items()})
            elif kind == "sequences":
                state.days.update({_day(day): int(seq) for day, seq in value.items()})
            elif kind == "contact":
                state.contacts[value.id] = freeze(value)
            elif kind == "invoice":
                invoice, entries = value
                state.invoices[invoice.id] = freeze(invoice)
                for entry in entries:
                    state.put_entry(freeze(entry))
            elif kind == "quote":
                state.quotes[value.id] = freeze(value)
            elif kind == "day":
                for session, bookings in value[1]:
                    state.put_session(freeze(session))
                    for booking in bookings:
                        state.put_booking(freeze(booking))
                        for entry in booking.ledger_entries:
                            state.put_entry(freeze(entry))
            elif kind == "card":
                contact_id, card, blobs = value
                state.cards[contact_id] = freeze(card)
                state.blobs.update(blobs)
            elif kind == "message":
                state.outbox[value[0]] = bytes(value[1])
            elif kind == "reply":
                state.replies[value[0]] = freeze(value[1])
            elif kind == "schedule":
                state.schedules[value.id] = freeze(value)
            elif kind == "time_off":
                state.time_off[value.id] = freeze(value)
            elif kind == "plan":
                state.plans[value.id] = freeze(value)
            elif kind == "pass":
                state.passes[value.id] = freeze(value)
            elif kind == "delivery":
                state.webhook_deliveries[value.id] = freeze(value)
            else:
                raise StoreError(f"cannot load records of kind {kind!r}")


def _day(day: date | str) -> str:
    return day.isoformat() if isinstance(day, date) else date.fromisoformat(day).isoformat()


def _settled(before: dict[str, Any] | None, after: dict[str, Any]) -> dict[str, Any]:
    """`after`, if it is a new entry or `before` (a pending intent) gaining its answer; else StoreError."""
    if before is None or before == after:
        return after
    changed = {name for name in before.keys() | after.keys() if before.get(name) != after.get(name)}
    if before["status"] != "pending" or not before.get("idempotency_key") or changed - _SETTLING:
        raise StoreError(f"ledger entry {after['id']}: only a pending intent may change, and only by its answer")
    return after
