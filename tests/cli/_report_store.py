"""A year of a studio's activity made through the real commands, for the reports and `export ledger`.

Each month of 2026 up to November has physiotherapy appointments (price 65, deposit 20,
cancellation fee 25, no-show fee 30, a 24-hour window) paid in every way bookctl knows (a card in
full, a card deposit and the rest in person, an invoice paid, an invoice voided, a partial refund,
a late cancellation with a kept fee, an early cancellation, a no-show with its fee), a Yoga Flow
class of three places, and one invoice of no booking. Every command runs at its own moment
(BOOKCTL_NOW), so entries fall in their month.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

PHYSIO = "physiotherapy"
YOGA = "yoga-flow"
STAFF = ("giulia-romano", "sanne-de-vries")
LAST_MONTH = 11


def at(day: str, time: str = "09:00") -> dict[str, str]:
    """The environment of a command run at local `day time` in Rome (winter or summer offset)."""
    month = int(day[5:7])
    offset = "+02:00" if 4 <= month <= 10 else "+01:00"
    return {"BOOKCTL_NOW": f"{day}T{time}:00{offset}"}


def seed_year(bookctl: Callable[..., Any], store: Path) -> dict[str, list[str]]:
    """Fill `store` (the tests' store fixture: physiotherapy, yoga-flow, two staff) with 2026's
    activity; returns the booking ids by what happened to them."""

    def ok(when: dict[str, str], *args: str) -> Any:  # noqa: ANN401
        result = bookctl(*args, "--store", store, "--format", "json", extra_env=when)
        assert result.exit_code == 0, (args, result.stdout, result.stderr)
        return json.loads(result.stdout) if result.stdout.strip() else None

    early = at("2026-01-01")
    contacts = [ok(early, "contact", "add", "--first-name", name, "--email", f"{name.lower()}@example.org")["id"]
                for name in ("Ada", "Bruno", "Chiara", "Dario", "Elena", "Fabio")]
    made: dict[str, list[str]] = {}

    def book(when: dict[str, str], contact: str, start: str, staff: str) -> str:
        booking = ok(when, "session", "book", "--service", PHYSIO, "--contact", contact, "--start", start,
                     "--staff", staff)["id"]
        return booking

    for month in range(1, LAST_MONTH + 1):
        m = f"2026-{month:02d}"
        first = at(f"{m}-01")
        staff = STAFF[month % 2]
        who = contacts[month % len(contacts)]
        kind = ("card", "deposit", "invoice", "late_cancel", "partial_refund", "no_show", "voided",
                "early_cancel")[month % 8]
        b = book(first, who, f"{m}-10 10:00", staff)
        made.setdefault(kind, []).append(b)
        after = at(f"{m}-10", "11:00")
        if kind == "card":
            ok(first, "payment", "collect", b, "--method", "card", "--card", "tok_visa")
            ok(after, "session", "checkin", b)
        elif kind == "deposit":
            ok(first, "payment", "collect", b, "--method", "card", "--card", "tok_visa", "--amount", "20")
            ok(after, "payment", "collect", b, "--method", "in-person", "--yes")
            ok(after, "session", "checkin", b)
        elif kind == "invoice":
            invoice = ok(first, "invoice", "create", "--contact", who, "--booking", b, "--due", f"{m}-20")["id"]
            ok(at(f"{m}-12"), "invoice", "pay", invoice, "--method", "bank-transfer")
        elif kind == "late_cancel":
            ok(first, "payment", "collect", b, "--method", "card", "--card", "tok_visa")
            ok(at(f"{m}-10", "08:00"), "session", "cancel", b, "--refund", "--charge-fee")
        elif kind == "partial_refund":
            ok(first, "payment", "collect", b, "--method", "card", "--card", "tok_visa")
            ok(after, "session", "checkin", b)
            ok(after, "payment", "refund", b, "--amount", "10")
        elif kind == "no_show":
            ok(after, "session", "no-show", b, "--charge-fee")
        elif kind == "voided":
            invoice = ok(first, "invoice", "create", "--contact", who, "--booking", b, "--due", f"{m}-05")["id"]
            ok(at(f"{m}-03"), "invoice", "void", invoice)
        else:
            ok(first, "session", "cancel", b)
        # Unpaid and checked in: outstanding.
        unpaid = book(first, contacts[(month + 1) % len(contacts)], f"{m}-20 15:00", STAFF[0])
        made.setdefault("unpaid", []).append(unpaid)
        ok(at(f"{m}-20", "16:00"), "session", "checkin", unpaid)
        # A full class: one checked in and paid in person, one no-show, one never marked.
        session = ok(first, "session", "add", "--service", YOGA, "--start", f"{m}-15 18:00", "--staff", STAFF[1])["id"]
        places = [ok(first, "session", "book", "--session", session, "--contact", c)["id"]
                  for c in contacts[month % 3:month % 3 + 3]]
        made.setdefault("class", []).extend(places)
        late = at(f"{m}-15", "19:30")
        ok(late, "payment", "collect", places[0], "--method", "in-person", "--yes")
        ok(late, "session", "checkin", places[0])
        ok(late, "session", "no-show", places[1])
        if month == 6:  # money given back by hand, recorded
            ok(late, "payment", "refund", places[0], "--amount", "3", "--manual")
    voucher = ok(at("2026-07-01"), "invoice", "create", "--contact", contacts[0], "--item", "Gift voucher=50",
                 "--due", "2026-07-31")["id"]
    ok(at("2026-07-05"), "invoice", "pay", voucher, "--method", "bank-transfer")
    # An open invoice of no booking, overdue as the tests' today (2026-11-23) sees it.
    ok(at("2026-11-02"), "invoice", "create", "--contact", contacts[1], "--item", "Workshop=40", "--due", "2026-11-15")
    return made

