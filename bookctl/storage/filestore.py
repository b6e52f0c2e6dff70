"""The embedded store: a directory with `bookctl.toml` and JSON data files.

Layout (every JSON file carries `schema_version`):
    bookctl.toml                      business, policy, services, staff
    data/days/YYYY/YYYY-MM-DD.json    the sessions starting that UTC day, with their bookings
    data/contacts/NNNNN.json          contacts c-(N*256) .. c-(N*256+255)
    data/counters.json                the last contact, invoice, quote, note, task, attachment, message numbers
    data/ledger, invoices, quotes, idempotency: see storage/payment_files.py
    data/cards/..., data/attachments/...   notes, tasks and attachments (see storage/cards.py)
    data/emails/...                   the primary-email index (see storage/emails.py)
    outbox/m-YYYYMMDD-HHMMSS-N.eml    queued email, RFC 5322 with CRLF line ends, until a server takes it;
                                      N counts every message the store ever queued
A command touching one booking opens its day file and its contact's shard: a bounded set of
files, whatever the size of the store.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from bookctl.domain.ids import contact_id, contact_number, day_id, home_day, id_order
from bookctl.domain.models import Booking, Contact, Session
from bookctl.domain.payments import LedgerEntry
from bookctl.domain.settings import SCHEMA_VERSION as SETTINGS_SCHEMA_VERSION
from bookctl.domain.settings import Settings
from bookctl.errors import NotFoundError, StoreError
from bookctl.storage import journal
from bookctl.storage.base import UnitOfWork
from bookctl.storage.payment_files import PaymentFiles, attach_ledger
from bookctl.storage.pending_files import PendingIntentFiles
from bookctl.storage.cards import CardFiles
from bookctl.storage.day_index import DayIndexFiles
from bookctl.storage.emails import EmailIndexFiles
from bookctl.storage.files import (
    check_schema_version,
    decode_utf8,
    dump_json,
    load_json,
    read_template_override,
    validate,
    write_atomic,
)

SETTINGS_NAME = "bookctl.toml"
LOCK_NAME = ".bookctl.lock"
DATA_SCHEMA_VERSION = 1
SHARD_SIZE = 256
OUTBOX_DIR = "outbox"
OUTBOX_LOCK_NAME = ".outbox.lock"
_MESSAGE_ID = re.compile(r"m-\d{8}-\d{6}-\d+")


class DayFile(BaseModel):
    """The sessions that start on one UTC day, their bookings, and where moved records went."""

    model_config = ConfigDict(extra="forbid")

    schema_version: int = DATA_SCHEMA_VERSION
    day: date
    next_seq: int = Field(default=1, ge=1)
    sessions: dict[str, Session] = Field(default_factory=dict)
    bookings: dict[str, Booking] = Field(default_factory=dict)
    moved: dict[str, date] = Field(default_factory=dict)
    ledger: dict[str, LedgerEntry] = Field(default_factory=dict)

    def mint(self, prefix: str) -> str:
        """A new id homed in this file."""
        new_id = day_id(prefix, self.day, self.next_seq)
        self.next_seq += 1
        return new_id


class ContactShard(BaseModel):
    """Up to SHARD_SIZE contacts, by number."""

    model_config = ConfigDict(extra="forbid")

    schema_version: int = DATA_SCHEMA_VERSION
    contacts: dict[str, Contact] = Field(default_factory=dict)


class Counters(BaseModel):
    """Sequences that are not tied to a day."""

    model_config = ConfigDict(extra="forbid")

    schema_version: int = DATA_SCHEMA_VERSION
    contacts: int = Field(default=0, ge=0)
    invoices: int = Field(default=0, ge=0)
    quotes: int = Field(default=0, ge=0)
    notes: int = Field(default=0, ge=0)
    tasks: int = Field(default=0, ge=0)
    attachments: int = Field(default=0, ge=0)
    messages: int = Field(default=0, ge=0)  # outbox ids: never reused once a message is sent


def read_settings(path: Path) -> Settings:
    """Parse and validate `bookctl.toml`, naming the line or field of any damage."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise StoreError(f"{path}: cannot read: {exc.strerror}") from None
    try:
        data = tomllib.loads(decode_utf8(raw, path))
    except tomllib.TOMLDecodeError as exc:
        raise StoreError(f"{path}: invalid TOML: {exc}") from None
    check_schema_version(data, path, SETTINGS_SCHEMA_VERSION)
    return validate(Settings, data, path)


