"""`session cancel --refund/--amount/--charge-fee` and `session no-show --charge-fee` (seeds 000, 002).

Physiotherapy: price 65, deposit 20, cancellation fee 25, no-show fee 30, window 24 h.
Now is 2026-11-23 12:00: tomorrow 10:00 is inside the window, 2026-11-26 outside it.
"""

from __future__ import annotations

from pathlib import Path

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

LATER = "2026-11-26 10:00"


def refused(run, store: Path, code: int, *args: str) -> str:  # noqa: ANN001
    before = tree_digest(store)
    result = run(*args)
    assert result.exit_code == code, (result.stdout, result.stderr)
    assert tree_digest(store) == before
    return one_error_line(result.stderr)


def paid_by_card(ok, b: str, *extra: str) -> None:  # noqa: ANN001
    ok("payment", "collect", b, "--method", "card", "--card", "tok_visa", *extra)


def kinds(ok, b: str) -> list[tuple[str, str, str]]:  # noqa: ANN001
    return [(e["kind"], e["status"], e["amount"]["amount"]) for e in ok("payment", "list", "--booking", b)]


# --- cancel ---------------------------------------------------------------------------------

def test_cancel_with_refund_gives_everything_back_through_the_card_provider(ok, booking):
    b = booking()
    paid_by_card(ok, b)
    shown = ok("session", "cancel", b, "--refund")
    assert (shown["status"], shown["payment_status"]) == ("cancelled", "refunded")
    assert kinds(ok, b) == [("charge", "succeeded", "65.00"), ("refund", "succeeded", "65.00")]
    assert ok("payment", "list", "--booking", b)[1]["provider"] == "sandbox"


def test_cancel_with_fee_keeps_the_fee_and_refunds_the_rest(ok, booking):
    b = booking()
    paid_by_card(ok, b)
    shown = ok("session", "cancel", b, "--refund", "--charge-fee")
    assert (shown["paid"]["amount"], shown["refunded"]["amount"], shown["due"]["amount"]) == ("25.00", "40.00", "0.00")
    assert shown["payment_status"] == "partially_refunded"
    assert kinds(ok, b) == [("charge", "succeeded", "65.00"), ("cancellation_fee", "kept", "25.00"),
                            ("refund", "succeeded", "40.00")]


def test_cancel_outside_the_window_charges_no_fee(ok, run, store, booking):
    b = booking(LATER)
    paid_by_card(ok, b)
    assert "outside the 24-hour cancellation window" in refused(run, store, 1, "session", "cancel", b, "--refund",
                                                                 "--charge-fee")
    shown = ok("session", "cancel", b, "--refund")
    assert shown["payment_status"] == "refunded"
    assert [k for k, _, _ in kinds(ok, b)] == ["charge", "refund"]


def test_cancel_with_fee_and_nothing_paid_leaves_the_fee_due(ok, booking):
    b = booking()
    shown = ok("session", "cancel", b, "--charge-fee")
    assert (shown["payment_status"], shown["due"]["amount"]) == ("not_paid", "25.00")
    ok("payment", "collect", b, "--method", "in-person", "--yes")
    assert figures(ok, b) == ("paid", "25.00", "0.00", "0.00")


def test_cancel_with_fee_and_a_deposit_keeps_the_deposit_and_leaves_the_rest_due(ok, booking):
    b = booking()
    paid_by_card(ok, b, "--amount", "20")
    shown = ok("session", "cancel", b, "--refund", "--charge-fee")
    assert (shown["paid"]["amount"], shown["refunded"]["amount"], shown["due"]["amount"]) == ("20.00", "0.00", "5.00")


def test_cancel_with_fee_charges_the_saved_card_for_what_was_not_paid(ok, booking):
    b = booking()
    paid_by_card(ok, b, "--amount", "20", "--save-card")
    ok("session", "cancel", b, "--charge-fee")
    assert kinds(ok, b)[-2:] == [("cancellation_fee", "kept", "20.00"), ("cancellation_fee", "succeeded", "5.00")]
    assert figures(ok, b) == ("paid", "25.00", "0.00", "0.00")


def test_cancel_with_a_partial_refund_amount(ok, booking):
    b = booking(LATER)
    paid_by_card(ok, b)
    shown = ok("session", "cancel", b, "--refund", "--amount", "30")
    assert (shown["paid"]["amount"], shown["refunded"]["amount"]) == ("35.00", "30.00")


