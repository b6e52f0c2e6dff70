"""What a memory store's contact cards hold: notes, tasks and attachments, with the bytes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bookctl.domain.cards import Card
from bookctl.domain.ids import id_order
from bookctl.errors import StoreError
from bookctl.storage.memory.state import thaw
from bookctl.storage.repositories import Cards

if TYPE_CHECKING:
    from bookctl.storage.card_models import TaskRef
    from bookctl.storage.memory.unit import MemoryUnitOfWork


class MemoryCards(Cards):
    _unit: MemoryUnitOfWork

    def get(self, contact_id_: str) -> Card:
        unit = self._unit
        dump = unit.state.cards.get(contact_id_)
        card = unit.known("card", contact_id_, lambda: Card() if dump is None else thaw(Card, dump))
        assert card is not None
        unit.card_handed_out(contact_id_, card)
        return card

    def tasks(self) -> dict[str, TaskRef]:
        from bookctl.storage.card_models import TaskRef

        found = {}
        for contact_id, dump in self._unit.committed().cards.items():
            for task in dump.get("tasks", ()):
                found[task["id"]] = TaskRef(contact_id=contact_id, assignee=task.get("assignee"), due=task.get("due"),
                                            done=task.get("done_at") is not None)
        return dict(sorted(found.items(), key=lambda item: id_order(item[0])))

    def attachments(self) -> dict[str, str]:
        found = {a["id"]: contact_id for contact_id, dump in self._unit.committed().cards.items()
                 for a in dump.get("attachments", ())}
        return dict(sorted(found.items(), key=lambda item: id_order(item[0])))

    def owner(self, item_id: str) -> str | None:
        for contact_id, dump in self._unit.committed().cards.items():
            if any(item["id"] == item_id for part in ("tasks", "attachments") for item in dump.get(part, ())):
                return contact_id
        return None

    def put_bytes(self, attachment_id: str, data: bytes) -> None:
        self._unit.require_writable()
        self._unit.state.blobs[attachment_id] = bytes(data)

    def read_bytes(self, attachment_id: str) -> bytes:
        data = self._unit.state.blobs.get(attachment_id)
        if data is None:
            raise StoreError(f"memory store: no bytes for {attachment_id}; the attachment's bytes are lost")
        return data

    def delete_bytes(self, attachment_id: str) -> None:
        self._unit.require_writable()
        self._unit.state.blobs.pop(attachment_id, None)
