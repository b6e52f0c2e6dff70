"""What a memory store holds: every record as its JSON dump (`model_dump(mode="json")`), by id.

A `State` is never changed once published: a writable unit works on a `copy()` (a new dict per
kind; the dumps themselves are shared, and never changed in place, only replaced) and its commit
publishes that copy whole. A reader keeps the state it opened on, so it sees one consistent store.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from typing import Any, TypeVar

from pydantic import BaseModel

M = TypeVar("M", bound=BaseModel)
# Dumps whose models keep values as given (`Any`): validated from a deep copy, so a change made to a
# record handed out never reaches the dump it came from.
_SHARED_VALUES = ("request", "result")


def thaw(model: type[M], dump: dict[str, Any]) -> M:
    """A fresh record from its dump."""
    if any(dump.get(name) is not None for name in _SHARED_VALUES):
        dump = copy.deepcopy(dump)
    return model.model_validate(dump)


def freeze(record: BaseModel) -> dict[str, Any]:
    """The dump a record is kept as."""
    return record.model_dump(mode="json")


def utc_day_of(moment: str) -> str:
    """The UTC day (ISO) of an ISO timestamp as dumped."""
    return datetime.fromisoformat(moment).astimezone(UTC).date().isoformat()


@dataclass
class State:
    """The records, counters and day sequences of a memory store, with the indexes its queries use."""

    settings: dict[str, Any]
    counters: dict[str, int] = field(default_factory=dict)
    days: dict[str, int] = field(default_factory=dict)  # UTC day (ISO) -> the next id number minted on it
    contacts: dict[str, dict[str, Any]] = field(default_factory=dict)
    sessions: dict[str, dict[str, Any]] = field(default_factory=dict)
    bookings: dict[str, dict[str, Any]] = field(default_factory=dict)
    entries: dict[str, dict[str, Any]] = field(default_factory=dict)  # in the order they were written
    invoices: dict[str, dict[str, Any]] = field(default_factory=dict)
    quotes: dict[str, dict[str, Any]] = field(default_factory=dict)
    cards: dict[str, dict[str, Any]] = field(default_factory=dict)  # by contact id
    blobs: dict[str, bytes] = field(default_factory=dict)  # attachment id -> bytes
    outbox: dict[str, bytes] = field(default_factory=dict)
    replies: dict[str, dict[str, Any]] = field(default_factory=dict)  # by key_hash
    schedules: dict[str, dict[str, Any]] = field(default_factory=dict)
    time_off: dict[str, dict[str, Any]] = field(default_factory=dict)
    webhook_deliveries: dict[str, dict[str, Any]] = field(default_factory=dict)
    plans: dict[str, dict[str, Any]] = field(default_factory=dict)
    passes: dict[str, dict[str, Any]] = field(default_factory=dict)
    # Indexes, their values tuples (replaced, never changed in place).
    day_sessions: dict[str, tuple[str, ...]] = field(default_factory=dict)  # UTC day -> session ids
    session_bookings: dict[str, tuple[str, ...]] = field(default_factory=dict)  # session id -> booking ids
    home_entries: dict[str, tuple[str, ...]] = field(default_factory=dict)  # booking or invoice id -> entry ids

    def copy(self) -> State:
        """A copy a unit may change without touching this one."""
        return State(**{f.name: dict(getattr(self, f.name)) for f in fields(self)})

    # --- writing, with the indexes kept --------------------------------------------------------
    def put_session(self, dump: dict[str, Any]) -> None:
        old = self.sessions.get(dump["id"])
        day = utc_day_of(dump["start"])
        if old is None or utc_day_of(old["start"]) != day:
            if old is not None:
                _unlink(self.day_sessions, utc_day_of(old["start"]), dump["id"])
            _link(self.day_sessions, day, dump["id"])
        self.sessions[dump["id"]] = dump

    def put_booking(self, dump: dict[str, Any]) -> None:
        old = self.bookings.get(dump["id"])
        if old is None or old["session_id"] != dump["session_id"]:
            if old is not None:
                _unlink(self.session_bookings, old["session_id"], dump["id"])
            _link(self.session_bookings, dump["session_id"], dump["id"])
        self.bookings[dump["id"]] = dump

    def put_entry(self, dump: dict[str, Any]) -> None:
        if dump["id"] not in self.entries:
            _link(self.home_entries, dump["booking_id"] or dump["invoice_id"], dump["id"])
        self.entries[dump["id"]] = dump

    def next_in_day(self, day: str) -> int:
        seq = self.days.get(day, 1)
        self.days[day] = seq + 1
        return seq

    def reserve_in_day(self, day: str, number: int) -> None:
        self.days[day] = max(self.days.get(day, 1), number + 1)

    def reserve_number(self, counter: str, number: int) -> None:
        self.counters[counter] = max(self.counters.get(counter, 0), number)

    def next_number(self, counter: str) -> int:
        self.counters[counter] = self.counters.get(counter, 0) + 1
        return self.counters[counter]

    # --- reading ---------------------------------------------------------------------------------
    def entries_of(self, home_id: str) -> list[dict[str, Any]]:
        return [self.entries[i] for i in self.home_entries.get(home_id, ())]

    def bookings_of(self, session_id: str) -> list[dict[str, Any]]:
        return [self.bookings[i] for i in self.session_bookings.get(session_id, ())]

    def calendar_days(self) -> list[str]:
        """The UTC days (ISO) that hold a session, in order."""
        return sorted(day for day, ids in self.day_sessions.items() if ids)

    def is_empty(self) -> bool:
        return not any((self.counters, self.days, self.contacts, self.sessions, self.invoices, self.quotes,
                        self.cards, self.outbox, self.replies, self.schedules, self.time_off,
                        self.webhook_deliveries, self.plans, self.passes))


def _link(index: dict[str, tuple[str, ...]], key: str, record_id: str) -> None:
    index[key] = (*index.get(key, ()), record_id)


def _unlink(index: dict[str, tuple[str, ...]], key: str, record_id: str) -> None:
    index[key] = tuple(i for i in index.get(key, ()) if i != record_id)
