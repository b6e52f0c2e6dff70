"""Does a year's report cost the same at 100k bookings? `report` and `export ledger` at 1k and 100k bookings.

    python bench/reports.py [--small 1000] [--large 100000] [--runs 5] [--keep DIR] [--quick]

Seeds two stores with `demo seed` over the same span and the same contacts (scale.py's stores, so
`--keep` shares them with scale.py and export.py). Once per store it writes a year of payments in
one child process through bookctl's own unit of work, a week a commit: about 40 % of the ended
confirmed bookings paid (card or in person, dated at the session's start), a few % of those
refunded, and a third of the cancelled ones paid, refunded less a cancellation fee that is kept.
It checks once per store that `report revenue --format json`'s total net is the ledger's charged
less refunded (`payment list` summed, and what it wrote). Then it times, round-robin in both stores,
every report of issue #21 over the year of the calendar (`attendance` by service, weekday and
contact; `revenue` by month and method, and by month as an HTML page; `clients`, and `clients` of
the default last 30 days), `export ledger --format hledger` of the year, and start-up (`--version`).
Prints per case the output lines, the median wall time, CPU time and peak RSS, the large / small
ratios and the goals of issue #21 (each report at the large size <= 1.5 s; the year attendance
report's peak RSS flat), each "meets", "misses" or "on the line". Figures only: it never fails on
a missed goal. Standard library and an installed bookctl.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from export import ndjson_rows, print_goals, verdict  # noqa: E402 - the sibling benches
from peer import Timed, floor_kib, measure  # noqa: E402
from scale import (NOW, TODAY, Runner, Store, fmt_mib, fmt_s, scratch_and_home, seed_store,  # noqa: E402
                   sized, store_options, two_stores)
from startup import print_load, run_child  # noqa: E402

GOAL_REPORT = 1.5  # seconds, each report at the large size
GOAL_RSS = 1.3  # the year attendance report's peak RSS, large / small: flat, as export.py's year csv
FLOOR = "floor: --version"

# The one child that writes the payments: bookctl's own unit of work, a week of the calendar a commit.
# argv: store, seed, now. Prints one JSON summary line. Bookings that already have entries (export.py's
# and peer.py's payments) are left alone; their entries still count in the revenue report.
SETUP = r'''
import json, random, sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from bookctl.context import AppContext
from bookctl.domain.money import Money

root, rng, now = Path(sys.argv[1]), random.Random(int(sys.argv[2])), datetime.fromisoformat(sys.argv[3])
ctx = AppContext(store_option=root, clock=lambda: now)
with ctx.store().read() as uow:
    first, last = uow.calendar.span()
tally = dict(entries=0, charges=0, refunds=0, fees=0, charged=0, refunded=0, fees_kept=0, commits=0)
day, stop = datetime(first.year, first.month, first.day, tzinfo=UTC), datetime(last.year, last.month, last.day, tzinfo=UTC)


def add(uow, booking, at, **fields):
    uow.ledger.add(booking, created_at=at, **fields)
    tally["entries"] += 1


def pay(uow, booking, at):
    card = rng.random() < 0.6
    how = dict(method="card", provider="sandbox", card_brand="visa", card_last4="4242") if card else \
        dict(method="in_person", provider="manual")
    add(uow, booking, at, kind="charge", amount=booking.price, status="succeeded",
        reference=f"bench_{booking.id}" if card else None, **how)
    tally["charges"] += 1
    tally["charged"] += booking.price.minor
    return booking.ledger_entries[-1], how


def refund(uow, booking, at, charge, how, minor):
    add(uow, booking, at, kind="refund", amount=Money(minor=minor, currency=booking.price.currency),
        status="succeeded", refund_of=charge.id, reason="bench", method=how["method"], provider=how["provider"])
    tally["refunds"] += 1
    tally["refunded"] += minor


while day <= stop:
    with ctx.store().write() as uow:
        for session, bookings in uow.calendar.sessions_starting(day, day + timedelta(days=7)):
            if session.end > now or session.status != "scheduled":
                continue
            at = session.start
            for booking in bookings:
                if booking.price.minor <= 0 or booking.ledger_entries:
                    continue
                if booking.status == "confirmed" and rng.random() < 0.40:
                    charge, how = pay(uow, booking, at)
                    if rng.random() < 0.04:  # a few refunded, whole or half
                        refund(uow, booking, at, charge, how, booking.price.minor // rng.choice((1, 2)))
                elif booking.status == "cancelled" and rng.random() < 0.33:
                    charge, how = pay(uow, booking, at)
                    fee = booking.price.minor // 4
                    refund(uow, booking, at, charge, how, booking.price.minor - fee)
                    add(uow, booking, at, kind="cancellation_fee", amount=Money(minor=fee, currency=booking.price.currency),
                        status="kept")
                    tally["fees"] += 1
                    tally["fees_kept"] += fee
        uow.commit()
        tally["commits"] += 1
    day += timedelta(days=7)
print(json.dumps(tally))
'''


def take_payments(runner: Runner, store: Store, seed: int, scratch: Path) -> None:
    """Once per store: the year's payments, written by the SETUP child (timed). A `.revenue.json`
    marker beside the store holds its summary, so a kept store is never paid twice; a fresh
    seeding removes a stale one."""
    marker = store.path.with_name(store.path.name + ".revenue.json")
    if not store.reused:
        marker.unlink(missing_ok=True)
    store.paid_reused = marker.is_file()
    if not store.paid_reused:
        out, err = scratch / "setup.out", scratch / "setup.err"
        elapsed, code, rss, _ = run_child([sys.executable, "-c", SETUP, str(store.path), str(seed), NOW],
                                          runner.env, out, err)
        if code != 0:
            sys.exit(f"writing the payments of the {store.label} store failed (exit {code}):\n"
                     f"{err.read_text(errors='replace')}")
        summary = json.loads(out.read_text(encoding="utf-8"))
        marker.write_text(json.dumps({**summary, "seconds": elapsed, "rss_kib": rss}) + "\n", encoding="utf-8")
    store.paid = json.loads(marker.read_text(encoding="utf-8"))


def check_revenue(runner: Runner, store: Store, scratch: Path) -> None:
    """Untimed: the year's revenue report's total net against `payment list` summed (succeeded
    charges and fees charged, less succeeded refunds) and against what take_payments wrote."""
    where = ("--store", str(store.path))
    listed, entries = 0, 0
    for entry in ndjson_rows(runner, scratch, "payment", "list", *where):
        entries += 1
        if entry["status"] != "succeeded":
            continue
        sign = -1 if entry["kind"] == "refund" else 1
        listed += sign * int(Decimal(entry["amount"]["amount"]) * 100)  # EUR: two places
    _, _, _, out = runner.must("report", "revenue", "--from", store.first_day, "--to", store.last_day,
                               "--format", "json", *where)
    net = Decimal(json.loads(out)["total"]["net"]["amount"])
    written = Decimal(store.paid["charged"] - store.paid["refunded"]) / 100
    store.check = (net, Decimal(listed) / 100, written, entries)  # Decimal / 100 keeps two places


def lines(case: Timed, path: Path | None = None) -> Timed:
    """Give the case a check that records the lines of its output (`path`, else its stdout), read
    one at a time so this script stays small (see peer.floor_kib), and fails when there are none."""
    def check(_n: int, out: Path) -> str | None:
        with (path or out).open("rb") as handle:
            case.rows = sum(1 for _ in handle)
        return None if case.rows else f"{path or out} is empty"
    case.check = check
    return case


def store_cases(runner: Runner, store: Store, scratch: Path) -> list[Timed]:
    """The report cases and the ledger export in one store, the year being the seeded calendar's days."""
    where = ("--store", str(store.path))
    year = ("--from", store.first_day, "--to", store.last_day)
    size = store.bookings
    argv = runner.argv
    reports = (
        ("attendance --by service", ("report", "attendance", "--by", "service", *year)),
        ("attendance --by weekday", ("report", "attendance", "--by", "weekday", *year)),
        ("attendance --by contact", ("report", "attendance", "--by", "contact", *year)),
        ("revenue --by month", ("report", "revenue", "--by", "month", *year)),
        ("revenue --by method", ("report", "revenue", "--by", "method", *year)),
        ("clients", ("report", "clients", *year)),
        ("clients, last 30 days", ("report", "clients")),
    )
    cases = [lines(Timed(name, size, lambda n, a=args: [*argv, *a, *where])) for name, args in reports]
    page = scratch / f"revenue-{size}.html"
    cases.append(lines(Timed("revenue --by month html", size, lambda n: [
        *argv, "report", "revenue", "--by", "month", *year, "--output", str(page), *where]), page))
    journal = scratch / f"ledger-{size}.journal"
    cases.append(lines(Timed("export ledger hledger", size, lambda n: [
        *argv, "export", "ledger", "--format", "hledger", *year, "--output", str(journal), *where]), journal))
    return cases


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    store_options(parser, runs="timed runs per case and store (default 5)",
                  warmups="untimed runs per case first (default 1)",
                  keep="keep the stores in DIR and reuse them next time (shared with scale.py and export.py)",
                  quick="a smoke run: 200 vs 5000 bookings, 1000 contacts, 60 days, 1 run, no warm-up")
    args = parser.parse_args()
    sized(parser, args, quick={"small": 200, "large": 5000, "contacts": 1000, "days": 60, "runs": 1, "warmups": 0},
          full={"small": 1000, "large": 100_000, "contacts": 10_000, "days": 365, "runs": 5, "warmups": 1})

    scratch, home = scratch_and_home(args, "bookctl-reports-")
    runner = Runner(scratch)
    stores = two_stores(home, args)
    try:
        cases: list[Timed] = []
        for store in stores:
            seed_store(runner, store, args.contacts, args.days, args.seed)
            take_payments(runner, store, args.seed, scratch)
            check_revenue(runner, store, scratch)
            cases += store_cases(runner, store, scratch)
        cases.append(Timed(FLOOR, 0, lambda n: [*runner.argv, "--version"]))
        measure(cases, runner.env, scratch, args.warmups + args.runs, args.warmups)
        report(args, stores, cases)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return 0


