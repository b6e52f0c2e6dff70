"""What a payment provider is: a name, the capabilities it declares, and charge/refund calls."""

from __future__ import annotations

from abc import ABC
from dataclasses import dataclass, field, fields
from typing import Any

from bookctl.domain.money import Money
from bookctl.errors import ProviderError, RuleError


@dataclass(frozen=True)
class Capabilities:
    """What a provider can do; bookctl refuses anything else before calling it."""

    card_charges: bool = False
    refunds: bool = False
    partial_refunds: bool = False
    invoices: bool = False
    in_person: bool = False

    def as_dict(self) -> dict[str, bool]:
        """Each capability by name."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass(frozen=True)
class ChargeRequest:
    """Take `amount` from a card token (or record money taken in person or by invoice)."""

    amount: Money
    idempotency_key: str
    description: str
    token: str | None = None
    save_card: bool = False
    customer_reference: str | None = None


@dataclass(frozen=True)
class ChargeResult:
    """What the provider answered. Only a token, brand and last four digits ever describe a card."""

    reference: str
    card_brand: str | None = None
    card_last4: str | None = None
    saved_method: str | None = None
    customer_reference: str | None = None


@dataclass(frozen=True)
class RefundRequest:
    """Give back `amount` of the charge the provider knows as `charge_reference`."""

    amount: Money
    charge_reference: str
    idempotency_key: str
    reason: str | None = None


@dataclass(frozen=True)
class RefundResult:
    """The provider's reference for the refund."""

    reference: str


class CardDeclined(RuleError):
    """The card issuer said no (exit 1)."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"card declined: {reason}")
        self.reason = reason


class ProviderUnavailable(ProviderError):
    """The provider could not be reached or failed (exit 5); no money is known to have moved."""


@dataclass
class Provider(ABC):
    """A payment provider. Subclasses override the calls their capabilities promise."""

    name: str
    capabilities: Capabilities
    options: dict[str, Any] = field(default_factory=dict)

    def configure(self, options: dict[str, Any]) -> None:
        """Receive the store's `[providers.NAME]` settings before the first call."""
        self.options = dict(options)

    def charge(self, request: ChargeRequest) -> ChargeResult:
        """Take money; raise CardDeclined or ProviderUnavailable."""
        raise NotImplementedError(f"provider {self.name} cannot charge")

    def refund(self, request: RefundRequest) -> RefundResult:
        """Give money back; raise ProviderUnavailable when it cannot."""
        raise NotImplementedError(f"provider {self.name} cannot refund")
