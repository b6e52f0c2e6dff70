"""How fast does a business move in? `import contacts` of 10k CSV rows and `import bookings` of 100k NDJSON records.

    python bench/import.py [--contacts 10000] [--bookings 100000] [--backend files|postgres]
                           [--database-url postgresql://ADMIN@HOST/DB] [--keep DIR] [--quick]

Writes a Google Contacts CSV of --contacts rows (deterministic: names, two emails in one cell, a
phone, an address over three lines, labels; one row in fifty a duplicate of an earlier one), and
seeds a store with `demo seed --bookings N` whose `export bookings --format ndjson` is the bookings
file. Then it times, each in its own child on a store of --backend (PostgreSQL: a throwaway
durable cluster of pg_helper.py's, or --database-url's server; the seeded store is a file store either
way): the contacts import into an empty
store, its re-run (every row a duplicate, nothing written), the bookings import into an empty store
that has the seed's services and staff (its bookctl.toml), and that import's re-run; and checks that
the imported store exports the same bytes as the seeded one. Prints per case the wall time, the CPU
time and the peak RSS, and the goals of issue #24 (10k contacts under 5 s, 100k bookings under
30 s), each "meets" or "misses". Figures only: it never fails on a missed goal, only when a step
fails or the round trip differs. Standard library and an installed bookctl.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from scale import NOW, bookctl_argv, child_env, fmt_mib, fmt_s  # noqa: E402 - the sibling benches
from startup import run_child  # noqa: E402

GOAL_CONTACTS = 5.0  # seconds, for 10k contacts
GOAL_BOOKINGS = 30.0  # seconds, for 100k bookings
GIVEN = ["Zoë", "Marco", "Sanne", "Ines", "Olivia", "Tom", "Lena", "Maya", "Théo", "Anna", "Luca", "Chiara"]
FAMILY = ["Martin", "Bianchi", "Jansen", "Duarte", "Brown", "Nguyen", "Vogel", "Patel", "Dubois", "Rossi"]
GOOGLE = ["First Name", "Middle Name", "Last Name", "Nickname", "Organization Name", "Organization Title",
          "Birthday", "Notes", "Labels", "E-mail 1 - Label", "E-mail 1 - Value", "Phone 1 - Label", "Phone 1 - Value",
          "Address 1 - Label", "Address 1 - Formatted", "Address 1 - City", "Address 1 - Country"]


def write_contacts(path: Path, count: int) -> None:
    """A Google Contacts CSV of `count` rows, one in fifty a duplicate (by email) of an earlier one."""
    rng = random.Random(24)
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(GOOGLE)
        for n in range(count):
            number = rng.randrange(n) if n and n % 50 == 0 else n
            given, family = GIVEN[number % len(GIVEN)], FAMILY[number % len(FAMILY)]
            writer.writerow([given, "", family, "", f"Company {number % 300}", "Client",
                             f"{1950 + number % 50}-{1 + number % 12:02d}-{1 + number % 28:02d}", "",
                             "* myContacts ::: " + ("VIP" if number % 7 == 0 else "Clients"), "* Home",
                             f"{given.lower()}.{number}@example.org ::: {number}@work.example", "Mobile",
                             f"+39 3{number % 100:02d} {number:07d}", "Home",
                             f"Via Roma {number % 200 + 1}\n{number % 90000 + 10000} Roma\nItalia", "Roma", "Italia"])


def step(argv: list[str], env: dict[str, str], scratch: Path) -> tuple[float, float | None, int | None, str]:
    """Run one bookctl child: (wall s, CPU s, peak RSS KiB, stdout); stop the bench if it fails."""
    out, err = scratch / "step.out", scratch / "step.err"
    elapsed, code, rss, cpu = run_child(argv, env, out, err)
    if code != 0:
        sys.exit(f"failed (exit {code}): {' '.join(argv[1:])}\n{err.read_text(errors='replace')}")
    return elapsed, cpu, rss, out.read_text(encoding="utf-8")


def same_services(source: Path, target: Path) -> None:
    """Give `target` the settings of `source` (its services and staff), keeping where its records live."""
    import tomllib

    kept = tomllib.loads((target / "bookctl.toml").read_text(encoding="utf-8")).get("storage")
    text = (source / "bookctl.toml").read_text(encoding="utf-8")
    if kept:
        import tomli_w

        settings = tomllib.loads(text)
        settings["storage"] = kept
        text = tomli_w.dumps(settings)
    (target / "bookctl.toml").write_text(text, encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=10_000)
    parser.add_argument("--bookings", type=int, default=100_000)
    parser.add_argument("--backend", choices=("files", "postgres"), default="files")
    parser.add_argument("--database-url", help="PostgreSQL: an admin URL of a server where the bench may create "
                        "databases (default: a throwaway cluster).")
    parser.add_argument("--keep", type=Path, help="Work in DIR and leave it (default: a temporary directory).")
    parser.add_argument("--quick", action="store_true", help="500 contacts and 2000 bookings: proves the bench runs.")
    args = parser.parse_args()
    if args.quick:
        args.contacts, args.bookings = 500, 2000
    work = args.keep or Path(tempfile.mkdtemp(prefix="bookctl-import-"))
    work.mkdir(parents=True, exist_ok=True)
    bookctl, env = bookctl_argv(), child_env()
    rows: list[tuple[str, int, float, float | None, int | None, str]] = []
    pg = None
    if args.backend == "postgres":
        from pg_helper import PostgresHelper

        pg = PostgresHelper(args.database_url, fast=False)

    def database(name: str) -> list[str]:
        return ["--database", pg.create(f"bookctl_import_{os.getpid()}_{name}")] if pg else []

    try:
        contacts_csv = work / "contacts.csv"
        write_contacts(contacts_csv, args.contacts)
        people = work / "people"
        shutil.rmtree(people, ignore_errors=True)
        step([*bookctl, "init", str(people), "--business", "Bench", "--currency", "EUR", "--timezone",
              "Europe/Rome", *database("people")], env, work)
        for name in ("import contacts", "import contacts again"):
            wall, cpu, rss, out = step([*bookctl, "import", "contacts", str(contacts_csv), "--store", str(people)],
                                       env, work)
            rows.append((name, args.contacts, wall, cpu, rss, out.strip()))

        source, target = work / "source", work / "target"
        for root in (source, target):
            shutil.rmtree(root, ignore_errors=True)
            step([*bookctl, "init", str(root), "--business", "Bench", "--currency", "EUR", "--timezone",
                  "Europe/Rome", *(database("target") if root is target else [])], env, work)
        step([*bookctl, "demo", "seed", "--contacts", str(max(50, args.bookings // 20)), "--bookings",
              str(args.bookings), "--start", NOW[:10], "--store", str(source)], env, work)
        same_services(source, target)
        bookings = work / "bookings.ndjson"
        step([*bookctl, "export", "bookings", "--format", "ndjson", "--output", str(bookings), "--store", str(source)],
             env, work)
        for name in ("import bookings", "import bookings again"):
            wall, cpu, rss, out = step([*bookctl, "import", "bookings", str(bookings), "--store", str(target)], env, work)
            rows.append((name, args.bookings, wall, cpu, rss, out.strip()))
        copy = work / "copy.ndjson"
        step([*bookctl, "export", "bookings", "--format", "ndjson", "--output", str(copy), "--store", str(target)],
             env, work)
        same = copy.read_bytes() == bookings.read_bytes()
    finally:
        if pg is not None:
            pg.close()
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)

    print(f"backend: {args.backend}")
    print(f"{'case':24} {'records':>8} {'wall':>8} {'cpu':>8} {'peak RSS':>10}  output")
    for name, count, wall, cpu, rss, out in rows:
        print(f"{name:24} {count:>8} {fmt_s(wall):>8} {fmt_s(cpu):>8} {fmt_mib(rss):>10}  {out}")
    print(f"round trip: the imported store's export is {'byte-identical to' if same else 'DIFFERENT from'} "
          "the seeded one's")
    full = args.contacts == 10_000 and args.bookings == 100_000
    for label, wall, goal in (("10k contacts", rows[0][2], GOAL_CONTACTS), ("100k bookings", rows[2][2], GOAL_BOOKINGS)):
        verdict = ("meets" if wall < goal else "misses") if full else "not judged at this size"
        print(f"goal: {label} under {goal:.0f} s: {verdict}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
