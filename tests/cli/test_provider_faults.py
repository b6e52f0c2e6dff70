"""Provider faults (issue 15): money is never lost or taken twice when an answer is lost.

The sandbox's `tok_lostAnswer` card is charged at the provider, but the answer to the first request
with each key is lost, as after a timeout: bookctl cannot know the money moved. Every test checks
the provider's own books (`providers/sandbox/books.json`), not only bookctl's ledger.

Physiotherapy: price 65, deposit 20, cancellation fee 25, no-show fee 30, window 24 h.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bookctl.providers.builtin.sandbox import read_books
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

LOST = ("--method", "card", "--card", "tok_lostAnswer")


def books(store: Path) -> dict:
    return read_books(store / "providers" / "sandbox")


def provider_sums(store: Path) -> tuple[int, int]:
    """(charged, refunded) in minor units, as the provider's own books have them."""
    kept = books(store)
    return (sum(c["amount"] for c in kept["charges"].values()), sum(r["amount"] for r in kept["refunds"].values()))


def ledger(ok, b: str) -> list[tuple[str, str, str]]:  # noqa: ANN001
    return [(e["kind"], e["status"], e["amount"]["amount"]) for e in ok("payment", "list", "--booking", b)]


def unknown(run, *args: str) -> str:  # noqa: ANN001
    """Run a command whose provider answer is lost: exit 5, one line naming reconcile."""
    result = run(*args)
    assert result.exit_code == 5, (result.stdout, result.stderr)
    line = one_error_line(result.stderr)
    assert "outcome unknown; run 'bookctl payment reconcile " in line
    return line


def paid_with_lost_card(ok, run, b: str, *extra: str) -> None:  # noqa: ANN001
    unknown(run, "payment", "collect", b, *LOST, *extra)
    ok("payment", "collect", b, *LOST, *extra)


# --- collect --------------------------------------------------------------------------------

def test_a_lost_answer_leaves_the_charge_pending_not_failed(ok, run, booking, store):
    b = booking()
    line = unknown(run, "payment", "collect", b, *LOST)
    assert line.endswith(f"outcome unknown; run 'bookctl payment reconcile {b}'\n")
    [entry] = ok("payment", "list", "--booking", b)
    assert (entry["status"], entry["amount"]["amount"]) == ("pending", "65.00")
    assert entry["idempotency_key"] and entry["reference"] is None
    assert figures(ok, b) == ("not_paid", "0.00", "0.00", "65.00")  # only succeeded entries count
    assert provider_sums(store) == (6500, 0)  # ...though the provider did charge


def test_a_plain_retry_after_a_lost_answer_charges_the_provider_once(ok, run, booking, store):
    b = booking()
    unknown(run, "payment", "collect", b, *LOST)
    pending = ok("payment", "list", "--booking", b)[0]
    again = ok("payment", "collect", b, *LOST)
    assert (again["id"], again["status"], again["idempotency_key"]) == (pending["id"], "succeeded",
                                                                       pending["idempotency_key"])
    assert len(books(store)["charges"]) == 1
    assert provider_sums(store) == (6500, 0)
    assert ledger(ok, b) == [("charge", "succeeded", "65.00")]
    assert figures(ok, b) == ("paid", "65.00", "0.00", "0.00")


def test_a_retry_with_an_idempotency_key_resumes_the_same_pending_entry(ok, run, booking, store):
    b = booking()
    unknown(run, "payment", "collect", b, *LOST, "--idempotency-key", "desk-1")
    first = ok("payment", "collect", b, *LOST, "--idempotency-key", "desk-1")
    assert ok("payment", "collect", b, *LOST, "--idempotency-key", "desk-1") == first
    assert len(books(store)["charges"]) == 1
    assert ledger(ok, b) == [("charge", "succeeded", "65.00")]


def test_another_money_command_on_a_pending_booking_is_refused_naming_the_entry(ok, run, booking, store):
    b = booking()
    unknown(run, "payment", "collect", b, *LOST)
    entry = ok("payment", "list", "--booking", b)[0]["id"]
    before = tree_digest(store)
    for args in (("payment", "collect", b, "--method", "card", "--card", "tok_visa", "--amount", "20"),
                 ("payment", "refund", b), ("session", "no-show", b, "--charge-fee"),
                 ("session", "cancel", b, "--refund")):
        result = run(*args)
        assert result.exit_code == 1, (args, result.stderr)
        line = one_error_line(result.stderr)
        assert entry in line and f"'bookctl payment reconcile {b}'" in line, line
    assert tree_digest(store) == before


