"""Does reading cost what the answer holds? bookctl's read path at 1k and 100k bookings, beside taskwarrior.

    python bench/export.py [--small 1000] [--large 100000] [--runs 7] [--export-runs 3] [--keep DIR] [--quick]

Seeds two stores with `demo seed` over the same span and the same contacts (scale.py's stores, so
`--keep` shares them with it), takes about 200 in-person payments on December bookings of each
(once per store), then times round-robin in both stores: the whole calendar's `export bookings`
in csv, json, ndjson and ics; `export bookings --month 2026-12`; `session list`, `contact list
--label` and `payment list` listings; start-up (`session list --format json` on the small store);
and, if `task` is on PATH, taskwarrior's `task export` of as many tasks as the large store has
bookings. Prints the median wall time, CPU time, peak RSS and rows per case, the large / small
ratios and a table of the goals of issue #18, each "meets", "misses" or "on the line". Figures
only: it never fails on a missed goal. Standard library, an installed bookctl and, if present, `task`.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from peer import Peer, Timed, floor_kib, measure  # noqa: E402 - the sibling benches
from scale import NOW, TODAY, Runner, Store, fmt_mib, fmt_s, seed_store  # noqa: E402
from startup import print_load, run_child  # noqa: E402

FORMATS = ("csv", "json", "ndjson", "ics")
MONTH, FIRST, LAST = "2026-12", "2026-12-01", "2026-12-31"
LABEL = "Physiotherapy"  # a service name: demo seed labels every contact who booked it
PAYER = "c-1"  # `payment list --contact` lists this contact's entries
GOAL_EXPORT = {"csv": 0.8, "json": 0.8, "ndjson": 0.8, "ics": 1.2}  # year export / `task export`, at the large size
GOAL_MONTH = 0.3  # seconds above start-up, at the large size
GOAL_RSS = 1.3  # year csv export's peak RSS, large / small
GOAL_LISTING = 0.5  # seconds, at the large size
ON_THE_LINE = 0.05  # a figure within 5 % of its goal is "on the line"
STARTUP = "start-up: session list --format json"
# (case, arguments, what its stdout is)
LISTINGS = (
    ("session list December", ("session", "list", "--from", FIRST, "--to", LAST), "table"),
    ("session list December json", ("session", "list", "--from", FIRST, "--to", LAST, "--format", "json"), "json"),
    (f"contact list --label {LABEL} json", ("contact", "list", "--label", LABEL, "--format", "json"), "json"),
    ("payment list December json", ("payment", "list", "--from", FIRST, "--to", LAST, "--format", "json"), "json"),
    (f"payment list --contact {PAYER} json", ("payment", "list", "--contact", PAYER, "--format", "json"), "json"),
)


def count_rows(path: Path, kind: str) -> int:
    """Records in an output file, read line by line so this script stays small (see peer.floor_kib)."""
    with path.open("rb") as handle:
        if kind == "csv":
            return sum(1 for _ in handle) - 1  # form_responses never holds a line break in demo data
        if kind == "ics":
            return sum(1 for line in handle if line == b"BEGIN:VEVENT\r\n")
        if kind == "table":  # a header and a rule, then one line a row; "(none)" when empty
            lines = [0, 0]
            for line in handle:
                lines[line.strip() == b"(none)"] += 1
            return 0 if lines[1] else max(0, lines[0] - 2)
        # json: "[", one record a line, "]" (or "[]"); ndjson: one record a line
        return sum(1 for line in handle if line.strip() not in (b"[", b"]", b"[]", b""))


def counted(case: Timed, kind: str, path: Path | None = None, required: bool = False) -> Timed:
    """Give the case a check that records its rows (from `path`, else its stdout), and fails if
    `required` and there are none."""
    def check(_n: int, out: Path) -> str | None:
        case.rows = count_rows(path or out, kind)
        return f"{path or out} holds no rows" if required and not case.rows else None
    case.check = check
    return case


def ndjson_rows(runner: Runner, scratch: Path, *args: str):
    """The records of `bookctl ARGS --format ndjson`, one at a time (untimed)."""
    out, err = scratch / "setup.ndjson", scratch / "setup.err"
    _, code, _, _ = run_child([*runner.argv, *args, "--format", "ndjson"], runner.env, out, err)
    if code != 0:
        sys.exit(f"bookctl {' '.join(args)} failed (exit {code}):\n{err.read_text(errors='replace')}")
    with out.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield json.loads(line)


def take_payments(runner: Runner, store: Store, want: int, scratch: Path) -> None:
    """Once per store: collect `want` December bookings with something due (spread over the month,
    PAYER's included) in person, each with the clock at the booking's start so that the entry is
    dated in December. A marker beside the store says it is done; a fresh seeding removes it."""
    marker = store.path.with_name(store.path.name + ".paid.json")
    if not store.reused:
        marker.unlink(missing_ok=True)
    store.paid_now = 0
    if not marker.is_file():
        where = ("--store", str(store.path))
        # the December listing as ndjson rather than json: read a line at a time, it keeps this script small
        due = [(r["id"], r["start"], r["contact_id"]) for r in ndjson_rows(runner, scratch, "session", "list", "--from",
                                                                           FIRST, "--to", LAST, *where)
               if r["status"] == "confirmed" and Decimal(r["due"]["amount"]) > 0]
        picks = [due[i * len(due) // want] for i in range(want)] if len(due) > want else due
        picks += [row for row in due if row[2] == PAYER and row not in picks][:1]
        for booking_id, start, _ in picks:
            out, err = scratch / "setup.out", scratch / "setup.err"
            _, code, _, _ = run_child([*runner.argv, "payment", "collect", booking_id, "--method", "in-person", "--yes",
                                       *where, "--format", "json"], {**runner.env, "BOOKCTL_NOW": start}, out, err)
            if code != 0 or json.loads(out.read_text(encoding="utf-8")).get("status") != "succeeded":
                sys.exit(f"payment collect {booking_id} failed (exit {code}):\n{err.read_text(errors='replace')}")
        marker.write_text(json.dumps({"payments": len(picks), "bookings": [p[0] for p in picks]}) + "\n",
                          encoding="utf-8")
        store.paid_now = len(picks)
    store.payments = sum(1 for _ in ndjson_rows(runner, scratch, "payment", "list", "--store", str(store.path)))


def store_cases(runner: Runner, store: Store, scratch: Path, year_rounds: tuple[int, ...]) -> list[Timed]:
    """The bookctl cases in one store: the year exports, the month export and the listings."""
    where = ("--store", str(store.path))
    size = store.bookings
    cases = []
    for fmt in FORMATS:
        target = scratch / f"year-{size}.{fmt}"
        case = Timed(f"export year {fmt}", size, lambda n, t=target, f=fmt: [
            *runner.argv, "export", "bookings", "--format", f, "--output", str(t), *where], rounds=year_rounds)
        cases.append(counted(case, fmt, target, required=True))
    month = scratch / f"month-{size}.csv"
    case = Timed(f"export --month {MONTH} csv", size, lambda n: [
        *runner.argv, "export", "bookings", "--month", MONTH, "--format", "csv", "--output", str(month), *where])
    cases.append(counted(case, "csv", month, required=True))
    for name, args, kind in LISTINGS:
        cases.append(counted(Timed(name, size, lambda n, a=args: [*runner.argv, *a, *where]), kind))
    return cases


def print_goals(goals: list[tuple[str, str, str]], large: int) -> None:
    """The goals table: each goal, its figure and "meets", "misses" or "on the line", in columns."""
    print(f"goals at {large} bookings:")
    widths = [max(len(g[i]) for g in goals) for i in range(2)]
    for goal, figure, word in goals:
        print(f"  {goal:<{widths[0]}}  {figure:<{widths[1]}}  {word}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--small", type=int, default=None, help="bookings in the small store (default 1000)")
    parser.add_argument("--large", type=int, default=None, help="bookings in the large store (default 100000)")
    parser.add_argument("--contacts", type=int, default=None, help="contacts in both stores (default 10000)")
    parser.add_argument("--days", type=int, default=None, help="days both calendars span (default 365)")
    parser.add_argument("--runs", type=int, default=None, help="timed runs of the other cases (default 7)")
    parser.add_argument("--export-runs", type=int, default=None,
                        help="timed year exports and `task export`s, no warm-up, at most --runs (default 3)")
    parser.add_argument("--warmups", type=int, default=None, help="untimed runs of the other cases first (default 1)")
    parser.add_argument("--payments", type=int, default=None,
                        help="December bookings paid once per fresh store (default 200)")
    parser.add_argument("--seed", type=int, default=1, help="demo seed (default 1)")
    parser.add_argument("--keep", type=Path, default=None, metavar="DIR",
                        help="keep the stores in DIR and reuse them next time (shared with scale.py)")
    parser.add_argument("--quick", action="store_true", help="a smoke run: 200 vs 5000 bookings, 1000 contacts, "
                        "60 days, 1 run, no warm-up, 20 payments")
    args = parser.parse_args()
    quick = {"small": 200, "large": 5000, "contacts": 1000, "days": 60, "runs": 1, "export_runs": 1, "warmups": 0,
             "payments": 20}
    full = {"small": 1000, "large": 100_000, "contacts": 10_000, "days": 365, "runs": 7, "export_runs": 3,
            "warmups": 1, "payments": 200}
    for key, value in (quick if args.quick else full).items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    if min(args.runs, args.export_runs, args.small, args.large, args.contacts, args.days) < 1 or \
            min(args.warmups, args.payments) < 0:
        parser.error("--runs, --export-runs, sizes, --contacts and --days must be at least 1, "
                     "--warmups and --payments at least 0")
    if args.export_runs > args.runs:
        parser.error("--export-runs can be at most --runs")

    scratch = Path(tempfile.mkdtemp(prefix="bookctl-export-"))
    home = args.keep.resolve() if args.keep else scratch
    home.mkdir(parents=True, exist_ok=True)
    runner = Runner(scratch)
    task = shutil.which("task")
    stores = [Store(label, n, home / f"bookings-{n}-contacts-{args.contacts}-days-{args.days}-seed-{args.seed}")
              for label, n in (("small", args.small), ("large", args.large))]
    # the year exports spread over the timed rounds, so that drift hits them as it hits the rest
    step = (args.runs - 1) / max(1, args.export_runs - 1)
    year_rounds = tuple(args.warmups + round(i * step) for i in range(args.export_runs))
    peer = None
    try:
        cases: list[Timed] = []
        for store in stores:
            seed_store(runner, store, args.contacts, args.days, args.seed)
            take_payments(runner, store, args.payments, scratch)
            cases += store_cases(runner, store, scratch, year_rounds)
        small = stores[0].path
        cases.append(counted(Timed(STARTUP, 0, lambda n: [*runner.argv, "session", "list", "--format", "json",
                                                           "--store", str(small)]), "json"))
        if task:
            peer = Peer(task, args.large, scratch, runner.env)
            peer.load()
            cases.append(peer.cases(year_rounds)[1])  # `task export`; its `task N done` is peer.py's
        measure(cases, runner.env, scratch, args.warmups + args.runs, args.warmups)
        report(args, stores, peer, cases, task)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return 0


def verdict(figure: float, goal: float) -> str:
    """meets, misses, or on the line when within ON_THE_LINE of the goal either way."""
    if abs(figure - goal) <= ON_THE_LINE * goal:
        return "on the line"
    return "meets" if figure <= goal else "misses"


def report(args: argparse.Namespace, stores: list[Store], peer: Peer | None, cases: list[Timed],
           task: str | None) -> None:
    """The stores, one table of every case at both sizes, and the goals."""
    by = {(c.name, c.size): c for c in cases}
    small, large = (s.bookings for s in stores)
    print(f"bookctl read path: median of {args.runs} runs per case after {args.warmups} warm-ups ({args.export_runs} "
          "runs, no warm-up, for the year exports and `task export`), cases round-robin")
    print(f"python {sys.version.split()[0]} at {sys.executable}; both stores: {args.contacts} contacts, "
          f"{args.days} days around {TODAY}, demo seed {args.seed}; BOOKCTL_NOW={NOW}")
    if args.keep:
        print(f"stores kept in {args.keep}")
    print_load()
    print(f"peak RSS floor: this script's own peak, {fmt_mib(floor_kib())} MiB (see peer.py)")
    print()
    for s in stores:
        paid = f"{s.paid_now} taken now" if s.paid_now else "taken by an earlier run"
        print(f"{s.seeded_bookings:>7} bookings: demo seed {fmt_s(s.seed_seconds)} s{' (kept)' if s.reused else ''}; "
              f"{s.payments} payments in the store (December's: {paid}, in person, dated at the booking)")
    if peer:
        print(f"taskwarrior {Path(task).name}: {args.large} tasks imported in {fmt_s(peer.import_seconds)} s, "
              f"{fmt_mib(peer.import_rss)} MiB")
    else:
        print("taskwarrior (`task`) is not on PATH: its row and the ratios to it are n/a. Install it with "
              "`apt-get install taskwarrior` (Debian/Ubuntu) or `brew install task` and run again.")
    print()
    names = [*dict.fromkeys(c.name for c in cases)]
    width = max(len(n) for n in names)
    cell = f" | {'rows':>6} {'ms':>7} {'CPU ms':>7} {'MiB':>6}"
    print(f"{'case':<{width}} | {small:^29} | {large:^29} | {f'{large}/{small}':>13}")
    print(f"{'':<{width}}{cell}{cell} | {'ms':>6} {'RSS':>6}")

    def cells(c: Timed | None) -> str:
        if c is None:
            return f" | {'':>29}"
        cpu = f"{statistics.median(c.cpu) * 1000:.0f}" if c.cpu else "n/a"
        rss = fmt_mib(statistics.median(c.rss)) if c.rss else "n/a"
        rows = "" if c.rows is None else str(c.rows)
        return f" | {rows:>6} {c.median * 1000:>7.0f} {cpu:>7} {rss:>6}"

    for name in names:
        a, b = by.get((name, small)) or by.get((name, 0)), by.get((name, large))
        if name == "task export" and b is not None:
            b.rows = peer.export_rows[-1] if peer and peer.export_rows else None
        ratio = ""
        if a and b:
            rss = f"{max(b.rss) / max(a.rss):.2f}x" if a.rss and b.rss else "n/a"
            ratio = f"{b.median / a.median:>5.2f}x {rss:>6}"
        print(f"{name:<{width}}{cells(a)}{cells(b)} | {ratio:>13}")
    print("(MiB: median peak RSS; the RSS ratio: highest of the runs)")
    print()
    goals: list[tuple[str, str, str]] = []
    export = by.get(("task export", large))
    for fmt, goal in GOAL_EXPORT.items():
        mine = by[(f"export year {fmt}", large)]
        name = f"year {fmt} / task export <= {goal}x"
        if export:
            ratio = mine.median / export.median
            goals.append((name, f"{ratio:.2f}x ({mine.median:.2f} / {export.median:.2f} s)", verdict(ratio, goal)))
        else:
            goals.append((name, "n/a (no `task`)", "n/a"))
    month, start = by[(f"export --month {MONTH} csv", large)], by[(STARTUP, 0)]
    above = month.median - start.median
    goals.append((f"month csv - start-up <= {GOAL_MONTH} s", f"{above:+.3f} s ({month.median:.3f} - "
                  f"{start.median:.3f})", verdict(above, GOAL_MONTH)))
    a, b = by[("export year csv", small)], by[("export year csv", large)]
    if a.rss and b.rss:
        ratio = max(b.rss) / max(a.rss)
        goals.append((f"year csv peak RSS {large} / {small} <= {GOAL_RSS}x",
                      f"{ratio:.2f}x ({fmt_mib(max(b.rss))} / {fmt_mib(max(a.rss))} MiB)", verdict(ratio, GOAL_RSS)))
    for name, _, _ in LISTINGS:
        c = by[(name, large)]
        goals.append((f"{name} <= {GOAL_LISTING} s", f"{c.median:.3f} s ({c.rows} rows)",
                      verdict(c.median, GOAL_LISTING)))
    print_goals(goals, large)


if __name__ == "__main__":
    sys.exit(main())
