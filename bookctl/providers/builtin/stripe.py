"""`stripe`: card charges and refunds through Stripe, on the official `stripe` SDK.

The SDK takes most of a second to import, so it is imported inside the calls that move money and
never by a command that does not. The secret key comes only from `BOOKCTL_STRIPE_API_KEY`; it is
read when a call is made and never kept, stored or printed. Every mutating request carries an
idempotency key derived from the caller's, one distinct key per request, so a retried command
cannot make Stripe move money twice: Stripe replays its first answer to a repeated key (for 24
hours; `payment reconcile` within that time). A timeout, a dropped connection or a 5xx is
`OutcomeUnknown` (the money may have moved); a refused connection, a decline or a 4xx is a no.

Options (`[providers.stripe]` in bookctl.toml): `api_base` (for proxies and test servers such as
localstripe), `currency` (what this account charges in; a charge in another currency is refused),
`timeout_seconds` (how long to wait for Stripe to answer; default 30).
"""

from __future__ import annotations

import os
from datetime import timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from bookctl.domain.money import Money, check_currency
from bookctl.errors import UsageError
from bookctl.providers.base import (
    Capabilities,
    CardDeclined,
    ChargeRequest,
    ChargeResult,
    OutcomeUnknown,
    Provider,
    ProviderUnavailable,
    RefundRequest,
    RefundResult,
)
from bookctl.providers.hookspecs import hookimpl

if TYPE_CHECKING:
    from stripe import StripeClient

API_KEY_VARIABLE = "BOOKCTL_STRIPE_API_KEY"
# Stripe keeps an idempotency key's answer for 24 hours; past that a replay would move money again.
REPLAY_LIMIT = timedelta(hours=23)
DEFAULT_TIMEOUT_SECONDS = 30.0
OPTION_NAMES = ("api_base", "currency", "timeout_seconds")


def check_api_base(value: str, what: str = "providers.stripe.api_base") -> str:
    """An http(s) URL with a host, without a trailing slash; anything else is a usage error."""
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(f"{what} must be an http:// or https:// URL with a host, not {value!r}")
    return value.strip().rstrip("/")