def test_reconcile_settles_a_pending_charge_from_the_provider_and_prints_it(ok, run, booking, store):
    b = booking()
    unknown(run, "payment", "collect", b, *LOST)
    [resolved] = ok("payment", "reconcile", b)
    assert (resolved["status"], resolved["kind"]) == ("succeeded", "charge")
    assert resolved["reference"] in books(store)["charges"]
    assert figures(ok, b) == ("paid", "65.00", "0.00", "0.00")
    assert ok("payment", "reconcile") == []  # nothing left pending anywhere
    assert provider_sums(store) == (6500, 0)


def test_reconcile_with_no_booking_resolves_every_pending_entry_in_the_store(ok, run, booking, store):
    first, second = booking(), booking(f"{TOMORROW} 12:00", "Bea")
    unknown(run, "payment", "collect", first, *LOST)
    unknown(run, "payment", "collect", second, *LOST, "--amount", "20")
    rows = ok("payment", "reconcile")
    assert sorted((r["booking_id"], r["status"], r["amount"]["amount"]) for r in rows) == sorted(
        [(first, "succeeded", "65.00"), (second, "succeeded", "20.00")])
    assert provider_sums(store) == (8500, 0)


def test_a_decline_is_still_a_failed_entry_and_a_new_attempt_gets_a_new_key(ok, run, booking, store):
    b = booking()
    result = run("payment", "collect", b, "--method", "card", "--card", "tok_chargeDeclined")
    assert result.exit_code == 1
    ok("payment", "collect", b, "--method", "card", "--card", "tok_visa")
    entries = ok("payment", "list", "--booking", b)
    assert [e["status"] for e in entries] == ["failed", "succeeded"]
    assert entries[0]["idempotency_key"] != entries[1]["idempotency_key"]
    assert provider_sums(store) == (6500, 0)


# --- refunds --------------------------------------------------------------------------------

def test_a_refund_whose_answer_is_lost_is_pending_and_a_retry_refunds_once(ok, run, booking, store):
    b = booking()
    paid_with_lost_card(ok, run, b)
    unknown(run, "payment", "refund", b, "--amount", "40")
    assert ledger(ok, b)[-1] == ("refund", "pending", "40.00")
    assert figures(ok, b)[2] == "0.00"  # refunded counts only succeeded refunds
    rows = ok("payment", "refund", b, "--amount", "40")
    assert [(r["status"], r["amount"]["amount"]) for r in rows] == [("succeeded", "40.00")]
    assert provider_sums(store) == (6500, 4000)
    assert len(books(store)["refunds"]) == 1
    assert figures(ok, b) == ("partially_refunded", "25.00", "40.00", "40.00")


def test_a_pending_refund_caps_what_else_can_be_refunded(ok, run, booking, store):
    b = booking()
    paid_with_lost_card(ok, run, b)
    unknown(run, "payment", "refund", b)  # all 65
    result = run("payment", "refund", b, "--amount", "10")  # another amount: not the same command
    assert result.exit_code == 1 and "is pending" in result.stderr
    ok("payment", "reconcile", b)
    result = run("payment", "refund", b, "--amount", "1")
    assert result.exit_code == 1 and "nothing refundable" in result.stderr
    assert provider_sums(store) == (6500, 6500)


def test_a_refund_email_is_queued_by_the_retry_that_learns_the_refund_went_through(ok, run, store, contact):
    ada = ok("contact", "add", "--first-name", "Ada", "--email", "ada@example.org")["id"]
    b = ok("session", "book", "--service", "physiotherapy", "--contact", ada, "--start", f"{TOMORROW} 10:00")["id"]
    paid_with_lost_card(ok, run, b)
    unknown(run, "payment", "refund", b, "--notify")
    assert ok("outbox", "list") == []  # not told of a refund nobody knows happened
    rows = ok("payment", "refund", b, "--notify")
    assert rows[0]["email"]["status"] == "queued"
    assert [m["kind"] for m in ok("outbox", "list")] == ["refund"]


# --- cancel with refund, fees ---------------------------------------------------------------

def test_cancel_with_a_refund_whose_answer_is_lost_resumes_on_retry(ok, run, booking, store):
    b = booking()
    paid_with_lost_card(ok, run, b)
    line = unknown(run, "session", "cancel", b, "--refund")
    assert line.startswith(f"error: booking {b} is cancelled, but the refund is pending")
    assert ok("session", "show", b)["status"] == "cancelled"
    shown = ok("session", "cancel", b, "--refund")
    assert (shown["status"], shown["payment_status"], shown["refunded"]["amount"]) == ("cancelled", "refunded", "65.00")
    assert provider_sums(store) == (6500, 6500)
    assert len(books(store)["refunds"]) == 1


