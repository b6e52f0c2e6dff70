"""The repository / unit-of-work interface every service uses. No service knows which store it has.

Use it as cosmicpython does: `with store.write() as uow: ...; uow.commit()`. Leaving the block
without `commit()` discards every change.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

from bookctl.domain.models import Booking, Contact, Session
from bookctl.domain.settings import Settings


class UnitOfWork(ABC):
    """A consistent view of the store; a writable one holds the store lock until it is closed."""

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
    def sessions_starting(self, start: datetime, end: datetime) -> Iterator[Session]:
        """Sessions whose start is in [start, end), in no particular order."""

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

    # --- the unit of work -----------------------------------------------------------------
    @abstractmethod
    def commit(self) -> None:
        """Make every change of this unit durable at once."""

    def __enter__(self) -> UnitOfWork:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @abstractmethod
    def close(self) -> None:
        """Discard uncommitted changes and release the lock."""
