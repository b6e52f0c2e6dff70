"""A memory store's idempotency replies, by the hash of their key."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bookctl.storage.memory.state import freeze, thaw
from bookctl.storage.records import Reply, key_hash
from bookctl.storage.repositories import Replies

if TYPE_CHECKING:
    from bookctl.storage.memory.unit import MemoryUnitOfWork


class MemoryReplies(Replies):
    _unit: MemoryUnitOfWork

    def get(self, key: str) -> Reply | None:
        dump = self._unit.state.replies.get(key_hash(key))
        return None if dump is None else thaw(Reply, dump)

    def add(self, key: str, arguments: str, result: Any) -> None:
        self._unit.require_writable()
        self._unit.state.replies.setdefault(key_hash(key), freeze(Reply(arguments=arguments, result=result)))
