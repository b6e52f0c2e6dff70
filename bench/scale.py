"""Does one booking's command cost the same in a big store? `session checkin` at two sizes.

    python bench/scale.py [--small 1000] [--large 100000] [--runs 15] [--keep DIR] [--quick]

Seeds two stores with `demo seed` over the same span and the same contacts (so only the number of
bookings differs), times each seeding, then times `session checkin` of a different confirmed
booking of 2026-11-23 or before in each run (one not still booked is set back to booked first,
untimed), alternating small and large. Prints the medians, their ratio (goal <= 1.2x) and each
child's peak RSS (goal: flat). Figures only: it never fails on a missed goal. Uses nothing but
the standard library and an installed bookctl.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from startup import print_load

GOAL = 1.2
NOW = "2026-11-23T12:00:00+01:00"
TODAY = date(2026, 11, 23)
# PYTHONDONTWRITEBYTECODE would make every run compile bookctl's modules from source, which an
# installed bookctl never does: pip writes the .pyc files at install time.
DROPPED_ENV = ("BOOKCTL_STORE", "BOOKCTL_DEBUG", "PYTHONDONTWRITEBYTECODE")


def bookctl_argv() -> list[str]:
    """bookctl as run by this interpreter: its console script beside sys.executable, else `-m bookctl`."""
    script = Path(sys.executable).parent / "bookctl"
    if script.is_file():
        return [sys.executable, str(script)]
    return [sys.executable, "-m", "bookctl"]


def child_env() -> dict[str, str]:
    """This environment with the clock pinned, bytecode caching on, and no store or debug setting."""
    env = {k: v for k, v in os.environ.items() if k not in DROPPED_ENV}
    env["BOOKCTL_NOW"] = NOW
    return env


class Runner:
    """Runs bookctl children, capturing output in a scratch directory, and measures each one."""

    def __init__(self, scratch: Path) -> None:
        self.argv = bookctl_argv()
        self.env = child_env()
        self.out, self.err = scratch / "child.out", scratch / "child.err"

    def run(self, *args: str) -> tuple[float, int, int | None, float | None, str]:
        """(wall s, exit code, peak RSS KiB, CPU s user+sys, stdout) of `bookctl ARGS`; None where unknown."""
        argv = [*self.argv, *args]
        if hasattr(os, "posix_spawn") and hasattr(os, "wait4"):
            actions = [
                (os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
                (os.POSIX_SPAWN_OPEN, 1, str(self.out), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644),
                (os.POSIX_SPAWN_OPEN, 2, str(self.err), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644),
            ]
            started = time.perf_counter()
            pid = os.posix_spawn(argv[0], argv, self.env, file_actions=actions)
            _, status, usage = os.wait4(pid, 0)  # this child's own rusage, not a running total
            elapsed = time.perf_counter() - started
            rss = usage.ru_maxrss // 1024 if sys.platform == "darwin" else usage.ru_maxrss  # bytes on macOS
            code = os.waitstatus_to_exitcode(status)
            cpu = usage.ru_utime + usage.ru_stime
        else:
            with self.out.open("wb") as stdout, self.err.open("wb") as stderr:
                started = time.perf_counter()
                code = subprocess.call(argv, env=self.env, stdin=subprocess.DEVNULL, stdout=stdout, stderr=stderr)
                elapsed, rss, cpu = time.perf_counter() - started, None, None
        return elapsed, code, rss, cpu, self.out.read_text(encoding="utf-8", errors="replace")

    def must(self, *args: str) -> tuple[float, int | None, float | None, str]:
        """Like run, but stop the benchmark with bookctl's stderr if it fails."""
        elapsed, code, rss, cpu, out = self.run(*args)
        if code != 0:
            sys.exit(f"bookctl {' '.join(args)} failed (exit {code}):\n{self.err.read_text(errors='replace')}")
        return elapsed, rss, cpu, out


