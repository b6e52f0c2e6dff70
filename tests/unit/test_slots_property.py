"""Property: `session slots` offers exactly the starts `session book` accepts (bookctl #19).

For random staff and business hours, time off, existing sessions (some cancelled, some of other
services with buffers of their own), buffers, notice, booking window and `--every`, on one random day:
(1) every slot `session slots` returns is booked by `session book --start <slot start> --staff <slot
staff>` without --force, and (2) no other start on the day's 5-minute grid is: `session slots --every 5`
is exactly the starts the booking rules accept, and with `--every E` exactly those of them on its grid.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import NOW

ZONE = ZoneInfo("Europe/Rome")
NOW_AT = datetime.fromisoformat(NOW)
TODAY = date(2026, 11, 23)  # no clock change in the ten days ahead: every local minute exists once
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
STAFF = ("giulia-romano", "sanne-de-vries")
SERVICE = "physiotherapy"


# --- what is generated ----------------------------------------------------------------------------------


@st.composite
def day_hours(draw) -> list[tuple[int, int]]:  # noqa: ANN001
    """One day's working ranges, in minutes of the day on a 5-minute grid: one or two (a day in five, none)."""
    ranges: list[tuple[int, int]] = []
    at = draw(st.integers(6 * 12, 17 * 12)) * 5
    for _ in range(draw(st.sampled_from([1, 2, 1, 2, 0]))):
        end = at + draw(st.integers(6, 48)) * 5  # 30 minutes to 4 hours
        if end > 24 * 60:
            break
        ranges.append((at, end))
        at = end + draw(st.integers(1, 24)) * 5
    return ranges


WEEK = st.fixed_dictionaries({day: day_hours() for day in WEEKDAYS})
# Mostly in working time; sometimes anywhere from 22:00 the day before.
MINUTES_OF_DAY = st.one_of(st.integers(6 * 12, 20 * 12), st.integers(-24, 24 * 12 - 1)).map(lambda n: n * 5)


@dataclass
class Case:
    """One random business, day and question."""

    day: date
    duration: int
    every: int | None
    buffer_before: int
    buffer_after: int
    notice_hours: int
    days_ahead: int | None
    runs_it: tuple[str, ...]  # the service's staff; () for everyone
    business: dict[str, list[tuple[int, int]]]
    own_hours: dict[str, dict[str, list[tuple[int, int]]] | None]
    other_buffers: tuple[int, int]  # before, after of the other appointment service (Massage)
    time_off: list[tuple[int, int, int]]  # staff index, first minute (from the day's midnight), length
    sessions: list[tuple[int, str, int, bool]]  # staff index, service, first minute, cancelled


CASES = st.builds(
    Case,
    day=st.integers(0, 9).map(lambda n: TODAY + timedelta(days=n)),
    duration=st.sampled_from([30, 45, 60]),
    every=st.sampled_from([None, 15, 20, 25, 30, 45, 60, 90]),
    buffer_before=st.sampled_from([0, 5, 10, 15, 30]),
    buffer_after=st.sampled_from([0, 5, 10, 15, 30]),
    notice_hours=st.sampled_from([0, 0, 0, 1, 3, 24]),
    days_ahead=st.sampled_from([None, None, None, 1, 3, 7]),
    runs_it=st.sampled_from([(), (), STAFF[:1], STAFF[1:]]),
    business=WEEK,
    own_hours=st.fixed_dictionaries({name: st.one_of(st.none(), WEEK) for name in STAFF}),
    other_buffers=st.tuples(st.sampled_from([0, 10, 20]), st.sampled_from([0, 10, 20])),
    time_off=st.lists(st.tuples(st.integers(0, 1), MINUTES_OF_DAY, st.integers(1, 60).map(lambda n: n * 5)),
                      max_size=3),
    sessions=st.lists(st.tuples(st.integers(0, 1), st.sampled_from([SERVICE, "massage", "yoga-flow"]),
                                MINUTES_OF_DAY, st.booleans()), max_size=5),
)


