"""`invoice`: the client pays an invoice; bookctl records what was invoiced and settled."""

from __future__ import annotations

from bookctl.providers.base import Capabilities, ChargeRequest, ChargeResult, Provider
from bookctl.providers.hookspecs import hookimpl


class InvoiceProvider(Provider):
    """Settles invoices; money arrives by bank transfer, outside bookctl."""

    def charge(self, request: ChargeRequest) -> ChargeResult:
        return ChargeResult(reference=f"invoice:{request.idempotency_key}")


@hookimpl
def bookctl_register_providers(register) -> None:  # noqa: ANN001
    register(InvoiceProvider("invoice", Capabilities(invoices=True)))
