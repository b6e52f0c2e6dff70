"""Property: whatever sequence of collect / refund / fee / cancel a business runs, each booking's
figures stay derived from its ledger: paid = charges - refunds, refunded <= charged, due >= 0, and
no amount anywhere in the output is a float."""

from __future__ import annotations

import json
import tempfile
from decimal import Decimal
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.cli._payment_fixtures import _builtin_providers_only  # noqa: F401 - fixtures

AMOUNTS = st.one_of(st.none(), st.sampled_from(["0.01", "5", "19.90", "20", "25.50", "40", "65", "70"]))
OPS = st.one_of(
    st.tuples(st.just("card"), st.integers(0, 1), AMOUNTS, st.sampled_from(["tok_visa", "tok_chargeDeclined",
                                                                            "tok_refundFail"])),
    st.tuples(st.just("in-person"), st.integers(0, 1), AMOUNTS),
    st.tuples(st.just("invoice"), st.integers(0, 1), AMOUNTS),
    st.tuples(st.just("refund"), st.integers(0, 1), AMOUNTS),
    st.tuples(st.just("cancel"), st.integers(0, 1), st.booleans(), st.booleans()),
    st.tuples(st.just("no-show"), st.just(1)),
    st.tuples(st.just("pay-invoice"), st.integers(1, 3)),
)


def floats_in(value) -> list:  # noqa: ANN001
    """Every float anywhere in a parsed JSON document."""
    if isinstance(value, float):
        return [value]
    if isinstance(value, dict):
        return [f for v in value.values() for f in floats_in(v)]
    if isinstance(value, list):
        return [f for v in value for f in floats_in(v)]
    return []


def dec(money: dict) -> Decimal:
    assert isinstance(money["amount"], str) and money["currency"] == "EUR"
    return Decimal(money["amount"])


@settings(max_examples=20, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(ops=st.lists(OPS, min_size=1, max_size=7))
def test_figures_always_follow_the_ledger(bookctl, ops):
    with tempfile.TemporaryDirectory() as tmp:
        store = Path(tmp) / "s"

        def call(*args: str):  # noqa: ANN202
            result = bookctl(*args, "--store", store, "--format", "json")
            assert result.exit_code in (0, 1, 2, 3, 5), (args, result.stderr)  # 3: an invoice never issued
            assert "Traceback" not in result.stderr
            if result.exit_code == 0 and result.stdout.strip():
                assert floats_in(json.loads(result.stdout, parse_float=float)) == []
            return result

        assert bookctl("init", store, "--business", "P", "--currency", "EUR", "--timezone", "Europe/Rome").exit_code == 0
        call("service", "add", "Physio", "--price", "65", "--duration", "45", "--deposit", "20",
             "--cancellation-fee", "25", "--no-show-fee", "30")
        call("contact", "add", "--first-name", "Ada")
        bookings = [
            call("session", "book", "--service", "physio", "--contact", "c-1", "--start", "2026-11-24 10:00").json()["id"],
            call("session", "book", "--service", "physio", "--contact", "c-1", "--start", "2026-11-23 09:00",
                 "--allow-past").json()["id"],
        ]
        for op in ops:
            b = bookings[op[1]] if op[0] != "pay-invoice" else None
            amount = ["--amount", op[2]] if len(op) > 2 and isinstance(op[2], str) else []
            if op[0] == "card":
                call("payment", "collect", b, "--method", "card", "--card", op[3], "--save-card", *amount)
            elif op[0] in ("in-person", "invoice"):
                call("payment", "collect", b, "--method", op[0], "--yes", *amount)
            elif op[0] == "refund":
                call("payment", "refund", b, *amount)
            elif op[0] == "cancel":
                call("session", "cancel", b, *(["--refund"] if op[2] else []), *(["--charge-fee"] if op[3] else []))
            elif op[0] == "no-show":
                call("session", "no-show", b, "--charge-fee")
            else:
                call("invoice", "pay", f"INV-{op[1]:04d}")
            rows = call("session", "list", "--from", "2026-11-23", "--to", "2026-11-24").json()
            ledger = call("payment", "list").json()
            assert sorted(r["id"] for r in rows) == sorted(bookings)
            for shown in rows:
                entries = [e for e in ledger if e["booking_id"] == shown["id"]]
                charged = sum(dec(e["amount"]) for e in entries if e["status"] == "succeeded" and e["kind"] != "refund")
                refunded = sum(dec(e["amount"]) for e in entries if e["status"] == "succeeded" and e["kind"] == "refund")
                assert dec(shown["refunded"]) == refunded
                assert dec(shown["paid"]) == charged - refunded
                assert refunded <= charged
                assert dec(shown["due"]) >= 0
