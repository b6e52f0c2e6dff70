"""Exports for spreadsheets, calendars and cron (seed 004): bookings of a period, and contacts.

Bookings stream one UTC day file at a time (`Calendar.stream`, the read path's plain records),
sorted within the day, so a year of 100k bookings exports in memory that does not grow with the row
count; what a session's or a contact's bookings share is worked out once (`ExportRow`). Contact shards are
cached by the unit of work while streaming: bounded by the number of contacts, not of bookings.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, date, datetime, timedelta, tzinfo
from operator import itemgetter
from typing import TYPE_CHECKING, Any, NamedTuple

from bookctl.domain.ids import id_order
from bookctl.domain.models import Contact
from bookctl.domain.payments import Figures, figures
from bookctl.errors import NotFoundError
from bookctl.services.contacts import list_contacts
from bookctl.services.lookups import find_service, find_staff, fold
from bookctl.services.views import booking_fields, contact_view
from bookctl.storage.unit import UnitOfWork
from bookctl.timeutil import day_bounds, iso, load_zone

if TYPE_CHECKING:
    from bookctl.domain.records import BookingLike, ContactLike, EntryLike, SessionLike
    from bookctl.domain.settings import Settings

# The CSV columns of `export bookings`, in order (documented in the command's help).
BOOKING_CSV_COLUMNS = (
    "booking_id", "date", "start", "end", "service", "staff", "contact_id", "contact_name", "contact_email",
    "contact_phone", "status", "attendance", "payment_status", "price", "paid", "refunded", "due", "currency",
    "form_responses", "duration_minutes",
)
CONTACT_CSV_COLUMNS = (
    "id", "first_name", "last_name", "email", "phone", "address", "emails", "phones", "addresses", "company",
    "position", "language", "tax_id", "birthday", "labels", "custom_fields", "created_at",
)
STATUS_VALUES = ("confirmed", "cancelled", "waitlisted", "offered")


def period(uow: UnitOfWork, first: date | None = None, last: date | None = None) -> tuple[date, date] | None:
    """The inclusive local days to export, `first` to `last`: an open end runs to the calendar's (the
    whole calendar when both are open); None when it is needed and the calendar is empty."""
    if first and last:
        return first, last
    span = uow.calendar.span()
    if span is None:
        return None
    # UTC days of the span; a local day can straddle two UTC days, so widen by one.
    return first or span[0] - timedelta(days=1), last or span[1] + timedelta(days=1)


class BookingFilter:
    """Which bookings an export keeps: attendance, status, service, staff, contact, contact label."""

    def __init__(self, uow: UnitOfWork, *, attendance: Iterable[str] = (), status: Iterable[str] = (),
                 service: str | None = None, staff: str | None = None, contact: str | None = None,
                 labels: list[str] | None = None) -> None:
        """`attendance` (of ATTENDANCE_VALUES) and `status` (of STATUS_VALUES): any of them, none for all."""
        self.attendance = set(attendance)
        self.status = set(status)
        self.service_id = find_service(uow.settings, service).id if service else None
        self.staff_id = find_staff(uow.settings, staff).id if staff else None
        self.contact_id = uow.contacts.get(contact).id if contact else None
        self.labels = [fold(label) for label in labels or []]

    def filters(self) -> bool:
        """Whether `keeps` can say no (a filter on the booking or its contact was given)."""
        return bool(self.attendance or self.status or self.contact_id or self.labels)

    def keeps(self, booking: BookingLike, contact: ContactLike | None) -> bool:
        """Whether `booking` (of `contact`) is exported."""
        if self.attendance and booking.attendance not in self.attendance:
            return False
        if self.status and booking.status not in self.status:
            return False
        if self.contact_id and booking.contact_id != self.contact_id:
            return False
        if self.labels:
            have = {fold(label) for label in contact.labels} if contact else set()
            return all(label in have for label in self.labels)
        return True


class SessionPart(NamedTuple):
    """What every exported booking of one session shares, worked out once per session."""

    id: str
    service_id: str
    staff_id: str | None
    start: str  # ISO 8601 in the store's zone
    end: str
    service: str  # the service's name (its id if it is gone)
    staff: str | None
    staff_email: str | None
    minutes: int  # real elapsed time, exact across a clock change
    zone: tzinfo  # the store's, for the times of the session's bookings


class ContactPart(NamedTuple):
    """What every exported booking of one contact shares (all None for an erased-and-deleted one)."""

    name: str | None
    email: str | None
    phone: str | None


class ExportRow(NamedTuple):
    """One exported booking: its session's and contact's parts, the booking, its figures."""

    session: SessionPart
    contact: ContactPart
    booking: BookingLike
    figures: Figures
    entries: Sequence[EntryLike]  # the booking's ledger entries, oldest first

    @property
    def created_at(self) -> str:
        """When the booking was made, ISO 8601 in the store's zone (worked out only where it is shown)."""
        return iso(self.booking.created_at, self.session.zone)


_NO_CONTACT = ContactPart(None, None, None)
_START_THEN_ID = itemgetter(0, 1)  # of the (start, id order, row) a day's rows are sorted by


