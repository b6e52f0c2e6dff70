"""Property (bookctl #23): whatever sequence of sell / book with a pass / cancel early or late / no-show /
expire / renew / refund a studio runs, on either backend, each pass's balance is the credits sold less those used plus
those returned (less what expired or was cancelled, plus what a renewal refilled), never below zero; every booking a pass covers
spent one credit of it, and a cancelled one got it back or forfeited it, once; and the money of the
sales in bookctl's ledger is, to the cent, what the sandbox provider's own books say it charged."""

from __future__ import annotations

import tempfile
from datetime import datetime, timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bookctl.providers.builtin.sandbox import read_books
from tests.cli._payment_fixtures import _builtin_providers_only  # noqa: F401 - autouse

START = datetime.fromisoformat("2026-11-23T12:00:00+01:00")
OPS = st.one_of(
    st.tuples(st.just("sell"), st.sampled_from(["Three", "Five", "Monthly"]),
              st.sampled_from(["tok_visa", "tok_chargeDeclined", "tok_lostAnswer", "invoice", "in-person"])),
    st.tuples(st.just("book"), st.integers(1, 40)),  # hours from the clock, on the hour
    st.tuples(st.just("cancel"), st.integers(0, 5)),
    st.tuples(st.just("no-show"), st.integers(0, 5)),
    st.tuples(st.just("wait"), st.sampled_from([3, 30, 24 * 40])),
    st.tuples(st.just("expire"),),
    st.tuples(st.just("reconcile"),),
    st.tuples(st.just("renew"),),
    st.tuples(st.just("refund"), st.integers(1, 3)),
)


