"""Sessions and bookings in the `sessions`, `bookings` and `days` tables; a booking's ledger entries
come with it from `ledger`."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from bookctl.domain.ids import id_order
from bookctl.domain.models import Booking, Session
from bookctl.errors import NotFoundError
from bookctl.storage.postgres.rows import BOOKINGS, LEDGER, SESSIONS, Writes, read_record
from bookctl.storage.repositories import Calendar, utc_day

if TYPE_CHECKING:
    from bookctl.storage.postgres.unit import PostgresUnitOfWork
    from bookctl.storage.repositories import SessionBookings

# How many days of bookings a read-only stream asks for at once.
STREAM_BATCH_DAYS = 14
# Sessions one UTC day after another (`where` narrows them), for a server-side cursor.
SESSIONS_BY_DAY = (f"SELECT {SESSIONS.select} FROM sessions {{where}} "
                   "ORDER BY (start_at AT TIME ZONE 'UTC')::date, start_at, id")


def booking_rows(unit: PostgresUnitOfWork, session_ids: list[str]) -> list[tuple]:
    """The rows of every booking of the sessions `session_ids`."""
    return unit._exec(f"SELECT {BOOKINGS.select} FROM bookings WHERE session_id = ANY(%s)", [session_ids]).fetchall()


def attach_ledger(unit: PostgresUnitOfWork, bookings: list[Booking], track: bool = True) -> None:
    """Give bookings just read their ledger entries, oldest first; with `track`, a writable unit
    tracks each pending one (the only kind that may still change)."""
    if not bookings:
        return
    by_id = {b.id: b for b in bookings}
    for booking in bookings:
        booking.ledger_entries.clear()
    rows = unit._exec(f"SELECT {LEDGER.select} FROM ledger WHERE booking_id = ANY(%s)", [list(by_id)]).fetchall()
    for entry in sorted((LEDGER.record(r) for r in rows), key=lambda e: (e.created_at, id_order(e.id))):
        by_id[entry.booking_id].ledger_entries.append(entry)
        if track and entry.status == "pending":
            unit.seen("entry", entry)


def by_day(sessions: Iterable[Session]) -> Iterator[list[Session]]:
    """Sessions that come one UTC day after another, a day's at a time."""
    day: list[Session] = []
    for session in sessions:
        if day and utc_day(day[0].start) != utc_day(session.start):
            yield day
            day = []
        day.append(session)
    if day:
        yield day


def in_order(bookings: Iterable[Booking]) -> list[Booking]:
    """Oldest first, as a session's bookings are listed."""
    return sorted(bookings, key=lambda b: (b.created_at, b.id))


