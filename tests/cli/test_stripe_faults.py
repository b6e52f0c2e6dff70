"""Stripe's answers lost on the way back (issue 15), counted on Stripe's side.

Each test runs its own Stripe-compatible server (localstripe, replaying a repeated Idempotency-Key
as Stripe does: tests/stripe_server.py) behind a loopback proxy that lets a request through to it
and then drops the connection, stalls past bookctl's timeout, or answers 500. The server acts on
the request; bookctl never hears. A plain retry of the same command must leave exactly one charge
or refund at Stripe, and the ledger must agree with it.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cli._payment_fixtures import json_runner, must_succeed, one_error_line
from tests.stripe_server import TEST_KEY, LocalStripe, StripeProxy

TOMORROW = "2026-11-24"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[LocalStripe]:
    stripe = LocalStripe(tmp_path / "stripe", replay_keys=True)
    try:
        yield stripe
    finally:
        stripe.stop()


@pytest.fixture
def proxy(server: LocalStripe) -> Iterator[StripeProxy]:
    lossy = StripeProxy(server.api_base)
    lossy.stall_seconds = 2.0
    try:
        yield lossy
    finally:
        lossy.close()


@pytest.fixture
def run(bookctl, store: Path, proxy: StripeProxy, monkeypatch: pytest.MonkeyPatch):  # noqa: ANN001, ANN201
    monkeypatch.setenv("BOOKCTL_STRIPE_API_KEY", TEST_KEY)
    monkeypatch.setenv("BOOKCTL_LOAD_PLUGINS", "")
    for key, value in (("providers.stripe.api_base", proxy.api_base), ("providers.stripe.timeout_seconds", "1")):
        assert bookctl("config", "set", key, value, "--store", store).exit_code == 0
    return json_runner(bookctl, store)


@pytest.fixture
def ok(run):  # noqa: ANN001, ANN201
    return must_succeed(run)


@pytest.fixture
def booking(ok) -> str:  # noqa: ANN001
    contact = ok("contact", "add", "--first-name", "Ada", "--email", "ada@example.com")["id"]
    return ok("session", "book", "--service", "physiotherapy", "--contact", contact, "--start",
              f"{TOMORROW} 10:00")["id"]


CARD = ("--method", "card", "--provider", "stripe", "--card", "pm_card_visa")


def at_stripe(server: LocalStripe, store: Path) -> tuple[list[tuple[int, str]], list[int]]:
    """This store's succeeded PaymentIntents (amount, latest charge) and refunds (amount), as Stripe has them."""
    store_id = tomllib.loads((store / "bookctl.toml").read_text())["store"]["id"]
    client = server.client()
    intents = [(i.amount, i.to_dict()["latest_charge"]["id"] if isinstance(i.to_dict()["latest_charge"], dict)
                else i.to_dict()["latest_charge"])
               for i in client.v1.payment_intents.list(params={"limit": 100}).data
               if i.status == "succeeded" and i.metadata.to_dict().get("bookctl_key", "").startswith(store_id)]
    refunds = [r.amount for r in client.v1.refunds.list(params={"limit": 100}).data
               if r.metadata.to_dict().get("bookctl_key", "").startswith(store_id)]
    return sorted(intents), sorted(refunds)


def lost(run, *args: str) -> str:  # noqa: ANN001
    done = run(*args)
    assert done.exit_code == 5, (done.stdout, done.stderr)
    line = one_error_line(done.stderr)
    assert "outcome unknown; run 'bookctl payment reconcile " in line, line
    return line


@pytest.mark.parametrize("how", ["drop", "stall", "error"])
def test_a_charge_whose_answer_is_lost_is_taken_once_by_a_plain_retry(ok, run, booking, proxy, server, store, how):
    proxy.lose("/v1/payment_intents", how)
    lost(run, "payment", "collect", booking, *CARD)
    [pending] = ok("payment", "list", "--booking", booking)
    assert pending["status"] == "pending"
    assert len(at_stripe(server, store)[0]) == 1  # Stripe charged, though bookctl never heard
    entry = ok("payment", "collect", booking, *CARD)
    assert (entry["id"], entry["status"]) == (pending["id"], "succeeded")
    charges, _ = at_stripe(server, store)
    assert charges == [(6500, entry["reference"])]
    assert ok("session", "show", booking)["payment_status"] == "paid"


