"""The PostgreSQL store: settings stay in the directory's `bookctl.toml`, records live in a database.

For a business with several front desks. The same unit of work as the file store (storage/base.py):
a unit keeps the records it loaded by id, writes the changed ones back when it next queries or
commits, and commits them in one transaction. Writers serialize on one advisory lock per database,
held by the unit's session until it is closed, across its commits (the file store's lock, with the
same `store.lock_timeout_seconds`), so money operations on one booking never interleave. Readers see one snapshot (REPEATABLE READ).
psycopg is imported only by commands on such a store.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ValidationError

from bookctl.domain.ids import contact_id as contact_id_of
from bookctl.domain.ids import day_id, id_order
from bookctl.domain.invoices import Invoice, Quote, document_number, invoice_id, quote_id
from bookctl.domain.models import Booking, Contact, Session
from bookctl.domain.payments import LedgerEntry
from bookctl.domain.settings import Settings
from bookctl.errors import NotFoundError, RuleError, StoreError
from bookctl.storage.pg_connect import (
    SENDING_LOCK,
    WRITE_LOCK,
    check_schema,
    connect,
    database_error,
    migrate,
    schema_version,
    server_name,
)
from bookctl.storage.pg_rows import (
    BOOKING_IDS_SQL,
    BOOKINGS,
    CONTACT_ORDER_SQL,
    CONTACTS,
    INVOICES,
    LEDGER,
    QUOTES,
    SESSIONS,
    Table,
    json_value,
)
from bookctl.storage.base import UnitOfWork
from bookctl.storage.emails import email_key

if TYPE_CHECKING:
    from bookctl.domain.cards import Card
    from bookctl.storage.card_models import CardIndex



class _SendingLock:
    """The outbox sender's lock: a session advisory lock on a connection of its own."""

    def __init__(self, conn: Any) -> None:  # noqa: ANN401
        self._conn = conn

    def release(self) -> None:
        if self._conn is not None:
            self._conn.close()  # ends the session, and with it the lock
            self._conn = None


class PostgresStore:
    """A store directory whose records are in PostgreSQL; hands out units of work like FileStore."""

    def __init__(self, root: Path, url: str, settings: Settings) -> None:
        self.root = root
        self.url = url
        self.settings = settings

    @classmethod
    def create(cls, root: Path, settings: Settings, url: str) -> PostgresStore:
        """Make an empty database bookctl's (its tables at the latest schema) and `root` its settings."""
        from bookctl.storage.filestore import write_settings

        conn = connect(url, settings.business.timezone)
        try:
            if schema_version(conn) is not None:
                raise RuleError(f"the database {server_name(url)} already holds a bookctl store; to add a front desk "
                                "to it, copy that store's bookctl.toml")
            migrate(conn)
        finally:
            conn.close()
        root.mkdir(parents=True, exist_ok=True)
        write_settings(root, settings)
        return cls(root, url, settings)

    def connect(self, *, autocommit: bool = False) -> Any:  # noqa: ANN401
        return connect(self.url, self.settings.business.timezone, autocommit=autocommit)

    def read(self) -> PostgresUnitOfWork:
        """One consistent snapshot for commands that only read."""
        from psycopg import IsolationLevel

        conn = self.connect()
        conn.isolation_level = IsolationLevel.REPEATABLE_READ
        conn.read_only = True
        return self._unit(conn, writable=False)

    def write(self) -> PostgresUnitOfWork:
        """A transaction holding the store's write lock; StoreError if another bookctl keeps it too long."""
        conn = self.connect()
        return self._unit(conn, writable=True)

    def _unit(self, conn: Any, writable: bool) -> PostgresUnitOfWork:  # noqa: ANN401
        import psycopg

        try:
            if writable:
                timeout = f"{max(1, self._lock_timeout() * 1000)}ms"  # 0 would mean "wait for ever"
                conn.execute("SELECT set_config('lock_timeout', %s, true)", [timeout])
                # A session lock, not a transaction one: a money-moving command commits its intent,
                # calls the provider and commits the answer, all under the one lock.
                conn.execute("SELECT pg_advisory_lock(%s)", [WRITE_LOCK])
                conn.execute("SELECT set_config('lock_timeout', '0', true)")
            check_schema(conn)
        except psycopg.Error as exc:
            conn.close()
            raise database_error(exc) from None
        except BaseException:
            conn.close()
            raise
        return PostgresUnitOfWork(self, conn, writable)

    def sending(self) -> _SendingLock:
        """Held while the outbox is sent, apart from the write lock (a slow mail server must not
        block the calendar)."""
        import time

        conn = self.connect(autocommit=True)
        deadline = time.monotonic() + self._lock_timeout()
        while not conn.execute("SELECT pg_try_advisory_lock(%s)", [SENDING_LOCK]).fetchone()[0]:
            if time.monotonic() >= deadline:
                conn.close()
                raise StoreError("another bookctl is sending the outbox; retry")
            time.sleep(0.05)
        return _SendingLock(conn)

    def _lock_timeout(self) -> int:
        from bookctl.storage.stores import lock_timeout

        return lock_timeout(lambda: self.settings.store.lock_timeout_seconds)

    def upgrade(self) -> tuple[int, int]:
        """Bring the database's tables to this bookctl's schema: (version before, after)."""
        import psycopg

        conn = self.connect()
        try:
            return migrate(conn)
        except psycopg.Error as exc:
            raise database_error(exc) from None
        finally:
            conn.close()


