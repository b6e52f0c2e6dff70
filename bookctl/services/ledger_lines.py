"""The ledger entries of a period, each with the booking and session it belongs to: what the revenue
report and `export ledger` read (bookctl #21).

The ledger's month index (`Ledger.created_between`) names each entry created in the period and its
home, a booking or an invoice. A booking id carries the UTC day of the file it was made in, so the
homes' days are read through the streaming read path (`Calendar.stream`, plain records), a run of
neighbouring days at a time, and only those days: a year's entries cost the days their bookings are
on, not the whole calendar. A booking that moved away from its first day (rare) is looked up one by
one; an invoice with no booking gives its own entries. Memory grows with the period's entries, not
with the store.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, NamedTuple

from bookctl.domain.ids import home_day, id_order
from bookctl.timeutil import day_bounds, load_zone

if TYPE_CHECKING:
    from bookctl.domain.records import BookingLike, SessionLike
    from bookctl.storage.unit import UnitOfWork

# Days between two wanted days that are read anyway, rather than starting a second stream.
_GAP_DAYS = 3


class LedgerLine(NamedTuple):
    """One ledger entry with its booking and the booking's session (both None for an invoice that
    belongs to no booking). `entry` is a read record or a model: read only."""

    entry: object  # payments.LedgerEntry or read_records.EntryRecord (domain.records.EntryLike and more)
    booking: BookingLike | None
    session: SessionLike | None


def ledger_lines(uow: UnitOfWork, first: date, last: date,
                 each_session: Callable[[SessionLike, list[tuple[BookingLike, Sequence[object]]]], None] | None = None,
                 ) -> list[LedgerLine]:
    """Every ledger entry created on the local days `first` to `last` (inclusive), whatever its
    status, oldest first (then by id).

    A report that reads the period's sessions anyway passes `each_session`: the period is then read
    once, each session (with its bookings and their entries) handed to it, and the entries found
    on the way taken from there; only the bookings elsewhere (paid ahead, or late) are read after."""
    zone = load_zone(uow.settings.business.timezone)
    start, end = day_bounds(first, zone)[0], day_bounds(last, zone)[1]
    # The index is by UTC month; a local day can straddle two of them: widen by a day either side.
    wanted: dict[str, set[str]] = {}
    for entry_id, home in uow.ledger.created_between(first - timedelta(days=1), last + timedelta(days=1)):
        wanted.setdefault(home, set()).add(entry_id)
    lines: list[LedgerLine] = []
    if each_session is not None:
        for session, bookings in uow.calendar.stream(start, end):
            each_session(session, bookings)
            for booking, entries in bookings:
                ids = wanted.pop(booking.id, None)
                if ids:
                    lines.extend(LedgerLine(e, booking, session) for e in entries if e.id in ids)  # type: ignore[attr-defined]
    lines += _lines(uow, wanted)
    lines = [line for line in lines if start <= line.entry.created_at < end]  # type: ignore[attr-defined]
    lines.sort(key=lambda line: (line.entry.created_at, id_order(line.entry.id)))  # type: ignore[attr-defined]
    return lines


def _lines(uow: UnitOfWork, wanted: dict[str, set[str]]) -> Iterator[LedgerLine]:
    invoices = sorted(home for home in wanted if home_day(home, "b") is None)
    for booking, entries, session in bookings_of(uow, [home for home in wanted if home_day(home, "b") is not None]):
        ids = wanted[booking.id]
        yield from (LedgerLine(e, booking, session) for e in entries if e.id in ids)  # type: ignore[attr-defined]
    for home in invoices:
        yield from (LedgerLine(e, None, None) for e in uow.ledger.of_invoice(home) if e.id in wanted[home])


def bookings_of(uow: UnitOfWork, booking_ids: Iterable[str]) -> Iterator[tuple[BookingLike, Sequence[object], SessionLike]]:
    """The bookings named, each with its ledger entries and its session, read only, in no set
    order: through the streaming read path, a run of the days their ids name at a time, and one by
    one for a booking that moved away from that day. An id that names no booking is left out."""
    from bookctl.errors import NotFoundError

    by_day: dict[date, set[str]] = {}
    for booking_id in booking_ids:
        day = home_day(booking_id, "b")
        if day is not None:
            by_day.setdefault(day, set()).add(booking_id)
    found: set[str] = set()
    for low, high in _runs(sorted(by_day)):
        homes = {home for day, day_homes in by_day.items() if low <= day <= high for home in day_homes}
        begin = datetime(low.year, low.month, low.day, tzinfo=UTC)
        for session, bookings in uow.calendar.stream(begin, datetime(high.year, high.month, high.day, tzinfo=UTC)
                                                     + timedelta(days=1)):
            for booking, entries in bookings:
                if booking.id in homes:
                    found.add(booking.id)
                    yield booking, entries, session
    for home in sorted((home for homes in by_day.values() for home in homes if home not in found), key=id_order):
        try:
            booking = uow.calendar.get_booking(home)
        except NotFoundError:
            continue
        yield booking, booking.ledger_entries, uow.calendar.get_session(booking.session_id)


def _runs(days: list[date]) -> Iterator[tuple[date, date]]:
    """Sorted days as (first, last) runs, neighbours up to _GAP_DAYS apart joined."""
    if not days:
        return
    low = high = days[0]
    for day in days[1:]:
        if (day - high).days > _GAP_DAYS + 1:
            yield low, high
            low = day
        high = day
    yield low, high
