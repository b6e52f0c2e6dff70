"""Queued webhook deliveries in the `webhook_deliveries` table: the body POSTed as bytea, beside its attempts."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from bookctl.storage.repositories import WebhookDelivery, WebhookQueue

if TYPE_CHECKING:
    from bookctl.storage.postgres.unit import PostgresUnitOfWork

# The advisory lock `webhook send` holds on a session of its own (the store's are in connect.py).
WEBHOOK_SENDING_LOCK = 0x626B7768
COLUMNS = ("id", "webhook_id", "event", "event_id", "body", "created_at", "attempts", "next_attempt_at",
           "last_error", "status")
INSERT_SQL = f"INSERT INTO webhook_deliveries ({', '.join(COLUMNS)}) VALUES ({', '.join(['%s'] * len(COLUMNS))})"
UPSERT_SQL = INSERT_SQL + " ON CONFLICT (id) DO UPDATE SET " + ", ".join(
    f"{column} = EXCLUDED.{column}" for column in COLUMNS[1:])


def delivery_row(delivery: WebhookDelivery) -> list[object]:
    """The row of a delivery, in COLUMNS order."""
    return [getattr(delivery, column) for column in COLUMNS]


def read_deliveries(unit: PostgresUnitOfWork) -> Iterator[WebhookDelivery]:
    """Every delivery in the table, in no particular order."""
    for row in unit._exec(f"SELECT {', '.join(COLUMNS)} FROM webhook_deliveries").fetchall():
        values: dict[str, Any] = dict(zip(COLUMNS, row, strict=True))
        values["body"] = bytes(values["body"])
        yield WebhookDelivery.model_validate(values)


class PgWebhookQueue(WebhookQueue):
    """Deliveries to write (None: to take out) until the flush."""

    _unit: PostgresUnitOfWork

    def __init__(self, unit: PostgresUnitOfWork) -> None:
        super().__init__(unit)
        self._pending: dict[str, WebhookDelivery | None] = {}

    def remove(self, delivery_id: str) -> None:
        self._unit.require_writable()
        self._pending[delivery_id] = None

    def _put(self, delivery: WebhookDelivery) -> None:
        self._pending[delivery.id] = delivery

    def _all(self) -> Iterator[WebhookDelivery]:
        self.flush()  # the queue names no other record: only its own changes need writing first
        return read_deliveries(self._unit)

    def flush(self) -> None:
        if not self._pending:
            return
        self._unit._exec_many("DELETE FROM webhook_deliveries WHERE id = %s",
                              [[i] for i, d in sorted(self._pending.items()) if d is None])
        self._unit._exec_many(UPSERT_SQL, [delivery_row(d) for _, d in sorted(self._pending.items()) if d is not None])
        self._pending.clear()
