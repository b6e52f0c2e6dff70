"""`store copy`: every record of a store into an empty PostgreSQL database or a new directory, ids and all.

The source is read through the unit-of-work interface; what that has no method for (the counters,
each day's next id number, the idempotency records) is read per backend. A copy is checked before
it is kept: into PostgreSQL it is one transaction, committed once verified; into a directory it is
built beside its final place and renamed there once verified. A failed copy leaves nothing behind.
The source's write lock is held throughout, so that the copy and the checks see one store.
"""

from __future__ import annotations

import errno
import os
import secrets
import shutil
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bookctl.domain.ids import contact_number, home_day
from bookctl.domain.invoices import document_number
from bookctl.errors import RuleError, StoreError
from bookctl.storage.base import UnitOfWork

if TYPE_CHECKING:
    from bookctl.domain.cards import Card
    from bookctl.domain.invoices import Invoice, Quote
    from bookctl.domain.models import Booking, Contact, Session
    from bookctl.domain.payments import LedgerEntry
    from bookctl.storage.card_models import CardIndex
    from bookctl.storage.payment_files import IdempotencyRecord

    Day = list[tuple[Session, list[Booking]]]

COUNTED = ("contacts", "sessions", "bookings", "ledger_entries", "invoices", "quotes", "notes", "tasks",
           "attachments", "outbox_messages")
# doctor's diagnose (services/doctor.py), handed in by the command: storage does not import services.
Diagnose = Callable[[UnitOfWork], tuple[list[dict[str, str]], dict[str, int]]]
# (what is being done, records copied so far): called now and then, for a progress line.
Progress = Callable[[str, int], None]
# The tables of a bookctl database that hold records (bookctl_schema aside).
RECORD_TABLES = ("counters", "days", "contacts", "sessions", "bookings", "invoices", "quotes", "ledger", "notes",
                 "tasks", "attachments", "attachment_blobs", "outbox", "idempotency")
ROWS_PER_BATCH = 2000
# The calendar is read a week at a time: few reads, and a week's records in memory at most.
CALENDAR_WINDOW_DAYS = 7
# A directory copy commits its staged files whenever they pass this size, so memory stays flat.
COMMIT_BYTES = 32 * 1024 * 1024


# --- what a store holds --------------------------------------------------------------------------
@dataclass
class Census:
    """What a store holds, counted the same way on both sides of a copy."""

    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNTED, 0))
    # (currency, kind, status) -> the sum of the entries' amounts, in minor units
    totals: dict[tuple[str, str, str], int] = field(default_factory=dict)

    def add_entries(self, entries: Iterable[LedgerEntry]) -> None:
        """Count ledger entries and add their amounts to the totals."""
        for entry in entries:
            self.counts["ledger_entries"] += 1
            key = (entry.amount.currency, entry.kind, entry.status)
            self.totals[key] = self.totals.get(key, 0) + entry.amount.minor

    def add_day(self, sessions: Day) -> None:
        """Count one day's sessions, their bookings and the bookings' ledger entries."""
        for _, bookings in sessions:
            self.counts["sessions"] += 1
            self.counts["bookings"] += len(bookings)
            for booking in bookings:
                self.add_entries(booking.ledger_entries)

    def add_card(self, card: Card) -> None:
        """Count a contact's notes, tasks and attachments."""
        for part in ("notes", "tasks", "attachments"):
            self.counts[part] += len(getattr(card, part))

    @property
    def records(self) -> int:
        """Every record counted so far: what progress reports."""
        return sum(self.counts.values())

    def differences(self, other: Census) -> list[str]:
        """What `other` has otherwise than this census ("bookings: 2000 here, 1999 there")."""
        found = [f"{name} {self.counts[name]} != {other.counts[name]}" for name in COUNTED
                 if self.counts[name] != other.counts[name]]
        for key in sorted(set(self.totals) | set(other.totals)):
            mine, theirs = self.totals.get(key, 0), other.totals.get(key, 0)
            if mine != theirs:
                found.append(f"{' '.join(key)} total {_amount(mine, key[0])} != {_amount(theirs, key[0])}")
        return found

    def total_rows(self) -> list[dict[str, Any]]:
        """The totals as rows: currency, kind, status, amount."""
        return [{"currency": currency, "kind": kind, "status": status, "amount": _amount(minor, currency)}
                for (currency, kind, status), minor in sorted(self.totals.items())]


