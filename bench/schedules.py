"""Schedules and availability: `schedule extend` of a year's timetable, `session slots` and `session book` at 1k and 100k bookings.

    python bench/schedules.py [--small 1000] [--large 100000] [--runs 5] [--keep DIR] [--quick]

Three questions of bookctl #19, timed round-robin with start-up beside them:
1. What does `schedule extend --weeks 52` cost for a 20-class weekly timetable (5 class services
   x 4 schedules, about 1040 meetings), and does a second run make nothing? Each round extends a
   fresh copy of a store whose schedules hold only their first two weeks (`schedule.horizon_weeks 2`).
2. Do `session slots --service physiotherapy --first` and a week's `--from D --to D+6` cost at 100k
   bookings what they cost at 1k (goal: at most 0.2 s above start-up at the large size, and a
   large / small ratio near 1: slots read the weeks they show, never the whole calendar)? Each is
   timed on the seeded store (no hours: any time of day) and on a copy whose staff have weekly hours.
3. Does `session book` of one appointment cost the same in both stores?
4. What do `waitlist list` and `waitlist sweep` (bookctl #20, cron) cost? Both read every meeting still
   to come, so they are expected to grow with the calendar ahead; the figures say by how much.
The two calendars are scale.py's (`demo seed`; `--keep DIR` shares them with it and export.py)
and are only read: the staff hours and the bookings go to copies in a scratch directory. Prints
the median wall time, CPU time, peak RSS and rows per case, the ratios and the goals, each
"meets", "misses" or "on the line". Figures only: it never fails on a missed goal. Standard
library and an installed bookctl only.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from export import counted, print_goals, verdict  # noqa: E402 - the sibling benches
from peer import GOAL_FLAT, Timed, floor_kib, measure  # noqa: E402
from scale import NOW, TODAY, Runner, Store, fmt_mib, fmt_s, scratch_and_home, seed_store, sized, store_options, two_stores  # noqa: E402
from startup import prepare, print_cases, print_load  # noqa: E402

GOAL_SLOTS = 0.2  # seconds above start-up, at the large size
SERVICE = "physiotherapy"  # demo seed's 45-minute appointment, run by every member of staff
HOURS = "09:00-13:00,14:00-18:00"  # the staff's hours on the copy, Monday to Friday (weekends off)
WEEK_FROM = TODAY + timedelta(days=7)  # the week `slots --from/--to` lists: seeded, and all of it ahead
BOOK_FROM = TODAY + timedelta(days=14)  # the bookings go after it, out of the way of every slots case
STARTUP = "start-up: session list --format json"
# The timetable: 5 class services, each with 4 weekly schedules, one meeting a week each. Coach j
# runs every service's schedule j, each on another weekday at AT[j]: no two meetings clash.
CLASSES = ("Yoga Flow", "Pilates Mat", "Spin", "Barre", "HIIT")
AT = ("07:30", "12:30", "18:00", "19:30")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")
WEEKS = 52
HORIZON_WEEKS = 2


class Timetable:
    """The timetable store and what its set-up made."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.schedules = 0
        self.at_add = 0  # meetings `schedule add` made (its horizon's)
        self.copies: list[Path] = []
        self.made: list[int] = []  # meetings of each timed round's first extend
        self.again: list[int] = []  # ... and of its second