def write_settings(root: Path, settings: Settings) -> None:
    """Replace `root`'s bookctl.toml atomically."""
    write_atomic(root / SETTINGS_NAME, settings_bytes(settings))


def settings_bytes(settings: Settings) -> bytes:
    """`bookctl.toml` as written by tomli-w."""
    import tomli_w

    return tomli_w.dumps(settings.to_toml_dict()).encode("utf-8")


class FileStore:
    """A store directory; hands out read-only and locked, writable units of work."""

    def __init__(self, root: Path) -> None:
        self.root = root

    @classmethod
    def create(cls, root: Path, settings: Settings) -> FileStore:
        """Make `root` a new store holding `settings`."""
        root.mkdir(parents=True, exist_ok=True)
        (root / "data").mkdir(exist_ok=True)
        gitignore = root / ".gitignore"
        if not gitignore.exists():
            write_atomic(gitignore, f"{LOCK_NAME}\n{OUTBOX_LOCK_NAME}\n{journal.TMP_DIR_NAME}/\n".encode())
        write_settings(root, settings)
        return cls(root)

    def read(self) -> FileUnitOfWork:
        """A lock-free view for commands that only read."""
        if journal.needs_recovery(self.root):
            self.write().close()  # finishes the interrupted commit under the lock
        return FileUnitOfWork(self, lock=None)

    def write(self) -> FileUnitOfWork:
        """A unit of work holding the store lock; StoreError if another bookctl keeps it too long."""
        from filelock import FileLock, Timeout

        lock = FileLock(str(self.root / LOCK_NAME), timeout=self._lock_timeout())
        try:
            lock.acquire()
        except Timeout:
            raise StoreError("store is locked by another bookctl; retry") from None
        try:
            journal.recover(self.root)
        except BaseException:
            lock.release()
            raise
        return FileUnitOfWork(self, lock=lock)

    def sending(self):  # noqa: ANN201 - a filelock.FileLock, imported lazily
        """Held while the outbox is being sent, so two senders never send one message twice.

        Separate from the store lock: a slow mail server must not block the calendar."""
        from filelock import FileLock, Timeout

        lock = FileLock(str(self.root / OUTBOX_LOCK_NAME), timeout=self._lock_timeout())
        try:
            lock.acquire()
        except Timeout:
            raise StoreError("another bookctl is sending the outbox; retry") from None
        return lock

    def upgrade(self) -> tuple[int, int]:
        """Every file is at DATA_SCHEMA_VERSION, the only one there has been: nothing to do. (A file
        from a newer bookctl is refused when it is read.)"""
        return DATA_SCHEMA_VERSION, DATA_SCHEMA_VERSION

    def _lock_timeout(self) -> float:
        from bookctl.storage.stores import lock_timeout

        return lock_timeout(lambda: read_settings(self.root / SETTINGS_NAME).store.lock_timeout_seconds)