def _amount(minor: int, currency: str) -> str:
    from bookctl.domain.money import Money

    return Money(minor=minor, currency=currency).amount


def census(uow: UnitOfWork) -> Census:
    """Count what `uow` holds, reading it whole."""
    found = Census()
    for contact in uow.iter_contacts():
        found.counts["contacts"] += 1
        found.add_card(uow.get_card(contact.id))
    for _, sessions in calendar_days(uow):
        found.add_day(sessions)
    for invoice in uow.iter_invoices():
        found.counts["invoices"] += 1
        if invoice.booking_id is None:
            found.add_entries(uow.invoice_entries(invoice.id))
    found.counts["quotes"] = sum(1 for _ in uow.iter_quotes())
    found.counts["outbox_messages"] = len(uow.outbox_ids())
    return found


def calendar_days(uow: UnitOfWork) -> Iterator[tuple[date, Day]]:
    """The whole calendar, one UTC day at a time: (day, [(session, its bookings)])."""
    span = uow.calendar_span()
    if span is None:
        return
    first = span[0]
    while first <= span[1]:
        # A week at a time: sessions_starting promises no order, so each week is sorted by day here.
        start = datetime.combine(first, time(0), tzinfo=UTC)
        week: dict[date, Day] = {}
        for session, bookings in uow.sessions_starting(start, start + timedelta(days=CALENDAR_WINDOW_DAYS)):
            week.setdefault(session.start.astimezone(UTC).date(), []).append((session, bookings))
        yield from sorted(week.items())
        first += timedelta(days=CALENDAR_WINDOW_DAYS)


# --- the copy --------------------------------------------------------------------------------------
def copy_store(source: Any, to: str, diagnose: Diagnose, progress: Progress | None = None) -> dict[str, Any]:  # noqa: ANN401
    """Copy `source` (a FileStore or PostgresStore) to `to`, a postgresql:// URL of an empty database or
    a directory that does not exist or is empty; check both sides; the summary of what was copied."""
    from bookctl.storage.pg_connect import check_url, redact

    into_database = "://" in to
    if into_database:
        url = check_url(to, "--to")
        target = redact(url)
    else:
        path = Path(to).absolute()
        _check_free_directory(path)
        target = str(path)
    guard = source.write()  # no writer may change the source while it is copied and checked
    try:
        with source.read() as src:
            if progress:
                progress("checking the store", 0)
            problems, _ = diagnose(src)
            if problems:
                raise StoreError(f"the store has {len(problems)} problem{'s' if len(problems) != 1 else ''}; "
                                 "run 'bookctl doctor' and mend them before copying it")
            copied = (_into_database(src, url, diagnose, progress) if into_database
                      else _into_directory(src, path, diagnose, progress))
    finally:
        guard.close()
    url_of_source = getattr(source, "url", None)
    return {"source": redact(url_of_source) if url_of_source else str(source.root.absolute()),
            "source_backend": "postgresql" if url_of_source else "files",
            "target": target, "target_backend": "postgresql" if into_database else "files",
            **copied.counts, "totals": copied.total_rows(), "verified": True}


def _verify(copied: Census, target: UnitOfWork, diagnose: Diagnose, progress: Progress | None) -> None:
    """StoreError unless the copy is sound and holds what was copied, count for count, cent for cent."""
    if progress:
        progress("checking the copy", copied.records)
    problems, _ = diagnose(target)
    if problems:
        first = problems[0]
        raise StoreError(f"the copy has {len(problems)} problem{'s' if len(problems) != 1 else ''} "
                         f"({first['file']}: {first['problem']}); nothing was kept")
    differences = copied.differences(census(target))
    if differences:
        raise StoreError(f"the copy does not match its source ({'; '.join(differences)}); nothing was kept")


