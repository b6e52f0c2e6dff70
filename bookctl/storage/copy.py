"""`store copy`: every record of a store into an empty PostgreSQL database or a new directory, ids and all.

The source's `dump()` goes into the target's `load()` (storage/unit.py): the copy knows no backend's
files or tables. A copy is checked before it is kept: into PostgreSQL it is one transaction, committed once verified; into a directory it is
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
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bookctl.errors import RuleError, StoreError
from bookctl.storage.dumping import calendar_days
from bookctl.storage.unit import UnitOfWork

if TYPE_CHECKING:
    from bookctl.domain.cards import Card
    from bookctl.domain.payments import LedgerEntry
    from bookctl.storage.dumping import Day

COUNTED = ("contacts", "sessions", "bookings", "ledger_entries", "invoices", "quotes", "notes", "tasks",
           "attachments", "outbox_messages", "webhook_deliveries", "plans", "passes")
# doctor's diagnose (services/doctor.py), handed in by the command: storage does not import services.
Diagnose = Callable[[UnitOfWork], tuple[list[dict[str, str]], dict[str, int]]]
# (what is being done, records copied so far): called now and then, for a progress line.
Progress = Callable[[str, int], None]
# The tables of a bookctl database that hold records (bookctl_schema aside).
RECORD_TABLES = ("counters", "days", "contacts", "sessions", "bookings", "invoices", "quotes", "ledger", "notes",
                 "tasks", "attachments", "attachment_blobs", "outbox", "idempotency", "timetable", "webhook_deliveries",
                 "plans", "passes")


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
    for contact in uow.contacts.all():
        found.counts["contacts"] += 1
        found.add_card(uow.cards.get(contact.id))
    for _, sessions in calendar_days(uow):
        found.add_day(sessions)
    for invoice in uow.documents.invoices():
        found.counts["invoices"] += 1
        if invoice.booking_id is None:
            found.add_entries(uow.ledger.of_invoice(invoice.id))
    found.counts["quotes"] = sum(1 for _ in uow.documents.quotes())
    found.counts["outbox_messages"] = len(uow.outbox.ids())
    found.counts["webhook_deliveries"] = len(uow.webhooks.all())
    found.counts["plans"] = len(uow.plans.plans())
    found.counts["passes"] = sum(1 for _ in uow.plans.passes())
    return found


# --- the copy --------------------------------------------------------------------------------------
def copy_store(source: Any, to: str, diagnose: Diagnose, progress: Progress | None = None) -> dict[str, Any]:  # noqa: ANN401
    """Copy `source` (a FileStore or PostgresStore) to `to`, a postgresql:// URL of an empty database or
    a directory that does not exist or is empty; check both sides; the summary of what was copied."""
    from bookctl.storage.postgres.connect import check_url, redact

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


def _copy_records(src: UnitOfWork, target: UnitOfWork, progress: Progress | None) -> Census:
    """Every record of `src` into the empty `target`; what went across, counted on the way."""
    copied = Census()

    def counted(items: Iterable[tuple[str, Any]]) -> Iterator[tuple[str, Any]]:
        for kind, value in items:
            if kind == "contact":
                copied.counts["contacts"] += 1
            elif kind == "invoice":
                copied.counts["invoices"] += 1
                copied.add_entries(value[1])
            elif kind == "quote":
                copied.counts["quotes"] += 1
            elif kind == "day":
                copied.add_day(value[1])
                if progress:
                    progress("copying", copied.records)
            elif kind == "card":
                copied.add_card(value[1])
            elif kind == "message":
                copied.counts["outbox_messages"] += 1
            elif kind == "delivery":
                copied.counts["webhook_deliveries"] += 1
            elif kind in ("plan", "pass"):
                copied.counts[f"{kind}{'es' if kind == 'pass' else 's'}"] += 1
            yield kind, value

    target.load(counted(src.dump()))
    return copied


# --- into PostgreSQL ---------------------------------------------------------------------------------
class _OneTransaction:
    """The connection as `postgres.connect.migrate` sees it: the commit is left to the copy, so that a copy
    that fails takes the tables it made with it."""

    def __init__(self, conn: Any) -> None:  # noqa: ANN401
        self._conn = conn

    def execute(self, *args: Any) -> Any:  # noqa: ANN401
        return self._conn.execute(*args)

    def commit(self) -> None:
        """Nothing yet: the copy commits once it is verified."""


def _into_database(src: UnitOfWork, url: str, diagnose: Diagnose, progress: Progress | None) -> Census:
    import psycopg

    from bookctl.storage.postgres.connect import connect, database_error, migrate
    from bookctl.storage.postgres import PostgresStore, PostgresUnitOfWork

    settings = src.settings
    conn = connect(url, settings.business.timezone)
    try:
        _claim_empty_database(conn, url, settings.store.lock_timeout_seconds)
        migrate(_OneTransaction(conn))
        store = PostgresStore(src.root, url, settings)
        copied = _copy_records(src, PostgresUnitOfWork(store, conn, writable=True), progress)
        # Checked in the copy's own transaction, before anything is committed.
        view = PostgresUnitOfWork(store, conn, writable=False)
        _verify(copied, view, diagnose, progress)
        conn.commit()
        return copied
    except psycopg.Error as exc:
        raise database_error(exc) from None
    finally:
        conn.close()  # rolls back whatever was not committed


def _claim_empty_database(conn: Any, url: str, lock_timeout_seconds: int) -> None:  # noqa: ANN401
    """Take the database's write lock; RuleError unless its bookctl tables (if any) hold no rows."""
    from bookctl.storage.postgres.connect import WRITE_LOCK

    _refuse_rows(conn, url)  # first without waiting for the lock: a store in use is refused at once
    conn.execute("SELECT set_config('lock_timeout', %s, true)", [f"{lock_timeout_seconds * 1000}ms"])
    conn.execute("SELECT pg_advisory_xact_lock(%s)", [WRITE_LOCK])
    conn.execute("SELECT set_config('lock_timeout', '0', true)")
    _refuse_rows(conn, url)


def _refuse_rows(conn: Any, url: str) -> None:  # noqa: ANN401
    from bookctl.storage.postgres.connect import redact, schema_version

    if schema_version(conn) is None:
        return
    for table in RECORD_TABLES:
        if conn.execute("SELECT to_regclass(%s) IS NOT NULL", [table]).fetchone()[0] and \
                conn.execute(f"SELECT EXISTS (SELECT 1 FROM {table})").fetchone()[0]:
            raise RuleError(f"the database {redact(url)} is not empty (its table {table} has rows); "
                            "copy into an empty database")


# --- into a directory -------------------------------------------------------------------------------
def _check_free_directory(path: Path) -> None:
    if path.is_symlink() or (path.exists() and not path.is_dir()):
        raise RuleError(f"{path} exists and is not a directory; copy into a new or empty directory")
    if path.is_dir() and any(path.iterdir()):
        raise RuleError(f"{path} is not empty; copy into a new or empty directory")


def _into_directory(src: UnitOfWork, path: Path, diagnose: Diagnose, progress: Progress | None) -> Census:
    from bookctl.storage.files import FileStore

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
        with FileStore(build).write() as target:
            copied = _copy_records(src, target, progress)
            target.commit()
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
