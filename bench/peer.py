"""bookctl at 1k, 10k and 100k bookings beside a peer, taskwarrior, with as many tasks.

    python bench/peer.py [--sizes 1000,10000,100000] [--runs 11] [--export-runs 3] [--keep DIR] [--quick]

Seeds (or, with `--keep DIR`, reuses: scale.py's stores) one store per size with `demo seed`, the
same contacts and span in each. Times, round-robin, start-up beside a bare Typer app (startup.py's)
and, in each store, `session checkin`, `payment collect`, `contact show`, `session list --day`,
`export bookings --month` and a full-year `export bookings --format csv`. If taskwarrior's `task`
is on PATH it gives it a fresh TASKDATA per size, imports as many tasks (timed apart) and times
`task N done` and `task export`. Prints medians, peak RSS, the ratios largest/smallest and the
goals, each with "meets" or "misses". Figures only: it never fails on a missed goal and installs
nothing. Uses nothing but the standard library, an installed bookctl and, if present, `task`.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import uuid
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from contacts import Case, pick_contacts  # noqa: E402 - the sibling benches
from scale import NOW, TODAY, Runner, Store, fmt_mib, fmt_s, pick_bookings, seed_store  # noqa: E402
from startup import BARE_APP, print_cases, print_load, run_child  # noqa: E402

GOAL_FLAT = 1.2  # one-booking commands, largest store / smallest
GOAL_DONE = 0.25  # checkin / `task N done`, at the largest size
GOAL_EXPORT = 0.8  # full-year CSV export / `task export`, at the largest size (issue #18)
GOAL_STARTUP = 1.3  # bookctl / bare Typer app
ONE_BOOKING = ("session checkin", "payment collect", "contact show", "session list --day")

# Taskwarrior's settings, each one to make it do only the work its command asks for:
TASKRC = """\
data.location={data}
# no "are you sure?" prompt (stdin is /dev/null; bookctl's checkin asks nothing either)
confirmation=off
# no headers, footnotes or "Completed task N" feedback: bookctl's --format json prints the record only
verbose=nothing
# no hook scripts to spawn (there are none in a fresh TASKDATA, this skips looking for them)
hooks=off
# no garbage collection: ids stay as imported and `done` does not move tasks to completed.data or
# renumber the pending ones on every command; this spares taskwarrior work, so it favours the peer
gc=off
# no recurring-task scan on every command (no task recurs); this also favours the peer
recurrence=off
# no "you have more urgent tasks" nag line on `done`
nag=
"""


class Timed(Case):
    """A timed case: `argv(n)` is the command line of run n; `check(n, stdout path)` says what went wrong, if anything."""

    def __init__(self, name: str, size: int, argv, check=None, rounds: range | None = None,
                 env: dict[str, str] | None = None) -> None:
        super().__init__(name)
        self.size, self.argv, self.check, self.rounds, self.env = size, argv, check, rounds, env

    @property
    def median(self) -> float:
        return statistics.median(self.times)


def year_span(store: Store) -> tuple[str, str]:
    """The first and last day files of the store: a full-year `--from/--to` covering every booking."""
    days = sorted(p.stem for p in (store.path / "data" / "days").glob("*/????-??-??.json"))
    return days[0], days[-1]


def pick_unpaid(runner: Runner, store: Store, need: int) -> list[str]:
    """`need` confirmed bookings with something due, nearest TODAY first (a kept store gains payments).

    It lists a window around TODAY, widened until it holds enough, rather than the whole calendar:
    a child's peak RSS can read no lower than this script's own (see `floor_kib`).
    """
    window = 1
    while True:
        period = ["--from", (TODAY - timedelta(days=window)).isoformat(), "--to", (TODAY + timedelta(days=window)).isoformat()]
        _, _, _, out = runner.must("session", "list", *period, "--format", "json", "--store", str(store.path))
        rows = [r for r in json.loads(out) if r["status"] == "confirmed" and float(r["due"]["amount"]) > 0]
        if len(rows) >= need or window > 366:
            break
        window *= 4
    if len(rows) < need:
        sys.exit(f"the {store.label} store has only {len(rows)} bookings with something due; {need} are needed")
    rows.sort(key=lambda r: (abs((date.fromisoformat(r["start"][:10]) - TODAY).days), r["id"]))
    return [r["id"] for r in rows[:need]]


def floor_kib() -> int | None:
    """This script's own peak RSS, KiB: the lowest peak RSS a child can show.

    posix_spawn starts the child as a vfork sharing this process's memory, and Linux counts the
    high-water mark of that memory in the child's ru_maxrss when it calls exec. So a child whose
    peak is below this figure (taskwarrior's `done` on a small list) reads as this figure.
    """
    try:
        import resource
    except ImportError:  # Windows: no RSS figures at all there
        return None
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak // 1024 if sys.platform == "darwin" else peak


def json_field(field: str, want) -> object:
    """A check that the JSON record printed by run n has `field` == `want(n)` (or == `want`)."""
    def check(n: int, out: Path) -> str | None:
        record = json.loads(out.read_text(encoding="utf-8"))
        expected = want(n) if callable(want) else want
        got = record.get(field) if isinstance(record, dict) else None
        return None if got == expected else f"expected {field}={expected!r}, got {got!r}"
    return check


def count_lines(path: Path, rows: list[int]) -> object:
    """A check that records the data lines of an exported file (CSV after its header; `task export`: one a task)."""
    def check(_n: int, _out: Path) -> str | None:
        with path.open("rb") as handle:
            lines = sum(1 for line in handle if line.strip() not in (b"[", b"]", b""))
        rows.append(lines - 1 if path.suffix == ".csv" else lines)
        return None if lines > 0 else f"{path} is empty"
    return check


def bookctl_cases(runner: Runner, store: Store, contacts: int, need: int, scratch: Path,
                  year_rounds: range) -> list[Timed]:
    """The bookctl cases in one store, its bookings and contacts picked (checkins are undone after, on --keep)."""
    where = ("--store", str(store.path))
    bookctl = runner.argv
    pick_bookings(runner, store, need, 365)
    unpaid = pick_unpaid(runner, store, need)
    people = pick_contacts(runner, store, contacts, need)
    first, last = year_span(store)
    month_csv, year_csv = scratch / f"month-{store.bookings}.csv", scratch / f"year-{store.bookings}.csv"
    store.month_rows, store.year_rows, store.year = [], [], (first, last)
    return [
        Timed("session checkin", store.bookings,
              lambda n: [*bookctl, "session", "checkin", store.picks[n], *where, "--format", "json"],
              json_field("attendance", "checked_in")),
        Timed("payment collect", store.bookings,
              lambda n: [*bookctl, "payment", "collect", unpaid[n], "--method", "card", "--card", "tok_visa",
                         "--yes", *where, "--format", "json"], json_field("status", "succeeded")),
        Timed("contact show", store.bookings,
              lambda n: [*bookctl, "contact", "show", people[n], *where, "--format", "json"],
              json_field("id", lambda n: people[n])),
        Timed("session list --day", store.bookings,
              lambda n: [*bookctl, "session", "list", "--day", TODAY.isoformat(), *where, "--format", "json"]),
        Timed("export --month csv", store.bookings,
              lambda n: [*bookctl, "export", "bookings", "--month", TODAY.strftime("%Y-%m"), "--format", "csv",
                         "--output", str(month_csv), *where], count_lines(month_csv, store.month_rows)),
        Timed("export year csv", store.bookings,
              lambda n: [*bookctl, "export", "bookings", "--from", first, "--to", last, "--format", "csv",
                         "--output", str(year_csv), *where], count_lines(year_csv, store.year_rows), year_rounds),
    ]


class Peer:
    """Taskwarrior with its own TASKDATA and TASKRC holding `size` imported tasks."""

    def __init__(self, task: str, size: int, scratch: Path, env: dict[str, str]) -> None:
        self.task, self.size = task, size
        self.home = scratch / f"task-{size}"
        (self.home / "data").mkdir(parents=True)
        rc = self.home / "taskrc"
        rc.write_text(TASKRC.format(data=self.home / "data"), encoding="utf-8")
        self.env = {**env, "TASKRC": str(rc), "TASKDATA": str(self.home / "data")}
        self.import_seconds: float | None = None
        self.import_rss: int | None = None
        self.export_rows: list[int] = []

    def load(self) -> None:
        """Import `size` pending tasks, one a booking, from a generated JSON file (timed: the peer's seeding)."""
        source = self.home / "tasks.json"
        with source.open("w", encoding="utf-8") as handle:  # one task at a time: this script stays small
            handle.write("[\n")
            for i in range(self.size):
                task = {"uuid": str(uuid.UUID(int=i + 1)), "status": "pending", "project": "studio",
                        "description": f"Session {i + 1} with c-{i % 10_000 + 1}", "entry": "20261101T090000Z",
                        "due": f"2026{11 + (i % 60) // 30:02d}{1 + i % 30:02d}T{8 + i % 10:02d}0000Z",
                        "tags": ["booking"]}
                handle.write(json.dumps(task) + (",\n" if i + 1 < self.size else "\n"))
            handle.write("]\n")
        elapsed, code, rss, _ = run_child([self.task, "import", str(source)], self.env,
                                          self.home / "import.out", self.home / "import.err")
        if code != 0:
            sys.exit(f"task import failed (exit {code}):\n{(self.home / 'import.err').read_text(errors='replace')}")
        self.import_seconds, self.import_rss = elapsed, rss

    def cases(self, year_rounds: range) -> list[Timed]:
        exported = self.home / "export.json"
        return [
            Timed("task N done", self.size, lambda n: [self.task, str(n + 1), "done"], env=self.env),
            Timed("task export", self.size, lambda n: [self.task, "export"], count_lines(exported, self.export_rows),
                  year_rounds, env=self.env),
        ]


def measure(cases: list[Timed], env: dict[str, str], scratch: Path, rounds: int, warmups: int) -> None:
    """Run the cases round-robin, so that drift on the machine hits every case and size alike."""
    err = scratch / "case.err"
    for n in range(rounds):
        for case in cases:
            if case.rounds is not None and n not in case.rounds:
                continue
            # `task export` writes to stdout: the file it is redirected to is the export
            out = scratch / f"task-{case.size}" / "export.json" if case.name == "task export" else scratch / "case.out"
            elapsed, code, rss, cpu = run_child(case.argv(n), case.env or env, out, err)
            if code != 0:
                sys.exit(f"{case.name} ({case.size}) failed (exit {code}):\n{err.read_text(errors='replace')}")
            problem = case.check(n, out) if case.check else None
            if problem:
                sys.exit(f"{case.name} ({case.size}) did not do its work: {problem}")
            if n >= warmups:
                case.record(elapsed, rss, cpu)


def startup_cases(runner: Runner, store: Store, scratch: Path) -> list[Timed]:
    """startup.py's pairs: `session list --format json` on the smallest store and `--help`, beside the bare app."""
    bare = scratch / "bare_typer.py"
    bare.write_text(BARE_APP, encoding="utf-8")
    py = sys.executable
    return [
        Timed("bare typer: hello", 0, lambda n: [py, str(bare), "hello"]),
        Timed("bookctl session list --format json", 0,
              lambda n: [*runner.argv, "session", "list", "--format", "json", "--store", str(store.path)]),
        Timed("bare typer: --help", 0, lambda n: [py, str(bare), "--help"]),
        Timed("bookctl --help", 0, lambda n: [*runner.argv, "--help"]),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default=None, help="bookings per store, comma-separated (default 1000,10000,100000)")
    parser.add_argument("--contacts", type=int, default=None, help="contacts in every store (default 10000)")
    parser.add_argument("--days", type=int, default=None, help="days every calendar spans (default 365)")
    parser.add_argument("--runs", type=int, default=None, help="timed runs per case and size (default 11)")
    parser.add_argument("--warmups", type=int, default=None, help="untimed runs per case first (default 2)")
    parser.add_argument("--export-runs", type=int, default=None,
                        help="timed full-year exports and `task export`s per size, no warm-up (default 3)")
    parser.add_argument("--seed", type=int, default=1, help="demo seed (default 1)")
    parser.add_argument("--keep", type=Path, default=None, metavar="DIR",
                        help="keep the stores in DIR and reuse them next time (shared with scale.py)")
    parser.add_argument("--quick", action="store_true", help="a smoke run: 200, 1000 and 5000 bookings, "
                        "1000 contacts, 60 days, 3 runs, 1 warm-up, 1 export run")
    args = parser.parse_args()
    quick = {"sizes": "200,1000,5000", "contacts": 1000, "days": 60, "runs": 3, "warmups": 1, "export_runs": 1}
    full = {"sizes": "1000,10000,100000", "contacts": 10_000, "days": 365, "runs": 11, "warmups": 2, "export_runs": 3}
    for key, value in (quick if args.quick else full).items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    sizes = sorted(int(size) for size in args.sizes.split(","))
    if args.runs < 1 or args.warmups < 0 or args.export_runs < 1 or min(*sizes, args.contacts, args.days) < 1:
        parser.error("--runs, --export-runs, sizes, --contacts and --days must be at least 1, --warmups at least 0")
    if args.export_runs > args.warmups + args.runs:
        parser.error("--export-runs can be at most --warmups + --runs")

    scratch = Path(tempfile.mkdtemp(prefix="bookctl-peer-"))
    home = args.keep.resolve() if args.keep else scratch
    home.mkdir(parents=True, exist_ok=True)
    runner = Runner(scratch)
    task = shutil.which("task")
    stores = [Store(f"{n}", n, home / f"bookings-{n}-contacts-{args.contacts}-days-{args.days}-seed-{args.seed}")
              for n in sizes]
    rounds = args.warmups + args.runs
    year_rounds = range(args.warmups, args.warmups + args.export_runs)
    peers: list[Peer] = []
    try:
        cases: list[Timed] = []
        for store in stores:
            seed_store(runner, store, args.contacts, args.days, args.seed)
            cases += bookctl_cases(runner, store, args.contacts, rounds, scratch, year_rounds)
        cases += startup_cases(runner, stores[0], scratch)
        if task:
            for n in sizes:
                peer = Peer(task, n, scratch, runner.env)
                peer.load()
                peers.append(peer)
                cases += peer.cases(year_rounds)
        try:
            measure(cases, runner.env, scratch, rounds, args.warmups)
        finally:
            if args.keep:  # leave the kept stores' attendance as seeded (payments stay: they are irreversible)
                for store in stores:
                    for booking_id, attendance in store.original.items():
                        runner.run("session", "attendance", booking_id, attendance, "--store", str(store.path),
                                   "--format", "json")
        report(args, stores, peers, cases, task)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return 0


def verdict(ratio: float, goal: float) -> str:
    return f"{ratio:.2f}x (goal <= {goal}x: {'meets' if ratio <= goal else 'misses'})"


def report(args: argparse.Namespace, stores: list[Store], peers: list[Peer], cases: list[Timed],
           task: str | None) -> None:
    """The seeding lines, the table per size, the start-up table, the side-by-side ratios and the goals."""
    by = {(c.name, c.size): c for c in cases}
    sizes = [s.bookings for s in stores]
    small, large = sizes[0], sizes[-1]
    print(f"bookctl beside taskwarrior: median wall ms of {args.runs} runs per case and size after {args.warmups} "
          f"warm-ups ({args.export_runs} runs, no warm-up, for the full-year exports), cases round-robin")
    print(f"python {sys.version.split()[0]} at {sys.executable}; every store: {args.contacts} contacts, {args.days} "
          f"days around {TODAY}, demo seed {args.seed}; BOOKCTL_NOW={NOW}")
    if args.keep:
        print(f"stores kept in {args.keep}")
    print_load()
    print(f"peak RSS floor: this script's own peak, {fmt_mib(floor_kib())} MiB; a child that peaks lower reads as "
          "this (posix_spawn's vfork shares this script's memory until exec)")
    print()
    for store in stores:
        kept = " (kept)" if store.reused else ""
        line = f"{store.bookings:>7} bookings: demo seed {fmt_s(store.seed_seconds)} s{kept}, {fmt_mib(store.seed_rss)} MiB"
        first, last = store.year
        line += f"; year {first}..{last}: {store.year_rows[0] if store.year_rows else '?'} rows"
        line += f"; month {TODAY:%Y-%m}: {store.month_rows[0] if store.month_rows else '?'} rows"
        peer = next((p for p in peers if p.size == store.bookings), None)
        if peer:
            line += f"; task import {fmt_s(peer.import_seconds)} s, {fmt_mib(peer.import_rss)} MiB"
        print(line)
    if not task:
        print("taskwarrior (`task`) is not on PATH: the peer rows are skipped. Install it with "
              "`apt-get install taskwarrior` (Debian/Ubuntu) or `brew install task` and run again.")
    print()
    names = [*dict.fromkeys(c.name for c in cases if c.size)]
    width = max(len(n) for n in names)
    head = f"{'case':<{width}}" + "".join(f" | {f'{n} ms':>12} {'CPU':>6} {'MiB':>6}" for n in sizes)
    print(head + f" | {f'{large}/{small}':>12} {'RSS':>6}")
    for name in names:
        row = f"{name:<{width}}"
        for n in sizes:
            c = by[(name, n)]
            cpu = f"{statistics.median(c.cpu) * 1000:.0f}" if c.cpu else "n/a"
            rss = f"{statistics.median(c.rss) / 1024:.1f}" if c.rss else "n/a"
            row += f" | {c.median * 1000:>12.1f} {cpu:>6} {rss:>6}"
        a, b = by[(name, large)], by[(name, small)]
        rss = f"{max(a.rss) / max(b.rss):.2f}x" if a.rss and b.rss else "n/a"
        print(row + f" | {a.median / b.median:>11.2f}x {rss:>6}")
    print()
    print_cases("start-up (smallest store)", [(c.name, c) for c in cases if not c.size])
    print()
    if peers:
        print("side by side (bookctl / taskwarrior, medians):")
        for n in sizes:
            done, export = by[("task N done", n)], by[("task export", n)]
            print(f"{n:>7}: checkin / task done = {by[('session checkin', n)].median / done.median:.2f}x; "
                  f"year csv / task export = {by[('export year csv', n)].median / export.median:.2f}x "
                  f"({peers[sizes.index(n)].export_rows[0] if peers[sizes.index(n)].export_rows else '?'} tasks)")
        print()
    print("goals:")
    for name in ONE_BOOKING:
        ratio = by[(name, large)].median / by[(name, small)].median
        print(f"  {name} at {large} / at {small} = {verdict(ratio, GOAL_FLAT)}")
    if peers:
        ratio = by[("session checkin", large)].median / by[("task N done", large)].median
        print(f"  session checkin / task N done at {large} = {verdict(ratio, GOAL_DONE)}")
        ratio = by[("export year csv", large)].median / by[("task export", large)].median
        print(f"  year csv export / task export at {large} = {verdict(ratio, GOAL_EXPORT)}")
    else:
        print("  the two goals against taskwarrior: not measured (no `task`)")
    pairs = (("run", "bookctl session list --format json", "bare typer: hello"),
             ("help", "bookctl --help", "bare typer: --help"))
    for label, mine, base in pairs:
        ratio = by[(mine, 0)].median / by[(base, 0)].median
        print(f"  start-up {label}: {mine} / {base} = {verdict(ratio, GOAL_STARTUP)}")


if __name__ == "__main__":
    sys.exit(main())