def _copy_records(src: UnitOfWork, target: Any, progress: Progress | None) -> Census:  # noqa: ANN401
    """Every record of `src` into `target` (a _DatabaseTarget or _DirectoryTarget); what was read."""
    copied = Census()
    counters, next_seqs = _source_sequences(src)
    contact_ids = []
    for contact in src.iter_contacts():
        target.contact(contact)
        contact_ids.append(contact.id)
        copied.counts["contacts"] += 1
    for invoice in src.iter_invoices():
        entries = src.invoice_entries(invoice.id) if invoice.booking_id is None else []
        target.invoice(invoice, entries)
        copied.counts["invoices"] += 1
        copied.add_entries(entries)
    for quote in src.iter_quotes():
        target.quote(quote)
        copied.counts["quotes"] += 1
    moved: dict[date, dict[str, date]] = {}  # home day -> record id -> the day it lives on now
    for day, sessions in calendar_days(src):
        for record_id, prefix in _day_ids(sessions):
            home = home_day(record_id, prefix)
            if home is None:
                continue
            # The next id minted on `home` must be past every id minted there before.
            next_seqs[home] = max(next_seqs.get(home, 1), int(record_id.rsplit("-", 1)[1]) + 1)
            if home != day and prefix != "p":  # ledger entries are found through their booking
                moved.setdefault(home, {})[record_id] = day
        target.day(day, sessions, next_seqs.get(day, 1))
        copied.add_day(sessions)
        if progress:
            progress("copying", copied.records)
    target.end_calendar()
    for contact_id in contact_ids:
        card = src.get_card(contact_id)
        if card.notes or card.tasks or card.attachments:
            target.card(contact_id, card, {a.id: src.read_blob(a.id) for a in card.attachments})
            copied.add_card(card)
    target.card_index(src.card_index())
    for message_id in src.outbox_ids():
        target.message(message_id, src.read_message(message_id))
        copied.counts["outbox_messages"] += 1
    for hashed, record in _source_keys(src):
        target.key(hashed, record)
    target.sequences(counters, next_seqs, moved)
    return copied


def _day_ids(sessions: Day) -> Iterator[tuple[str, str]]:
    """(id, prefix) of the sessions, bookings and booking ledger entries of one day."""
    for session, bookings in sessions:
        yield session.id, "s"
        for booking in bookings:
            yield booking.id, "b"
            for entry in booking.ledger_entries:
                yield entry.id, "p"


# --- what the interface does not say: counters, day sequences, idempotency records ---------------
def _source_sequences(src: UnitOfWork) -> tuple[dict[str, int], dict[date, int]]:
    """The source's counters (contacts, invoices, ...) and, for each UTC day, its next id number."""
    from bookctl.storage.filestore import FileUnitOfWork

    if isinstance(src, FileUnitOfWork):
        from bookctl.storage.day_index import days_in
        from bookctl.storage.filestore import DATA_SCHEMA_VERSION
        from bookctl.storage.files import load_json

        counters = src._load_counters().model_dump(exclude={"schema_version"})
        days_dir = src.root / "data" / "days"
        years = sorted(p for p in days_dir.iterdir() if p.is_dir() and p.name.isdigit()) if days_dir.is_dir() else []
        next_seqs = {}
        for year in years:
            for day in sorted(days_in(year)):
                # Only the number: the copy reads (and validates) the rest of the file day by day.
                path = src.day_path(day)
                next_seq = load_json(path, DATA_SCHEMA_VERSION).get("next_seq", 1)
                if not isinstance(next_seq, int) or isinstance(next_seq, bool) or next_seq < 1:
                    raise StoreError(f"{path}: field next_seq: {next_seq!r} is not a whole number from 1 up")
                next_seqs[day] = next_seq
        return counters, next_seqs
    database = _database_unit(src)
    counters = dict(database._exec("SELECT name, value FROM counters").fetchall())
    return counters, dict(database._exec("SELECT day, next_seq FROM days").fetchall())


