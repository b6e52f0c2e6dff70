"""What a contact's card holds in the `notes`, `tasks` and `attachments` tables (a row per item, its
place on the card in `position`), and the attachments' bytes in `attachment_blobs`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from bookctl.domain.ids import id_order
from bookctl.errors import StoreError
from bookctl.storage.postgres.rows import card_insert_sql
from bookctl.storage.repositories import Cards

if TYPE_CHECKING:
    from bookctl.domain.cards import Card
    from bookctl.storage.card_models import TaskRef
    from bookctl.storage.postgres.unit import PostgresUnitOfWork

CARD_TABLES = ("notes", "tasks", "attachments")


def card_fields() -> dict[str, list[str]]:
    """The fields (and columns) of each card table's items."""
    from bookctl.domain.cards import Attachment, Note, Task

    return {"notes": list(Note.model_fields), "tasks": list(Task.model_fields),
            "attachments": list(Attachment.model_fields)}


def read_card(unit: PostgresUnitOfWork, contact_id: str) -> Card:
    """The card of `contact_id` as stored (an empty one if it holds nothing)."""
    from bookctl.domain.cards import Card

    parts: dict[str, list[Any]] = {}
    for table, fields in card_fields().items():
        columns = ", ".join(f'"{f}"' for f in fields)
        rows = unit._exec(f'SELECT {columns} FROM {table} WHERE contact_id = %s ORDER BY "position"',
                          [contact_id]).fetchall()
        parts[table] = [{f: v for f, v in zip(fields, row, strict=True) if v is not None} for row in rows]
    try:
        return Card.model_validate(parts)
    except ValidationError as exc:
        raise StoreError(f"database card of {contact_id}: {exc.errors()[0]['msg']}") from None


def card_rows(contact_id: str, card: Card) -> dict[str, list[list[object]]]:
    """The rows of each card table that hold `card`."""
    return {table: [[contact_id, n, *(getattr(item, f) for f in fields)] for n, item in enumerate(getattr(card, table))]
            for table, fields in card_fields().items()}


def lost_bytes(attachment_id: str) -> StoreError:
    return StoreError(f"database table attachment_blobs: no bytes for {attachment_id}; the attachment's "
                      "bytes are lost")


class PgCards(Cards):
    """Cards by contact id, as loaded in this unit; bytes to write (None: to delete) until the flush."""

    _unit: PostgresUnitOfWork

    def __init__(self, unit: PostgresUnitOfWork) -> None:
        super().__init__(unit)
        self._cards: dict[str, Card] = {}
        self._owners: dict[int, str] = {}  # id() of a card handed out -> its contact
        self._changed: set[str] = set()
        self._bytes: dict[str, bytes | None] = {}

    def get(self, contact_id_: str) -> Card:
        if contact_id_ not in self._cards:
            card = self._cards[contact_id_] = self._unit.seen("card", read_card(self._unit, contact_id_),
                                                              key=contact_id_)
            self._owners[id(card)] = contact_id_
        return self._cards[contact_id_]

    def tasks(self) -> dict[str, TaskRef]:
        from bookctl.storage.card_models import TaskRef

        self._unit._sync()
        rows = self._unit._exec("SELECT id, contact_id, assignee, due, done_at IS NOT NULL FROM tasks").fetchall()
        return {r[0]: TaskRef(contact_id=r[1], assignee=r[2], due=r[3], done=r[4])
                for r in sorted(rows, key=lambda r: id_order(r[0]))}

    def attachments(self) -> dict[str, str]:
        self._unit._sync()
        rows = self._unit._exec("SELECT id, contact_id FROM attachments").fetchall()
        return {r[0]: r[1] for r in sorted(rows, key=lambda r: id_order(r[0]))}

    def owner(self, item_id: str) -> str | None:
        self._unit._sync()
        row = self._unit._exec("SELECT contact_id FROM tasks WHERE id = %s UNION ALL "
                               "SELECT contact_id FROM attachments WHERE id = %s LIMIT 1", [item_id, item_id]).fetchone()
        return None if row is None else row[0]

    def put_bytes(self, attachment_id: str, data: bytes) -> None:
        self._unit.require_writable()
        self._bytes[attachment_id] = data

    def read_bytes(self, attachment_id: str) -> bytes:
        pending = self._bytes.get(attachment_id)
        if pending is not None:
            return pending
        if attachment_id in self._bytes:
            raise lost_bytes(attachment_id)
        row = self._unit._exec("SELECT data FROM attachment_blobs WHERE id = %s", [attachment_id]).fetchone()
        if row is None:
            raise lost_bytes(attachment_id)
        return bytes(row[0])

    def delete_bytes(self, attachment_id: str) -> None:
        self._unit.require_writable()
        self._bytes[attachment_id] = None

    def bytes_location(self, attachment_id: str) -> str:
        return f"database table attachment_blobs, row {attachment_id}"

    # --- writing -------------------------------------------------------------------------------
    def write(self, card: Card) -> None:
        self._changed.add(self._owners[id(card)])

    def flush(self) -> None:
        """Each changed card replaces its rows; then the bytes."""
        for contact_id in sorted(self._changed):
            for table, rows in card_rows(contact_id, self._cards[contact_id]).items():
                self._unit._exec(f"DELETE FROM {table} WHERE contact_id = %s", [contact_id])
                self._unit._exec_many(card_insert_sql(table, card_fields()[table]), rows)
        self._changed.clear()
        for attachment_id, data in sorted(self._bytes.items()):
            self._unit._exec("DELETE FROM attachment_blobs WHERE id = %s", [attachment_id])
            if data is not None:
                self._unit._exec("INSERT INTO attachment_blobs (id, data) VALUES (%s, %s)", [attachment_id, data])
        self._bytes.clear()
