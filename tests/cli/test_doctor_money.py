"""`bookctl doctor` on money edited by hand (issue #16): a negative amount, or one in a currency that is
not the store's, in a ledger entry, an invoice or quote line, a booking or a service, is one problem
row naming the record; exit 4 and nothing changed, as for every other problem doctor finds."""

from __future__ import annotations

import json
from pathlib import Path

import psycopg
import pytest

from tests.cli._payment_fixtures import doctor_problems, one_error_line
from tests.conftest import database_url_of, tree_digest

DAY = Path("data") / "days" / "2026" / "2026-11-24.json"
INVOICES = Path("data") / "invoices" / "00000.json"
QUOTES = Path("data") / "quotes" / "00000.json"


def ok(bookctl, store: Path, *args: str):  # noqa: ANN001, ANN201
    result = bookctl(*args, "--store", store, "--format", "json")
    assert result.exit_code == 0, (args, result.stderr)
    return result.json()


@pytest.fixture
def studio(bookctl, store: Path) -> Path:  # noqa: ANN001
    """Ada's physiotherapy tomorrow paid by card, her paid invoice INV-0001 (40 + 5) for no booking, and
    her quote Q-0001."""
    ok(bookctl, store, "contact", "add", "--first-name", "Ada")
    booking = ok(bookctl, store, "session", "book", "--service", "physiotherapy", "--contact", "c-1",
                 "--start", "2026-11-24 10:00")["id"]
    ok(bookctl, store, "payment", "collect", booking, "--method", "card", "--card", "tok_visa")
    ok(bookctl, store, "invoice", "create", "--contact", "c-1", "--item", "Massage=40", "--item", "Oil=5")
    ok(bookctl, store, "invoice", "pay", "INV-0001", "--method", "bank-transfer")
    ok(bookctl, store, "quote", "create", "--contact", "c-1", "--item", "Course=120")
    return store