def report(args: argparse.Namespace, stores: list[Store], cases: list[Timed]) -> None:
    """The stores and their payments, the revenue check, one table of every case at both sizes, and the goals."""
    by = {(c.name, c.size): c for c in cases}
    small, large = (s.bookings for s in stores)
    print(f"bookctl reports: median of {args.runs} runs per case after {args.warmups} warm-ups, cases round-robin")
    print(f"python {sys.version.split()[0]} at {sys.executable}; both stores: {args.contacts} contacts, "
          f"{args.days} days around {TODAY}, demo seed {args.seed}; BOOKCTL_NOW={NOW}")
    if args.keep:
        print(f"stores kept in {args.keep}")
    print_load()
    print(f"peak RSS floor: this script's own peak, {fmt_mib(floor_kib())} MiB (see peer.py)")
    print()
    for s in stores:
        p = s.paid
        made = "written by an earlier run" if s.paid_reused else \
            f"written now in {fmt_s(p.get('seconds'))} s, {fmt_mib(p.get('rss_kib'))} MiB, {p['commits']} commits"
        print(f"{s.seeded_bookings:>7} bookings, year {s.first_day}..{s.last_day}: demo seed {fmt_s(s.seed_seconds)} s"
              f"{' (kept)' if s.reused else ''}; {p['entries']} ledger entries {made}: {p['charges']} charges, "
              f"{p['refunds']} refunds, {p['fees']} cancellation fees kept")
        net, listed, written, entries = s.check
        word = "ok" if net == listed else "DIFFERENT"
        print(f"{'':>9}revenue check: report net {net} EUR, `payment list` ({entries} entries) charged - refunded "
              f"{listed:.2f} EUR: {word}; of which written here {written:.2f} EUR")
    print()
    names = [*dict.fromkeys(c.name for c in cases)]
    width = max(len(n) for n in names)
    cell = f" | {'lines':>6} {'ms':>7} {'CPU ms':>7} {'MiB':>6}"
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
        ratio = ""
        if a and b:
            rss = f"{max(b.rss) / max(a.rss):.2f}x" if a.rss and b.rss else "n/a"
            ratio = f"{b.median / a.median:>5.2f}x {rss:>6}"
        print(f"{name:<{width}}{cells(a)}{cells(b)} | {ratio:>13}")
    print("(lines: of the output, the table or the file; MiB: median peak RSS; the RSS ratio: highest of the runs)")
    print()
    goals: list[tuple[str, str, str]] = []
    for name in names:
        if name in (FLOOR, "export ledger hledger"):
            continue
        c = by[(name, large)]
        goals.append((f"{name} <= {GOAL_REPORT} s", f"{c.median:.3f} s", verdict(c.median, GOAL_REPORT)))
    ledger = by[("export ledger hledger", large)]
    goals.append(("export ledger hledger (no fixed goal)", f"{ledger.median:.3f} s ({ledger.rows} lines)", "-"))
    a, b = by[("attendance --by service", small)], by[("attendance --by service", large)]
    if a.rss and b.rss:
        ratio = max(b.rss) / max(a.rss)
        goals.append((f"year attendance peak RSS {large} / {small} <= {GOAL_RSS}x",
                      f"{ratio:.2f}x ({fmt_mib(max(b.rss))} / {fmt_mib(max(a.rss))} MiB)", verdict(ratio, GOAL_RSS)))
    print_goals(goals, large)


if __name__ == "__main__":
    sys.exit(main())
