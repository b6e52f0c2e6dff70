"""Bookings as read from a file: bookctl's own `export bookings --format json|ndjson`, or an ICS
calendar (each VEVENT one booking). Each record becomes a `BookingDraft`, its line the one it starts on."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, BinaryIO

from bookctl.errors import UsageError

_ATTENDANCE_LINE = re.compile(r"^Attendance: (booked|checked_in|no_show)$", re.MULTILINE)


@dataclass
class BookingDraft:
    """One booking as the file has it; ids and names are the source store's."""

    line: int
    start: datetime | None = None
    end: datetime | None = None
    service: str | None = None  # an id, else a name
    staff: str | None = None  # an id, a name, or an email (ICS)
    contact_id: str | None = None
    contact_name: str | None = None
    contact_email: str | None = None
    contact_phone: str | None = None
    booking_id: str | None = None
    session_id: str | None = None
    course_booking_id: str | None = None
    status: str = "confirmed"
    attendance: str = "booked"
    price: Any = None  # the export's money JSON, or None: the service's price
    paid: Any = None
    refunded: Any = None
    payment_status: str | None = None
    form_responses: dict[str, str] = field(default_factory=dict)
    created_at: datetime | None = None
    summary: str | None = None  # an ICS event's SUMMARY, when its CATEGORIES name no service
    problem: str | None = None


def _when(value: Any, what: str) -> datetime | None:  # noqa: ANN401
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        raise UsageError(f"{what} {str(value)[:40]!r} is not an ISO 8601 time") from None
    if moment.tzinfo is None:
        raise UsageError(f"{what} {value!r} has no UTC offset")
    return moment


def _from_record(line: int, record: Any) -> BookingDraft:  # noqa: ANN401
    draft = BookingDraft(line)
    if not isinstance(record, dict):
        draft.problem = "the record is not a JSON object"
        return draft
    try:
        draft.start, draft.end = _when(record.get("start"), "start"), _when(record.get("end"), "end")
        draft.created_at = _when(record.get("created_at"), "created_at")
        for name in ("contact_id", "contact_name", "contact_email", "contact_phone", "session_id",
                     "course_booking_id", "payment_status"):
            value = record.get(name)
            setattr(draft, name, None if value is None else str(value))
        draft.booking_id = None if record.get("id") is None else str(record["id"])
        draft.service = record.get("service_id") or record.get("service")
        draft.staff = record.get("staff_id") or record.get("staff")
        draft.status = str(record.get("status") or "confirmed")
        draft.attendance = str(record.get("attendance") or "booked")
        draft.price, draft.paid, draft.refunded = record.get("price"), record.get("paid"), record.get("refunded")
        answers = record.get("form_responses") or {}
        if not isinstance(answers, dict):
            raise UsageError("form_responses is not a JSON object")
        draft.form_responses = {str(k): str(v) for k, v in answers.items()}
        if draft.start is None:
            raise UsageError("the record has no start")
    except UsageError as exc:
        draft.problem = str(exc)
    return draft


def numbered_lines(stream: BinaryIO, name: str) -> Iterator[tuple[int, str]]:
    """(number, text) of each line of a UTF-8 file read a line at a time: a year's export is never
    held whole. A byte-order mark is dropped; bytes that are not UTF-8 are an error naming the line."""
    for number, raw in enumerate(stream, start=1):
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise UsageError(f"{name} is not UTF-8 text (line {number}); save it as UTF-8 and import it again") from None
        yield number, text.removeprefix("\ufeff") if number == 1 else text


def read_ndjson(lines: Iterable[tuple[int, str]]) -> Iterator[BookingDraft]:
    """One record per line (`export bookings --format ndjson`)."""
    for number, line in lines:
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError as exc:
            yield BookingDraft(number, problem=f"not JSON: {getattr(exc, 'msg', exc)}")
            continue
        yield _from_record(number, record)