def edit_json(path: Path, change) -> None:  # noqa: ANN001
    data = json.loads(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def edit_service(store: Path, old: str, new: str) -> None:
    """Replace a line of physiotherapy's table in bookctl.toml (it is on every backend)."""
    toml = store / "bookctl.toml"
    text = toml.read_text(encoding="utf-8")
    start = text.index("[services.physiotherapy]")
    end = text.find("\n[", start + 1)
    end = len(text) if end == -1 else end
    assert old in text[start:end], text[start:end]
    toml.write_text(text[:start] + text[start:end].replace(old, new, 1) + text[end:], encoding="utf-8")


def charge_of(day_file: dict) -> dict:
    [entry] = [e for e in day_file["ledger"].values() if e["kind"] == "charge"]
    return entry


def sql(store: Path, query: str, params: object = None) -> list[tuple]:
    with psycopg.connect(database_url_of(store), autocommit=True) as conn:
        cursor = conn.execute(query, params)
        return cursor.fetchall() if cursor.description else []


def test_a_store_with_a_ledger_invoices_and_quotes_in_its_currency_is_ok(bookctl, studio):
    done = bookctl("doctor", "--store", studio, "--format", "json")
    assert done.exit_code == 0, done.stdout
    assert done.json()["status"] == "ok"


# --- services, in bookctl.toml on every backend --------------------------------------------------

def test_a_negative_service_price_edited_into_the_settings_is_a_problem(bookctl, studio):
    edit_service(studio, 'price = "65.00"', 'price = { minor = -6500, currency = "EUR" }')
    assert doctor_problems(bookctl, studio) == [{"file": "service physiotherapy", "problem": "price is negative: -65.00 EUR"}]


def test_a_service_fee_in_another_currency_is_a_problem(bookctl, studio):
    edit_service(studio, 'no_show_fee = "30.00"', 'no_show_fee = { minor = 3000, currency = "USD" }')
    assert doctor_problems(bookctl, studio) == [
        {"file": "service physiotherapy", "problem": "no show fee is in USD, not the store's currency EUR"}]


@pytest.mark.backends("files")  # a PostgreSQL store reads bookctl.toml to find its database: exit 4 before doctor
def test_a_negative_service_price_written_as_a_decimal_is_a_damaged_settings_file(bookctl, studio):
    edit_service(studio, 'price = "65.00"', 'price = "-65.00"')
    [row] = doctor_problems(bookctl, studio)
    assert row["file"] == str(studio / "bookctl.toml") and "'-65.00' is negative" in row["problem"]


# --- the records, in the file store's files ------------------------------------------------------

@pytest.mark.backends("files")  # planted in the files by hand
def test_a_negative_ledger_amount_is_a_problem(bookctl, studio):
    edit_json(studio / DAY, lambda data: charge_of(data)["amount"].update(minor=-6500))
    [booking] = json.loads((studio / DAY).read_text())["bookings"]
    entry = charge_of(json.loads((studio / DAY).read_text()))["id"]
    # One finding: the refunds-within-charges rule is not also tripped by the negative sum.
    assert doctor_problems(bookctl, studio) == [
        {"file": f"booking {booking}", "problem": f"ledger entry {entry} (charge) is negative: -65.00 EUR"}]


@pytest.mark.backends("files")  # planted in the files by hand
def test_a_ledger_amount_in_another_currency_is_a_problem(bookctl, studio):
    edit_json(studio / DAY, lambda data: charge_of(data)["amount"].update(currency="USD"))
    [booking] = json.loads((studio / DAY).read_text())["bookings"]
    entry = charge_of(json.loads((studio / DAY).read_text()))["id"]
    assert doctor_problems(bookctl, studio) == [
        {"file": f"booking {booking}", "problem": f"ledger entry {entry} (charge) is in USD, not the store's currency EUR"}]


@pytest.mark.backends("files")  # planted in the files by hand
def test_a_negative_booking_price_is_a_problem(bookctl, studio):
    def cut(data: dict) -> None:
        for booking in data["bookings"].values():
            booking["price"]["minor"] = -1
    edit_json(studio / DAY, cut)
    [booking] = json.loads((studio / DAY).read_text())["bookings"]
    assert doctor_problems(bookctl, studio) == [{"file": f"booking {booking}", "problem": "price is negative: -0.01 EUR"}]


@pytest.mark.backends("files")  # planted in the files by hand
def test_a_negative_invoice_line_is_a_problem(bookctl, studio):
    edit_json(studio / INVOICES, lambda data: data["invoices"]["INV-0001"]["items"][1]["amount"].update(minor=-500))
    assert doctor_problems(bookctl, studio) == [
        {"file": "invoice INV-0001", "problem": "line 2 ('Oil') is negative: -5.00 EUR"}]


@pytest.mark.backends("files")  # planted in the files by hand
def test_the_payment_of_an_invoice_for_no_booking_in_another_currency_is_a_problem(bookctl, studio):
    edit_json(studio / INVOICES, lambda data: data["ledger"]["p-INV-0001-1"]["amount"].update(currency="GBP"))
    assert doctor_problems(bookctl, studio) == [
        {"file": "invoice INV-0001", "problem": "ledger entry p-INV-0001-1 (charge) is in GBP, not the store's currency EUR"}]


@pytest.mark.backends("files")  # planted in the files by hand
def test_a_quote_line_and_total_in_another_currency_are_a_problem_each(bookctl, studio):
    def dollars(data: dict) -> None:
        quote = data["quotes"]["Q-0001"]
        quote["items"][0]["amount"]["currency"] = quote["total"]["currency"] = "USD"
    edit_json(studio / QUOTES, dollars)
    assert doctor_problems(bookctl, studio) == [
        {"file": "quote Q-0001", "problem": "line 1 ('Course') is in USD, not the store's currency EUR"},
        {"file": "quote Q-0001", "problem": "the total is in USD, not the store's currency EUR"}]


@pytest.mark.backends("files")  # about the files themselves
def test_a_damaged_invoice_file_is_listed_as_a_damaged_file(bookctl, studio):
    (studio / INVOICES).write_bytes(b"{ half an invo")
    [row] = doctor_problems(bookctl, studio)
    assert row["file"] == str(studio / INVOICES)


# --- the records, in PostgreSQL's tables ---------------------------------------------------------

@pytest.mark.backends("postgres")  # planted by SQL
def test_a_negative_invoice_line_set_by_sql_is_a_problem(bookctl, studio):
    [(items,)] = sql(studio, "SELECT items FROM invoices WHERE id = 'INV-0001'")
    items[1]["amount"]["minor"] = -500
    sql(studio, "UPDATE invoices SET items = %s WHERE id = 'INV-0001'", [json.dumps(items)])
    assert doctor_problems(bookctl, studio) == [
        {"file": "invoice INV-0001", "problem": "line 2 ('Oil') is negative: -5.00 EUR"}]


@pytest.mark.backends("postgres")  # planted by SQL
def test_a_quote_total_in_another_currency_set_by_sql_is_a_problem(bookctl, studio):
    sql(studio, "UPDATE quotes SET total_currency = 'USD' WHERE id = 'Q-0001'")
    assert doctor_problems(bookctl, studio) == [
        {"file": "quote Q-0001", "problem": "the total is in USD, not the store's currency EUR"}]


def test_the_currency_of_a_store_with_invoices_cannot_change_under_them(bookctl, tmp_path):
    """Else every invoice would be in a currency not the store's: refused, as with services."""
    root = tmp_path / "no-services"
    assert bookctl("init", root, "--business", "Studio", "--currency", "EUR", "--timezone", "Europe/Rome").exit_code == 0
    ok(bookctl, root, "contact", "add", "--first-name", "Ada")
    ok(bookctl, root, "invoice", "create", "--contact", "c-1", "--item", "Massage=40")
    before = tree_digest(root)
    result = bookctl("config", "set", "business.currency", "USD", "--store", root)
    assert result.exit_code == 1
    assert one_error_line(result.stderr) == ("error: cannot change the currency of a store that has invoices or "
                                             "quotes; their amounts are in EUR\n")
    assert tree_digest(root) == before
    assert bookctl("doctor", "--store", root).exit_code == 0
