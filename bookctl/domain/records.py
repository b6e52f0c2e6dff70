"""What the read path's records have in common with the models: the attributes rows are made from.

A command that only streams rows out (an export, a listing, a report) reads day files into plain
read-only records instead of validated models (storage/files/day_records.py); the views and the
payment figures take either, through these protocols, so there is one arithmetic and one layout.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Protocol


class MoneyLike(Protocol):
    """An amount in minor units and its currency."""

    @property
    def minor(self) -> int: ...

    @property
    def currency(self) -> str: ...


class SessionLike(Protocol):
    """A session as rows need it."""

    @property
    def id(self) -> str: ...

    @property
    def service_id(self) -> str: ...

    @property
    def staff_id(self) -> str | None: ...

    @property
    def start(self) -> datetime: ...

    @property
    def end(self) -> datetime: ...

    @property
    def capacity(self) -> int: ...

    @property
    def status(self) -> str: ...

    @property
    def created_at(self) -> datetime: ...


class BookingLike(Protocol):
    """A booking as rows need it (its ledger entries travel beside it)."""

    @property
    def id(self) -> str: ...

    @property
    def session_id(self) -> str: ...

    @property
    def contact_id(self) -> str: ...

    @property
    def status(self) -> str: ...

    @property
    def attendance(self) -> str: ...

    @property
    def price(self) -> MoneyLike: ...

    @property
    def form_responses(self) -> Mapping[str, str]: ...

    @property
    def created_at(self) -> datetime: ...

    @property
    def revision(self) -> int: ...

    @property
    def pass_id(self) -> str | None: ...

    @property
    def course_booking_id(self) -> str | None: ...


class EntryLike(Protocol):
    """A ledger entry as the payment figures need it."""

    @property
    def kind(self) -> str: ...

    @property
    def status(self) -> str: ...

    @property
    def amount(self) -> MoneyLike: ...

    @property
    def idempotency_key(self) -> str | None: ...

    @property
    def invoice_id(self) -> str | None: ...

    @property
    def deposit(self) -> bool: ...

    @property
    def settled_at(self) -> datetime | None: ...


class ContactLike(Protocol):
    """A contact as a listing needs it: who, how to reach them, labels (not its booking index)."""

    @property
    def id(self) -> str: ...

    @property
    def first_name(self) -> str: ...

    @property
    def last_name(self) -> str | None: ...

    @property
    def email(self) -> str | None: ...

    @property
    def phone(self) -> str | None: ...

    @property
    def labels(self) -> list[str]: ...

    @property
    def display_name(self) -> str: ...
