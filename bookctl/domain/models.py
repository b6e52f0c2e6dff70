"""The records bookctl keeps. Field names are the contract's JSON keys."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any, Literal

from pydantic import AwareDatetime, Field, PrivateAttr

from bookctl.domain.base import Record
from bookctl.domain.hours import WeeklyHours
from bookctl.domain.money import Money

ServiceKind = Literal["appointment", "class", "course"]
SessionStatus = Literal["scheduled", "cancelled"]
# A full class's waitlist (bookctl #20): `waitlisted` waits its turn, `offered` has a place held for it
# until `offer_expires_at`; neither owes anything until it is confirmed.
BookingStatus = Literal["confirmed", "cancelled", "waitlisted", "offered"]
WAITING_STATUSES = ("waitlisted", "offered")
# What takes one of a session's places: a confirmed booking, and a place held on offer.
HOLDS_PLACE = frozenset({"confirmed", "offered"})
Attendance = Literal["booked", "checked_in", "no_show"]
ATTENDANCE_VALUES: tuple[str, ...] = ("booked", "checked_in", "no_show")


CreditForfeit = Literal["late_and_no_show", "no_show", "never"]
CREDIT_FORFEITS: tuple[str, ...] = ("late_and_no_show", "no_show", "never")


class Service(Record):
    """Something a client books: an appointment type, a class or a course, with its booking policy."""

    id: str
    name: str
    kind: ServiceKind = "appointment"
    price: Money
    duration_minutes: int = Field(ge=1, le=24 * 60)
    capacity: int = Field(default=1, ge=1, le=10_000)
    deposit: Money | None = None
    cancellation_fee: Money | None = None
    no_show_fee: Money | None = None
    cancellation_window_hours: int = Field(default=24, ge=0, le=24 * 365)
    # Availability rules (bookctl #19): time kept free around each session for its staff, how long
    # before the start a client may book at the latest, and how far ahead at the most (None: no limit).
    buffer_before_minutes: int = Field(default=0, ge=0, le=24 * 60)
    buffer_after_minutes: int = Field(default=0, ge=0, le=24 * 60)
    min_notice_hours: int = Field(default=0, ge=0, le=24 * 365)
    max_days_ahead: int | None = Field(default=None, ge=1, le=3650)
    # Who may run it; empty: every member of staff.
    staff_ids: list[str] = Field(default_factory=list)
    # How many clients may wait for a place in one full meeting (None: no limit; 0: no waitlist).
    waitlist_size: int | None = Field(default=None, ge=0, le=10_000)
    # What a booking paid with a pass's credit loses (bookctl #23): by default a late cancel (inside the
    # cancellation window) and a no-show forfeit the credit; `no_show`: only a no-show; `never`: the
    # credit always comes back.
    credit_forfeit: CreditForfeit = "late_and_no_show"
    archived: bool = False


class Staff(Record):
    """A member of staff who runs sessions and takes tasks."""

    id: str
    name: str
    email: str | None = None
    # Weekly working hours, local time; None: the business hours of bookctl.toml.
    hours: WeeklyHours | None = None
    archived: bool = False


class Session(Record):
    """One occurrence on the calendar: an appointment, or one meeting of a class or course."""

    id: str
    service_id: str
    staff_id: str | None = None
    start: AwareDatetime
    end: AwareDatetime
    capacity: int = Field(ge=1, le=10_000)
    status: SessionStatus = "scheduled"
    created_at: AwareDatetime
    # The recurring schedule this meeting belongs to, if any (domain/schedules.py).
    schedule_id: str | None = None


class Booking(Record):
    """One client's place in a session. Where and when come from its session."""

    id: str
    session_id: str
    contact_id: str
    status: BookingStatus = "confirmed"
    attendance: Attendance = "booked"
    price: Money
    form_responses: dict[str, str] = Field(default_factory=dict)
    created_at: AwareDatetime
    cancelled_at: AwareDatetime | None = None
    # Raised by each change of the booking itself (attendance, cancel, reschedule, erasure of its
    # answers); with its ledger it is the calendar event's SEQUENCE. Older stores read as 0.
    revision: int = Field(default=0, ge=0)
    # A course is booked whole: the booking of its first meeting holds the course's price and ledger,
    # and the booking of every other meeting names it here (its own price is zero).
    course_booking_id: str | None = None
    # The reminders sent for it, each "OFFSET@START" (the offset as configured, the session's start in UTC):
    # a reminder goes once per offset and start, so one for a session that moved goes again (bookctl #20).
    reminded: list[str] = Field(default_factory=list)
    # Until when a place freed in a full class is held for this client (status `offered`).
    offer_expires_at: AwareDatetime | None = None
    # The pass (ps-N) whose credit covers it (bookctl #23): nothing is due, its payment_status is `covered`.
    pass_id: str | None = None
    # Its ledger entries, attached by the store that loaded it (they live beside it in its day file).
    _ledger: list[Any] = PrivateAttr(default_factory=list)

    @property
    def ledger_entries(self) -> list[Any]:
        """The booking's ledger entries, oldest first (see bookctl.domain.payments)."""
        # Straight from pydantic's private store: `self._ledger` goes through __getattr__, a
        # tenth of the cost of every export row.
        return self.__pydantic_private__["_ledger"]  # type: ignore[index]


