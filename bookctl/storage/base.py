"""The repository / unit-of-work interface every service uses. No service knows which store it has.

Use it as cosmicpython does: `with store.write() as uow: ...; uow.commit()`. Leaving the block
without `commit()` discards every change.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from bookctl.domain.invoices import Invoice, Quote
from bookctl.domain.models import Booking, Contact, Session
from bookctl.domain.payments import LedgerEntry
from bookctl.domain.settings import Settings

if TYPE_CHECKING:
    from bookctl.domain.cards import Card


class Store(Protocol):
    """Where a store's records are: a directory of files, or a PostgreSQL database."""

    root: Path

    def read(self) -> UnitOfWork:
        """A consistent view for commands that only read."""

    def write(self) -> UnitOfWork:
        """A unit of work holding the store's write lock until it is closed, across every commit."""

    def sending(self) -> Any:  # noqa: ANN401 - anything with release()
        """A lock held while the outbox is sent; `release()` it."""

    def upgrade(self) -> tuple[int, int]:
        """Bring the store to this bookctl's schema: (version before, version after)."""


class UnitOfWork(ABC):
    """A consistent view of the store; a writable one holds the store lock until it is closed."""

    root: Path  # the store's directory (bookctl.toml), whatever holds its records

    def provider_dir(self, name: str) -> Path:
        """A directory of the store's own for payment provider `name`'s files; it may not exist yet."""
        return self.root / "providers" / name

    @property
    @abstractmethod
    def settings(self) -> Settings:
        """The business, policy, services and staff."""

    @abstractmethod
    def save_settings(self) -> None:
        """Write `settings` back at commit."""

    # --- calendar -------------------------------------------------------------------------
    @abstractmethod
    def get_session(self, session_id: str) -> Session:
        """The session, or NotFoundError."""

    @abstractmethod
    def get_booking(self, booking_id: str) -> Booking:
        """The booking, or NotFoundError."""

    @abstractmethod
    def session_bookings(self, session: Session) -> list[Booking]:
        """Every booking of `session`, cancelled ones included, oldest first."""

    @abstractmethod
    def sessions_starting(self, start: datetime, end: datetime) -> Iterator[tuple[Session, list[Booking]]]:
        """Sessions whose start is in [start, end) with their bookings (oldest first), one UTC day after
        another; in no particular order within a day."""

    @abstractmethod
    def calendar_span(self) -> tuple[date, date] | None:
        """The first and last UTC day that hold any session, or None for an empty calendar."""

    @abstractmethod
    def add_session(self, **fields: Any) -> Session:
        """Create a session (its id is minted here) from Session's fields other than `id`."""

    @abstractmethod
    def add_booking(self, session: Session, **fields: Any) -> Booking:
        """Create a booking in `session` and index it on its contact's card."""

    @abstractmethod
    def save_session(self, session: Session) -> None:
        """Write a changed session back at commit."""

    @abstractmethod
    def save_booking(self, booking: Booking) -> None:
        """Write a changed booking back at commit."""

    @abstractmethod
    def move_session(self, session: Session, start: datetime, end: datetime) -> None:
        """Give `session` (and its bookings) a new time; ids do not change."""

    @abstractmethod
    def move_booking(self, booking: Booking, to: Session) -> None:
        """Move `booking` into another session; its id does not change."""

    # --- contacts -------------------------------------------------------------------------
    @abstractmethod
    def get_contact(self, contact_id: str) -> Contact:
        """The contact, or NotFoundError."""

    @abstractmethod
    def add_contact(self, **fields: Any) -> Contact:
        """Create a contact (its id is minted here)."""

    @abstractmethod
    def save_contact(self, contact: Contact) -> None:
        """Write a changed contact back at commit."""

    @abstractmethod
    def delete_contact(self, contact: Contact) -> None:
        """Remove the contact at commit."""

    @abstractmethod
    def iter_contacts(self) -> Iterator[Contact]:
        """Every contact, in id order."""

    # --- payments -------------------------------------------------------------------------
    @abstractmethod
    def add_ledger_entry(self, booking: Booking, **fields: Any) -> LedgerEntry:
        """Append an entry to `booking`'s ledger (its id is minted here); entries are never changed."""

    @abstractmethod
    def save_ledger_entry(self, entry: LedgerEntry) -> None:
        """Write back, at commit, an intent that `domain.payments.settle` just settled: the only
        change an entry may see (PostgreSQL's trigger refuses any other)."""

    @abstractmethod
    def pending_intent_homes(self) -> list[tuple[str, str]]:
        """(entry id, booking id or invoice id) of every pending intent in the store, oldest first."""

    @abstractmethod
    def ledger_entries_between(self, first: date | None, last: date | None) -> Iterator[tuple[str, str]]:
        """(entry id, booking id or invoice id) of entries created in the UTC months from `first` to
        `last` (None: open-ended)."""

    @abstractmethod
    def get_invoice(self, record_id: str) -> Invoice:
        """The invoice, or NotFoundError."""

    @abstractmethod
    def add_invoice(self, **fields: Any) -> Invoice:
        """Create an invoice numbered after the last one (INV-0001, ...)."""

    @abstractmethod
    def save_invoice(self, invoice: Invoice) -> None:
        """Write a changed invoice back at commit."""

    @abstractmethod
    def add_invoice_entry(self, invoice: Invoice, **fields: Any) -> LedgerEntry:
        """Record a payment of an invoice that belongs to no booking, kept with the invoice."""

    @abstractmethod
    def invoice_entries(self, record_id: str) -> list[LedgerEntry]:
        """The ledger entries of an invoice that belongs to no booking."""

    @abstractmethod
    def iter_invoices(self) -> Iterator[Invoice]:
        """Every invoice, in number order."""

    @abstractmethod
    def get_quote(self, record_id: str) -> Quote:
        """The quote, or NotFoundError."""

    @abstractmethod
    def add_quote(self, **fields: Any) -> Quote:
        """Create a quote numbered after the last one (Q-0001, ...)."""

    @abstractmethod
    def save_quote(self, quote: Quote) -> None:
        """Write a changed quote back at commit."""

    @abstractmethod
    def iter_quotes(self) -> Iterator[Quote]:
        """Every quote, in number order."""

    @abstractmethod
    def idempotent_result(self, key: str) -> Any:
        """The record (`arguments`, `result`) kept for an idempotency key, or None."""

    @abstractmethod
    def remember_result(self, key: str, arguments: str, result: Any) -> None:
        """Keep a money-moving command's first answer under its idempotency key."""

    @abstractmethod
    def contacts_with_email(self, email: str) -> list[str] | None:
        """Ids of contacts whose primary email may be `email` (verify each), or None when the store
        keeps no index and the caller must look through every contact."""

    # --- cards: notes, tasks, attachments --------------------------------------------------
    @abstractmethod
    def get_card(self, contact_id: str) -> Card:
        """The notes, tasks and attachments of `contact_id` (empty if none); the caller checks the contact."""

    @abstractmethod
    def save_card(self, contact_id: str) -> None:
        """Write the contact's changed card back at commit."""

    @abstractmethod
    def card_index(self) -> Any:
        """The store-wide index: task id -> contact, assignee, due, done; attachment id -> contact."""

    @abstractmethod
    def save_card_index(self) -> None:
        """Write the changed index back at commit."""

    @abstractmethod
    def mint(self, kind: str) -> str:
        """A new id: `n-N` (note), `t-N` (task) or `a-N` (attachment)."""

    @abstractmethod
    def put_blob(self, attachment_id: str, data: bytes) -> None:
        """Keep an attachment's bytes, written at commit with everything else."""

    @abstractmethod
    def read_blob(self, attachment_id: str) -> bytes:
        """An attachment's stored bytes."""

    @abstractmethod
    def delete_blob(self, attachment_id: str) -> None:
        """Remove an attachment's bytes at commit."""

    # --- outbox ---------------------------------------------------------------------------
    @abstractmethod
    def queue_message(self, created: datetime, data: bytes) -> str:
        """Put an RFC 5322 message in the outbox at commit; returns its id (minted here)."""

    @abstractmethod
    def remove_message(self, message_id: str) -> None:
        """Take a message out of the outbox at commit (a message already gone is fine)."""

    @abstractmethod
    def outbox_ids(self) -> list[str]:
        """The ids of the queued messages, oldest first."""

    @abstractmethod
    def read_message(self, message_id: str) -> bytes:
        """The queued message's bytes, or NotFoundError."""

    @abstractmethod
    def template_override(self, language: str, name: str) -> str | None:
        """The store's own `templates/LANGUAGE/NAME`, if it has one, else None."""

    # --- bulk work ------------------------------------------------------------------------
    def spill(self) -> None:
        """Let go of the calendar records changed so far (they are still committed with the rest),
        so a bulk load's memory stays flat. They cannot be read again in this unit."""

    # --- integrity ------------------------------------------------------------------------
    def damaged_files(self) -> Iterator[tuple[str, str]]:
        """(file, problem) for every part of the store that does not load; `doctor` reports them."""
        return iter(())

    # --- the unit of work -----------------------------------------------------------------
    @abstractmethod
    def commit(self) -> None:
        """Make every change of this unit durable at once. The unit stays usable, and keeps the lock:
        a money-moving command commits its intent, calls the provider, then commits the answer."""

    def __enter__(self) -> UnitOfWork:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @abstractmethod
    def close(self) -> None:
        """Discard uncommitted changes and release the lock."""
