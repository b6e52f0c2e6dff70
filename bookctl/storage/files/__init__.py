"""The embedded store: a directory with `bookctl.toml` and JSON data files.

Layout (every JSON file carries `schema_version`):
    bookctl.toml                      business, policy, services, staff (storage/settings_file.py)
    data/days/YYYY/YYYY-MM-DD.json    sessions, bookings and their ledger (files/calendar.py, ledger.py)
    data/days/YYYY/days.json          the days of YYYY that have a file (files/days.py)
    data/contacts/NNNNN.json          contacts, 256 a file (files/contacts.py); data/emails/ and
                                      data/labels/ index their emails and labels (files/emails.py, labels.py)
    data/counters.json                the last contact, invoice, quote, note, task, attachment, message numbers
    data/ledger/                      the month and pending-intent indexes of the ledger (files/ledger.py)
    data/invoices/, data/quotes/      documents (files/documents.py); data/contact-documents/ each
                                      contact's (files/contact_documents.py)
    data/cards/, data/attachments/    notes, tasks, attachments (files/cards.py)
    data/plans.json, data/passes/     plans, and passes 256 a file (files/plans.py)
    data/idempotency/XX.json          idempotency replies (files/replies.py)
    outbox/m-YYYYMMDD-HHMMSS-N.eml    queued email (files/outbox.py)
    webhooks/wd-N.json                queued webhook deliveries (files/webhooks.py)
A command touching one booking opens its day file and its contact's shard: a bounded set of files,
whatever the size of the store; a contact's card and a label's contacts cost what they hold. Every commit goes through the journal (files/journal.py): all or none.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from bookctl.errors import StoreError
from bookctl.storage.files import journal
from bookctl.storage.io import write_atomic
from bookctl.storage.settings_file import SETTINGS_NAME, read_settings, write_settings

if TYPE_CHECKING:
    from bookctl.domain.settings import Settings
    from bookctl.storage.files.unit import FileUnitOfWork

LOCK_NAME = ".bookctl.lock"
OUTBOX_LOCK_NAME = ".outbox.lock"
WEBHOOKS_LOCK_NAME = ".webhooks.lock"
DATA_SCHEMA_VERSION = 1


class FileStore:
    """A store directory; hands out read-only and locked, writable units of work."""

    listener = None  # told of every writable unit's commits (storage/unit.py CommitListener)

    def __init__(self, root: Path) -> None:
        self.root = root

    @classmethod
    def create(cls, root: Path, settings: Settings) -> FileStore:
        """Make `root` a new store holding `settings`."""
        root.mkdir(parents=True, exist_ok=True)
        (root / "data").mkdir(exist_ok=True)
        gitignore = root / ".gitignore"
        if not gitignore.exists():
            write_atomic(gitignore, f"{LOCK_NAME}\n{OUTBOX_LOCK_NAME}\n{WEBHOOKS_LOCK_NAME}\n{journal.TMP_DIR_NAME}/\n".encode())
        write_settings(root, settings)
        return cls(root)

    def read(self) -> FileUnitOfWork:
        """A lock-free view for commands that only read."""
        from bookctl.storage.files.unit import FileUnitOfWork

        if journal.needs_recovery(self.root):
            self.write().close()  # finishes the interrupted commit under the lock
        return FileUnitOfWork(self.root, lock=None)

    def peek(self) -> FileUnitOfWork:
        """A read-only view that never writes, not even to finish an interrupted commit (StoreError
        then): for shell completion, which must leave the store as it found it."""
        from bookctl.storage.files.unit import FileUnitOfWork

        if journal.needs_recovery(self.root):
            raise StoreError(f"{self.root}: an interrupted commit awaits recovery")
        return FileUnitOfWork(self.root, lock=None)

    def write(self) -> FileUnitOfWork:
        """A unit of work holding the store lock; StoreError if another bookctl keeps it too long."""
        from bookctl.storage.files.unit import FileUnitOfWork

        lock = self._lock(LOCK_NAME, "store is locked by another bookctl; retry")
        try:
            journal.recover(self.root)
        except BaseException:
            lock.release()
            raise
        unit = FileUnitOfWork(self.root, lock=lock)
        unit.listener = self.listener
        return unit

    def sending(self) -> Any:  # noqa: ANN401 - a filelock.FileLock, imported lazily
        """Held while the outbox is being sent, so two senders never send one message twice.

        Separate from the store lock: a slow mail server must not block the calendar."""
        return self._lock(OUTBOX_LOCK_NAME, "another bookctl is sending the outbox; retry")

    def webhook_sending(self) -> Any:  # noqa: ANN401 - a filelock.FileLock
        """Held while webhook deliveries are POSTed, so two senders never POST one at once; apart from
        the store lock, so a slow receiver never blocks the desk."""
        return self._lock(WEBHOOKS_LOCK_NAME, "another bookctl is sending webhooks; retry")

    def _lock(self, name: str, busy: str) -> Any:  # noqa: ANN401
        from filelock import FileLock, Timeout

        from bookctl.storage.settings_file import lock_timeout

        timeout = lock_timeout(lambda: read_settings(self.root / SETTINGS_NAME).store.lock_timeout_seconds)
        lock = FileLock(str(self.root / name), timeout=timeout)
        try:
            lock.acquire()
        except Timeout:
            raise StoreError(busy) from None
        return lock

    def upgrade(self) -> tuple[int, int]:
        """Every file is at DATA_SCHEMA_VERSION, the only one there has been: nothing to do. (A file
        from a newer bookctl is refused when it is read.)"""
        return DATA_SCHEMA_VERSION, DATA_SCHEMA_VERSION