@settings(max_examples=25, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(ops=st.lists(OPS, min_size=2, max_size=9))
def test_credits_and_money_of_passes_always_reconcile(bookctl, ops):
    with tempfile.TemporaryDirectory() as tmp:
        store = Path(tmp) / "s"
        clock = [START]

        def call(*args: str):  # noqa: ANN202
            result = bookctl(*args, "--store", store, "--format", "json",
                             extra_env={"BOOKCTL_NOW": clock[0].isoformat()})
            assert result.exit_code in (0, 1, 3, 5), (args, result.exit_code, result.stderr)
            assert "Traceback" not in result.stderr and "internal error" not in result.stderr, result.stderr
            return result

        assert bookctl("init", store, "--business", "P", "--currency", "EUR", "--timezone", "Europe/Rome").exit_code == 0
        call("service", "add", "Yoga", "--kind", "class", "--capacity", "8", "--price", "18", "--duration", "60",
             "--cancellation-window-hours", "24")
        call("contact", "add", "--first-name", "Ada")
        call("plan", "add", "Three", "--kind", "pack", "--sessions", "3", "--price", "45", "--valid-days", "30")
        call("plan", "add", "Five", "--kind", "pack", "--sessions", "5", "--price", "70.50")
        call("plan", "add", "Monthly", "--kind", "membership", "--sessions", "4", "--price", "60", "--period", "month")
        booked: list[str] = []
        for op in ops:
            if op[0] == "sell":
                how = ["--method", "card", "--card", op[2]] if op[2].startswith("tok_") else ["--method", op[2], "--yes"]
                call("plan", "sell", op[1], "--contact", "c-1", *how)
            elif op[0] == "book":
                start = (clock[0] + timedelta(hours=op[1])).replace(minute=0)
                done = call("session", "book", "--service", "yoga", "--contact", "c-1", "--use-pass",
                            "--start", f"{start:%Y-%m-%d %H:%M}", "--allow-overlap")
                if done.exit_code == 0:
                    booked.append(done.json()["id"])
            elif op[0] in ("cancel", "no-show") and booked:
                call("session", op[0], booked[op[1] % len(booked)])
            elif op[0] == "wait":
                clock[0] += timedelta(hours=op[1])
            elif op[0] == "expire":
                call("plan", "expire")
            elif op[0] == "reconcile":
                call("payment", "reconcile")
            elif op[0] == "renew":
                call("plan", "renew")
            elif op[0] == "refund":
                call("payment", "refund", f"ps-{op[1]}")

        passes = call("contact", "passes", "c-1").json()
        bookings = {b["id"]: b for b in call("session", "list", "--contact", "c-1").json()}
        for sold in passes:
            moves = sold["moves"]
            count = {kind: sum(m["credits"] for m in moves if m["kind"] == kind)
                     for kind in ("used", "returned", "forfeited", "expired", "cancelled", "renewed")}
            assert sold["balance"] == sold["sessions"] - count["used"] + count["returned"] - count["expired"] \
                - count["cancelled"] + count["renewed"]
            assert 0 <= sold["balance"] <= sold["sessions"]
            covered = [b for b in bookings.values() if b.get("pass_id") == sold["id"]]
            assert sorted(m["booking_id"] for m in moves if m["kind"] == "used") == sorted(b["id"] for b in covered)
            for booking in covered:
                assert booking["payment_status"] == "covered" and booking["due"]["amount"] == "0.00"
                after = [m["kind"] for m in moves if m["booking_id"] == booking["id"] and m["kind"] != "used"]
                if booking["status"] == "cancelled":
                    assert after in (["returned"], ["forfeited"]), (booking, moves)
                else:
                    assert after in ([], ["forfeited"])  # a no-show forfeits, once
            if sold["status"] in ("active", "used_up"):
                assert sold["invoice_id"] is not None
        # The money. Before reconciling: each charge the sandbox made is a ledger entry of the same amount under
        # the same key, succeeded, or pending where its answer was lost; none is a failed entry.
        entries = call("payment", "list", "--contact", "c-1").json()
        charges = read_books(store / "providers" / "sandbox")["charges"]
        by_key = {e["idempotency_key"]: e for e in entries if e["method"] == "card"}
        for charge in charges.values():
            entry = by_key[charge["key"]]
            assert entry["status"] in ("succeeded", "pending") and cents(entry) == charge["amount"]
        selling = {e["invoice_id"] for e in entries if e["status"] == "pending" and e["kind"] == "charge"}
        assert all(p["status"] == "past_due" for p in passes if p["invoice_id"] in selling)  # not usable yet
        # After `payment reconcile`: the ledger's succeeded card charges are exactly the sandbox's charges.
        call("payment", "reconcile")
        entries = call("payment", "list", "--contact", "c-1").json()
        card = sorted((e["idempotency_key"], cents(e)) for e in entries if e["method"] == "card" and e["status"] == "succeeded")
        assert card == sorted((c["key"], c["amount"]) for c in charges.values())
        refunds = read_books(store / "providers" / "sandbox")["refunds"]
        given = sorted((e["idempotency_key"], cents(e)) for e in entries if e["kind"] == "refund" and e["status"] == "succeeded"
                       and e["method"] == "card")
        assert given == sorted((r["key"], r["amount"]) for r in refunds.values())
        for charge in read_books(store / "providers" / "sandbox")["charges"].values():
            assert charge["refunded"] <= charge["amount"]  # never more back than was paid
        assert not [e for e in entries if e["status"] == "pending"]
        paid = {e["invoice_id"] for e in entries if e["status"] == "succeeded"}
        for sold in call("contact", "passes", "c-1").json():
            if sold["renewing"] is not None:  # a membership's next period, not paid yet
                assert sold["status"] == "past_due" and sold["renewing"] not in paid
            elif sold["invoice_id"] in paid:
                assert sold["status"] in ("active", "used_up", "expired")
            else:
                assert sold["status"] in ("cancelled", "active", "used_up", "expired")  # declined, or by invoice


def cents(entry: dict) -> int:
    whole, _, fraction = entry["amount"]["amount"].partition(".")
    return int(whole) * 100 + int(fraction or 0)