def test_cancel_again_without_a_pending_refund_is_still_already_cancelled(ok, run, booking):
    b = booking()
    ok("session", "cancel", b)
    result = run("session", "cancel", b, "--refund")
    assert result.exit_code == 1 and "already cancelled" in result.stderr


def test_a_no_show_fee_whose_answer_is_lost_is_charged_once_on_retry(ok, run, booking, store):
    saved = booking(f"{TOMORROW} 09:00")  # Ada's card goes on file with this booking's payment
    paid_with_lost_card(ok, run, saved, "--save-card")
    ada = ok("session", "show", saved)["contact_id"]
    b = ok("session", "book", "--service", "physiotherapy", "--contact", ada, "--start", "2026-11-22 10:00",
           "--allow-past")["id"]
    unknown(run, "session", "no-show", b, "--charge-fee")
    assert ok("session", "show", b)["attendance"] == "no_show"
    assert ledger(ok, b) == [("no_show_fee", "pending", "30.00")]
    ok("session", "no-show", b, "--charge-fee")
    assert ledger(ok, b) == [("no_show_fee", "succeeded", "30.00")]
    assert provider_sums(store) == (6500 + 3000, 0)
    assert len(books(store)["charges"]) == 2


def test_a_cancellation_fee_charged_to_the_card_on_file_is_taken_once(ok, run, booking, store):
    saved = booking(f"{TOMORROW} 09:00")
    paid_with_lost_card(ok, run, saved, "--save-card")
    ada = ok("session", "show", saved)["contact_id"]
    b = ok("session", "book", "--service", "physiotherapy", "--contact", ada, "--start", f"{TOMORROW} 11:00")["id"]
    line = unknown(run, "session", "cancel", b, "--charge-fee")
    assert line.startswith(f"error: booking {b} is cancelled, but the cancellation fee is pending")
    shown = ok("session", "cancel", b, "--charge-fee")
    assert (shown["status"], shown["paid"]["amount"], shown["due"]["amount"]) == ("cancelled", "25.00", "0.00")
    assert ledger(ok, b) == [("cancellation_fee", "succeeded", "25.00")]
    assert provider_sums(store) == (6500 + 2500, 0)


def test_reconcile_settles_a_pending_no_show_fee(ok, run, booking, store):
    saved = booking(f"{TOMORROW} 09:00")
    paid_with_lost_card(ok, run, saved, "--save-card")
    ada = ok("session", "show", saved)["contact_id"]
    b = ok("session", "book", "--service", "physiotherapy", "--contact", ada, "--start", "2026-11-22 10:00",
           "--allow-past")["id"]
    unknown(run, "session", "no-show", b, "--charge-fee")
    ok("payment", "reconcile", b)
    assert ledger(ok, b) == [("no_show_fee", "succeeded", "30.00")]


# --- after the provider's answer ------------------------------------------------------------

@pytest.mark.backends("files")  # the address is planted in the contact's file, as an older bookctl let it in
def test_an_email_that_cannot_be_written_refuses_the_refund_before_any_money_moves(ok, run, booking, store):
    zoe = ok("contact", "add", "--first-name", "Zoë", "--email", "zoe@example.jp")["id"]
    shard = store / "data" / "contacts" / "00000.json"
    # An empty label has no IDNA form: the old check (something@something.tld) let it through.
    shard.write_text(shard.read_text(encoding="utf-8").replace("zoe@example.jp", "zoë@例え..jp"), encoding="utf-8")
    b = ok("session", "book", "--service", "physiotherapy", "--contact", zoe, "--start", f"{TOMORROW} 10:00")["id"]
    ok("payment", "collect", b, "--method", "card", "--card", "tok_visa")
    before = tree_digest(store)
    result = run("payment", "refund", b, "--notify")
    assert result.exit_code == 1
    assert "no email can be written to contact" in one_error_line(result.stderr)
    assert tree_digest(store) == before
    assert provider_sums(store) == (6500, 0)


def test_a_template_that_cannot_render_refuses_the_refund_before_any_money_moves(ok, run, store):
    ada = ok("contact", "add", "--first-name", "Ada", "--email", "ada@example.org")["id"]
    b = ok("session", "book", "--service", "physiotherapy", "--contact", ada, "--start", f"{TOMORROW} 10:00")["id"]
    ok("payment", "collect", b, "--method", "card", "--card", "tok_visa")
    (store / "templates" / "en").mkdir(parents=True)
    (store / "templates" / "en" / "refund.txt").write_text("Subject: Refund\n\n${no_such_value}\n")
    result = run("session", "cancel", b, "--refund", "--refund-email")
    assert result.exit_code == 4, result.stderr
    assert "unknown placeholder" in one_error_line(result.stderr)
    assert ok("session", "show", b)["status"] == "confirmed"
    assert provider_sums(store) == (6500, 0)


