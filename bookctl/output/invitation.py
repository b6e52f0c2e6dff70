"""A booking as an iCalendar invitation for the client's email (RFC 5546 iTIP): METHOD:REQUEST puts
the event in their calendar or updates it, METHOD:CANCEL takes it out.

The VEVENT is the one the ICS export gives the booking, as far as a client's calendar can tell:
the same UID, the same SEQUENCE, the same DTSTART and DTEND under the store zone's TZID (UTC in the
autumn fold), so an invitation and a subscribed export describe one event. Lines are written by
ics.py's helpers (CRLF, folded at 75 octets)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import TYPE_CHECKING, Literal

from bookctl import __version__
from bookctl.domain.models import Booking, Session, event_sequence
from bookctl.output.ics import _times, _utc, event_uid, fold, ical_text, vtimezone

if TYPE_CHECKING:
    from bookctl.storage.unit import UnitOfWork

Method = Literal["REQUEST", "CANCEL"]
METHODS: tuple[str, ...] = ("REQUEST", "CANCEL")


def invitation(uow: UnitOfWork, booking: Booking, session: Session, method: Method, now: datetime) -> bytes:
    """One VCALENDAR (UTF-8 bytes) with `method`, the store zone's VTIMEZONE and the booking's VEVENT,
    stamped `now`. REQUEST is STATUS:CONFIRMED, CANCEL is STATUS:CANCELLED; the SEQUENCE is the
    booking's own (cancelling raised it already).

    A store that has no id yet gets one, as from its first ics export: the caller's commit keeps it."""
    from icalendar import Calendar, Parameters

    from bookctl.services.money import store_id
    from bookctl.timeutil import load_zone

    if method not in METHODS:
        raise ValueError(f"an invitation's method is REQUEST or CANCEL, not {method!r}")
    settings = uow.settings
    zone_name = settings.business.timezone
    zone = load_zone(zone_name)
    store = store_id(uow)
    service = settings.services.get(session.service_id)
    contact = uow.contacts.get(booking.contact_id)
    # The store's urn:uuid, named for the business: the message goes out From email.sender as it is set
    # when it is sent (services/delivery.py), so no address is baked into a queued invitation.
    address = uuid.UUID(hex=store).urn
    organizer = f"ORGANIZER;{Parameters({'CN': settings.business.name}).to_ical().decode('utf-8')}:{address}"
    attendee = ""
    if contact.email:  # RSVP=FALSE: the booking is made; the client is told, not asked
        who = Parameters({"CN": contact.display_name, "ROLE": "REQ-PARTICIPANT", "RSVP": "FALSE"})
        attendee = fold(f"ATTENDEE;{who.to_ical().decode('utf-8')}:mailto:{contact.email}")
    event = "".join([
        "BEGIN:VEVENT\r\n",
        fold(f"UID:{ical_text(event_uid(booking.id, store))}"),
        fold(f"DTSTAMP:{_utc(now)}"),
        *(fold(line) for line in _times(session.start, session.end, zone, zone_name)),
        f"SEQUENCE:{event_sequence(booking)}\r\n",
        fold(f"SUMMARY:{ical_text(service.name if service else session.service_id)}"),
        "STATUS:CANCELLED\r\n" if method == "CANCEL" else "STATUS:CONFIRMED\r\n",
        fold(organizer),
        attendee,
        "END:VEVENT\r\n",
    ])
    calendar = Calendar()
    calendar.add("prodid", f"-//bookctl//bookctl {__version__}//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", method)
    head = calendar.to_ical().decode("utf-8")
    end_line = "END:VCALENDAR\r\n"
    assert head.endswith(end_line)
    year = session.start.astimezone(zone).year
    # As the export's for a period of one day: the event's year and the next.
    zone_part = vtimezone(zone, zone_name, date(year, 1, 1), date(year + 1, 12, 31))
    return (head[: -len(end_line)] + zone_part + event + end_line).encode("utf-8")
