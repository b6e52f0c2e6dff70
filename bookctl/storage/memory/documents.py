"""Invoices and quotes of a memory store, in number order."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from bookctl.domain.invoices import Invoice, Quote, document_number, invoice_id, quote_id
from bookctl.errors import NotFoundError
from bookctl.storage.memory.state import thaw
from bookctl.storage.repositories import Documents

if TYPE_CHECKING:
    from bookctl.storage.memory.unit import MemoryUnitOfWork

# kind: (model, id prefix, id of a number, the state's field)
_KINDS: dict[str, tuple[Any, str, Any, str]] = {
    "invoice": (Invoice, "INV", invoice_id, "invoices"),
    "quote": (Quote, "Q", quote_id, "quotes"),
}


class MemoryDocuments(Documents):
    _unit: MemoryUnitOfWork

    def _insert(self, document: Invoice | Quote) -> None:
        self._unit.hold("invoice" if isinstance(document, Invoice) else "quote", document.id, document)

    def _get(self, kind: str, record_id: str) -> Any:
        model, prefix, id_of, field = _KINDS[kind]
        number = document_number(record_id, prefix)
        found = None
        if number is not None:
            key = id_of(number)
            dump = getattr(self._unit.state, field).get(key)
            found = self._unit.known(kind, key, lambda: None if dump is None else thaw(model, dump))
        if found is None:
            raise NotFoundError(f"no {kind} {record_id!r}")
        return found

    def _ids_of_contact(self, kind: str, contact_id_: str) -> list[str] | None:
        prefix, field = _KINDS[kind][1], _KINDS[kind][3]
        self._unit.sync()  # a scan of the dumps: memory holds no index
        records = getattr(self._unit.state, field)
        return sorted((i for i, d in records.items() if d.get("contact_id") == contact_id_),
                      key=lambda i: document_number(i, prefix) or 0)

    def _all(self, kind: str) -> Iterator[Any]:
        model, prefix, _, field = _KINDS[kind]
        unit = self._unit
        unit.sync()
        records = getattr(unit.state, field)
        for record_id in sorted(records, key=lambda i: document_number(i, prefix) or 0):
            yield self._get(kind, record_id) if unit.writable else thaw(model, records[record_id])
