"""Idempotency replies in the `idempotency` table, by the sha256 of their key: unique in the
database, whichever front desk sent the command."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from bookctl.storage.postgres.rows import json_value
from bookctl.storage.records import Reply, key_hash
from bookctl.storage.repositories import Replies

if TYPE_CHECKING:
    from bookctl.storage.postgres.unit import PostgresUnitOfWork

UPSERT_SQL = ("INSERT INTO idempotency (key_hash, arguments, result) VALUES (%s, %s, %s) "
              "ON CONFLICT (key_hash) DO UPDATE SET arguments = EXCLUDED.arguments, result = EXCLUDED.result")


def all_replies(unit: PostgresUnitOfWork) -> Iterator[tuple[str, Reply]]:
    """(hashed key, reply) of every reply, in hash order, from a server-side cursor."""
    for hashed, arguments, result in unit._stream("SELECT key_hash, arguments, result FROM idempotency "
                                                  "ORDER BY key_hash"):
        yield hashed, Reply(arguments=arguments, result=result)


class PgReplies(Replies):
    """Replies to keep, by hashed key, until the flush."""

    _unit: PostgresUnitOfWork

    def __init__(self, unit: PostgresUnitOfWork) -> None:
        super().__init__(unit)
        self._pending: dict[str, Reply] = {}

    def get(self, key: str) -> Reply | None:
        hashed = key_hash(key)
        if hashed in self._pending:
            return self._pending[hashed]
        row = self._unit._exec("SELECT arguments, result FROM idempotency WHERE key_hash = %s", [hashed]).fetchone()
        return None if row is None else Reply(arguments=row[0], result=row[1])

    def add(self, key: str, arguments: str, result: Any) -> None:  # noqa: ANN401
        self._unit.require_writable()
        self._pending[key_hash(key)] = Reply(arguments=arguments, result=result)

    def flush(self) -> None:
        self._unit._exec_many(UPSERT_SQL, [[hashed, reply.arguments, json_value(reply.result)]
                                           for hashed, reply in self._pending.items()])
        self._pending.clear()
