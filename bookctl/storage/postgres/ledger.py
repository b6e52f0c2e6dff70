"""The append-only `ledger` table. A new entry is inserted; the one change ever written is a pending
intent gaining its answer, with the one UPDATE the table's trigger lets through (SETTLE_SQL)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

from bookctl.domain.ids import id_order
from bookctl.domain.payments import LedgerEntry
from bookctl.storage.postgres.rows import LEDGER, Writes
from bookctl.storage.repositories import Ledger

if TYPE_CHECKING:
    from bookctl.storage.postgres.unit import PostgresUnitOfWork

SETTLE_SQL = ("UPDATE ledger SET status = %s, settled_at = %s, reference = %s, card_brand = %s, card_last4 = %s, "
              "failure = %s WHERE id = %s")


def settle_row(entry: LedgerEntry) -> list[object]:
    return [entry.status, entry.settled_at, entry.reference, entry.card_brand, entry.card_last4, entry.failure,
            entry.id]


def invoice_entries(unit: PostgresUnitOfWork, invoice_id_: str) -> list[LedgerEntry]:
    """The entries of an invoice that belongs to no booking, read afresh, in id order."""
    rows = unit._exec(f"SELECT {LEDGER.select} FROM ledger WHERE invoice_id = %s AND booking_id IS NULL",
                      [invoice_id_]).fetchall()
    return sorted((LEDGER.record(r) for r in rows), key=lambda e: id_order(e.id))


class PgLedger(Ledger):
    """New entries until they are inserted, and the entries of invoices read in this unit."""

    _unit: PostgresUnitOfWork

    def __init__(self, unit: PostgresUnitOfWork) -> None:
        super().__init__(unit)
        self._of_invoice: dict[str, LedgerEntry] = {}  # a booking's entries are on the booking
        self._writes = Writes(LEDGER, "entry", update=(SETTLE_SQL, settle_row))

    def of_invoice(self, invoice_id_: str) -> list[LedgerEntry]:
        invoice = self._unit.documents.get_invoice(invoice_id_)
        self._unit._sync()
        found = []
        for entry in invoice_entries(self._unit, invoice.id):
            known = self._of_invoice.get(entry.id)
            if known is None:
                known = entry
                if self._unit.writable:
                    self._of_invoice[entry.id] = entry
                    if entry.status == "pending":  # nothing else may change
                        self._unit.seen("entry", entry)
            found.append(known)
        return found

    def pending_homes(self) -> list[tuple[str, str]]:
        self._unit._sync()
        rows = self._unit._exec("SELECT id, coalesce(booking_id, invoice_id) FROM ledger "
                                "WHERE status = 'pending' AND idempotency_key IS NOT NULL ORDER BY seq").fetchall()
        return [(r[0], r[1]) for r in rows]

    def created_between(self, first: date | None, last: date | None) -> Iterator[tuple[str, str]]:
        self._unit._sync()
        low = datetime(first.year, first.month, 1, tzinfo=UTC) if first else datetime(1, 1, 2, tzinfo=UTC)
        high = _next_month(last) if last else datetime(9999, 12, 30, tzinfo=UTC)
        rows = self._unit._exec("SELECT id, coalesce(booking_id, invoice_id), created_at FROM ledger "
                                "WHERE created_at >= %s AND created_at < %s", [low, high]).fetchall()
        rows.sort(key=lambda r: (f"{r[2].astimezone(UTC):%Y-%m}", r[0]))
        return iter([(r[0], r[1]) for r in rows])

    def _insert(self, entry: LedgerEntry) -> None:
        self._writes.made[entry.id] = entry
        if entry.booking_id is None:
            self._of_invoice[entry.id] = entry

    # --- writing -------------------------------------------------------------------------------
    def write(self, entry: LedgerEntry) -> None:
        """A new entry is inserted as it is now; a settled intent is updated with SETTLE_SQL."""
        self._writes.write(entry)

    def flush(self) -> None:
        self._writes.flush(self._unit)

    def spill(self) -> None:
        """Let go of the invoices' entries: the unit no longer tracks them."""
        self._of_invoice.clear()


def _next_month(day: date) -> datetime:
    return datetime(day.year + (day.month == 12), day.month % 12 + 1, 1, tzinfo=UTC)
