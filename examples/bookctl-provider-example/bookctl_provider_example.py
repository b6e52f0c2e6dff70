"""An example bookctl payment provider: gift vouchers.

Install it next to bookctl (`pip install examples/bookctl-provider-example`) and
`bookctl provider list` shows `voucher`, with this distribution as its origin. A voucher code is
passed as the card token: `bookctl payment collect B --method card --provider voucher --card GIFT-123`.

Its answers are derived from the idempotency key, so a repeated key (a retry after a lost answer,
or `bookctl payment reconcile`) replays the first answer, as the hookspec asks. A provider that talks
to a server raises `bookctl.providers.base.OutcomeUnknown` when no answer came back.
"""

from __future__ import annotations

import hashlib

from bookctl.providers.base import (
    Capabilities,
    CardDeclined,
    ChargeRequest,
    ChargeResult,
    Provider,
    RefundRequest,
    RefundResult,
)
from bookctl.providers.hookspecs import hookimpl


class VoucherProvider(Provider):
    """Redeems gift vouchers (codes starting GIFT-); refunds put the whole amount back on the voucher."""

    def charge(self, request: ChargeRequest) -> ChargeResult:
        code = request.token or ""
        if not code.startswith("GIFT-"):
            raise CardDeclined(f"{code!r} is not a gift voucher code")
        digest = hashlib.sha256(request.idempotency_key.encode()).hexdigest()[:12]
        return ChargeResult(reference=f"voucher_{digest}", card_brand="voucher", card_last4=code[-4:])

    def refund(self, request: RefundRequest) -> RefundResult:
        return RefundResult(reference=f"{request.charge_reference}_back")


@hookimpl
def bookctl_register_providers(register) -> None:  # noqa: ANN001
    """Offer the voucher provider: it takes 'card' payments and refunds them in full only."""
    register(VoucherProvider("voucher", Capabilities(card_charges=True, refunds=True)))
