"""A store with a bit of everything the read path has to get right, and what bookctl printed for it.

The golden files in tests/data/golden/ were written by bookctl before the streaming read path
(issue #18, at commit 0b480e1): `test_read_path_golden.py` rebuilds this store and checks that every
export and listing still prints exactly those bytes. The store: a demo studio over 60 days across
the autumn clock change, and then by hand payments by card, in person and by invoice, a deposit,
partial and full refunds, a cancellation fee, a no-show fee, a rescheduled and a moved booking, a
formula-like name, an erased contact, a second currency's worth of decimals (JPY is not allowed in an
EUR store, so amounts with cents), and form answers with commas, quotes, formulas and non-ASCII text.

    python -m tests.cli.golden_store DIR     writes the golden files into DIR (to renew them on purpose)
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

NOW = "2026-11-23T12:00:00+01:00"
STORE_ID = "0" * 30 + "01"  # a store id is 32 hex digits

# (file name, command line after `bookctl`, without --store): what the test compares.
OUTPUTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("bookings.csv", ("export", "bookings")),
    ("bookings.json", ("export", "bookings", "--format", "json")),
    ("bookings.ndjson", ("export", "bookings", "--format", "ndjson")),
    ("bookings.ics", ("export", "bookings", "--format", "ics")),
    ("bookings-raw.csv", ("export", "bookings", "--raw")),
    ("month.csv", ("export", "bookings", "--month", "2026-11")),
    ("week.json", ("export", "bookings", "--week", "2026-W44", "--format", "json")),
    ("filtered.csv", ("export", "bookings", "--from", "2026-11-01", "--to", "2026-12-10",
                      "--attendance", "checked_in", "--attendance", "no_show", "--status", "confirmed")),
    ("service.ndjson", ("export", "bookings", "--service", "physiotherapy", "--format", "ndjson")),
    ("staff.csv", ("export", "bookings", "--staff", "giulia-romano")),
    ("labelled.csv", ("export", "bookings", "--label", "VIP")),
    ("contact.json", ("export", "bookings", "--contact", "c-3", "--format", "json")),
    ("contacts.csv", ("export", "contacts")),
    ("contacts.json", ("export", "contacts", "--format", "json")),
    ("contacts.vcf", ("export", "contacts", "--format", "vcf")),
    ("session-list-month.json", ("session", "list", "--from", "2026-11-01", "--to", "2026-11-30", "--format", "json")),
    ("session-list-month.csv", ("session", "list", "--from", "2026-11-01", "--to", "2026-11-30", "--format", "csv")),
    ("session-list-month.txt", ("session", "list", "--from", "2026-11-01", "--to", "2026-11-30")),
    ("session-list-day.txt", ("session", "list", "--day", "2026-11-23")),
    ("session-list-contact.json", ("session", "list", "--contact", "c-3", "--format", "json")),
    ("payment-list.json", ("payment", "list", "--format", "json")),
    ("payment-list-period.csv", ("payment", "list", "--from", "2026-11-20", "--to", "2026-11-30", "--format", "csv")),
    ("payment-list-contact.json", ("payment", "list", "--contact", "c-3", "--format", "json")),
    ("contact-list-label.json", ("contact", "list", "--label", "VIP", "--format", "json")),
    ("contact-show.json", ("contact", "show", "c-3", "--format", "json")),
)

Run = Callable[..., str]  # run(*args) -> stdout of a command that must succeed


def build(run: Run, root: Path) -> None:
    """Make the store at `root` (a new directory) through the CLI alone."""
    run("init", str(root), "--business", "Golden Studio", "--currency", "EUR", "--timezone", "Europe/Rome")
    store = ("--store", str(root))
    run("demo", "seed", *store, "--contacts", "30", "--bookings", "100", "--seed", "3", "--start", "2026-11-23",
        "--days", "60")
    _set_store_id(root)
    formula = run("contact", "add", "--first-name", "=HYPERLINK(\"x\")", "--last-name", "-Sum",
                  "--email", "formula@example.org", "--phone", "+39 06 1234", *store, "--format", "json")
    formula_id = _id(formula)
    run("contact", "label", formula_id, "VIP", *store)
    run("contact", "label", "c-3", "VIP", "Regular", *store)
    # Payments on booked, past and upcoming appointments.
    physio = [_id(run("session", "book", "--service", "physiotherapy", "--contact", who, "--start", start,
                      "--form", answer, *(["--allow-past"] if start < "2026-11-23" else []), *store,
                      "--format", "json"))
              for who, start, answer in (
                  ("c-3", "2026-11-16 09:00", "notes=knee, left; \"old\" injury"),
                  (formula_id, "2026-11-17 09:00", "notes==1+1 and €uro"),
                  ("c-4", "2026-11-24 09:00", "notes=@home"),
                  ("c-5", "2026-11-26 09:00", "notes=plain"),
                  ("c-6", "2026-10-25T02:30+01:00", "notes=the night the clocks go back"),
                  ("c-7", "2026-11-27 09:00", "notes=to be moved"),
              )]
    card = ("--method", "card", "--card", "tok_visa", "--yes", *store)
    run("payment", "collect", physio[0], *card)
    run("payment", "refund", physio[0], "--amount", "15.50", "--reason", "goodwill; \"sorry\"", *store)
    run("payment", "collect", physio[1], "--method", "in-person", "--yes", *store)
    run("payment", "collect", physio[2], "--amount", "20", *card)  # the deposit
    run("payment", "collect", physio[3], "--method", "invoice", "--yes", *store)
    run("payment", "collect", physio[4], *card)
    run("payment", "refund", physio[4], *store)
    run("session", "checkin", physio[0], *store)
    run("session", "no-show", physio[1], "--charge-fee", *store)
    run("session", "reschedule", physio[5], "--start", "2026-12-03 16:15", *store)
    run("session", "cancel", physio[2], "--charge-fee", *store)
    massage = _id(run("session", "book", "--service", "sports-massage", "--contact", "c-3", "--start",
                      "2026-11-20 18:00", "--allow-past", *store, "--format", "json"))
    run("payment", "collect", massage, *card)
    run("session", "no-show", massage, *store)
    run("invoice", "create", "--contact", "c-3", "--item", "Gift card=50", *store)
    run("quote", "create", "--contact", "c-3", "--item", "Ten sessions=600", *store)
    run("contact", "delete", "c-8", "--erase", "--yes", *store)


def _set_store_id(root: Path) -> None:
    """A fixed store id (there is no command for it: it is minted once), so UIDs and keys repeat."""
    import tomllib

    import tomli_w

    path = root / "bookctl.toml"
    settings = tomllib.loads(path.read_text(encoding="utf-8"))
    settings.setdefault("store", {})["id"] = STORE_ID
    path.write_text(tomli_w.dumps(settings), encoding="utf-8")


def _id(printed: str) -> str:
    import json

    return json.loads(printed)["id"]


def outputs(run: Run, root: Path) -> dict[str, str]:
    """What each command of OUTPUTS prints for the store at `root`."""
    return {name: run(*args, "--store", str(root)) for name, args in OUTPUTS}


def _main(target: Path) -> None:
    import os
    import tempfile

    from typer.testing import CliRunner

    from bookctl.cli import app

    os.environ.update(BOOKCTL_NOW=NOW, BOOKCTL_LOAD_PLUGINS="")
    runner = CliRunner()

    def run(*args: str) -> str:
        result = runner.invoke(app, list(args), catch_exceptions=False)
        if result.exit_code != 0:
            raise SystemExit(f"{args}: exit {result.exit_code}: {result.stderr}")
        return result.stdout

    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch) / "store"
        build(run, root)
        target.mkdir(parents=True, exist_ok=True)
        for name, text in outputs(run, root).items():
            (target / name).write_bytes(text.encode("utf-8"))


if __name__ == "__main__":
    _main(Path(sys.argv[1]))