class StripeProvider(Provider):
    """Charges cards with PaymentIntents and refunds them with Stripe Refunds."""

    def configure(self, options: dict[str, Any]) -> None:
        """Check the `[providers.stripe]` options and that a secret key is set, before any call."""
        self.options = {}
        unknown = sorted(set(options) - set(OPTION_NAMES))
        if unknown:
            raise UsageError(f"unknown [providers.stripe] option {unknown[0]!r}; known: {', '.join(OPTION_NAMES)}")
        checked: dict[str, Any] = {}
        if options.get("api_base"):
            checked["api_base"] = check_api_base(str(options["api_base"]))
        if options.get("currency"):
            checked["currency"] = check_currency(str(options["currency"]))
        checked["timeout_seconds"] = check_timeout(options.get("timeout_seconds", DEFAULT_TIMEOUT_SECONDS))
        _api_key()
        self.options = checked

    def charge(self, request: ChargeRequest) -> ChargeResult:
        """Create and confirm a PaymentIntent for exactly `request.amount`.

        With `save_card`, the card is first attached to a Stripe customer (created unless
        `customer_reference` names one) and the result carries the saved method and customer.
        With a `customer_reference` and no `save_card`, `token` is a method saved earlier and the
        charge is made off-session (the client is not there, as for a no-show fee).
        """
        if not request.token:
            raise UsageError("a Stripe card payment needs a card token (--card), e.g. pm_card_visa")
        self._check_currency(request.amount)
        _check_replayable(request.age, request.idempotency_key)
        key = request.idempotency_key
        with _stripe_errors("charge", self.options), self._client() as client:
            customer = request.customer_reference
            method = request.token
            params: dict[str, Any] = {
                "amount": request.amount.minor,
                "currency": request.amount.currency.lower(),
                "payment_method_types": ["card"],
                "confirm": True,
                # localstripe refuses `description` on an intent; metadata works on both.
                "metadata": {"description": request.description, "bookctl_key": key},
                "expand": ["latest_charge"],
            }
            if request.save_card:
                if customer is None:
                    created = client.v1.customers.create(params={"metadata": {"bookctl": "contact"}},
                                                         options={"idempotency_key": f"{key}:customer"})
                    customer = created.id
                attached = client.v1.payment_methods.attach(method, params={"customer": customer},
                                                            options={"idempotency_key": f"{key}:attach"})
                method = attached.id
                params.update(customer=customer)
            elif customer is not None:
                params.update(customer=customer, off_session=True)
            params["payment_method"] = method
            intent = client.v1.payment_intents.create(params=params, options={"idempotency_key": f"{key}:intent"})
        # The intent is answered: from here on a failure to read its details is not a "no".
        with _stripe_errors("charge", self.options, answered=True), self._client() as client:
            charge = _succeeded_charge(client, intent)
            brand, last4 = _card_of(client, charge)
        return ChargeResult(
            reference=charge["id"] if charge else intent.id, card_brand=brand, card_last4=last4,
            saved_method=method if request.save_card else None,
            customer_reference=customer if request.save_card else None,
        )

    def refund(self, request: RefundRequest) -> RefundResult:
        """Refund `request.amount` of a charge (`ch_...`) or of a PaymentIntent (`pi_...`)."""
        self._check_currency(request.amount)
        _check_replayable(request.age, request.idempotency_key)
        target = "payment_intent" if request.charge_reference.startswith("pi_") else "charge"
        params: dict[str, Any] = {target: request.charge_reference, "amount": request.amount.minor,
                                  "metadata": {"bookctl_key": request.idempotency_key}}
        if request.reason:
            # Stripe's own `reason` is an enum; the user's words go to metadata.
            params["metadata"]["reason"] = request.reason
        with _stripe_errors("refund", self.options), self._client() as client:
            refund = client.v1.refunds.create(params=params,
                                              options={"idempotency_key": f"{request.idempotency_key}:refund"})
        if refund.status in ("failed", "canceled"):
            raise ProviderUnavailable(f"Stripe refund {refund.id} {refund.status}; no money was returned")
        return RefundResult(reference=refund.id)

    def _check_currency(self, amount: Money) -> None:
        wanted = self.options.get("currency")
        if wanted and wanted != amount.currency:
            raise UsageError(f"providers.stripe.currency is {wanted} but the amount is in {amount.currency}")

    def _client(self) -> _ClosingClient:
        return _ClosingClient(_api_key(), self.options.get("api_base"),
                              float(self.options.get("timeout_seconds", DEFAULT_TIMEOUT_SECONDS)))


class _ClosingClient:
    """A StripeClient for one call, closed after it: no global `stripe` state is touched."""

    def __init__(self, api_key: str, api_base: str | None, timeout: float) -> None:
        import stripe

        # No SDK retries: the caller's idempotency key makes a retried command safe instead.
        self._http = stripe.RequestsClient(timeout=timeout)
        self.client = stripe.StripeClient(api_key, base_addresses={"api": api_base} if api_base else None,
                                          max_network_retries=0, http_client=self._http)

    def __enter__(self) -> StripeClient:
        return self.client

    def __exit__(self, *exc: object) -> None:
        self._http.close()


def _check_replayable(age: timedelta, key: str) -> None:
    """Refuse to send a key Stripe may have forgotten: the first request may have moved money."""
    if age > REPLAY_LIMIT:
        raise OutcomeUnknown(f"its key is {age.total_seconds() / 3600:.0f} hours old and Stripe forgets keys after "
                             f"24, so bookctl will not send it again; find the payment whose metadata bookctl_key is "
                             f"{key!r} in the Stripe dashboard and record what it shows with "
                             "'bookctl payment reconcile BOOKING --mark ENTRY --as succeeded|failed'")


def _api_key() -> str:
    key = os.environ.get(API_KEY_VARIABLE, "").strip()
    if not key:
        raise UsageError(f"the Stripe secret key is not set; export {API_KEY_VARIABLE}")
    return key


def check_timeout(value: Any, what: str = "providers.stripe.timeout_seconds") -> float:  # noqa: ANN401
    """Seconds to wait for an answer: a number above 0 and at most 600 (a timeout of seconds, not money)."""
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        raise UsageError(f"{what} must be a number, not {value!r}") from None
    if not 0 < seconds <= 600:
        raise UsageError(f"{what} must be more than 0 and at most 600")
    return seconds


