"""`plan sell`, booking with a pass, and what cancels and no-shows do to its credits (bookctl #23), on
both backends. The money of a sale goes through the sandbox provider, and what the ledger says is
checked against the sandbox's own books, under declines, lost answers and an unreachable provider."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bookctl.providers.builtin.sandbox import read_books
from bookctl.storage.stores import open_store
from tests.cli._payment_fixtures import _builtin_providers_only, one_error_line  # noqa: F401 - autouse
from tests.conftest import tree_digest

PACK = ("plan", "add", "Ten classes", "--kind", "pack", "--sessions", "10", "--price", "150", "--valid-days", "90",
        "--services", "yoga-flow")
CLASS = "2026-11-24 18:00"  # Yoga Flow, 18.00, its cancellation window the default 24 hours


def books(store: Path) -> dict:
    return read_books(store / "providers" / "sandbox")


@pytest.fixture
def ada(ok) -> str:  # noqa: ANN001
    return ok("contact", "add", "--first-name", "Ada", "--email", "ada@example.org")["id"]


@pytest.fixture
def pack(ok) -> str:  # noqa: ANN001
    return ok(*PACK)["id"]


def sell(ok, ada: str, *how: str) -> dict:  # noqa: ANN001
    return ok("plan", "sell", "Ten classes", "--contact", ada, *how)


def book_with(ok, ada: str, *how: str, start: str = CLASS) -> dict:  # noqa: ANN001
    return ok("session", "book", "--service", "yoga-flow", "--start", start, "--contact", ada, *how)


def passes(ok, ada: str) -> list[dict]:  # noqa: ANN001
    return ok("contact", "passes", ada)


# --- selling ------------------------------------------------------------------------------

def test_a_pack_sold_by_card_is_paid_through_the_provider_and_active(ok, store, ada, pack):
    sold = sell(ok, "ada@example.org", "--method", "card", "--card", "tok_visa")
    assert (sold["id"], sold["plan_id"], sold["contact_id"], sold["kind"]) == ("ps-1", pack, ada, "pack")
    assert (sold["balance"], sold["sessions"], sold["status"]) == (10, 10, "active")
    assert sold["expires_at"] == "2027-02-21T00:00:00+01:00"  # 90 local days on, at midnight
    assert (sold["invoice_id"], sold["invoice_status"]) == ("INV-0001", "paid")
    payment = sold["payment"]
    assert (payment["kind"], payment["method"], payment["status"], payment["amount"]) == (
        "charge", "card", "succeeded", {"amount": "150.00", "currency": "EUR"})
    assert (payment["card_brand"], payment["card_last4"]) == ("visa", "4242")
    # the provider's side: one charge of 150.00 under the key the ledger holds
    charges = books(store)["charges"]
    assert [(c["amount"], c["key"]) for c in charges.values()] == [(15000, payment["idempotency_key"])]
    invoice = ok("invoice", "show", "INV-0001")
    assert (invoice["status"], invoice["pass_id"], invoice["total"]["amount"]) == ("paid", "ps-1", "150.00")
    assert [e["id"] for e in ok("payment", "list", "--contact", ada)] == [payment["id"]]


def test_a_declined_card_cancels_the_sale_and_takes_nothing(run, ok, store, ada, pack):
    result = run("plan", "sell", pack, "--contact", ada, "--method", "card", "--card", "tok_chargeDeclined")
    assert result.exit_code == 1
    assert one_error_line(result.stderr).startswith("error: pass ps-1 is cancelled: its payment failed (")
    [sold] = passes(ok, ada)
    assert (sold["status"], sold["balance"]) == ("cancelled", 0)
    assert [m["kind"] for m in sold["moves"]] == ["cancelled"]
    assert ok("invoice", "show", "INV-0001")["status"] == "void"
    [entry] = ok("payment", "list", "--contact", ada)
    assert entry["status"] == "failed"
    assert books(store)["charges"] == {}
    refused = run("session", "book", "--service", "yoga-flow", "--start", CLASS, "--contact", ada, "--pass", "ps-1")
    assert refused.exit_code == 1 and "pass ps-1 is cancelled" in refused.stderr


def test_a_lost_answer_leaves_the_sale_pending_and_the_retry_charges_once(run, ok, store, ada, pack):
    first = run("plan", "sell", pack, "--contact", ada, "--method", "card", "--card", "tok_lostAnswer")
    assert first.exit_code == 5
    assert "outcome unknown; run 'bookctl payment reconcile INV-0001'" in one_error_line(first.stderr)
    [sold] = passes(ok, ada)
    assert sold["status"] == "past_due"  # not usable until the money is known
    refused = run("session", "book", "--service", "yoga-flow", "--start", CLASS, "--contact", ada, "--use-pass")
    assert refused.exit_code == 1 and "has no pass that covers Yoga Flow" in refused.stderr
    again = sell(ok, ada, "--method", "card", "--card", "tok_lostAnswer")  # the same sale: resumed, not repeated
    assert (again["id"], again["status"], again["invoice_status"]) == ("ps-1", "active", "paid")
    assert len(books(store)["charges"]) == 1
    assert [p["id"] for p in passes(ok, ada)] == ["ps-1"]
    assert [e["status"] for e in ok("payment", "list", "--contact", ada)] == ["succeeded"]


def test_an_unreachable_provider_cancels_the_sale_and_a_new_one_can_follow(run, ok, store, ada, pack):
    result = run("plan", "sell", pack, "--contact", ada, "--method", "card", "--card", "tok_providerDown")
    assert result.exit_code == 5  # the provider said nothing was charged: the attempt is recorded, failed
    assert one_error_line(result.stderr).startswith("error: pass ps-1 is cancelled: its payment failed (")
    assert passes(ok, ada)[0]["status"] == "cancelled"
    assert books(store)["charges"] == {}
    again = sell(ok, ada, "--method", "card", "--card", "tok_visa")
    assert (again["id"], again["status"]) == ("ps-2", "active")
    assert len(books(store)["charges"]) == 1


def test_reconcile_settles_a_sale_whose_answer_was_lost(run, ok, store, ada, pack):
    assert run("plan", "sell", pack, "--contact", ada, "--method", "card", "--card", "tok_lostAnswer").exit_code == 5
    [settled] = ok("payment", "reconcile", "INV-0001")
    assert settled["status"] == "succeeded"
    assert passes(ok, ada)[0]["status"] == "active"
    assert ok("invoice", "show", "INV-0001")["status"] == "paid"
    assert len(books(store)["charges"]) == 1


def test_a_sale_in_person_needs_yes_and_is_paid_at_once(run, ok, store, ada, pack):
    before = tree_digest(store)
    unconfirmed = run("plan", "sell", pack, "--contact", ada, "--method", "in-person")
    assert unconfirmed.exit_code == 2 and tree_digest(store) == before
    sold = sell(ok, ada, "--method", "in-person", "--yes")
    assert (sold["status"], sold["invoice_status"], sold["payment"]["method"]) == ("active", "paid", "in_person")
    assert books(store)["charges"] == {}


def test_a_sale_by_invoice_is_usable_at_once_and_paid_later(ok, ada, pack):
    sold = sell(ok, ada, "--method", "invoice")
    assert (sold["status"], sold["invoice_status"], sold["payment"]) == ("active", "open", None)
    paid = ok("invoice", "pay", "INV-0001", "--method", "bank transfer")
    assert paid["status"] == "paid"
    assert passes(ok, ada)[0]["status"] == "active"


def test_voiding_the_invoice_of_an_unused_pass_cancels_it_and_a_used_one_refuses(run, ok, ada, pack):
    sell(ok, ada, "--method", "invoice")
    ok("invoice", "void", "INV-0001")
    assert (passes(ok, ada)[0]["status"], passes(ok, ada)[0]["balance"]) == ("cancelled", 0)
    sell(ok, ada, "--method", "invoice")
    book_with(ok, ada, "--pass", "ps-2")
    refused = run("invoice", "void", "INV-0002")
    assert refused.exit_code == 1
    assert "pass ps-2, sold on invoice INV-0002, has been used" in one_error_line(refused.stderr)


def test_an_idempotency_key_sells_once(ok, store, ada, pack):
    first = sell(ok, ada, "--method", "card", "--card", "tok_visa", "--idempotency-key", "sale-1")
    second = sell(ok, ada, "--method", "card", "--card", "tok_visa", "--idempotency-key", "sale-1")
    assert second == first
    assert len(passes(ok, ada)) == 1 and len(books(store)["charges"]) == 1


@pytest.mark.parametrize(("args", "code", "message"), [
    (("plan", "sell", "pl-9", "--contact", "c-1", "--method", "card"), 3, "no plan 'pl-9'"),
    (("plan", "sell", "pl-1", "--contact", "c-9", "--method", "card"), 3, "no contact 'c-9'"),
    (("plan", "sell", "pl-1", "--contact", "c-1", "--method", "cash"), 2, "--method 'cash' is not one of"),
    (("plan", "sell", "pl-1", "--contact", "c-1", "--method", "card"), 2, "give --card TOKEN"),
    (("plan", "sell", "pl-1", "--contact", "c-1", "--method", "card", "--card", "4242424242424242"), 2,
     "never a card number"),
    (("plan", "sell", "pl-1", "--contact", "c-1", "--method", "invoice", "--card", "tok_visa"), 2,
     "--card and --save-card go with --method card"),
    (("plan", "sell", "pl-1", "--contact", "c-1", "--method", "invoice", "--start", "24/11/2026"), 2, "--start"),
])
def test_a_sale_that_cannot_be_made_changes_nothing(run, store, ada, pack, args, code, message):
    before = tree_digest(store)
    result = run(*args)
    assert result.exit_code == code, result.stderr
    assert message in one_error_line(result.stderr)
    assert tree_digest(store) == before


def test_an_archived_plan_is_not_sold(run, ok, store, ada, pack):
    ok("plan", "archive", pack)
    before = tree_digest(store)
    result = run("plan", "sell", pack, "--contact", ada, "--method", "invoice")
    assert result.exit_code == 1 and "is archived and no longer sold" in result.stderr
    assert tree_digest(store) == before


# --- using credits ------------------------------------------------------------------------

def test_a_booking_with_a_pass_is_covered_and_spends_one_credit(ok, ada, pack):
    sell(ok, ada, "--method", "invoice")
    booked = book_with(ok, ada, "--pass", "ps-1")
    assert (booked["payment_status"], booked["due"]["amount"], booked["pass_id"]) == ("covered", "0.00", "ps-1")
    [sold] = passes(ok, ada)
    assert sold["balance"] == 9
    assert sold["moves"] == [{"kind": "used", "credits": 1, "at": "2026-11-23T12:00:00+01:00",
                              "booking_id": booked["id"], "reason": None}]
    [row] = ok("session", "list", "--day", "2026-11-24")
    assert (row["payment_status"], row["pass_id"]) == ("covered", "ps-1")


def test_use_pass_picks_the_pass_that_expires_first(ok, ada, pack):
    ok("plan", "add", "Open pack", "--kind", "pack", "--sessions", "5", "--price", "80")  # no end
    ok("plan", "sell", "Open pack", "--contact", ada, "--method", "invoice")  # ps-1, never expires
    sell(ok, ada, "--method", "invoice")  # ps-2, 90 days
    assert book_with(ok, ada, "--use-pass")["pass_id"] == "ps-2"


YOGA = ("--service", "yoga-flow", "--start", CLASS)


@pytest.mark.parametrize(("setup", "args", "code", "message"), [
    ("none", (*YOGA, "--use-pass"), 1, "has no pass that covers Yoga Flow"),
    ("sold", (*YOGA, "--pass", "ps-7"), 3, "no pass 'ps-7'"),
    ("sold", (*YOGA, "--pass", "ps-1", "--use-pass"), 2, "give --pass ID or --use-pass, not both"),
    ("sold", ("--service", "physiotherapy", "--start", CLASS, "--pass", "ps-1"), 1, "does not cover Physiotherapy"),
    ("other", (*YOGA, "--pass", "ps-1"), 1, "pass ps-1 belongs to contact c-2, not c-1"),
    ("sold", ("--service", "yoga-flow", "--start", "2027-03-01 18:00", "--pass", "ps-1"), 1,
     "pass ps-1 expires at 2027-02-21"),
    ("sold", (*YOGA, "--pass", "ps-1", "--waitlist"), 2, "a waitlist place is paid when it is offered"),
])
def test_a_pass_that_cannot_pay_refuses_the_booking(run, ok, store, ada, pack, setup, args, code, message):
    if setup == "sold":
        sell(ok, ada, "--method", "invoice")
    elif setup == "other":
        bea = ok("contact", "add", "--first-name", "Bea")["id"]
        sell(ok, bea, "--method", "invoice")
    before = tree_digest(store)
    result = run("session", "book", "--contact", ada, *args)
    assert result.exit_code == code, result.stderr
    assert message in one_error_line(result.stderr)
    assert tree_digest(store) == before


def test_the_last_credit_cannot_be_spent_twice(run, ok, store, ada):
    ok("plan", "add", "Single", "--kind", "pack", "--sessions", "1", "--price", "18")
    ok("plan", "sell", "Single", "--contact", ada, "--method", "invoice")
    book_with(ok, ada, "--use-pass")
    [sold] = passes(ok, ada)
    assert (sold["balance"], sold["status"]) == (0, "used_up")
    before = tree_digest(store)
    again = run("session", "book", "--service", "yoga-flow", "--start", "2026-11-25 18:00", "--contact", ada,
                "--pass", "ps-1")
    assert again.exit_code == 1 and "pass ps-1 is used_up: no credits are left" in again.stderr
    assert tree_digest(store) == before


def test_a_timely_cancel_gives_the_credit_back_and_a_late_one_forfeits_it(run, ok, ada, pack):
    sell(ok, ada, "--method", "invoice")
    early = book_with(ok, ada, "--pass", "ps-1", start="2026-11-26 18:00")  # three days off: outside the window
    late = book_with(ok, ada, "--pass", "ps-1", start="2026-11-24 10:00")  # 22 hours off: inside the 24-hour window
    assert passes(ok, ada)[0]["balance"] == 8
    assert ok("session", "cancel", early["id"])["credit"] == "returned"
    assert passes(ok, ada)[0]["balance"] == 9
    refused = run("session", "cancel", late["id"], "--charge-fee")
    assert refused.exit_code == 1 and "forfeits its credit instead of a fee" in refused.stderr
    cancelled = ok("session", "cancel", late["id"])
    assert (cancelled["credit"], cancelled["payment_status"], cancelled["due"]["amount"]) == ("forfeited", "covered", "0.00")
    [sold] = passes(ok, ada)
    assert sold["balance"] == 9
    assert [(m["kind"], m["booking_id"], m["reason"]) for m in sold["moves"]] == [
        ("used", early["id"], None), ("used", late["id"], None), ("returned", early["id"], None),
        ("forfeited", late["id"], "late cancel")]


def test_a_no_show_forfeits_the_credit_once(env, run, ok, ada, pack, monkeypatch):
    sell(ok, ada, "--method", "invoice")
    booked = book_with(ok, ada, "--pass", "ps-1")
    monkeypatch.setenv("BOOKCTL_NOW", "2026-11-24T19:30:00+01:00")
    refused = run("session", "no-show", booked["id"], "--charge-fee")
    assert refused.exit_code == 1 and "forfeits its credit instead of a fee" in refused.stderr
    ok("session", "no-show", booked["id"])
    ok("session", "attendance", booked["id"], "booked")
    ok("session", "attendance", booked["id"], "no_show")
    [sold] = passes(ok, ada)
    assert sold["balance"] == 9
    assert [(m["kind"], m["reason"]) for m in sold["moves"]] == [("used", None), ("forfeited", "no-show")]


def test_plan_expire_records_the_unused_credits_once(ok, store, ada, pack, monkeypatch):
    sell(ok, ada, "--method", "invoice")
    book_with(ok, ada, "--pass", "ps-1")
    assert ok("plan", "expire") == []  # nothing has run out yet
    monkeypatch.setenv("BOOKCTL_NOW", "2027-02-21T00:00:00+01:00")
    [expired] = ok("plan", "expire")
    assert (expired["id"], expired["status"], expired["balance"]) == ("ps-1", "expired", 0)
    assert expired["moves"][-1]["kind"] == "expired" and expired["moves"][-1]["credits"] == 9
    before = tree_digest(store)
    assert ok("plan", "expire") == []  # cron runs it again: nothing changes
    assert tree_digest(store) == before


def test_eight_processes_booking_with_a_three_credit_pack_spend_exactly_three(bookctl, ok, store, ada, tmp_path):
    from tests.cli.test_concurrency import race

    ok("plan", "add", "Three", "--kind", "pack", "--sessions", "3", "--price", "45")
    ok("plan", "sell", "Three", "--contact", ada, "--method", "invoice")
    results = race(tmp_path, [
        ["session", "book", "--service", "yoga-flow", "--start", f"2026-11-{25 + n // 4} {10 + n % 4}:00",
         "--contact", ada, "--use-pass", "--store", store, "--format", "json"]
        for n in range(8)
    ])
    codes = sorted(r.returncode for r in results)
    assert codes == [0, 0, 0, 1, 1, 1, 1, 1], [r.stderr for r in results]
    for refused in (r for r in results if r.returncode == 1):
        assert "has no pass that covers Yoga Flow" in refused.stderr, refused.stderr
    [sold] = passes(ok, ada)
    assert (sold["balance"], sold["status"]) == (0, "used_up")
    winners = sorted(json.loads(r.stdout)["id"] for r in results if r.returncode == 0)
    assert sorted(m["booking_id"] for m in sold["moves"]) == winners
    assert sorted(b["id"] for b in ok("session", "list", "--contact", ada)) == winners


def test_the_contact_card_shows_each_pass_with_its_balance_and_uses(bookctl, ok, store, ada, pack):
    sell(ok, ada, "--method", "invoice")
    book_with(ok, ada, "--pass", "ps-1")
    card = ok("contact", "show", ada)
    assert [(p["id"], p["balance"], p["status"]) for p in card["passes"]] == [("ps-1", 9, "active")]
    assert card["passes"][0]["moves"][0]["kind"] == "used"
    shown = bookctl("contact", "show", ada, "--store", store)
    assert shown.exit_code == 0, shown.stderr
    section = shown.stdout[shown.stdout.index("Passes"):]
    assert "ps-1" in section and "Ten classes" in section and "9 of 10" in section and "2027-02-21 00:00" in section
    assert ok("contact", "show", ok("contact", "add", "--first-name", "Bea")["id"])["passes"] == []


# --- memberships ----------------------------------------------------------------------------

MONTHLY = ("plan", "add", "Monthly", "--kind", "membership", "--price", "60", "--period", "month", "--sessions", "8")


def test_plan_renew_charges_the_saved_card_once_a_period_and_refills_the_sessions(ok, store, ada, monkeypatch):
    ok(*MONTHLY)
    sold = ok("plan", "sell", "Monthly", "--contact", ada, "--method", "card", "--card", "tok_visa")
    assert (sold["expires_at"], sold["balance"]) == ("2026-12-23T00:00:00+01:00", 8)
    with open_store(store).read() as uow:  # kept for the renewals: the provider's reusable method, never the card
        assert uow.contacts.get(ada).saved_card.method == "pm_sandbox_visa_4242"
    book_with(ok, ada, "--use-pass")
    assert ok("plan", "renew") == []  # its month has not ended
    monkeypatch.setenv("BOOKCTL_NOW", "2026-12-23T06:00:00+01:00")
    assert ok("plan", "expire") == []  # a membership is renewed, never expired
    [row] = ok("plan", "renew")
    assert (row["id"], row["result"], row["status"], row["expires_at"]) == (
        "ps-1", "renewed", "active", "2027-01-23T00:00:00+01:00")
    [renewed] = passes(ok, ada)
    assert (renewed["balance"], renewed["moves"][-1]["kind"], renewed["moves"][-1]["credits"]) == (8, "renewed", 1)
    assert ok("plan", "renew") == []  # cron runs it again: nothing is charged twice
    assert sorted(c["amount"] for c in books(store)["charges"].values()) == [6000, 6000]
    assert ok("invoice", "show", row["invoice_id"])["status"] == "paid"


def test_a_declined_renewal_leaves_the_membership_past_due_until_it_is_paid(run, ok, store, ada, monkeypatch):
    ok(*MONTHLY)
    ok("plan", "sell", "Monthly", "--contact", ada, "--method", "card", "--card", "tok_visa")
    # The card on file now declines (as a card that expired would), by hand in the contact's record:
    with open_store(store).write() as uow:
        uow.contacts.get(ada).saved_card.method = "tok_chargeDeclined"
        uow.commit()
    monkeypatch.setenv("BOOKCTL_NOW", "2026-12-23T06:00:00+01:00")
    [row] = ok("plan", "renew")
    assert (row["result"], row["status"]) == ("declined", "past_due")
    assert (row["email"]["to"], row["email"]["status"]) == ("ada@example.org", "queued")
    [message] = ok("outbox", "list")
    assert message["subject"] == "Your Monthly membership could not be renewed"
    shown = ok("outbox", "show", message["id"])
    assert "60.00" in shown["text"] and row["invoice_id"] in shown["text"]
    assert "Wednesday, 23 December 2026" in shown["text"]  # when the unpaid period began
    [again] = ok("plan", "renew")  # the next night: charged again, declined again, not emailed again
    assert again["result"] == "declined" and "email" not in again
    assert len(ok("outbox", "list")) == 1
    refused = run("session", "book", "--service", "yoga-flow", "--start", "2026-12-24 18:00", "--contact", ada,
                  "--use-pass")
    assert refused.exit_code == 1  # not usable while unpaid
    ok("invoice", "pay", row["invoice_id"], "--method", "cash")  # the client pays at the desk
    [paid] = passes(ok, ada)
    assert (paid["status"], paid["expires_at"], paid["balance"]) == ("active", "2027-01-23T00:00:00+01:00", 8)
    assert ok("plan", "renew") == []


def test_a_renewal_whose_answer_is_lost_is_resumed_by_the_next_run(run, ok, store, ada, monkeypatch):
    ok(*MONTHLY)
    lost = run("plan", "sell", "Monthly", "--contact", ada, "--method", "card", "--card", "tok_lostAnswer")
    assert lost.exit_code == 5
    ok("plan", "sell", "Monthly", "--contact", ada, "--method", "card", "--card", "tok_lostAnswer")  # resumed
    assert passes(ok, ada)[0]["status"] == "active"
    monkeypatch.setenv("BOOKCTL_NOW", "2026-12-23T06:00:00+01:00")
    first = run("plan", "renew")
    assert first.exit_code == 5 and "1 renewal(s) still pending" in one_error_line(first.stderr)
    [row] = ok("plan", "renew")
    assert (row["result"], row["status"]) == ("renewed", "active")
    assert len(books(store)["charges"]) == 2  # the sale and one renewal, whatever the retries



def test_the_revenue_report_shows_pass_sales_and_what_unused_credits_are_worth(ok, ada, pack):
    ok(*MONTHLY)
    sell(ok, ada, "--method", "card", "--card", "tok_visa")  # 150.00 for ten classes
    ok("plan", "sell", "Monthly", "--contact", ada, "--method", "in-person", "--yes")
    sell(ok, ada, "--method", "invoice")  # not paid yet: not a sale of the period's money
    book_with(ok, ada, "--pass", "ps-1")
    report = ok("report", "revenue", "--by", "month", "--month", "2026-11")
    summary = report  # the summary keys sit at the top of the JSON
    assert (summary["packs_sold"], summary["packs_sold_total"]["amount"]) == (1, "150.00")
    assert (summary["memberships_paid"], summary["memberships_paid_total"]["amount"]) == (1, "60.00")
    # ps-1: nine of ten left, 135.00. ps-3 is usable but not paid: the books owe nothing for it yet. Memberships
    # are periods paid for, not sessions owed.
    assert (summary["unused_credits"], summary["unused_credits_value"]["amount"]) == (9, "135.00")
    assert report["total"]["charged"]["amount"] == "210.00"


# --- refunding a pass -----------------------------------------------------------------------

def test_refunding_a_pack_gives_back_what_its_unused_credits_are_worth_and_closes_it(run, ok, store, ada):
    ok("plan", "add", "Seven", "--kind", "pack", "--sessions", "7", "--price", "150")
    ok("plan", "sell", "Seven", "--contact", ada, "--method", "card", "--card", "tok_visa")
    book_with(ok, ada, "--use-pass")  # one credit used: 21.42 of the 150.00
    [refund] = ok("payment", "refund", "ps-1", "--reason", "moving away")
    assert (refund["kind"], refund["status"], refund["amount"]["amount"], refund["pass_id"]) == (
        "refund", "succeeded", "128.58", "ps-1")
    [sold] = passes(ok, ada)
    assert (sold["status"], sold["balance"], sold["moves"][-1]["kind"]) == ("cancelled", 0, "cancelled")
    # The provider's side: the one charge, refunded by exactly that much.
    [charge] = books(store)["charges"].values()
    assert (charge["amount"], charge["refunded"]) == (15000, 12858)
    again = run("payment", "refund", "ps-1")
    assert again.exit_code == 1
    assert "pass ps-1: 128.58 EUR of it was refunded already, what its unused credits were worth" in again.stderr
    rest = ok("payment", "refund", "ps-1", "--amount", "21.42")  # what is left, asked for by name
    assert rest[0]["amount"]["amount"] == "21.42"
    refused = run("payment", "refund", "ps-1", "--amount", "0.01")
    assert refused.exit_code == 1 and "nothing paid that is not refunded already" in refused.stderr


def test_a_refund_of_a_pass_is_never_more_than_was_paid(run, ok, store, ada, pack):
    sell(ok, ada, "--method", "in-person", "--yes")
    before = tree_digest(store)
    refused = run("payment", "refund", "ps-1", "--amount", "150.01")
    assert refused.exit_code == 1 and "has 150.00 EUR refundable; cannot refund 150.01 EUR" in refused.stderr
    assert tree_digest(store) == before
    assert run("payment", "refund", "ps-9").exit_code == 3
    sell(ok, ada, "--method", "invoice")  # open: nothing paid yet
    unpaid = run("payment", "refund", "ps-2")
    assert unpaid.exit_code == 1 and "nothing paid" in unpaid.stderr


def test_a_pass_refund_whose_answer_is_lost_is_resumed_not_repeated(run, ok, store, ada, pack):
    first = run("plan", "sell", pack, "--contact", ada, "--method", "card", "--card", "tok_lostAnswer")
    assert first.exit_code == 5
    sell(ok, ada, "--method", "card", "--card", "tok_lostAnswer")  # the sale resumed
    lost = run("payment", "refund", "ps-1")
    assert lost.exit_code == 5 and "payment reconcile INV-0001" in lost.stderr
    # Not closed before the money is known to be back, but it pays for nothing meanwhile.
    assert passes(ok, ada)[0]["status"] == "active"
    held = run("session", "book", "--service", "yoga-flow", "--start", CLASS, "--contact", ada, "--pass", "ps-1")
    assert held.exit_code == 1 and "pass ps-1 is being refunded" in held.stderr
    [done] = ok("payment", "refund", "ps-1")
    assert (done["status"], done["amount"]["amount"]) == ("succeeded", "150.00")
    [charge] = books(store)["charges"].values()
    assert charge["refunded"] == 15000 and len(books(store)["refunds"]) == 1
    assert passes(ok, ada)[0]["status"] == "cancelled"  # the money is back: closed


def test_a_service_says_what_forfeits_a_credit(run, ok, store, ada, pack, monkeypatch):
    sell(ok, ada, "--method", "invoice")
    ok("service", "edit", "yoga-flow", "--credit-forfeit", "no-show")
    assert ok("service", "show", "yoga-flow")["credit_forfeit"] == "no_show"
    late = book_with(ok, ada, "--pass", "ps-1", start="2026-11-24 10:00")  # inside the window
    assert ok("session", "cancel", late["id"])["credit"] == "returned"  # a late cancel costs nothing here
    ok("service", "edit", "yoga-flow", "--credit-forfeit", "never")
    missed = book_with(ok, ada, "--pass", "ps-1")
    monkeypatch.setenv("BOOKCTL_NOW", "2026-11-24T19:30:00+01:00")
    ok("session", "no-show", missed["id"])
    ok("session", "cancel", missed["id"])  # cancelled afterwards: the credit is not given back twice
    [sold] = passes(ok, ada)
    assert sold["balance"] == 10
    assert [(m["kind"], m["booking_id"]) for m in sold["moves"]] == [
        ("used", late["id"]), ("returned", late["id"]), ("used", missed["id"]), ("returned", missed["id"])]
    before = tree_digest(store)
    bad = run("service", "edit", "yoga-flow", "--credit-forfeit", "sometimes")
    assert bad.exit_code == 2 and "--credit-forfeit 'sometimes' is not one of" in one_error_line(bad.stderr)
    assert tree_digest(store) == before


def test_the_renewal_email_is_in_the_clients_language(ok, store, monkeypatch):
    bea = ok("contact", "add", "--first-name", "Bea", "--email", "bea@example.org", "--language", "it")["id"]
    ok(*MONTHLY)
    ok("plan", "sell", "Monthly", "--contact", bea, "--method", "invoice")  # no card kept: invoiced each period
    monkeypatch.setenv("BOOKCTL_NOW", "2026-12-23T06:00:00+01:00")
    [row] = ok("plan", "renew")
    assert (row["result"], row["status"]) == ("invoiced", "past_due")
    [message] = ok("outbox", "list")
    assert message["subject"] == "Non è stato possibile rinnovare il tuo abbonamento Monthly"
    assert "mercoledì 23 dicembre 2026" in ok("outbox", "show", message["id"])["text"]


def test_a_refund_the_provider_refuses_leaves_the_pass_usable(run, ok, store, ada, pack):
    sell(ok, ada, "--method", "card", "--card", "tok_refundFail")  # charges fine; its refunds fail
    failed = run("payment", "refund", "ps-1")
    assert failed.exit_code == 5
    [sold] = passes(ok, ada)
    assert (sold["status"], sold["balance"]) == ("active", 10)  # nothing came back: the credits stay
    assert book_with(ok, ada, "--pass", "ps-1")["payment_status"] == "covered"


def test_money_given_back_by_hand_counts_against_what_a_refund_may_give(run, ok, store, ada, pack):
    sell(ok, ada, "--method", "card", "--card", "tok_visa")
    ok("payment", "refund", "ps-1", "--amount", "100", "--manual")
    assert passes(ok, ada)[0]["status"] == "cancelled"
    before = tree_digest(store)
    refused = run("payment", "refund", "ps-1", "--amount", "100")
    assert refused.exit_code == 1 and "has 50.00 EUR refundable; cannot refund 100.00 EUR" in refused.stderr
    assert tree_digest(store) == before
    assert books(store)["refunds"] == {}


def test_a_session_the_studio_cancels_gives_every_credit_back(ok, ada, pack):
    sell(ok, ada, "--method", "invoice")
    booked = book_with(ok, ada, "--pass", "ps-1", start="2026-11-24 10:00")  # inside the window
    ok("session", "cancel", booked["session_id"], "--all")  # the teacher is ill: not the client's doing
    [sold] = passes(ok, ada)
    assert sold["balance"] == 10
    assert (sold["moves"][-1]["kind"], sold["moves"][-1]["reason"]) == ("returned", "the studio cancelled the session")


def test_a_free_plan_is_sold_without_money_whatever_the_method(ok, store, ada):
    ok("plan", "add", "Trial", "--kind", "pack", "--sessions", "1", "--price", "0")
    sold = ok("plan", "sell", "Trial", "--contact", ada, "--method", "card")  # no card needed: nothing to charge
    assert (sold["status"], sold["invoice_id"], sold["payment"]) == ("active", None, None)
    assert books(store)["charges"] == {}


def test_a_free_membership_renews_without_an_invoice(ok, ada, monkeypatch):
    ok("plan", "add", "Friends", "--kind", "membership", "--price", "0", "--period", "month")
    ok("plan", "sell", "Friends", "--contact", ada, "--method", "invoice")
    monkeypatch.setenv("BOOKCTL_NOW", "2026-12-23T06:00:00+01:00")
    [row] = ok("plan", "renew")
    assert (row["result"], row["status"], row["invoice_id"]) == ("renewed", "active", None)
    assert ok("invoice", "list") == [] and ok("outbox", "list") == []


def test_voiding_a_renewal_ends_the_membership_and_nothing_more_is_charged(ok, store, ada, monkeypatch):
    ok(*MONTHLY)
    ok("plan", "sell", "Monthly", "--contact", ada, "--method", "invoice")
    monkeypatch.setenv("BOOKCTL_NOW", "2026-12-23T06:00:00+01:00")
    [row] = ok("plan", "renew")
    ok("invoice", "void", row["invoice_id"])  # the client is leaving
    [ended] = passes(ok, ada)
    assert (ended["status"], ended["renewing"], ended["balance"]) == ("expired", None, 0)
    monkeypatch.setenv("BOOKCTL_NOW", "2027-01-23T06:00:00+01:00")
    assert ok("plan", "renew") == []
    assert books(store)["charges"] == {}


def test_a_credit_of_a_period_gone_is_not_given_back_into_the_next(ok, ada, monkeypatch):
    ok(*MONTHLY)
    ok("service", "edit", "yoga-flow", "--credit-forfeit", "never")
    ok("plan", "sell", "Monthly", "--contact", ada, "--method", "card", "--card", "tok_visa")
    booked = book_with(ok, ada, "--use-pass", start="2026-12-22 18:00")  # the last evening of the first month
    monkeypatch.setenv("BOOKCTL_NOW", "2026-12-23T06:00:00+01:00")
    ok("plan", "renew")  # the second month: eight sessions again
    ok("session", "no-show", booked["id"])  # marked the morning after; the service forfeits nothing, but...
    [sold] = passes(ok, ada)
    assert sold["balance"] == 8  # ...the credit was the first month's: there is no room for it in the second
    assert (sold["moves"][-1]["kind"], sold["moves"][-1]["reason"]) == (
        "forfeited", "the pass was renewed since: the credit was of a period gone")


def test_a_no_show_corrected_to_attended_spends_the_credit_it_gave_back(ok, ada, pack, monkeypatch):
    sell(ok, ada, "--method", "invoice")
    ok("service", "edit", "yoga-flow", "--credit-forfeit", "never")
    booked = book_with(ok, ada, "--pass", "ps-1")
    monkeypatch.setenv("BOOKCTL_NOW", "2026-11-24T19:30:00+01:00")
    ok("session", "no-show", booked["id"])
    assert passes(ok, ada)[0]["balance"] == 10  # given back: the service forfeits nothing
    ok("session", "attendance", booked["id"], "checked_in")  # the desk was wrong: she came
    [sold] = passes(ok, ada)
    assert sold["balance"] == 9
    assert [m["kind"] for m in sold["moves"]] == ["used", "returned", "used"]


def test_a_covered_booking_moves_only_to_a_time_its_pass_is_valid_at(run, ok, store, ada, pack):
    sell(ok, ada, "--method", "invoice")  # valid until 2027-02-21
    booked = book_with(ok, ada, "--pass", "ps-1")
    later = ok("session", "add", "--service", "yoga-flow", "--start", "2027-03-02 18:00")
    before = tree_digest(store)
    refused = run("session", "reschedule", booked["id"], "--session", later["id"])
    assert refused.exit_code == 1
    assert f"booking {booked['id']} is paid with pass ps-1" in one_error_line(refused.stderr)
    assert tree_digest(store) == before
    sooner = ok("session", "add", "--service", "yoga-flow", "--start", "2026-11-26 18:00")
    assert ok("session", "reschedule", booked["id"], "--session", sooner["id"])["pass_id"] == "ps-1"
