"""The unit of work every service uses, whatever the backend: `with store.write() as uow: ...;
uow.commit()`. Leaving the block without `commit()` discards every change.

One persistence rule, enforced here for every backend: each record a writable unit hands out is
tracked (an identity map, with how the record looked), and `commit()` writes every record that was
made or changed since, then makes it durable at once. No service saves anything; a change made to a
record obtained through the unit is written, a change never committed is not.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

if TYPE_CHECKING:
    from bookctl.domain.settings import Settings
    from bookctl.storage.repositories import (
        Calendar,
        Cards,
        Contacts,
        Documents,
        Ledger,
        Outbox,
        Plans,
        Replies,
        Timetable,
        WebhookQueue,
    )

R = TypeVar("R")
# What the identity map tracks. "entry" is a ledger entry: only a pending intent may change (once).
KINDS = ("settings", "contact", "session", "booking", "entry", "invoice", "quote", "card", "schedule", "time_off",
         "plan", "pass")
CALENDAR_KINDS = frozenset({"session", "booking", "entry"})
_MADE = object()  # the snapshot of a record this unit created: always written


class CommitListener(Protocol):
    """What a unit of work tells of its commits: the store's events (services/events.py)."""

    def wants_changes(self, uow: UnitOfWork) -> bool:
        """Whether to be told of the changes at all (asked once per unit)."""

    def staging(self, uow: UnitOfWork, changes: list[tuple[str, Any, dict[str, Any] | None]]) -> None:
        """Before a commit is written: its (kind, record, how it looked before or None if new)."""

    def committed(self, uow: UnitOfWork) -> None:
        """Once that commit is durable."""

    def closed(self, uow: UnitOfWork) -> None:
        """Once the unit is closed and the store lock let go."""


class Store(Protocol):
    """Where a store's records are: a directory of files, a PostgreSQL database, or memory."""

    root: Path
    listener: CommitListener | None  # given to each writable unit

    def read(self) -> UnitOfWork:
        """A consistent view for commands that only read."""

    def peek(self) -> UnitOfWork:
        """A read-only view that writes nothing whatever it finds (shell completion's); StoreError where
        `read` would first have to repair the store."""

    def write(self) -> UnitOfWork:
        """A unit of work holding the store's write lock until it is closed, across every commit."""

    def sending(self) -> Any:  # noqa: ANN401 - anything with release()
        """A lock held while the outbox is sent; `release()` it."""

    def webhook_sending(self) -> Any:  # noqa: ANN401 - anything with release()
        """A lock held while webhook deliveries are POSTed (apart from the write lock); `release()` it."""

    def upgrade(self) -> tuple[int, int]:
        """Bring the store to this bookctl's schema: (version before, version after)."""


def snapshot(record: Any) -> Any:  # noqa: ANN401
    """How a record looks now, to tell at commit whether it changed."""
    return record.model_dump(mode="json")


