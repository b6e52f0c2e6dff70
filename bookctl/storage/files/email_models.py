"""The email index's models (imported only when the index is read or written)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from bookctl.storage.card_models import ContactId

EMAILS_SCHEMA_VERSION = 1


class EmailBucket(BaseModel):
    """The emails of one bucket, with the contacts that have each as their primary email."""

    model_config = ConfigDict(extra="forbid")

    schema_version: int = EMAILS_SCHEMA_VERSION
    emails: dict[str, list[ContactId]] = Field(default_factory=dict)


class EmailIndexMeta(BaseModel):
    """Present once the index covers every contact of the store."""

    model_config = ConfigDict(extra="forbid")

    schema_version: int = EMAILS_SCHEMA_VERSION
    complete: bool = True
