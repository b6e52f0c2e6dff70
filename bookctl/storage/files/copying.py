"""A file store's `dump()` and `load()` (storage/unit.py): the records of a whole store, in and out."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date
from typing import TYPE_CHECKING, Any

from bookctl.domain.ids import home_day
from bookctl.errors import StoreError
from bookctl.storage.io import load_json

if TYPE_CHECKING:
    from bookctl.storage.files.unit import FileUnitOfWork

# A load commits its staged files whenever they pass this size, so memory stays flat: the store it
# fills is a copy being built where no one reads it.
COMMIT_BYTES = 32 * 1024 * 1024


def dump(unit: FileUnitOfWork) -> Iterator[tuple[str, Any]]:
    from bookctl.storage.dumping import dump as dump_records

    counters = unit.counters().model_dump(exclude={"schema_version"})
    return dump_records(unit, counters, _sequences(unit), unit.replies.all())


def _sequences(unit: FileUnitOfWork) -> dict[date, int]:
    """Each day file's next id number, read without the rest of the file."""
    found = {}
    for day, path in unit.calendar.day_paths():
        next_seq = load_json(path, 1).get("next_seq", 1)
        if not isinstance(next_seq, int) or isinstance(next_seq, bool) or next_seq < 1:
            raise StoreError(f"{path}: field next_seq: {next_seq!r} is not a whole number from 1 up")
        found[day] = next_seq
    return found


def load(unit: FileUnitOfWork, items: Iterable[tuple[str, Any]]) -> None:
    """Put each record in its file, the files' indexes with it; ids, counters and sequences kept."""
    unit.require_writable()
    sequences: dict[date, int] = {}
    moved: dict[date, dict[str, date]] = {}  # home day -> record id -> the day it lives on now
    written: set[date] = set()
    for kind, value in items:
        if kind == "counters":
            counters = unit.counters()
            for name, number in value.items():
                if name in type(counters).model_fields:
                    setattr(counters, name, number)
            unit.stage_counters()
        elif kind == "sequences":
            sequences = dict(value)
        elif kind == "contact":
            shard = unit.contacts.load_shard(_number(value.id) // 256, create=True)
            shard.contacts[value.id] = value  # type: ignore[union-attr]
            unit.contacts.write(value)
        elif kind in ("invoice", "quote"):
            document, entries = value if kind == "invoice" else (value, [])
            unit.documents._insert(document)
            unit.documents.write(document)
            for entry in entries:
                unit.documents.invoice_shard(document.id).ledger[entry.id] = entry
                unit.ledger.index(entry)
        elif kind == "day":
            day, sessions = value
            _load_day(unit, day, sessions, sequences.get(day, 1), moved)
            written.add(day)
            unit.spill()
            if sum(len(data) for data in unit.journal.staged.values() if data) >= COMMIT_BYTES:
                unit.commit()
        elif kind == "card":
            contact_id, card, blobs = value
            kept = unit.cards.get(contact_id)
            kept.notes, kept.tasks, kept.attachments = list(card.notes), list(card.tasks), list(card.attachments)
            for attachment in card.attachments:
                unit.cards.put_bytes(attachment.id, blobs[attachment.id])
        elif kind == "message":
            unit.outbox._put(*value)
        elif kind == "reply":
            unit.replies.put(*value)
        elif kind in ("schedule", "time_off"):
            unit.timetable._insert(kind, value)
            unit.timetable.write(value)
        elif kind == "plan":
            unit.plans._insert_plan(value)
            unit.plans.write(value)
        elif kind == "pass":
            unit.plans._insert_pass(value)
            unit.plans.write(value)
        elif kind == "delivery":
            unit.webhooks._put(value)
        else:
            raise ValueError(f"a dump holds no {kind!r}")
    _finish_days(unit, sequences, moved, written)


def _number(contact_id: str) -> int:
    return int(contact_id.split("-")[1])


def _load_day(unit: FileUnitOfWork, day: date, sessions: list, next_seq: int,
              moved: dict[date, dict[str, date]]) -> None:
    day_file = unit.calendar.load_day(day, create=True)
    assert day_file is not None
    for session, bookings in sessions:
        day_file.sessions[session.id] = session
        _note_moved(session.id, "s", day, moved)
        for booking in bookings:
            day_file.bookings[booking.id] = booking
            _note_moved(booking.id, "b", day, moved)
            for entry in booking.ledger_entries:
                day_file.ledger[entry.id] = entry
                unit.ledger.index(entry)
    day_file.next_seq = next_seq
    unit.calendar.touch_day(day)


def _note_moved(record_id: str, prefix: str, day: date, moved: dict[date, dict[str, date]]) -> None:
    home = home_day(record_id, prefix)
    if home is not None and home != day:
        moved.setdefault(home, {})[record_id] = day


def _finish_days(unit: FileUnitOfWork, sequences: dict[date, int], moved: dict[date, dict[str, date]],
                 written: set[date]) -> None:
    """Each home day points at where its moved records went, and every day that minted ids keeps
    its next number, though it may hold nothing now: done once the days written are committed."""
    unit.commit()
    unit.calendar.forget_spilled()
    for day in sorted(set(moved) | (set(sequences) - written)):
        day_file = unit.calendar.load_day(day, create=True)
        assert day_file is not None
        day_file.moved.update(moved.get(day, {}))
        day_file.next_seq = max(day_file.next_seq, sequences.get(day, 1))
        unit.calendar.touch_day(day)
