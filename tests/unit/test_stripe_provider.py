"""The Stripe provider against a real Stripe-compatible server (localstripe on 127.0.0.1).

localstripe enforces neither idempotency nor refund limits; these tests show what it does, and
bookctl's ledger guards both itself.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator

import pytest

from bookctl.domain.money import Money
from bookctl.errors import UsageError
from bookctl.providers.base import CardDeclined, ChargeRequest, OutcomeUnknown, ProviderUnavailable, RefundRequest
from bookctl.providers.builtin.stripe import StripeProvider
from bookctl.providers.manager import get_provider, providers
from tests.stripe_server import TEST_KEY, LocalStripe, StripeProxy


@pytest.fixture
def stripe_key(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("BOOKCTL_STRIPE_API_KEY", TEST_KEY)
    return TEST_KEY


@pytest.fixture
def provider(localstripe: LocalStripe, stripe_key: str) -> StripeProvider:
    return get_provider("stripe", {"api_base": localstripe.api_base})


def charge_request(minor: int, token: str = "pm_card_visa", currency: str = "EUR", **kwargs) -> ChargeRequest:  # noqa: ANN003
    return ChargeRequest(amount=Money(minor=minor, currency=currency), idempotency_key=f"test-{uuid.uuid4().hex}",
                         description="Physiotherapy, 23 Nov 2026", token=token, **kwargs)


def refund_request(reference: str, minor: int, currency: str = "EUR") -> RefundRequest:
    return RefundRequest(amount=Money(minor=minor, currency=currency), charge_reference=reference,
                         idempotency_key=f"test-{uuid.uuid4().hex}", reason="client cancelled")


# --- charges ------------------------------------------------------------------------------------------


def test_charge_takes_the_exact_minor_amount_and_returns_only_brand_and_last4(provider, localstripe):
    result = provider.charge(charge_request(6550))
    assert result.reference.startswith("ch_")
    assert (result.card_brand, result.card_last4) == ("visa", "4242")
    assert "4242424242424242" not in repr(result)
    assert (result.saved_method, result.customer_reference) == (None, None)
    stored = localstripe.client().v1.charges.retrieve(result.reference)
    assert (stored.amount, stored.currency, stored.status) == (6550, "eur", "succeeded")
    intent = localstripe.client().v1.payment_intents.retrieve(stored.payment_intent)
    assert (intent.amount, intent.currency, intent.status) == (6550, "eur", "succeeded")


def test_charge_in_a_zero_decimal_currency_sends_whole_units(provider, localstripe):
    result = provider.charge(charge_request(5000, currency="JPY"))
    stored = localstripe.client().v1.charges.retrieve(result.reference)
    assert (stored.amount, stored.currency) == (5000, "jpy")


def test_declined_card_raises_card_declined_with_stripes_reason(provider):
    with pytest.raises(CardDeclined) as declined:
        provider.charge(charge_request(6500, token="pm_card_chargeCustomerFail"))
    assert str(declined.value) == "card declined: Your card was declined (card_declined)"


def test_card_needing_3d_secure_is_declined_not_left_pending(provider, localstripe):
    method = localstripe.client().v1.payment_methods.create(params={
        "type": "card", "card": {"number": "4000002500003155", "exp_month": 12, "exp_year": 2030, "cvc": "123"}})
    with pytest.raises(CardDeclined, match="authenticate"):
        provider.charge(charge_request(6500, token=method.id))


def test_unknown_card_token_is_a_usage_error(provider):
    with pytest.raises(UsageError, match="^Stripe refused the charge"):
        provider.charge(charge_request(6500, token="pm_no_such_method"))


def test_charge_in_another_currency_than_configured_is_refused_before_calling_stripe(localstripe, stripe_key):
    usd_only = get_provider("stripe", {"api_base": localstripe.api_base, "currency": "usd"})
    with pytest.raises(UsageError, match="providers.stripe.currency is USD but the amount is in EUR"):
        usd_only.charge(charge_request(6500))


# --- refunds ------------------------------------------------------------------------------------------


def test_full_refund(provider, localstripe):
    charge = provider.charge(charge_request(6500))
    request = refund_request(charge.reference, 6500)
    refund = provider.refund(request)
    refund_key = request.idempotency_key
    assert refund.reference.startswith("re_")
    stored = localstripe.client().v1.charges.retrieve(charge.reference)
    assert (stored.amount_refunded, stored.refunded) == (6500, True)
    assert localstripe.client().v1.refunds.retrieve(refund.reference).metadata.to_dict() == {
        "reason": "client cancelled", "bookctl_key": refund_key}


def test_two_partial_refunds(provider, localstripe):
    charge = provider.charge(charge_request(6500))
    first = provider.refund(refund_request(charge.reference, 2000))
    second = provider.refund(refund_request(charge.reference, 1500))
    assert first.reference != second.reference
    stored = localstripe.client().v1.charges.retrieve(charge.reference)
    assert (stored.amount_refunded, stored.refunded) == (3500, False)
    assert sorted(r.amount for r in localstripe.client().v1.refunds.list(params={"charge": charge.reference})) == [
        1500, 2000]


def test_refund_against_the_payment_intent(provider, localstripe):
    charge = provider.charge(charge_request(6500))
    intent_id = localstripe.client().v1.charges.retrieve(charge.reference).payment_intent
    provider.refund(refund_request(intent_id, 500))
    assert localstripe.client().v1.charges.retrieve(charge.reference).amount_refunded == 500


def test_localstripe_does_not_limit_refunds_so_bookctl_must(provider, localstripe):
    charge = provider.charge(charge_request(1000))
    provider.refund(refund_request(charge.reference, 1000))
    provider.refund(refund_request(charge.reference, 1000))  # real Stripe refuses this; localstripe does not
    assert localstripe.client().v1.charges.retrieve(charge.reference).amount_refunded == 2000


# --- idempotency --------------------------------------------------------------------------------------


@pytest.fixture
def recorded(localstripe: LocalStripe, stripe_key: str) -> Iterator[tuple[StripeProvider, StripeProxy]]:
    proxy = StripeProxy(localstripe.api_base)
    try:
        yield get_provider("stripe", {"api_base": proxy.api_base}), proxy
    finally:
        proxy.close()


def test_every_mutating_call_carries_its_own_key_derived_from_the_callers(recorded):
    provider, proxy = recorded
    first = provider.charge(ChargeRequest(amount=Money(minor=6500, currency="EUR"), idempotency_key="k-1",
                                          description="Physiotherapy", token="pm_card_visa", save_card=True))
    provider.charge(ChargeRequest(amount=Money(minor=3000, currency="EUR"), idempotency_key="k-2",
                                  description="No-show fee", token=first.saved_method,
                                  customer_reference=first.customer_reference))
    provider.refund(RefundRequest(amount=Money(minor=1000, currency="EUR"), charge_reference=first.reference,
                                  idempotency_key="k-3"))
    assert proxy.mutating() == [
        ("/v1/customers", "k-1:customer"),
        ("/v1/payment_methods/pm_card_visa/attach", "k-1:attach"),
        ("/v1/payment_intents", "k-1:intent"),
        ("/v1/payment_intents", "k-2:intent"),
        ("/v1/refunds", "k-3:refund"),
    ]


def test_localstripe_ignores_a_repeated_idempotency_key_so_bookctl_must_not_call_twice(provider, localstripe):
    request = charge_request(6500)
    first = provider.charge(request)
    again = provider.charge(request)
    # Real Stripe would answer the second call with the first result; localstripe charges again.
    assert first.reference != again.reference
    for reference in (first.reference, again.reference):
        assert localstripe.client().v1.charges.retrieve(reference).status == "succeeded"


# --- saved cards --------------------------------------------------------------------------------------


def test_save_card_then_charge_the_saved_method_off_session(provider, localstripe):
    saved = provider.charge(charge_request(6500, save_card=True))
    assert saved.customer_reference.startswith("cus_")
    assert saved.saved_method.startswith("pm_") and saved.saved_method != "pm_card_visa"
    fee = provider.charge(charge_request(3000, token=saved.saved_method, customer_reference=saved.customer_reference))
    assert (fee.card_brand, fee.card_last4) == ("visa", "4242")
    assert (fee.saved_method, fee.customer_reference) == (None, None)
    stored = localstripe.client().v1.charges.retrieve(fee.reference)
    assert (stored.amount, stored.customer, stored.payment_method) == (3000, saved.customer_reference,
                                                                       saved.saved_method)


def test_save_card_for_a_known_customer_reuses_it(provider):
    first = provider.charge(charge_request(6500, save_card=True))
    second = provider.charge(charge_request(6500, save_card=True, customer_reference=first.customer_reference))
    assert second.customer_reference == first.customer_reference
    assert second.saved_method != first.saved_method


def test_save_card_with_a_card_that_attaches_but_fails_to_charge_is_declined(provider):
    with pytest.raises(CardDeclined, match="^card declined: Your card was declined"):
        provider.charge(charge_request(6500, token="pm_card_chargeCustomerFail", save_card=True))


def test_off_session_charge_of_a_saved_card_that_now_fails_is_declined(provider, localstripe):
    client = localstripe.client()
    customer = client.v1.customers.create()
    method = client.v1.payment_methods.attach("pm_card_chargeCustomerFail", params={"customer": customer.id})
    with pytest.raises(CardDeclined):
        provider.charge(charge_request(3000, token=method.id, customer_reference=customer.id))


# --- Stripe unreachable or refusing ---------------------------------------------------------------------


def test_server_stopped_mid_command_is_provider_unavailable_at_once(private_localstripe, stripe_key):
    provider = get_provider("stripe", {"api_base": private_localstripe.api_base})
    charge = provider.charge(charge_request(6500))
    private_localstripe.stop()
    started = time.monotonic()
    with pytest.raises(ProviderUnavailable) as down:
        provider.refund(refund_request(charge.reference, 6500))
    assert time.monotonic() - started < 5
    assert str(down.value) == (f"Stripe could not be reached at {private_localstripe.api_base} (connection refused); "
                               "nothing was sent")


def test_server_that_never_answers_is_an_unknown_outcome_not_a_failure(stripe_key):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as silent:  # accepts connections, never replies
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        api_base = f"http://127.0.0.1:{silent.getsockname()[1]}"
        provider = get_provider("stripe", {"api_base": api_base, "timeout_seconds": "0.5"})
        started = time.monotonic()
        with pytest.raises(OutcomeUnknown, match=r"did not answer at .* \(timed out\)$"):
            provider.charge(charge_request(6500))
        assert time.monotonic() - started < 5


def test_refused_key_is_provider_unavailable_and_not_printed(localstripe, monkeypatch):
    monkeypatch.setenv("BOOKCTL_STRIPE_API_KEY", "not-a-secret-key")
    provider = get_provider("stripe", {"api_base": localstripe.api_base})
    with pytest.raises(ProviderUnavailable) as refused:
        provider.charge(charge_request(6500))
    assert str(refused.value) == "Stripe refused the API key in BOOKCTL_STRIPE_API_KEY"


# --- configuration ------------------------------------------------------------------------------------


def test_missing_key_is_a_usage_error_naming_the_variable(localstripe, monkeypatch):
    monkeypatch.delenv("BOOKCTL_STRIPE_API_KEY", raising=False)
    with pytest.raises(UsageError, match="^the Stripe secret key is not set; export BOOKCTL_STRIPE_API_KEY$"):
        get_provider("stripe", {"api_base": localstripe.api_base})


@pytest.mark.parametrize(("options", "message"), [
    ({"api_base": "localhost:12111"}, "providers.stripe.api_base must be an http:// or https:// URL with a host"),
    ({"api_base": "http://"}, "providers.stripe.api_base must be an http:// or https:// URL with a host"),
    ({"currency": "ZZZ"}, "unknown currency 'ZZZ'"),
    ({"timeout_seconds": "soon"}, "providers.stripe.timeout_seconds must be a number"),
    ({"secret": "sk_live_x"}, "unknown [providers.stripe] option 'secret'"),
])
def test_bad_options_are_usage_errors(stripe_key, options, message):
    with pytest.raises(UsageError) as bad:
        get_provider("stripe", options)
    assert str(bad.value).startswith(message)


def test_stripe_is_a_builtin_provider_with_card_charges_and_refunds():
    registered = providers()["stripe"]
    assert registered.origin == "builtin"
    assert registered.provider.capabilities.as_dict() == {
        "card_charges": True, "refunds": True, "partial_refunds": True, "invoices": False, "in_person": False}


def test_commands_that_move_no_money_never_import_stripe():
    probe = subprocess.run([sys.executable, "-X", "importtime", "-m", "bookctl", "session", "list", "--help"],
                           capture_output=True, text=True, timeout=60)
    assert probe.returncode == 0
    assert "stripe" not in probe.stderr.lower()


def test_loading_the_providers_does_not_import_the_sdk():
    code = ("import sys; from bookctl.providers.manager import providers; providers(); "
            "print('stripe' in sys.modules)")
    probe = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert probe.stdout.strip() == "False", probe.stderr


def test_a_key_older_than_stripe_keeps_keys_is_not_sent_again(recorded):
    from datetime import timedelta

    provider, proxy = recorded
    stale = ChargeRequest(amount=Money(minor=6500, currency="EUR"), idempotency_key="k-old", description="Physio",
                          token="pm_card_visa", age=timedelta(hours=24))
    with pytest.raises(OutcomeUnknown, match="Stripe forgets keys after 24"):
        provider.charge(stale)
    with pytest.raises(OutcomeUnknown, match="bookctl_key is 'k-old'"):
        provider.refund(RefundRequest(amount=Money(minor=100, currency="EUR"), charge_reference="ch_1",
                                      idempotency_key="k-old", age=timedelta(hours=30)))
    assert proxy.mutating() == []  # nothing reached Stripe
