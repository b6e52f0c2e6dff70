"""Bookings as an iCalendar feed (RFC 5545; METHOD:PUBLISH, RFC 5546), one VEVENT each.

Times are the store zone's wall clock under its TZID, which the VTIMEZONE describes from the
zone's own transitions. A wall time the autumn fold makes ambiguous (02:30 happens twice in Rome
on 2027-10-31) is written in UTC instead, start and end alike: every reader then finds each
event's true instant and duration. The calendar's head, its VTIMEZONE and each event are
serialized one by one, so the file streams in bounded memory however many bookings it holds."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any, TextIO

from bookctl import __version__
from bookctl.output.vcard import fold

# How far apart the VTIMEZONE scan looks at the zone's offset: no zone changes it and back within a
# day, and a day keeps a 1,100-year calendar's VTIMEZONE to about a second.
_SCAN_STEP = timedelta(days=1)
# How far before the period the scan starts, to find the change that began the observance in force.
_LOOK_BACK = timedelta(days=400)


def event_uid(booking_id: str, store_id: str) -> str:
    """A booking's UID: its id, which another store may also have, scoped by this store's id."""
    return f"{booking_id}@{store_id}.bookctl"


def write_ics(records: Iterable[dict[str, Any]], out: TextIO, *, zone_name: str, business: str, store_id: str,
              organizer_email: str | None, now: datetime, days: tuple[date, date] | None) -> int:
    """Write a VCALENDAR with the store's VTIMEZONE and one VEVENT per record; returns the event count.

    Each record is an export record with `sequence` and `staff_email` (booking_records(calendar=True)).
    The ORGANIZER is the business: `organizer_email` (email.sender) when set, else the store's urn:uuid."""
    from icalendar import Calendar, Parameters

    from bookctl.timeutil import load_zone

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
    out.write(vtimezone(zone, zone_name, date(first.year, 1, 1), date(last.year + 1, 12, 31)))
    address = f"mailto:{organizer_email}" if organizer_email else uuid.UUID(hex=store_id).urn
    organizer = f"ORGANIZER;{Parameters({'CN': business}).to_ical().decode('utf-8')}:{address}"
    stamp = _utc(now)
    count = 0
    for record in records:
        out.write(_event(record, zone, zone_name, store_id, organizer, stamp))
        count += 1
    out.write(end_line)
    return count


def vtimezone(zone: tzinfo, zone_name: str, first: date, last: date) -> str:
    """A VTIMEZONE for `zone` from `first` to `last`: one observance per kind of change (offset
    before, after, name), each change at its onset in the local time before it (RFC 5545 3.6.5)."""
    from icalendar.prop import vText

    start = datetime(first.year, first.month, first.day, tzinfo=zone).astimezone(UTC)
    stop = datetime(last.year, last.month, last.day, tzinfo=zone).astimezone(UTC)
    changes = list(_transitions(zone, start - _LOOK_BACK, stop))
    earlier = sum(1 for change in changes if change[0] <= start)
    if earlier:  # what is in force at the start began with the last change before it
        changes = changes[earlier - 1:]
    else:  # no change for over a year: the offset in force began from the standard one
        offset, name, dst = _state(zone, start)
        changes.insert(0, (start, offset - dst, (offset, name, dst)))
    observances: dict[tuple[timedelta, timedelta, str, bool], list[datetime]] = {}
    for moment, before, (after, name, dst) in changes:
        # Clocks going forward begin summer time, also where the zone calls winter time the
        # exception (Dublin, Casablanca): readers take DAYLIGHT for the larger offset.
        summer = after > before if after != before else dst > timedelta(0)
        # The onset is a wall time on the clock before the change: Rome's spring one is 02:00, not 03:00.
        observances.setdefault((before, after, name, summer), []).append((moment + before).replace(tzinfo=None))
    lines = ["BEGIN:VTIMEZONE", f"TZID:{zone_name}"]
    for (before, after, name, summer), onsets in observances.items():
        kind = "DAYLIGHT" if summer else "STANDARD"
        lines += [f"BEGIN:{kind}", f"DTSTART:{onsets[0]:%Y%m%dT%H%M%S}",
                  *(f"RDATE:{onset:%Y%m%dT%H%M%S}" for onset in onsets[1:]),
                  f"TZNAME:{vText(name).to_ical().decode('utf-8')}",
                  f"TZOFFSETFROM:{_offset(before)}", f"TZOFFSETTO:{_offset(after)}", f"END:{kind}"]
    lines.append("END:VTIMEZONE")
    return "".join(fold(line) for line in lines)