class Store:
    """One seeded store and what was measured on it."""

    def __init__(self, label: str, bookings: int, path: Path) -> None:
        self.label, self.bookings, self.path = label, bookings, path
        self.seed_seconds: float | None = None
        self.seed_rss: int | None = None
        self.seeded_bookings = bookings
        self.first_day: str | None = None  # the seeded calendar's first and last local day
        self.last_day: str | None = None
        self.reused = False
        self.picks: list[str] = []
        self.original: dict[str, str] = {}  # booking id -> its attendance before the benchmark
        self.times: list[float] = []
        self.rss: list[int] = []
        self.cpu: list[float] = []


def seed_store(runner: Runner, store: Store, contacts: int, days: int, seed: int,
               database: str | None = None) -> None:
    """Seed the store (or reuse a complete one kept from an earlier --keep run); with `database`,
    a store whose records are in that empty PostgreSQL database."""
    marker = store.path.with_name(store.path.name + ".seeded.json")
    if marker.is_file() and (store.path / "bookctl.toml").is_file():
        summary = json.loads(marker.read_text(encoding="utf-8"))
        store.reused, store.seeded_bookings = True, summary["bookings"]
        store.seed_seconds, store.seed_rss = summary.get("seed_seconds"), summary.get("seed_rss_kib")
        store.first_day, store.last_day = summary.get("first_day"), summary.get("last_day")
        return
    shutil.rmtree(store.path, ignore_errors=True)  # a half-made store from an interrupted run
    runner.must("init", str(store.path), "--business", "Bench Studio", "--currency", "EUR",
                "--timezone", "Europe/Rome", *(["--database", database] if database else []))
    elapsed, rss, _, out = runner.must("demo", "seed", "--store", str(store.path), "--contacts", str(contacts),
                                    "--bookings", str(store.bookings), "--seed", str(seed),
                                    "--start", TODAY.isoformat(), "--days", str(days), "--format", "json")
    summary = json.loads(out)
    store.seed_seconds, store.seed_rss, store.seeded_bookings = elapsed, rss, summary["bookings"]
    store.first_day, store.last_day = summary.get("first_day"), summary.get("last_day")
    marker.write_text(json.dumps({**summary, "seed_seconds": elapsed, "seed_rss_kib": rss}) + "\n", encoding="utf-8")


def pick_bookings(runner: Runner, store: Store, need: int, days: int) -> None:
    """`need` confirmed bookings of TODAY or before, still-booked ones first, nearest TODAY first.

    A sparse store may not have enough still-booked ones: those picked that were already checked in
    or marked no-show are set back to booked (untimed) so that every timed checkin writes.
    """
    window = 1
    while True:
        first = TODAY - timedelta(days=window - 1)
        period = (["--day", TODAY.isoformat()] if window == 1
                  else ["--from", first.isoformat(), "--to", TODAY.isoformat()])
        _, _, _, out = runner.must("session", "list", *period, "--format", "json", "--store", str(store.path))
        rows = [r for r in json.loads(out) if r["status"] == "confirmed" and r["start"][:10] <= TODAY.isoformat()]
        booked = sum(1 for r in rows if r["attendance"] == "booked")
        if booked >= need or window > days:
            break
        window *= 4
    rows.sort(key=lambda r: (r["start"], r["id"]), reverse=True)  # nearest TODAY first ...
    rows.sort(key=lambda r: r["attendance"] != "booked")  # ... still-booked ones before the rest (stable)
    if len(rows) < need:
        sys.exit(f"the {store.label} store has only {len(rows)} confirmed bookings on or before {TODAY}; "
                 f"{need} are needed (use fewer --runs or more bookings)")
    for row in rows[:need]:
        store.picks.append(row["id"])
        store.original[row["id"]] = row["attendance"]
        if row["attendance"] != "booked":
            runner.must("session", "attendance", row["id"], "booked", "--store", str(store.path), "--format", "json")