def make_timetable(runner: Runner, scratch: Path, rounds: int) -> Timetable:
    """A fresh store with the 20 schedules, their first HORIZON_WEEKS weeks on the calendar, and one
    copy of it per round: each round's first `schedule extend` needs a store not yet extended."""
    table = Timetable(scratch / "timetable")
    where = ("--store", str(table.path), "--format", "json")
    runner.must("init", str(table.path), "--business", "Bench Timetable", "--currency", "EUR",
                "--timezone", "Europe/Rome", "--format", "json")
    runner.must("config", "set", "schedule.horizon_weeks", str(HORIZON_WEEKS), *where)
    coaches = [json.loads(runner.must("staff", "add", f"Coach {j + 1}", *where)[3])["id"] for j in range(len(AT))]
    first, until = TODAY + timedelta(days=1), TODAY + timedelta(days=365)
    for i, name in enumerate(CLASSES):
        service = json.loads(runner.must("service", "add", name, "--kind", "class", "--price", "15",
                                         "--duration", "60", "--capacity", "12", *where)[3])["id"]
        for j, coach in enumerate(coaches):
            end = ("--count", str(WEEKS)) if j % 2 == 0 else ("--until", until.isoformat())  # a year ahead, both ways
            added = json.loads(runner.must("schedule", "add", "--service", service, "--days", WEEKDAYS[(i + j) % 5],
                                           "--at", AT[j], "--from", first.isoformat(), *end, "--staff", coach,
                                           *where)[3])
            table.schedules += 1
            table.at_add += len(added["meetings"])
    for n in range(rounds):
        copy = scratch / f"timetable-{n}"
        shutil.copytree(table.path, copy)
        table.copies.append(copy)
    return table


def made_by_extend(table: Timetable, into: list[int], first: bool) -> object:
    """A check that records the meetings `schedule extend` made; the first run must make some."""
    def check(n: int, out: Path) -> str | None:
        made = sum(row["made"] for row in json.loads(out.read_text(encoding="utf-8")))
        into.append(made)
        return "schedule extend made no meetings" if first and not made else None
    return check


def timetable_cases(runner: Runner, table: Timetable) -> list[Timed]:
    """The first `schedule extend --weeks 52` of a round's copy, then the same again (should make 0)."""
    def extend(n: int) -> list[str]:
        return [*runner.argv, "schedule", "extend", "--weeks", str(WEEKS), "--store", str(table.copies[n]),
                "--format", "json"]
    first, again = [], []
    table.made, table.again = first, again
    return [Timed(f"schedule extend --weeks {WEEKS}", 0, extend, made_by_extend(table, first, True)),
            Timed("schedule extend again (idempotent)", 0, extend, made_by_extend(table, again, False))]


class Twin:
    """A scratch copy of a seeded store whose staff have weekly hours; the bookings go there too."""

    def __init__(self, store: Store, path: Path) -> None:
        self.store, self.path = store, path
        self.staff: list[str] = []
        self.contact: str | None = None
        self.starts: list[tuple[str, str]] = []  # (local start, staff id) of each round's booking


def make_twin(runner: Runner, store: Store, scratch: Path, rounds: int) -> Twin:
    """Copy the store, give every member of staff HOURS on weekdays, add a client with no bookings,
    and pick one free slot per round for them, no two overlapping, in the weeks after BOOK_FROM."""
    twin = Twin(store, scratch / f"hours-{store.bookings}")
    shutil.copytree(store.path, twin.path)
    where = ("--store", str(twin.path), "--format", "json")
    twin.staff = [s["id"] for s in json.loads(runner.must("staff", "list", *where)[3]) if not s["archived"]]
    days = [arg for day in WEEKDAYS for arg in (f"--{day}", HOURS)]
    for staff_id in twin.staff:
        runner.must("staff", "hours", staff_id, *days, *where)
    twin.contact = json.loads(runner.must("contact", "add", "--first-name", "Bench", "--last-name", "Client",
                                          "--email", "bench.client@example.com", *where)[3])["id"]
    week = BOOK_FROM
    while len(twin.starts) < rounds and week < BOOK_FROM + timedelta(days=366):
        free = json.loads(runner.must("session", "slots", "--service", SERVICE, "--from", week.isoformat(),
                                      "--to", (week + timedelta(days=6)).isoformat(), *where)[3])
        last_end = None
        for slot in free:  # by start: one client cannot hold two bookings at once
            start = datetime.fromisoformat(slot["start"])
            if last_end is None or start >= last_end:
                twin.starts.append((f"{start:%Y-%m-%d %H:%M}", slot["staff_id"]))
                last_end = datetime.fromisoformat(slot["end"])
        week += timedelta(days=7)
    if len(twin.starts) < rounds:
        sys.exit(f"the {store.bookings}-booking store has only {len(twin.starts)} free {SERVICE} slots after "
                 f"{BOOK_FROM}; {rounds} are needed (use fewer --runs)")
    return twin


