"""Does an export's memory stay flat as the calendar grows? `export bookings` at two sizes.

    python bench/export.py [--small 1000] [--large 100000] [--runs 3] [--keep DIR] [--quick]

Seeds two stores with `demo seed` over the same span and the same contacts (scale.py's stores, so
`--keep` shares them with it), then times `export bookings --format csv|ics --output FILE` of the
whole calendar in each, the cases taking turns. Prints per case the median wall time, CPU time and
peak RSS of the child, the rows written, the file size and the rate; then the peak RSS ratio of
the large store to the small one (goal: flat, i.e. memory does not grow with the row count).
Figures only: it never fails on a missed goal. Uses nothing but the standard library and an
installed bookctl.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from scale import NOW, TODAY, Runner, Store, fmt_mib, fmt_s, seed_store  # noqa: E402 - the sibling bench
from startup import print_load  # noqa: E402

FORMATS = ("csv", "ics")


def count_rows(path: Path, fmt: str) -> int:
    """Bookings in an exported file: CSV lines after the header, or VEVENTs."""
    with path.open("rb") as handle:
        if fmt == "csv":
            return sum(1 for _ in handle) - 1  # form_responses never holds a line break in demo data
        return sum(1 for line in handle if line == b"BEGIN:VEVENT\r\n")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--small", type=int, default=None, help="bookings in the small store (default 1000)")
    parser.add_argument("--large", type=int, default=None, help="bookings in the large store (default 100000)")
    parser.add_argument("--contacts", type=int, default=None, help="contacts in both stores (default 10000)")
    parser.add_argument("--days", type=int, default=None, help="days both calendars span (default 365)")
    parser.add_argument("--runs", type=int, default=None, help="timed exports per case (default 3)")
    parser.add_argument("--seed", type=int, default=1, help="demo seed (default 1)")
    parser.add_argument("--keep", type=Path, default=None, metavar="DIR",
                        help="keep the stores in DIR and reuse them next time (shared with scale.py)")
    parser.add_argument("--quick", action="store_true", help="a smoke run: 200 vs 5000 bookings, 1000 contacts, "
                        "60 days, 1 run")
    args = parser.parse_args()
    quick = {"small": 200, "large": 5000, "contacts": 1000, "days": 60, "runs": 1}
    full = {"small": 1000, "large": 100_000, "contacts": 10_000, "days": 365, "runs": 3}
    for key, value in (quick if args.quick else full).items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    if args.runs < 1 or min(args.small, args.large, args.contacts, args.days) < 1:
        parser.error("--runs, sizes, --contacts and --days must be at least 1")

    scratch = Path(tempfile.mkdtemp(prefix="bookctl-export-"))
    home = args.keep.resolve() if args.keep else scratch
    home.mkdir(parents=True, exist_ok=True)
    runner = Runner(scratch)
    stores = [Store(label, n, home / f"bookings-{n}-contacts-{args.contacts}-days-{args.days}-seed-{args.seed}")
              for label, n in (("small", args.small), ("large", args.large))]
    results: dict[tuple[str, str], dict[str, list[float]]] = {}
    sizes: dict[tuple[str, str], tuple[int, int]] = {}
    try:
        for store in stores:
            seed_store(runner, store, args.contacts, args.days, args.seed)
        for _ in range(args.runs):  # cases take turns so machine drift hits each alike
            for store in stores:
                for fmt in FORMATS:
                    target = scratch / f"{store.label}.{fmt}"
                    elapsed, rss, cpu, _ = runner.must("export", "bookings", "--format", fmt, "--output",
                                                       str(target), "--store", str(store.path))
                    case = results.setdefault((store.label, fmt), {"wall": [], "rss": [], "cpu": []})
                    case["wall"].append(elapsed)
                    if rss is not None:
                        case["rss"].append(rss)
                    if cpu is not None:
                        case["cpu"].append(cpu)
                    sizes[(store.label, fmt)] = (count_rows(target, fmt), target.stat().st_size)
        report(args, stores, results, sizes)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return 0


def report(args: argparse.Namespace, stores: list[Store], results: dict, sizes: dict) -> None:
    """The table and the RSS ratios."""
    print(f"bookctl export: `export bookings --format F --output FILE` of the whole calendar, median of "
          f"{args.runs} runs per case, cases alternated")
    print(f"python {sys.version.split()[0]} at {sys.executable}; both stores: {args.contacts} contacts, "
          f"{args.days} days around {TODAY}, demo seed {args.seed}; BOOKCTL_NOW={NOW}")
    if args.keep:
        print(f"stores kept in {args.keep}")
    print_load()
    print()
    print(f"{'store':<6} {'format':<6} {'rows':>8} {'file MiB':>9} {'wall s':>7} {'CPU s':>7} {'rows/s':>8} "
          f"{'peak RSS MiB':>12} {'seed s':>12}")
    for store in stores:
        for fmt in FORMATS:
            case = results[(store.label, fmt)]
            rows, size = sizes[(store.label, fmt)]
            wall = statistics.median(case["wall"])
            cpu = f"{statistics.median(case['cpu']):.2f}" if case["cpu"] else "n/a"
            peak = fmt_mib(max(case["rss"])) if case["rss"] else "n/a"
            seed_s = fmt_s(store.seed_seconds) + (" (kept)" if store.reused else "")
            print(f"{store.label:<6} {fmt:<6} {rows:>8} {size / 2**20:>9.1f} {wall:>7.2f} {cpu:>7} "
                  f"{rows / wall:>8.0f} {peak:>12} {seed_s:>12}")
    print()
    for fmt in FORMATS:
        small, large = results[(stores[0].label, fmt)], results[(stores[1].label, fmt)]
        if small["rss"] and large["rss"]:
            print(f"{fmt}: peak RSS large / small = {max(large['rss']) / 1024:.1f} / {max(small['rss']) / 1024:.1f} MiB"
                  f" = {max(large['rss']) / max(small['rss']):.2f}x for {stores[1].seeded_bookings / stores[0].seeded_bookings:.0f}x"
                  " the rows (goal: flat)")


if __name__ == "__main__":
    sys.exit(main())
