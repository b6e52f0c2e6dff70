"""Property: whatever sequence of collect / refund / invoice / fee / cancel a business runs, `report
revenue` agrees with the bookings' own payment figures (`session list`) and the invoices: its net
is what was paid plus what is invoiced and still open, its outstanding what the ended bookings
owe, and its totals do not depend on the grouping."""

from __future__ import annotations

import tempfile
from decimal import Decimal
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.cli._payment_fixtures import _builtin_providers_only  # noqa: F401 - fixtures
from tests.conftest import NOW

AMOUNTS = st.one_of(st.none(), st.sampled_from(["0.01", "5", "19.90", "20", "40", "65"]))
OPS = st.one_of(
    st.tuples(st.just("card"), st.integers(0, 1), AMOUNTS, st.sampled_from(["tok_visa", "tok_chargeDeclined"])),
    st.tuples(st.just("in-person"), st.integers(0, 1), AMOUNTS),
    st.tuples(st.just("invoice"), st.integers(0, 1), AMOUNTS),
    st.tuples(st.just("refund"), st.integers(0, 1), AMOUNTS),
    st.tuples(st.just("cancel"), st.integers(0, 1), st.booleans(), st.booleans()),
    st.tuples(st.just("no-show"), st.just(1)),
    st.tuples(st.just("pay-invoice"), st.integers(1, 2)),
    st.tuples(st.just("void-invoice"), st.integers(1, 2)),
    st.tuples(st.just("voucher"), st.sampled_from(["12.50", "30"]), st.booleans()),
)
GROUPINGS = ("month", "service", "staff", "method", "provider")


def dec(money: dict) -> Decimal:
    assert isinstance(money["amount"], str) and money["currency"] == "EUR"
    return Decimal(money["amount"])


@settings(max_examples=40, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(ops=st.lists(OPS, min_size=2, max_size=8))
def test_revenue_agrees_with_the_bookings_and_invoices(bookctl, ops):
    with tempfile.TemporaryDirectory() as tmp:
        store = Path(tmp) / "s"

        def call(*args: str):  # noqa: ANN202
            result = bookctl(*args, "--store", store, "--format", "json")
            assert result.exit_code in (0, 1, 2, 3, 5), (args, result.stderr)
            assert "Traceback" not in result.stderr
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
            b = bookings[op[1]] if isinstance(op[1], int) and op[0] not in ("pay-invoice", "void-invoice") else None
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
            elif op[0] == "pay-invoice":
                call("invoice", "pay", f"INV-{op[1]:04d}")
            elif op[0] == "void-invoice":
                call("invoice", "void", f"INV-{op[1]:04d}")
            else:
                made = call("invoice", "create", "--contact", "c-1", "--item", f"Voucher={op[1]}")
                if op[2] and made.exit_code == 0:
                    call("invoice", "pay", made.json()["id"])
        rows = call("session", "list", "--from", "2026-11-23", "--to", "2026-11-24").json()
        invoices = call("invoice", "list").json()
        paid = sum(dec(row["paid"]) for row in rows)
        open_of_bookings = sum(dec(i["total"]) for i in invoices if i["status"] == "open" and i["booking_id"])
        vouchers_paid = sum(dec(i["total"]) for i in invoices if i["status"] == "paid" and not i["booking_id"])
        due_of_ended = sum(dec(row["due"]) for row in rows if row["end"] <= NOW)
        reports = [call("report", "revenue", "--by", by, "--month", "2026-11").json() for by in GROUPINGS]
        total = reports[0]["total"]
        assert dec(total["net"]) == paid + open_of_bookings + vouchers_paid
        assert dec(total["net"]) == dec(total["charged"]) - dec(total["refunded"])
        assert dec(total["outstanding"]) == due_of_ended
        assert all(report["total"] == total for report in reports)
        for report in reports:
            assert sum(dec(row["net"]) for row in report["rows"]) == dec(total["net"])
        assert reports[0]["open_invoices"] == sum(i["status"] == "open" for i in invoices)