def paid_by_a_client_with_email(ok) -> str:  # noqa: ANN001
    """A booking of Ada's (who has an email address), paid 65.00 by card."""
    ada = ok("contact", "add", "--first-name", "Ada", "--email", "ada@example.org")["id"]
    b = ok("session", "book", "--service", "physiotherapy", "--contact", ada, "--start", f"{TOMORROW} 10:00")["id"]
    ok("payment", "collect", b, "--method", "card", "--card", "tok_visa")
    return b


def break_the_outbox(monkeypatch: pytest.MonkeyPatch) -> None:
    """Queueing email fails (as on a full disk) until `monkeypatch.undo()`: a step after the money."""
    from bookctl.errors import StoreError
    from bookctl.storage.repositories import Outbox

    def outbox_broken(self, created, data):  # noqa: ANN001, ANN202
        raise StoreError("the outbox cannot be written (disk full)")

    monkeypatch.setattr(Outbox, "add", outbox_broken)


def test_a_failure_after_the_provider_answered_keeps_the_refund_in_the_ledger(ok, run, store, monkeypatch):
    b = paid_by_a_client_with_email(ok)
    break_the_outbox(monkeypatch)
    result = run("payment", "refund", b, "--notify")
    assert result.exit_code == 5, result.stderr
    line = one_error_line(result.stderr)
    assert "the payments are recorded" in line and "succeeded" in line and "disk full" in line
    monkeypatch.undo()
    assert ledger(ok, b) == [("charge", "succeeded", "65.00"), ("refund", "succeeded", "65.00")]
    assert provider_sums(store) == (6500, 6500)


# --- invoices -------------------------------------------------------------------------------

def test_invoice_pay_writes_its_intent_first_and_settles_it_once(ok, run, store, contact, monkeypatch):
    from bookctl.providers.base import OutcomeUnknown
    from bookctl.providers.builtin.invoice import InvoiceProvider

    ada = contact("Ada")
    ok("invoice", "create", "--contact", ada, "--item", "Massage=40")
    real = InvoiceProvider.charge
    calls = []

    def lose_first(self, request):  # noqa: ANN001, ANN202 - the invoice provider's answer lost once
        calls.append(request.idempotency_key)
        if len(calls) == 1:
            raise OutcomeUnknown("the invoice provider did not answer")
        return real(self, request)

    monkeypatch.setattr(InvoiceProvider, "charge", lose_first)
    unknown(run, "invoice", "pay", "INV-0001", "--method", "bank-transfer")
    assert ok("invoice", "show", "INV-0001")["status"] == "open"
    refused = run("invoice", "void", "INV-0001")
    assert refused.exit_code == 1 and "pending" in refused.stderr
    paid = ok("invoice", "pay", "INV-0001", "--method", "bank-transfer")
    assert (paid["status"], paid["method"]) == ("paid", "bank-transfer")
    assert calls[0] == calls[1]  # the retry sent the same key
    assert [e["status"] for e in ok("payment", "list", "--contact", ada)] == ["succeeded"]
    assert run("invoice", "pay", "INV-0001").exit_code == 1  # paid: nothing to take again


@pytest.mark.backends("files")
def test_the_pending_index_follows_intents_as_they_settle(ok, run, booking, store):
    import json

    b = booking()
    unknown(run, "payment", "collect", b, *LOST)
    pending = json.loads((store / "data" / "ledger" / "pending.json").read_text())["entries"]
    assert list(pending.values()) == [b]
    ok("payment", "reconcile")
    assert json.loads((store / "data" / "ledger" / "pending.json").read_text())["entries"] == {}


def test_doctor_lists_a_payment_pending_for_over_an_hour(ok, run, booking, bookctl, store):
    b = booking()
    unknown(run, "payment", "collect", b, *LOST)
    assert bookctl("doctor", "--store", store).exit_code == 0  # minutes old: a retry may still come
    later = bookctl("doctor", "--store", store, "--format", "json",
                    extra_env={"BOOKCTL_NOW": "2026-11-23T14:00:00+01:00"})
    assert later.exit_code == 4
    [row] = later.json()
    assert row["file"] == f"booking {b}"
    assert f"run 'bookctl payment reconcile {b}'" in row["problem"]