def _source_keys(src: UnitOfWork) -> Iterator[tuple[str, IdempotencyRecord]]:
    """(hashed key, record) of every idempotency record of the source."""
    from bookctl.storage.filestore import FileUnitOfWork
    from bookctl.storage.payment_files import IdempotencyRecord, IdempotencyShard

    if isinstance(src, FileUnitOfWork):
        folder = src.root / "data" / "idempotency"
        for path in sorted(folder.glob("??.json")) if folder.is_dir() else []:
            shard = src._pay_load(path, IdempotencyShard)
            yield from sorted(shard.keys.items()) if shard is not None else ()
        return
    for hashed, arguments, result in _database_unit(src)._stream(
            "SELECT key_hash, arguments, result FROM idempotency ORDER BY key_hash"):
        yield hashed, IdempotencyRecord(arguments=arguments, result=result)


def _database_unit(src: UnitOfWork) -> Any:  # noqa: ANN401 - a PostgresUnitOfWork
    from bookctl.storage.postgres import PostgresUnitOfWork

    if not isinstance(src, PostgresUnitOfWork):
        raise StoreError(f"cannot copy a store kept by {type(src).__name__}")
    return src


# --- into PostgreSQL ---------------------------------------------------------------------------------
class _OneTransaction:
    """The connection as `pg_connect.migrate` sees it: the commit is left to the copy, so that a copy
    that fails takes the tables it made with it."""

    def __init__(self, conn: Any) -> None:  # noqa: ANN401
        self._conn = conn

    def execute(self, *args: Any) -> Any:  # noqa: ANN401
        return self._conn.execute(*args)

    def commit(self) -> None:
        """Nothing yet: the copy commits once it is verified."""


def _into_database(src: UnitOfWork, url: str, diagnose: Diagnose, progress: Progress | None) -> Census:
    import psycopg

    from bookctl.storage.pg_connect import connect, database_error, migrate
    from bookctl.storage.postgres import PostgresStore, PostgresUnitOfWork

    settings = src.settings
    conn = connect(url, settings.business.timezone)
    try:
        _claim_empty_database(conn, url, settings.store.lock_timeout_seconds)
        migrate(_OneTransaction(conn))
        copied = _copy_records(src, _DatabaseTarget(conn), progress)
        # Checked in the copy's own transaction, before anything is committed.
        view = PostgresUnitOfWork(PostgresStore(src.root, url, settings), conn, writable=False)
        _verify(copied, view, diagnose, progress)
        conn.commit()
        return copied
    except psycopg.Error as exc:
        raise database_error(exc) from None
    finally:
        conn.close()  # rolls back whatever was not committed


def _claim_empty_database(conn: Any, url: str, lock_timeout_seconds: int) -> None:  # noqa: ANN401
    """Take the database's write lock; RuleError unless its bookctl tables (if any) hold no rows."""
    from bookctl.storage.pg_connect import WRITE_LOCK

    _refuse_rows(conn, url)  # first without waiting for the lock: a store in use is refused at once
    conn.execute("SELECT set_config('lock_timeout', %s, true)", [f"{lock_timeout_seconds * 1000}ms"])
    conn.execute("SELECT pg_advisory_xact_lock(%s)", [WRITE_LOCK])
    conn.execute("SELECT set_config('lock_timeout', '0', true)")
    _refuse_rows(conn, url)


def _refuse_rows(conn: Any, url: str) -> None:  # noqa: ANN401
    from bookctl.storage.pg_connect import redact, schema_version

    if schema_version(conn) is None:
        return
    for table in RECORD_TABLES:
        if conn.execute("SELECT to_regclass(%s) IS NOT NULL", [table]).fetchone()[0] and \
                conn.execute(f"SELECT EXISTS (SELECT 1 FROM {table})").fetchone()[0]:
            raise RuleError(f"the database {redact(url)} is not empty (its table {table} has rows); "
                            "copy into an empty database")


