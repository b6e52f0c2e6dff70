"""The read path's records: sessions, bookings and ledger entries as plain read-only structures.

Commands that only stream rows out (exports, listings, reports) read the calendar through
`Calendar.stream`, which hands out these instead of validated models: msgspec Structs with the
models' fields, names, types, bounds and defaults, decoded from a whole day file in one call (the
file store) or built from a cursor's rows (PostgreSQL). They satisfy the protocols of
`bookctl.domain.records`, so the views and `payments.figures` treat them as they treat the models.

Being as strict as the models is a rule, not a hope: `tests/unit/test_read_records.py` checks that
every field matches its model's and that no file these accept is one the models refuse. A file they
refuse is read again through the models, which either accept it (pydantic's lax rules coerce a few
more forms) or name the file and field exactly as before.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

import msgspec
from msgspec import Meta, Struct

from bookctl.domain.models import display_name
from bookctl.domain.money import KNOWN_CURRENCIES

Aware = Annotated[datetime, Meta(tz=True)]
Currency = Literal[tuple(sorted(KNOWN_CURRENCIES))]  # type: ignore[valid-type]  # Money's validator, as a type


class MoneyRecord(Struct, frozen=True, forbid_unknown_fields=True, gc=False):
    """Money: minor units and a known currency."""

    minor: int
    currency: Currency


class SessionRecord(Struct, frozen=True, kw_only=True, forbid_unknown_fields=True, gc=False):
    """models.Session."""

    id: str
    service_id: str
    staff_id: str | None = None
    start: Aware
    end: Aware
    capacity: Annotated[int, Meta(ge=1, le=10_000)]
    status: Literal["scheduled", "cancelled"] = "scheduled"
    created_at: Aware
    schedule_id: str | None = None


class BookingRecord(Struct, frozen=True, kw_only=True, forbid_unknown_fields=True, gc=False):
    """models.Booking (its ledger entries travel beside it)."""

    id: str
    session_id: str
    contact_id: str
    status: Literal["confirmed", "cancelled", "waitlisted", "offered"] = "confirmed"
    attendance: Literal["booked", "checked_in", "no_show"] = "booked"
    price: MoneyRecord
    form_responses: dict[str, str] = {}
    created_at: Aware
    cancelled_at: Aware | None = None
    revision: Annotated[int, Meta(ge=0)] = 0
    course_booking_id: str | None = None
    reminded: list[str] = []
    offer_expires_at: Aware | None = None
    pass_id: str | None = None


class EntryRecord(Struct, frozen=True, kw_only=True, forbid_unknown_fields=True, gc=False):
    """payments.LedgerEntry."""

    id: str
    booking_id: str | None = None
    contact_id: str
    kind: Literal["charge", "refund", "cancellation_fee", "no_show_fee"]
    method: Literal["card", "invoice", "in_person"] | None = None
    provider: str | None = None
    amount: MoneyRecord
    status: Literal["succeeded", "failed", "pending", "voided", "kept", "due"]
    reference: str | None = None
    created_at: Aware
    refund_of: str | None = None
    invoice_id: str | None = None
    deposit: bool = False
    card_brand: str | None = None
    card_last4: str | None = None
    reason: str | None = None
    failure: str | None = None
    idempotency_key: str | None = None
    request: dict[str, Any] | None = None
    settled_at: Aware | None = None


class DayRecords(Struct, frozen=True, kw_only=True, forbid_unknown_fields=True, gc=False):
    """files.calendar.DayFile: one UTC day's sessions, bookings, ledger and moved records."""

    schema_version: int  # required here: a file without one is refused, as load_json refuses it
    day: date
    next_seq: Annotated[int, Meta(ge=1)] = 1
    sessions: dict[str, SessionRecord] = {}
    bookings: dict[str, BookingRecord] = {}
    moved: dict[str, date] = {}
    ledger: dict[str, EntryRecord] = {}


class SavedCardRecord(Struct, frozen=True, kw_only=True, forbid_unknown_fields=True, gc=False):
    """models.SavedCard."""

    provider: str
    method: str
    brand: str | None = None
    last4: str | None = None


class ContactRecord(Struct, frozen=True, kw_only=True, forbid_unknown_fields=True, gc=False):
    """models.Contact."""

    id: str
    first_name: str
    last_name: str | None = None
    email: str | None = None
    phone: str | None = None
    address: str | None = None
    emails: list[str] = []
    phones: list[str] = []
    addresses: list[str] = []
    company: str | None = None
    position: str | None = None
    language: str | None = None
    tax_id: str | None = None
    birthday: date | None = None
    custom_fields: dict[str, str] = {}
    labels: list[str] = []
    created_at: Aware
    booking_ids: list[str] = []
    pass_ids: list[str] = []
    saved_card: SavedCardRecord | None = None
    erased_at: Aware | None = None

    @property
    def display_name(self) -> str:
        """As Contact.display_name."""
        return display_name(self.first_name, self.last_name)


class ListedContact(Struct, frozen=True, kw_only=True, gc=False):
    """What a listing reads of a contact (domain.records.ContactLike), kept for every contact a long
    export meets: not its booking index, which grows with the calendar."""

    id: str
    first_name: str
    last_name: str | None
    email: str | None
    phone: str | None
    labels: list[str]

    @property
    def display_name(self) -> str:
        """As Contact.display_name."""
        return display_name(self.first_name, self.last_name)

    @classmethod
    def of(cls, contact: ContactRecord) -> ListedContact:
        """The listing's part of a decoded contact."""
        return cls(id=contact.id, first_name=contact.first_name, last_name=contact.last_name, email=contact.email,
                   phone=contact.phone, labels=contact.labels)


class ContactShardRecords(Struct, frozen=True, kw_only=True, forbid_unknown_fields=True, gc=False):
    """files.contacts.ContactShard."""

    schema_version: int  # required, as load_json requires it
    contacts: dict[str, ContactRecord] = {}


class NamedContact(Struct, frozen=True, kw_only=True, gc=False):
    """What shell completion shows of a contact: its name. Decoded leniently (other fields are skipped,
    not checked): a name beside an id decides nothing, and every command reads the contact in full."""

    id: str
    first_name: str
    last_name: str | None = None
    erased_at: str | None = None


class ContactNamesShard(Struct, frozen=True, kw_only=True, gc=False):
    """The names of files.contacts.ContactShard."""

    schema_version: int
    contacts: dict[str, NamedContact] = {}


_DAY_DECODER = msgspec.json.Decoder(DayRecords)
_NAMES_DECODER = msgspec.json.Decoder(ContactNamesShard)
_SHARD_DECODER = msgspec.json.Decoder(ContactShardRecords)


def decode_day(raw: bytes) -> DayRecords | None:
    """A day file's records, or None when the fast decoder refuses the file (the caller then reads it
    through the models, which accept it or say exactly what is wrong)."""
    return _decode(_DAY_DECODER, raw)


def decode_contact_shard(raw: bytes) -> ContactShardRecords | None:
    """A contact shard's records, or None when the fast decoder refuses it (as decode_day)."""
    return _decode(_SHARD_DECODER, raw)


def decode_contact_names(raw: bytes) -> ContactNamesShard | None:
    """A contact shard's names (NamedContact), or None when the file is not one."""
    return _decode(_NAMES_DECODER, raw)


def _decode(decoder: msgspec.json.Decoder, raw: bytes) -> Any:  # noqa: ANN401
    try:
        return decoder.decode(raw)
    except msgspec.DecodeError:  # a ValidationError is one too
        return None
