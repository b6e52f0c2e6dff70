"""A memory store's outbox: RFC 5322 bytes by message id."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bookctl.domain.ids import id_order
from bookctl.errors import NotFoundError
from bookctl.storage.repositories import Outbox

if TYPE_CHECKING:
    from bookctl.storage.memory.unit import MemoryUnitOfWork


class MemoryOutbox(Outbox):
    _unit: MemoryUnitOfWork

    def ids(self) -> list[str]:
        return sorted(self._unit.state.outbox, key=id_order)

    def read(self, message_id: str) -> bytes:
        data = self._unit.state.outbox.get(message_id)
        if data is None:
            raise NotFoundError(f"no message {message_id!r} in the outbox; see 'bookctl outbox list'")
        return data

    def remove(self, message_id: str) -> None:
        self._unit.require_writable()
        self._unit.state.outbox.pop(message_id, None)

    def _put(self, message_id: str, data: bytes) -> None:
        self._unit.require_writable()
        self._unit.state.outbox[message_id] = bytes(data)
