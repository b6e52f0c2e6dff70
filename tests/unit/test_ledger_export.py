"""The posting rules of `export ledger` (services/ledger_export.py) on ledger entries made here, the
account names and texts it writes, and a property: every transaction balances, and the income and
refunds postings add up to minus the net that `report revenue` defines."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bookctl.domain.money import Money
from bookctl.domain.payments import LedgerEntry
from bookctl.domain.settings import AccountOptions
from bookctl.output.ledger_formats import beancount_string, journal_tag, journal_text, write_beancount, write_hledger
from bookctl.services.ledger_export import LedgerExport, account_part, net, service_accounts, transactions
from bookctl.services.ledger_lines import LedgerLine

ROME = ZoneInfo("Europe/Rome")
SERVICES = {"physio": "Physiotherapy", "yoga": "Yoga Flow"}
SESSION = SimpleNamespace(service_id="physio", start=datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
# Beancount's lexer: an account part after the first starts with a capital or digit (ASCII here).
BEANCOUNT_PART = re.compile(r"[A-Z0-9][A-Za-z0-9-]*")
HOSTILE = ['Zoë; "Spa"', "back\\slash", "tab\there", "semi;colon, comma", "日本語", "   ", "", "Ünïcödé 50%",
           "a:b:c", "$$$", "line\nbreak", "''", "Ω", "-dash-first", "9 lives"]


def entry(n: int = 1, kind: str = "charge", status: str = "succeeded", method: str | None = "card",
          minor: int = 6500, booking: str | None = "b-20260302-1", **fields) -> LedgerEntry:  # noqa: ANN003
    provider = {"card": "sandbox", "in_person": "manual", "invoice": "invoice"}.get(method or "", None)
    fields.setdefault("reference", f"ref-{n}")
    return LedgerEntry(id=f"p-{n}", booking_id=booking, contact_id="c-1", kind=kind, method=method, provider=provider,
                       amount=Money(minor=minor, currency="EUR"), status=status,
                       created_at=datetime(2026, 3, 1, 23, 30, tzinfo=UTC) + timedelta(minutes=n), **fields)


def line(e: LedgerEntry) -> LedgerLine:
    return LedgerLine(e, SimpleNamespace(id=e.booking_id) if e.booking_id else None,
                      SESSION if e.booking_id else None)


def legs(*entries: LedgerEntry, options: AccountOptions | None = None) -> list[list[tuple[str, int]]]:
    found = transactions([line(e) for e in entries], options or AccountOptions(), SERVICES, ROME)
    return [[(p.account, p.amount.minor) for p in t.postings] for t in found]


def test_a_card_charge_debits_the_providers_clearing_and_credits_the_services_income():
    assert legs(entry()) == [[("Assets:Clearing:Sandbox", 6500), ("Income:Bookings:Physiotherapy", -6500)]]


def test_money_in_person_goes_to_cash():
    assert legs(entry(method="in_person")) == [[("Assets:Cash", 6500), ("Income:Bookings:Physiotherapy", -6500)]]


def test_an_invoice_is_receivable_when_issued_and_cleared_by_the_bank_when_paid():
    issued = entry(1, status="pending", method="invoice", invoice_id="INV-0001")
    paid = entry(2, method="invoice", invoice_id="INV-0001", idempotency_key="k:b:2")
    assert legs(issued, paid) == [[("Assets:Receivable", 6500), ("Income:Bookings:Physiotherapy", -6500)],
                                  [("Assets:Bank", 6500), ("Assets:Receivable", -6500)]]


def test_a_voided_invoice_reverses_its_issue():
    voided = entry(2, status="voided", method="invoice", invoice_id="INV-0002")
    assert legs(voided) == [[("Income:Bookings:Physiotherapy", 6500), ("Assets:Receivable", -6500)]]


def test_an_invoice_of_no_booking_posts_once_paid_to_the_bank_and_plain_income():
    paid = entry(1, method="invoice", booking=None, invoice_id="INV-0003", idempotency_key="k:INV-0003:1")
    assert legs(paid) == [[("Assets:Bank", 6500), ("Income:Bookings", -6500)]]


def test_a_refund_debits_refunds_and_credits_where_the_money_went_out():
    assert legs(entry(kind="refund", minor=1500)) == [[("Income:Refunds", 1500), ("Assets:Clearing:Sandbox", -1500)]]
    assert legs(entry(kind="refund", method="in_person", minor=1500)) == [[("Income:Refunds", 1500),
                                                                           ("Assets:Cash", -1500)]]


def test_a_kept_fee_moves_from_the_services_income_to_the_fees_account():
    assert legs(entry(kind="cancellation_fee", status="kept", method=None, minor=2500)) == [
        [("Income:Bookings:Physiotherapy", 2500), ("Income:Fees:Cancellation", -2500)]]


def test_a_fee_charged_to_a_card_comes_in_through_clearing():
    assert legs(entry(kind="no_show_fee", minor=1000)) == [[("Assets:Clearing:Sandbox", 1000),
                                                            ("Income:Fees:NoShow", -1000)]]


@pytest.mark.parametrize("silent", [
    entry(kind="cancellation_fee", status="due", method=None),
    entry(status="failed"),
    entry(kind="refund", status="failed"),
    entry(status="pending", idempotency_key="k:b:1"),  # a card charge nobody has answered
    entry(status="pending", method="invoice", invoice_id="INV-0001", idempotency_key="k:b:2"),  # paying an invoice
])
def test_fees_due_failures_and_unanswered_intents_post_nothing(silent):
    assert legs(silent) == []


def test_a_transaction_is_dated_on_the_stores_local_day():
    # 23:31 UTC on 1 March is 00:31 on 2 March in Rome.
    found = transactions([line(entry())], AccountOptions(), SERVICES, ROME)
    assert found[0].day == date(2026, 3, 2)


def test_configured_accounts_are_used():
    options = AccountOptions(income="Income:Sales", clearing="Assets:Psp")
    assert legs(entry(), options=options) == [[("Assets:Psp:Sandbox", 6500), ("Income:Sales:Physiotherapy", -6500)]]


@pytest.mark.parametrize("name", HOSTILE)
def test_an_account_part_is_what_beancount_accepts_or_empty(name):
    part = account_part(name)
    assert part == "" or BEANCOUNT_PART.fullmatch(part), part


@given(st.text(max_size=40))
def test_any_text_makes_a_valid_account_part_or_none(name):
    part = account_part(name)
    assert part == "" or BEANCOUNT_PART.fullmatch(part)


def test_services_whose_names_would_share_an_account_keep_apart_and_unnamed_ones_use_their_id():
    chosen = service_accounts("Income:Bookings", {"yoga-flow": "Yoga Flow", "yoga-flow-2": "Yoga-Flow",
                                                  "service-3": "日本語"})
    assert chosen == {"yoga-flow": "Income:Bookings:YogaFlow", "yoga-flow-2": "Income:Bookings:YogaFlow-YogaFlow2",
                      "service-3": "Income:Bookings:Service3"}


@pytest.mark.parametrize("value", ["income:bookings", "Revenue:Sales", "Income", "Income:Bad Name", "Income:Bad;Name",
                                   "Income::X", "Income:Zoë"])
def test_account_options_refuse_what_is_not_an_account_name(value):
    with pytest.raises(ValueError):
        AccountOptions(income=value)


def test_account_options_refuse_one_account_for_two_roles():
    with pytest.raises(ValueError, match="accounts.cash and accounts.income"):
        AccountOptions(income="Assets:Till", cash="Assets:Till")


def test_hledger_texts_cannot_start_a_comment_or_end_a_tag():
    assert journal_text('Zoë; "Spa"\n') == 'Zoë, "Spa"'
    assert journal_tag("ref 1,2;3") == "ref_1_2_3"


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40))
def test_a_beancount_string_reads_back_as_its_text_on_one_line(text):
    from beancount.parser import parser

    entries, errors, _ = parser.parse_string(f"2026-01-01 * {beancount_string(text)}\n"
                                              "  Assets:Cash  1.00 EUR\n  Income:X  -1.00 EUR\n")
    assert errors == []
    shown = entries[0].narration
    assert "\n" not in shown and shown == re.sub(r"[\x00-\x1f\x7f\u0085\u2028\u2029]", " ", text).strip()


def test_hledger_and_beancount_read_hostile_texts_as_written(tmp_path):
    hledger = shutil.which("hledger")
    if hledger is None:
        pytest.fail("hledger is not installed: 'apt-get install hledger' (.ci/run installs it)")
    found = [entry(n, reference=f"r;{name}, x") for n, name in enumerate(HOSTILE, 1)]
    sessions = {n: SimpleNamespace(service_id=f"s{n}", start=SESSION.start) for n in range(1, len(HOSTILE) + 1)}
    lines = [LedgerLine(e, None, sessions[n]) for n, e in enumerate(found, 1)]
    names = {f"s{n}": name for n, name in enumerate(HOSTILE, 1)}
    export = LedgerExport(date(2026, 3, 1), date(2026, 3, 31), "EUR", 'Studio "; x', transactions(
        lines, AccountOptions(), names, ROME))
    journal, bean = io.StringIO(), io.StringIO()
    write_hledger(export, journal)
    write_beancount(export, bean)
    (tmp_path / "books.journal").write_text(journal.getvalue(), encoding="utf-8")
    done = subprocess.run([hledger, "-f", tmp_path / "books.journal", "check", "--strict"], capture_output=True,
                          text=True)
    assert done.returncode == 0, done.stderr
    tags = subprocess.run([hledger, "-f", tmp_path / "books.journal", "tags", "reference", "--values"],
                          capture_output=True, text=True, check=True).stdout.splitlines()
    assert sorted(tags) == sorted({journal_tag(f"r;{name}, x") for name in HOSTILE})
    from beancount import loader

    _, errors, _ = loader.load_string(bean.getvalue())
    assert errors == []


def _kind_status() -> st.SearchStrategy:
    return st.sampled_from([
        ("charge", "succeeded"), ("charge", "failed"), ("charge", "pending"), ("charge", "voided"),
        ("refund", "succeeded"), ("refund", "failed"), ("refund", "pending"),
        ("cancellation_fee", "kept"), ("cancellation_fee", "succeeded"), ("cancellation_fee", "due"),
        ("no_show_fee", "kept"), ("no_show_fee", "succeeded"), ("no_show_fee", "due"),
    ])


@st.composite
def ledgers(draw) -> list[LedgerEntry]:  # noqa: ANN001
    found = []
    for n in range(1, draw(st.integers(0, 25)) + 1):
        kind, status = draw(_kind_status())
        method = draw(st.sampled_from(["card", "in_person", "invoice"]))
        booking = draw(st.sampled_from(["b-20260302-1", None])) if method == "invoice" else "b-20260302-1"
        invoice = f"INV-{n:04d}" if method == "invoice" else None
        key = draw(st.sampled_from([None, f"k:{n}"]))
        found.append(entry(n, kind=kind, status=status, method=method, minor=draw(st.integers(1, 10**7)),
                           booking=booking, invoice_id=invoice, idempotency_key=key))
    return found


def revenue_net(entries: list[LedgerEntry]) -> int:
    """What `report revenue` calls net, by its definition: charged less refunded."""
    total = 0
    for e in entries:
        if e.kind == "charge" and e.status == "succeeded" and (e.method != "invoice" or e.booking_id is None):
            total += e.amount.minor
        elif e.kind == "charge" and e.status == "pending" and e.invoice_id and e.idempotency_key is None:
            total += e.amount.minor  # an invoice issued
        elif e.kind == "charge" and e.status == "voided":
            total -= e.amount.minor
        elif e.kind in ("cancellation_fee", "no_show_fee") and e.status == "succeeded":
            total += e.amount.minor
        elif e.kind == "refund" and e.status == "succeeded":
            total -= e.amount.minor
    return total


@settings(max_examples=200, deadline=None)
@given(ledgers())
def test_every_transaction_balances_and_income_sums_to_minus_net(entries):
    found = transactions([line(e) for e in entries], AccountOptions(), SERVICES, ROME)
    assert all(sum(p.amount.minor for p in t.postings) == 0 for t in found)
    export = LedgerExport(date(2026, 3, 1), date(2026, 3, 31), "EUR", "Studio", found)
    assert net(export).minor == revenue_net(entries)
    income = sum(p.amount.minor for t in found for p in t.postings if p.account.startswith("Income:"))
    assert income == -revenue_net(entries)


@pytest.mark.parametrize(("currency", "minor", "shown"), [("EUR", 123456, "1234.56"), ("JPY", 1500, "1500"),
                                                          ("KWD", 1500, "1.500")])
def test_hledger_reads_each_currencys_decimals_exactly(tmp_path, currency, minor, shown):
    hledger = shutil.which("hledger")
    if hledger is None:
        pytest.fail("hledger is not installed: 'apt-get install hledger' (.ci/run installs it)")
    charge = entry().model_copy(update={"amount": Money(minor=minor, currency=currency)})
    export = LedgerExport(date(2026, 3, 1), date(2026, 3, 31), currency, "Studio", transactions(
        [line(charge)], AccountOptions(), SERVICES, ROME))
    journal = io.StringIO()
    write_hledger(export, journal)
    (tmp_path / "books.journal").write_text(journal.getvalue(), encoding="utf-8")
    done = subprocess.run([hledger, "-f", tmp_path / "books.journal", "balance", "Assets", "-O", "csv", "--no-total"],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[1] == f'"Assets:Clearing:Sandbox","{shown} {currency}"'
