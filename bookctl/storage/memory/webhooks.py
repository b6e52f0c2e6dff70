"""A memory store's webhook queue: each delivery's dump by id."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from bookctl.storage.memory.state import freeze, thaw
from bookctl.storage.repositories import WebhookDelivery, WebhookQueue

if TYPE_CHECKING:
    from bookctl.storage.memory.unit import MemoryUnitOfWork


class MemoryWebhookQueue(WebhookQueue):
    _unit: MemoryUnitOfWork

    def remove(self, delivery_id: str) -> None:
        self._unit.require_writable()
        self._unit.state.webhook_deliveries.pop(delivery_id, None)

    def _put(self, delivery: WebhookDelivery) -> None:
        self._unit.state.webhook_deliveries[delivery.id] = freeze(delivery)

    def _all(self) -> Iterator[WebhookDelivery]:
        return (thaw(WebhookDelivery, dump) for dump in list(self._unit.state.webhook_deliveries.values()))
