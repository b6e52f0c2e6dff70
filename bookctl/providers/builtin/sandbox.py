"""`sandbox`: an offline card provider for demos and tests, with Stripe-like test tokens.

`tok_visa` (and `tok_mastercard`, `tok_amex`) succeed, `tok_chargeDeclined` is declined,
`tok_providerDown` fails as an unreachable provider would, and `tok_refundFail` charges fine but
every later refund of that charge fails as an unreachable provider would. `tok_lostAnswer` charges
fine, but the answer to the first request with each key is lost on the way back, as after a
timeout (the money moved; bookctl cannot know it): the charge, and each refund of that charge.
A saved card is the reusable method `pm_sandbox_<brand>_<last4>`.

Like a real provider it keeps its own books: each charge and refund it made, and the answer it
gave to each idempotency key, so a repeated key replays that answer and moves nothing. The books
are `books.json` in the provider's state directory (`providers/sandbox/` in the store, written
under the store's lock); they are the provider's side that tests check the ledger against.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

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

CARDS = {"tok_visa": ("visa", "4242"), "tok_mastercard": ("mastercard", "4444"), "tok_amex": ("amex", "8431"),
         "tok_refundFail": ("visa", "5126"), "tok_lostAnswer": ("visa", "0341")}
_PREFIX = {"tok_refundFail": "ch_rf", "tok_lostAnswer": "ch_la"}
BOOKS_NAME = "books.json"


def _reference(prefix: str, key: str) -> str:
    return f"{prefix}_{hashlib.sha256(key.encode()).hexdigest()[:16]}"


def empty_books() -> dict[str, Any]:
    """The books of a sandbox that has done nothing yet."""
    return {"schema_version": 1, "charges": {}, "refunds": {}, "answers": {}}


def read_books(state_dir: Path) -> dict[str, Any]:
    """The sandbox's own record of what it charged and refunded (tests compare the ledger with it)."""
    try:
        return json.loads((state_dir / BOOKS_NAME).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return empty_books()


class SandboxProvider(Provider):
    """Charges and refunds nothing real; answers, and keeps books, like a card provider would."""

    _memory: dict[str, Any] | None = None  # the books when there is no state directory

    def charge(self, request: ChargeRequest) -> ChargeResult:
        """Charge a test token, or replay the first answer to a key already seen."""
        token = request.token or ""
        if token == "tok_providerDown":
            raise ProviderUnavailable("payment provider sandbox is unreachable; nothing was charged")
        if token == "tok_chargeDeclined":
            raise CardDeclined("your card was declined (sandbox test card)")
        saved = token if token.startswith("pm_sandbox_") else None
        brand, last4 = CARDS.get(token, (None, None)) if saved is None else _saved_card(token)
        if brand is None:
            raise UsageError(f"sandbox does not know card token {token!r}; use tok_visa, tok_chargeDeclined, "
                             "tok_providerDown or tok_lostAnswer")
        books = self._books()
        fingerprint = f"charge:{request.amount.minor}:{request.amount.currency}:{token}"
        answer = self._replay(books, request.idempotency_key, fingerprint)
        if answer is None:
            prefix = _PREFIX.get(token, "ch_la" if saved and last4 == CARDS["tok_lostAnswer"][1] else "ch")
            answer = {"fingerprint": fingerprint, "reference": _reference(prefix, request.idempotency_key),
                      "card_brand": brand, "card_last4": last4,
                      "saved_method": f"pm_sandbox_{brand}_{last4}" if request.save_card else saved,
                      "lose": prefix == "ch_la"}
            books["charges"][answer["reference"]] = {"key": request.idempotency_key, "amount": request.amount.minor,
                                                     "currency": request.amount.currency, "refunded": 0}
            self._answer(books, request.idempotency_key, answer)
        return ChargeResult(reference=answer["reference"], card_brand=answer["card_brand"],
                            card_last4=answer["card_last4"], saved_method=answer["saved_method"])

    def refund(self, request: RefundRequest) -> RefundResult:
        """Refund part or all of a charge it made (never more than is left), or replay a key's answer."""
        if request.charge_reference.startswith("ch_rf_"):
            raise ProviderUnavailable("payment provider sandbox is unreachable; nothing was refunded")
        books = self._books()
        fingerprint = f"refund:{request.amount.minor}:{request.amount.currency}:{request.charge_reference}"
        answer = self._replay(books, request.idempotency_key, fingerprint)
        if answer is None:
            charge = books["charges"].get(request.charge_reference)
            if charge is not None:
                if charge["currency"] != request.amount.currency or \
                        charge["refunded"] + request.amount.minor > charge["amount"]:
                    raise ProviderUnavailable(f"sandbox refused the refund: charge {request.charge_reference} has "
                                              "less than that left to refund; nothing was refunded")
                charge["refunded"] += request.amount.minor
            answer = {"fingerprint": fingerprint, "reference": _reference("re", request.idempotency_key),
                      "lose": request.charge_reference.startswith("ch_la_")}
            books["refunds"][answer["reference"]] = {"key": request.idempotency_key, "charge": request.charge_reference,
                                                     "amount": request.amount.minor,
                                                     "currency": request.amount.currency}
            self._answer(books, request.idempotency_key, answer)
        return RefundResult(reference=answer["reference"])

    # --- the books ----------------------------------------------------------------------
    def _books(self) -> dict[str, Any]:
        if self.state_dir is None:
            if self._memory is None:
                self._memory = empty_books()
            return self._memory
        return read_books(self.state_dir)

    def _replay(self, books: dict[str, Any], key: str, fingerprint: str) -> dict[str, Any] | None:
        """The first answer to `key`, if there was one; the same key with another request is refused,
        as Stripe refuses it."""
        answer = books["answers"].get(key)
        if answer is not None and answer["fingerprint"] != fingerprint:
            raise ProviderUnavailable(f"sandbox already saw idempotency key {key!r} with another request")
        return answer

    def _answer(self, books: dict[str, Any], key: str, answer: dict[str, Any]) -> None:
        """Keep the books (the money has moved), then lose the answer if this one is to be lost."""
        lose = answer.pop("lose")
        books["answers"][key] = answer
        if self.state_dir is not None:
            from bookctl.storage.io import write_atomic

            self.state_dir.mkdir(parents=True, exist_ok=True)
            write_atomic(self.state_dir / BOOKS_NAME, json.dumps(books, indent=1, sort_keys=True).encode())
        if lose:
            raise OutcomeUnknown("payment provider sandbox did not answer in time (its answer was lost); "
                                 "the money may have moved")


def _saved_card(method: str) -> tuple[str | None, str | None]:
    parts = method.split("_")  # pm_sandbox_<brand>_<last4>
    return (parts[2], parts[3]) if len(parts) == 4 else (None, None)


@hookimpl
def bookctl_register_providers(register) -> None:  # noqa: ANN001
    register(SandboxProvider("sandbox", Capabilities(card_charges=True, refunds=True, partial_refunds=True)))