def day_file_kib(store: Store) -> float:
    """Mean size of the day files the picked bookings live in: what one checkin reads and rewrites."""
    sizes = []
    for booking_id in store.picks:
        stamp = booking_id.split("-")[1]
        path = store.path / "data" / "days" / stamp[:4] / f"{stamp[:4]}-{stamp[4:6]}-{stamp[6:]}.json"
        if path.is_file():
            sizes.append(path.stat().st_size)
    return statistics.mean(sizes) / 1024 if sizes else float("nan")


def checkin(runner: Runner, store: Store, booking_id: str, timed: bool) -> None:
    """One `session checkin`, checked for having done its work."""
    elapsed, rss, cpu, out = runner.must("session", "checkin", booking_id, "--store", str(store.path),
                                         "--format", "json")
    if json.loads(out).get("attendance") != "checked_in":
        sys.exit(f"checkin of {booking_id} in the {store.label} store did not check it in:\n{out}")
    if timed:
        store.times.append(elapsed)
        if rss is not None:
            store.rss.append(rss)
        if cpu is not None:
            store.cpu.append(cpu)


def fmt_s(value: float | None) -> str:
    """Seconds with one decimal, or n/a."""
    return "n/a" if value is None else f"{value:.1f}"


def fmt_mib(kib: float | None) -> str:
    """KiB shown as MiB with one decimal, or n/a."""
    return "n/a" if kib is None else f"{kib / 1024:.1f}"


def store_options(parser: argparse.ArgumentParser, runs: str, warmups: str, keep: str, quick: str) -> None:
    """The options every two-store bench takes: the sizes, the runs, the seed, --keep and --quick (the
    help of the last four given); `sized` fills in what was not given."""
    parser.add_argument("--small", type=int, default=None, help="bookings in the small store (default 1000)")
    parser.add_argument("--large", type=int, default=None, help="bookings in the large store (default 100000)")
    parser.add_argument("--contacts", type=int, default=None, help="contacts in both stores (default 10000)")
    parser.add_argument("--days", type=int, default=None, help="days both calendars span (default 365)")
    parser.add_argument("--runs", type=int, default=None, help=runs)
    parser.add_argument("--warmups", type=int, default=None, help=warmups)
    parser.add_argument("--seed", type=int, default=1, help="demo seed (default 1)")
    parser.add_argument("--keep", type=Path, default=None, metavar="DIR", help=keep)
    parser.add_argument("--quick", action="store_true", help=quick)


def sized(parser: argparse.ArgumentParser, args: argparse.Namespace, quick: dict, full: dict) -> None:
    """Fill each option not given from `quick` (with --quick) or `full`, and refuse sizes below 1."""
    for key, value in (quick if args.quick else full).items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    if args.runs < 1 or args.warmups < 0 or min(args.small, args.large, args.contacts, args.days) < 1:
        parser.error("--runs, sizes, --contacts and --days must be at least 1, --warmups at least 0")


def two_stores(home: Path, args: argparse.Namespace) -> list[Store]:
    """The small and the large store, named by what they hold, so --keep shares them between benches."""
    return [Store(label, n, home / f"bookings-{n}-contacts-{args.contacts}-days-{args.days}-seed-{args.seed}")
            for label, n in (("small", args.small), ("large", args.large))]