# --- helpers ------------------------------------------------------------------------------------------------


def text(ranges: list[tuple[int, int]]) -> str:
    """[(540, 780)] -> '09:00-13:00'; [] -> 'off'."""
    return ",".join(f"{a // 60:02d}:{a % 60:02d}-{b // 60:02d}:{b % 60:02d}" for a, b in ranges) or "off"


def local(day: date, minutes: int) -> str:
    """`minutes` after `day`'s midnight, as 'YYYY-MM-DD HH:MM' (no clock change on these days)."""
    return (datetime.combine(day, datetime.min.time()) + timedelta(minutes=minutes)).strftime("%Y-%m-%d %H:%M")


def effective_ranges(case: Case, staff: str) -> list[tuple[int, int]]:
    """The ranges that bind `staff` on the case's day: their own hours, else the business hours."""
    week = case.own_hours[staff] if case.own_hours[staff] is not None else case.business
    return week[WEEKDAYS[case.day.weekday()]]


def on_grid(case: Case, staff: str, start: datetime) -> bool:
    """Whether `start` is a start time of the `--every` grid, which begins at each working range's start."""
    step = case.every or case.duration
    minute = (start.astimezone(ZONE) - datetime.combine(case.day, datetime.min.time(), ZONE)) // timedelta(minutes=1)
    return any(a <= minute < b and (minute - a) % step == 0 for a, b in effective_ranges(case, staff))


def make_store(bookctl, root: Path, case: Case) -> dict[str, str]:  # noqa: ANN001
    """The case's business, built through the command line; a client (contact id) for each member of staff."""
    def call(*args: Any, codes: tuple[int, ...] = (0,)) -> Any:  # noqa: ANN401
        result = bookctl(*map(str, args), "--store", root, "--format", "json")
        assert result.exit_code in codes, (args, result.stderr)
        return result

    call("init", root, "--business", "Studio", "--currency", "EUR", "--timezone", "Europe/Rome")
    for name in ("Giulia Romano", "Sanne de Vries"):
        call("staff", "add", name)
    call("service", "add", "Physiotherapy", "--price", "65", "--duration", case.duration,
         "--buffer-before", case.buffer_before, "--buffer-after", case.buffer_after,
         "--min-notice-hours", case.notice_hours, *(("--max-days-ahead", case.days_ahead) if case.days_ahead else ()),
         *(("--staff", ",".join(case.runs_it)) if case.runs_it else ()))
    call("service", "add", "Massage", "--price", "70", "--duration", "60", "--buffer-before", case.other_buffers[0],
         "--buffer-after", case.other_buffers[1])
    call("service", "add", "Yoga Flow", "--kind", "class", "--capacity", "3", "--price", "18", "--duration", "60")
    for day, ranges in case.business.items():
        call("config", "set", f"hours.{day}", text(ranges))
    for name, week in case.own_hours.items():
        if week is not None:
            call("staff", "hours", name, *[arg for day, ranges in week.items() for arg in (f"--{day}", text(ranges))])
    for who, first, length in case.time_off:
        call("staff", "off", STAFF[who], "--from", local(case.day, first), "--to", local(case.day, first + length),
             "--force")
    filler = call("contact", "add", "--first-name", "Filler").json()["id"]
    for who, service, first, cancelled in case.sessions:
        start = local(case.day, first)
        if service == "yoga-flow":
            made = call("session", "add", "--service", service, "--start", start, "--staff", STAFF[who],
                        "--allow-past", codes=(0, 1))
        else:  # anywhere, whatever the rules: only a straight clash with another session is refused
            made = call("session", "book", "--service", service, "--contact", filler, "--start", start,
                        "--staff", STAFF[who], "--force", "--allow-past", "--allow-overlap", codes=(0, 1))
        if made.exit_code == 0 and cancelled:
            call("session", "cancel", made.json()["id"], *(("--all",) if service == "yoga-flow" else ()))
    return {name: call("contact", "add", "--first-name", "Client").json()["id"] for name in STAFF}


