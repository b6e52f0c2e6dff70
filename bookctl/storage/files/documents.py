"""The file store's invoices and quotes:
    data/invoices/NNNNN.json   invoices INV-(N*256) .. by number, with the ledger entries of those
                               that belong to no booking (a booking's live in its day file)
    data/quotes/NNNNN.json     quotes alike
    data/contact-documents/    each contact's invoice and quote ids (files/contact_documents.py)
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field

from bookctl.domain.invoices import Invoice, Quote, document_number, invoice_id, quote_id
from bookctl.domain.payments import LedgerEntry
from bookctl.errors import NotFoundError, StoreError
from bookctl.storage.files.contact_documents import ContactDocumentIndexFiles
from bookctl.storage.repositories import Documents

if TYPE_CHECKING:
    from bookctl.storage.files.unit import FileUnitOfWork

DOC_SHARD_SIZE = 256


class InvoiceShard(BaseModel):
    """Up to DOC_SHARD_SIZE invoices, by number."""

    model_config = ConfigDict(extra="forbid")

    schema_version: int = 1
    invoices: dict[str, Invoice] = Field(default_factory=dict)
    ledger: dict[str, LedgerEntry] = Field(default_factory=dict)


class QuoteShard(BaseModel):
    """Up to DOC_SHARD_SIZE quotes, by number."""

    model_config = ConfigDict(extra="forbid")

    schema_version: int = 1
    quotes: dict[str, Quote] = Field(default_factory=dict)


# kind -> (folder, shard model, id prefix, the id of number N)
KINDS: dict[str, tuple[str, type[BaseModel], str, Any]] = {
    "invoice": ("invoices", InvoiceShard, "INV", invoice_id), "quote": ("quotes", QuoteShard, "Q", quote_id)}


class FileDocuments(ContactDocumentIndexFiles, Documents):
    """Document shards, loaded on demand; the contact-documents index follows them at staging."""

    _unit: FileUnitOfWork

    def __init__(self, unit: FileUnitOfWork) -> None:
        super().__init__(unit)
        self._init_index()

    def path(self, kind: str, number: int) -> Path:
        """The shard file that holds document `number` of `kind`."""
        return self._unit.root / "data" / KINDS[kind][0] / f"{number // DOC_SHARD_SIZE:05d}.json"

    def _shard(self, kind: str, number: int, create: bool = False) -> Any:  # noqa: ANN401
        return self._load(kind, self.path(kind, number), create)

    def _load(self, kind: str, path: Path, create: bool = False) -> Any:  # noqa: ANN401
        shard = self._unit.load_file(path, KINDS[kind][1], create=create, check=check_documents)
        self._note_loaded(kind, path, shard)
        return shard

    def _get(self, kind: str, record_id: str) -> Any:  # noqa: ANN401
        folder, _, prefix, make_id = KINDS[kind]
        number = document_number(record_id, prefix)
        shard = None if number is None else self._shard(kind, number)
        key = None if number is None else make_id(number)
        if shard is None or key not in getattr(shard, folder):
            raise NotFoundError(f"no {kind} {record_id!r}")
        return self._unit.seen(kind, getattr(shard, folder)[key])

    def _all(self, kind: str) -> Iterator[Any]:
        return (self._unit.seen(kind, record) for record in self.every(kind))

    def every(self, kind: str) -> Iterator[Any]:
        """Every "invoice" or "quote" in number order, untracked: for the store's own indexes."""
        folder_name, _, prefix, _ = KINDS[kind]
        folder = self._unit.root / "data" / folder_name
        on_disk = {int(p.stem) for p in folder.glob("*.json") if p.stem.isdigit()} if folder.is_dir() else set()
        for shard_no in sorted(on_disk | {int(p.stem) for p in self._unit.loaded(folder)}):
            shard = self._load(kind, folder / f"{shard_no:05d}.json")
            if shard is not None:
                records = getattr(shard, folder_name)
                yield from (records[k] for k in sorted(records, key=lambda k: document_number(k, prefix) or 0))

    def invoice_shard(self, record_id: str) -> InvoiceShard:
        """The loaded shard of an existing invoice (its entries are kept there too)."""
        number = document_number(record_id, "INV")
        assert number is not None, record_id
        return self._shard("invoice", number)

    def touch_invoice(self, record_id: str) -> None:
        number = document_number(record_id, "INV")
        assert number is not None, record_id
        self._unit.touch(self.path("invoice", number))

    def _insert(self, document: Invoice | Quote) -> None:
        kind = "invoice" if isinstance(document, Invoice) else "quote"
        folder, _, prefix, _ = KINDS[kind]
        number = document_number(document.id, prefix)
        assert number is not None, document.id
        records = getattr(self._shard(kind, number, create=True), folder)
        if document.id in records:
            raise StoreError(f"{self._unit.root / 'data' / 'counters.json'}: field {folder}: is behind {document.id}; "
                             "the file is damaged")
        records[document.id] = document

    def write(self, document: Invoice | Quote) -> None:
        kind = "invoice" if isinstance(document, Invoice) else "quote"
        number = document_number(document.id, KINDS[kind][2])
        assert number is not None, document.id
        self._unit.touch(self.path(kind, number))

    def stage(self) -> None:
        """Bring the contact-documents index to the shards the coming commit writes, and stage it."""
        self._stage_index()


def check_documents(shard: BaseModel, path: Path) -> None:
    """A record under another record's key, or in another shard, is damage (it would be lost)."""
    records = shard.invoices if isinstance(shard, InvoiceShard) else shard.quotes  # type: ignore[attr-defined]
    prefix = "INV" if isinstance(shard, InvoiceShard) else "Q"
    for key, record in records.items():
        number = document_number(key, prefix)
        if key != record.id or number is None or f"{number // DOC_SHARD_SIZE:05d}" != path.stem:
            raise StoreError(f"{path}: field {'invoices' if prefix == 'INV' else 'quotes'}.{key}: "
                             "does not belong in this file")
    for key, entry in getattr(shard, "ledger", {}).items():
        if key != entry.id or entry.invoice_id not in records:
            raise StoreError(f"{path}: field ledger.{key}: its invoice {entry.invoice_id} is not in this file")
