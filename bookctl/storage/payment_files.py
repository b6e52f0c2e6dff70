"""The payment side of the file store: ledger entries beside their bookings, invoices, quotes,
the per-month ledger index and idempotency records.

Layout (every file carries `schema_version`):
    data/days/YYYY/YYYY-MM-DD.json   `ledger`: a booking's entries live (and move) with the booking
    data/ledger/YYYY-MM.json         entry id -> booking id for entries created that UTC month,
                                     so `payment list --from/--to` reads only the months asked for
    data/ledger/pending.json         the pending intents: see storage/pending_files.py
    data/invoices/NNNNN.json         invoices INV-(N*256) .. by number; data/quotes/NNNNN.json alike
    data/idempotency/XX.json         hashed idempotency keys (XX: the hash's first two hex digits)
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import UTC, date
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from bookctl.domain.ids import id_order
from bookctl.domain.invoices import Invoice, Quote, document_number, invoice_id, quote_id
from bookctl.domain.models import Booking
from bookctl.domain.payments import LedgerEntry, is_pending_intent
from bookctl.errors import NotFoundError, StoreError
from bookctl.storage.files import dump_json, load_json, validate

SCHEMA_VERSION = 1
DOC_SHARD_SIZE = 256


class LedgerMonth(BaseModel):
    """Which booking each entry created in one UTC month belongs to."""

    model_config = ConfigDict(extra="forbid")

    schema_version: int = SCHEMA_VERSION
    entries: dict[str, str] = Field(default_factory=dict)


class InvoiceShard(BaseModel):
    """Up to DOC_SHARD_SIZE invoices, by number."""

    model_config = ConfigDict(extra="forbid")

    schema_version: int = SCHEMA_VERSION
    invoices: dict[str, Invoice] = Field(default_factory=dict)
    # Payments of invoices that belong to no booking (a booking's live in its day file).
    ledger: dict[str, LedgerEntry] = Field(default_factory=dict)


class QuoteShard(BaseModel):
    """Up to DOC_SHARD_SIZE quotes, by number."""

    model_config = ConfigDict(extra="forbid")

    schema_version: int = SCHEMA_VERSION
    quotes: dict[str, Quote] = Field(default_factory=dict)


class IdempotencyRecord(BaseModel):
    """What a money-moving command answered the first time it ran with a key."""

    model_config = ConfigDict(extra="forbid")

    arguments: str
    result: Any


class IdempotencyShard(BaseModel):
    """Idempotency records whose hashed key starts with the file's two hex digits."""

    model_config = ConfigDict(extra="forbid")

    schema_version: int = SCHEMA_VERSION
    keys: dict[str, IdempotencyRecord] = Field(default_factory=dict)


