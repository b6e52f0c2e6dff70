"""Queued email in the `outbox` table: RFC 5322 bytes by message id."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bookctl.domain.ids import id_order
from bookctl.errors import NotFoundError
from bookctl.storage.repositories import Outbox

if TYPE_CHECKING:
    from bookctl.storage.postgres.unit import PostgresUnitOfWork


def not_queued(message_id: str) -> NotFoundError:
    return NotFoundError(f"no message {message_id!r} in the outbox; see 'bookctl outbox list'")


class PgOutbox(Outbox):
    """Messages to queue (None: to take out) until the flush."""

    _unit: PostgresUnitOfWork

    def __init__(self, unit: PostgresUnitOfWork) -> None:
        super().__init__(unit)
        self._pending: dict[str, bytes | None] = {}

    def ids(self) -> list[str]:
        self.flush()  # the outbox names no other record: only its own changes need writing first
        return sorted((r[0] for r in self._unit._exec("SELECT id FROM outbox").fetchall()), key=id_order)

    def read(self, message_id: str) -> bytes:
        pending = self._pending.get(message_id)
        if pending is not None:
            return pending
        row = None if message_id in self._pending else \
            self._unit._exec("SELECT data FROM outbox WHERE id = %s", [message_id]).fetchone()
        if row is None:
            raise not_queued(message_id)
        return bytes(row[0])

    def remove(self, message_id: str) -> None:
        self._unit.require_writable()
        self._pending[message_id] = None

    def _put(self, message_id: str, data: bytes) -> None:
        self._unit.require_writable()
        self._pending[message_id] = data

    def flush(self) -> None:
        for message_id, data in sorted(self._pending.items()):
            self._unit._exec("DELETE FROM outbox WHERE id = %s", [message_id])
            if data is not None:
                self._unit._exec("INSERT INTO outbox (id, data) VALUES (%s, %s)", [message_id, data])
        self._pending.clear()