class PgCalendar(Calendar):
    """Sessions and bookings by id, as loaded (or made) in this unit."""

    _unit: PostgresUnitOfWork

    def __init__(self, unit: PostgresUnitOfWork) -> None:
        super().__init__(unit)
        self._sessions: dict[str, Session] = {}
        self._bookings: dict[str, Booking] = {}
        self._session_writes = Writes(SESSIONS, "session")
        self._booking_writes = Writes(BOOKINGS, "booking")

    # --- reading -------------------------------------------------------------------------------
    def _hold_session(self, row: tuple) -> Session:
        session = self._sessions.get(row[0])
        if session is None:
            session = self._unit.seen("session", SESSIONS.record(row))
            self._sessions[session.id] = session
        return session

    def _hold_bookings(self, rows: list[tuple], keep: bool = True) -> list[Booking]:
        """The bookings of `rows`, the held instance where there is one (its changes must not be
        lost); those read now get their ledger entries, and are held when `keep`."""
        found, fresh = [], []
        for row in rows:
            booking = self._bookings.get(row[0])
            if booking is None:
                booking = BOOKINGS.record(row)
                fresh.append(booking)
                if keep:
                    self._bookings[booking.id] = self._unit.seen("booking", booking)
            found.append(booking)
        attach_ledger(self._unit, fresh)
        return found

    def get_session(self, session_id: str) -> Session:
        if session_id not in self._sessions:
            row = self._unit._exec(f"SELECT {SESSIONS.select} FROM sessions WHERE id = %s", [session_id]).fetchone()
            if row is None:
                raise NotFoundError(f"no session {session_id!r}")
            self._hold_session(row)
        return self._sessions[session_id]

    def get_booking(self, booking_id: str) -> Booking:
        if booking_id not in self._bookings:
            row = self._unit._exec(f"SELECT {BOOKINGS.select} FROM bookings WHERE id = %s", [booking_id]).fetchone()
            if row is None:
                raise NotFoundError(f"no booking {booking_id!r}")
            self._hold_bookings([row])
        return self._bookings[booking_id]

    def session_bookings(self, session: Session) -> list[Booking]:
        self._unit._sync()
        rows = self._unit._exec(f"SELECT {BOOKINGS.select} FROM bookings WHERE session_id = %s",
                                [session.id]).fetchall()
        return in_order(self._hold_bookings(rows))

    def sessions_starting(self, start: datetime, end: datetime) -> Iterator[tuple[Session, list[Booking]]]:
        """One UTC day after another from a server-side cursor; a read-only unit keeps nothing once
        yielded, so a year streams in bounded memory."""
        self._unit._sync()
        rows = self._unit._stream(SESSIONS_BY_DAY.format(where="WHERE start_at >= %s AND start_at < %s"),
                                  [start, end])
        hold = self._hold_session if self._unit.writable else SESSIONS.record
        for day in by_day(hold(row) for row in rows):
            yield from self._with_bookings(day)

    def _with_bookings(self, sessions: list[Session]) -> Iterator[tuple[Session, list[Booking]]]:
        rows = booking_rows(self._unit, [s.id for s in sessions])
        of_session: dict[str, list[Booking]] = {}
        for booking in self._hold_bookings(rows, keep=self._unit.writable):
            of_session.setdefault(booking.session_id, []).append(booking)
        self._unit.contacts.prefetch({b.contact_id for bookings in of_session.values() for b in bookings})
        for session in sessions:
            yield session, in_order(of_session.get(session.id, []))

    def stream(self, start: datetime, end: datetime) -> Iterator[SessionBookings]:
        """A read-only unit reads the sessions from a server-side cursor and their bookings, ledger
        entries and contacts a fortnight at a time (a few queries, not a few a day), into plain
        records (storage.read_records), not models. Memory holds two weeks of bookings at most."""
        if self._unit.writable:
            yield from super().stream(start, end)
            return
        from bookctl.storage.read_records import SessionRecord

        self._unit._sync()
        self._unit.fast_json()
        rows = self._unit._stream(SESSIONS_BY_DAY.format(where="WHERE start_at >= %s AND start_at < %s"),
                                  [start, end])
        batch: list[list[SessionRecord]] = []
        for day in by_day(read_record(SESSIONS, row, SessionRecord) for row in rows):
            batch.append(day)
            if len(batch) == STREAM_BATCH_DAYS:
                yield from self._stream_batch(batch, start, end)
                batch = []
        yield from self._stream_batch(batch, start, end)

    def _stream_batch(self, days: list[list[Any]], start: datetime, end: datetime) -> Iterator[SessionBookings]:
        """The sessions of `days` (whole UTC days of the cursor, within [start, end)) with their
        bookings and entries, asked for by the days' time range rather than by id."""
        from bookctl.storage.read_records import BookingRecord, EntryRecord

        if not days:
            return
        first, last = utc_day(days[0][0].start), utc_day(days[-1][0].start)
        low = max(start, datetime(first.year, first.month, first.day, tzinfo=UTC))
        high = min(end, datetime(last.year, last.month, last.day, tzinfo=UTC) + timedelta(days=1))
        span = "JOIN sessions s ON s.id = {table}.session_id WHERE s.start_at >= %s AND s.start_at < %s"
        bookings = [read_record(BOOKINGS, row, BookingRecord) for row in self._unit._exec(
            f"SELECT {BOOKINGS.select} FROM bookings {span.format(table='bookings')}", [low, high]).fetchall()]
        entries: dict[str, list] = {}
        if bookings:
            found = self._unit._exec(f"SELECT {LEDGER.select} FROM ledger JOIN bookings ON bookings.id = ledger.booking_id "
                                     f"{span.format(table='bookings')}", [low, high]).fetchall()
            for entry in sorted((read_record(LEDGER, r, EntryRecord) for r in found),
                                key=lambda e: (e.created_at, id_order(e.id))):
                entries.setdefault(entry.booking_id, []).append(entry)
        of_session: dict[str, list] = {}
        for booking in bookings:
            of_session.setdefault(booking.session_id, []).append(booking)
        self._unit.contacts.list_ahead({b.contact_id for b in bookings})
        for day in days:
            for session in day:
                yield session, [(b, entries.get(b.id, ())) for b in in_order(of_session.get(session.id, []))]

    def span(self) -> tuple[date, date] | None:
        self._unit._sync()
        low, high = self._unit._exec("SELECT min(start_at), max(start_at) FROM sessions").fetchone()
        return None if low is None else (utc_day(low), utc_day(high))

    # --- changing ------------------------------------------------------------------------------
    def _next_in_day(self, day: date) -> int:
        return self._unit.next_in_day(day)

    def _reserve_in_day(self, day: date, number: int) -> None:
        self._unit.reserve_in_day(day, number)

    def _may_hold(self, day: date, number: int) -> bool:
        return self._unit.may_hold(day, number)

    def _insert_session(self, session: Session) -> None:
        self._sessions[session.id] = self._session_writes.made[session.id] = session

    def _insert_booking(self, session: Session, booking: Booking) -> None:
        self._bookings[booking.id] = self._booking_writes.made[booking.id] = booking

    # --- writing -------------------------------------------------------------------------------
    def write_session(self, session: Session) -> None:
        self._session_writes.write(session)

    def write_booking(self, booking: Booking) -> None:
        self._booking_writes.write(booking)

    def flush(self) -> None:
        self._session_writes.flush(self._unit)
        self._booking_writes.flush(self._unit)

    def spill(self) -> None:
        """Let go of every session and booking (they are written): a bulk load's memory stays flat."""
        self._sessions.clear()
        self._bookings.clear()


def fresh_day(unit: PostgresUnitOfWork, sessions: list[Session]) -> list[tuple[Session, list[Booking]]]:
    """One day's sessions with their bookings and the bookings' ledger entries, read afresh and
    tracked by no one (a dump)."""
    bookings = [BOOKINGS.record(row) for row in booking_rows(unit, [s.id for s in sessions])]
    attach_ledger(unit, bookings, track=False)
    of_session: dict[str, list[Booking]] = {}
    for booking in bookings:
        of_session.setdefault(booking.session_id, []).append(booking)
    return [(session, in_order(of_session.get(session.id, []))) for session in sessions]


def all_days(unit: PostgresUnitOfWork) -> Iterator[tuple[date, list[tuple[Session, list[Booking]]]]]:
    """The whole calendar, a UTC day at a time (a dump)."""
    for day in by_day(SESSIONS.record(row) for row in unit._stream(SESSIONS_BY_DAY.format(where=""))):
        yield utc_day(day[0].start), fresh_day(unit, day)
