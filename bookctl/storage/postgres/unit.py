"""The PostgreSQL unit of work: one connection, one transaction at a time. Records are loaded by the
repositories on demand; at commit (and before any query that must see them) every record made or
changed is written in the order the foreign keys need, then the transaction commits."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator
from datetime import date
from typing import TYPE_CHECKING, Any

from bookctl.storage.postgres.calendar import PgCalendar
from bookctl.storage.postgres.cards import PgCards
from bookctl.storage.postgres.connect import database_error
from bookctl.storage.postgres.contacts import PgContacts
from bookctl.storage.postgres.documents import PgDocuments
from bookctl.storage.postgres.ledger import PgLedger
from bookctl.storage.postgres.outbox import PgOutbox
from bookctl.storage.postgres.plans import PgPlans
from bookctl.storage.postgres.replies import PgReplies
from bookctl.storage.postgres.timetable import PgTimetable
from bookctl.storage.postgres.webhooks import PgWebhookQueue
from bookctl.storage.unit import UnitOfWork

if TYPE_CHECKING:
    from bookctl.domain.settings import Settings
    from bookctl.storage.postgres import PostgresStore


class PostgresUnitOfWork(UnitOfWork):
    """A session of the database; a writable one holds the store's advisory lock until it is closed."""

    def __init__(self, store: PostgresStore, conn: Any, writable: bool) -> None:  # noqa: ANN401
        super().__init__(writable)
        self.root = store.root
        self._store = store
        self._conn = conn
        self._cursors = itertools.count(1)
        self._settings: Settings | None = None
        self._settings_changed = False
        self._reserved: dict[date, int] = {}  # day -> the least next number, not yet written (reserve_in_day)
        # may_hold's: each day's next number when this unit first looked, and the numbers it made since.
        self._first_counters: dict[date, int] = {}
        self._made_in_day: dict[date, set[int]] = {}
        self.open_repositories(PgCalendar, PgContacts, PgLedger, PgDocuments, PgCards, PgOutbox, PgReplies, PgTimetable,
                               PgWebhookQueue, PgPlans)
        self._writers: dict[str, Callable[[Any], None]] = {
            "settings": self._write_settings, "contact": self.contacts.write, "session": self.calendar.write_session,
            "booking": self.calendar.write_booking, "entry": self.ledger.write, "invoice": self.documents.write,
            "quote": self.documents.write, "card": self.cards.write, "schedule": self.timetable.write,
            "time_off": self.timetable.write, "plan": self.plans.write, "pass": self.plans.write}

    # --- the connection ------------------------------------------------------------------------
    def _exec(self, sql: str, params: Iterable[object] | None = None) -> Any:  # noqa: ANN401 - a cursor
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
            with self._conn.cursor(name=f"bookctl_{next(self._cursors)}") as cursor:
                cursor.itersize = 2000
                cursor.execute(sql, params)
                yield from cursor
        except psycopg.Error as exc:
            raise database_error(exc) from None

    def fast_json(self) -> None:
        """Decode this read-only unit's json columns with msgspec: a year's stream decodes 150,000
        of them (form answers, labels), and psycopg's default (json.loads) is most of its time.
        They hold what bookctl wrote (objects of strings and numbers), which both decode alike."""
        import msgspec
        from psycopg.types.json import set_json_loads

        assert not self.writable
        set_json_loads(msgspec.json.decode, self._conn)

    # --- sequences -----------------------------------------------------------------------------
    def next_number(self, counter: str) -> int:
        self.require_writable()
        return self._exec("INSERT INTO counters (name, value) VALUES (%s, 1) ON CONFLICT (name) "
                          "DO UPDATE SET value = counters.value + 1 RETURNING value", [counter]).fetchone()[0]

    def reserve_number(self, counter: str, number: int) -> None:
        self.require_writable()
        self._exec("INSERT INTO counters (name, value) VALUES (%s, %s) ON CONFLICT (name) "
                   "DO UPDATE SET value = GREATEST(counters.value, EXCLUDED.value)", [counter, number])

    def reserve_in_day(self, day: date, number: int) -> None:
        """Make the next number minted on UTC `day` greater than `number`: held here and written with the
        next flush, or before the next id of that day is minted (an import keeps thousands of ids)."""
        self.require_writable()
        self._reserved[day] = max(self._reserved.get(day, 0), number + 1)
        self._made_in_day.setdefault(day, set()).add(number)

    def _write_reserved(self) -> None:
        if self._reserved:
            rows: list[list[object]] = [[day, after] for day, after in self._reserved.items()]
            self._exec_many("INSERT INTO days (day, next_seq) VALUES (%s, %s) ON CONFLICT (day) "
                            "DO UPDATE SET next_seq = GREATEST(days.next_seq, EXCLUDED.next_seq)", rows)
            self._reserved = {}

    def may_hold(self, day: date, number: int) -> bool:
        """Whether a session, booking or ledger entry numbered `number` on UTC `day` may exist: not when
        the day's numbering had not reached it when this unit first looked (one query a day), and this
        unit has made no id of that number since."""
        counter = self._first_counters.get(day)
        if counter is None:
            row = self._exec("SELECT next_seq FROM days WHERE day = %s", [day]).fetchone()
            counter = self._first_counters[day] = row[0] if row else 1
        return number < counter or number in self._made_in_day.get(day, ())

    def next_in_day(self, day: date) -> int:
        """The next number of the ids minted on UTC `day` (sessions, bookings and ledger entries)."""
        self.require_writable()
        if day in self._reserved:
            self._write_reserved()
        number = self._exec("INSERT INTO days (day, next_seq) VALUES (%s, 2) ON CONFLICT (day) "
                            "DO UPDATE SET next_seq = days.next_seq + 1 RETURNING next_seq - 1", [day]).fetchone()[0]
        self._made_in_day.setdefault(day, set()).add(number)
        return number

    # --- settings ------------------------------------------------------------------------------
    @property
    def settings(self) -> Settings:
        if self._settings is None:
            self._settings = self.seen("settings", self._store.settings.model_copy(deep=True), key="")
        return self._settings

    def _write_settings(self, settings: Settings) -> None:
        self._settings_changed = True

    # --- writing -------------------------------------------------------------------------------
    def _write(self, changes: list[tuple[str, Any]]) -> None:
        """Hand each changed record to the repository that writes it."""
        for kind, record in changes:
            self._writers[kind](record)

    def _sync(self) -> None:
        """Write every tracked change now, so that the query about to run sees it."""
        if self.writable:
            self._write(self.changes())
            self._flush()

    def _flush(self) -> None:
        """Write what the repositories hold for writing, in the order the foreign keys need."""
        if not self.writable:
            return
        self._write_reserved()
        self.contacts.flush()
        self.calendar.flush()
        self.documents.flush()
        self.ledger.flush()
        self.cards.flush()
        self.outbox.flush()
        self.replies.flush()
        self.timetable.flush()
        self.plans.flush()
        self.webhooks.flush()
        self.contacts.flush_removed()

    def _spill(self) -> None:
        # Every record made so far goes with them (a new booking's contact, an entry's invoice); a
        # record changed but not made waits for the commit, so a spill reads only the calendar's.
        self._flush()
        self.calendar.spill()
        self.ledger.spill()

    def _commit(self) -> None:
        import psycopg

        from bookctl.storage.settings_file import write_settings

        self._flush()
        if self._settings_changed and self._settings is not None:
            # Before the data: a crash in between leaves a setting (a service) that nothing uses yet,
            # never data naming a service bookctl.toml lacks.
            write_settings(self.root, self._settings)
            self._store.settings = self._settings.model_copy(deep=True)  # later changes of this unit stay its own
            self._settings_changed = False
        try:
            self._conn.commit()
        except psycopg.Error as exc:
            raise database_error(exc) from None

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()  # an uncommitted transaction is rolled back with the session
            self._conn = None

    # --- copies --------------------------------------------------------------------------------
    def dump(self) -> Iterator[tuple[str, Any]]:
        from bookctl.storage.postgres.copying import dump

        self._sync()
        return dump(self)

    def load(self, items: Iterable[tuple[str, Any]]) -> None:
        from bookctl.storage.postgres.copying import load

        self.require_writable()
        load(self, items)
