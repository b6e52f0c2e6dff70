"""Exports for spreadsheets, calendars and cron (seed 004): bookings of a period, and contacts.

Bookings stream one UTC day file at a time (`sessions_starting`), sorted within the day, so a year
of 100k bookings exports in memory that does not grow with the row count. Contact shards are
cached by the unit of work while streaming: bounded by the number of contacts, not of bookings.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

from bookctl.domain.ids import id_order
from bookctl.domain.models import Contact
from bookctl.errors import NotFoundError
from bookctl.services.contacts import list_contacts
from bookctl.services.lookups import fold
from bookctl.services.lookups import find_service, find_staff
from bookctl.services.views import booking_view, contact_view
from bookctl.storage.unit import UnitOfWork
from bookctl.timeutil import day_bounds, load_zone

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
STATUS_VALUES = ("confirmed", "cancelled")


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

    def keeps(self, view: dict[str, Any], contact: Contact | None) -> bool:
        """Whether the booking `view` (of `contact`) is exported."""
        if self.attendance and view["attendance"] not in self.attendance:
            return False
        if self.status and view["status"] not in self.status:
            return False
        if self.contact_id and view["contact_id"] != self.contact_id:
            return False
        if self.labels:
            have = {fold(label) for label in contact.labels} if contact else set()
            return all(label in have for label in self.labels)
        return True


def booking_records(uow: UnitOfWork, days: tuple[date, date] | None, keep: BookingFilter,
                    progress: Callable[[int, date], None] | None = None,
                    calendar: bool = False) -> Iterator[dict[str, Any]]:
    """Export records (booking JSON keys plus service, staff and contact details), ordered by start.
    With `calendar`, each also carries what an iCalendar event needs: `sequence` and `staff_email`."""
    if days is None:
        return
    if calendar:
        from bookctl.domain.models import event_sequence as sequence
    zone = load_zone(uow.settings.business.timezone)
    start, end = day_bounds(days[0], zone)[0], day_bounds(days[1], zone)[1]
    buffered: list[tuple[datetime, str, dict[str, Any]]] = []
    current: date | None = None
    done = 0
    for session, bookings in uow.calendar.sessions_starting(start, end):
        if keep.service_id and session.service_id != keep.service_id or keep.staff_id and session.staff_id != keep.staff_id:
            continue
        utc_day = _utc_day(session.start)  # the generator reads one UTC day file after another
        if current is not None and utc_day != current:
            yield from _flush(buffered)
            done += len(buffered)
            buffered.clear()
            if progress:
                progress(done, current)
        current = utc_day
        for booking in bookings:
            view = booking_view(booking, session, zone)
            contact = _contact(uow, booking.contact_id)
            if keep.keeps(view, contact):
                record = _record(uow, view, contact)
                if calendar:
                    staff = uow.settings.staff.get(session.staff_id or "")
                    record.update(sequence=sequence(booking), staff_email=staff.email if staff else None)
                buffered.append((session.start, booking.id, record))
    yield from _flush(buffered)
    if progress and current is not None:
        progress(done + len(buffered), current)


def _utc_day(moment: datetime) -> date:
    return moment.astimezone(UTC).date()


def _flush(buffered: list[tuple[datetime, str, dict[str, Any]]]) -> Iterator[dict[str, Any]]:
    buffered.sort(key=lambda row: (row[0], id_order(row[1])))
    for _, _, record in buffered:
        yield record


def _contact(uow: UnitOfWork, contact_id: str) -> Contact | None:
    try:
        return uow.contacts.get(contact_id)
    except NotFoundError:
        return None  # an erased contact: the booking is still exported, without a name


def _record(uow: UnitOfWork, view: dict[str, Any], contact: Contact | None) -> dict[str, Any]:
    service = uow.settings.services.get(view["service_id"])
    staff = uow.settings.staff.get(view["staff_id"] or "")
    return {
        **view,
        "service": service.name if service else view["service_id"],
        "staff": staff.name if staff else None,
        "contact_name": contact.display_name if contact else None,
        "contact_email": contact.email if contact else None,
        "contact_phone": contact.phone if contact else None,
    }


def booking_csv_row(record: dict[str, Any]) -> list[Any]:
    """A record as the CSV columns' values (`output.write_csv` writes them): local date, HH:MM times,
    money for the amounts, the currency, the form answers as an object, and the real elapsed minutes
    (on the night the clocks go back, 02:30 to 02:15 is 45 minutes; the wall times alone would say -15)."""
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
