"""`manual`: money taken in person (cash, a card terminal). Records only; refunds no money."""

from __future__ import annotations

from bookctl.providers.base import Capabilities, ChargeRequest, ChargeResult, Provider
from bookctl.providers.hookspecs import hookimpl


class ManualProvider(Provider):
    """Marks money as received in person; nothing is sent anywhere."""

    def charge(self, request: ChargeRequest) -> ChargeResult:
        return ChargeResult(reference=f"manual:{request.idempotency_key}")


@hookimpl
def bookctl_register_providers(register) -> None:  # noqa: ANN001
    register(ManualProvider("manual", Capabilities(in_person=True)))