def test_a_refund_whose_answer_is_lost_is_made_once_by_a_plain_retry(ok, run, booking, proxy, server, store):
    ok("payment", "collect", booking, *CARD)
    proxy.lose("/v1/refunds", "drop")
    lost(run, "payment", "refund", booking, "--amount", "40")
    assert at_stripe(server, store)[1] == [4000]
    [refund] = ok("payment", "refund", booking, "--amount", "40")
    assert refund["status"] == "succeeded"
    assert at_stripe(server, store)[1] == [4000]
    shown = ok("session", "show", booking)
    assert (shown["paid"]["amount"], shown["refunded"]["amount"]) == ("25.00", "40.00")


def test_cancel_with_refund_whose_answer_is_lost_refunds_once_on_retry(ok, run, booking, proxy, server, store):
    ok("payment", "collect", booking, *CARD)
    proxy.lose("/v1/refunds", "stall")
    lost(run, "session", "cancel", booking, "--refund")
    shown = ok("session", "cancel", booking, "--refund")
    assert (shown["status"], shown["payment_status"]) == ("cancelled", "refunded")
    assert at_stripe(server, store)[1] == [6500]


def test_a_no_show_fee_whose_answer_is_lost_is_charged_once_on_retry(ok, run, booking, proxy, server, store):
    ok("payment", "collect", booking, *CARD, "--save-card")
    contact = ok("session", "show", booking)["contact_id"]
    late = ok("session", "book", "--service", "physiotherapy", "--contact", contact, "--start", "2026-11-22 10:00",
              "--allow-past")["id"]
    proxy.lose("/v1/payment_intents", "drop")
    lost(run, "session", "no-show", late, "--charge-fee")
    ok("session", "no-show", late, "--charge-fee")
    assert [amount for amount, _ in at_stripe(server, store)[0]] == [3000, 6500]
    assert ok("session", "show", late)["paid"]["amount"] == "30.00"


def test_reconcile_while_stripe_is_unreachable_leaves_the_charge_pending_then_settles_it(
        ok, run, bookctl, booking, proxy, server, store):
    proxy.lose("/v1/payment_intents", "drop")
    lost(run, "payment", "collect", booking, *CARD)
    from tests.stripe_server import free_port

    assert bookctl("config", "set", "providers.stripe.api_base", f"http://127.0.0.1:{free_port()}",
                   "--store", store).exit_code == 0
    down = run("payment", "reconcile")
    assert down.exit_code == 5
    assert "still pending" in one_error_line(down.stderr)
    assert [r["status"] for r in down.json()] == ["pending"]  # a refused replay says nothing of the first call
    assert bookctl("config", "set", "providers.stripe.api_base", proxy.api_base, "--store", store).exit_code == 0
    [settled] = ok("payment", "reconcile", booking)
    assert settled["status"] == "succeeded"
    assert at_stripe(server, store)[0] == [(6500, settled["reference"])]


def test_reconcile_without_the_api_key_leaves_the_charge_pending_and_marks_nothing_failed(
        ok, run, booking, proxy, server, store, monkeypatch):
    proxy.lose("/v1/payment_intents", "drop")
    lost(run, "payment", "collect", booking, *CARD)
    monkeypatch.delenv("BOOKCTL_STRIPE_API_KEY")
    done = run("payment", "reconcile", booking)
    assert done.exit_code == 2
    assert "still pending" in one_error_line(done.stderr) and "BOOKCTL_STRIPE_API_KEY" in done.stderr
    monkeypatch.setenv("BOOKCTL_STRIPE_API_KEY", TEST_KEY)
    assert [e["status"] for e in ok("payment", "list", "--booking", booking)] == ["pending"]
    [settled] = ok("payment", "reconcile", booking)
    assert settled["status"] == "succeeded" and len(at_stripe(server, store)[0]) == 1
