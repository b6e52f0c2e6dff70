"""`bookctl invoice ...` and `bookctl quote ...`: numbered documents with exact totals."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli._payment_fixtures import (  # noqa: F401 - fixtures
    _builtin_providers_only,
    booking,
    contact,
    figures,
    ok,
    one_error_line,
    run,
)
from tests.conftest import tree_digest


def refused(run, store: Path, code: int, *args: str) -> str:  # noqa: ANN001
    before = tree_digest(store)
    result = run(*args)
    assert result.exit_code == code, (result.stdout, result.stderr)
    assert tree_digest(store) == before
    return one_error_line(result.stderr)


def test_invoices_are_numbered_per_store_with_exact_totals(ok, contact):
    ada = contact("Ada")
    first = ok("invoice", "create", "--contact", ada, "--item", "Massage=0.10", "--item", "Oil=0.20", "--due", "2026-12-01")
    assert first["id"] == "INV-0001"
    assert first["total"] == {"amount": "0.30", "currency": "EUR"}
    assert [i["text"] for i in first["items"]] == ["Massage", "Oil"]
    assert (first["status"], first["due"], first["contact_id"]) == ("open", "2026-12-01", ada)
    assert ok("invoice", "create", "--contact", ada, "--item", "Voucher = 50")["id"] == "INV-0002"
    assert [i["id"] for i in ok("invoice", "list")] == ["INV-0001", "INV-0002"]
    assert ok("invoice", "show", "inv-0001") == first


def test_pay_then_void_rules(ok, run, store, contact):
    ada = contact("Ada")
    ok("invoice", "create", "--contact", ada, "--item", "Massage=40")
    paid = ok("invoice", "pay", "INV-0001", "--method", "bank-transfer")
    assert (paid["status"], paid["method"]) == ("paid", "bank-transfer")
    assert "paid" in refused(run, store, 1, "invoice", "pay", "INV-0001")
    assert "paid" in refused(run, store, 1, "invoice", "void", "INV-0001")
    ok("invoice", "create", "--contact", ada, "--item", "Massage=40")
    assert ok("invoice", "void", "INV-0002")["status"] == "void"
    assert "void" in refused(run, store, 1, "invoice", "pay", "INV-0002")


def test_invoice_pay_retried_with_its_key_returns_the_first_result(ok, contact):
    ok("invoice", "create", "--contact", contact("Ada"), "--item", "Massage=40")
    first = ok("invoice", "pay", "INV-0001", "--idempotency-key", "i-1")
    assert ok("invoice", "pay", "INV-0001", "--idempotency-key", "i-1") == first


@pytest.mark.parametrize("items", [[], ["Massage"], ["=40"], ["Massage=4.001"], ["Massage=ten"]])
def test_bad_items_are_exit_2(run, store, contact, items):
    ada = contact("Ada")
    args = [a for item in items for a in ("--item", item)]
    assert "--item" in refused(run, store, 2, "invoice", "create", "--contact", ada, *args)


def test_unknown_ids_are_exit_3(run, store):
    assert "c-9" in refused(run, store, 3, "invoice", "create", "--contact", "c-9", "--item", "A=1")
    for args in (("invoice", "show", "INV-0009"), ("invoice", "pay", "INV-0009"), ("invoice", "void", "nonsense"),
                 ("quote", "show", "Q-0003"), ("quote", "accept", "Q-0003")):
        refused(run, store, 3, *args)


def test_a_booking_invoice_marks_it_invoiced_and_voiding_undoes_that(ok, booking):
    b = booking()
    contact_id = ok("session", "show", b)["contact_id"]
    invoice = ok("invoice", "create", "--contact", contact_id, "--booking", b)
    assert (invoice["booking_id"], invoice["total"]["amount"]) == (b, "65.00")
    assert figures(ok, b)[0] == "invoiced"
    ok("invoice", "void", invoice["id"])
    assert figures(ok, b)[0] == "not_paid"


def test_a_booking_invoice_for_another_contact_is_refused(run, store, booking, contact):
    b = booking()
    other = contact("Bea")
    assert "belongs to contact" in refused(run, store, 1, "invoice", "create", "--contact", other, "--booking", b)


def test_a_second_open_invoice_for_a_booking_is_refused(ok, run, store, booking):
    b = booking()
    ok("payment", "collect", b, "--method", "invoice")
    assert "INV-0001" in refused(run, store, 1, "payment", "collect", b, "--method", "invoice")


def test_a_booking_invoice_cannot_be_paid_once_the_booking_is_paid_otherwise(ok, run, store, booking):
    b = booking()
    ok("payment", "collect", b, "--method", "invoice", "--amount", "20")
    ok("payment", "collect", b, "--method", "card", "--card", "tok_visa")
    assert "void" in refused(run, store, 1, "invoice", "pay", "INV-0001")


def test_quote_accept_turns_it_into_an_invoice(ok, run, store, contact):
    ada = contact("Ada")
    quote = ok("quote", "create", "--contact", ada, "--item", "Course=120", "--item", "Mat=15.50")
    assert (quote["id"], quote["total"]["amount"], quote["status"]) == ("Q-0001", "135.50", "open")
    invoice = ok("quote", "accept", "Q-0001")
    assert (invoice["id"], invoice["quote_id"], invoice["total"]["amount"], invoice["status"]) == \
        ("INV-0001", "Q-0001", "135.50", "open")
    shown = ok("quote", "show", "Q-0001")
    assert (shown["status"], shown["invoice_id"]) == ("accepted", "INV-0001")
    assert [q["id"] for q in ok("quote", "list")] == ["Q-0001"]
    assert "INV-0001" in refused(run, store, 1, "quote", "accept", "Q-0001")


def test_quote_without_items_is_exit_2(run, store, contact):
    assert "--item" in refused(run, store, 2, "quote", "create", "--contact", contact("Ada"))


@pytest.mark.parametrize("noun", ["invoice", "quote"])
@pytest.mark.parametrize("fmt", ["table", "csv", "ndjson", "json"])
def test_lists_in_every_format(ok, bookctl, store, contact, noun, fmt):
    ok(noun, "create", "--contact", contact("Ada"), "--item", "Massage=40")
    result = bookctl(noun, "list", "--store", store, "--format", fmt)
    assert result.exit_code == 0, result.stderr
    assert "40.00" in result.stdout


def test_paying_an_invoice_without_a_booking_is_a_ledger_entry(ok, contact):
    ada = contact("Ada")
    ok("invoice", "create", "--contact", ada, "--item", "Massage=40")
    ok("invoice", "pay", "INV-0001")
    [entry] = ok("payment", "list", "--contact", ada)
    assert (entry["id"], entry["booking_id"], entry["kind"], entry["status"], entry["amount"]["amount"]) == \
        ("p-INV-0001-1", None, "charge", "succeeded", "40.00")
    assert ok("payment", "list", "--from", "2026-11-23") == [entry]


@pytest.mark.backends("files")  # about the files themselves
def test_an_invoice_filed_under_another_number_is_exit_4(ok, run, store, contact):
    import json

    ok("invoice", "create", "--contact", contact("Ada"), "--item", "Massage=40")
    path = store / "data" / "invoices" / "00000.json"
    data = json.loads(path.read_text())
    data["invoices"]["INV-0007"] = data["invoices"].pop("INV-0001")
    path.write_text(json.dumps(data))
    result = run("invoice", "list")
    assert result.exit_code == 4
    assert "00000.json" in one_error_line(result.stderr) and "invoices.INV-0007" in result.stderr
