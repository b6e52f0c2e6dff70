"""The file store's calendar: `data/days/YYYY/YYYY-MM-DD.json` holds the sessions starting that UTC
day, their bookings, the bookings' ledger entries and where moved records went. A command touching
one booking opens its day file: a bounded cost, whatever the size of the store."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field

from bookctl.domain.ids import home_day, id_order
from bookctl.domain.models import Booking, Session
from bookctl.domain.payments import LedgerEntry
from bookctl.errors import NotFoundError, StoreError
from bookctl.storage.files.days import DayIndexFiles
from bookctl.storage.io import dump_json, parse_json, validate
from bookctl.storage.repositories import Calendar, utc_day

if TYPE_CHECKING:
    from bookctl.storage.files.unit import FileUnitOfWork
    from bookctl.domain.records import BookingLike, SessionLike
    from bookctl.storage.read_records import DayRecords
    from bookctl.storage.repositories import SessionBookings

DATA_SCHEMA_VERSION = 1
# A stream of this many days or fewer reads them through the models: importing the fast decoder
# (msgspec, about 12 ms) would cost a one-day listing more than it saves.
MODELS_UP_TO_DAYS = 3


class DayFile(BaseModel):
    """The sessions that start on one UTC day, their bookings, and where moved records went."""

    model_config = ConfigDict(extra="forbid")

    schema_version: int = DATA_SCHEMA_VERSION
    day: date
    next_seq: int = Field(default=1, ge=1)
    sessions: dict[str, Session] = Field(default_factory=dict)
    bookings: dict[str, Booking] = Field(default_factory=dict)
    moved: dict[str, date] = Field(default_factory=dict)
    ledger: dict[str, LedgerEntry] = Field(default_factory=dict)


class FileCalendar(DayIndexFiles, Calendar):
    """Day files, loaded on demand; the changed ones are staged at commit."""

    _unit: FileUnitOfWork

    def __init__(self, unit: FileUnitOfWork) -> None:
        super().__init__(unit)
        self.root = unit.root
        self._journal = unit.journal
        self._days: dict[date, DayFile | None] = {}
        self._dirty_days: set[date] = set()
        self._spilled: set[date] = set()
        self._init_day_indexes()

    # --- day files ---------------------------------------------------------------------------
    def load_day(self, day: date, create: bool = False) -> DayFile | None:
        """The day file of the UTC `day` (once per unit); a new empty one with `create`."""
        if day in self._spilled:
            raise RuntimeError(f"day {day} was spilled and cannot be read again before commit")
        if day not in self._days:
            self._days[day] = self.read_day(day)
        found = self._days[day]
        if found is None and create:
            found = self._days[day] = DayFile(day=day)
            self._note_created_day(day)
        return found

    def read_day(self, day: date) -> DayFile | None:
        """The day file as it is on disk, checked; None if the day was never written."""
        raw = self._day_bytes(day)
        return None if raw is None else self._parse_day(raw, day)

    def _day_bytes(self, day: date) -> bytes | None:
        """The bytes of the day file, None if the day was never written (a lost one is an error)."""
        path = self.day_path(day)
        try:
            return path.read_bytes()
        except FileNotFoundError:
            problem = self.lost_day_problem(day)
            if problem:
                raise StoreError(f"{path}: {problem}") from None
            return None
        except OSError as exc:
            raise StoreError(f"{path}: cannot read: {exc.strerror}") from None

    def _parse_day(self, raw: bytes, day: date) -> DayFile:
        path = self.day_path(day)
        day_file = validate(DayFile, parse_json(raw, path, DATA_SCHEMA_VERSION), path)
        _check_day(day_file, day, path)
        for booking in day_file.bookings.values():
            booking.ledger_entries.clear()
        for booking_id, entries in _ledger_by_booking(day_file, path).items():
            day_file.bookings[booking_id].ledger_entries.extend(entries)
        return day_file

    def day_of(self, booking: Booking) -> DayFile:
        """The loaded day file holding `booking`."""
        day_file = self.load_day(utc_day(self.get_session(booking.session_id).start))
        assert day_file is not None and booking.id in day_file.bookings, booking.id
        return day_file

    def touch_day(self, day: date) -> None:
        self._unit.require_writable()
        self._dirty_days.add(day)

    def _locate(self, record_id: str, prefix: str) -> DayFile | None:
        """The day file currently holding a session or booking id, following one `moved` hop."""
        home = home_day(record_id, prefix)
        day_file = None if home is None else self.load_day(home)
        if day_file is None:
            return None
        table = day_file.sessions if prefix == "s" else day_file.bookings
        if record_id in table:
            return day_file
        target = day_file.moved.get(record_id)
        if target is None:
            return None
        moved_to = self.load_day(target)
        if moved_to is None or record_id not in (moved_to.sessions if prefix == "s" else moved_to.bookings):
            raise StoreError(f"{self.day_path(home)}: field moved.{record_id}: points to {target}, which lacks it")  # type: ignore[arg-type]
        return moved_to

    def _hand_out(self, booking: Booking) -> Booking:
        self._unit.seen("booking", booking)
        for entry in booking.ledger_entries:
            if entry.status == "pending":
                self._unit.seen("entry", entry)
        return booking

    # --- the repository ----------------------------------------------------------------------
    def get_session(self, session_id: str) -> Session:
        day_file = self._locate(session_id, "s")
        if day_file is None:
            raise NotFoundError(f"no session {session_id!r}")
        return self._unit.seen("session", day_file.sessions[session_id])

    def get_booking(self, booking_id: str) -> Booking:
        day_file = self._locate(booking_id, "b")
        if day_file is None:
            raise NotFoundError(f"no booking {booking_id!r}")
        return self._hand_out(day_file.bookings[booking_id])

    def session_bookings(self, session: Session) -> list[Booking]:
        day_file = self.load_day(utc_day(session.start))
        if day_file is None:
            return []
        return sorted((self._hand_out(b) for b in day_file.bookings.values() if b.session_id == session.id),
                      key=lambda b: (b.created_at, b.id))

    def sessions_starting(self, start: datetime, end: datetime) -> Iterator[tuple[Session, list[Booking]]]:
        """A read-only unit keeps no day in memory once it has been yielded: a year streams in
        bounded memory."""
        day, last = utc_day(start), utc_day(end - timedelta(microseconds=1))
        span = self.span()
        if span is None:
            return
        day, last = max(day, span[0]), min(last, span[1])
        writable = self._unit.writable
        while day <= last:
            day_file = self._days[day] if day in self._days else self.read_day(day)
            if writable:
                self._days[day] = day_file
            if day_file is not None:
                by_session: dict[str, list[Booking]] = {}
                for booking in day_file.bookings.values():
                    by_session.setdefault(booking.session_id, []).append(self._hand_out(booking) if writable else booking)
                for session in day_file.sessions.values():
                    if start <= session.start < end:
                        yield (self._unit.seen("session", session),
                               sorted(by_session.get(session.id, []), key=lambda b: (b.created_at, b.id)))
            day += timedelta(days=1)

    def stream(self, start: datetime, end: datetime) -> Iterator[SessionBookings]:
        """A read-only unit decodes each day file in one call into plain records (read_records);
        a file that decoder refuses is read through the models, which accept it or name the damage."""
        if self._unit.writable:
            yield from super().stream(start, end)
            return
        day, last = utc_day(start), utc_day(end - timedelta(microseconds=1))
        span = self.span()
        if span is None:
            return
        day, last = max(day, span[0]), min(last, span[1])
        decode_day = None
        while day <= last:
            raw = self._day_bytes(day)
            if decode_day is None and raw is not None and (last - day).days >= MODELS_UP_TO_DAYS:
                from bookctl.storage.read_records import decode_day
            records = None if raw is None or decode_day is None else decode_day(raw)
            if records is not None and records.schema_version == DATA_SCHEMA_VERSION:
                path = self.day_path(day)
                _check_day(records, day, path)
                entries = _ledger_by_booking(records, path)
                yield from _by_session(records.sessions.values(), records.bookings.values(), entries, start, end)
            elif raw is not None:
                day_file = self._parse_day(raw, day)
                yield from _by_session(day_file.sessions.values(), day_file.bookings.values(),
                                       {b.id: b.ledger_entries for b in day_file.bookings.values()}, start, end)
            day += timedelta(days=1)

    def span(self) -> tuple[date, date] | None:
        days_dir = self.root / "data" / "days"
        years = sorted(p for p in days_dir.iterdir() if p.is_dir() and p.name.isdigit()) if days_dir.is_dir() else []
        # Only the first and last years that hold a day file are listed: a bounded cost.
        first = next((found for year in years if (found := self.year_days(year))), [])
        last = next((found for year in reversed(years) if (found := self.year_days(year))), [])
        days = first + last + [d for d, f in self._days.items() if f is not None]
        return (min(days), max(days)) if days else None

    def _next_in_day(self, day: date) -> int:
        self._unit.require_writable()
        day_file = self.load_day(day, create=True)
        assert day_file is not None
        day_file.next_seq += 1
        self._dirty_days.add(day)
        return day_file.next_seq - 1

    def _reserve_in_day(self, day: date, number: int) -> None:
        self._unit.require_writable()
        day_file = self.load_day(day, create=True)
        assert day_file is not None
        if day_file.next_seq <= number:
            day_file.next_seq = number + 1
            self._dirty_days.add(day)

    def _insert_session(self, session: Session) -> None:
        day_file = self.load_day(utc_day(session.start), create=True)
        assert day_file is not None
        day_file.sessions[session.id] = session

    def _insert_booking(self, session: Session, booking: Booking) -> None:
        day_file = self.load_day(utc_day(session.start))
        assert day_file is not None and session.id in day_file.sessions
        day_file.bookings[booking.id] = booking

    def move_session(self, session: Session, start: datetime, end: datetime) -> None:
        self._unit.require_writable()
        bookings = self.session_bookings(session)
        source = self.load_day(utc_day(session.start))
        assert source is not None
        session.start, session.end = start, end
        target = self.load_day(utc_day(start), create=True)
        assert target is not None
        self._dirty_days.update({source.day, target.day})
        if target is source:
            return
        del source.sessions[session.id]
        target.sessions[session.id] = session
        self._forward(session.id, "s", target.day)
        for booking in bookings:
            self._relocate(booking, source, target)

    def move_booking(self, booking: Booking, to: Session) -> None:
        self._unit.require_writable()
        source = self.day_of(booking)
        target = self.load_day(utc_day(to.start))
        assert target is not None
        booking.session_id = to.id
        if target is not source:
            self._relocate(booking, source, target)
        self._dirty_days.update({source.day, target.day})

    def _relocate(self, booking: Booking, source: DayFile, target: DayFile) -> None:
        """A booking, and its entries with it, to another day file; ids do not change."""
        del source.bookings[booking.id]
        target.bookings[booking.id] = booking
        self._forward(booking.id, "b", target.day)
        for entry in booking.ledger_entries:
            source.ledger.pop(entry.id, None)
            target.ledger[entry.id] = entry

    def _forward(self, record_id: str, prefix: str, now_in: date) -> None:
        """Point the record's home file at the day it lives in now (one hop, however often it moves)."""
        home_date = home_day(record_id, prefix)
        assert home_date is not None
        home = self.load_day(home_date, create=True)
        assert home is not None
        if home_date == now_in:
            home.moved.pop(record_id, None)
        else:
            home.moved[record_id] = now_in
        self._dirty_days.add(home_date)

    # --- persistence ---------------------------------------------------------------------------
    def write_session(self, session: Session) -> None:
        self.touch_day(utc_day(session.start))

    def write_booking(self, booking: Booking) -> None:
        self.touch_day(utc_day(self.get_session(booking.session_id).start))

    def stage(self) -> None:
        """Stage every changed day file, and the year indexes of new ones."""
        for day in sorted(self._dirty_days):
            day_file = self._days[day]
            assert day_file is not None
            self._journal.stage(self.day_path(day), dump_json(day_file.model_dump(mode="json", exclude_none=True)))
            self._note_staged_day(day)
        self._dirty_days.clear()
        self._stage_day_indexes()

    def spill(self) -> None:
        """Stage the changed day files and forget every loaded one (see UnitOfWork.spill)."""
        self.stage()
        self._spilled.update(day for day, found in self._days.items() if found is not None)
        self._days.clear()

    def forget_spilled(self) -> None:
        """After a commit the disk holds the spilled days again: they may be read once more."""
        self._spilled.clear()

    def day_paths(self) -> Iterator[tuple[date, Path]]:
        """Every day that has a file, in order, with the file's path."""
        from bookctl.storage.files.days import days_in

        days_dir = self.root / "data" / "days"
        years = sorted(p for p in days_dir.iterdir() if p.is_dir() and p.name.isdigit()) if days_dir.is_dir() else []
        for year in years:
            for day in sorted(days_in(year)):
                yield day, self.day_path(day)