def _state(zone: tzinfo, moment: datetime) -> tuple[timedelta, str, timedelta]:
    """The offset, abbreviation and summer-time shift in `zone` at the UTC `moment`."""
    local = moment.astimezone(zone)
    offset = local.utcoffset() or timedelta(0)
    return offset, local.tzname() or _offset(offset), local.dst() or timedelta(0)


def _transitions(zone: tzinfo, start: datetime, stop: datetime
                 ) -> Iterator[tuple[datetime, timedelta, tuple[timedelta, str, timedelta]]]:
    """Each change of `zone` between the UTC instants: (its first UTC second, offset before, state after)."""
    moment, state = start, _state(zone, start)
    while moment < stop:
        ahead = moment + _SCAN_STEP
        if _state(zone, ahead) == state:
            moment = ahead
            continue
        low, high = moment, ahead  # the change is in (low, high]: halve to the second
        while high - low > timedelta(seconds=1):
            middle = low + timedelta(seconds=(high - low) // timedelta(seconds=1) // 2)
            low, high = (middle, high) if _state(zone, middle) == state else (low, middle)
        before, state = state[0], _state(zone, high)
        yield high, before, state
        moment = high  # scan on from the change: another may follow within the step


def _offset(delta: timedelta) -> str:
    """A UTC offset as +HHMM, or +HHMMSS when it has seconds (an old local mean time)."""
    seconds = int(delta.total_seconds())
    sign, seconds = "-" if seconds < 0 else "+", abs(seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{sign}{hours:02}{minutes:02}{seconds:02}" if seconds else f"{sign}{hours:02}{minutes:02}"


def _utc(moment: datetime) -> str:
    return f"{moment.astimezone(UTC):%Y%m%dT%H%M%SZ}"


def _ambiguous(moment: datetime, zone: tzinfo) -> bool:
    """Whether `moment`'s wall time in `zone` names two instants (the hour the clocks go back)."""
    wall = moment.astimezone(zone)
    return wall.replace(fold=1 - wall.fold).utcoffset() != wall.utcoffset()


def _times(start: datetime, end: datetime, zone: tzinfo, zone_name: str) -> list[str]:
    """DTSTART and DTEND: wall clock under the TZID, or both in UTC when either is in the fold."""
    if _ambiguous(start, zone) or _ambiguous(end, zone):
        return [f"DTSTART:{_utc(start)}", f"DTEND:{_utc(end)}"]
    # No TZID on a UTC time (RFC 5545 3.2.19), so the wall time is written without a zone.
    return [f"DTSTART;TZID={zone_name}:{start.astimezone(zone):%Y%m%dT%H%M%S}",
            f"DTEND;TZID={zone_name}:{end.astimezone(zone):%Y%m%dT%H%M%S}"]


def _event(record: dict[str, Any], zone: tzinfo, zone_name: str, store_id: str, organizer: str, stamp: str) -> str:
    """One VEVENT. Values are encoded by icalendar's property types (escaping, parameters); the
    lines are folded here, because icalendar's per-character folding is 60 % of a large export."""
    from icalendar import Parameters
    from icalendar.prop import vText

    def text(value: str) -> str:
        return vText(value).to_ical().decode("utf-8")

    def attendee(name: str, role: str, email: str) -> str:
        return f"ATTENDEE;{Parameters({'CN': name, 'ROLE': role}).to_ical().decode('utf-8')}:mailto:{email}"

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
        f"UID:{text(event_uid(record['id'], store_id))}",
        f"DTSTAMP:{stamp}",
        *_times(datetime.fromisoformat(record["start"]), datetime.fromisoformat(record["end"]), zone, zone_name),
        # Raised by every change of the booking, so a calendar that has the event replaces it.
        f"SEQUENCE:{record['sequence']}",
        f"CREATED:{_utc(datetime.fromisoformat(record['created_at']))}",
        f"SUMMARY:{text(record['service'] + ': ' + who)}",
        f"STATUS:{'CANCELLED' if record['status'] == 'cancelled' else 'CONFIRMED'}",
        f"CATEGORIES:{text(record['service'])}",
        f"DESCRIPTION:{text(chr(10).join(description))}",
        organizer,
    ]
    if record["staff"] and record["staff_email"]:
        lines.append(attendee(record["staff"], "CHAIR", record["staff_email"]))  # runs the session
    if record["contact_email"]:
        lines.append(attendee(who, "REQ-PARTICIPANT", record["contact_email"]))
    lines.append("END:VEVENT")
    return "".join(fold(line) for line in lines)
