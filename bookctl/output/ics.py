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
from typing import TYPE_CHECKING, Any, TextIO

from bookctl import __version__
from bookctl.domain.models import event_sequence
from bookctl.domain.money import _amount_text
from bookctl.output import batched
from bookctl.output.vcard import fold

if TYPE_CHECKING:
    from bookctl.services.exports import ExportRow

# How far apart the VTIMEZONE scan looks at the zone's offset: no zone changes it and back within a
# day, and a day keeps a 1,100-year calendar's VTIMEZONE to about a second.
_SCAN_STEP = timedelta(days=1)
# How far before the period the scan starts, to find the change that began the observance in force.
_LOOK_BACK = timedelta(days=400)


def event_uid(booking_id: str, store_id: str) -> str:
    """A booking's UID: its id, which another store may also have, scoped by this store's id."""
    return f"{booking_id}@{store_id}.bookctl"


def write_ics(rows: Iterable[ExportRow], out: TextIO, *, zone_name: str, business: str, store_id: str,
              organizer_email: str | None, now: datetime, days: tuple[date, date] | None) -> int:
    """Write a VCALENDAR with the store's VTIMEZONE and one VEVENT per export row; returns the count.

    The ORGANIZER is the business: `organizer_email` (email.sender) when set, else the store's urn:uuid."""
    from icalendar import Calendar, Parameters

    from bookctl.timeutil import load_zone

    zone = load_zone(zone_name)
    address = f"mailto:{organizer_email}" if organizer_email else uuid.UUID(hex=store_id).urn
    organizer = f"ORGANIZER;{Parameters({'CN': business}).to_ical().decode('utf-8')}:{address}"
    events = _Events(zone, zone_name, store_id, fold(organizer), _utc(now))
    chunks = batched(rows, 256)
    # The first events are made before anything is written: a store that cannot be read prints
    # nothing but its error.
    first = [events.event(row) for row in next(chunks, [])]
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
    low, high = days if days else (now.date(), now.date())
    # The VTIMEZONE covers the exported period (plus a year after its end for the last DST change).
    out.write(vtimezone(zone, zone_name, date(low.year, 1, 1), date(high.year + 1, 12, 31)))
    out.write("".join(first))
    count = len(first)
    for chunk in chunks:
        out.write("".join([events.event(row) for row in chunk]))
        count += len(chunk)
    out.write(end_line)
    return count


def ical_text(value: str) -> str:
    """`value` as an iCalendar TEXT (RFC 5545 3.3.11), as icalendar's vText writes it
    (tests/unit/test_booking_lines.py holds the two to the same text)."""
    if _TEXT_SPECIALS.isdisjoint(value):
        return value
    if "\\" in value:
        value = value.replace("\\N", "\n").replace("\\", "\\\\")
    value = value.replace(";", "\\;").replace(",", "\\,")
    if "\r" in value:
        value = value.replace("\r\n", "\\n").replace("\r", "\n")
    return value.replace("\n", "\\n")


_TEXT_SPECIALS = frozenset("\\;,\r\n")


class _Events:
    """VEVENTs for export rows, with what a session's or a contact's events share worked out once."""

    def __init__(self, zone: tzinfo, zone_name: str, store_id: str, organizer: str, stamp: str) -> None:
        self.zone, self.zone_name, self.store_id = zone, zone_name, store_id
        self.organizer, self.stamp = organizer, fold(f"DTSTAMP:{stamp}")
        self._sessions: dict[int, tuple[Any, tuple[str, str, str]]] = {}
        self._attendees: dict[tuple[str, str, str], str] = {}
        self._clients: dict[str, str] = {}  # by contact id: the client's ATTENDEE line, or ""

    def event(self, row: ExportRow) -> str:
        """One VEVENT, folded."""
        part, booking, found = row.session, row.booking, row.figures
        cached = self._sessions.get(id(part))
        if cached is None or cached[0] is not part:  # an id is reused once its part is gone
            if len(self._sessions) >= 64:
                self._sessions.clear()
            cached = self._sessions[id(part)] = (part, self._session(part))
        times, categories, staff = cached[1]
        who = row.contact.name or booking.contact_id
        currency = booking.price.currency
        description = [
            f"Booking: {booking.id}",
            f"Client: {who}",
            *([f"Staff: {part.staff}"] if part.staff else []),
            f"Attendance: {booking.attendance}",
            f"Payment: {found.status} (price {_amount_text(booking.price.minor, currency)}, "
            f"paid {_amount_text(found.paid, currency)}, due {_amount_text(found.due, currency)} {currency})",
            *(f"{key}: {value}" for key, value in sorted(booking.form_responses.items())),
        ]
        client = self._clients.get(booking.contact_id)
        if client is None:  # one contact, one part: the line is the contact's
            client = self._attendee(who, "REQ-PARTICIPANT", row.contact.email) if row.contact.email else ""
            self._clients[booking.contact_id] = client
        return "".join([
            "BEGIN:VEVENT\r\n",
            fold(f"UID:{ical_text(event_uid(booking.id, self.store_id))}"),
            self.stamp,
            times,
            # Raised by every change of the booking, so a calendar that has the event replaces it.
            f"SEQUENCE:{event_sequence(booking, row.entries)}\r\n",  # short lines: nothing to fold
            f"CREATED:{_utc(booking.created_at)}\r\n",
            fold(f"SUMMARY:{ical_text(part.service + ': ' + who)}"),
            _ICS_STATUS.get(booking.status, "STATUS:CONFIRMED\r\n"),
            categories,
            fold(f"DESCRIPTION:{ical_text(chr(10).join(description))}"),
            self.organizer,
            staff,
            client,
            "END:VEVENT\r\n",
        ])

    def _session(self, part: Any) -> tuple[str, str, str]:  # noqa: ANN401 - a SessionPart
        """The session's DTSTART and DTEND lines, its CATEGORIES line and its staff ATTENDEE line."""
        start, end = datetime.fromisoformat(part.start), datetime.fromisoformat(part.end)
        times = "".join(fold(line) for line in _times(start, end, self.zone, self.zone_name))
        staff = self._attendee(part.staff, "CHAIR", part.staff_email) if part.staff and part.staff_email else ""
        return times, fold(f"CATEGORIES:{ical_text(part.service)}"), staff  # CHAIR: runs the session

    def _attendee(self, name: str, role: str, email: str) -> str:
        key = (name, role, email)
        found = self._attendees.get(key)
        if found is None:
            from icalendar import Parameters

            found = fold(f"ATTENDEE;{Parameters({'CN': name, 'ROLE': role}).to_ical().decode('utf-8')}:mailto:{email}")
            if len(self._attendees) < 65_536:  # one per contact: bounded by the store's contacts
                self._attendees[key] = found
        return found


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
    """`moment` as an iCalendar UTC time, 20261123T100000Z (the ISO text's digits: strftime's, faster)."""
    text = moment.astimezone(UTC).isoformat()
    return f"{text[:4]}{text[5:7]}{text[8:10]}T{text[11:13]}{text[14:16]}{text[17:19]}Z"


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


# A booking's event status: a client still on a waitlist is TENTATIVE (RFC 5545 3.8.1.11).
_ICS_STATUS = {"cancelled": "STATUS:CANCELLED\r\n", "waitlisted": "STATUS:TENTATIVE\r\n", "offered": "STATUS:TENTATIVE\r\n"}
