"""Sessions and bookings of a memory store, bookings with their ledger entries attached."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from bookctl.domain.ids import id_order
from bookctl.domain.models import Booking, Session
from bookctl.errors import NotFoundError
from bookctl.storage.memory.state import thaw
from bookctl.storage.repositories import Calendar, utc_day

if TYPE_CHECKING:
    from bookctl.storage.memory.unit import MemoryUnitOfWork


def oldest_first(records: list[Any]) -> list[Any]:
    """Bookings or ledger entries in the order they were made: (created_at, id order)."""
    return sorted(records, key=lambda r: (r.created_at, id_order(r.id)))


class MemoryCalendar(Calendar):
    _unit: MemoryUnitOfWork

    def get_session(self, session_id: str) -> Session:
        session = self._unit.known("session", session_id, lambda: self._thaw_session(session_id))
        if session is None:
            raise NotFoundError(f"no session {session_id!r}")
        return session

    def get_booking(self, booking_id: str) -> Booking:
        dump = self._unit.state.bookings.get(booking_id)
        booking = self._unit.known("booking", booking_id, lambda: None if dump is None else self._thaw_booking(dump))
        if booking is None:
            raise NotFoundError(f"no booking {booking_id!r}")
        return booking

    def session_bookings(self, session: Session) -> list[Booking]:
        self._unit.sync()
        return self._bookings_of(session.id)

    def sessions_starting(self, start: datetime, end: datetime) -> Iterator[tuple[Session, list[Booking]]]:
        unit = self._unit
        unit.sync()
        first, last = utc_day(start).isoformat(), utc_day(end).isoformat()
        for day in [d for d in unit.state.calendar_days() if first <= d <= last]:
            unit.sync()  # what the caller changed in the days already yielded
            sessions = [self.get_session(i) if unit.writable else self._thaw_session(i)
                        for i in unit.state.day_sessions.get(day, ())]
            for session in sorted(sessions, key=lambda s: (s.start, id_order(s.id))):  # type: ignore[union-attr]
                if start <= session.start < end:  # type: ignore[union-attr]
                    yield session, self._bookings_of(session.id)  # type: ignore[union-attr,misc]

    def span(self) -> tuple[date, date] | None:
        self._unit.sync()
        days = self._unit.state.calendar_days()
        return (date.fromisoformat(days[0]), date.fromisoformat(days[-1])) if days else None

    def _next_in_day(self, day: date) -> int:
        self._unit.require_writable()
        return self._unit.state.next_in_day(day.isoformat())

    def _reserve_in_day(self, day: date, number: int) -> None:
        self._unit.require_writable()
        self._unit.state.reserve_in_day(day.isoformat(), number)

    def _insert_session(self, session: Session) -> None:
        self._unit.hold("session", session.id, session)

    def _insert_booking(self, session: Session, booking: Booking) -> None:
        self._unit.hold("booking", booking.id, booking)

    # --- from the unit's state ---------------------------------------------------------------------
    def _thaw_session(self, session_id: str) -> Session | None:
        dump = self._unit.state.sessions.get(session_id)
        return None if dump is None else thaw(Session, dump)

    def _thaw_booking(self, dump: dict[str, Any]) -> Booking:
        booking = thaw(Booking, dump)
        booking.ledger_entries.extend(self._unit.ledger.entries_of(booking.id))
        return booking

    def _bookings_of(self, session_id: str) -> list[Booking]:
        unit = self._unit
        bookings = [unit.known("booking", d["id"], lambda d=d: self._thaw_booking(d))
                    for d in unit.state.bookings_of(session_id)]
        return oldest_first(bookings)