# --- what review found ----------------------------------------------------------------------

def test_a_retry_with_its_key_after_the_report_was_lost_moves_no_money_again(ok, run, store, monkeypatch):
    b = paid_by_a_client_with_email(ok)
    break_the_outbox(monkeypatch)
    args = ("payment", "refund", b, "--amount", "10", "--notify", "--idempotency-key", "desk-7")
    assert run(*args).exit_code == 5  # refunded; the email step after it failed
    monkeypatch.undo()
    [again] = ok(*args)
    assert (again["status"], again["amount"]["amount"]) == ("succeeded", "10.00")
    assert provider_sums(store) == (6500, 1000)  # once
    assert ledger(ok, b)[1:] == [("refund", "succeeded", "10.00")]


def test_of_a_refund_left_pending_only_the_first_part_may_have_been_sent(ok, run, booking, store):
    b = booking()
    ok("payment", "collect", b, "--method", "card", "--card", "tok_refundFail", "--amount", "20")
    paid_with_lost_card(ok, run, b)  # the other 45
    unknown(run, "payment", "refund", b)  # the newest charge's 45 first: its answer is lost
    assert [s for k, s, _ in ledger(ok, b) if k == "refund"] == ["pending", "pending"]
    rows = ok("payment", "reconcile", b)  # the second part is a first send: its "unreachable" is a no
    assert [(r["status"], r["amount"]["amount"]) for r in rows] == [("succeeded", "45.00"), ("failed", "20.00")]
    assert ok("payment", "reconcile", b) == []  # nothing is left pending for ever
    assert provider_sums(store) == (6500, 4500)


def test_a_retry_with_another_card_does_not_resume_the_pending_charge(ok, run, booking, store):
    b = booking()
    unknown(run, "payment", "collect", b, *LOST)
    before = tree_digest(store)
    result = run("payment", "collect", b, "--method", "card", "--card", "tok_visa")
    assert result.exit_code == 1 and "another method, provider or card" in one_error_line(result.stderr)
    assert tree_digest(store) == before


def test_a_pending_payment_can_be_marked_by_hand_from_the_providers_dashboard(ok, run, booking, store):
    b = booking()
    unknown(run, "payment", "collect", b, *LOST)
    entry = ok("payment", "list", "--booking", b)[0]["id"]
    assert run("payment", "reconcile", b, "--mark", entry, "--as", "succeeded", "--reference", "ch_x").exit_code == 2
    for bad in (("--mark", entry, "--as", "maybe", "--yes"), ("--mark", entry, "--as", "succeeded", "--yes"),
                ("--mark", entry, "--yes")):
        assert run("payment", "reconcile", b, *bad).exit_code == 2, bad
    assert run("payment", "reconcile", b, "--mark", "p-20261124-99", "--as", "failed", "--yes").exit_code == 3
    [marked] = ok("payment", "reconcile", b, "--mark", entry, "--as", "failed", "--yes")
    assert (marked["status"], marked["failure"]) == ("failed", "marked failed by hand (payment reconcile --mark)")
    assert figures(ok, b)[0] == "not_paid"


@pytest.mark.backends("files")  # the pending index is a file store's file; PostgreSQL asks the ledger table
def test_doctor_finds_a_pending_payment_missing_from_the_pending_index(ok, run, booking, bookctl, store):
    b = booking()
    unknown(run, "payment", "collect", b, *LOST)
    (store / "data" / "ledger" / "pending.json").unlink()
    found = bookctl("doctor", "--store", store, "--format", "json")
    assert found.exit_code == 4
    assert any("missing from the index of pending payments" in row["problem"] for row in found.json())


def test_a_refund_over_two_charges_each_losing_an_answer_settles_after_two_reconciles(ok, run, booking, store):
    # Found by the state machine: the unsent second part's first send loses its answer too.
    b = booking()
    paid_with_lost_card(ok, run, b, "--amount", "20")
    paid_with_lost_card(ok, run, b)  # the other 45
    unknown(run, "payment", "refund", b, "--amount", "50")  # 45 from the newest charge, 5 from the first
    assert run("payment", "reconcile", b).exit_code == 5  # the 45 settles; the 5, sent now, loses its answer
    rows = ok("payment", "reconcile", b)
    assert [(r["status"], r["amount"]["amount"]) for r in rows] == [("succeeded", "5.00")]
    assert provider_sums(store) == (6500, 5000)
    assert figures(ok, b)[1:3] == ("15.00", "50.00")
