"""Bookings as an iCalendar file (RFC 5545), written with the icalendar library, one VEVENT each.

The calendar's head, its VTIMEZONE and each event are serialized one by one, so the file streams
in bounded memory however many bookings it holds."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime
from typing import Any, TextIO

from bookctl import __version__
from bookctl.timeutil import load_zone


def write_ics(records: Iterable[dict[str, Any]], out: TextIO, *, zone_name: str, business: str, now: datetime,
              days: tuple[date, date] | None) -> int:
    """Write a VCALENDAR with the store's VTIMEZONE and one VEVENT per record; returns the event count."""
    from icalendar import Calendar, Timezone

    calendar = Calendar()
    calendar.add("prodid", f"-//bookctl//bookctl {__version__}//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", f"{business} bookings")
    calendar.add("x-wr-timezone", zone_name)
    head = calendar.to_ical().decode("utf-8")
    end_line = "END:VCALENDAR\r\n"
    assert head.endswith(end_line)
    out.write(head[: -len(end_line)])
    zone = load_zone(zone_name)
    first, last = days if days else (now.date(), now.date())
    # The VTIMEZONE covers the exported period (plus a year after its end for the last DST change).
    out.write(Timezone.from_tzinfo(zone, tzid=zone_name, first_date=date(first.year, 1, 1),
                                   last_date=date(last.year + 1, 12, 31)).to_ical().decode("utf-8"))
    stamp = now.astimezone(UTC)
    count = 0
    for record in records:
        out.write(_event(record, zone, stamp).to_ical().decode("utf-8"))
        count += 1
    out.write(end_line)
    return count


def _event(record: dict[str, Any], zone: Any, stamp: datetime) -> Any:
    from icalendar import Event, vCalAddress

    event = Event()
    event.add("uid", f"{record['id']}@bookctl")
    event.add("dtstamp", stamp)
    event.add("dtstart", datetime.fromisoformat(record["start"]).astimezone(zone))
    event.add("dtend", datetime.fromisoformat(record["end"]).astimezone(zone))
    who = record["contact_name"] or record["contact_id"]
    event.add("summary", f"{record['service']}: {who}")
    event.add("status", "CANCELLED" if record["status"] == "cancelled" else "CONFIRMED")
    event.add("categories", [record["service"]])
    lines = [
        f"Booking: {record['id']}",
        f"Client: {who}",
        *([f"Staff: {record['staff']}"] if record["staff"] else []),
        f"Attendance: {record['attendance']}",
        f"Payment: {record['payment_status']} (price {record['price']['amount']}, paid {record['paid']['amount']}, "
        f"due {record['due']['amount']} {record['price']['currency']})",
        *(f"{key}: {value}" for key, value in sorted(record["form_responses"].items())),
    ]
    event.add("description", "\n".join(lines))
    if record["contact_email"]:
        attendee = vCalAddress(f"mailto:{record['contact_email']}")
        attendee.params["cn"] = who
        attendee.params["role"] = "REQ-PARTICIPANT"
        event.add("attendee", attendee, encode=0)
    return event
