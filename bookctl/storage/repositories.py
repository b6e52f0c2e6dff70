"""The repositories of a unit of work, as cosmicpython's `uow.batches`: one small interface per
kind of record, the same on every backend.

    uow.calendar    sessions and bookings            uow.documents  invoices and quotes
    uow.ledger      payments, refunds, fees           uow.cards      notes, tasks, attachments
    uow.contacts    clients                           uow.outbox     queued email
    uow.replies     idempotency records               uow.settings   the business (a record too)
    uow.timetable   recurring schedules, staff time off  uow.webhooks  queued webhook deliveries
    uow.plans       packs and memberships, and the passes sold of them

What is the same for every backend is written here, once: how ids are minted (a session, booking or
ledger entry id carries its UTC day; contacts, invoices, quotes, notes, tasks, attachments and
messages count), that a new booking (and a new pass) is linked on its contact, where a ledger entry belongs (with its
booking, or with an invoice that has none) and how a duplicate email is verified. A backend supplies
the `_`-prefixed primitives. No method here persists anything: every record handed out is tracked by
the unit of work (storage/unit.py), and `commit()` writes what changed.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from bookctl.domain.ids import contact_id, contact_number, day_id, home_day
from bookctl.domain.invoices import Invoice, Quote, invoice_id, quote_id
from bookctl.domain.models import Booking, Contact, Session
from bookctl.domain.payments import LedgerEntry
from bookctl.errors import NotFoundError

if TYPE_CHECKING:
    from bookctl.domain.cards import Card
    from bookctl.domain.plans import Pass, Plan
    from bookctl.domain.records import BookingLike, ContactLike, EntryLike, SessionLike
    from bookctl.domain.schedules import Schedule, TimeOff
    from bookctl.storage.card_models import TaskRef
    from bookctl.storage.records import Reply
    from bookctl.storage.unit import UnitOfWork

CardKind = Literal["n", "t", "a"]
# What `Calendar.stream` yields: a session and its bookings (oldest first), each with its ledger entries.
SessionBookings = tuple["SessionLike", list[tuple["BookingLike", Sequence["EntryLike"]]]]
CARD_COUNTERS = {"n": "notes", "t": "tasks", "a": "attachments"}


def utc_day(moment: datetime) -> date:
    """The UTC day a session, and so its id and its file, belongs to."""
    return moment.astimezone(UTC).date()


def email_key(email: str | None) -> str | None:
    """The form emails are compared in: trimmed and case-folded."""
    return None if email is None else email.strip().casefold()


class Repository:
    """A repository is part of one unit of work, whose identity map and counters it uses."""

    def __init__(self, unit: UnitOfWork) -> None:
        self._unit = unit


class Calendar(Repository, ABC):
    """Sessions and their bookings."""

    @abstractmethod
    def get_session(self, session_id: str) -> Session:
        """The session, or NotFoundError."""

    @abstractmethod
    def get_booking(self, booking_id: str) -> Booking:
        """The booking with its ledger entries, or NotFoundError."""

    @abstractmethod
    def session_bookings(self, session: Session) -> list[Booking]:
        """Every booking of `session`, cancelled ones included, oldest first."""

    @abstractmethod
    def sessions_starting(self, start: datetime, end: datetime) -> Iterator[tuple[Session, list[Booking]]]:
        """Sessions whose start is in [start, end) with their bookings (oldest first), one UTC day after
        another; in no particular order within a day. A read-only unit keeps nothing once yielded."""

    def stream(self, start: datetime, end: datetime) -> Iterator[SessionBookings]:
        """What `sessions_starting` yields, read only, for commands that stream rows out (exports,
        listings, reports): each booking comes with its ledger entries (oldest first), and a backend
        with a faster way than its models hands out plain read-only records (`storage.read_records`)
        with the same attributes. Nothing handed out may be changed. By default, the models."""
        for session, bookings in self.sessions_starting(start, end):
            yield session, [(booking, booking.ledger_entries) for booking in bookings]

    @abstractmethod
    def span(self) -> tuple[date, date] | None:
        """A range of UTC days holding every session (its ends may be days that no longer hold one, such as
        a day whose sessions all moved away), or None for a calendar that never held one."""

    def move_session(self, session: Session, start: datetime, end: datetime) -> None:
        """Give `session` (and its bookings) a new time; ids do not change. (A backend that keeps a
        session's records by its day moves them too.)"""
        self._unit.require_writable()
        session.start, session.end = start, end

    def move_booking(self, booking: Booking, to: Session) -> None:
        """Move `booking` into another session; its id does not change."""
        self._unit.require_writable()
        booking.session_id = to.id

    def add_session(self, *, keep_id: str | None = None, **fields: Any) -> Session:
        """Create a session from Session's fields other than `id`; its id carries its UTC day. An
        import passes the id it had in its own store as `keep_id`, kept when it is free (see `_kept`)."""
        day = utc_day(fields["start"])
        kept = self._kept(keep_id, "s", day, self.get_session)
        session = Session(id=kept or day_id("s", day, self._next_in_day(day)), **fields)
        self._insert_session(session)
        return self._unit.made("session", session)

    def add_booking(self, session: Session, *, keep_id: str | None = None, **fields: Any) -> Booking:
        """Create a booking in `session`, linked on its contact (`keep_id` as for `add_session`)."""
        day = utc_day(session.start)
        kept = self._kept(keep_id, "b", day, self.get_booking)
        booking = Booking(id=kept or day_id("b", day, self._next_in_day(day)), session_id=session.id, **fields)
        contact = self._unit.contacts.get(booking.contact_id)
        self._insert_booking(session, booking)
        contact.booking_ids.append(booking.id)
        return self._unit.made("booking", booking)

    def _kept(self, wanted: str | None, prefix: str, day: date, lookup: Any) -> str | None:  # noqa: ANN401
        """`wanted`, when it is an id of this kind minted on `day` that names nothing here, with the
        day's numbering moved past it so that no later id repeats it; else None (mint a new one).
        An import into an empty store so keeps every id, and exports the same bytes it read."""
        if wanted is None or home_day(wanted, prefix) != day:
            return None
        number = int(wanted.rpartition("-")[2])
        if self._may_hold(day, number):
            try:
                lookup(wanted)
                return None
            except NotFoundError:
                pass
        self._reserve_in_day(day, number)
        return wanted

    def _may_hold(self, day: date, number: int) -> bool:
        """Whether an id numbered `number` on `day` may name a record (False: it was never minted, so
        there is nothing to look up). By default, it may."""
        return True

    @abstractmethod
    def _next_in_day(self, day: date) -> int:
        """The next number of the ids minted on `day` (sessions, bookings and ledger entries share it)."""

    @abstractmethod
    def _reserve_in_day(self, day: date, number: int) -> None:
        """Make the next number minted on `day` greater than `number`."""

    @abstractmethod
    def _insert_session(self, session: Session) -> None:
        """Hold a new session."""

    @abstractmethod
    def _insert_booking(self, session: Session, booking: Booking) -> None:
        """Hold a new booking of `session`."""


class Contacts(Repository, ABC):
    """Clients."""

    @abstractmethod
    def get(self, contact_id_: str) -> Contact:
        """The contact, or NotFoundError."""

    def lookup(self, contact_id_: str) -> ContactLike:
        """The contact as a listing reads it (`domain.records.ContactLike`: names, email, phone,
        labels), or NotFoundError: for commands that stream rows out, which may be handed a plain
        read-only record where a backend reads those faster (`storage.read_records.ListedContact`).
        Nothing handed out may be changed. By default, `get`."""
        return self.get(contact_id_)

    @abstractmethod
    def all(self) -> Iterator[Contact]:
        """Every contact, in id order."""

    def booking_index(self) -> Iterator[tuple[str, list[str]]]:
        """(contact id, booking ids) of every contact with a booking and not erased, in no set
        order: for reports that read each client's history by the days its booking ids name. Nothing
        handed out may be changed. By default, through `all`."""
        for contact in self.all():
            if contact.booking_ids and contact.erased_at is None:
                yield contact.id, list(contact.booking_ids)

    def names(self, ids: Sequence[str] | None = None) -> dict[str, str]:
        """id -> display name of the contacts among `ids` (None: every contact) that exist and were not
        erased, in id order: what shell completion shows beside an id. Nothing handed out may be
        changed. By default, through `lookup` (or `all`)."""
        if ids is None:
            return {c.id: c.display_name for c in self.all() if c.erased_at is None}
        found = {}
        for wanted in sorted(set(ids), key=lambda i: contact_number(i) or 0):
            try:
                contact = self.get(wanted)
            except NotFoundError:
                continue
            if contact.erased_at is None:
                found[contact.id] = contact.display_name
        return found

    @abstractmethod
    def remove(self, contact: Contact) -> None:
        """Delete the contact at commit."""

    def add(self, *, keep_id: str | None = None, **fields: Any) -> Contact:
        """Create a contact; its id counts from c-1. An import passes the id the contact had in its
        own store as `keep_id`: kept when no contact has it, the count moved past it."""
        number = contact_number(keep_id) if keep_id else None
        if number is not None:
            try:
                self.get(contact_id(number))
                number = None
            except NotFoundError:
                self._unit.reserve_number("contacts", number)
        contact = Contact(id=contact_id(number if number is not None else self._unit.next_number("contacts")), **fields)
        self._insert(contact)
        return self._unit.made("contact", contact)

    def with_email(self, email: str) -> list[Contact]:
        """The contacts whose primary email is `email` (compared trimmed and case-folded)."""
        key = email_key(email)
        ids = self._ids_with_email(key or "")
        if ids is None:
            return [c for c in self.all() if email_key(c.email) == key]
        found = []
        for candidate in ids:
            try:
                contact = self.get(candidate)
            except NotFoundError:
                continue  # a stale index entry: it heals when that email next changes
            if email_key(contact.email) == key:
                found.append(contact)
        return found

    def with_label(self, label: str) -> list[Contact]:
        """The contacts having `label` (compared as `label_key` folds it), in id order."""
        key = label_key(label)
        ids = self._ids_with_label(key)
        if ids is None:
            return [c for c in self.all() if key in label_keys(c)]
        found = []
        for candidate in ids:
            try:
                contact = self.get(candidate)
            except NotFoundError:
                continue  # a stale index entry: it heals when that contact's labels next change
            if key in label_keys(contact):
                found.append(contact)
        return found

    @abstractmethod
    def _insert(self, contact: Contact) -> None:
        """Hold a new contact."""

    @abstractmethod
    def _ids_with_email(self, key: str) -> list[str] | None:
        """Ids that may have the email `key` (they are verified), or None to look through every contact."""

    @abstractmethod
    def _ids_with_label(self, key: str) -> list[str] | None:
        """Ids, in id order, that may have a label folding to `key` (they are verified), or None to look
        through every contact. Changes this unit made to its contacts count, committed or not."""


class Ledger(Repository, ABC):
    """The append-only ledger: a pending intent gains its answer once; nothing else ever changes."""

    @abstractmethod
    def of_invoice(self, invoice_id_: str) -> list[LedgerEntry]:
        """The entries of an invoice that belongs to no booking (a booking's are `booking.ledger_entries`)."""

    @abstractmethod
    def pending_homes(self) -> list[tuple[str, str]]:
        """(entry id, booking id or invoice id) of every pending intent, oldest first."""

    @abstractmethod
    def created_between(self, first: date | None, last: date | None) -> Iterator[tuple[str, str]]:
        """(entry id, booking id or invoice id) of entries created in the UTC months from `first` to
        `last` (None: open-ended)."""

    def add(self, home: Booking | Invoice, **fields: Any) -> LedgerEntry:
        """Append an entry to a booking's ledger, or to an invoice's when the invoice has no booking."""
        if isinstance(home, Booking):
            day = utc_day(self._unit.calendar.get_session(home.session_id).start)
            entry = LedgerEntry(id=day_id("p", day, self._unit.calendar._next_in_day(day)), booking_id=home.id,
                                contact_id=home.contact_id, **fields)
            home.ledger_entries.append(entry)
        else:
            if home.booking_id is not None:
                raise ValueError(f"{home.id} belongs to {home.booking_id}: its entries go with the booking")
            seq = 1 + len(self.of_invoice(home.id))
            entry = LedgerEntry(id=f"p-{home.id}-{seq}", booking_id=None, contact_id=home.contact_id,
                                invoice_id=home.id, **fields)
        self._insert(entry)
        return self._unit.made("entry", entry)

    @abstractmethod
    def _insert(self, entry: LedgerEntry) -> None:
        """Hold a new entry beside its booking or invoice."""


class Documents(Repository, ABC):
    """Invoices and price quotes, numbered INV-0001 and Q-0001 up."""

    def get_invoice(self, record_id: str) -> Invoice:
        """The invoice, or NotFoundError."""
        return self._get("invoice", record_id)

    def invoices(self) -> Iterator[Invoice]:
        """Every invoice, in number order."""
        return self._all("invoice")

    def get_quote(self, record_id: str) -> Quote:
        """The quote, or NotFoundError."""
        return self._get("quote", record_id)

    def quotes(self) -> Iterator[Quote]:
        """Every quote, in number order."""
        return self._all("quote")

    def invoices_of(self, contact_id_: str) -> list[Invoice]:
        """The invoices of contact `contact_id_`, in number order."""
        return self._of_contact("invoice", contact_id_)

    def quotes_of(self, contact_id_: str) -> list[Quote]:
        """The quotes of contact `contact_id_`, in number order."""
        return self._of_contact("quote", contact_id_)

    def _of_contact(self, kind: str, contact_id_: str) -> list[Any]:
        ids = self._ids_of_contact(kind, contact_id_)
        if ids is None:
            return [d for d in self._all(kind) if d.contact_id == contact_id_]
        found = []
        for candidate in ids:
            try:
                document = self._get(kind, candidate)
            except NotFoundError:
                continue  # a stale index entry: the index is verified, never trusted
            if document.contact_id == contact_id_:
                found.append(document)
        return found

    @abstractmethod
    def _ids_of_contact(self, kind: str, contact_id_: str) -> list[str] | None:
        """Ids, in number order, of the "invoice"s or "quote"s that may be contact `contact_id_`'s (they are
        verified), or None to look through every one. Changes this unit made count, committed or not."""

    @abstractmethod
    def _get(self, kind: str, record_id: str) -> Any:  # noqa: ANN401
        """The "invoice" or "quote" `record_id` (NotFoundError "no invoice 'X'" if there is none)."""

    @abstractmethod
    def _all(self, kind: str) -> Iterator[Any]:
        """Every "invoice" or "quote", in number order."""

    def add_invoice(self, **fields: Any) -> Invoice:
        """Create an invoice numbered after the last one."""
        invoice = Invoice(id=invoice_id(self._unit.next_number("invoices")), **fields)
        self._insert(invoice)
        return self._unit.made("invoice", invoice)

    def add_quote(self, **fields: Any) -> Quote:
        """Create a quote numbered after the last one."""
        quote = Quote(id=quote_id(self._unit.next_number("quotes")), **fields)
        self._insert(quote)
        return self._unit.made("quote", quote)

    @abstractmethod
    def _insert(self, document: Invoice | Quote) -> None:
        """Hold a new invoice or quote."""


class Cards(Repository, ABC):
    """What a contact's card holds beyond the contact: notes, tasks and attachments (with their bytes)."""

    @abstractmethod
    def get(self, contact_id_: str) -> Card:
        """The card of `contact_id_` (an empty one if it has none); the caller checks the contact."""

    @abstractmethod
    def tasks(self) -> dict[str, TaskRef]:
        """Every task id with its contact, assignee, due day and state, as of the last commit."""

    @abstractmethod
    def attachments(self) -> dict[str, str]:
        """Every attachment id with its contact, as of the last commit."""

    @abstractmethod
    def owner(self, item_id: str) -> str | None:
        """The contact whose card holds task or attachment `item_id` (as of the last commit), or None."""

    def new_id(self, kind: CardKind) -> str:
        """A new note (`n-N`), task (`t-N`) or attachment (`a-N`) id."""
        return f"{kind}-{self._unit.next_number(CARD_COUNTERS[kind])}"

    @abstractmethod
    def put_bytes(self, attachment_id: str, data: bytes) -> None:
        """Keep an attachment's bytes, written at commit with everything else."""

    @abstractmethod
    def read_bytes(self, attachment_id: str) -> bytes:
        """An attachment's stored bytes, or StoreError naming what is lost."""

    @abstractmethod
    def delete_bytes(self, attachment_id: str) -> None:
        """Remove an attachment's bytes at commit."""

    def bytes_location(self, attachment_id: str) -> str:
        """Where an attachment's bytes are kept, for a message that they are lost."""
        return f"the bytes of {attachment_id}"


class Outbox(Repository, ABC):
    """Email waiting for a mail server: RFC 5322 bytes by message id, oldest first."""

    @abstractmethod
    def ids(self) -> list[str]:
        """The ids of the queued messages, oldest first."""

    @abstractmethod
    def read(self, message_id: str) -> bytes:
        """The queued message's bytes, or NotFoundError."""

    @abstractmethod
    def remove(self, message_id: str) -> None:
        """Take a message out at commit (one already gone is fine)."""

    def add(self, created: datetime, data: bytes) -> str:
        """Queue a message at commit; its id (m-YYYYMMDD-HHMMSS-N) is never reused once it is sent."""
        stem = f"m-{created.astimezone(UTC):%Y%m%d-%H%M%S}"
        taken = set(self.ids())
        message_id = f"{stem}-{self._unit.next_number('messages')}"
        while message_id in taken:  # a store from before the counter may hold that id already
            message_id = f"{stem}-{self._unit.next_number('messages')}"
        self._put(message_id, data)
        return message_id

    @abstractmethod
    def _put(self, message_id: str, data: bytes) -> None:
        """Hold a new message."""


class Replies(Repository, ABC):
    """What a money-moving command answered the first time it ran with an idempotency key."""

    @abstractmethod
    def get(self, key: str) -> Reply | None:
        """The reply kept for `key`, or None."""

    @abstractmethod
    def add(self, key: str, arguments: str, result: Any) -> None:  # noqa: ANN401
        """Keep the first answer to `key` (its `arguments` fingerprint and `result`)."""


class Timetable(Repository, ABC):
    """Recurring schedules (`sch-N`) and staff time off (`off-N`): few records, read whole."""

    def schedule(self, schedule_id: str) -> Schedule:
        """The schedule, or NotFoundError."""
        found = self._schedules().get(schedule_id)
        if found is None:
            raise NotFoundError(f"no schedule {schedule_id!r}; see 'bookctl schedule list'")
        return self._unit.seen("schedule", found)

    def schedules(self) -> list[Schedule]:
        """Every schedule, in number order."""
        return [self._unit.seen("schedule", s) for s in sorted(self._schedules().values(), key=_number)]

    def add_schedule(self, **fields: Any) -> Schedule:
        """Create a schedule from Schedule's fields other than `id`."""
        from bookctl.domain.schedules import Schedule

        schedule = Schedule(id=f"sch-{self._unit.next_number('schedules')}", **fields)
        self._insert("schedule", schedule)
        return self._unit.made("schedule", schedule)

    def time_off(self, staff_id: str | None = None) -> list[TimeOff]:
        """The time off of `staff_id` (everyone's when None), by start."""
        found = [t for t in self._time_off().values() if staff_id is None or t.staff_id == staff_id]
        return [self._unit.seen("time_off", t) for t in sorted(found, key=lambda t: (t.start, _number(t)))]

    def get_time_off(self, time_off_id: str) -> TimeOff:
        """One time off, or NotFoundError."""
        found = self._time_off().get(time_off_id)
        if found is None:
            raise NotFoundError(f"no time off {time_off_id!r}; see 'bookctl staff show STAFF'")
        return self._unit.seen("time_off", found)

    def add_time_off(self, **fields: Any) -> TimeOff:
        """Record time off from TimeOff's fields other than `id`."""
        from bookctl.domain.schedules import TimeOff

        time_off = TimeOff(id=f"off-{self._unit.next_number('time_off')}", **fields)
        self._insert("time_off", time_off)
        return self._unit.made("time_off", time_off)

    def remove_time_off(self, time_off: TimeOff) -> None:
        """Delete a time off at commit."""
        self._unit.require_writable()
        self._unit.forget("time_off", time_off.id)
        self._delete("time_off", time_off.id)

    @abstractmethod
    def _schedules(self) -> dict[str, Schedule]:
        """Every schedule by id, this unit's changes included (the same objects each call)."""

    @abstractmethod
    def _time_off(self) -> dict[str, TimeOff]:
        """Every time off by id, this unit's changes included (the same objects each call)."""

    @abstractmethod
    def _insert(self, kind: str, record: Schedule | TimeOff) -> None:
        """Hold a new "schedule" or "time_off"."""

    @abstractmethod
    def _delete(self, kind: str, record_id: str) -> None:
        """Remove a "time_off" at commit."""


class Plans(Repository, ABC):
    """Plans (`pl-N`: few, read whole) and the passes sold of them (`ps-N`: one per sale, many). One
    repository for both, as the timetable holds schedules and time off: a pass is made from a plan and
    shown with it. A new pass is linked on its contact (`Contact.pass_ids`), so a contact's passes are
    found without reading every pass, as its bookings are."""

    def plan(self, plan_id: str) -> Plan:
        """The plan, or NotFoundError."""
        found = self._plans().get(plan_id)
        if found is None:
            raise NotFoundError(f"no plan {plan_id!r}; see 'bookctl plan list --all'")
        return self._unit.seen("plan", found)

    def plans(self) -> list[Plan]:
        """Every plan, archived ones too, in number order."""
        return [self._unit.seen("plan", p) for p in sorted(self._plans().values(), key=_number)]

    def add_plan(self, **fields: Any) -> Plan:
        """Create a plan from Plan's fields other than `id`."""
        from bookctl.domain.plans import Plan

        plan = Plan(id=f"pl-{self._unit.next_number('plans')}", **fields)
        self._insert_plan(plan)
        return self._unit.made("plan", plan)

    def get_pass(self, pass_id: str) -> Pass:
        """The pass, or NotFoundError."""
        found = self._load_pass(pass_id) if _PASS_ID.fullmatch(pass_id) else None
        if found is None:
            raise NotFoundError(f"no pass {pass_id!r}; see 'bookctl contact passes CONTACT'")
        return self._unit.seen("pass", found)

    def passes_of(self, contact_id_: str) -> list[Pass]:
        """The passes of contact `contact_id_` (NotFoundError if there is no such contact), oldest first."""
        return [self.get_pass(pass_id) for pass_id in self._unit.contacts.get(contact_id_).pass_ids]

    def passes(self) -> Iterator[Pass]:
        """Every pass, in number order (this unit's changes included): for `plan expire` and copies."""
        return (self._unit.seen("pass", p) for p in sorted(self._all_passes(), key=_number))

    def add_pass(self, **fields: Any) -> Pass:
        """Create a pass from Pass's fields other than `id` (domain.plans.pass_fields), linked on its contact."""
        from bookctl.domain.plans import Pass

        contact = self._unit.contacts.get(fields["contact_id"])
        sold = Pass(id=f"ps-{self._unit.next_number('passes')}", **fields)
        self._insert_pass(sold)
        contact.pass_ids.append(sold.id)
        return self._unit.made("pass", sold)

    @abstractmethod
    def _plans(self) -> dict[str, Plan]:
        """Every plan by id, this unit's changes included (the same objects each call)."""

    @abstractmethod
    def _insert_plan(self, plan: Plan) -> None:
        """Hold a new plan."""

    @abstractmethod
    def _load_pass(self, pass_id: str) -> Pass | None:
        """The pass `pass_id` (the same object each call within a unit), or None."""

    @abstractmethod
    def _all_passes(self) -> Iterator[Pass]:
        """Every pass, this unit's changes included, in any order (the objects `_load_pass` gives)."""

    @abstractmethod
    def _insert_pass(self, sold: Pass) -> None:
        """Hold a new pass."""


class WebhookDelivery(BaseModel):
    """One event on its way to one webhook: the exact body POSTed at every attempt (so its event id and
    what is signed never change), and how the attempts went. `failed`: given up, kept for the operator."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^wd-[1-9][0-9]*$")
    webhook_id: str = Field(pattern=r"^wh-[1-9][0-9]*$")
    event: str
    event_id: str
    body: bytes  # UTF-8 JSON: kept as text in a file, as bytea in PostgreSQL
    created_at: datetime
    attempts: int = Field(default=0, ge=0)
    next_attempt_at: datetime
    last_error: str | None = None
    status: Literal["queued", "failed"] = "queued"


class WebhookQueue(Repository, ABC):
    """Webhook deliveries (wd-N, oldest first), queued in the commit that made their event and taken out
    once the receiver answered 2xx. A delivery handed out is a copy: `save` it to keep a change."""

    def add(self, webhook_id: str, event: str, event_id: str, body: bytes, now: datetime) -> WebhookDelivery:
        """Queue a delivery at commit, due at once; its id counts every delivery the store ever queued."""
        self._unit.require_writable()
        delivery = WebhookDelivery(id=f"wd-{self._unit.next_number('deliveries')}", webhook_id=webhook_id,
                                   event=event, event_id=event_id, body=body, created_at=now, next_attempt_at=now)
        self._put(delivery)
        return delivery

    def all(self) -> list[WebhookDelivery]:
        """Every delivery, queued or failed, oldest first (this unit's changes included)."""
        from bookctl.domain.ids import id_order

        return sorted(self._all(), key=lambda d: id_order(d.id))

    def find(self, delivery_id: str) -> WebhookDelivery | None:
        """The delivery, or None if it is not (or no longer) queued."""
        return next((d for d in self._all() if d.id == delivery_id), None)

    def due(self, now: datetime) -> list[WebhookDelivery]:
        """The queued deliveries whose next attempt is due at `now`, oldest first."""
        return [d for d in self.all() if d.status == "queued" and d.next_attempt_at <= now]

    def of_webhook(self, webhook_id: str) -> list[WebhookDelivery]:
        """The deliveries of one webhook, oldest first."""
        return [d for d in self.all() if d.webhook_id == webhook_id]

    def save(self, delivery: WebhookDelivery) -> None:
        """Keep a delivery's new state (its attempts, next attempt, error) at commit."""
        self._unit.require_writable()
        self._put(delivery.model_copy())

    @abstractmethod
    def remove(self, delivery_id: str) -> None:
        """Take a delivery out at commit (one already gone is fine)."""

    @abstractmethod
    def _all(self) -> Iterator[WebhookDelivery]:
        """Every delivery, this unit's changes included, in any order; fresh copies."""

    @abstractmethod
    def _put(self, delivery: WebhookDelivery) -> None:
        """Hold a new or changed delivery."""


_PASS_ID = re.compile(r"ps-[1-9][0-9]{0,17}")


def _number(record: Any) -> int:  # noqa: ANN401
    """12 for `sch-12`, `off-12`, `pl-12` or `ps-12`."""
    return int(record.id.rpartition("-")[2])


def label_key(label: str) -> str:
    """The form a label is looked up and indexed in: trimmed and folded, as `contact list --label`
    compares them ('  Zoë ' and 'ZOE' are one label)."""
    from bookctl.domain.values import fold

    return fold(label.strip())


def label_keys(contact: Contact) -> set[str]:
    """The folded forms of a contact's labels."""
    from bookctl.domain.values import fold

    return {fold(label) for label in contact.labels}
