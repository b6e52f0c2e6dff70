"""Invoices and quotes in the `invoices` and `quotes` tables, each with its number in a column of its
own (INV-0001 is number 1) for the order and the look-up; (contact_id, number) indexes a contact's."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from bookctl.domain.invoices import Invoice, Quote, document_number, invoice_id, quote_id
from bookctl.errors import NotFoundError
from bookctl.storage.postgres.rows import INVOICES, QUOTES, Table, Writes
from bookctl.storage.repositories import Documents

if TYPE_CHECKING:
    from bookctl.storage.postgres.unit import PostgresUnitOfWork

# kind -> (its table, the prefix of its ids, how a number becomes an id)
KINDS: dict[str, tuple[Table, str, Any]] = {"invoice": (INVOICES, "INV", invoice_id), "quote": (QUOTES, "Q", quote_id)}


def numbered(prefix: str) -> Any:  # noqa: ANN401
    """The extra column of a document's row: its number."""
    return lambda document: (document_number(document.id, prefix),)


def all_documents(unit: PostgresUnitOfWork, kind: str) -> Iterator[Any]:
    """Every invoice or quote in number order, read afresh from a server-side cursor."""
    table = KINDS[kind][0]
    return (table.record(row) for row in unit._stream(f"SELECT {table.select} FROM {table.name} ORDER BY number"))


class PgDocuments(Documents):
    """Invoices and quotes by id, as loaded (or made) in this unit."""

    _unit: PostgresUnitOfWork

    def __init__(self, unit: PostgresUnitOfWork) -> None:
        super().__init__(unit)
        self._known: dict[str, dict[str, Any]] = {"invoice": {}, "quote": {}}
        self._writes = {kind: Writes(table, kind, numbered(prefix)) for kind, (table, prefix, _) in KINDS.items()}

    def _get(self, kind: str, record_id: str) -> Any:  # noqa: ANN401
        table, prefix, id_of = KINDS[kind]
        number = document_number(record_id, prefix)
        if number is None:
            raise NotFoundError(f"no {kind} {record_id!r}")
        known = self._known[kind]
        if id_of(number) not in known:
            row = self._unit._exec(f"SELECT {table.select} FROM {table.name} WHERE number = %s", [number]).fetchone()
            if row is None:
                raise NotFoundError(f"no {kind} {record_id!r}")
            known[id_of(number)] = self._unit.seen(kind, table.record(row))
        return known[id_of(number)]

    def _all(self, kind: str) -> Iterator[Any]:
        self._unit._sync()
        known = self._known[kind]
        for document in all_documents(self._unit, kind):
            if document.id not in known:
                known[document.id] = self._unit.seen(kind, document)
            yield known[document.id]

    def _ids_of_contact(self, kind: str, contact_id_: str) -> list[str] | None:
        self._unit._sync()
        table = KINDS[kind][0]
        known = self._known[kind]
        found = []
        for row in self._unit._exec(f"SELECT {table.select} FROM {table.name} WHERE contact_id = %s ORDER BY number",
                                    [contact_id_]).fetchall():
            document = table.record(row)
            if document.id not in known:  # held: verifying them asks nothing more of the server
                known[document.id] = self._unit.seen(kind, document)
            found.append(document.id)
        return found

    def _insert(self, document: Invoice | Quote) -> None:
        kind = "invoice" if isinstance(document, Invoice) else "quote"
        self._known[kind][document.id] = self._writes[kind].made[document.id] = document

    # --- writing -------------------------------------------------------------------------------
    def write(self, document: Invoice | Quote) -> None:
        self._writes["invoice" if isinstance(document, Invoice) else "quote"].write(document)

    def flush(self) -> None:
        self._writes["invoice"].flush(self._unit)
        self._writes["quote"].flush(self._unit)
