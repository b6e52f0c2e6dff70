"""Bookings as an iCalendar file (RFC 5545), written with the icalendar library, one VEVENT each.

The calendar's head, its VTIMEZONE and each event are serialized one by one, so the file streams
in bounded memory however many bookings it holds."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime
from typing import Any, TextIO

from bookctl import __version__
from bookctl.services.vcard import fold
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
    stamp = f"{now.astimezone(UTC):%Y%m%dT%H%M%SZ}"
    count = 0
    for record in records:
        out.write(_event(record, zone, zone_name, stamp))
        count += 1
    out.write(end_line)
    return count


def _event(record: dict[str, Any], zone: Any, zone_name: str, stamp: str) -> str:
    """One VEVENT. Values are encoded by icalendar's property types (escaping, date forms); the
    lines are folded here, because icalendar's per-character folding is 60 % of a large export."""
    from icalendar import Parameters
    from icalendar.prop import vDDDTypes, vText

    def text(value: str) -> str:
        return vText(value).to_ical().decode("utf-8")

    def local(iso_text: str) -> str:
        # Wall-clock time without a zone: the TZID parameter names it (RFC 5545 3.2.19 forbids a TZID
        # on a UTC time, which icalendar writes for a zone-aware UTC datetime).
        wall = datetime.fromisoformat(iso_text).astimezone(zone).replace(tzinfo=None)
        return vDDDTypes(wall).to_ical().decode("ascii")

    who = record["contact_name"] or record["contact_id"]
    description = [
        f"Booking: {record['id']}",
        f"Client: {who}",
        *([f"Staff: {record['staff']}"] if record["staff"] else []),
        f"Attendance: {record['attendance']}",
        f"Payment: {record['payment_status']} (price {record['price']['amount']}, paid {record['paid']['amount']}, "
        f"due {record['due']['amount']} {record['price']['currency']})",
        *(f"{key}: {value}" for key, value in sorted(record["form_responses"].items())),
    ]
    lines = [
        "BEGIN:VEVENT",
        f"UID:{text(record['id'] + '@bookctl')}",
        f"DTSTAMP:{stamp}",
        f"DTSTART;TZID={zone_name}:{local(record['start'])}",
        f"DTEND;TZID={zone_name}:{local(record['end'])}",
        f"SUMMARY:{text(record['service'] + ': ' + who)}",
        f"STATUS:{'CANCELLED' if record['status'] == 'cancelled' else 'CONFIRMED'}",
        f"CATEGORIES:{text(record['service'])}",
        f"DESCRIPTION:{text(chr(10).join(description))}",
    ]
    if record["contact_email"]:
        params = Parameters({"CN": who, "ROLE": "REQ-PARTICIPANT"}).to_ical().decode("utf-8")
        lines.append(f"ATTENDEE;{params}:mailto:{record['contact_email']}")
    lines.append("END:VEVENT")
    return "".join(fold(line) for line in lines)