def _ledger_by_booking(day_file: DayFile | DayRecords, path: Path) -> dict[str, list]:
    """Each booking's entries (oldest first); an entry with no booking is damage."""
    bookings, ledger = day_file.bookings, day_file.ledger
    found: dict[str, list] = {}
    for key in sorted(ledger, key=lambda k: (ledger[k].created_at, id_order(k))):
        entry = ledger[key]
        if key != entry.id or entry.booking_id not in bookings:
            raise StoreError(f"{path}: field ledger.{key}: its booking {entry.booking_id} is not in this file")
        found.setdefault(entry.booking_id, []).append(entry)
    return found


def _by_session(sessions: Iterable[SessionLike], bookings: Iterable[BookingLike], entries: dict[str, list],
                start: datetime, end: datetime) -> Iterator[SessionBookings]:
    """(session, [(booking, its entries)]) for the sessions starting in [start, end), bookings oldest first."""
    of_session: dict[str, list] = {}
    for booking in bookings:
        of_session.setdefault(booking.session_id, []).append(booking)
    for session in sessions:
        if start <= session.start < end:
            mine = sorted(of_session.get(session.id, ()), key=lambda b: (b.created_at, b.id))
            yield session, [(b, entries.get(b.id, ())) for b in mine]


def _seq_homed_on(record_id: str, day: date, tag: str) -> int:
    """The sequence number of an id minted in `day`'s file (`tag` is its -YYYYMMDD-), else 0:
    `home_day`, with the common ASCII id answered without a regular expression or a date."""
    if not record_id.isascii():
        return int(record_id.rsplit("-", 1)[1]) if home_day(record_id, record_id[0]) == day else 0
    seq = record_id[11:]
    if record_id[1:11] != tag or record_id[0] not in "sbp" or not seq.isdigit() or seq[0] == "0" or len(seq) > 9:
        return 0
    return int(seq)


def _check_day(day_file: DayFile | DayRecords, day: date, path: Path) -> None:
    """Cross-checks that make a hand-moved or hand-edited record an error instead of a silent loss."""
    if day_file.day != day:
        raise StoreError(f"{path}: field day: {day_file.day} does not match the file name")
    for key, session in day_file.sessions.items():
        if key != session.id or utc_day(session.start) != day:
            raise StoreError(f"{path}: field sessions.{key}: does not belong in this file")
    for key, booking in day_file.bookings.items():
        if key != booking.id or booking.session_id not in day_file.sessions:
            raise StoreError(f"{path}: field bookings.{key}: its session {booking.session_id} is not in this file")
    # An id minted here again would overwrite a record: next_seq must be past every id homed here.
    tag = f"-{day:%Y%m%d}-"
    for record_id in (*day_file.sessions, *day_file.bookings, *day_file.moved, *day_file.ledger):
        if _seq_homed_on(record_id, day, tag) >= day_file.next_seq:
            raise StoreError(f"{path}: field next_seq: {day_file.next_seq} is not past {record_id}; the file is damaged")
