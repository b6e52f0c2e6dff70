"""The models of the label index and of the contact -> documents index (imported only when one is read
or written; see storage/files/labels.py and storage/files/contact_documents.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from bookctl.storage.card_models import ContactId
from bookctl.storage.io import load_json, validate

M = TypeVar("M", bound=BaseModel)

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


def index_file(path: Path, model: type[M]) -> M:
    """The index file at `path`, checked; an empty `model` when it was never written."""
    try:
        return validate(model, load_json(path, INDEX_SCHEMA_VERSION), path)
    except FileNotFoundError:
        return model()


def index_complete(folder: Path) -> bool:
    """Whether the index in `folder` covers every record (its index.json says so once it was built)."""
    path = folder / "index.json"
    try:
        validate(IndexMeta, load_json(path, INDEX_SCHEMA_VERSION), path)
    except FileNotFoundError:
        return False
    return True
