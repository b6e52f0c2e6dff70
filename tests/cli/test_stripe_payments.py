"""Card payments through Stripe, driven from the command line against a real localstripe on 127.0.0.1.

localstripe enforces neither refund limits nor idempotency, so every guarantee tested here is
bookctl's own: it refuses an over-refund before calling Stripe, and a retried key moves no money.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli._payment_fixtures import json_runner, must_succeed
from tests.conftest import tree_digest
from tests.stripe_server import TEST_KEY, LocalStripe

TOMORROW = "2026-11-24"


@pytest.fixture
def stripe_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOOKCTL_STRIPE_API_KEY", TEST_KEY)


def use_stripe(bookctl, store: Path, server: LocalStripe) -> None:  # noqa: ANN001
    done = bookctl("config", "set", "providers.stripe.api_base", server.api_base, "--store", store)
    assert done.exit_code == 0, done.stderr


@pytest.fixture
def stripe_store(bookctl, store: Path, localstripe: LocalStripe, stripe_env) -> Path:  # noqa: ANN001
    use_stripe(bookctl, store, localstripe)
    return store


@pytest.fixture
def run(bookctl, stripe_store: Path):  # noqa: ANN001, ANN201
    return json_runner(bookctl, stripe_store)


@pytest.fixture
def ok(run):  # noqa: ANN001, ANN201
    return must_succeed(run)


@pytest.fixture
def booking(ok) -> str:  # noqa: ANN001
    """A physiotherapy appointment (65.00 EUR, fee 25.00) tomorrow at 10:00: inside the fee window."""
    contact = ok("contact", "add", "--first-name", "Ada", "--email", "ada@example.com")["id"]
    return ok("session", "book", "--service", "physiotherapy", "--contact", contact, "--start",
              f"{TOMORROW} 10:00")["id"]


def pay(ok, booking: str, *extra: str) -> dict:  # noqa: ANN001
    return ok("payment", "collect", booking, "--method", "card", "--provider", "stripe", "--card", "pm_card_visa",
              *extra)


def test_a_card_payment_charges_stripe_the_exact_amount_and_keeps_no_card_number(ok, booking, localstripe,
                                                                                 stripe_store):
    entry = pay(ok, booking)
    assert (entry["provider"], entry["status"], entry["amount"]["amount"]) == ("stripe", "succeeded", "65.00")
    charge = localstripe.client().v1.charges.retrieve(entry["reference"])
    assert (charge.amount, charge.currency, charge.status) == (6500, "eur", "succeeded")
    assert ok("session", "show", booking)["payment_status"] == "paid"
    for path in stripe_store.rglob("*"):
        assert not path.is_file() or b"4242424242424242" not in path.read_bytes()


def test_a_declined_card_is_exit_1_and_the_booking_stays_unpaid(run, ok, booking):
    result = run("payment", "collect", booking, "--method", "card", "--provider", "stripe",
                 "--card", "pm_card_chargeCustomerFail")
    assert result.exit_code == 1
    assert result.stderr.startswith("error: card declined: ") and result.stderr.count("\n") == 1
    shown = ok("session", "show", booking)
    assert (shown["payment_status"], shown["paid"]["amount"]) == ("not_paid", "0.00")
    assert [e["status"] for e in ok("payment", "list", "--booking", booking)] == ["failed"]


def test_a_full_refund_goes_back_through_stripe(ok, booking, localstripe):
    charge = pay(ok, booking)
    [refund] = ok("payment", "refund", booking)
    stored = localstripe.client().v1.refunds.retrieve(refund["reference"])
    assert (stored.amount, stored.charge) == (6500, charge["reference"])
    assert ok("session", "show", booking)["payment_status"] == "refunded"


def test_two_partial_refunds_then_one_beyond_what_is_left_is_refused_before_stripe(run, ok, booking, localstripe,
                                                                                  stripe_store):
    charge = pay(ok, booking)
    for amount in ("20", "15"):
        ok("payment", "refund", booking, "--amount", amount)
    refunds = localstripe.client().v1.refunds.list(params={"charge": charge["reference"]}).data
    assert sorted(r.amount for r in refunds) == [1500, 2000]
    shown = ok("session", "show", booking)
    assert (shown["payment_status"], shown["refunded"]["amount"]) == ("partially_refunded", "35.00")
    before = tree_digest(stripe_store)
    result = run("payment", "refund", booking, "--amount", "40")
    assert result.exit_code == 1 and "30.00 EUR refundable" in result.stderr
    assert tree_digest(stripe_store) == before
    assert len(localstripe.client().v1.refunds.list(params={"charge": charge["reference"]}).data) == 2


def test_a_retry_with_the_same_idempotency_key_charges_stripe_once(bookctl, ok, booking, stripe_store,
                                                                  private_localstripe):  # noqa: ANN001
    use_stripe(bookctl, stripe_store, private_localstripe)  # a server of its own: every charge on it is ours

    def charges_on_stripe() -> int:
        return len(private_localstripe.client().v1.charges.list(params={"limit": 100}).data)

    first = pay(ok, booking, "--amount", "20", "--idempotency-key", "desk-42")
    after_first = charges_on_stripe()
    again = pay(ok, booking, "--amount", "20", "--idempotency-key", "desk-42")
    assert again == first
    assert after_first == 1 and charges_on_stripe() == 1
    assert [e["amount"]["amount"] for e in ok("payment", "list", "--booking", booking)] == ["20.00"]


def test_stripe_unreachable_is_exit_5_and_nothing_is_marked_paid(bookctl, store, stripe_env, tmp_path):  # noqa: ANN001
    server = LocalStripe(tmp_path / "stripe")
    use_stripe(bookctl, store, server)
    contact = bookctl("contact", "add", "--first-name", "Ada", "--store", store, "--format", "json").json()["id"]
    booking = bookctl("session", "book", "--service", "physiotherapy", "--contact", contact, "--start",
                      f"{TOMORROW} 10:00", "--store", store, "--format", "json").json()["id"]
    server.stop()
    result = bookctl("payment", "collect", booking, "--method", "card", "--provider", "stripe", "--card",
                     "pm_card_visa", "--store", store)
    assert result.exit_code == 5 and result.stderr.count("\n") == 1
    shown = bookctl("session", "show", booking, "--store", store, "--format", "json").json()
    assert (shown["payment_status"], shown["paid"]["amount"]) == ("not_paid", "0.00")


def test_stripe_dying_mid_request_is_exit_5_and_nothing_is_marked_paid(bookctl, store, stripe_env):  # noqa: ANN001
    """A server that takes the request and drops the connection without an answer, as a crashed one does."""
    import socket
    import threading

    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    taken: list[bytes] = []

    def serve() -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            with conn:
                taken.append(conn.recv(65536))  # the request arrives; the server dies before answering

    threading.Thread(target=serve, daemon=True).start()
    try:
        assert bookctl("config", "set", "providers.stripe.api_base", f"http://127.0.0.1:{port}", "--store",
                       store).exit_code == 0
        contact = bookctl("contact", "add", "--first-name", "Ada", "--store", store, "--format", "json").json()["id"]
        booking = bookctl("session", "book", "--service", "physiotherapy", "--contact", contact, "--start",
                          f"{TOMORROW} 10:00", "--store", store, "--format", "json").json()["id"]
        result = bookctl("payment", "collect", booking, "--method", "card", "--provider", "stripe", "--card",
                         "pm_card_visa", "--store", store)
    finally:
        listener.close()
    assert taken and taken[0].startswith(b"POST "), "the request must have reached the server"
    assert result.exit_code == 5 and result.stderr.count("\n") == 1, result.stderr
    shown = bookctl("session", "show", booking, "--store", store, "--format", "json").json()
    assert (shown["payment_status"], shown["paid"]["amount"]) == ("not_paid", "0.00")


def test_cancel_with_the_fee_kept_refunds_the_rest_through_stripe(ok, booking, localstripe):
    charge = pay(ok, booking)
    cancelled = ok("session", "cancel", booking, "--charge-fee", "--refund")
    assert cancelled["status"] == "cancelled" and cancelled["refunded"]["amount"] == "40.00"
    refunds = localstripe.client().v1.refunds.list(params={"charge": charge["reference"]}).data
    assert [r.amount for r in refunds] == [4000]


def test_stripe_without_the_key_in_the_environment_is_exit_2_naming_the_variable(bookctl, stripe_store, booking,
                                                                                  monkeypatch):  # noqa: ANN001
    monkeypatch.delenv("BOOKCTL_STRIPE_API_KEY")
    result = bookctl("payment", "collect", booking, "--method", "card", "--provider", "stripe", "--card",
                     "pm_card_visa", "--store", stripe_store)
    assert result.exit_code == 2 and "BOOKCTL_STRIPE_API_KEY" in result.stderr


def test_a_no_show_fee_is_charged_to_the_card_saved_with_stripe(ok, booking, localstripe):
    first = pay(ok, booking, "--save-card")
    contact = ok("session", "show", booking)["contact_id"]
    missed = ok("session", "book", "--service", "physiotherapy", "--contact", contact, "--start",
                "2026-11-23 09:00", "--allow-past")["id"]  # this morning, nothing paid for it
    marked = ok("session", "no-show", missed, "--charge-fee")
    assert marked["attendance"] == "no_show"
    [fee] = [e for e in ok("payment", "list", "--booking", missed) if e["kind"] == "no_show_fee"]
    assert (fee["provider"], fee["status"], fee["amount"]["amount"]) == ("stripe", "succeeded", "30.00")
    charge = localstripe.client().v1.charges.retrieve(fee["reference"])
    assert charge.amount == 3000 and charge.customer is not None
    assert charge.customer == localstripe.client().v1.charges.retrieve(first["reference"]).customer
