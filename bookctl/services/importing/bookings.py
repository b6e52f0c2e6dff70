"""Bookings into the store: each draft matched to a service, staff and client, placed in a session
(a class's one meeting, or an appointment's own), and kept with its attendance, its price and the
money the source says was paid. Ids are the source's where this store has them free, so an export
imported into an empty store with the same services exports the same bytes."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from bookctl.domain import values
from bookctl.domain.models import ATTENDANCE_VALUES, Booking, Contact, Service, Session
from bookctl.domain.money import Money
from bookctl.errors import BookctlError, UsageError
from bookctl.services.contact_fields import check_details
from bookctl.services.importing.booking_files import BookingDraft
from bookctl.services.importing.contacts import (
    ContactIndex,
    ImportSummary,
    refuse_rejects,
)
from bookctl.storage.repositories import utc_day
from bookctl.storage.unit import UnitOfWork

# Spill the calendar records read and made so far to the pending commit, once past this many bookings
# and a new day begins: a year's import (or its re-run) keeps one day in memory, not 100,000 bookings.
SPILL_AFTER = 5000


class OutOfOrder(UsageError):
    """A booking of a day already let go of: the whole import stops."""


@dataclass
class _Day:
    """What one UTC day of the store holds, as the import looks things up in it."""

    sessions: dict[tuple[str, datetime, str | None], Session] = field(default_factory=dict)
    # How many bookings the store had before this import for each (service, start, staff, contact):
    # each row of the file that names one uses one up, so a re-run skips every row and adds nothing.
    booked: Counter[tuple[str, datetime, str | None, str]] = field(default_factory=Counter)
    confirmed: dict[str, int] = field(default_factory=dict)  # session id -> confirmed bookings


class BookingImport:
    """One import's state: the store's days read so far, the contacts by email and phone, and the
    source's ids mapped to this store's."""

    def __init__(self, uow: UnitOfWork, now: datetime, service_ref: str | None) -> None:
        from bookctl.services.lookups import find_service

        self.uow, self.now = uow, now
        self.settings = uow.settings
        self.currency = uow.settings.business.currency
        self.service = find_service(uow.settings, service_ref) if service_ref else None
        self.index = ContactIndex(uow.contacts.all())
        self.days: dict[date, _Day] = {}
        # The days the store's sessions are on: a day outside them holds nothing to read (and on
        # PostgreSQL each read first writes every pending change; an import into an empty store reads none).
        self.span = uow.calendar.span()
        self.sessions: dict[str, Session] = {}  # the source's session id -> the session here
        self.contacts: dict[str, str] = {}  # the source's contact id -> the contact here
        self.bookings: dict[str, str] = {}  # the source's booking id -> the booking here
        self.made = 0  # bookings gone by since the last spill
        self.latest: date | None = None  # the UTC day of the latest booking so far
        self.spilled_before: date | None = None

    # --- lookups ------------------------------------------------------------------------------
    def service_of(self, draft: BookingDraft) -> Service:
        from bookctl.services.lookups import find_service

        if self.service is not None:
            return self.service
        refs = [r for r in (draft.service, draft.summary, (draft.summary or "").partition(": ")[0]) if r]
        if not refs:
            raise UsageError("the booking names no service; give --service")
        for ref in refs[:-1]:
            try:
                return find_service(self.settings, ref)
            except BookctlError:
                continue
        try:
            return find_service(self.settings, refs[-1])
        except BookctlError:
            raise UsageError(f"no service {refs[0]!r} here; add it first (service add), or give --service") from None

    def staff_of(self, draft: BookingDraft) -> str | None:
        from bookctl.services.lookups import find_staff

        ref = draft.staff
        if not ref:
            return None
        if ref in self.settings.staff:
            return ref
        if "@" in ref:  # an ICS chair: staff by email, or nobody in particular
            wanted = ref.casefold()
            return next((s.id for s in self.settings.staff.values() if (s.email or "").casefold() == wanted), None)
        try:
            return find_staff(self.settings, ref).id
        except BookctlError:
            raise UsageError(f"no staff member {ref!r} here; add them first (staff add)") from None

    def known_contact(self, draft: BookingDraft) -> Contact | None:
        """The client if the store has them: the contact this import made for the source's id, else one
        with the email (then phone), else the contact of that id when it has that name; else None."""
        known = self.contacts.get(draft.contact_id or "")
        if known is not None:
            return self.uow.contacts.get(known)
        email, phone = self._reach(draft)
        match = self.index.match({"email": email, "phone": phone})
        contact = self.uow.contacts.get(match[0]) if match is not None else self._same_named(draft)
        if contact is not None and draft.contact_id:
            self.contacts[draft.contact_id] = contact.id
        return contact

    @staticmethod
    def _reach(draft: BookingDraft) -> tuple[str | None, str | None]:
        """The client's email and phone as the file has them, checked as `contact add` checks them."""
        email = values.email(draft.contact_email, "contact_email") if draft.contact_email else None
        phone = values.phone(draft.contact_phone, "contact_phone") if draft.contact_phone else None
        return email, phone

    def _same_named(self, draft: BookingDraft) -> Contact | None:
        from bookctl.errors import NotFoundError

        if not draft.contact_id or not draft.contact_name:
            return None
        try:
            contact = self.uow.contacts.get(draft.contact_id)
        except NotFoundError:
            return None
        return contact if contact.erased_at is None and contact.display_name == draft.contact_name.strip() else None

    def checked_new_contact(self, draft: BookingDraft, today: date) -> dict[str, Any]:
        """The fields of a contact for a client the store lacks, checked as `contact add` checks them."""
        if not draft.contact_name or not draft.contact_name.strip():
            raise UsageError(f"the client ({draft.contact_email or draft.contact_id or 'unknown'}) has no name in "
                             "the file, and a contact needs one")
        given, _, family = draft.contact_name.strip().partition(" ")
        email, phone = self._reach(draft)
        return {"email": email, "phone": phone,
                **check_details(today, {"first_name": "contact_name", "last_name": "contact_name"},
                                first_name=given, last_name=family.strip() or None)}

    def new_contact(self, draft: BookingDraft, fields: dict[str, Any]) -> Contact:
        """Make the client's contact (with the source's id where it is free)."""
        from bookctl.services.contacts import add_contact

        contact = add_contact(self.uow, self.now, allow_duplicate=True, keep_id=draft.contact_id, **fields)
        self.index.add(contact)
        if draft.contact_id:
            self.contacts[draft.contact_id] = contact.id
        return contact

    def day(self, day: date) -> _Day:
        """The store's sessions and bookings of UTC `day`, read once."""
        found = self.days.get(day)
        if found is None:
            if self.spilled_before is not None and day < self.spilled_before:
                raise OutOfOrder(f"a booking on {day} comes after later ones: a file this large must be ordered "
                                 "by start, as export bookings writes it")
            found = self.days[day] = _Day()
            if self.span is None or not self.span[0] <= day <= self.span[1]:
                return found
            start = datetime(day.year, day.month, day.day, tzinfo=UTC)
            for session, bookings in self.uow.calendar.sessions_starting(start, start + timedelta(days=1)):
                found.sessions[(session.service_id, session.start, session.staff_id)] = session
                for booking in bookings:
                    found.booked[(session.service_id, session.start, session.staff_id, booking.contact_id)] += 1
                    if booking.status == "confirmed":
                        found.confirmed[session.id] = found.confirmed.get(session.id, 0) + 1
        return found

    def maybe_spill(self, day: date) -> None:
        """Let go of the days read so far once many bookings went by and `day`, a later one, begins
        (the file is ordered by start, so none of them is needed again)."""
        begins = self.latest is None or day > self.latest
        self.latest = day if begins else self.latest
        self.made += 1
        if self.made < SPILL_AFTER or not begins:
            return
        self.uow.spill()
        self.made = 0
        self.spilled_before = day
        self.days = {d: found for d, found in self.days.items() if d >= day}
        self.sessions = {k: s for k, s in self.sessions.items() if utc_day(s.start) >= day}

    # --- one booking --------------------------------------------------------------------------
    def add(self, draft: BookingDraft, today: date) -> tuple[str, str | None, str]:
        """Import one draft: ('created', booking id, what) or ('skipped', booking id, why)."""
        if draft.problem:
            raise UsageError(draft.problem)
        assert draft.start is not None
        service = self.service_of(draft)
        staff_id = self.staff_of(draft)
        start = draft.start.astimezone(UTC)
        end = draft.end.astimezone(UTC) if draft.end else start + timedelta(minutes=service.duration_minutes)
        if end <= start:
            raise UsageError(f"the booking ends ({draft.end}) before it starts ({draft.start})")
        if draft.status not in ("confirmed", "cancelled"):
            raise UsageError(f"status {draft.status!r}: only confirmed and cancelled bookings are imported")
        if draft.attendance not in ATTENDANCE_VALUES:
            raise UsageError(f"attendance {draft.attendance!r} is not one of {', '.join(ATTENDANCE_VALUES)}")
        if draft.attendance != "booked" and start > self.now:
            raise UsageError(f"attendance {draft.attendance} of a booking that has not started")
        answers = {values.line(k, "form_responses key", values.NAME_LIMIT): values.line(v, f"form_responses {k}")
                   for k, v in draft.form_responses.items()}
        price = self._money(draft.price, "price") if draft.price is not None else service.price
        paid = self._money(draft.paid, "paid") if draft.paid is not None else Money.zero(self.currency)
        refunded = self._money(draft.refunded, "refunded") if draft.refunded is not None else Money.zero(self.currency)
        day = utc_day(start)
        self.maybe_spill(day)
        found = self.day(day)
        # Everything is checked before anything is made: a rejected row leaves no contact or session behind.
        contact = self.known_contact(draft)
        if contact is not None:
            if contact.erased_at is not None:
                raise UsageError(f"contact {contact.id} was erased; an erased client takes no booking")
            key = (service.id, start, staff_id, contact.id)
            if found.booked[key] > 0:
                found.booked[key] -= 1
                return "skipped", None, f"{contact.display_name} is already booked for {service.name} then"
        new_fields = self.checked_new_contact(draft, today) if contact is None else None
        session = self.sessions.get(draft.session_id or "")
        if session is None and service.kind != "appointment":
            session = found.sessions.get((service.id, start, staff_id))
        taken = found.confirmed.get(session.id, 0) if session is not None else 0
        if draft.status == "confirmed" and session is not None and taken >= session.capacity:
            raise UsageError(f"session {session.id} is full: {taken} of {session.capacity} places are booked")
        if new_fields is not None:
            contact = self.new_contact(draft, new_fields)
        assert contact is not None
        if session is None:
            session = self.uow.calendar.add_session(keep_id=draft.session_id, service_id=service.id, staff_id=staff_id,
                                                    start=start, end=end, capacity=service.capacity,
                                                    created_at=draft.created_at or self.now)
            found.sessions.setdefault((service.id, start, staff_id), session)
        if draft.session_id:
            self.sessions[draft.session_id] = session
        if draft.status == "confirmed":
            found.confirmed[session.id] = taken + 1
        booking = self.uow.calendar.add_booking(
            session, keep_id=draft.booking_id, contact_id=contact.id, status=draft.status,
            attendance=draft.attendance, price=price, form_responses=answers,
            created_at=draft.created_at or self.now,
            course_booking_id=self.bookings.get(draft.course_booking_id or ""))
        if draft.booking_id:
            self.bookings[draft.booking_id] = booking.id
        self._payments(booking, paid, refunded, draft.payment_status == "deposit_paid")
        from bookctl.services.places import label_with_service

        label_with_service(contact, service)
        return "created", booking.id, f"{service.name}, {contact.display_name}"

    def _money(self, value: Any, what: str) -> Money:  # noqa: ANN401
        if not isinstance(value, dict) or not isinstance(value.get("amount"), str):
            raise UsageError(f"{what} {str(value)[:40]!r} is not money ({{\"amount\": \"19.90\", \"currency\": ...}})")
        if value.get("currency") != self.currency:
            raise UsageError(f"{what} is in {value.get('currency')!r}; the store keeps {self.currency}")
        return Money.parse(value["amount"], self.currency, what=what)

    def _payments(self, booking: Booking, paid: Money, refunded: Money, deposit: bool) -> None:
        """What the source says was paid, as it was: one charge of all that came in, one refund of
        what went back; recorded in person, as an import knows no provider."""
        if paid.minor <= 0 and refunded.minor <= 0:
            return
        charge = self.uow.ledger.add(booking, kind="charge", method="in_person", provider="manual",
                                     amount=paid + refunded, status="succeeded", reason="imported",
                                     created_at=booking.created_at, deposit=deposit)
        if refunded.minor > 0:
            self.uow.ledger.add(booking, kind="refund", method="in_person", provider="manual", amount=refunded,
                                status="succeeded", refund_of=charge.id, reason="imported",
                                created_at=booking.created_at)


def import_bookings(uow: UnitOfWork, now: datetime, today: date, drafts: Iterable[BookingDraft], *,
                    service_ref: str | None = None, skip_invalid: bool = False, detailed: bool = True,
                    progress: Callable[[int], None] | None = None) -> ImportSummary:
    """Import each draft into the caller's unit of work (which commits, or not, for a dry run). A
    booking the store has (the same client, service and start) is skipped, so a re-run adds nothing;
    any reject refuses the whole import unless `skip_invalid`. `detailed`: the summary lists what
    happened to each draft."""
    summary = ImportSummary(detailed=detailed)
    state = BookingImport(uow, now, service_ref)
    for done, draft in enumerate(drafts, start=1):
        if progress is not None and done % 1000 == 0:
            progress(done)
        try:
            action, booking_id, detail = state.add(draft, today)
        except UsageError as exc:
            if isinstance(exc, OutOfOrder):
                raise UsageError(f"line {draft.line}: {exc}") from None
            summary.note(draft.line, "rejected", detail=str(exc))
            continue
        summary.note(draft.line, action, booking_id, detail)
    refuse_rejects(summary, "bookings", skip_invalid)
    return summary