def slots_of(bookctl, root: Path, case: Case, every: int | None) -> dict[str, list[dict]]:  # noqa: ANN001
    """`session slots` of the case's day, by member of staff."""
    result = bookctl("session", "slots", "--service", SERVICE, "--day", case.day.isoformat(),
                     *(("--every", str(every)) if every else ()), "--store", root, "--format", "json")
    assert result.exit_code == 0, result.stderr
    found: dict[str, list[dict]] = {name: [] for name in STAFF}
    for row in result.json():
        assert row["service_id"] == SERVICE
        found[row["staff_id"]].append(row)
    return found


def starts_accepted(root: Path, staff: str, contact: str, candidates: list[datetime]) -> set[datetime]:
    """The `candidates` that `session book` (its service, without force) accepts for `staff`. Each is tried
    in a unit of work that is never committed. A refused one changes nothing (every rule is checked before
    the session is made, and `contact` holds no booking), so the next attempt shares its unit; after an
    accepted one, which made a session, the next opens a fresh unit on the store as it was."""
    from bookctl.errors import RuleError
    from bookctl.services.calendar import book
    from bookctl.storage.stores import open_store

    store = open_store(root)
    accepted = set()
    pending = list(candidates)
    while pending:
        with store.write() as uow:  # left without commit(): nothing of any attempt is kept
            while pending:
                start = pending.pop(0)
                try:
                    book(uow, NOW_AT, contact, service_ref=SERVICE, start=start, staff_ref=staff)
                except RuleError:
                    continue
                accepted.add(start)
                break
    return accepted


def book_on_copy(bookctl, root: Path, copy: Path, rows: list[dict], contact: str) -> None:  # noqa: ANN001
    """Book each of `rows` (one member's slots) with `session book` on a copy of the store: all on one
    copy, in turn, when no two can meet (each start at least the length and both buffers after the last);
    else each on a fresh copy."""
    def attempt(row: dict, where: Path) -> None:
        result = bookctl("session", "book", "--service", SERVICE, "--contact", contact, "--start", row["start"],
                         "--staff", row["staff_id"], "--store", where, "--format", "json")
        assert result.exit_code == 0, (row, result.stderr)
        booking = result.json()
        assert (booking["start"], booking["end"], booking["staff_id"]) == (row["start"], row["end"], row["staff_id"])
        assert "overrode" not in booking

    shutil.copytree(root, copy)
    for row in rows:
        attempt(row, copy)
    shutil.rmtree(copy)


# --- the property -------------------------------------------------------------------------------------------


@settings(max_examples=25, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(case=CASES)
def test_slots_are_exactly_the_starts_session_book_accepts(bookctl, case):
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "store"
        clients = make_store(bookctl, root, case)
        midnight = datetime.combine(case.day, datetime.min.time(), ZONE)
        grid = [midnight + timedelta(minutes=5 * n) for n in range(24 * 12)]
        offered, every_five = slots_of(bookctl, root, case, case.every), slots_of(bookctl, root, case, 5)
        gap = timedelta(minutes=case.duration + case.buffer_before + case.buffer_after)
        for staff in STAFF:
            accepted = starts_accepted(root, staff, clients[staff], grid)
            # (2) nothing on the 5-minute grid is bookable but what slots offer, on either grid.
            assert {datetime.fromisoformat(r["start"]) for r in every_five[staff]} == accepted
            listed = [datetime.fromisoformat(r["start"]) for r in offered[staff]]
            assert listed == sorted(s for s in accepted if on_grid(case, staff, s))
            # (1) and every slot offered is booked by the command itself.
            rows = offered[staff]
            apart = all(b - a >= gap for a, b in zip(listed, listed[1:]))
            if apart:
                book_on_copy(bookctl, root, Path(tmp) / f"copy-{staff}", rows, clients[staff])
            else:
                for index, row in enumerate(rows):
                    book_on_copy(bookctl, root, Path(tmp) / f"copy-{staff}-{index}", [row], clients[staff])
