"""`bookctl payment collect | refund | list`: the money ledger through the real command line."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli._payment_fixtures import (  # noqa: F401 - fixtures
    TOMORROW,
    _builtin_providers_only,
    booking,
    contact,
    figures,
    ok,
    one_error_line,
    run,
)
from tests.conftest import tree_digest

PAYMENT_KEYS = {"id", "booking_id", "contact_id", "kind", "method", "provider", "amount", "status", "reference",
                "created_at"}


def refused(run, store: Path, code: int, *args: str) -> str:  # noqa: ANN001
    """Run a command that must be refused with `code` and change nothing; return its error line."""
    before = tree_digest(store)
    result = run(*args)
    assert result.exit_code == code, (result.stdout, result.stderr)
    assert tree_digest(store) == before
    return one_error_line(result.stderr)


# --- collect --------------------------------------------------------------------------------

def test_collect_by_card_takes_what_is_due_and_prints_the_ledger_entry(ok, booking):
    b = booking()
    entry = ok("payment", "collect", b, "--method", "card", "--card", "tok_visa")
    assert PAYMENT_KEYS <= entry.keys()
    assert (entry["kind"], entry["method"], entry["provider"], entry["status"]) == ("charge", "card", "sandbox", "succeeded")
    assert entry["amount"] == {"amount": "65.00", "currency": "EUR"}
    assert (entry["card_brand"], entry["card_last4"]) == ("visa", "4242")
    assert entry["reference"].startswith("ch_")
    assert figures(ok, b) == ("paid", "65.00", "0.00", "0.00")


def test_deposit_by_card_then_remainder_in_person_goes_deposit_paid_then_paid(ok, booking):
    b = booking()
    ok("payment", "collect", b, "--method", "card", "--card", "tok_visa", "--amount", "20")
    assert figures(ok, b) == ("deposit_paid", "20.00", "0.00", "45.00")
    entry = ok("payment", "collect", b, "--method", "in-person", "--yes")
    assert (entry["provider"], entry["method"], entry["amount"]["amount"]) == ("manual", "in_person", "45.00")
    assert figures(ok, b) == ("paid", "65.00", "0.00", "0.00")


def test_a_part_payment_other_than_the_deposit_is_partially_paid(ok, booking):
    b = booking()
    ok("payment", "collect", b, "--method", "card", "--card", "tok_visa", "--amount", "30")
    assert figures(ok, b) == ("partially_paid", "30.00", "0.00", "35.00")


def test_collecting_more_than_is_due_is_refused(ok, run, store, booking):
    b = booking()
    ok("payment", "collect", b, "--method", "card", "--card", "tok_visa", "--amount", "60")
    line = refused(run, store, 1, "payment", "collect", b, "--method", "card", "--card", "tok_visa", "--amount", "10")
    assert "5.00 EUR due" in line


def test_collecting_from_a_paid_booking_is_refused(ok, run, store, booking):
    b = booking()
    ok("payment", "collect", b, "--method", "card", "--card", "tok_visa")
    assert "nothing due" in refused(run, store, 1, "payment", "collect", b, "--method", "in-person", "--yes")


@pytest.mark.parametrize("amount", ["19.999", "abc", "-5"])
def test_a_bad_amount_is_exit_2(run, store, booking, amount):
    b = booking()
    assert "--amount" in refused(run, store, 2, "payment", "collect", b, "--method", "card", "--card", "tok_visa",
                                 "--amount", amount)


def test_a_declined_card_is_exit_1_and_recorded_as_a_failed_entry(ok, run, booking):
    b = booking()
    result = run("payment", "collect", b, "--method", "card", "--card", "tok_chargeDeclined")
    assert result.exit_code == 1
    assert "card declined" in one_error_line(result.stderr)
    [entry] = ok("payment", "list", "--booking", b)
    assert (entry["status"], entry["kind"]) == ("failed", "charge")
    assert figures(ok, b) == ("not_paid", "0.00", "0.00", "65.00")


def test_an_unreachable_provider_is_exit_5_and_nothing_is_paid(ok, run, booking):
    b = booking()
    result = run("payment", "collect", b, "--method", "card", "--card", "tok_providerDown")
    assert result.exit_code == 5
    assert "unreachable" in one_error_line(result.stderr)
    assert figures(ok, b) == ("not_paid", "0.00", "0.00", "65.00")


def test_card_through_a_provider_without_card_charges_names_provider_and_capability(run, store, booking):
    line = refused(run, store, 1, "payment", "collect", booking(), "--method", "card", "--provider", "manual",
                   "--card", "tok_visa")
    assert "manual" in line and "card_charges" in line


def test_card_without_a_token_or_saved_card_is_exit_2(run, store, booking):
    assert "--card" in refused(run, store, 2, "payment", "collect", booking(), "--method", "card")


def test_an_unknown_provider_is_exit_3(run, store, booking):
    assert "nopay" in refused(run, store, 3, "payment", "collect", booking(), "--method", "card", "--provider", "nopay",
                              "--card", "tok_visa")


def test_an_unknown_method_is_exit_2(run, store, booking):
    assert "--method" in refused(run, store, 2, "payment", "collect", booking(), "--method", "cheque")


def test_an_unknown_booking_is_exit_3(run, store):
    assert "b-20261124-9" in refused(run, store, 3, "payment", "collect", "b-20261124-9", "--method", "card",
                                     "--card", "tok_visa")


def test_in_person_without_yes_off_a_terminal_is_exit_2(run, store, booking):
    assert "--yes" in refused(run, store, 2, "payment", "collect", booking(), "--method", "in-person")


def test_by_invoice_creates_an_open_invoice_and_marks_the_booking_invoiced(ok, booking):
    b = booking()
    entry = ok("payment", "collect", b, "--method", "invoice")
    assert (entry["status"], entry["method"], entry["reference"]) == ("pending", "invoice", "INV-0001")
    assert figures(ok, b) == ("invoiced", "0.00", "0.00", "65.00")
    invoice = ok("invoice", "show", "INV-0001")
    assert (invoice["booking_id"], invoice["status"], invoice["total"]["amount"]) == (b, "open", "65.00")
    ok("invoice", "pay", "INV-0001")
    assert figures(ok, b) == ("paid", "65.00", "0.00", "0.00")


# --- refund ---------------------------------------------------------------------------------

def test_refund_in_full_by_default(ok, booking):
    b = booking()
    charge = ok("payment", "collect", b, "--method", "card", "--card", "tok_visa")
    [entry] = ok("payment", "refund", b, "--reason", "client moved away")
    assert (entry["kind"], entry["status"], entry["refund_of"], entry["amount"]["amount"]) == \
        ("refund", "succeeded", charge["id"], "65.00")
    assert entry["reason"] == "client moved away"
    assert figures(ok, b) == ("refunded", "0.00", "65.00", "65.00")


def test_partial_refund_then_the_rest(ok, booking):
    b = booking()
    ok("payment", "collect", b, "--method", "card", "--card", "tok_visa")
    ok("payment", "refund", b, "--amount", "15.50")
    assert figures(ok, b) == ("partially_refunded", "49.50", "15.50", "15.50")
    ok("payment", "refund", b)
    assert figures(ok, b) == ("refunded", "0.00", "65.00", "65.00")


def test_refund_larger_than_paid_states_paid_and_refundable(ok, run, store, booking):
    b = booking()
    ok("payment", "collect", b, "--method", "card", "--card", "tok_visa", "--amount", "20")
    line = refused(run, store, 1, "payment", "refund", b, "--amount", "30")
    assert "20.00 EUR paid" in line and "20.00 EUR refundable" in line


def test_refund_of_nothing_paid_is_refused(run, store, booking):
    assert "nothing refundable" in refused(run, store, 1, "payment", "refund", booking())


def test_refund_of_money_paid_in_person_is_refused_with_the_manual_record_suggested(ok, run, store, booking):
    b = booking()
    ok("payment", "collect", b, "--method", "in-person", "--yes")
    line = refused(run, store, 1, "payment", "refund", b)
    assert "manual" in line and "cannot refund" in line and "--manual" in line
    [entry] = ok("payment", "refund", b, "--manual", "--amount", "10")
    assert (entry["provider"], entry["status"]) == ("manual", "succeeded")
    assert figures(ok, b) == ("partially_refunded", "55.00", "10.00", "10.00")


def test_refund_failing_at_the_provider_is_exit_5_and_nothing_is_refunded(ok, run, booking):
    b = booking()
    ok("payment", "collect", b, "--method", "card", "--card", "tok_refundFail")
    result = run("payment", "refund", b)
    assert result.exit_code == 5
    one_error_line(result.stderr)
    assert figures(ok, b) == ("paid", "65.00", "0.00", "0.00")
    assert [e["status"] for e in ok("payment", "list", "--booking", b)] == ["succeeded", "failed"]


# --- list -----------------------------------------------------------------------------------

def test_list_filters_by_booking_contact_and_period(ok, booking):
    first, second = booking(), booking(f"{TOMORROW} 14:00", "Bea")
    ok("payment", "collect", first, "--method", "card", "--card", "tok_visa")
    ok("payment", "collect", second, "--method", "in-person", "--yes", "--amount", "5")
    assert [e["booking_id"] for e in ok("payment", "list")] == [first, second]
    assert [e["booking_id"] for e in ok("payment", "list", "--booking", second)] == [second]
    bea = ok("session", "show", second)["contact_id"]
    assert [e["booking_id"] for e in ok("payment", "list", "--contact", bea)] == [second]
    assert len(ok("payment", "list", "--from", "2026-11-23", "--to", "2026-11-23")) == 2
    assert ok("payment", "list", "--from", "2026-11-24") == []
    assert ok("payment", "list", "--to", "2026-11-22") == []


@pytest.mark.parametrize("fmt", ["table", "csv", "ndjson", "json"])
def test_list_in_every_format(ok, bookctl, store, booking, fmt):
    b = booking()
    ok("payment", "collect", b, "--method", "card", "--card", "tok_visa")
    result = bookctl("payment", "list", "--store", store, "--format", fmt)
    assert result.exit_code == 0, result.stderr
    assert b in result.stdout and "65.00" in result.stdout


def test_list_with_to_before_from_is_exit_2(run, store):
    assert "--to" in refused(run, store, 2, "payment", "list", "--from", "2026-11-24", "--to", "2026-11-01")


# --- idempotency ----------------------------------------------------------------------------

def test_a_retry_with_the_same_key_returns_the_first_result_and_moves_no_money(ok, store, booking):
    b = booking()
    first = ok("payment", "collect", b, "--method", "card", "--card", "tok_visa", "--amount", "20",
               "--idempotency-key", "k-1")
    before = tree_digest(store)
    again = ok("payment", "collect", b, "--method", "card", "--card", "tok_visa", "--amount", "20",
               "--idempotency-key", "k-1")
    assert again == first
    assert tree_digest(store) == before
    assert len(ok("payment", "list", "--booking", b)) == 1


def test_a_retry_prints_byte_for_byte_what_the_first_run_printed(run, booking):
    b = booking()
    args = ("payment", "collect", b, "--method", "card", "--card", "tok_visa", "--idempotency-key", "k-1")
    first, again = run(*args), run(*args)
    assert (first.exit_code, again.exit_code) == (0, 0)
    assert again.stdout == first.stdout


def test_payment_list_is_oldest_first_in_the_order_entries_were_made(ok, booking):
    for hour in ("08:00", "12:00", "14:00"):  # ids minted before, so the entries' numbers cross from 9 to 10
        booking(f"{TOMORROW} {hour}", f"Guest {hour}")
    b = booking()
    ok("payment", "collect", b, "--method", "card", "--card", "tok_visa")
    # one command, one time stamp: the fee and the refund share created_at
    ok("session", "cancel", b, "--refund", "--charge-fee")
    ids = [e["id"] for e in ok("payment", "list", "--booking", b)]
    numbers = [int(i.rsplit("-", 1)[1]) for i in ids]
    assert len(ids) == 3 and min(numbers) < 10 <= max(numbers)
    assert numbers == sorted(numbers)


def test_the_same_key_with_other_arguments_is_exit_2(ok, run, store, booking):
    b = booking()
    ok("payment", "collect", b, "--method", "card", "--card", "tok_visa", "--amount", "20", "--idempotency-key", "k-1")
    line = refused(run, store, 2, "payment", "collect", b, "--method", "card", "--card", "tok_visa", "--amount", "25",
                   "--idempotency-key", "k-1")
    assert "k-1" in line


def test_a_refund_retried_with_its_key_refunds_once(ok, booking):
    b = booking()
    ok("payment", "collect", b, "--method", "card", "--card", "tok_visa")
    first = ok("payment", "refund", b, "--amount", "10", "--idempotency-key", "r-1")
    assert ok("payment", "refund", b, "--amount", "10", "--idempotency-key", "r-1") == first
    assert figures(ok, b) == ("partially_refunded", "55.00", "10.00", "10.00")


def test_a_failed_attempt_is_not_remembered_so_the_retry_tries_again(ok, run, booking):
    b = booking()
    assert run("payment", "collect", b, "--method", "card", "--card", "tok_providerDown",
               "--idempotency-key", "k-2").exit_code == 5
    # The client's second try (same key, the provider is back) goes through.
    assert run("payment", "collect", b, "--method", "card", "--card", "tok_providerDown",
               "--idempotency-key", "k-2").exit_code == 5
    assert figures(ok, b)[0] == "not_paid"


def test_a_key_used_by_a_payment_is_exit_2_on_a_plain_no_show_and_changes_nothing(ok, run, store, booking):
    b = booking("2026-11-23 09:00", "Cy", "--allow-past")
    ok("payment", "collect", b, "--method", "card", "--card", "tok_visa", "--idempotency-key", "zz")
    before = tree_digest(store)
    result = run("session", "no-show", b, "--idempotency-key", "zz")
    assert result.exit_code == 2 and "zz" in one_error_line(result.stderr)
    assert tree_digest(store) == before


def test_a_plain_no_show_retried_with_its_key_answers_as_the_first_time(ok, run, store, booking):
    b = booking("2026-11-23 09:00", "Cy", "--allow-past")
    first = run("session", "no-show", b, "--idempotency-key", "ns-1")
    before = tree_digest(store)
    again = run("session", "no-show", b, "--idempotency-key", "ns-1")
    assert (first.exit_code, again.exit_code) == (0, 0) and again.stdout == first.stdout
    assert ok("session", "show", b)["attendance"] == "no_show"
    assert tree_digest(store) == before


def test_in_person_for_a_booking_that_does_not_exist_is_exit_3_before_any_question(run, store):
    before = tree_digest(store)
    result = run("payment", "collect", "b-20261124-99", "--method", "in-person")
    assert result.exit_code == 3 and "b-20261124-99" in one_error_line(result.stderr)
    assert tree_digest(store) == before


@pytest.mark.backends("files")  # about the files themselves
def test_idempotency_keys_are_stored_hashed(ok, store, booking):
    b = booking()
    ok("payment", "collect", b, "--method", "card", "--card", "tok_visa", "--idempotency-key", "secret-key-77")
    files = list((store / "data" / "idempotency").glob("*.json"))
    assert len(files) == 1
    assert "secret-key-77" not in files[0].read_text()


# --- card data ------------------------------------------------------------------------------

@pytest.mark.parametrize("number", ["4242424242424242", "4242 4242 4242 4242", "4000-0000-0000-0341",
                                    "tok_4242424242424242"])
def test_a_card_number_given_as_the_card_token_is_refused_and_never_stored(run, store, booking, number):
    b = booking()
    before = tree_digest(store)
    result = run("payment", "collect", b, "--method", "card", "--card", number)
    assert result.exit_code == 2
    assert "token" in one_error_line(result.stderr) and number not in result.stderr
    assert tree_digest(store) == before


def test_no_card_number_reaches_the_store(ok, store, booking):
    b = booking()
    ok("payment", "collect", b, "--method", "card", "--card", "tok_visa", "--amount", "20", "--save-card")
    ok("session", "no-show", booking("2026-11-23 09:00", "Cy", "--allow-past"), "--charge-fee")
    ok("payment", "collect", b, "--method", "card")  # the saved card
    for path in store.rglob("*"):
        if path.is_file():
            text = path.read_bytes().decode("utf-8", "replace")
            assert "4242424242424242" not in text and "4242 4242" not in text, path
    saved = ok("contact", "show", ok("session", "show", b)["contact_id"])
    assert "saved_card" not in saved


# --- storage --------------------------------------------------------------------------------

@pytest.mark.backends("files")  # about the files themselves
def test_entries_move_with_a_rescheduled_booking_and_keep_their_figures(ok, store, booking):
    b = booking()
    charge = ok("payment", "collect", b, "--method", "card", "--card", "tok_visa", "--amount", "20")
    ok("session", "reschedule", b, "--start", "2026-12-03 11:00")
    assert figures(ok, b) == ("deposit_paid", "20.00", "0.00", "45.00")
    moved = (store / "data" / "days" / "2026" / "2026-12-03.json").read_text()
    assert charge["id"] in moved
    assert charge["id"] not in (store / "data" / "days" / "2026" / "2026-11-24.json").read_text()
    [listed] = ok("payment", "list", "--from", "2026-11-23", "--to", "2026-11-23")
    assert listed["id"] == charge["id"]
    ok("payment", "refund", b)
    assert figures(ok, b) == ("refunded", "0.00", "20.00", "65.00")


@pytest.mark.backends("files")  # about the files themselves
def test_a_damaged_ledger_entry_is_exit_4_naming_the_file_and_field(ok, run, store, booking):
    import json

    b = booking()
    charge = ok("payment", "collect", b, "--method", "card", "--card", "tok_visa")
    path = store / "data" / "days" / "2026" / "2026-11-24.json"
    data = json.loads(path.read_text())
    data["ledger"][charge["id"]]["amount"]["minor"] = 65.0
    path.write_text(json.dumps(data))
    result = run("session", "show", b)
    assert result.exit_code == 4
    line = one_error_line(result.stderr)
    assert "2026-11-24.json" in line and f"ledger.{charge['id']}.amount.minor" in line


def test_a_yen_store_takes_whole_yen_only(bookctl, tmp_path):
    root = tmp_path / "yen"
    assert bookctl("init", root, "--business", "Tokyo", "--currency", "JPY", "--timezone", "Asia/Tokyo").exit_code == 0

    def run(*args: str):  # noqa: ANN202
        return bookctl(*args, "--store", root, "--format", "json")

    assert run("service", "add", "Shiatsu", "--price", "8000", "--duration", "60").exit_code == 0
    assert run("contact", "add", "--first-name", "Aiko").exit_code == 0
    b = run("session", "book", "--service", "shiatsu", "--contact", "c-1", "--start", "2026-11-25 10:00").json()["id"]
    before = tree_digest(root)
    bad = run("payment", "collect", b, "--method", "card", "--card", "tok_visa", "--amount", "100.5")
    assert bad.exit_code == 2 and "decimals" in one_error_line(bad.stderr)
    assert tree_digest(root) == before
    entry = run("payment", "collect", b, "--method", "card", "--card", "tok_visa", "--amount", "1500").json()
    assert entry["amount"] == {"amount": "1500", "currency": "JPY"}
    assert run("session", "show", b).json()["due"] == {"amount": "6500", "currency": "JPY"}


def _on_a_terminal(store: Path, answer: bytes, *args: str):  # noqa: ANN202
    """Run bookctl as a real process whose stdin is a terminal, typing `answer` at the prompt."""
    import os
    import pty
    import subprocess
    import sys

    from tests.conftest import NOW

    master, slave = pty.openpty()
    env = {k: v for k, v in os.environ.items() if not k.startswith("BOOKCTL_")}
    env.update({"BOOKCTL_NOW": NOW, "BOOKCTL_LOAD_PLUGINS": ""})
    try:
        proc = subprocess.Popen([sys.executable, "-m", "bookctl", *args, "--store", str(store), "--format", "json"],
                                stdin=slave, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        os.write(master, answer)
        out, err = proc.communicate(timeout=60)
    finally:
        os.close(master)
        os.close(slave)
    return proc.returncode, out.decode(), err.decode()


def test_in_person_asks_on_a_terminal_and_a_no_changes_nothing(ok, store, booking):
    b = booking()
    before = tree_digest(store)
    code, _, err = _on_a_terminal(store, b"n\n", "payment", "collect", b, "--method", "in-person")
    assert code == 1 and "cannot be undone" in err and "aborted" in err
    assert tree_digest(store) == before
    code, out, err = _on_a_terminal(store, b"y\n", "payment", "collect", b, "--method", "in-person")
    assert code == 0, err
    assert '"provider": "manual"' in out
    assert figures(ok, b)[0] == "paid"
