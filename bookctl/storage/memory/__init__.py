"""The memory store: every record kept in this process, for service-level tests that run in seconds.

Committed records are kept as their JSON dumps, never as the objects a unit handed out: a unit
validates what it reads from the dumps (a copy), and its commit writes the dumps of what changed. So
a change that was never committed is never seen by the next unit, exactly as on disk or in a
database. Writers serialize on one lock, held from `write()` until the unit is closed, across its
commits; readers see the store as of the last commit when they opened. Nothing is written to `root`
(`template_override` and `provider_dir` still look there, as on the other backends).
"""

from __future__ import annotations

import threading
from pathlib import Path

from bookctl.domain.settings import Settings
from bookctl.errors import StoreError
from bookctl.storage.memory.state import State, freeze
from bookctl.storage.memory.unit import MemoryUnitOfWork

SCHEMA_VERSION = 1


class _SendingLock:
    """A sender's lock (the outbox's, the webhooks'), apart from the write lock."""

    def __init__(self, lock: threading.Lock) -> None:
        self._lock: threading.Lock | None = lock

    def release(self) -> None:
        lock, self._lock = self._lock, None
        if lock is not None:
            lock.release()


class MemoryStore:
    """A store whose records live in memory; hands out units of work like FileStore and PostgresStore."""

    listener = None  # told of every writable unit's commits (storage/unit.py CommitListener)

    def __init__(self, root: Path, settings: Settings) -> None:
        self.root = root
        self.state = State(settings=freeze(settings))
        self._writer = threading.Lock()
        self._sender = threading.Lock()
        self._webhook_sender = threading.Lock()

    @property
    def settings(self) -> Settings:
        """The settings as of the last commit."""
        return Settings.model_validate(self.state.settings)

    def read(self) -> MemoryUnitOfWork:
        """The store as of the last commit, for commands that only read."""
        return MemoryUnitOfWork(self, writable=False)

    def peek(self) -> MemoryUnitOfWork:
        """As `read`."""
        return self.read()

    def write(self) -> MemoryUnitOfWork:
        """A unit holding the write lock until it is closed; StoreError if another writer keeps it too long."""
        if not self._writer.acquire(timeout=self._lock_timeout()):
            raise StoreError("store is locked by another bookctl; retry")
        try:
            unit = MemoryUnitOfWork(self, writable=True)
            unit.listener = self.listener
            return unit
        except BaseException:
            self._writer.release()
            raise

    def sending(self) -> _SendingLock:
        """Held while the outbox is sent."""
        if not self._sender.acquire(timeout=self._lock_timeout()):
            raise StoreError("another bookctl is sending the outbox; retry")
        return _SendingLock(self._sender)

    def webhook_sending(self) -> _SendingLock:
        """Held while webhook deliveries are POSTed, apart from the write lock."""
        if not self._webhook_sender.acquire(timeout=self._lock_timeout()):
            raise StoreError("another bookctl is sending webhooks; retry")
        return _SendingLock(self._webhook_sender)

    def upgrade(self) -> tuple[int, int]:
        """Memory is always at this bookctl's schema."""
        return SCHEMA_VERSION, SCHEMA_VERSION

    # --- for its units ---------------------------------------------------------------------------
    def publish(self, state: State) -> None:
        """Make a writer's state the store's: what every unit opened from now on sees."""
        self.state = state

    def release(self) -> None:
        self._writer.release()

    def _lock_timeout(self) -> float:
        from bookctl.storage.settings_file import lock_timeout

        return float(lock_timeout(lambda: self.state.settings["store"]["lock_timeout_seconds"]))


__all__ = ["MemoryStore", "MemoryUnitOfWork"]