def _succeeded_charge(client: StripeClient, intent: Any) -> dict[str, Any] | None:
    """The intent's charge as a dict, or a domain error when the money did not move."""
    if intent.status == "requires_action":
        raise CardDeclined("the card needs the client to authenticate (3-D Secure), which a command line cannot do")
    if intent.status == "processing":  # it may yet succeed: ask again later
        raise OutcomeUnknown(f"Stripe is still processing payment {intent.id}")
    if intent.status != "succeeded":
        raise ProviderUnavailable(f"Stripe left payment {intent.id} {intent.status}; it is not paid")
    latest = intent.to_dict().get("latest_charge")
    if isinstance(latest, str):  # real Stripe gives an id unless expanded; localstripe always an object
        return client.v1.charges.retrieve(latest).to_dict()
    return latest


def _card_of(client: StripeClient, charge: dict[str, Any] | None) -> tuple[str | None, str | None]:
    """Brand and last four digits, from the charge or (localstripe has no details) its payment method."""
    if charge is None:
        return None, None
    card = (charge.get("payment_method_details") or {}).get("card")
    if card is None and charge.get("payment_method"):
        card = client.v1.payment_methods.retrieve(charge["payment_method"]).to_dict().get("card")
    if not card:
        return None, None
    return card.get("brand"), card.get("last4")


class _stripe_errors:
    """Turn the SDK's exceptions into bookctl's: declines exit 1, Stripe being unusable exit 5."""

    def __init__(self, action: str, options: dict[str, Any], answered: bool = False) -> None:
        self.action = action
        self.where = options.get("api_base") or "api.stripe.com"
        self.answered = answered  # Stripe already took the request: any failure now is an unknown outcome

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: object) -> bool:
        if error is None:
            return False
        import stripe

        if not isinstance(error, stripe.StripeError):
            return False
        message = _first_line(error.user_message or str(error))
        if self.answered:
            raise OutcomeUnknown(f"Stripe took the {self.action} but its details could not be read ({message})") from None
        if isinstance(error, stripe.CardError):
            code = getattr(error, "decline_code", None) or error.code
            raise CardDeclined(f"{message.rstrip('.')} ({code})" if code else message.rstrip(".")) from None
        if isinstance(error, stripe.APIConnectionError):
            cause = _cause(error)
            if cause == "connection refused":  # nothing was sent
                raise ProviderUnavailable(f"Stripe could not be reached at {self.where} ({cause}); "
                                          f"nothing was sent") from None
            raise OutcomeUnknown(f"Stripe did not answer at {self.where} ({cause})") from None
        if isinstance(error, (stripe.AuthenticationError, stripe.PermissionError)):
            raise ProviderUnavailable(f"Stripe refused the API key in {API_KEY_VARIABLE}") from None
        if isinstance(error, stripe.IdempotencyError):  # real Stripe only; localstripe ignores the keys
            raise UsageError(f"Stripe already saw this idempotency key with other arguments: {message}") from None
        if isinstance(error, stripe.InvalidRequestError) and self.action == "charge":
            raise UsageError(f"Stripe refused the charge: {message}") from None
        status = f"HTTP {error.http_status}" if error.http_status else type(error).__name__
        if error.http_status is None or error.http_status >= 500:  # Stripe may have done it: ask again
            raise OutcomeUnknown(f"Stripe failed the {self.action} ({status}): {message}") from None
        raise ProviderUnavailable(f"Stripe failed the {self.action} ({status}): {message}") from None


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else "no message"


def _cause(error: BaseException) -> str:
    text = str(error).lower()
    if "timed out" in text or "timeout" in text:
        return "timed out"
    if "refused" in text:
        return "connection refused"
    return "network error"


@hookimpl
def bookctl_provider_options() -> dict[str, Any]:
    return {"api_base": check_api_base,
            "currency": lambda value, key: check_currency(value),
            # kept as text, as every provider option is
            "timeout_seconds": lambda value, key: f"{check_timeout(value, key):g}"}


@hookimpl
def bookctl_register_providers(register) -> None:  # noqa: ANN001
    register(StripeProvider("stripe", Capabilities(card_charges=True, refunds=True, partial_refunds=True)))
