"""Does Tab stay quick in a big store? Shell completion's answers timed at two store sizes.

    python bench/completion.py [--contacts 20000] [--bookings 100000] [--runs 11] [--store DIR] [--quick]

Seeds a small store (50 contacts, 200 bookings) and a large one with `demo seed` (or uses the
large store at --store, seeding it there when it is empty), then times whole processes answering
bash as its completion script asks (`_BOOKCTL_COMPLETE=complete_bash`, COMP_WORDS, COMP_CWORD),
round-robin, beside `bookctl --version` as the floor. Prints median wall and CPU ms per case and
store and how many candidates came back. Figures only; uses nothing but the standard library and an
installed bookctl.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

from startup import NOW, bookctl_argv, child_env, must, print_load, run_child

CASES = [  # (label, the words after `bookctl`; the last one is being completed)
    ("session checkin <TAB>", ["session", "checkin", ""]),
    ("session checkin zo<TAB>", ["session", "checkin", "zo"]),
    ("--contact <TAB>", ["session", "book", "--contact", ""]),
    ("--contact Zo<TAB>", ["session", "book", "--contact", "Zo"]),
    ("--service <TAB>", ["session", "book", "--service", ""]),
    ("--staff <TAB>", ["session", "list", "--staff", ""]),
]


def seed(bookctl: list[str], store: Path, contacts: int, bookings: int, work: Path) -> None:
    """A demo studio around NOW's day, unless `store` holds one already."""
    if (store / "bookctl.toml").is_file():
        return
    env = child_env()
    must([*bookctl, "init", str(store), "--business", "Bench Studio", "--currency", "EUR",
          "--timezone", "Europe/Rome"], env, work)
    must([*bookctl, "demo", "seed", "--store", str(store), "--contacts", str(contacts), "--bookings",
          str(bookings), "--seed", "1", "--start", NOW[:10], "--format", "json"], env, work)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--contacts", type=int, default=20000, help="contacts in the large store (default 20000)")
    parser.add_argument("--bookings", type=int, default=100000, help="bookings in the large store (default 100000)")
    parser.add_argument("--runs", type=int, default=11, help="timed runs per case (default 11)")
    parser.add_argument("--store", type=Path, default=None, help="keep (or reuse) the large store here")
    parser.add_argument("--quick", action="store_true", help="2,000 contacts, 10,000 bookings, 3 runs (CI)")
    args = parser.parse_args()
    if args.quick:
        args.contacts, args.bookings, args.runs = 2000, 10000, 3
    bookctl = bookctl_argv()
    with tempfile.TemporaryDirectory(prefix="bookctl-completion-") as scratch:
        work = Path(scratch)
        stores = {"small": work / "small", "large": args.store or work / "large"}
        seed(bookctl, stores["small"], 50, 200, work)
        seed(bookctl, stores["large"], args.contacts, args.bookings, work)
        timings: dict[tuple[str, str], list[tuple[float, float]]] = {}
        counts: dict[tuple[str, str], int] = {}
        out, err = work / "case.out", work / "case.err"
        for round_no in range(args.runs + 1):  # the first round warms the caches, untimed
            for size, store in stores.items():
                floor = child_env() | {"BOOKCTL_STORE": str(store)}
                runs = [("bookctl --version (floor)", [*bookctl, "--version"], floor)]
                for label, words in CASES:
                    line = ["bookctl", *words]
                    env = floor | {"_BOOKCTL_COMPLETE": "complete_bash", "COMP_WORDS": "\n".join(line),
                                   "COMP_CWORD": str(len(line) - 1)}
                    runs.append((label, bookctl, env))
                for label, argv, env in runs:
                    elapsed, code, _rss, cpu = run_child(argv, env, out, err)
                    if code != 0:
                        sys.exit(f"{label} failed (exit {code}):\n{err.read_text(errors='replace')}")
                    if round_no:
                        timings.setdefault((label, size), []).append((elapsed, cpu or 0.0))
                        counts[(label, size)] = len([x for x in out.read_text().splitlines() if x])
    print(f"shell completion: median of {args.runs} runs; small store 50 contacts / 200 bookings, large "
          f"{args.contacts} contacts / {args.bookings} bookings; today {NOW[:10]}")
    print_load()
    print()
    labels = ["bookctl --version (floor)", *(label for label, _ in CASES)]
    width = max(map(len, labels))
    print(f"{'case':<{width}}  {'small wall':>10}  {'small CPU':>9}  {'large wall':>10}  {'large CPU':>9}  {'candidates':>10}")
    for label in labels:
        cells = []
        for size in ("small", "large"):
            samples = timings[(label, size)]
            cells += [f"{statistics.median(s[0] for s in samples) * 1000:10.1f}",
                      f"{statistics.median(s[1] for s in samples) * 1000:9.1f}"]
        shown = "" if label.startswith("bookctl --version") else str(counts[(label, "large")])
        print(f"{label:<{width}}  {'  '.join(cells)}  {shown:>10}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
