"""How fast is the contact card in a big store? `contact show` and `contact list --label` timed.

    python bench/contacts.py [--contacts 10000] [--bookings 100000] [--runs 15] [--keep DIR] [--quick]

Seeds a store with `demo seed` (or reuses one kept by an earlier --keep run, this script's or
scale.py's), gives each contact it will show a note, an open task and a small attachment
(untimed), then times, round-robin: `contact show` of a different contact per run (json and
table), `contact list --label` for a service label (every contact that booked it) and for a label
only the picked contacts have, and `contact task list --overdue`, beside `bookctl --version` (the
start-up floor every command pays). Prints medians, minimum,
maximum, CPU and peak RSS per case, and how many day files the shown contacts' bookings live in.
Figures only: it never fails on a missed goal. Standard library and an installed bookctl only.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

from scale import NOW, TODAY, Runner, Store, fmt_mib, seed_store
from startup import print_load

LABEL = "Bench VIP"


def pick_contacts(runner: Runner, store: Store, contacts: int, need: int) -> list[str]:
    """`need` contacts spread over every shard of the store."""
    step = max(1, contacts // need)
    return [f"c-{1 + n * step}" for n in range(need)]


def dress_cards(runner: Runner, store: Store, picks: list[str], scratch: Path) -> None:
    """Give each picked contact a note, an overdue open task, an attachment and LABEL (untimed)."""
    blob = scratch / "waiver.txt"
    blob.write_text("signed waiver\n", encoding="utf-8")
    for contact_id in picks:
        where = ("--store", str(store.path), "--format", "json")
        runner.must("contact", "note", "add", contact_id, "Prefers morning sessions", *where)
        runner.must("contact", "task", "add", contact_id, "Call about the next course", "--due", "2026-11-20", *where)
        runner.must("contact", "attach", contact_id, str(blob), *where)
        runner.must("contact", "label", contact_id, LABEL, *where)


class Case:
    """One timed command and its figures."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.times: list[float] = []
        self.cpu: list[float] = []
        self.rss: list[int] = []
        self.rows: int | None = None

    def record(self, elapsed: float, rss: int | None, cpu: float | None) -> None:
        self.times.append(elapsed)
        if rss is not None:
            self.rss.append(rss)
        if cpu is not None:
            self.cpu.append(cpu)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--contacts", type=int, default=None, help="contacts (default 10000)")
    parser.add_argument("--bookings", type=int, default=None, help="bookings (default 100000)")
    parser.add_argument("--days", type=int, default=None, help="days the calendar spans (default 365)")
    parser.add_argument("--runs", type=int, default=None, help="timed runs per case (default 15)")
    parser.add_argument("--warmups", type=int, default=None, help="untimed runs per case first (default 2)")
    parser.add_argument("--seed", type=int, default=1, help="demo seed (default 1)")
    parser.add_argument("--keep", type=Path, default=None, metavar="DIR",
                        help="keep the store in DIR and reuse it next time (scale.py's large store is reused too)")
    parser.add_argument("--quick", action="store_true", help="a smoke run: 1000 contacts, 5000 bookings, 60 days, 5 runs")
    args = parser.parse_args()
    quick = {"contacts": 1000, "bookings": 5000, "days": 60, "runs": 5, "warmups": 1}
    full = {"contacts": 10_000, "bookings": 100_000, "days": 365, "runs": 15, "warmups": 2}
    for key, value in (quick if args.quick else full).items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    if args.runs < 1 or args.warmups < 0 or min(args.contacts, args.bookings, args.days) < 1:
        parser.error("--runs, sizes and --days must be at least 1, --warmups at least 0")

    scratch = Path(tempfile.mkdtemp(prefix="bookctl-contacts-"))
    home = args.keep.resolve() if args.keep else scratch
    home.mkdir(parents=True, exist_ok=True)
    runner = Runner(scratch)
    store = Store("large", args.bookings,
                  home / f"bookings-{args.bookings}-contacts-{args.contacts}-days-{args.days}-seed-{args.seed}")
    need = args.warmups + args.runs
    try:
        seed_store(runner, store, args.contacts, args.days, args.seed)
        picks = pick_contacts(runner, store, args.contacts, need)
        dress_cards(runner, store, picks, scratch)
        where = ("--store", str(store.path))
        cases = {name: Case(name) for name in ("floor: --version", "show json", "show table", "list --label <service>",
                                               f"list --label '{LABEL}'", "task list --overdue")}
        booked_days: list[int] = []
        for n in range(need):
            commands = {
                "floor: --version": ("--version",),
                "show json": ("contact", "show", picks[n], "--format", "json", *where),
                "show table": ("contact", "show", picks[n], "--format", "table", *where),
                "list --label <service>": ("contact", "list", "--label", "Physiotherapy", "--format", "json", *where),
                f"list --label '{LABEL}'": ("contact", "list", "--label", LABEL, "--format", "json", *where),
                "task list --overdue": ("contact", "task", "list", "--overdue", "--format", "json", *where),
            }
            for name, argv in commands.items():
                elapsed, rss, cpu, out = runner.must(*argv)
                if n >= args.warmups:
                    cases[name].record(elapsed, rss, cpu)
                if name == "show json":
                    card = json.loads(out)
                    booked_days.append(len({b["id"].split("-")[1] for b in card["bookings"]}))
                elif name not in ("show table", "floor: --version"):
                    cases[name].rows = len(json.loads(out))
        report(args, store, cases, booked_days)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return 0


def report(args: argparse.Namespace, store: Store, cases: dict[str, Case], booked_days: list[int]) -> None:
    """The table of medians, and what one `contact show` reads."""
    print(f"bookctl contacts: median of {args.runs} runs per case after {args.warmups} warm-ups, cases in turn")
    print(f"python {sys.version.split()[0]} at {sys.executable}; store: {args.contacts} contacts, "
          f"{store.seeded_bookings} bookings over {args.days} days around {TODAY}, demo seed {args.seed}; "
          f"BOOKCTL_NOW={NOW}")
    if args.keep:
        print(f"store kept in {args.keep}" + (" (reused)" if store.reused else ""))
    print_load()
    print()
    print(f"{'case':<26} {'rows':>6} {'median ms':>10} {'min ms':>7} {'max ms':>7} {'CPU ms':>7} {'peak RSS MiB':>12}")
    for case in cases.values():
        cpu = f"{statistics.median(case.cpu) * 1000:.1f}" if case.cpu else "n/a"
        rss = fmt_mib(statistics.median(case.rss)) if case.rss else "n/a"
        rows = "" if case.rows is None else str(case.rows)
        print(f"{case.name:<26} {rows:>6} {statistics.median(case.times) * 1000:>10.1f} {min(case.times) * 1000:>7.1f} "
              f"{max(case.times) * 1000:>7.1f} {cpu:>7} {rss:>12}")
    print()
    print(f"a shown contact's bookings live in {statistics.median(booked_days):.0f} day files (median; "
          f"max {max(booked_days)}): what `contact show` opens besides its contact and card shards")


if __name__ == "__main__":
    sys.exit(main())