class UnitOfWork(ABC):
    """A consistent view of the store; a writable one holds the store lock until it is closed."""

    root: Path  # the store's directory (bookctl.toml), whatever holds its records
    calendar: Calendar
    contacts: Contacts
    ledger: Ledger
    documents: Documents
    cards: Cards
    outbox: Outbox
    replies: Replies
    timetable: Timetable
    webhooks: WebhookQueue
    plans: Plans

    def __init__(self, writable: bool) -> None:
        self.writable = writable
        # Told of each commit's changes (services/events.py), when the command asked for it.
        self.listener: CommitListener | None = None
        self._wants: bool | None = None
        self._since_commit: dict[tuple[str, int], tuple[str, Any, dict[str, Any] | None]] = {}
        # kind -> key -> (the record, how it looked when tracked or last written)
        self._identity: dict[str, dict[str, tuple[Any, Any]]] = {kind: {} for kind in KINDS}

    def open_repositories(self, *kinds: type) -> None:
        """Give this unit its repositories: the backend's Calendar, Contacts, Ledger, Documents,
        Cards, Outbox, Replies, Timetable, WebhookQueue and Plans classes, in that order."""
        (self.calendar, self.contacts, self.ledger, self.documents, self.cards, self.outbox,
         self.replies, self.timetable, self.webhooks, self.plans) = (kind(self) for kind in kinds)

    # --- the identity map -------------------------------------------------------------------
    def seen(self, kind: str, record: R, key: str | None = None) -> R:
        """Track a record this writable unit hands out (the first time); returns it."""
        if self.writable:
            tracked = self._identity[kind]
            ident = key if key is not None else record.id  # type: ignore[attr-defined]
            if ident not in tracked:
                tracked[ident] = (record, snapshot(record))
        return record

    def made(self, kind: str, record: R, key: str | None = None) -> R:
        """Track a record this unit created: it is written at the next commit."""
        self.require_writable()
        self._identity[kind][key if key is not None else record.id] = (record, _MADE)  # type: ignore[attr-defined]
        return record

    def forget(self, kind: str, key: str) -> None:
        """Stop tracking a record that is gone (a deleted contact)."""
        self._identity[kind].pop(key, None)

    def changes(self, kinds: Iterable[str] | None = None) -> list[tuple[str, Any]]:
        """(kind, record) of each tracked record made or changed since it was tracked or last
        written, in KINDS order; each now counts as written."""
        return [(kind, record) for kind, record, _ in self._changed(kinds)]

    def _changed(self, kinds: Iterable[str] | None = None) -> list[tuple[str, Any, dict[str, Any] | None]]:
        """`changes()` with how each record looked before (None: made by this unit)."""
        wanted = set(KINDS if kinds is None else kinds)
        found = []
        for kind in KINDS:
            if kind not in wanted:
                continue
            tracked = self._identity[kind]
            for ident, (record, before) in tracked.items():
                now = snapshot(record)
                if before is _MADE or now != before:
                    found.append((kind, record, None if before is _MADE else before))
                    tracked[ident] = (record, now)
        if found and self._listening():
            for kind, record, before in found:  # the first look since the last commit wins
                self._since_commit.setdefault((kind, id(record)), (kind, record, before))
        return found

    def _listening(self) -> bool:
        """Whether the listener wants this unit's changes (worked out once): a backend that writes
        changes before a query (PostgreSQL) must not make them vanish from the commit's events."""
        if self._wants is None:
            self._wants = self.listener is not None and self.listener.wants_changes(self)
        return self._wants

    def require_writable(self) -> None:
        if not self.writable:
            raise RuntimeError("this unit of work is read-only")

    # --- the store's own directory ------------------------------------------------------------
    @property
    @abstractmethod
    def settings(self) -> Settings:
        """The business, policy, services and staff: tracked like every record."""

    def provider_dir(self, name: str) -> Path:
        """A directory of the store's own for payment provider `name`'s files; it may not exist yet."""
        return self.root / "providers" / name

    def template_override(self, language: str, name: str) -> str | None:
        """The store's own `templates/LANGUAGE/NAME`, if it has one, else None."""
        from bookctl.storage.settings_file import read_template_override

        return read_template_override(self.root, language, name)

    # --- counters -----------------------------------------------------------------------------
    @abstractmethod
    def next_number(self, counter: str) -> int:
        """The next number of a store-wide sequence: contacts, invoices, quotes, notes, tasks,
        attachments, messages, schedules, time_off, webhooks, deliveries, plans, passes."""

    @abstractmethod
    def reserve_number(self, counter: str, number: int) -> None:
        """Make the next number of a store-wide sequence greater than `number` (an imported record
        keeps its id)."""

    # --- the unit of work ---------------------------------------------------------------------
    def commit(self) -> None:
        """Write every record made or changed, then make it all durable at once. The unit stays
        usable and keeps the lock: a money-moving command commits its intent, calls the provider,
        then commits the answer."""
        self.require_writable()
        found = self._changed()
        if self._listening():  # every change since the last commit, some written already by a query
            self.listener.staging(self, list(self._since_commit.values()))  # may queue webhook deliveries
            self._since_commit = {}
        self._write([(kind, record) for kind, record, _ in found])
        self._commit()
        if self.listener is not None:
            self.listener.committed(self)

    def spill(self) -> None:
        """Write the calendar records changed so far into the pending commit and let go of them, so
        a bulk load's memory stays flat. They cannot be read again in this unit."""
        self._write(self.changes(CALENDAR_KINDS))
        for kind in CALENDAR_KINDS:
            self._identity[kind] = {}
        self._spill()

    @abstractmethod
    def _write(self, changes: list[tuple[str, Any]]) -> None:
        """Stage each changed (kind, record) for the coming commit."""

    @abstractmethod
    def _commit(self) -> None:
        """Make everything staged durable at once."""

    def _spill(self) -> None:
        """Forget the calendar records already staged (a backend that keeps them in memory)."""

    @abstractmethod
    def close(self) -> None:
        """Discard uncommitted changes and release the lock."""

    def __enter__(self) -> UnitOfWork:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
        if self.listener is not None:
            self.listener.closed(self)  # the store's hooks run once the lock is let go

    # --- integrity and copies -----------------------------------------------------------------
    def damaged_files(self) -> Iterator[tuple[str, str]]:
        """(file, problem) for every part of the store that does not load; `doctor` reports them."""
        return iter(())

    def index_problems(self) -> Iterator[tuple[str, str]]:
        """(file, problem) for every entry of the store's own indexes that disagrees with the records
        (a backend whose indexes are the database's own has none); `doctor` reports them."""
        return iter(())

    @abstractmethod
    def dump(self) -> Iterator[tuple[str, Any]]:
        """Every record of the store, ids and all, as (kind, value) in this order (DUMP_KINDS):

            ("counters", {counter name: last number})     once, first
            ("sequences", {UTC day: next id number})        once: every day that ever minted an id
            ("contact", Contact)                            in id order
            ("invoice", (Invoice, [its entries if it has no booking]))   in number order
            ("quote", Quote)                                in number order
            ("day", (UTC day, [(Session, [Booking with ledger_entries])]))   day after day
            ("card", (contact id, Card, {attachment id: bytes}))   cards that hold anything
            ("message", (message id, bytes))                oldest first
            ("reply", (hashed key, Reply))                  in hash order
            ("schedule", Schedule)                          in number order
            ("time_off", TimeOff)                           by start
            ("plan", Plan)                                  in number order
            ("pass", Pass)                                  in number order (after their contacts and plans)
            ("delivery", WebhookDelivery)                   queued webhook deliveries, oldest first
        Memory stays bounded: a day, a card, a message at a time."""

    @abstractmethod
    def load(self, items: Iterable[tuple[str, Any]]) -> None:
        """Put another store's `dump()` into this empty, writable unit, keeping every id, counter and
        sequence; the caller commits. A backend may commit on its own as it goes (a copy is built
        where no one reads it) to keep memory flat."""


DUMP_KINDS = ("counters", "sequences", "contact", "invoice", "quote", "day", "card", "message", "reply",
              "schedule", "time_off", "plan", "pass", "delivery")
