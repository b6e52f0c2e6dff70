"""`bookctl export ledger` (#21): a seeded year of payments, refunds, fees, deposits and invoices, made
through the real commands with the clock moved month by month, written as an hledger journal, a
beancount file and CSV, and checked by the real tools: Debian's hledger and beancount's bean-check
(both must be installed; .ci/run installs hledger, the test extras beancount). The income and
refunds balance that hledger reports must be minus the net the test works out itself from
`payment list` and `invoice list`. "Now" is Monday 2026-11-23 12:00 in Rome."""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
import sys
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import pytest

from tests.conftest import tree_digest

HEADER = "date,transaction,account,amount,currency,booking_id,contact_id,reference,description"
HOSTILE_SERVICE = 'Zoë; "Spa" \\ Ω, 50%'


def tool(name: str) -> str:
    """The path of a checking tool (the venv's bin first, for bean-check); its absence fails the test."""
    beside = Path(sys.executable).parent / name
    found = str(beside) if beside.exists() else shutil.which(name)
    if found is None:
        pytest.fail(f"{name} is not installed: hledger from Debian (.ci/run installs it), bean-check from "
                    "the beancount package of the test extras")
    return found


def checked(*args: str | Path) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([str(a) for a in args], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, (args, done.stdout, done.stderr)
    return done


def at(when: str) -> dict[str, str]:
    """The environment of a command run at `when` (ISO 8601 with Rome's offset)."""
    return {"BOOKCTL_NOW": when}


@pytest.fixture
def year(ok, run, store):  # noqa: ANN001, ANN201
    """Eleven months of 2026 on the store of tests/conftest.py (Physiotherapy 65 with a 20 deposit, a 25
    cancellation fee and a 30 no-show fee; Yoga Flow 18), plus a service with a hostile name."""
    ok("service", "add", HOSTILE_SERVICE, "--price", "40", "--duration", "30")
    ada = ok("contact", "add", "--first-name", "Ada", "--last-name", "Lovelace")["id"]
    bea = ok("contact", "add", "--first-name", "Beatrice", "--email", "bea@example.com")["id"]
    cid = ok("contact", "add", "--first-name", "Cid", "--last-name", "Ó Briain")["id"]
    spa = next(s["id"] for s in ok("service", "list") if s["name"] == HOSTILE_SERVICE)

    def book(when: str, contact: str, service: str, start: str) -> str:
        return ok("session", "book", "--service", service, "--contact", contact, "--start", start,
                  extra_env=at(when))["id"]

    def act(when: str, *args: str):  # noqa: ANN202
        return ok(*args, extra_env=at(when))

    b = {}
    # January: a deposit by card, the rest in person.
    b["deposit"] = book("2026-01-12T09:00:00+01:00", ada, "physiotherapy", "2026-01-15 10:00")
    act("2026-01-12T09:05:00+01:00", "payment", "collect", b["deposit"], "--method", "card", "--card", "tok_visa",
        "--amount", "20")
    act("2026-01-15T11:00:00+01:00", "payment", "collect", b["deposit"], "--method", "in-person", "--yes")
    # February: paid by card, then partly refunded.
    b["partial"] = book("2026-02-03T09:00:00+01:00", ada, "physiotherapy", "2026-02-10 10:00")
    act("2026-02-03T09:05:00+01:00", "payment", "collect", b["partial"], "--method", "card", "--card", "tok_visa")
    act("2026-02-05T10:00:00+01:00", "payment", "refund", b["partial"], "--amount", "15")
    # March: a class paid and refunded in full.
    b["full"] = book("2026-03-02T09:00:00+01:00", cid, "yoga-flow", "2026-03-09 18:00")
    act("2026-03-02T09:05:00+01:00", "payment", "collect", b["full"], "--method", "card", "--card", "tok_visa")
    act("2026-03-04T10:00:00+01:00", "payment", "refund", b["full"])
    # April: a late cancellation keeps the fee out of the payment and refunds the rest.
    b["cancelled"] = book("2026-04-06T09:00:00+02:00", ada, "physiotherapy", "2026-04-07 09:00")
    act("2026-04-06T09:05:00+02:00", "payment", "collect", b["cancelled"], "--method", "card", "--card", "tok_visa")
    act("2026-04-06T20:00:00+02:00", "session", "cancel", b["cancelled"], "--charge-fee", "--refund")
    # May: a deposit with the card saved; the no-show fee keeps the deposit and charges the card for the rest.
    b["no_show"] = book("2026-05-11T09:00:00+02:00", bea, "physiotherapy", "2026-05-12 10:00")
    act("2026-05-11T09:05:00+02:00", "payment", "collect", b["no_show"], "--method", "card", "--card", "tok_visa",
        "--amount", "20", "--save-card")
    act("2026-05-12T12:00:00+02:00", "session", "no-show", b["no_show"], "--charge-fee")
    # June: a booking invoiced, then paid.
    b["invoiced"] = book("2026-06-08T09:00:00+02:00", cid, "physiotherapy", "2026-06-10 10:00")
    paid_invoice = act("2026-06-08T09:05:00+02:00", "payment", "collect", b["invoiced"], "--method", "invoice")
    act("2026-06-20T10:00:00+02:00", "invoice", "pay", paid_invoice["invoice_id"])
    # July: a booking invoiced, then the invoice voided.
    b["voided"] = book("2026-07-10T09:00:00+02:00", bea, "yoga-flow", "2026-07-14 18:00")
    voided_invoice = act("2026-07-10T09:05:00+02:00", "payment", "collect", b["voided"], "--method", "invoice")
    act("2026-07-12T10:00:00+02:00", "invoice", "void", voided_invoice["invoice_id"])
    # August: an invoice for no booking, paid.
    loose = act("2026-08-03T09:00:00+02:00", "invoice", "create", "--contact", cid, "--item",
                'Workshop; "Rücken"=120')["id"]
    act("2026-08-20T10:00:00+02:00", "invoice", "pay", loose)
    # September: a declined card (recorded, exit 1), then paid in person.
    b["declined"] = book("2026-09-07T09:00:00+02:00", ada, "yoga-flow", "2026-09-10 18:00")
    declined = run("payment", "collect", b["declined"], "--method", "card", "--card", "tok_chargeDeclined",
                   extra_env=at("2026-09-07T09:05:00+02:00"))
    assert declined.exit_code == 1, declined.stderr
    act("2026-09-07T09:10:00+02:00", "payment", "collect", b["declined"], "--method", "in-person", "--yes")
    # October: a late cancellation of an unpaid booking: the fee is due, nothing moved.
    b["due"] = book("2026-10-05T09:00:00+02:00", cid, "physiotherapy", "2026-10-06 09:00")
    act("2026-10-05T20:00:00+02:00", "session", "cancel", b["due"], "--charge-fee")
    # November (the last 30 days): a class by card, and the hostile service by card.
    b["recent"] = book("2026-11-16T09:00:00+01:00", bea, "yoga-flow", "2026-11-18 18:00")
    act("2026-11-16T09:05:00+01:00", "payment", "collect", b["recent"], "--method", "card", "--card", "tok_visa")
    b["hostile"] = book("2026-11-20T09:00:00+01:00", ada, spa, "2026-11-21 10:00")
    act("2026-11-20T09:05:00+01:00", "payment", "collect", b["hostile"], "--method", "card", "--card", "tok_visa")
    return {"bookings": b, "contacts": {"ada": ada, "bea": bea, "cid": cid}}


@pytest.fixture
def books(bookctl, store):  # noqa: ANN001, ANN201
    """books(...) runs `bookctl export ledger ...` on the test's store (no --format json added)."""
    def invoke(*args: str):  # noqa: ANN202
        return bookctl("export", "ledger", *args, "--store", store)

    return invoke


def export(books, tmp_path: Path, fmt: str, *period: str) -> Path:  # noqa: ANN001
    target = tmp_path / f"books.{fmt}"
    result = books("--format", fmt, *(period or ("--from", "2026-01-01", "--to", "2026-12-31")),
                 "--output", target)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "" and result.stderr == ""
    return target


def amount(money: dict[str, str]) -> Decimal:
    assert money["currency"] == "EUR"
    return Decimal(money["amount"])


def independent_net(ok) -> Decimal:  # noqa: ANN001
    """Charged less refunded in 2026, from the payment and invoice listings: succeeded charges by card
    and in person, invoices issued for bookings less those voided, invoices of no booking once
    paid, fees charged to a card; less succeeded refunds. Fees kept moved no money in."""
    entries = ok("payment", "list", "--from", "2026-01-01", "--to", "2026-12-31")
    invoices = ok("invoice", "list")
    charged = sum((amount(e["amount"]) for e in entries if e["status"] == "succeeded" and (
        (e["kind"] == "charge" and e["method"] in ("card", "in_person"))
        or e["kind"] in ("cancellation_fee", "no_show_fee"))), Decimal(0))
    charged += sum((amount(i["total"]) for i in invoices if i["booking_id"] is not None), Decimal(0))
    charged -= sum((amount(i["total"]) for i in invoices if i["booking_id"] is not None and i["status"] == "void"),
                   Decimal(0))
    charged += sum((amount(i["total"]) for i in invoices if i["booking_id"] is None and i["status"] == "paid"),
                   Decimal(0))
    refunded = sum((amount(e["amount"]) for e in entries if e["kind"] == "refund" and e["status"] == "succeeded"),
                   Decimal(0))
    return charged - refunded


def hledger_balance(journal: Path, *query: str) -> dict[str, Decimal]:
    """`hledger balance QUERY -O csv` as {account: amount in EUR}, with its "total" row."""
    done = checked(tool("hledger"), "-f", journal, "balance", *query, "-O", "csv")
    found = {}
    for account, balance in list(csv.reader(io.StringIO(done.stdout)))[1:]:
        found[account] = Decimal(balance.removesuffix(" EUR")) if balance != "0" else Decimal(0)
    return found


def test_the_journal_passes_hledger_check_strict(books, year, tmp_path):
    journal = export(books, tmp_path, "hledger")
    checked(tool("hledger"), "-f", journal, "check", "--strict", "ordereddates")


def test_the_beancount_file_passes_bean_check(books, year, tmp_path):
    books = export(books, tmp_path, "beancount")
    done = checked(tool("bean-check"), books)
    assert done.stderr == ""


def test_income_and_refunds_balance_to_minus_the_net_worked_out_from_the_listings(ok, books, year, tmp_path):
    journal = export(books, tmp_path, "hledger")
    balances = hledger_balance(journal, "Income")
    total = balances.pop("total")
    assert sum(balances.values()) == total
    net = independent_net(ok)
    assert net > 0  # the year really moved money
    assert total == -net


def test_the_fees_land_in_their_own_income_accounts(books, year, tmp_path):
    balances = hledger_balance(export(books, tmp_path, "hledger"), "Income:Fees")
    # April's cancellation fee kept out of the payment; May's no-show fee: 20 kept plus 10 charged to the card.
    assert balances["Income:Fees:Cancellation"] == Decimal("-25.00")
    assert balances["Income:Fees:NoShow"] == Decimal("-30.00")


def test_money_sits_where_it_came_in_and_the_receivable_is_cleared(books, year, tmp_path):
    balances = hledger_balance(export(books, tmp_path, "hledger"), "Assets")
    assert balances["Assets:Cash"] == Decimal("45.00") + Decimal("18.00")  # January's rest, September's class
    assert balances["Assets:Bank"] == Decimal("65.00") + Decimal("120.00")  # June's invoice, August's workshop
    assert "Assets:Receivable" not in balances or balances["Assets:Receivable"] == 0  # paid or voided
    # Card money in less card refunds: 20+65+18+65+20+10+18+40 in, 15+18+40 out.
    assert balances["Assets:Clearing:Sandbox"] == Decimal("256.00") - Decimal("73.00")


def test_the_beancount_balance_agrees_with_hledger(books, year, tmp_path):
    from beancount import loader
    from beancount.core import data

    entries, errors, _ = loader.load_file(str(export(books, tmp_path, "beancount")))
    assert errors == []
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for entry in entries:
        if isinstance(entry, data.Transaction):
            for posting in entry.postings:
                totals[posting.account] += posting.units.number
    balances = hledger_balance(export(books, tmp_path, "hledger"))
    balances.pop("total")
    assert {k: v for k, v in totals.items() if v} == {k: v for k, v in balances.items() if v}


def test_each_transaction_carries_booking_contact_and_reference_in_both_formats(ok, books, year, tmp_path):
    from beancount import loader
    from beancount.core import data

    booking = year["bookings"]["partial"]
    refund = next(e for e in ok("payment", "list", "--booking", booking) if e["kind"] == "refund")
    journal = export(books, tmp_path, "hledger")
    found = checked(tool("hledger"), "-f", journal, "print", f"tag:entry={refund['id']}", f"tag:booking={booking}",
                    f"tag:contact={year['contacts']['ada']}", f"tag:reference={refund['reference']}")
    assert found.stdout.count("Income:Refunds") == 1
    entries, _, _ = loader.load_file(str(export(books, tmp_path, "beancount")))
    meta = next(e.meta for e in entries if isinstance(e, data.Transaction) and e.meta.get("entry") == refund["id"])
    assert (meta["booking"], meta["contact"], meta["reference"]) == (booking, year["contacts"]["ada"],
                                                                       refund["reference"])


def test_a_hostile_service_name_is_a_safe_account_and_an_escaped_description(books, year, tmp_path):
    from beancount import loader
    from beancount.core import data

    journal = export(books, tmp_path, "hledger")
    accounts = checked(tool("hledger"), "-f", journal, "accounts").stdout.split()
    assert "Income:Bookings:ZoeSpa50" in accounts
    entries, _, _ = loader.load_file(str(export(books, tmp_path, "beancount")))
    hostile = [e for e in entries if isinstance(e, data.Transaction) and e.meta.get("booking") == year["bookings"]["hostile"]]
    assert len(hostile) == 1 and HOSTILE_SERVICE in hostile[0].narration  # quotes and backslash read back intact
    described = checked(tool("hledger"), "-f", journal, "print", f"tag:booking={year['bookings']['hostile']}").stdout
    assert 'Zoë, "Spa" \\ Ω, 50%' in described  # ';' would start a comment: it becomes ','


def test_a_month_keeps_only_that_months_transactions(books, year, tmp_path):
    rows = list(csv.DictReader(io.StringIO(export(books, tmp_path, "csv", "--month", "2026-02").read_text(),
                                           newline="")))
    assert {r["date"][:7] for r in rows} == {"2026-02"}
    assert {r["booking_id"] for r in rows} == {year["bookings"]["partial"]}
    assert sorted(r["date"] for r in rows) == ["2026-02-03", "2026-02-03", "2026-02-05", "2026-02-05"]


def test_no_period_is_the_last_30_days(books, year, tmp_path):
    rows = list(csv.DictReader(io.StringIO(export(books, tmp_path, "csv", "--to", "2026-11-23").read_text(),
                                           newline="")))
    default = books("--format", "csv")
    assert default.exit_code == 0, default.stderr
    assert list(csv.DictReader(io.StringIO(default.stdout, newline=""))) == rows
    assert {r["booking_id"] for r in rows} == {year["bookings"]["recent"], year["bookings"]["hostile"]}


def test_csv_has_its_header_and_one_line_per_posting_balancing_per_transaction(ok, books, year, tmp_path):
    text = export(books, tmp_path, "csv").read_bytes().decode("utf-8")
    assert text.startswith(HEADER + "\r\n")
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    by_transaction: dict[str, list[Decimal]] = defaultdict(list)
    for row in rows:
        by_transaction[row["transaction"]].append(Decimal(row["amount"]))
    assert all(len(legs) == 2 and sum(legs) == 0 for legs in by_transaction.values())
    # Every entry posts but September's declined card and October's fee still due.
    entries = ok("payment", "list", "--from", "2026-01-01", "--to", "2026-12-31")
    silent = {e["id"] for e in entries if e["status"] in ("failed", "due")}
    assert silent and set(by_transaction) == {e["id"] for e in entries} - silent


@pytest.mark.parametrize("args", [
    ("--format", "xml"),
    ("--month", "2026-13"),
    ("--week", "2026-W48", "--month", "2026-11"),
    ("--from", "2026-05-01", "--to", "2026-04-01"),
])
def test_a_bad_format_or_period_is_exit_2_and_writes_nothing(bookctl, store, tmp_path, args):
    target = tmp_path / "books.journal"
    before = tree_digest(store)
    result = bookctl("export", "ledger", *args, "--output", target, "--store", store)
    assert result.exit_code == 2, result.stderr
    assert result.stdout == ""
    assert not target.exists()
    assert tree_digest(store) == before


def test_output_replaces_the_file_whole_and_leaves_no_temporary_file(books, year, tmp_path):
    target = tmp_path / "books.journal"
    target.write_text("last month's books\n", encoding="utf-8")
    result = books("--month", "2026-03", "--output", target)
    assert result.exit_code == 0 and result.stdout == ""
    text = target.read_text(encoding="utf-8")
    assert "last month's books" not in text and text.count("\n2026-03-0") == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["books.journal", "store"]


def test_an_unwritable_output_is_exit_2_with_a_clear_error(books, year, tmp_path):
    target = tmp_path / "no such directory" / "books.journal"
    result = books("--output", target)
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: cannot write {target}") and result.stderr.count("\n") == 1
    assert not target.parent.exists()


def test_accounts_set_in_the_config_are_the_ones_posted_to(bookctl, books, year, tmp_path, store):
    assert bookctl("config", "set", "accounts.income", "Income:Sales", "--store", store).exit_code == 0
    assert bookctl("config", "set", "accounts.clearing", "Assets:Stripe-Like", "--store", store).exit_code == 0
    journal = export(books, tmp_path, "hledger")
    accounts = checked(tool("hledger"), "-f", journal, "accounts").stdout.split()
    assert "Income:Sales:Physiotherapy" in accounts and "Assets:Stripe-Like:Sandbox" in accounts
    assert not any(a.startswith(("Income:Bookings", "Assets:Clearing")) for a in accounts)
    checked(tool("hledger"), "-f", journal, "check", "--strict")


@pytest.mark.parametrize("value", ["income:bookings", "Revenue:Bookings", "Income", "Income:Book ings", "Income::X",
                                   "Assets:Cash"])
def test_config_set_refuses_an_account_that_is_not_one(bookctl, store, value):
    before = tree_digest(store)
    result = bookctl("config", "set", "accounts.income", value, "--store", store)
    assert result.exit_code == 2
    assert result.stderr.startswith("error: accounts.income") and result.stderr.count("\n") == 1
    assert tree_digest(store) == before


def test_a_bad_account_in_bookctl_toml_is_refused_when_the_file_is_read(bookctl, store):
    toml = store / "bookctl.toml"
    text = toml.read_text(encoding="utf-8")
    assert 'income = "Income:Bookings"' in text  # every bookctl.toml written has its [accounts]
    toml.write_text(text.replace('income = "Income:Bookings"', 'income = "income;bookings"'), encoding="utf-8")
    result = bookctl("export", "ledger", "--store", store)
    assert result.exit_code == 4
    assert "accounts.income" in result.stderr and result.stdout == ""


def test_config_set_with_an_empty_account_restores_its_default(bookctl, store):
    assert bookctl("config", "set", "accounts.cash", "Assets:Till", "--store", store).exit_code == 0
    result = bookctl("config", "set", "accounts.cash", "", "--store", store, "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert result.json()["accounts.cash"] == "Assets:Cash"


def test_income_balance_is_minus_the_net_of_report_revenue_month_by_month(ok, books, year, tmp_path):
    journal = export(books, tmp_path, "hledger")
    report = ok("report", "revenue", "--by", "month", "--from", "2026-01-01", "--to", "2026-12-31")
    assert hledger_balance(journal, "Income")["total"] == -amount(report["total"]["net"])
    months = [row for row in report["rows"] if amount(row["net"])]
    assert len(months) > 3
    for row in months:
        assert hledger_balance(journal, "Income", "date:" + row["group"])["total"] == -amount(row["net"]), row["group"]
    # The beancount file says the same: its income accounts' balance, read by beancount's own loader.
    from beancount import loader

    entries, errors, _ = loader.load_file(str(export(books, tmp_path, "beancount")))
    assert errors == []
    income = sum((posting.units.number for entry in entries for posting in getattr(entry, "postings", ())
                  if posting.account.startswith("Income")), Decimal(0))
    assert income == -amount(report["total"]["net"])


def test_the_reports_year_checks_in_both_tools_and_balances_to_its_net(bookctl, ok, books, store, tmp_path):
    from tests.cli._report_store import seed_year

    seed_year(bookctl, store)
    journal = export(books, tmp_path, "hledger")
    checked(tool("hledger"), "-f", journal, "check", "--strict", "ordereddates")
    checked(tool("bean-check"), export(books, tmp_path, "beancount"))
    net = amount(ok("report", "revenue", "--from", "2026-01-01", "--to", "2026-12-31")["total"]["net"])
    assert hledger_balance(journal, "Income")["total"] == -net == -Decimal("675.00")


@pytest.fixture
def pack_year(ok, run, store):  # noqa: ANN001, ANN201
    """A pack of 7 classes at 150.00 sold by card in November, two credits used, one given back by a timely
    cancel, and the pack expired in March with five credits unused."""
    ada = ok("contact", "add", "--first-name", "Ada")["id"]
    ok("plan", "add", "Seven", "--kind", "pack", "--sessions", "7", "--price", "150", "--valid-days", "90")
    ok("plan", "sell", "Seven", "--contact", ada, "--method", "card", "--card", "tok_visa",
       extra_env=at("2026-11-02T09:00:00+01:00"))
    first = ok("session", "book", "--service", "yoga-flow", "--contact", ada, "--start", "2026-11-10 18:00",
               "--use-pass", extra_env=at("2026-11-03T09:00:00+01:00"))["id"]
    second = ok("session", "book", "--service", "yoga-flow", "--contact", ada, "--start", "2026-11-20 18:00",
                "--use-pass", extra_env=at("2026-11-04T09:00:00+01:00"))["id"]
    assert ok("session", "cancel", second, extra_env=at("2026-11-05T09:00:00+01:00"))["credit"] == "returned"
    [expired] = ok("plan", "expire", extra_env=at("2027-03-01T09:00:00+01:00"))
    assert expired["moves"][-1]["credits"] == 6
    return first


def test_a_pack_is_deferred_revenue_recognised_credit_by_credit(books, pack_year, tmp_path):
    journal = export(books, tmp_path, "hledger", "--from", "2026-11-01", "--to", "2027-03-31")
    checked(tool("hledger"), "-f", journal, "check", "--strict", "ordereddates")
    assert checked(tool("bean-check"), export(books, tmp_path, "beancount", "--from", "2026-11-01",
                                              "--to", "2027-03-31")).stderr == ""
    # November: the sale is owed in sessions; one credit used (150/7 in cents, shared so 7 add up to 150).
    november = hledger_balance(journal, "-e", "2026-12-01", "Income", "Liabilities")
    assert november["Liabilities:DeferredRevenue"] == Decimal("-128.58")
    assert november["Income:Bookings:YogaFlow"] == Decimal("-21.42")
    assert november["total"] == Decimal("-150.00")  # minus the net the sale brought in
    # By March the pack has expired: what was left of its price is income, nothing is owed any more.
    march = hledger_balance(journal, "Income", "Liabilities")
    assert "Liabilities:DeferredRevenue" not in march or march["Liabilities:DeferredRevenue"] == 0
    assert march["Income:Bookings"] == Decimal("-128.58")
    assert march["total"] == Decimal("-150.00")
    assert hledger_balance(journal, "Assets")["Assets:Clearing:Sandbox"] == Decimal("150.00")


@pytest.mark.parametrize(("price", "sessions"), [(15000, 7), (100, 3), (1, 10), (99999, 13)])
def test_the_credits_of_a_pack_add_up_to_its_price_to_the_cent(price, sessions):
    from bookctl.domain.plans import credit_value

    values = [credit_value(price, sessions, n) for n in range(1, sessions + 1)]
    assert sum(values) == price
    assert max(values) - min(values) <= 1


def test_a_refunded_pack_leaves_nothing_deferred_and_the_net_is_what_was_kept(ok, books, store, tmp_path):
    ada = ok("contact", "add", "--first-name", "Ada")["id"]
    ok("plan", "add", "Seven", "--kind", "pack", "--sessions", "7", "--price", "150")
    ok("plan", "sell", "Seven", "--contact", ada, "--method", "card", "--card", "tok_visa",
       extra_env=at("2026-11-02T09:00:00+01:00"))
    ok("session", "book", "--service", "yoga-flow", "--contact", ada, "--start", "2026-11-10 18:00", "--use-pass",
       extra_env=at("2026-11-03T09:00:00+01:00"))
    ok("payment", "refund", "ps-1", extra_env=at("2026-11-12T09:00:00+01:00"))  # the six unused: 128.58
    journal = export(books, tmp_path, "hledger", "--month", "2026-11")
    checked(tool("hledger"), "-f", journal, "check", "--strict", "ordereddates")
    balances = hledger_balance(journal, "Income", "Liabilities")
    assert "Liabilities:DeferredRevenue" not in balances or balances["Liabilities:DeferredRevenue"] == 0
    assert balances["Income:Refunds"] == Decimal("128.58")
    assert balances["total"] == Decimal("-21.42")  # what the studio kept: the one class taken
    assert hledger_balance(journal, "Assets")["Assets:Clearing:Sandbox"] == Decimal("21.42")
