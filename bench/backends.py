"""Files or PostgreSQL? The same seeded store on each backend, its commands timed side by side.

    python bench/backends.py [--backends files,postgres] [--bookings 100000] [--small 1000]
                             [--runs 7] [--export-runs 3] [--database-url postgresql://ADMIN@HOST/DB] [--quick]

For each backend it seeds, with `demo seed` and the same seed (so both hold the same data), a
large store and a small one with the same contacts and span, and times each seeding. Then it
times, round-robin: `session checkin` of a different booking each run in both stores, `payment
collect --method card --card tok_visa` (the sandbox provider) of a different unpaid booking,
`contact show` of a different contact and the full-year `export bookings --format csv` in the
large store, beside the start-up floors (bare python, `bookctl --version`, `import psycopg`, and
psycopg connecting to run `SELECT 1`). Prints the medians, CPU and peak RSS per backend side by
side, the checkin ratio large / small per backend, and whether both backends exported the same CSV.
Figures only: it never fails on a missed goal.

PostgreSQL: by default a throwaway cluster (tests/pg_server.py's, durable: fsync on); or, with
--database-url, an existing server on which that admin URL may create databases (dropped at the
end). pg_helper.py's process owns either, so that this script never imports psycopg (see there).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import signal
import statistics
import sys
import tempfile
from pathlib import Path
from urllib.parse import unquote, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))
from contacts import pick_contacts  # noqa: E402 - the sibling benches
from peer import Timed, count_lines, floor_kib, json_field, measure, pick_unpaid  # noqa: E402
from pg_helper import PostgresHelper  # noqa: E402
from scale import NOW, TODAY, Runner, Store, fmt_mib, fmt_s, pick_bookings, seed_store  # noqa: E402
from startup import print_cases, print_load  # noqa: E402

BACKENDS = ("files", "postgres")
# It overrides bookctl.toml's URL: the caller's would send every store to one database.
URL_ENV = "BOOKCTL_DATABASE_URL"
CONNECT = "import os, psycopg; psycopg.connect(os.environ['BENCH_PG_URL']).execute('SELECT 1').fetchall()"


class BackendCase(Timed):
    """A timed case of one backend (None: a start-up floor, no store)."""

    def __init__(self, backend: str | None, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.backend = backend


class Side:
    """One backend: its environment, its runner, its large and small stores."""

    def __init__(self, backend: str, scratch: Path, sizes: tuple[int, int], contacts: int, days: int) -> None:
        self.backend = backend
        self.runner = Runner(scratch)
        self.runner.env.pop(URL_ENV, None)
        self.env = self.runner.env  # one dict: the runner's set-up steps and the timed cases alike
        self.stores = [Store(f"{backend} {n}", n, scratch / f"{backend}-{n}-contacts-{contacts}-days-{days}")
                       for n in sizes]
        self.large, self.small = self.stores
        self.year_csv = scratch / f"year-{backend}.csv"
        self.year_rows: list[int] = []
        self.url: str | None = None  # the large store's database, on PostgreSQL
        self.picked: tuple[list[str], ...] = ()  # what the cases use, to check both backends hold the same

    def seed(self, pg: PostgresHelper | None, contacts: int, days: int, seed: int) -> None:
        """Seed both stores, on PostgreSQL each in a database of its own."""
        for store in self.stores:
            url = pg.create(f"bookctl_bench_{os.getpid()}_{store.bookings}") if self.backend == "postgres" else None
            if url and urlsplit(url).password is not None:  # bookctl.toml keeps no password; libpq reads this
                self.env["PGPASSWORD"] = unquote(urlsplit(url).password)
            seed_store(self.runner, store, contacts, days, seed, database=url)
            if url and store is self.large:
                self.url = url

    def cases(self, contacts: int, days: int, rounds: int, year_rounds: range) -> list[BackendCase]:
        """The timed cases of this backend, their bookings and contacts picked (untimed)."""
        bookctl, large, small = self.runner.argv, self.large, self.small
        for store in self.stores:
            pick_bookings(self.runner, store, rounds, days)
        unpaid = pick_unpaid(self.runner, large, rounds)
        people = pick_contacts(self.runner, large, contacts, rounds)
        big, little = ("--store", str(large.path)), ("--store", str(small.path))
        made = [
            BackendCase(self.backend, "session checkin", large.bookings,
                        lambda n: [*bookctl, "session", "checkin", large.picks[n], *big, "--format", "json"],
                        json_field("attendance", "checked_in"), env=self.env),
            BackendCase(self.backend, "session checkin", small.bookings,
                        lambda n: [*bookctl, "session", "checkin", small.picks[n], *little, "--format", "json"],
                        json_field("attendance", "checked_in"), env=self.env),
            BackendCase(self.backend, "payment collect", large.bookings,
                        lambda n: [*bookctl, "payment", "collect", unpaid[n], "--method", "card", "--card",
                                   "tok_visa", "--yes", *big, "--format", "json"],
                        json_field("status", "succeeded"), env=self.env),
            BackendCase(self.backend, "contact show", large.bookings,
                        lambda n: [*bookctl, "contact", "show", people[n], *big, "--format", "json"],
                        json_field("id", lambda n: people[n]), env=self.env),
            BackendCase(self.backend, "export year csv", large.bookings,
                        lambda n: [*bookctl, "export", "bookings", "--from", large.first_day, "--to", large.last_day,
                                   "--format", "csv", "--output", str(self.year_csv), *big],
                        count_lines(self.year_csv, self.year_rows), year_rounds, env=self.env),
        ]
        self.picked = (large.picks, small.picks, unpaid, people)
        return made


def floor_cases(runner: Runner, pg_side: Side | None) -> list[BackendCase]:
    """What every command pays before its work: the interpreter, bookctl's start-up, psycopg's import
    and a connection (import, connect, `SELECT 1`) to the large PostgreSQL store's database."""
    py = sys.executable
    made = [BackendCase(None, "python -c pass", 0, lambda n: [py, "-c", "pass"]),
            BackendCase(None, "bookctl --version", 0, lambda n: [*runner.argv, "--version"])]
    if pg_side is not None:
        made += [BackendCase(None, "python -c 'import psycopg'", 0, lambda n: [py, "-c", "import psycopg"]),
                 BackendCase(None, "psycopg connect + SELECT 1", 0, lambda n: [py, "-c", CONNECT],
                             env={**pg_side.env, "BENCH_PG_URL": pg_side.url})]
    return made


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backends", default="files,postgres", help="comma-separated: files, postgres (default both)")
    parser.add_argument("--bookings", type=int, default=None, help="bookings in the large stores (default 100000)")
    parser.add_argument("--small", type=int, default=None,
                        help="bookings in the small stores, checkin only (default 1000)")
    parser.add_argument("--contacts", type=int, default=None, help="contacts in every store (default 10000)")
    parser.add_argument("--days", type=int, default=None, help="days every calendar spans (default 365)")
    parser.add_argument("--runs", type=int, default=None, help="timed runs per case (default 7)")
    parser.add_argument("--warmups", type=int, default=None, help="untimed runs per case first (default 1)")
    parser.add_argument("--export-runs", type=int, default=None,
                        help="timed full-year exports per backend, no warm-up (default 3)")
    parser.add_argument("--seed", type=int, default=1, help="demo seed (default 1)")
    parser.add_argument("--database-url", default=None, metavar="URL",
                        help="an existing PostgreSQL server's admin URL, allowed to create databases "
                             "(default: start a throwaway cluster)")
    parser.add_argument("--pg-fast", action="store_true",
                        help="the throwaway cluster without durability (fsync, synchronous_commit and "
                             "full_page_writes off), as the test suite runs it")
    parser.add_argument("--quick", action="store_true", help="a smoke run: 300 and 100 bookings, 200 contacts, "
                        "20 days, 2 runs, no warm-up, 1 export run")
    args = parser.parse_args()
    quick = {"bookings": 300, "small": 100, "contacts": 200, "days": 20, "runs": 2, "warmups": 0, "export_runs": 1}
    full = {"bookings": 100_000, "small": 1000, "contacts": 10_000, "days": 365, "runs": 7, "warmups": 1,
            "export_runs": 3}
    for key, value in (quick if args.quick else full).items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    if not backends or set(backends) - set(BACKENDS) or len(set(backends)) < len(backends):
        parser.error(f"--backends takes one or both of {', '.join(BACKENDS)}")
    sizes = (args.bookings, args.small, args.contacts, args.days)
    if args.runs < 1 or args.warmups < 0 or args.export_runs < 1 or min(sizes) < 1:
        parser.error("--runs, --export-runs, sizes, --contacts and --days must be at least 1, --warmups at least 0")
    if args.export_runs > args.warmups + args.runs:
        parser.error("--export-runs can be at most --warmups + --runs")
    if args.small == args.bookings:
        parser.error("--small must differ from --bookings")

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so that the finally below stops the server
    scratch = Path(tempfile.mkdtemp(prefix="bookctl-backends-"))
    rounds = args.warmups + args.runs
    year_rounds = range(args.warmups, args.warmups + args.export_runs)
    pg: PostgresHelper | None = None
    try:
        if "postgres" in backends:
            pg = PostgresHelper(args.database_url, args.pg_fast)
        sides = [Side(b, scratch, (args.bookings, args.small), args.contacts, args.days) for b in backends]
        for side in sides:
            side.seed(pg, args.contacts, args.days, args.seed)
        # each case of one backend next to the same case of the other, so that drift hits both alike
        per_side = [side.cases(args.contacts, args.days, rounds, year_rounds) for side in sides]
        cases = [case for same in zip(*per_side) for case in same]
        cases += floor_cases(sides[0].runner, next((s for s in sides if s.backend == "postgres"), None))
        measure(cases, sides[0].runner.env, scratch, rounds, args.warmups)
        report(args, sides, cases, pg.info if pg else None)
    finally:
        if pg is not None:
            pg.close()
        shutil.rmtree(scratch, ignore_errors=True)
    return 0