class _DatabaseTarget:
    """Rows for an empty bookctl database, inserted in batches in the order its foreign keys need.

    Invoices go in before the calendar (a booking's ledger entries may name one), without their
    booking, which is linked once the bookings are in. A booking's entries are inserted in one batch,
    refunds after the rest, so the refund trigger finds what each refund gives back."""

    def __init__(self, conn: Any) -> None:  # noqa: ANN401
        from bookctl.domain.cards import Attachment, Note, Task
        from bookctl.storage import pg_rows as pg

        self._conn = conn
        self._pg = pg
        self._sql = {"contacts": pg.CONTACTS.insert_sql, "invoices": pg.INVOICES.insert_sql,
                     "quotes": pg.QUOTES.insert_sql, "sessions": pg.SESSIONS.insert_sql,
                     "bookings": pg.BOOKINGS.insert_sql, "ledger": pg.LEDGER.insert_sql,
                     "refunds": pg.LEDGER.insert_sql}
        self._card_fields = {}
        for table, model in (("notes", Note), ("tasks", Task), ("attachments", Attachment)):
            fields = list(model.model_fields)
            columns = ", ".join(f'"{c}"' for c in ("contact_id", "position", *fields))
            self._sql[table] = f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * (len(fields) + 2))})"
            self._card_fields[table] = fields
        self._sql.update({"attachment_blobs": "INSERT INTO attachment_blobs (id, data) VALUES (%s, %s)",
                          "outbox": "INSERT INTO outbox (id, data) VALUES (%s, %s)",
                          "idempotency": "INSERT INTO idempotency (key_hash, arguments, result) VALUES (%s, %s, %s)"})
        self._rows: dict[str, list[list[object]]] = {name: [] for name in self._sql}
        self._links: list[list[object]] = []  # [booking id, invoice id] to set once the bookings are in

    def _insert(self) -> None:
        """Insert every pending row, table by table in the order of `_sql`."""
        with self._conn.cursor() as cursor:
            for name, rows in self._rows.items():
                if rows:
                    cursor.executemany(self._sql[name], rows)
                    rows.clear()

    def _settle(self) -> None:
        if sum(len(rows) for rows in self._rows.values()) >= ROWS_PER_BATCH:
            self._insert()

    def _entries(self, entries: Iterable[LedgerEntry]) -> None:
        for entry in entries:
            self._rows["refunds" if entry.kind == "refund" else "ledger"].append(self._pg.LEDGER.row(entry))

    def contact(self, contact: Contact) -> None:
        from bookctl.storage.emails import email_key

        self._rows["contacts"].append(self._pg.CONTACTS.row(contact, email_key(contact.email)))
        self._settle()

    def invoice(self, invoice: Invoice, entries: list[LedgerEntry]) -> None:
        if invoice.booking_id is not None:
            self._links.append([invoice.booking_id, invoice.id])
        unlinked = invoice.model_copy(update={"booking_id": None})
        self._rows["invoices"].append(self._pg.INVOICES.row(unlinked, document_number(invoice.id, "INV")))
        self._entries(entries)
        self._settle()

    def quote(self, quote: Quote) -> None:
        self._rows["quotes"].append(self._pg.QUOTES.row(quote, document_number(quote.id, "Q")))
        self._settle()

    def day(self, day: date, sessions: Day, next_seq: int) -> None:
        for session, bookings in sessions:
            self._rows["sessions"].append(self._pg.SESSIONS.row(session))
            for booking in bookings:
                self._rows["bookings"].append(self._pg.BOOKINGS.row(booking))
                self._entries(booking.ledger_entries)
        self._settle()

    def end_calendar(self) -> None:
        """The bookings are in: link the invoices to theirs."""
        self._insert()
        with self._conn.cursor() as cursor:
            cursor.executemany("UPDATE invoices SET booking_id = %s WHERE id = %s", self._links)
        self._links = []

    def card(self, contact_id: str, card: Card, blobs: dict[str, bytes]) -> None:
        for table, fields in self._card_fields.items():
            self._rows[table] += [[contact_id, n, *(getattr(item, f) for f in fields)]
                                  for n, item in enumerate(getattr(card, table))]
        self._rows["attachment_blobs"] += [[a.id, blobs[a.id]] for a in card.attachments]
        self._settle()

    def card_index(self, index: CardIndex) -> None:
        """Nothing: a database's index is its tasks and attachments tables."""

    def message(self, message_id: str, data: bytes) -> None:
        self._rows["outbox"].append([message_id, data])
        self._settle()

    def key(self, hashed: str, record: IdempotencyRecord) -> None:
        from psycopg.types.json import Json

        self._rows["idempotency"].append([hashed, record.arguments, Json(record.result)])
        self._settle()

    def sequences(self, counters: dict[str, int], next_seqs: dict[date, int], moved: dict[date, dict[str, date]]) -> None:
        """The counters and the days' next id numbers; `moved` needs nothing (a row is found by its id)."""
        self._insert()
        with self._conn.cursor() as cursor:
            cursor.executemany("INSERT INTO counters (name, value) VALUES (%s, %s)",
                               [[name, value] for name, value in sorted(counters.items()) if value])
            cursor.executemany("INSERT INTO days (day, next_seq) VALUES (%s, %s)", sorted(next_seqs.items()))


