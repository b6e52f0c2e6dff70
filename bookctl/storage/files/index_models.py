"""The models of the label index and of the contact -> documents index (imported only when one is read
or written; see storage/files/labels.py and storage/files/contact_documents.py)."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from bookctl.storage.card_models import ContactId

INDEX_SCHEMA_VERSION = 1
InvoiceId = Annotated[str, Field(pattern=r"^INV-\d{4,}$")]
QuoteId = Annotated[str, Field(pattern=r"^Q-\d{4,}$")]


class LabelBucket(BaseModel):
    """The folded labels of one bucket, each with the contacts having it, in id order."""

    model_config = ConfigDict(extra="forbid")

    schema_version: int = INDEX_SCHEMA_VERSION
    labels: dict[str, list[ContactId]] = Field(default_factory=dict)


class ContactDocumentsShard(BaseModel):
    """The invoices and quotes, in number order, of the contacts of one contact shard (by contact id)."""

    model_config = ConfigDict(extra="forbid")

    schema_version: int = INDEX_SCHEMA_VERSION
    invoices: dict[ContactId, list[InvoiceId]] = Field(default_factory=dict)
    quotes: dict[ContactId, list[QuoteId]] = Field(default_factory=dict)


class IndexMeta(BaseModel):
    """Present once an index covers every record of the store."""

    model_config = ConfigDict(extra="forbid")

    schema_version: int = INDEX_SCHEMA_VERSION
    complete: bool = True