def export_rows(uow: UnitOfWork, days: tuple[date, date] | None, keep: BookingFilter,
                progress: Callable[[int, date], None] | None = None) -> Iterator[ExportRow]:
    """The bookings of `days` that `keep` keeps, ordered by start, then id; one UTC day in memory at
    a time, each session's and contact's parts worked out once."""
    if days is None:
        return
    zone = load_zone(uow.settings.business.timezone)
    settings = uow.settings
    start, end = day_bounds(days[0], zone)[0], day_bounds(days[1], zone)[1]
    contacts: dict[str, tuple[ContactLike | None, ContactPart]] = {}
    buffered: list[tuple[datetime, tuple[str, int], ExportRow]] = []
    current: date | None = None
    filtering = keep.filters()
    day_start = day_end = start  # the UTC day being read: the stream reads one day file after another
    done = 0
    for session, bookings in uow.calendar.stream(start, end):
        if keep.service_id and session.service_id != keep.service_id or keep.staff_id and session.staff_id != keep.staff_id:
            continue
        if not day_start <= session.start < day_end:
            if current is not None:
                buffered.sort(key=_START_THEN_ID)
                yield from (row for _, _, row in buffered)
                done += len(buffered)
                buffered.clear()
                if progress:
                    progress(done, current)
            current = session.start.astimezone(UTC).date()
            day_start = datetime(current.year, current.month, current.day, tzinfo=UTC)
            day_end = day_start + timedelta(days=1)
        part = None
        for booking, entries in bookings:
            known = contacts.get(booking.contact_id)
            if known is None:
                known = contacts[booking.contact_id] = _contact_part(uow, booking.contact_id)
            if filtering and not keep.keeps(booking, known[0]):
                continue
            part = part or _session_part(settings, session, zone)
            row = ExportRow(part, known[1], booking, figures(booking, entries), entries)
            buffered.append((session.start, id_order(booking.id), row))
    buffered.sort(key=_START_THEN_ID)
    yield from (row for _, _, row in buffered)
    if progress and current is not None:
        progress(done + len(buffered), current)


def _session_part(settings: Settings, session: SessionLike, zone: tzinfo) -> SessionPart:
    service = settings.services.get(session.service_id)
    staff = settings.staff.get(session.staff_id or "")
    start, end = iso(session.start, zone), iso(session.end, zone)
    # From the offsets as written: two datetimes sharing one zone object subtract as wall clocks, and
    # 01:30 to 03:15 on the spring night would be 105 minutes instead of 45.
    minutes = int((datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds() // 60)
    return SessionPart(session.id, session.service_id, session.staff_id, start, end,
                       service.name if service else session.service_id, staff.name if staff else None,
                       staff.email if staff else None, minutes, zone)


def _contact_part(uow: UnitOfWork, contact_id: str) -> tuple[ContactLike | None, ContactPart]:
    try:
        contact = uow.contacts.lookup(contact_id)
    except NotFoundError:
        return None, _NO_CONTACT  # a deleted contact: the booking is still exported, without a name
    return contact, ContactPart(contact.display_name, contact.email, contact.phone)


def export_record(row: ExportRow) -> dict[str, Any]:
    """The export's JSON record: the booking's JSON keys plus service, staff and contact details."""
    part, contact = row.session, row.contact
    record = booking_fields(row.booking, row.figures, part.id, part.service_id, part.staff_id, part.start,
                            part.end, row.created_at)
    record.update(service=part.service, staff=part.staff, contact_name=contact.name,
                  contact_email=contact.email, contact_phone=contact.phone)
    return record


def booking_csv_row(record: dict[str, Any]) -> list[Any]:
    """A record as the CSV columns' values (`output.write_csv` writes them): local date, HH:MM times,
    money for the amounts, the currency, the form answers as an object, and the real elapsed minutes
    (on the night the clocks go back, 02:30 to 02:15 is 45 minutes; the wall times alone would say -15).
    The streaming export writes the same line from an ExportRow (output.booking_lines)."""
    return [
        record["id"], record["start"][:10], record["start"][11:16], record["end"][11:16], record["service"],
        record["staff"], record["contact_id"], record["contact_name"], record["contact_email"],
        record["contact_phone"], record["status"], record["attendance"], record["payment_status"],
        record["price"], record["paid"], record["refunded"], record["due"], record["price"]["currency"],
        record["form_responses"],
        int((datetime.fromisoformat(record["end"]) - datetime.fromisoformat(record["start"])).total_seconds() // 60),
    ]


def contact_records(uow: UnitOfWork, labels: list[str] | None = None) -> Iterator[tuple[Contact, dict[str, Any]]]:
    """Every contact (having every label in `labels`), in id order, with its JSON."""
    zone = load_zone(uow.settings.business.timezone)
    for contact in list_contacts(uow, labels=labels):
        yield contact, contact_view(contact, zone)


def contact_csv_row(record: dict[str, Any]) -> list[Any]:
    """A contact as the CSV columns' values (`output.write_csv` writes lists as JSON arrays, custom
    fields as a JSON object)."""
    return [record.get(column) for column in CONTACT_CSV_COLUMNS]