# --- into a directory -------------------------------------------------------------------------------
def _check_free_directory(path: Path) -> None:
    if path.is_symlink() or (path.exists() and not path.is_dir()):
        raise RuleError(f"{path} exists and is not a directory; copy into a new or empty directory")
    if path.is_dir() and any(path.iterdir()):
        raise RuleError(f"{path} is not empty; copy into a new or empty directory")


def _into_directory(src: UnitOfWork, path: Path, diagnose: Diagnose, progress: Progress | None) -> Census:
    from bookctl.storage.filestore import FileStore

    path.parent.mkdir(parents=True, exist_ok=True)
    # Built beside its place under a name no one looks for, and renamed there once verified.
    build = path.parent / f".{path.name}.copy-{secrets.token_hex(4)}"
    build.mkdir()
    try:
        settings = src.settings.model_copy(deep=True)
        settings.storage.url = None
        FileStore.create(build, settings)  # writes bookctl.toml with write_settings
        templates = src.root / "templates"
        if templates.is_dir():
            shutil.copytree(templates, build / "templates")
        target = _DirectoryTarget(FileStore(build))
        try:
            copied = _copy_records(src, target, progress)
        finally:
            target.close()
        with FileStore(build).read() as view:
            _verify(copied, view, diagnose, progress)
        _rename_into_place(build, path)
        return copied
    except BaseException:
        shutil.rmtree(build, ignore_errors=True)
        raise


def _rename_into_place(build: Path, path: Path) -> None:
    try:
        os.rename(build, path)  # replaces an empty directory, and nothing else
    except OSError as exc:
        if exc.errno in (errno.ENOTEMPTY, errno.EEXIST, errno.ENOTDIR, errno.EISDIR):
            raise RuleError(f"{path} was filled while the store was copied; the copy was not kept") from None
        raise StoreError(f"{path}: cannot put the copy there: {exc.strerror}") from None


