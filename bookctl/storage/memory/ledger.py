"""The ledger of a memory store: entries beside their booking or invoice, in the order written."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

from bookctl.domain.ids import id_order
from bookctl.domain.payments import LedgerEntry
from bookctl.storage.memory.state import thaw
from bookctl.storage.repositories import Ledger

if TYPE_CHECKING:
    from bookctl.storage.memory.unit import MemoryUnitOfWork


class MemoryLedger(Ledger):
    _unit: MemoryUnitOfWork

    def of_invoice(self, invoice_id_: str) -> list[LedgerEntry]:
        self._unit.sync()
        return sorted((e for e in self.entries_of(invoice_id_) if e.booking_id is None), key=lambda e: id_order(e.id))

    def pending_homes(self) -> list[tuple[str, str]]:
        self._unit.sync()
        return [(d["id"], d["booking_id"] or d["invoice_id"]) for d in self._unit.state.entries.values()
                if d["status"] == "pending" and d.get("idempotency_key") is not None]

    def created_between(self, first: date | None, last: date | None) -> Iterator[tuple[str, str]]:
        self._unit.sync()
        low = f"{first:%Y-%m}" if first else "0000-00"
        high = f"{last:%Y-%m}" if last else "9999-99"
        found = []
        for dump in self._unit.state.entries.values():
            month = f"{datetime.fromisoformat(dump['created_at']).astimezone(UTC):%Y-%m}"
            if low <= month <= high:
                found.append((month, dump["id"], dump["booking_id"] or dump["invoice_id"]))
        return iter([(entry_id, home) for _, entry_id, home in sorted(found)])

    def _insert(self, entry: LedgerEntry) -> None:
        self._unit.hold("entry", entry.id, entry)

    # --- for the calendar and dump() -----------------------------------------------------------------
    def entries_of(self, home_id: str) -> list[LedgerEntry]:
        """The entries of a booking (or of an invoice with none) as this unit hands them out, oldest
        first; a pending one is tracked, since only a pending intent may change."""
        unit = self._unit
        found = []
        for dump in unit.state.entries_of(home_id):
            entry = unit.known("entry", dump["id"], lambda d=dump: thaw(LedgerEntry, d), track=False)
            assert entry is not None
            if entry.status == "pending":
                unit.seen("entry", entry)
            found.append(entry)
        return sorted(found, key=lambda e: (e.created_at, id_order(e.id)))