def booked(_n: int, out: Path) -> str | None:
    """A check that `session book` confirmed its booking."""
    record = json.loads(out.read_text(encoding="utf-8"))
    return None if record.get("status") == "confirmed" else f"expected status=confirmed, got {record.get('status')!r}"


def store_cases(runner: Runner, store: Store, twin: Twin) -> list[Timed]:
    """The slots cases on the store (no hours) and on its twin (staff hours), then the booking."""
    size = store.bookings
    week = ("--from", WEEK_FROM.isoformat(), "--to", (WEEK_FROM + timedelta(days=6)).isoformat())
    cases = []
    for label, path in (("", store.path), (", staff hours", twin.path)):
        for name, period in (("slots --first", ("--first",)), ("slots a week", week)):
            case = Timed(name + label, size, lambda n, p=path, a=period: [
                *runner.argv, "session", "slots", "--service", SERVICE, *a, "--store", str(p), "--format", "json"])
            cases.append(counted(case, "json", required=True))
    cases.append(Timed("session book (appointment)", size, lambda n: [
        *runner.argv, "session", "book", "--service", SERVICE, "--contact", twin.contact, "--start",
        twin.starts[n][0], "--staff", twin.starts[n][1], "--store", str(twin.path), "--format", "json"], booked))
    for name, verb in (("waitlist list (every meeting ahead)", "list"), ("waitlist sweep (cron)", "sweep")):
        cases.append(counted(Timed(name, size, lambda n, v=verb: [
            *runner.argv, "waitlist", v, "--store", str(twin.path), "--format", "json"]), "json"))
    return cases


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    store_options(parser, runs="timed runs per case (default 5)", warmups="untimed runs per case first (default 1)",
                  keep="keep the seeded stores in DIR and reuse them next time (shared with scale.py)",
                  quick="a smoke run: 200 vs 5000 bookings, 1000 contacts, 60 days, 1 run, no warm-up")
    args = parser.parse_args()
    sized(parser, args, quick={"small": 200, "large": 5000, "contacts": 1000, "days": 60, "runs": 1, "warmups": 0},
          full={"small": 1000, "large": 100_000, "contacts": 10_000, "days": 365, "runs": 5, "warmups": 1})

    scratch, home = scratch_and_home(args, "bookctl-schedules-")
    runner = Runner(scratch)
    stores = two_stores(home, args)
    rounds = args.warmups + args.runs
    try:
        tiny = scratch / "startup"
        tiny.mkdir()
        listing = next(c.argv for c in prepare(tiny, runner.argv, runner.env)[0]
                       if c.label == "bookctl session list --format json")  # startup.py's store and command
        cases = [counted(Timed(STARTUP, 0, lambda n: listing), "json")]
        table = make_timetable(runner, scratch, rounds)
        cases += timetable_cases(runner, table)
        twins = []
        for store in stores:
            seed_store(runner, store, args.contacts, args.days, args.seed)
            twins.append(make_twin(runner, store, scratch, rounds))
            cases += store_cases(runner, store, twins[-1])
        measure(cases, runner.env, scratch, rounds, args.warmups)
        report(args, table, twins, cases)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return 0