class SavedCard(Record):
    """A card kept for later fees: the provider's reusable token, brand and last four. Never a number."""

    provider: str
    method: str
    brand: str | None = None
    last4: str | None = None


class Contact(Record):
    """A client's contact card."""

    id: str
    first_name: str
    last_name: str | None = None
    email: str | None = None
    phone: str | None = None
    address: str | None = None
    emails: list[str] = Field(default_factory=list)
    phones: list[str] = Field(default_factory=list)
    addresses: list[str] = Field(default_factory=list)
    company: str | None = None
    position: str | None = None
    language: str | None = None
    tax_id: str | None = None
    birthday: date | None = None
    custom_fields: dict[str, str] = Field(default_factory=dict)
    labels: list[str] = Field(default_factory=list)
    created_at: AwareDatetime
    # The contact's bookings, kept in the same unit of work as the bookings themselves so the
    # card never has to scan the calendar. Internal: not part of the contact's JSON.
    booking_ids: list[str] = Field(default_factory=list)
    # The contact's passes (domain/plans.py), oldest first, linked as its bookings are. Internal too.
    pass_ids: list[str] = Field(default_factory=list)
    # The card on file for no-show fees (`payment collect --save-card`). Internal, like booking_ids.
    saved_card: SavedCard | None = None
    # Set when the contact was erased: the id stays (bookings point at it), the personal data is gone.
    erased_at: AwareDatetime | None = None

    @property
    def display_name(self) -> str:
        """First and last name as one would address the client."""
        return display_name(self.first_name, self.last_name)


def display_name(first_name: str, last_name: str | None) -> str:
    """A contact's first and last name as one would address the client."""
    return f"{first_name} {last_name}" if last_name else first_name


def event_sequence(booking: Any, entries: Sequence[Any] | None = None) -> int:
    """The booking's SEQUENCE: how often it changed since it was made. Its own fields count in
    `revision`; each ledger entry recorded for it (its own, by default), and each provider answer
    settled on one, counts once more (the ledger only grows and an entry settles once, so the sum
    never goes down). `booking` is a Booking or the read path's record of one."""
    entries = booking.ledger_entries if entries is None else entries
    return booking.revision + len(entries) + sum(1 for entry in entries if entry.settled_at is not None)


FieldType = Literal["text", "number", "date", "url"]
FIELD_TYPES: tuple[str, ...] = ("text", "number", "date", "url")


def overlaps(a_start: datetime, a_end: datetime, b_start: datetime, b_end: datetime) -> bool:
    """Half-open intervals [start, end) overlap: back-to-back sessions do not clash."""
    return a_start < b_end and b_start < a_end
