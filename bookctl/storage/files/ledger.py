"""The file store's ledger. A booking's entries live (and move) with it in its day file; the entries of
an invoice that belongs to no booking live with the invoice. Two indexes, staged in the same commit:
    data/ledger/YYYY-MM.json    entry id -> booking id (or invoice id) of the entries created that
                                UTC month, so `payment list --from/--to` reads only those months
    data/ledger/pending.json    the same for every pending intent, for `payment reconcile` and doctor
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from datetime import UTC, date
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field

from bookctl.domain.ids import id_order
from bookctl.domain.payments import LedgerEntry, is_pending_intent
from bookctl.storage.repositories import Ledger

if TYPE_CHECKING:
    from bookctl.storage.files.unit import FileUnitOfWork


class LedgerMonth(BaseModel):
    """Which booking (or invoice) each entry created in one UTC month belongs to."""

    model_config = ConfigDict(extra="forbid")

    schema_version: int = 1
    entries: dict[str, str] = Field(default_factory=dict)


@functools.cache
def pending_model() -> type[BaseModel]:
    """`pending.json`'s model, built on first use: commands that move no money never pay for it."""

    class PendingIntents(BaseModel):
        """Where each pending intent lives: booking id, or invoice id for an invoice with no booking."""

        model_config = ConfigDict(extra="forbid")

        schema_version: int = 1
        entries: dict[str, str] = Field(default_factory=dict)

    return PendingIntents


class FileLedger(Ledger):
    """Entries in their home files, and the month and pending indexes."""

    _unit: FileUnitOfWork

    def _folder(self) -> Path:
        return self._unit.root / "data" / "ledger"

    def of_invoice(self, invoice_id_: str) -> list[LedgerEntry]:
        invoice = self._unit.documents.get_invoice(invoice_id_)
        shard = self._unit.documents.invoice_shard(invoice.id)
        entries = sorted((e for e in shard.ledger.values() if e.invoice_id == invoice.id), key=lambda e: id_order(e.id))
        for entry in entries:
            if entry.status == "pending":
                self._unit.seen("entry", entry)
        return entries

    def pending_homes(self) -> list[tuple[str, str]]:
        pending = self._unit.load_file(self._folder() / "pending.json", pending_model())
        return [] if pending is None else sorted(pending.entries.items(), key=lambda kv: id_order(kv[0]))  # type: ignore[attr-defined]

    def created_between(self, first: date | None, last: date | None) -> Iterator[tuple[str, str]]:
        """Only the months with entries are read."""
        folder = self._folder()
        months = {p.stem for p in folder.glob("????-??.json")} if folder.is_dir() else set()
        months |= {p.stem for p in self._unit.loaded(folder) if p.stem != "pending"}
        low = f"{first:%Y-%m}" if first else ""
        high = f"{last:%Y-%m}" if last else "9999-99"
        for stem in sorted(m for m in months if low <= m <= high):
            found = self._unit.load_file(folder / f"{stem}.json", LedgerMonth)
            if found is not None:
                yield from sorted(found.entries.items())

    def _insert(self, entry: LedgerEntry) -> None:
        if entry.booking_id is not None:
            booking = self._unit.calendar.get_booking(entry.booking_id)
            day_file = self._unit.calendar.day_of(booking)
            day_file.ledger[entry.id] = entry
            self._unit.calendar.touch_day(day_file.day)
        else:
            shard = self._unit.documents.invoice_shard(entry.invoice_id or "")
            shard.ledger[entry.id] = entry
            self._unit.documents.touch_invoice(entry.invoice_id or "")
        self.index(entry)

    def index(self, entry: LedgerEntry) -> None:
        """Note `entry` in the month it was created (UTC), and among the pending intents if it is one."""
        moment = entry.created_at.astimezone(UTC)
        path = self._folder() / f"{moment:%Y-%m}.json"
        month = self._unit.load_file(path, LedgerMonth, create=True)
        month.entries[entry.id] = entry.booking_id or entry.invoice_id or ""  # type: ignore[union-attr]
        self._unit.touch(path)
        if is_pending_intent(entry):
            self._index_pending(entry)

    def write(self, entry: LedgerEntry) -> None:
        """A new entry is in its home already; a settled intent leaves the pending index."""
        if entry.booking_id is not None:
            booking = self._unit.calendar.get_booking(entry.booking_id)
            self._unit.calendar.touch_day(self._unit.calendar.day_of(booking).day)
        else:
            self._unit.documents.touch_invoice(entry.invoice_id or "")
        self._index_pending(entry)

    def _index_pending(self, entry: LedgerEntry) -> None:
        path = self._folder() / "pending.json"
        pending = self._unit.load_file(path, pending_model(), create=True)
        if is_pending_intent(entry):
            pending.entries[entry.id] = entry.booking_id or entry.invoice_id or ""  # type: ignore[union-attr]
        elif entry.id not in pending.entries:  # type: ignore[union-attr]
            return
        else:
            del pending.entries[entry.id]  # type: ignore[union-attr]
        self._unit.touch(path)