def report(args: argparse.Namespace, table: Timetable, twins: list[Twin], cases: list[Timed]) -> None:
    """The stores, the timetable and start-up cases, one table of the cases at both sizes, and the goals."""
    by = {(c.name, c.size): c for c in cases}
    small, large = (t.store.bookings for t in twins)
    print(f"bookctl schedules and availability: median of {args.runs} runs per case after {args.warmups} warm-ups, "
          "cases round-robin")
    print(f"python {sys.version.split()[0]} at {sys.executable}; both stores: {args.contacts} contacts, "
          f"{args.days} days around {TODAY}, demo seed {args.seed}; BOOKCTL_NOW={NOW}")
    if args.keep:
        print(f"stores kept in {args.keep}")
    print_load()
    print(f"peak RSS floor: this script's own peak, {fmt_mib(floor_kib())} MiB (see peer.py)")
    print()
    print(f"timetable: a fresh store, {len(CLASSES)} class services x {len(AT)} weekly schedules = {table.schedules}, "
          f"from {TODAY + timedelta(days=1)} for a year (--count {WEEKS} or --until {TODAY + timedelta(days=365)}), "
          f"{len(AT)} staff; `schedule add` made {table.at_add} meetings (schedule.horizon_weeks {HORIZON_WEEKS})")
    print(f"  each round extends a fresh copy: made {', '.join(map(str, table.made))} meetings, "
          f"then again {', '.join(map(str, table.again))} (should be 0)")
    for t in twins:
        s = t.store
        print(f"{s.seeded_bookings:>7} bookings: demo seed {fmt_s(s.seed_seconds)} s{' (kept)' if s.reused else ''}; "
              f"its copy gives {len(t.staff)} staff {HOURS} mon-fri (the store itself has no hours: any time "
              f"of day); the bookings go to that copy, after {BOOK_FROM}")
    print(f"slots --first looks ahead from {NOW}; slots a week: --from {WEEK_FROM} --to {WEEK_FROM + timedelta(days=6)}")
    print()
    print_cases("case (no calendar to speak of)", [(c.name, c) for c in cases if not c.size])
    print()
    names = [*dict.fromkeys(c.name for c in cases if c.size)]
    width = max(len(n) for n in names)
    cell = f" | {'rows':>6} {'ms':>7} {'CPU ms':>7} {'MiB':>6}"
    print(f"{'case':<{width}} | {small:^29} | {large:^29} | {f'{large}/{small}':>13}")
    print(f"{'':<{width}}{cell}{cell} | {'ms':>6} {'RSS':>6}")

    def cells(c: Timed) -> str:
        cpu = f"{statistics.median(c.cpu) * 1000:.0f}" if c.cpu else "n/a"
        rss = fmt_mib(statistics.median(c.rss)) if c.rss else "n/a"
        rows = "" if c.rows is None else str(c.rows)
        return f" | {rows:>6} {c.median * 1000:>7.0f} {cpu:>7} {rss:>6}"

    for name in names:
        a, b = by[(name, small)], by[(name, large)]
        rss = f"{max(b.rss) / max(a.rss):.2f}x" if a.rss and b.rss else "n/a"
        print(f"{name:<{width}}{cells(a)}{cells(b)} | {b.median / a.median:>5.2f}x {rss:>6}")
    print("(MiB: median peak RSS; the RSS ratio: highest of the runs)")
    print()
    start = by[(STARTUP, 0)]
    goals: list[tuple[str, str, str]] = []
    for name in names:
        c = by[(name, large)]
        if name.startswith("slots"):
            above = c.median - start.median
            goals.append((f"{name} - start-up <= {GOAL_SLOTS} s", f"{above:+.3f} s ({c.median:.3f} - "
                          f"{start.median:.3f})", verdict(above, GOAL_SLOTS)))
    for name in names:
        ratio = by[(name, large)].median / by[(name, small)].median
        goals.append((f"{name} {large} / {small} <= {GOAL_FLAT}x", f"{ratio:.2f}x", verdict(ratio, GOAL_FLAT)))
    again = max(table.again, default=0)
    goals.append(("schedule extend again makes 0 meetings", f"{again} (the most of any round)",
                  "meets" if again == 0 else "misses"))
    print_goals(goals, large)


if __name__ == "__main__":
    sys.exit(main())