class PostgresUnitOfWork(UnitOfWork):
    """Records by id, as loaded; the changed ones are written before the next query and at commit."""

    def __init__(self, store: PostgresStore, conn: Any, writable: bool) -> None:  # noqa: ANN401
        self.root = store.root
        self._store = store
        self._conn = conn
        self._writable_unit = writable
        self._settings: Settings | None = None
        self._settings_dirty = False
        self._sessions: dict[str, Session] = {}
        self._bookings: dict[str, Booking] = {}
        self._contacts: dict[str, Contact] = {}
        self._invoices: dict[str, Invoice] = {}
        self._quotes: dict[str, Quote] = {}
        self._cards: dict[str, Card] = {}
        self._card_index: CardIndex | None = None
        self._dirty: dict[str, dict[str, BaseModel]] = {t: {} for t in ("contacts", "sessions", "bookings",
                                                                         "invoices", "quotes")}
        self._new_entries: list[LedgerEntry] = []
        self._settled: dict[str, LedgerEntry] = {}
        self._deleted_contacts: set[str] = set()
        self._dirty_cards: set[str] = set()
        self._blobs: dict[str, bytes | None] = {}
        self._outbox: dict[str, bytes | None] = {}
        self._keys: dict[str, Any] = {}
        # What each record loaded into a writable unit looked like, so that a change a service made
        # without saving it is still written at commit (the file store writes whole files).
        self._as_loaded: dict[tuple[str, str], Any] = {}

    # --- plumbing ---------------------------------------------------------------------------
    def _writable(self) -> None:
        if not self._writable_unit:
            raise RuntimeError("this unit of work is read-only")

    def _exec(self, sql: str, params: Iterable[object] | None = None) -> Any:  # noqa: ANN401
        import psycopg

        try:
            return self._conn.execute(sql, params)
        except psycopg.Error as exc:
            raise database_error(exc) from None

    def _exec_many(self, sql: str, rows: list[list[object]]) -> None:
        import psycopg

        if not rows:
            return
        try:
            with self._conn.cursor() as cursor:
                cursor.executemany(sql, rows)
        except psycopg.Error as exc:
            raise database_error(exc) from None

    def _stream(self, sql: str, params: Iterable[object] | None = None) -> Iterator[tuple]:
        """Rows from a server-side cursor: memory bounded whatever the result's size."""
        import psycopg

        try:
            with self._conn.cursor(name=f"bookctl_{id(self)}_{len(sql)}") as cursor:
                cursor.itersize = 2000
                cursor.execute(sql, params)
                yield from cursor
        except psycopg.Error as exc:
            raise database_error(exc) from None

    def _next(self, counter: str) -> int:
        """The next number of a store-wide sequence (contacts, invoices, quotes, notes, tasks, attachments)."""
        self._writable()
        return self._exec("INSERT INTO counters (name, value) VALUES (%s, 1) ON CONFLICT (name) "
                          "DO UPDATE SET value = counters.value + 1 RETURNING value", [counter]).fetchone()[0]

    def _mint_day(self, prefix: str, moment: datetime) -> str:
        """A new id homed on the UTC day of `moment`, as the file store mints them."""
        self._writable()
        day = _utc_day(moment)
        seq = self._exec("INSERT INTO days (day, next_seq) VALUES (%s, 2) ON CONFLICT (day) "
                         "DO UPDATE SET next_seq = days.next_seq + 1 RETURNING next_seq - 1", [day]).fetchone()[0]
        return day_id(prefix, day, seq)

    def _flush(self) -> None:
        """Write every changed record, in the order the foreign keys need."""
        if not self._writable_unit:
            return
        self._write("contacts", CONTACTS, lambda c: (email_key(c.email),))
        self._write("sessions", SESSIONS)
        self._write("bookings", BOOKINGS)
        self._write("invoices", INVOICES, lambda i: (document_number(i.id, "INV"),))
        self._write("quotes", QUOTES, lambda q: (document_number(q.id, "Q"),))
        self._exec_many(LEDGER.insert_sql, [LEDGER.row(e) for e in self._new_entries])
        inserted = {e.id for e in self._new_entries}  # written as they are now: nothing to update
        self._exec_many(SETTLE_SQL, [[e.status, e.settled_at, e.reference, e.card_brand, e.card_last4, e.failure, e.id]
                                     for e in self._settled.values() if e.id not in inserted])
        self._settled.clear()
        for table, dirty in self._dirty.items():
            for record in dirty.values():
                self._track(table, record)
            dirty.clear()
        self._new_entries.clear()
        self._flush_cards()
        for blob_id, data in sorted(self._blobs.items()):
            self._exec("DELETE FROM attachment_blobs WHERE id = %s", [blob_id])
            if data is not None:
                self._exec("INSERT INTO attachment_blobs (id, data) VALUES (%s, %s)", [blob_id, data])
        self._blobs.clear()
        for message_id, data in sorted(self._outbox.items()):
            self._exec("DELETE FROM outbox WHERE id = %s", [message_id])
            if data is not None:
                self._exec("INSERT INTO outbox (id, data) VALUES (%s, %s)", [message_id, data])
        self._outbox.clear()
        self._flush_keys()
        for contact_id in sorted(self._deleted_contacts):
            self._exec("DELETE FROM contacts WHERE id = %s", [contact_id])
        self._deleted_contacts.clear()

    def _write(self, table: str, spec: Table, extra: Any = lambda record: ()) -> None:  # noqa: ANN401
        """Insert the records this unit made (an id already taken is an error, never an overwrite)
        and update the changed ones it loaded."""
        dirty = [r for r in self._dirty[table].values() if r.id not in self._deleted_contacts]  # type: ignore[attr-defined]
        made = [r for r in dirty if (table, r.id) not in self._as_loaded]  # type: ignore[attr-defined]
        loaded = [r for r in dirty if (table, r.id) in self._as_loaded]  # type: ignore[attr-defined]
        self._exec_many(spec.insert_sql, [spec.row(r, *extra(r)) for r in made])
        self._exec_many(spec.upsert_sql, [spec.row(r, *extra(r)) for r in loaded])

    def _flush_keys(self) -> None:
        rows = [[hashed, record.arguments, json_value(record.result)] for hashed, record in self._keys.items()]
        self._exec_many("INSERT INTO idempotency (key_hash, arguments, result) VALUES (%s, %s, %s) "
                        "ON CONFLICT (key_hash) DO UPDATE SET arguments = EXCLUDED.arguments, result = EXCLUDED.result",
                        rows)
        self._keys.clear()

    def _mark(self, table: str, record: BaseModel) -> None:
        self._writable()
        self._dirty[table][record.id] = record  # type: ignore[attr-defined]

    def _track(self, table: str, record: Any) -> Any:  # noqa: ANN401
        """Remember how a record loaded into a writable unit looked; returns it."""
        if self._writable_unit:
            self._as_loaded[table, record.id] = record.model_dump(mode="json")
        return record

    def _mark_changed(self) -> None:
        """Mark every loaded record that differs from how it was loaded."""
        for table, known in (("contacts", self._contacts), ("sessions", self._sessions),
                             ("bookings", self._bookings), ("invoices", self._invoices), ("quotes", self._quotes)):
            for record_id, record in known.items():
                if record_id not in self._dirty[table] and \
                        self._as_loaded.get((table, record_id)) != record.model_dump(mode="json"):
                    self._dirty[table][record_id] = record
        for contact_id, card in self._cards.items():
            if self._as_loaded.get(("cards", contact_id)) != card.model_dump(mode="json"):
                self._dirty_cards.add(contact_id)

    # --- settings ---------------------------------------------------------------------------
    @property
    def settings(self) -> Settings:
        if self._settings is None:
            self._settings = self._store.settings.model_copy(deep=True)
        return self._settings

    def save_settings(self) -> None:
        self._writable()
        self._settings_dirty = True

    # --- calendar ---------------------------------------------------------------------------
    def _attach(self, bookings: list[Booking]) -> None:
        """Give loaded bookings their ledger entries, oldest first."""
        if not bookings:
            return
        by_id = {b.id: b for b in bookings}
        for booking in bookings:
            booking.ledger_entries.clear()
        rows = self._exec(f"SELECT {LEDGER.select} FROM ledger WHERE booking_id = ANY(%s)", [list(by_id)]).fetchall()
        entries = sorted((LEDGER.record(r) for r in rows), key=lambda e: (e.created_at, id_order(e.id)))
        for entry in entries:
            by_id[entry.booking_id].ledger_entries.append(entry)

    def _known_bookings(self, rows: list[tuple]) -> list[Booking]:
        """Bookings of `rows`, the loaded instance where there is one (its changes must not be lost)."""
        found, fresh = [], []
        for row in rows:
            booking = self._bookings.get(row[0])
            if booking is None:
                booking = BOOKINGS.record(row)
                fresh.append(booking)
                if self._writable_unit:
                    self._bookings[booking.id] = self._track("bookings", booking)
            found.append(booking)
        self._attach(fresh)
        return found

    def _known_session(self, row: tuple) -> Session:
        session = self._sessions.get(row[0])
        if session is None:
            session = self._track("sessions", SESSIONS.record(row))
            self._sessions[session.id] = session
        return session

    def get_session(self, session_id: str) -> Session:
        if session_id not in self._sessions:
            row = self._exec(f"SELECT {SESSIONS.select} FROM sessions WHERE id = %s", [session_id]).fetchone()
            if row is None:
                raise NotFoundError(f"no session {session_id!r}")
            self._known_session(row)
        return self._sessions[session_id]

    def get_booking(self, booking_id: str) -> Booking:
        if booking_id not in self._bookings:
            row = self._exec(f"SELECT {BOOKINGS.select} FROM bookings WHERE id = %s", [booking_id]).fetchone()
            if row is None:
                raise NotFoundError(f"no booking {booking_id!r}")
            booking = self._track("bookings", BOOKINGS.record(row))
            self._attach([booking])
            self._bookings[booking_id] = booking
        return self._bookings[booking_id]

    def session_bookings(self, session: Session) -> list[Booking]:
        self._flush()
        rows = self._exec(f"SELECT {BOOKINGS.select} FROM bookings WHERE session_id = %s", [session.id]).fetchall()
        bookings = self._known_bookings(rows)
        if not self._writable_unit:
            self._bookings.update((b.id, b) for b in bookings)
        return sorted(bookings, key=lambda b: (b.created_at, b.id))

    def sessions_starting(self, start: datetime, end: datetime) -> Iterator[tuple[Session, list[Booking]]]:
        """Sessions starting in [start, end) with their bookings, one UTC day after another from a
        server-side cursor; a read-only unit keeps nothing once yielded, so a year streams in bounded memory."""
        self._flush()
        day: list[Session] = []
        sql = (f"SELECT {SESSIONS.select} FROM sessions WHERE start_at >= %s AND start_at < %s "
               "ORDER BY (start_at AT TIME ZONE 'UTC')::date, start_at, id")
        for row in self._stream(sql, [start, end]):
            session = self._known_session(row) if self._writable_unit else SESSIONS.record(row)
            if day and _utc_day(day[0].start) != _utc_day(session.start):
                yield from self._with_bookings(day)
                day = []
            day.append(session)
        yield from self._with_bookings(day)

    def _with_bookings(self, sessions: list[Session]) -> Iterator[tuple[Session, list[Booking]]]:
        if not sessions:
            return
        rows = self._exec(f"SELECT {BOOKINGS.select} FROM bookings WHERE session_id = ANY(%s)",
                          [[s.id for s in sessions]]).fetchall()
        by_session: dict[str, list[Booking]] = {}
        for booking in self._known_bookings(rows):
            by_session.setdefault(booking.session_id, []).append(booking)
        self._prefetch_contacts({b.contact_id for bookings in by_session.values() for b in bookings})
        for session in sessions:
            yield session, sorted(by_session.get(session.id, []), key=lambda b: (b.created_at, b.id))

    def calendar_span(self) -> tuple[date, date] | None:
        self._flush()
        low, high = self._exec("SELECT min(start_at), max(start_at) FROM sessions").fetchone()
        return None if low is None else (_utc_day(low), _utc_day(high))

    def add_session(self, **fields: Any) -> Session:
        session = Session(id=self._mint_day("s", fields["start"]), **fields)
        self._sessions[session.id] = session
        self._mark("sessions", session)
        return session

    def add_booking(self, session: Session, **fields: Any) -> Booking:
        booking = Booking(id=self._mint_day("b", session.start), session_id=session.id, **fields)
        self._bookings[booking.id] = booking
        self._mark("bookings", booking)
        contact = self.get_contact(booking.contact_id)
        contact.booking_ids.append(booking.id)
        return booking

    def save_session(self, session: Session) -> None:
        self._mark("sessions", session)

    def save_booking(self, booking: Booking) -> None:
        self._mark("bookings", booking)

    def move_session(self, session: Session, start: datetime, end: datetime) -> None:
        session.start, session.end = start, end
        self._mark("sessions", session)

    def move_booking(self, booking: Booking, to: Session) -> None:
        booking.session_id = to.id
        self._mark("bookings", booking)

    # --- contacts ---------------------------------------------------------------------------
    def _contact_rows(self, where: str, params: list[object]) -> list[tuple]:
        return self._exec(f"SELECT {CONTACTS.select}, {BOOKING_IDS_SQL} FROM contacts WHERE {where}", params).fetchall()

    def _contact(self, row: tuple) -> Contact:
        return self._track("contacts", CONTACTS.record(row[:-1], booking_ids=list(row[-1])))

    def _prefetch_contacts(self, ids: set[str]) -> None:
        """Load, in one query, the contacts an export or listing is about to look up one by one."""
        missing = [i for i in ids if i not in self._contacts]
        if missing:
            for row in self._contact_rows("id = ANY(%s)", [missing]):
                self._contacts.setdefault(row[0], self._contact(row))

    def get_contact(self, contact_id_: str) -> Contact:
        if contact_id_ in self._deleted_contacts:
            raise NotFoundError(f"no contact {contact_id_!r}")
        if contact_id_ not in self._contacts:
            rows = self._contact_rows("id = %s", [contact_id_])
            if not rows:
                raise NotFoundError(f"no contact {contact_id_!r}")
            self._contacts[contact_id_] = self._contact(rows[0])
        return self._contacts[contact_id_]

    def add_contact(self, **fields: Any) -> Contact:
        contact = Contact(id=contact_id_of(self._next("contacts")), **fields)
        self._contacts[contact.id] = contact
        self._mark("contacts", contact)
        return contact

    def save_contact(self, contact: Contact) -> None:
        self._mark("contacts", contact)

    def delete_contact(self, contact: Contact) -> None:
        self._writable()
        self._deleted_contacts.add(contact.id)
        self._contacts.pop(contact.id, None)
        self._dirty["contacts"].pop(contact.id, None)

    def iter_contacts(self) -> Iterator[Contact]:
        self._flush()
        sql = f"SELECT {CONTACTS.select}, {BOOKING_IDS_SQL} FROM contacts ORDER BY {CONTACT_ORDER_SQL}"
        for row in self._stream(sql):
            known = self._contacts.get(row[0])
            if known is None:
                known = self._contact(row)
                if self._writable_unit:
                    self._contacts[known.id] = known
            yield known

    def contacts_with_email(self, email: str) -> list[str] | None:
        self._flush()
        rows = self._exec(f"SELECT id FROM contacts WHERE email_key = %s ORDER BY {CONTACT_ORDER_SQL}",
                          [email_key(email)]).fetchall()
        return [r[0] for r in rows]

    # --- payments -------------------------------------------------------------------------
    def add_ledger_entry(self, booking: Booking, **fields: Any) -> LedgerEntry:
        session = self.get_session(booking.session_id)
        entry = LedgerEntry(id=self._mint_day("p", session.start), booking_id=booking.id,
                            contact_id=booking.contact_id, **fields)
        booking.ledger_entries.append(entry)
        self._new_entries.append(entry)
        return entry

    def save_ledger_entry(self, entry: LedgerEntry) -> None:
        self._writable()
        self._settled[entry.id] = entry

    def pending_intent_homes(self) -> list[tuple[str, str]]:
        self._flush()
        rows = self._exec("SELECT id, coalesce(booking_id, invoice_id) FROM ledger "
                          "WHERE status = 'pending' AND idempotency_key IS NOT NULL ORDER BY seq").fetchall()
        return [(r[0], r[1]) for r in rows]

    def ledger_entries_between(self, first: date | None, last: date | None) -> Iterator[tuple[str, str]]:
        self._flush()
        low = datetime(first.year, first.month, 1, tzinfo=UTC) if first else datetime(1, 1, 2, tzinfo=UTC)
        high = _next_month(last) if last else datetime(9999, 12, 30, tzinfo=UTC)
        rows = self._exec("SELECT id, coalesce(booking_id, invoice_id), created_at FROM ledger "
                          "WHERE created_at >= %s AND created_at < %s", [low, high]).fetchall()
        rows.sort(key=lambda r: (f"{r[2].astimezone(UTC):%Y-%m}", r[0]))
        return iter([(r[0], r[1]) for r in rows])

    def get_invoice(self, record_id: str) -> Invoice:
        return self._document(record_id, "INV", INVOICES, self._invoices, "invoice")

    def _document(self, record_id: str, prefix: str, table: Table, known: dict[str, Any], what: str) -> Any:  # noqa: ANN401
        number = document_number(record_id, prefix)
        key = None if number is None else (invoice_id(number) if prefix == "INV" else quote_id(number))
        if key is None:
            raise NotFoundError(f"no {what} {record_id!r}")
        if key not in known:
            row = self._exec(f"SELECT {table.select} FROM {table.name} WHERE number = %s", [number]).fetchone()
            if row is None:
                raise NotFoundError(f"no {what} {record_id!r}")
            known[key] = self._track(table.name, table.record(row))
        return known[key]

    def add_invoice(self, **fields: Any) -> Invoice:
        invoice = Invoice(id=invoice_id(self._next("invoices")), **fields)
        self._invoices[invoice.id] = invoice
        self._mark("invoices", invoice)
        return invoice

    def save_invoice(self, invoice: Invoice) -> None:
        self._mark("invoices", invoice)

    def add_invoice_entry(self, invoice: Invoice, **fields: Any) -> LedgerEntry:
        assert invoice.booking_id is None
        seq = 1 + len(self.invoice_entries(invoice.id))
        entry = LedgerEntry(id=f"p-{invoice.id}-{seq}", booking_id=None, contact_id=invoice.contact_id,
                            invoice_id=invoice.id, **fields)
        self._new_entries.append(entry)
        return entry

    def invoice_entries(self, record_id: str) -> list[LedgerEntry]:
        invoice = self.get_invoice(record_id)
        self._flush()
        rows = self._exec(f"SELECT {LEDGER.select} FROM ledger WHERE invoice_id = %s AND booking_id IS NULL",
                          [invoice.id]).fetchall()
        return sorted((LEDGER.record(r) for r in rows), key=lambda e: id_order(e.id))

    def iter_invoices(self) -> Iterator[Invoice]:
        yield from self._documents(INVOICES, self._invoices)

    def _documents(self, table: Table, known: dict[str, Any]) -> Iterator[Any]:
        self._flush()
        for row in self._stream(f"SELECT {table.select} FROM {table.name} ORDER BY number"):
            if row[0] not in known:
                known[row[0]] = self._track(table.name, table.record(row))
            yield known[row[0]]

    def get_quote(self, record_id: str) -> Quote:
        return self._document(record_id, "Q", QUOTES, self._quotes, "quote")

    def add_quote(self, **fields: Any) -> Quote:
        quote = Quote(id=quote_id(self._next("quotes")), **fields)
        self._quotes[quote.id] = quote
        self._mark("quotes", quote)
        return quote

    def save_quote(self, quote: Quote) -> None:
        self._mark("quotes", quote)

    def iter_quotes(self) -> Iterator[Quote]:
        yield from self._documents(QUOTES, self._quotes)

    def idempotent_result(self, key: str) -> Any:  # noqa: ANN401
        from bookctl.storage.payment_files import IdempotencyRecord, key_hash

        hashed = key_hash(key)
        if hashed in self._keys:
            return self._keys[hashed]
        row = self._exec("SELECT arguments, result FROM idempotency WHERE key_hash = %s", [hashed]).fetchone()
        return None if row is None else IdempotencyRecord(arguments=row[0], result=row[1])

    def remember_result(self, key: str, arguments: str, result: Any) -> None:
        from bookctl.storage.payment_files import IdempotencyRecord, key_hash

        self._writable()
        self._keys[key_hash(key)] = IdempotencyRecord(arguments=arguments, result=result)

    # --- cards ------------------------------------------------------------------------------
    def get_card(self, contact_id: str) -> Card:
        from bookctl.domain.cards import Attachment, Card, Note, Task

        if contact_id not in self._cards:
            parts: dict[str, list[Any]] = {}
            for table, model in (("notes", Note), ("tasks", Task), ("attachments", Attachment)):
                columns = [f'"{f}"' for f in model.model_fields]
                rows = self._exec(f"SELECT {', '.join(columns)} FROM {table} WHERE contact_id = %s "
                                  'ORDER BY "position"', [contact_id]).fetchall()
                parts[table] = [{f: v for f, v in zip(model.model_fields, row, strict=True) if v is not None}
                                for row in rows]
            try:
                card = Card.model_validate(parts)
                if self._writable_unit:
                    self._as_loaded["cards", contact_id] = card.model_dump(mode="json")
                self._cards[contact_id] = card
            except ValidationError as exc:
                raise StoreError(f"database card of {contact_id}: {exc.errors()[0]['msg']}") from None
        return self._cards[contact_id]

    def save_card(self, contact_id: str) -> None:
        self._writable()
        self._dirty_cards.add(contact_id)

    def _flush_cards(self) -> None:
        for contact_id in sorted(self._dirty_cards):
            card = self._cards[contact_id]
            self._as_loaded["cards", contact_id] = card.model_dump(mode="json")
            for table in ("notes", "tasks", "attachments"):
                self._exec(f"DELETE FROM {table} WHERE contact_id = %s", [contact_id])
                items = getattr(card, table)
                if not items:
                    continue
                fields = list(type(items[0]).model_fields)
                columns = ", ".join(f'"{f}"' for f in ("contact_id", "position", *fields))
                slots = ", ".join(["%s"] * (len(fields) + 2))
                self._exec_many(f"INSERT INTO {table} ({columns}) VALUES ({slots})",
                                [[contact_id, n, *(getattr(item, f) for f in fields)] for n, item in enumerate(items)])
        self._dirty_cards.clear()

    def card_index(self) -> CardIndex:
        from bookctl.storage.card_models import CardIndex, TaskRef

        if self._card_index is None:
            self._flush()
            tasks = self._exec("SELECT id, contact_id, assignee, due, done_at IS NOT NULL FROM tasks").fetchall()
            files = self._exec("SELECT id, contact_id FROM attachments").fetchall()
            ordered = sorted(tasks, key=lambda r: id_order(r[0]))
            self._card_index = CardIndex(
                tasks={r[0]: TaskRef(contact_id=r[1], assignee=r[2], due=r[3], done=r[4]) for r in ordered},
                attachments={r[0]: r[1] for r in sorted(files, key=lambda r: id_order(r[0]))})
        return self._card_index

    def save_card_index(self) -> None:
        self._writable()  # the index is the tasks and attachments tables themselves

    def mint(self, kind: str) -> str:
        counter = {"n": "notes", "t": "tasks", "a": "attachments"}[kind]
        return f"{kind}-{self._next(counter)}"

    def put_blob(self, attachment_id: str, data: bytes) -> None:
        self._writable()
        self._blobs[attachment_id] = data

    def read_blob(self, attachment_id: str) -> bytes:
        pending = self._blobs.get(attachment_id)
        if pending is not None:
            return pending
        row = self._exec("SELECT data FROM attachment_blobs WHERE id = %s", [attachment_id]).fetchone()
        if row is None or attachment_id in self._blobs:
            raise StoreError(f"database table attachment_blobs: no bytes for {attachment_id}; the attachment's "
                             "bytes are lost")
        return bytes(row[0])

    def delete_blob(self, attachment_id: str) -> None:
        self._writable()
        self._blobs[attachment_id] = None

    # --- outbox ---------------------------------------------------------------------------
    def queue_message(self, created: datetime, data: bytes) -> str:
        self._writable()
        stem = f"m-{created.astimezone(UTC):%Y%m%d-%H%M%S}"
        taken = set(self.outbox_ids())
        seq = self._next("messages")  # store-wide: an id is never reused once its message is sent
        while f"{stem}-{seq}" in taken:  # a database from before the counter may hold that id already
            seq = self._next("messages")
        self._outbox[f"{stem}-{seq}"] = data
        return f"{stem}-{seq}"

    def remove_message(self, message_id: str) -> None:
        self._writable()
        self._outbox[message_id] = None

    def outbox_ids(self) -> list[str]:
        self._flush()
        return sorted((r[0] for r in self._exec("SELECT id FROM outbox").fetchall()), key=id_order)

    def read_message(self, message_id: str) -> bytes:
        if self._outbox.get(message_id) is not None:
            return self._outbox[message_id]  # type: ignore[return-value]
        row = self._exec("SELECT data FROM outbox WHERE id = %s", [message_id]).fetchone()
        if row is None or message_id in self._outbox:
            raise NotFoundError(f"no message {message_id!r} in the outbox; see 'bookctl outbox list'")
        return bytes(row[0])

    def template_override(self, language: str, name: str) -> str | None:
        from bookctl.storage.files import read_template_override

        return read_template_override(self.root, language, name)

    # --- the unit of work -------------------------------------------------------------------
    def spill(self) -> None:
        """Write what changed and forget the calendar records, so a bulk load's memory stays flat."""
        self._flush()
        self._sessions.clear()
        self._bookings.clear()
        self._as_loaded = {key: row for key, row in self._as_loaded.items() if key[0] not in ("sessions", "bookings")}

    def commit(self) -> None:
        import psycopg

        from bookctl.storage.filestore import write_settings

        self._writable()
        self._mark_changed()
        self._flush()
        if self._settings_dirty and self._settings is not None:
            # Before the data: a crash in between leaves a setting (a service) that nothing uses yet,
            # never data naming a service bookctl.toml lacks.
            write_settings(self.root, self._settings)
            self._store.settings = self._settings
            self._settings_dirty = False
        try:
            self._conn.commit()
        except psycopg.Error as exc:
            raise database_error(exc) from None

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()  # an uncommitted transaction is rolled back with the session
            self._conn = None



# The one UPDATE the ledger trigger lets through: a pending intent gains its answer.
SETTLE_SQL = ("UPDATE ledger SET status = %s, settled_at = %s, reference = %s, card_brand = %s, card_last4 = %s, "
              "failure = %s WHERE id = %s")


def _utc_day(moment: datetime) -> date:
    return moment.astimezone(UTC).date()


def _next_month(day: date) -> datetime:
    return datetime(day.year + (day.month == 12), day.month % 12 + 1, 1, tzinfo=UTC)

