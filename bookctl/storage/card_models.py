"""The card files' models (imported only by commands that open a card)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from bookctl.domain.cards import Card

CARDS_SCHEMA_VERSION = 1
ContactId = Annotated[str, Field(pattern=r"^c-[1-9]\d{0,8}$")]


class CardShard(BaseModel):
    """The cards of up to CARD_SHARD_SIZE contacts, by contact id."""

    model_config = ConfigDict(extra="forbid")

    schema_version: int = CARDS_SCHEMA_VERSION
    cards: dict[str, Card] = Field(default_factory=dict)


class TaskRef(BaseModel):
    """What `task list` across contacts filters on, so it opens only the cards it shows."""

    model_config = ConfigDict(extra="forbid")

    contact_id: ContactId
    assignee: str | None = None
    due: date | None = None
    done: bool = False


class CardIndex(BaseModel):
    """Where each task and attachment lives: ids are store-wide, cards are per contact."""

    model_config = ConfigDict(extra="forbid")

    schema_version: int = CARDS_SCHEMA_VERSION
    tasks: dict[str, TaskRef] = Field(default_factory=dict)
    attachments: dict[str, ContactId] = Field(default_factory=dict)
