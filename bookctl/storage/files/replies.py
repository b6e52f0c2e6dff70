"""The file store's idempotency replies: `data/idempotency/XX.json` holds the replies whose hashed key
starts with the two hex digits XX (a key is never stored as typed)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field

from bookctl.storage.records import Reply, key_hash
from bookctl.storage.repositories import Replies

if TYPE_CHECKING:
    from bookctl.storage.files.unit import FileUnitOfWork


class ReplyShard(BaseModel):
    """Replies whose hashed key starts with the file's two hex digits."""

    model_config = ConfigDict(extra="forbid")

    schema_version: int = 1
    keys: dict[str, Reply] = Field(default_factory=dict)


class FileReplies(Replies):
    _unit: FileUnitOfWork

    def path(self, hashed: str) -> Path:
        return self._unit.root / "data" / "idempotency" / f"{hashed[:2]}.json"

    def get(self, key: str) -> Reply | None:
        hashed = key_hash(key)
        shard = self._unit.load_file(self.path(hashed), ReplyShard)
        return None if shard is None else shard.keys.get(hashed)

    def add(self, key: str, arguments: str, result: Any) -> None:  # noqa: ANN401
        self.put(key_hash(key), Reply(arguments=arguments, result=result))

    def put(self, hashed: str, reply: Reply) -> None:
        """Keep `reply` under an already hashed key (a copy of another store's)."""
        path = self.path(hashed)
        shard = self._unit.load_file(path, ReplyShard, create=True)
        shard.keys[hashed] = reply  # type: ignore[union-attr]
        self._unit.touch(path)

    def all(self) -> Iterator[tuple[str, Reply]]:
        """(hashed key, reply) of every reply, in hash order."""
        folder = self._unit.root / "data" / "idempotency"
        for path in sorted(folder.glob("??.json")) if folder.is_dir() else []:
            shard = self._unit.load_file(path, ReplyShard)
            yield from sorted(shard.keys.items()) if shard is not None else ()
