"""`sandbox`: an offline card provider for demos and tests, with Stripe-like test tokens.

`tok_visa` (and `tok_mastercard`, `tok_amex`) succeed, `tok_chargeDeclined` is declined,
`tok_providerDown` fails as an unreachable provider would, and `tok_refundFail` charges fine but
every later refund of that charge fails as an unreachable provider would. References are derived
from the idempotency key, so a retry gets the same reference, as a real provider's would.
A saved card is the reusable method `pm_sandbox_<brand>_<last4>`.
"""

from __future__ import annotations

import hashlib

from bookctl.errors import UsageError
from bookctl.providers.base import (
    Capabilities,
    CardDeclined,
    ChargeRequest,
    ChargeResult,
    Provider,
    ProviderUnavailable,
    RefundRequest,
    RefundResult,
)
from bookctl.providers.hookspecs import hookimpl

CARDS = {"tok_visa": ("visa", "4242"), "tok_mastercard": ("mastercard", "4444"), "tok_amex": ("amex", "8431"),
         "tok_refundFail": ("visa", "5126")}
_REFUND_FAILS = "ch_rf_"


def _reference(prefix: str, key: str) -> str:
    return f"{prefix}_{hashlib.sha256(key.encode()).hexdigest()[:16]}"


class SandboxProvider(Provider):
    """Charges and refunds nothing real; answers like a card provider would."""

    def charge(self, request: ChargeRequest) -> ChargeResult:
        token = request.token or ""
        if token == "tok_providerDown":
            raise ProviderUnavailable("payment provider sandbox is unreachable; nothing was charged")
        if token == "tok_chargeDeclined":
            raise CardDeclined("your card was declined (sandbox test card)")
        saved = token if token.startswith("pm_sandbox_") else None
        brand, last4 = CARDS.get(token, (None, None)) if saved is None else _saved_card(token)
        if brand is None:
            raise UsageError(f"sandbox does not know card token {token!r}; use tok_visa, tok_chargeDeclined "
                             "or tok_providerDown")
        method = f"pm_sandbox_{brand}_{last4}" if request.save_card else None
        prefix = "ch_rf" if token == "tok_refundFail" else "ch"
        return ChargeResult(reference=_reference(prefix, request.idempotency_key), card_brand=brand,
                            card_last4=last4, saved_method=method or saved)

    def refund(self, request: RefundRequest) -> RefundResult:
        if request.charge_reference.startswith(_REFUND_FAILS):
            raise ProviderUnavailable("payment provider sandbox is unreachable; nothing was refunded")
        return RefundResult(reference=_reference("re", request.idempotency_key))


def _saved_card(method: str) -> tuple[str | None, str | None]:
    parts = method.split("_")  # pm_sandbox_<brand>_<last4>
    return (parts[2], parts[3]) if len(parts) == 4 else (None, None)


@hookimpl
def bookctl_register_providers(register) -> None:  # noqa: ANN001
    register(SandboxProvider("sandbox", Capabilities(card_charges=True, refunds=True, partial_refunds=True)))