def sha256(path: Path) -> str:
    """The file's sha256, read a MiB at a time."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def cell(case: BackendCase) -> str:
    """Median wall ms, median CPU ms and median peak RSS MiB of one case."""
    cpu = f"{statistics.median(case.cpu) * 1000:.0f}" if case.cpu else "n/a"
    rss = fmt_mib(statistics.median(case.rss)) if case.rss else "n/a"
    return f"{case.median * 1000:>9.1f} {cpu:>6} {rss:>6}"


def report(args: argparse.Namespace, sides: list[Side], cases: list[BackendCase], pg_info: dict | None) -> None:
    """Seeding, the side-by-side table, the checkin ratios, the data check and the start-up floors."""
    by = {(c.name, c.size, c.backend): c for c in cases}
    names = [b.backend for b in sides]
    print(f"bookctl on {' and '.join(names)}: median of {args.runs} runs per case after {args.warmups} warm-ups "
          f"({args.export_runs} runs, no warm-up, for the year export), cases round-robin")
    print(f"python {sys.version.split()[0]} at {sys.executable}; every store: {args.contacts} contacts, "
          f"{args.days} days around {TODAY}, demo seed {args.seed}; BOOKCTL_NOW={NOW}")
    if pg_info:
        print(f"PostgreSQL {pg_info['server_version']}, {pg_info['where']}: fsync={pg_info['fsync']}, "
              f"synchronous_commit={pg_info['synchronous_commit']}, full_page_writes={pg_info['full_page_writes']}, "
              f"shared_buffers={pg_info['shared_buffers']}")
    print_load()
    print(f"peak RSS floor: this script's own peak, {fmt_mib(floor_kib())} MiB; a child that peaks lower "
          "reads as this")
    print()
    print(f"{'seeding':<9} {'bookings':>8} {'seed s':>8} {'bookings/s':>10} {'peak RSS MiB':>12}")
    for side in sides:
        for store in side.stores:
            rate = f"{store.seeded_bookings / store.seed_seconds:.0f}" if store.seed_seconds else "n/a"
            print(f"{side.backend:<9} {store.seeded_bookings:>8} {fmt_s(store.seed_seconds):>8} {rate:>10} "
                  f"{fmt_mib(store.seed_rss):>12}")
    print()
    rows = [*dict.fromkeys((c.name, c.size) for c in cases if c.backend)]
    width = max(len(name) for name, _ in rows)
    head = f"{'case':<{width}} {'bookings':>8}"
    head += "".join(f" | {f'{b} ms':>9} {'CPU ms':>6} {'MiB':>6}" for b in names)
    print(head + (f" | {'postgres / files':>16}" if len(names) == 2 else ""))
    for name, size in rows:
        line = f"{name:<{width}} {size:>8}" + "".join(f" | {cell(by[(name, size, b)])}" for b in names)
        if len(names) == 2:
            line += f" | {by[(name, size, 'postgres')].median / by[(name, size, 'files')].median:>15.2f}x"
        print(line)
    print()
    ratios = []
    for b in names:
        big, little = by[("session checkin", args.bookings, b)], by[("session checkin", args.small, b)]
        cpu = f", CPU {statistics.median(big.cpu) / statistics.median(little.cpu):.2f}x" if big.cpu else ""
        floors = min(big.times) / min(little.times)
        ratios.append(f"{b} {big.median / little.median:.2f}x (minimums {floors:.2f}x{cpu})")
    print(f"session checkin at {args.bookings} / at {args.small}: {'; '.join(ratios)}")
    print("year export rows: " + ", ".join(f"{s.backend} {s.year_rows[0] if s.year_rows else '?'}" for s in sides)
          + f" of {sides[0].large.seeded_bookings} seeded ({sides[0].large.first_day}..{sides[0].large.last_day})")
    if len(sides) == 2:
        same_picks = sides[0].picked == sides[1].picked
        digests = [sha256(s.year_csv) for s in sides]
        print(f"same data on both: the picked bookings and contacts {'match' if same_picks else 'DIFFER'}; "
              f"the last year CSVs are {'identical' if digests[0] == digests[1] else 'DIFFERENT'}")
    print()
    print_cases("start-up floors", [(c.name, c) for c in cases if c.backend is None])


if __name__ == "__main__":
    sys.exit(main())