def scratch_and_home(args: argparse.Namespace, prefix: str) -> tuple[Path, Path]:
    """A new scratch directory, and where the seeded stores live: --keep's directory, else the scratch."""
    scratch = Path(tempfile.mkdtemp(prefix=prefix))
    home = args.keep.resolve() if args.keep else scratch
    home.mkdir(parents=True, exist_ok=True)
    return scratch, home


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    store_options(parser, runs="timed checkins per store (default 15)", warmups="untimed checkins per store first (default 2)",
                  keep="keep the stores in DIR and reuse them next time (checkins are undone after)",
                  quick="a smoke run: 200 vs 5000 bookings, 1000 contacts, 60 days, 5 runs, 1 warm-up")
    args = parser.parse_args()
    sized(parser, args, quick={"small": 200, "large": 5000, "contacts": 1000, "days": 60, "runs": 5, "warmups": 1},
          full={"small": 1000, "large": 100_000, "contacts": 10_000, "days": 365, "runs": 15, "warmups": 2})

    scratch, home = scratch_and_home(args, "bookctl-scale-")
    runner = Runner(scratch)
    stores = two_stores(home, args)
    need = args.warmups + args.runs
    try:
        for store in stores:
            seed_store(runner, store, args.contacts, args.days, args.seed)
            pick_bookings(runner, store, need, args.days)
        try:
            for n in range(need):  # alternate the stores so machine drift hits both alike
                for store in stores:
                    checkin(runner, store, store.picks[n], timed=n >= args.warmups)
        finally:
            if args.keep:  # leave the kept stores as seeded, so the next run finds the same bookings
                for store in stores:
                    for booking_id, attendance in store.original.items():
                        runner.run("session", "attendance", booking_id, attendance, "--store", str(store.path),
                                   "--format", "json")
        report(args, stores)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return 0


def report(args: argparse.Namespace, stores: list[Store]) -> None:
    """The table, the checkin and RSS ratios, and the seeding rate."""
    print(f"bookctl scale: `session checkin` (--format json), median of {args.runs} runs per store after "
          f"{args.warmups} warm-ups, stores alternated")
    print(f"python {sys.version.split()[0]} at {sys.executable}; both stores: {args.contacts} contacts, "
          f"{args.days} days around {TODAY}, demo seed {args.seed}; BOOKCTL_NOW={NOW}")
    if args.keep:
        print(f"stores kept in {args.keep}")
    print_load()
    print()
    header = (f"{'store':<6} {'bookings':>8} {'seed s':>12} {'seed RSS MiB':>12} {'day file KiB':>12} "
              f"{'checkin ms':>10} {'min ms':>7} {'max ms':>7} {'CPU ms':>7} {'peak RSS MiB':>12}")
    print(header)
    for s in stores:
        seed_s = fmt_s(s.seed_seconds) + (" (kept)" if s.reused else "")
        peak = fmt_mib(statistics.median(s.rss)) if s.rss else "n/a"
        cpu_ms = f"{statistics.median(s.cpu) * 1000:.1f}" if s.cpu else "n/a"
        print(f"{s.label:<6} {s.seeded_bookings:>8} {seed_s:>12} {fmt_mib(s.seed_rss):>12} {day_file_kib(s):>12.1f} "
              f"{statistics.median(s.times) * 1000:>10.1f} {min(s.times) * 1000:>7.1f} {max(s.times) * 1000:>7.1f} "
              f"{cpu_ms:>7} {peak:>12}")
    small, large = stores
    ratio = statistics.median(large.times) / statistics.median(small.times)
    print()
    floor_ratio = min(large.times) / min(small.times)
    cpu_ratio = f"; CPU {statistics.median(large.cpu) / statistics.median(small.cpu):.2f}x" if small.cpu else ""
    print(f"checkin large / small = {ratio:.2f}x (goal <= {GOAL}x: {'meets' if ratio <= GOAL else 'misses'}); "
          f"minimums {floor_ratio:.2f}x{cpu_ratio}")
    if small.rss and large.rss:
        rss_ratio = max(large.rss) / max(small.rss)
        print(f"peak RSS large / small (highest of the runs) = {max(large.rss) / 1024:.1f} / "
              f"{max(small.rss) / 1024:.1f} MiB = {rss_ratio:.2f}x (goal: flat)")
    if small.seed_seconds and large.seed_seconds:
        per_k = large.seed_seconds / max(1, large.seeded_bookings) * 1000
        print(f"seeding {large.seeded_bookings} bookings took {large.seed_seconds:.1f} s ({per_k:.2f} s per 1000)")


if __name__ == "__main__":
    sys.exit(main())