def read_json(lines: Iterable[tuple[int, str]]) -> Iterator[BookingDraft]:
    """A JSON array of records (`export bookings --format json`), read a line and a record at a time."""
    decoder = json.JSONDecoder()
    buffer, begins, number, opened = "", 0, 0, False
    for number, text in lines:
        if not opened:
            if not text.strip():
                continue
            if not text.lstrip().startswith("["):
                raise UsageError(f"line {number}: the file is not a JSON array of bookings "
                                 "(give --from ndjson for one a line)")
            opened, text = True, text.lstrip()[1:]
        buffer = (buffer + text).lstrip(" \t\r\n,") if buffer else text.lstrip(" \t\r\n,")
        while buffer:
            if buffer[0] == "]":
                return
            begins = begins or number
            try:
                record, end = decoder.raw_decode(buffer)
            except json.JSONDecodeError as exc:
                if exc.pos >= len(buffer.rstrip()):
                    break  # the record goes on over the next line
                raise UsageError(f"line {begins + buffer.count(chr(10), 0, exc.pos)}: not JSON: {exc.msg}") from None
            yield _from_record(begins, record)
            buffer, begins = buffer[end:].lstrip(" \t\r\n,"), 0
    if buffer.strip():
        try:
            decoder.raw_decode(buffer)
        except json.JSONDecodeError as exc:
            raise UsageError(f"line {begins + buffer.count(chr(10), 0, exc.pos)}: not JSON: {exc.msg}") from None
    raise UsageError(f"line {max(number, 1)}: the JSON array is never closed")


def read_ics(text: str) -> Iterator[BookingDraft]:
    """Each VEVENT a booking: DTSTART/DTEND, the service from CATEGORIES or SUMMARY, the client the
    attendee who is not the chair (its email, CN), the staff the CHAIR attendee's email, STATUS
    CANCELLED, and the attendance when a DESCRIPTION line says it (`Attendance: checked_in`, as
    bookctl writes it)."""
    from icalendar import Calendar

    try:
        calendar = Calendar.from_ical(text)
    except ValueError as exc:
        raise UsageError(f"the file is not an iCalendar file: {str(exc)[:80]}") from None
    lines = _event_lines(text)
    for number, event in enumerate(calendar.walk("VEVENT")):
        draft = BookingDraft(lines[number] if number < len(lines) else 1)
        try:
            _fill_event(draft, event)
        except (UsageError, ValueError, TypeError) as exc:
            draft.problem = str(exc)
        yield draft


def _event_lines(text: str) -> list[int]:
    return [n for n, line in enumerate(text.splitlines(), start=1) if line.strip().upper() == "BEGIN:VEVENT"]


def _fill_event(draft: BookingDraft, event: Any) -> None:  # noqa: ANN401 - an icalendar Event
    start, end = event.get("DTSTART"), event.get("DTEND")
    if start is None or not isinstance(start.dt, datetime):
        raise UsageError("the event has no start time (an all-day event is not a booking)")
    if start.dt.tzinfo is None:
        raise UsageError("the event's start has no time zone")
    draft.start = start.dt
    if end is not None and isinstance(end.dt, datetime):
        draft.end = end.dt
    elif event.get("DURATION") is not None:
        draft.end = draft.start + event.get("DURATION").dt
    categories = event.get("CATEGORIES")
    category = None
    if categories is not None:
        found = categories if isinstance(categories, list) else [categories]
        names = [str(c) for item in found for c in getattr(item, "cats", [item])]
        category = names[0] if names else None
    summary = str(event.get("SUMMARY") or "").strip()
    draft.service = category or summary or None
    draft.summary = summary or None
    status = str(event.get("STATUS") or "CONFIRMED").upper()
    draft.status = "cancelled" if status == "CANCELLED" else "confirmed"
    description = str(event.get("DESCRIPTION") or "")
    match = _ATTENDANCE_LINE.search(description)
    if match:
        draft.attendance = match.group(1)
    attendees = event.get("ATTENDEE")
    for attendee in attendees if isinstance(attendees, list) else [attendees] if attendees is not None else []:
        email = str(attendee).removeprefix("mailto:").removeprefix("MAILTO:")
        role = str(attendee.params.get("ROLE", "")).upper()
        if role == "CHAIR":
            draft.staff = draft.staff or email
        elif draft.contact_email is None:
            draft.contact_email = email
            cn = attendee.params.get("CN")
            draft.contact_name = str(cn) if cn else None
    created = event.get("CREATED")
    if created is not None and isinstance(created.dt, datetime):
        draft.created_at = created.dt
    if draft.contact_email is None:
        raise UsageError("the event has no attendee with an email: the import finds the client by it")

