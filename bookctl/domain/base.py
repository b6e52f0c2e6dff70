"""The base of every stored record."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Record(BaseModel):
    """A stored record: unknown keys in a hand-edited file are an error, not silently dropped."""

    model_config = ConfigDict(extra="forbid")
