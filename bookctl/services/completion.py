"""What shell completion offers: ids from the store, each with the words that say what it is.

Every query reads a bounded part of the store, whatever its size: the day files of the day asked
about (never the calendar), the contacts' names through `Contacts.names` (the shards, not the
bookings), and the settings for services and staff. Nothing here writes. Each function returns
(value, description) pairs, best first; what the user typed so far (`incomplete`) matches an id's
beginning, or the beginning of a word of its name, accent- and case-insensitively.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, tzinfo

from bookctl.domain.ids import home_day
from bookctl.domain.values import fold
from bookctl.storage.unit import UnitOfWork

Candidate = tuple[str, str]


def name_matches(name: str, incomplete: str) -> bool:
    """Whether folded `incomplete` begins the name or one of its words ('zo', 'mart', 'zoë m')."""
    needle = fold(incomplete.strip())
    if not needle:
        return True
    folded = fold(name)
    return folded.startswith(needle) or any(word.startswith(needle) for word in folded.split())


def _matching(pairs: list[Candidate], incomplete: str) -> list[Candidate]:
    """The pairs whose id begins with `incomplete`; when none does, those whose name matches it."""
    by_id = [pair for pair in pairs if pair[0].startswith(incomplete)]
    return by_id or [pair for pair in pairs if name_matches(pair[1], incomplete)]


def contacts(uow: UnitOfWork, incomplete: str) -> list[Candidate]:
    """Contacts (not erased) in id order: `c-1` finds ids, `zo` finds names."""
    return _matching(list(uow.contacts.names().items()), incomplete)


def services(uow: UnitOfWork, incomplete: str) -> list[Candidate]:
    """Services still offered, in the order of the settings."""
    found = [(s.id, s.name) for s in uow.settings.services.values() if not s.archived]
    return _matching(found, incomplete)


def staff(uow: UnitOfWork, incomplete: str) -> list[Candidate]:
    """Members of staff still working."""
    return _matching([(s.id, s.name) for s in uow.settings.staff.values() if not s.archived], incomplete)


def plans(uow: UnitOfWork, incomplete: str) -> list[Candidate]:
    """Plans still sold (an archived plan sells no more)."""
    return _matching([(p.id, p.name) for p in uow.plans.plans() if not p.archived], incomplete)


def schedules(uow: UnitOfWork, incomplete: str) -> list[Candidate]:
    """Recurring schedules, described by their service, days and time."""
    names = {s.id: s.name for s in uow.settings.services.values()}
    found = [(s.id, f"{names.get(s.service_id, s.service_id)} {','.join(s.days)} {s.at}")
             for s in uow.timetable.schedules()]
    return _matching(found, incomplete)


def _period(incomplete: str, prefix: str, zone: tzinfo, now: datetime) -> tuple[datetime, datetime]:
    """Which sessions to read: the UTC day an id typed as far as its day names (`b-20261120`), else
    the store's today."""
    digits = incomplete[len(prefix):len(prefix) + 8]
    day = home_day(f"{prefix}{digits}-1", prefix[0]) if incomplete.startswith(prefix) and len(digits) == 8 else None
    if day is not None:
        start = datetime.combine(day, time(), UTC)
    else:
        start = datetime.combine(now.astimezone(zone).date(), time(), zone)
    return start, _next_day(start)


def _next_day(start: datetime) -> datetime:
    """The start of the day after `start`'s, in its zone (23 or 25 hours later across a DST change)."""
    following: date = start.date() + timedelta(days=1)
    return datetime.combine(following, time(), start.tzinfo)


def bookings(uow: UnitOfWork, incomplete: str, zone: tzinfo, now: datetime,
             statuses: tuple[str, ...] = ("confirmed",)) -> list[Candidate]:
    """Bookings of today (or of the day a typed id names) with `statuses`, by start: each with its
    time, client and service ('10:00 Zoë Martin, Physiotherapy'), and its attendance or status unless
    that is plain "booked"; a typed word matches the client's or service's name too."""
    start, end = _period(incomplete, "b-", zone, now)
    rows = []
    for session, booked in uow.calendar.stream(start, end):
        for booking, _entries in booked:
            if booking.status in statuses:
                state = booking.status if booking.status != "confirmed" else booking.attendance.replace("_", " ")
                rows.append((session.start, booking.id, booking.contact_id, session.service_id, state))
    rows.sort(key=lambda row: (row[0], row[1]))
    names = uow.contacts.names([row[2] for row in rows])
    services_ = uow.settings.services
    found = []
    for moment, booking_id, contact_id, service_id, state in rows:
        service = services_[service_id].name if service_id in services_ else service_id
        note = "" if state == "booked" else f" ({state})"
        found.append((booking_id, f"{moment.astimezone(zone):%H:%M} {names.get(contact_id, contact_id)}, {service}{note}"))
    return _matching(found, incomplete)


def sessions(uow: UnitOfWork, incomplete: str, zone: tzinfo, now: datetime) -> list[Candidate]:
    """Sessions (not cancelled) of today, or of the day a typed id names, by start: each with its
    time, service and how many are booked."""
    start, end = _period(incomplete, "s-", zone, now)
    rows = []
    for session, booked in uow.calendar.stream(start, end):
        if session.status != "cancelled":
            taken = sum(1 for booking, _entries in booked if booking.status == "confirmed")
            rows.append((session.start, session.id, session.service_id, taken, session.capacity))
    rows.sort(key=lambda row: (row[0], row[1]))
    services_ = uow.settings.services
    found = [(session_id, f"{moment.astimezone(zone):%H:%M} "
                          f"{services_[service_id].name if service_id in services_ else service_id}, {taken}/{capacity} booked")
             for moment, session_id, service_id, taken, capacity in rows]
    return _matching(found, incomplete)
