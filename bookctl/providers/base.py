"""What a payment provider is: a name, the capabilities it declares, and charge/refund calls.

Every call carries an idempotency key that bookctl minted once for that movement of money and
stored before calling. A provider must treat a repeated key as a replay: answer what it answered
the first time, and move no money again. bookctl repeats a key when it retries after not hearing
back, and when `bookctl payment reconcile` asks what became of a call.

The answer is one of: a result (the money moved); `CardDeclined` or `ProviderUnavailable` (a
definite no: nothing moved); or `OutcomeUnknown` (a timeout, a dropped connection, a 5xx: the
money may have moved). bookctl records the first two and keeps the third pending.
"""

from __future__ import annotations

from abc import ABC
from dataclasses import dataclass, field, fields
from datetime import timedelta
from pathlib import Path
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
    # How long ago bookctl first meant to send it: a provider whose keys expire (Stripe keeps them 24
    # hours) can tell a replay it may still answer from one it no longer can.
    age: timedelta = timedelta(0)


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
    age: timedelta = timedelta(0)  # as ChargeRequest.age


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
    """The provider refused or could not be reached before anything was sent (exit 5): nothing moved."""


class OutcomeUnknown(ProviderError):
    """The request may have reached the provider, but no answer came back (exit 5): the money may
    have moved. Raise it for timeouts, connections dropped after sending, and 5xx answers."""


@dataclass
class Provider(ABC):
    """A payment provider. Subclasses override the calls their capabilities promise."""

    name: str
    capabilities: Capabilities
    options: dict[str, Any] = field(default_factory=dict)

    # Set by bookctl before `configure`: a directory of the store's own where a provider may keep
    # files (the sandbox keeps its provider-side books there). It may not exist yet.
    state_dir: Path | None = None

    def configure(self, options: dict[str, Any]) -> None:
        """Receive the store's `[providers.NAME]` settings before the first call."""
        self.options = dict(options)

    def charge(self, request: ChargeRequest) -> ChargeResult:
        """Take money; a repeated idempotency key is a replay. Raise CardDeclined or
        ProviderUnavailable for a definite no, OutcomeUnknown when no answer came."""
        raise NotImplementedError(f"provider {self.name} cannot charge")

    def refund(self, request: RefundRequest) -> RefundResult:
        """Give money back; a repeated idempotency key is a replay. Raise ProviderUnavailable for a
        definite no, OutcomeUnknown when no answer came."""
        raise NotImplementedError(f"provider {self.name} cannot refund")