def test_charge_fee_without_a_policy_is_refused(ok, run, store, contact):
    b = ok("session", "book", "--service", "yoga-flow", "--contact", contact("Ada"), "--start", f"{TOMORROW} 18:00")["id"]
    line = refused(run, store, 1, "session", "cancel", b, "--charge-fee")
    assert "no cancellation fee" in line
    assert ok("session", "show", b)["status"] == "confirmed"


def test_refund_larger_than_paid_minus_fee_cancels_nothing(ok, run, store, booking):
    b = booking()
    paid_by_card(ok, b)
    line = refused(run, store, 1, "session", "cancel", b, "--refund", "--charge-fee", "--amount", "50")
    assert "40.00 EUR refundable" in line and "nothing was cancelled" in line


def test_amount_without_refund_is_exit_2(run, store, booking):
    assert "--refund" in refused(run, store, 2, "session", "cancel", booking(), "--amount", "10")


def test_cancel_refund_of_money_paid_in_person_is_refused(ok, run, store, booking):
    b = booking()
    ok("payment", "collect", b, "--method", "in-person", "--yes")
    assert "cannot refund" in refused(run, store, 1, "session", "cancel", b, "--refund")


def test_refund_failing_after_cancel_leaves_the_booking_cancelled_and_nothing_refunded(ok, run, booking):
    b = booking()
    ok("payment", "collect", b, "--method", "card", "--card", "tok_refundFail")
    result = run("session", "cancel", b, "--refund")
    assert result.exit_code == 5
    line = one_error_line(result.stderr)
    assert "is cancelled" in line and "nothing was refunded" in line
    shown = ok("session", "show", b)
    assert (shown["status"], shown["refunded"]["amount"], shown["paid"]["amount"]) == ("cancelled", "0.00", "65.00")
    assert kinds(ok, b) == [("charge", "succeeded", "65.00"), ("refund", "failed", "65.00")]


def test_cancel_retried_with_its_key_returns_the_first_result(ok, booking):
    b = booking()
    paid_by_card(ok, b)
    first = ok("session", "cancel", b, "--refund", "--idempotency-key", "c-1")
    assert ok("session", "cancel", b, "--refund", "--idempotency-key", "c-1") == first
    assert len(kinds(ok, b)) == 2


# --- no-show --------------------------------------------------------------------------------

def test_no_show_fee_without_a_card_on_file_is_recorded_as_due(ok, booking):
    b = booking("2026-11-23 09:00", "Ada", "--allow-past")
    shown = ok("session", "no-show", b, "--charge-fee")
    assert (shown["attendance"], shown["payment_status"], shown["due"]["amount"]) == ("no_show", "not_paid", "30.00")
    assert kinds(ok, b) == [("no_show_fee", "due", "30.00")]


def test_no_show_fee_is_charged_to_the_saved_card(ok, booking):
    b = booking("2026-11-23 09:00", "Ada", "--allow-past")
    paid_by_card(ok, b, "--amount", "20", "--save-card")
    shown = ok("session", "no-show", b, "--charge-fee")
    assert kinds(ok, b)[1:] == [("no_show_fee", "kept", "20.00"), ("no_show_fee", "succeeded", "10.00")]
    assert (shown["paid"]["amount"], shown["due"]["amount"], shown["payment_status"]) == ("30.00", "0.00", "paid")


def test_no_show_fee_without_a_policy_is_refused(ok, run, store, contact):
    b = ok("session", "book", "--service", "yoga-flow", "--contact", contact("Ada"), "--start", "2026-11-23 09:00",
           "--allow-past")["id"]
    line = refused(run, store, 1, "session", "no-show", b, "--charge-fee")
    assert "no no-show fee" in line
    assert ok("session", "show", b)["attendance"] == "booked"


def test_no_show_fee_is_charged_once(ok, run, store, booking):
    b = booking("2026-11-23 09:00", "Ada", "--allow-past")
    ok("session", "no-show", b, "--charge-fee")
    assert "already" in refused(run, store, 1, "session", "no-show", b, "--charge-fee")


def test_no_show_fee_before_the_start_is_refused(run, store, booking):
    assert "before it starts" in refused(run, store, 1, "session", "no-show", booking(), "--charge-fee")