class _DirectoryTarget:
    """A new file store's files, made through a file unit of work's own loaders and staging.

    Each day is spilled once written, and the staged files committed whenever they grow large: the
    store being built is not in its place yet, so a partial commit is never seen. The `moved`
    entries of days already spilled, and the next id numbers only known at the end, are written by
    a second unit."""

    def __init__(self, store: Any) -> None:  # noqa: ANN401 - a FileStore
        self._store = store
        self._uow = store.write()
        self._written: dict[date, int] = {}  # day -> the next_seq its file was given

    def close(self) -> None:
        self._uow.close()

    def _commit_if_large(self) -> None:
        if sum(len(data) for data in self._uow._journal.staged.values() if data) >= COMMIT_BYTES:
            self._uow.commit()

    def contact(self, contact: Contact) -> None:
        from bookctl.storage.filestore import SHARD_SIZE

        number = contact_number(contact.id)
        assert number is not None, contact.id
        shard = self._uow._load_shard(number // SHARD_SIZE, create=True)
        shard.contacts[contact.id] = contact
        self._uow.save_contact(contact)

    def invoice(self, invoice: Invoice, entries: list[LedgerEntry]) -> None:
        from bookctl.storage.payment_files import InvoiceShard

        number = document_number(invoice.id, "INV")
        assert number is not None, invoice.id
        shard = self._uow._pay_load(self._uow._doc_path("invoices", number), InvoiceShard, create=True)
        shard.invoices[invoice.id] = invoice
        for entry in entries:
            shard.ledger[entry.id] = entry
            self._uow.index_entry(entry)
        self._uow.save_invoice(invoice)

    def quote(self, quote: Quote) -> None:
        from bookctl.storage.payment_files import QuoteShard

        number = document_number(quote.id, "Q")
        assert number is not None, quote.id
        shard = self._uow._pay_load(self._uow._doc_path("quotes", number), QuoteShard, create=True)
        shard.quotes[quote.id] = quote
        self._uow.save_quote(quote)

    def day(self, day: date, sessions: Day, next_seq: int) -> None:
        day_file = self._uow._load_day(day, create=True)
        for session, bookings in sessions:
            day_file.sessions[session.id] = session
            for booking in bookings:
                day_file.bookings[booking.id] = booking
                for entry in booking.ledger_entries:
                    day_file.ledger[entry.id] = entry
                    self._uow.index_entry(entry)
        day_file.next_seq = self._written[day] = next_seq
        self._uow.save_session(sessions[0][0])
        self._uow.spill()
        self._commit_if_large()

    def end_calendar(self) -> None:
        """Nothing: a day's `moved` entries wait for `sequences`."""

    def card(self, contact_id: str, card: Card, blobs: dict[str, bytes]) -> None:
        kept = self._uow.get_card(contact_id)
        kept.notes, kept.tasks, kept.attachments = list(card.notes), list(card.tasks), list(card.attachments)
        self._uow.save_card(contact_id)
        for attachment in card.attachments:
            self._uow.put_blob(attachment.id, blobs[attachment.id])
        self._commit_if_large()

    def card_index(self, index: CardIndex) -> None:
        if index.tasks or index.attachments:
            kept = self._uow.card_index()
            kept.tasks.update(index.tasks)
            kept.attachments.update(index.attachments)
            self._uow.save_card_index()

    def message(self, message_id: str, data: bytes) -> None:
        self._uow._journal.stage(self._uow._outbox_path(message_id), data)  # queue_message would mint a new id
        self._commit_if_large()

    def key(self, hashed: str, record: IdempotencyRecord) -> None:
        from bookctl.storage.payment_files import IdempotencyShard

        path = self._uow._key_path(hashed)
        self._uow._pay_load(path, IdempotencyShard, create=True).keys[hashed] = record
        self._uow._pay_touch(path)

    def sequences(self, counters: dict[str, int], next_seqs: dict[date, int], moved: dict[date, dict[str, date]]) -> None:
        """The counters; then, in a second unit, each day's final next_seq and `moved` entries."""
        kept = self._uow._load_counters()
        for name, value in counters.items():
            if name in type(kept).model_fields:
                setattr(kept, name, value)
        self._uow._stage_counters()
        self._uow.commit()
        self._uow.close()
        days = sorted(set(moved) | {day for day, seq in next_seqs.items() if self._written.get(day) != seq})
        if not days:
            return
        with self._store.write() as uow:
            for day in days:
                day_file = uow._load_day(day, create=True)
                day_file.moved.update(moved.get(day, {}))
                day_file.next_seq = max(day_file.next_seq, next_seqs.get(day, 1))
                uow._dirty_days.add(day)
            uow.commit()
