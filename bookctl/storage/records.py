"""Records that are the store's own rather than the business's: idempotency replies."""

from __future__ import annotations

import hashlib
from typing import Any

from pydantic import BaseModel, ConfigDict


class Reply(BaseModel):
    """What a money-moving command answered the first time it ran with an idempotency key."""

    model_config = ConfigDict(extra="forbid")

    arguments: str
    result: Any = None  # the file store leaves a None out of its files


def key_hash(key: str) -> str:
    """The stored form of an idempotency key: its sha256, so a key never sits in the store as typed."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()