def key_hash(key: str) -> str:
    """The stored form of an idempotency key."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


class PaymentFiles:
    """Mixed into FileUnitOfWork: loads payment files on demand and stages what changed."""

    root: Path
    _journal: Any

    def _init_payment_files(self) -> None:
        self._pay_files: dict[Path, BaseModel | None] = {}
        self._pay_dirty: set[Path] = set()

    def _pay_load(self, path: Path, model: type[BaseModel], create: bool = False) -> Any:
        if path not in self._pay_files:
            try:
                self._pay_files[path] = validate(model, load_json(path, SCHEMA_VERSION), path)
            except FileNotFoundError:
                self._pay_files[path] = None
            else:
                _check_documents(self._pay_files[path], path)
        if self._pay_files[path] is None and create:
            self._pay_files[path] = model()
        return self._pay_files[path]

    def _pay_touch(self, path: Path) -> None:
        self._writable()  # type: ignore[attr-defined]
        self._pay_dirty.add(path)

    def _stage_payment_files(self) -> None:
        for path in sorted(self._pay_dirty):
            model = self._pay_files[path]
            assert model is not None
            self._journal.stage(path, dump_json(model.model_dump(mode="json", exclude_none=True)))
        self._pay_dirty.clear()

    # --- the ledger index -------------------------------------------------------------------
    def index_entry(self, entry: LedgerEntry) -> None:
        """Note `entry` in the month it was created (UTC), and among the pending intents if it is one."""
        moment = entry.created_at.astimezone(UTC)
        path = self.root / "data" / "ledger" / f"{moment:%Y-%m}.json"
        month = self._pay_load(path, LedgerMonth, create=True)
        month.entries[entry.id] = entry.booking_id or entry.invoice_id or ""
        self._pay_touch(path)
        if is_pending_intent(entry):
            self._index_pending(entry)  # type: ignore[attr-defined] - PendingIntentFiles

    def ledger_entries_between(self, first: date | None, last: date | None) -> Iterator[tuple[str, str]]:
        """(entry id, booking id or, for an invoice with no booking, invoice id) for entries created
        in the UTC months from `first` to `last` (either open-ended); only months with entries are read."""
        folder = self.root / "data" / "ledger"
        months = {p.stem for p in folder.glob("????-??.json")} if folder.is_dir() else set()
        months |= {p.stem for p, f in self._pay_files.items() if p.parent == folder and f is not None}
        low = f"{first:%Y-%m}" if first else ""
        high = f"{last:%Y-%m}" if last else "9999-99"
        for stem in sorted(m for m in months if low <= m <= high):
            found = self._pay_load(folder / f"{stem}.json", LedgerMonth)
            if found is not None:
                yield from sorted(found.entries.items())

    # --- invoices and quotes ----------------------------------------------------------------
    def _doc_path(self, kind: str, number: int) -> Path:
        return self.root / "data" / kind / f"{number // DOC_SHARD_SIZE:05d}.json"

    def get_invoice(self, record_id: str) -> Invoice:
        """The invoice, or NotFoundError."""
        number = document_number(record_id, "INV")
        shard = None if number is None else self._pay_load(self._doc_path("invoices", number), InvoiceShard)
        key = None if number is None else invoice_id(number)
        if shard is None or key not in shard.invoices:
            raise NotFoundError(f"no invoice {record_id!r}")
        return shard.invoices[key]

    def add_invoice(self, **fields: Any) -> Invoice:
        """Create an invoice numbered after the last one."""
        counters = self._load_counters()  # type: ignore[attr-defined]
        counters.invoices += 1
        invoice = Invoice(id=invoice_id(counters.invoices), **fields)
        path = self._doc_path("invoices", counters.invoices)
        shard = self._pay_load(path, InvoiceShard, create=True)
        if invoice.id in shard.invoices:
            raise StoreError(f"{self.root / 'data' / 'counters.json'}: field invoices: is behind {invoice.id}; "
                             "the file is damaged")
        shard.invoices[invoice.id] = invoice
        self._pay_touch(path)
        self._stage_counters()  # type: ignore[attr-defined]
        return invoice

    def save_invoice(self, invoice: Invoice) -> None:
        """Write a changed invoice back at commit."""
        number = document_number(invoice.id, "INV")
        assert number is not None
        self._pay_touch(self._doc_path("invoices", number))

    def add_invoice_entry(self, invoice: Invoice, **fields: Any) -> LedgerEntry:
        """Record a payment of an invoice that belongs to no booking (its id: p-INV-0001-1)."""
        number = document_number(invoice.id, "INV")
        assert number is not None and invoice.booking_id is None
        path = self._doc_path("invoices", number)
        shard = self._pay_load(path, InvoiceShard)
        seq = 1 + sum(1 for e in shard.ledger.values() if e.invoice_id == invoice.id)
        entry = LedgerEntry(id=f"p-{invoice.id}-{seq}", booking_id=None, contact_id=invoice.contact_id,
                            invoice_id=invoice.id, **fields)
        shard.ledger[entry.id] = entry
        self._pay_touch(path)
        self.index_entry(entry)
        return entry

    def save_invoice_entry(self, entry: LedgerEntry) -> None:
        """Write a settled intent of an invoice with no booking back at commit."""
        number = document_number(entry.invoice_id or "", "INV")
        assert number is not None
        self._pay_touch(self._doc_path("invoices", number))
        self._index_pending(entry)  # type: ignore[attr-defined] - PendingIntentFiles

    def invoice_entries(self, record_id: str) -> list[LedgerEntry]:
        """The ledger entries kept with an invoice that belongs to no booking."""
        invoice = self.get_invoice(record_id)
        number = document_number(invoice.id, "INV")
        assert number is not None
        shard = self._pay_load(self._doc_path("invoices", number), InvoiceShard)
        return sorted((e for e in shard.ledger.values() if e.invoice_id == invoice.id), key=lambda e: id_order(e.id))

    def iter_invoices(self) -> Iterator[Invoice]:
        """Every invoice, in number order."""
        yield from self._iter_docs("invoices", InvoiceShard)

    def get_quote(self, record_id: str) -> Quote:
        """The quote, or NotFoundError."""
        number = document_number(record_id, "Q")
        shard = None if number is None else self._pay_load(self._doc_path("quotes", number), QuoteShard)
        key = None if number is None else quote_id(number)
        if shard is None or key not in shard.quotes:
            raise NotFoundError(f"no quote {record_id!r}")
        return shard.quotes[key]

    def add_quote(self, **fields: Any) -> Quote:
        """Create a quote numbered after the last one."""
        counters = self._load_counters()  # type: ignore[attr-defined]
        counters.quotes += 1
        quote = Quote(id=quote_id(counters.quotes), **fields)
        path = self._doc_path("quotes", counters.quotes)
        shard = self._pay_load(path, QuoteShard, create=True)
        shard.quotes[quote.id] = quote
        self._pay_touch(path)
        self._stage_counters()  # type: ignore[attr-defined]
        return quote

    def save_quote(self, quote: Quote) -> None:
        """Write a changed quote back at commit."""
        number = document_number(quote.id, "Q")
        assert number is not None
        self._pay_touch(self._doc_path("quotes", number))

    def iter_quotes(self) -> Iterator[Quote]:
        """Every quote, in number order."""
        yield from self._iter_docs("quotes", QuoteShard)

    def _iter_docs(self, kind: str, model: type[BaseModel]) -> Iterator[Any]:
        folder = self.root / "data" / kind
        on_disk = sorted(int(p.stem) for p in folder.glob("*.json") if p.stem.isdigit()) if folder.is_dir() else []
        pending = {int(p.stem) for p in self._pay_files if p.parent == folder and self._pay_files[p] is not None}
        for shard_no in sorted(set(on_disk) | pending):
            shard = self._pay_load(folder / f"{shard_no:05d}.json", model)
            if shard is not None:
                records = getattr(shard, kind)
                yield from (records[k] for k in sorted(records))

    # --- idempotency ------------------------------------------------------------------------
    def _key_path(self, hashed: str) -> Path:
        return self.root / "data" / "idempotency" / f"{hashed[:2]}.json"

    def idempotent_result(self, key: str) -> IdempotencyRecord | None:
        """What the first command with `key` answered, if one ran."""
        hashed = key_hash(key)
        shard = self._pay_load(self._key_path(hashed), IdempotencyShard)
        return None if shard is None else shard.keys.get(hashed)

    def remember_result(self, key: str, arguments: str, result: Any) -> None:
        """Keep the answer to `key` so a retry gets it again."""
        hashed = key_hash(key)
        path = self._key_path(hashed)
        shard = self._pay_load(path, IdempotencyShard, create=True)
        shard.keys[hashed] = IdempotencyRecord(arguments=arguments, result=result)
        self._pay_touch(path)


def _check_documents(shard: BaseModel | None, path: Path) -> None:
    """A record under another record's key, or in another shard, is damage (it would be lost)."""
    if not isinstance(shard, InvoiceShard | QuoteShard):
        return
    records = shard.invoices if isinstance(shard, InvoiceShard) else shard.quotes
    prefix = "INV" if isinstance(shard, InvoiceShard) else "Q"
    for key, record in records.items():
        number = document_number(key, prefix)
        if key != record.id or number is None or f"{number // DOC_SHARD_SIZE:05d}" != path.stem:
            raise StoreError(f"{path}: field {'invoices' if prefix == 'INV' else 'quotes'}.{key}: "
                             "does not belong in this file")
    for key, entry in getattr(shard, "ledger", {}).items():
        if key != entry.id or entry.invoice_id not in records:
            raise StoreError(f"{path}: field ledger.{key}: its invoice {entry.invoice_id} is not in this file")


def attach_ledger(bookings: dict[str, Booking], ledger: dict[str, LedgerEntry], path: Path) -> None:
    """Give each booking of a day file its entries (oldest first); an entry with no booking is damage."""
    for booking in bookings.values():
        booking.ledger_entries.clear()
    for key in sorted(ledger, key=lambda k: (ledger[k].created_at, id_order(k))):
        entry = ledger[key]
        if key != entry.id or entry.booking_id not in bookings:
            raise StoreError(f"{path}: field ledger.{key}: its booking {entry.booking_id} is not in this file")
        bookings[entry.booking_id].ledger_entries.append(entry)
