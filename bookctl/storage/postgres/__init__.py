"""The PostgreSQL store: settings stay in the directory's `bookctl.toml`, records live in a database.

For a business with several front desks. The same unit of work as the file store (storage/unit.py),
one repository module per kind of record beside it (calendar, contacts, ledger, documents, cards,
outbox, replies), as in storage/files/. Writers serialize on one advisory lock per database, held
by the unit's session until it is closed, across its commits (the file store's lock, with the same
`store.lock_timeout_seconds`), so money operations on one booking never interleave. Readers see one
snapshot (REPEATABLE READ). psycopg is imported only by commands on such a store.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from bookctl.errors import RuleError, StoreError
from bookctl.storage.postgres.connect import (
    SENDING_LOCK,
    WRITE_LOCK,
    check_schema,
    connect,
    database_error,
    migrate,
    schema_version,
    server_name,
)

if TYPE_CHECKING:
    from bookctl.domain.settings import Settings
    from bookctl.storage.postgres.unit import PostgresUnitOfWork

__all__ = ["PostgresStore", "PostgresUnitOfWork"]


def __getattr__(name: str) -> Any:  # noqa: ANN401
    """`PostgresUnitOfWork`, imported when first asked for (the schema and URL helpers need none of it)."""
    if name == "PostgresUnitOfWork":
        from bookctl.storage.postgres.unit import PostgresUnitOfWork

        return PostgresUnitOfWork
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


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

    listener = None  # told of every writable unit's commits (storage/unit.py CommitListener)

    def __init__(self, root: Path, url: str, settings: Settings) -> None:
        self.root = root
        self.url = url
        self.settings = settings

    @classmethod
    def create(cls, root: Path, settings: Settings, url: str) -> PostgresStore:
        """Make an empty database bookctl's (its tables at the latest schema) and `root` its settings."""
        from bookctl.storage.settings_file import write_settings

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

    def peek(self) -> PostgresUnitOfWork:
        """As `read`: a read-only snapshot writes nothing."""
        return self.read()

    def write(self) -> PostgresUnitOfWork:
        """A transaction holding the store's write lock; StoreError if another bookctl keeps it too long."""
        conn = self.connect()
        unit = self._unit(conn, writable=True)
        unit.listener = self.listener
        return unit

    def _unit(self, conn: Any, writable: bool) -> PostgresUnitOfWork:  # noqa: ANN401
        import psycopg

        from bookctl.storage.postgres.unit import PostgresUnitOfWork

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
        return self._session_lock(SENDING_LOCK, "another bookctl is sending the outbox; retry")

    def webhook_sending(self) -> _SendingLock:
        """Held while webhook deliveries are POSTed, apart from the write lock (a slow receiver must
        not block the calendar)."""
        from bookctl.storage.postgres.webhooks import WEBHOOK_SENDING_LOCK

        return self._session_lock(WEBHOOK_SENDING_LOCK, "another bookctl is sending webhooks; retry")

    def _session_lock(self, key: int, busy: str) -> _SendingLock:
        """The advisory lock `key` on a session of its own, waited for up to store.lock_timeout_seconds."""
        import time

        conn = self.connect(autocommit=True)
        deadline = time.monotonic() + self._lock_timeout()
        while not conn.execute("SELECT pg_try_advisory_lock(%s)", [key]).fetchone()[0]:
            if time.monotonic() >= deadline:
                conn.close()
                raise StoreError(busy)
            time.sleep(0.05)
        return _SendingLock(conn)

    def _lock_timeout(self) -> int:
        from bookctl.storage.settings_file import lock_timeout

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