class FileUnitOfWork(PaymentFiles, PendingIntentFiles, CardFiles, EmailIndexFiles, DayIndexFiles, UnitOfWork):
    """Loads files on demand, keeps what it changed, and commits it through the journal."""

    def __init__(self, store: FileStore, lock: Any) -> None:
        self.root = store.root
        self._lock = lock
        self._journal = journal.Journal(self.root)
        self._settings: Settings | None = None
        self._settings_dirty = False
        self._days: dict[date, DayFile | None] = {}
        self._dirty_days: set[date] = set()
        self._shards: dict[int, ContactShard | None] = {}
        self._dirty_shards: set[int] = set()
        self._counters: Counters | None = None
        self._spilled: set[date] = set()
        self._init_day_indexes()
        self._init_payment_files()
        self._init_cards()
        self._init_emails()

    # --- files ------------------------------------------------------------------------------
    def _shard_path(self, shard: int) -> Path:
        return self.root / "data" / "contacts" / f"{shard:05d}.json"

    def _load_day(self, day: date, create: bool = False) -> DayFile | None:
        if day in self._spilled:
            raise RuntimeError(f"day {day} was spilled and cannot be read again before commit")
        if day not in self._days:
            self._days[day] = self._read_day(day)
        found = self._days[day]
        if found is None and create:
            found = self._days[day] = DayFile(day=day)
            self._note_created_day(day)
        return found

    def _read_day(self, day: date) -> DayFile | None:
        path = self.day_path(day)
        try:
            data = load_json(path, DATA_SCHEMA_VERSION)
        except FileNotFoundError:
            problem = self.lost_day_problem(day)
            if problem:
                raise StoreError(f"{path}: {problem}") from None
            return None
        day_file = validate(DayFile, data, path)
        _check_day(day_file, day, path)
        attach_ledger(day_file.bookings, day_file.ledger, path)
        return day_file

    def _load_shard(self, shard: int, create: bool = False) -> ContactShard | None:
        if shard not in self._shards:
            path = self._shard_path(shard)
            try:
                self._shards[shard] = validate(ContactShard, load_json(path, DATA_SCHEMA_VERSION), path)
            except FileNotFoundError:
                self._shards[shard] = None
            else:
                for key, contact in self._shards[shard].contacts.items():  # type: ignore[union-attr]
                    if key != contact.id or contact_number(key) is None or contact_number(key) // SHARD_SIZE != shard:
                        raise StoreError(f"{path}: field contacts.{key}: does not belong in this file")
            self._note_loaded_contacts(shard, self._shards[shard])
        found = self._shards[shard]
        if found is None and create:
            found = self._shards[shard] = ContactShard()
        return found

    def _load_counters(self) -> Counters:
        if self._counters is None:
            path = self.root / "data" / "counters.json"
            try:
                self._counters = validate(Counters, load_json(path, DATA_SCHEMA_VERSION), path)
            except FileNotFoundError:
                self._counters = Counters()
        return self._counters

    def _writable(self) -> None:
        if self._lock is None:
            raise RuntimeError("this unit of work is read-only")

    # --- settings ---------------------------------------------------------------------------
    @property
    def settings(self) -> Settings:
        if self._settings is None:
            self._settings = read_settings(self.root / SETTINGS_NAME)
        return self._settings

    def save_settings(self) -> None:
        self._writable()
        self._settings_dirty = True

    # --- calendar ---------------------------------------------------------------------------
    def _locate(self, record_id: str, prefix: str) -> DayFile | None:
        """The day file currently holding a session or booking id, following one `moved` hop."""
        home = home_day(record_id, prefix)
        if home is None:
            return None
        day_file = self._load_day(home)
        if day_file is None:
            return None
        table = day_file.sessions if prefix == "s" else day_file.bookings
        if record_id in table:
            return day_file
        target = day_file.moved.get(record_id)
        if target is None:
            return None
        moved_to = self._load_day(target)
        moved_table = None if moved_to is None else (moved_to.sessions if prefix == "s" else moved_to.bookings)
        if moved_table is None or record_id not in moved_table:
            raise StoreError(f"{self.day_path(home)}: field moved.{record_id}: points to {target}, which lacks it")
        return moved_to

    def get_session(self, session_id: str) -> Session:
        day_file = self._locate(session_id, "s")
        if day_file is None:
            raise NotFoundError(f"no session {session_id!r}")
        return day_file.sessions[session_id]

    def get_booking(self, booking_id: str) -> Booking:
        day_file = self._locate(booking_id, "b")
        if day_file is None:
            raise NotFoundError(f"no booking {booking_id!r}")
        return day_file.bookings[booking_id]

    def session_bookings(self, session: Session) -> list[Booking]:
        day_file = self._load_day(_utc_day(session.start))
        if day_file is None:
            return []
        return sorted((b for b in day_file.bookings.values() if b.session_id == session.id),
                      key=lambda b: (b.created_at, b.id))

    def sessions_starting(self, start: datetime, end: datetime) -> Iterator[tuple[Session, list[Booking]]]:
        """Sessions starting in [start, end) with their bookings. A read-only unit keeps no day
        in memory once it has been yielded, so a year streams in bounded memory."""
        day, last = _utc_day(start), _utc_day(end - timedelta(microseconds=1))
        span = self.calendar_span()
        if span is None:
            return
        day, last = max(day, span[0]), min(last, span[1])
        while day <= last:
            day_file = self._days[day] if day in self._days else self._read_day(day)
            if self._lock is not None:
                self._days[day] = day_file
            if day_file is not None:
                by_session: dict[str, list[Booking]] = {}
                for booking in day_file.bookings.values():
                    by_session.setdefault(booking.session_id, []).append(booking)
                for session in day_file.sessions.values():
                    if start <= session.start < end:
                        yield session, sorted(by_session.get(session.id, []), key=lambda b: (b.created_at, b.id))
            day += timedelta(days=1)

    def calendar_span(self) -> tuple[date, date] | None:
        days_dir = self.root / "data" / "days"
        years = sorted(p for p in days_dir.iterdir() if p.is_dir() and p.name.isdigit()) if days_dir.is_dir() else []
        # Only the first and last years that hold a day file are listed: a bounded cost.
        first = next((found for year in years if (found := self.year_days(year))), [])
        last = next((found for year in reversed(years) if (found := self.year_days(year))), [])
        days = first + last + [d for d, f in self._days.items() if f is not None]
        if not days:
            return None
        return min(days), max(days)

    def add_session(self, **fields: Any) -> Session:
        self._writable()
        day_file = self._load_day(_utc_day(fields["start"]), create=True)
        assert day_file is not None
        session = Session(id=day_file.mint("s"), **fields)
        day_file.sessions[session.id] = session
        self._dirty_days.add(day_file.day)
        return session

    def add_booking(self, session: Session, **fields: Any) -> Booking:
        self._writable()
        day_file = self._load_day(_utc_day(session.start))
        assert day_file is not None and session.id in day_file.sessions
        booking = Booking(id=day_file.mint("b"), session_id=session.id, **fields)
        day_file.bookings[booking.id] = booking
        self._dirty_days.add(day_file.day)
        contact = self.get_contact(booking.contact_id)
        contact.booking_ids.append(booking.id)
        self.save_contact(contact)
        return booking

    def save_session(self, session: Session) -> None:
        self._writable()
        self._dirty_days.add(_utc_day(session.start))

    def save_booking(self, booking: Booking) -> None:
        self._writable()
        self.save_session(self.get_session(booking.session_id))

    def move_session(self, session: Session, start: datetime, end: datetime) -> None:
        self._writable()
        bookings = self.session_bookings(session)
        source = self._load_day(_utc_day(session.start))
        assert source is not None
        session.start, session.end = start, end
        target = self._load_day(_utc_day(start), create=True)
        assert target is not None
        if target is source:
            self._dirty_days.add(source.day)
            return
        del source.sessions[session.id]
        target.sessions[session.id] = session
        self._forward(session.id, "s", target.day)
        for booking in bookings:
            del source.bookings[booking.id]
            target.bookings[booking.id] = booking
            self._forward(booking.id, "b", target.day)
            _move_ledger(booking, source, target)
        self._dirty_days.update({source.day, target.day})

    def move_booking(self, booking: Booking, to: Session) -> None:
        self._writable()
        source = self._load_day(_utc_day(self.get_session(booking.session_id).start))
        target = self._load_day(_utc_day(to.start))
        assert source is not None and target is not None
        booking.session_id = to.id
        if target is not source:
            del source.bookings[booking.id]
            target.bookings[booking.id] = booking
            self._forward(booking.id, "b", target.day)
            _move_ledger(booking, source, target)
        self._dirty_days.update({source.day, target.day})

    def add_ledger_entry(self, booking: Booking, **fields: Any) -> LedgerEntry:
        self._writable()
        day_file = self._load_day(_utc_day(self.get_session(booking.session_id).start))
        assert day_file is not None and booking.id in day_file.bookings
        entry = LedgerEntry(id=day_file.mint("p"), booking_id=booking.id, contact_id=booking.contact_id, **fields)
        day_file.ledger[entry.id] = entry
        booking.ledger_entries.append(entry)
        self._dirty_days.add(day_file.day)
        self.index_entry(entry)
        return entry

    def save_ledger_entry(self, entry: LedgerEntry) -> None:
        self._writable()
        if entry.booking_id is None:
            self.save_invoice_entry(entry)
            return
        booking = self.get_booking(entry.booking_id)
        self._dirty_days.add(_utc_day(self.get_session(booking.session_id).start))
        self._index_pending(entry)

    def _forward(self, record_id: str, prefix: str, now_in: date) -> None:
        """Point the record's home file at the day it lives in now (one hop, however often it moves)."""
        home_date = home_day(record_id, prefix)
        assert home_date is not None
        home = self._load_day(home_date, create=True)
        assert home is not None
        if home_date == now_in:
            home.moved.pop(record_id, None)
        else:
            home.moved[record_id] = now_in
        self._dirty_days.add(home_date)

    # --- contacts ---------------------------------------------------------------------------
    def get_contact(self, contact_id_: str) -> Contact:
        number = contact_number(contact_id_)
        shard = None if number is None else self._load_shard(number // SHARD_SIZE)
        if shard is None or contact_id_ not in shard.contacts:
            raise NotFoundError(f"no contact {contact_id_!r}")
        return shard.contacts[contact_id_]

    def add_contact(self, **fields: Any) -> Contact:
        self._writable()
        counters = self._load_counters()
        counters.contacts += 1
        contact = Contact(id=contact_id(counters.contacts), **fields)
        shard_no = counters.contacts // SHARD_SIZE
        shard = self._load_shard(shard_no, create=True)
        assert shard is not None
        if contact.id in shard.contacts:
            path = self.root / "data" / "counters.json"
            raise StoreError(f"{path}: field contacts: {counters.contacts - 1} is behind the existing contact "
                             f"{contact.id}; the file is damaged")
        shard.contacts[contact.id] = contact
        self._dirty_shards.add(shard_no)
        self._stage_counters()
        return contact

    def _stage_counters(self) -> None:
        counters = self._load_counters()
        self._journal.stage(self.root / "data" / "counters.json", dump_json(counters.model_dump(mode="json")))

    def save_contact(self, contact: Contact) -> None:
        self._writable()
        number = contact_number(contact.id)
        assert number is not None
        self._dirty_shards.add(number // SHARD_SIZE)

    def delete_contact(self, contact: Contact) -> None:
        self._writable()
        number = contact_number(contact.id)
        assert number is not None
        shard = self._load_shard(number // SHARD_SIZE)
        assert shard is not None
        del shard.contacts[contact.id]
        self._dirty_shards.add(number // SHARD_SIZE)

    def iter_contacts(self) -> Iterator[Contact]:
        contacts_dir = self.root / "data" / "contacts"
        on_disk = {int(p.stem) for p in contacts_dir.glob("*.json") if p.stem.isdigit()} if contacts_dir.is_dir() else set()
        for shard_no in sorted(on_disk | {n for n, s in self._shards.items() if s is not None}):
            shard = self._load_shard(shard_no)
            if shard is not None:
                yield from sorted(shard.contacts.values(), key=lambda c: contact_number(c.id) or 0)

    def damaged_files(self) -> Iterator[tuple[str, str]]:
        from bookctl.storage.check import damaged_files

        return damaged_files(self)

    # --- outbox ----------------------------------------------------------------------------
    def _outbox_path(self, message_id: str) -> Path:
        if not _MESSAGE_ID.fullmatch(message_id):
            raise NotFoundError(f"no message {message_id!r} in the outbox; see 'bookctl outbox list'")
        return self.root / OUTBOX_DIR / f"{message_id}.eml"

    def queue_message(self, created: datetime, data: bytes) -> str:
        self._writable()
        stem = f"m-{created.astimezone(UTC):%Y%m%d-%H%M%S}"
        taken = set(self.outbox_ids()) | {p.stem for p in self._journal.staged if p.parent.name == OUTBOX_DIR}
        counters = self._load_counters()
        seq = counters.messages + 1
        while f"{stem}-{seq}" in taken:  # a store from before the counter may hold that id already
            seq += 1
        counters.messages = seq
        self._stage_counters()
        message_id = f"{stem}-{seq}"
        self._journal.stage(self._outbox_path(message_id), data)
        return message_id

    def remove_message(self, message_id: str) -> None:
        self._writable()
        self._journal.stage(self._outbox_path(message_id), None)

    def outbox_ids(self) -> list[str]:
        directory = self.root / OUTBOX_DIR
        if not directory.is_dir():
            return []
        found = [p.stem for p in directory.glob("m-*.eml") if _MESSAGE_ID.fullmatch(p.stem)]
        return sorted(found, key=id_order)

    def read_message(self, message_id: str) -> bytes:
        path = self._outbox_path(message_id)
        try:
            return path.read_bytes()
        except FileNotFoundError:
            raise NotFoundError(f"no message {message_id!r} in the outbox; see 'bookctl outbox list'") from None
        except OSError as exc:
            raise StoreError(f"{path}: cannot read: {exc.strerror}") from None

    def template_override(self, language: str, name: str) -> str | None:
        return read_template_override(self.root, language, name)

    # --- the unit of work -------------------------------------------------------------------
    def spill(self) -> None:
        """Serialize changed day files into the pending commit and forget them, so a bulk load's
        memory stays flat. A spilled day cannot be read again in this unit (disk is stale till commit).
        Contact shards stay in memory: there are few of them, and each is written once, at commit."""
        self._stage_days()
        self._spilled.update(day for day, found in self._days.items() if found is not None)
        self._days.clear()

    def _stage_days(self) -> None:
        for day in sorted(self._dirty_days):
            day_file = self._days[day]
            assert day_file is not None
            data = day_file.model_dump(mode="json", exclude_none=True)
            self._journal.stage(self.day_path(day), dump_json(data))
            self._note_staged_day(day)
        self._dirty_days.clear()

    def _stage_dirty(self) -> None:
        self._stage_days()
        self._stage_day_indexes()
        self._stage_emails(self._dirty_shards)
        for shard_no in sorted(self._dirty_shards):
            shard = self._shards[shard_no]
            assert shard is not None
            path = self._shard_path(shard_no)
            self._journal.stage(path, dump_json(shard.model_dump(mode="json", exclude_none=True)) if shard.contacts else None)
        self._stage_payment_files()
        self._stage_cards()
        if self._settings_dirty and self._settings is not None:
            self._journal.stage(self.root / SETTINGS_NAME, settings_bytes(self._settings))
        self._dirty_shards.clear()
        self._settings_dirty = False

    def commit(self) -> None:
        self._writable()
        self._stage_dirty()
        self._journal.commit()

    def close(self) -> None:
        self._journal.staged.clear()
        if self._lock is not None:
            self._lock.release()
            self._lock = None


def _utc_day(moment: datetime) -> date:
    return moment.astimezone(UTC).date()


def _move_ledger(booking: Booking, source: DayFile, target: DayFile) -> None:
    """A booking's entries go where it goes, keeping their ids."""
    for entry in booking.ledger_entries:
        source.ledger.pop(entry.id, None)
        target.ledger[entry.id] = entry


def _check_day(day_file: DayFile, day: date, path: Path) -> None:
    """Cross-checks that make a hand-moved or hand-edited record an error instead of a silent loss."""
    if day_file.day != day:
        raise StoreError(f"{path}: field day: {day_file.day} does not match the file name")
    for key, session in day_file.sessions.items():
        if key != session.id or _utc_day(session.start) != day:
            raise StoreError(f"{path}: field sessions.{key}: does not belong in this file")
    for key, booking in day_file.bookings.items():
        if key != booking.id or booking.session_id not in day_file.sessions:
            raise StoreError(f"{path}: field bookings.{key}: its session {booking.session_id} is not in this file")
    # An id minted here again would overwrite a record: next_seq must be past every id homed here.
    for record_id in (*day_file.sessions, *day_file.bookings, *day_file.moved, *day_file.ledger):
        if home_day(record_id, record_id[0]) == day and int(record_id.rsplit("-", 1)[1]) >= day_file.next_seq:
            raise StoreError(f"{path}: field next_seq: {day_file.next_seq} is not past {record_id}; the file is damaged")
