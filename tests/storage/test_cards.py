"""uow.cards on every backend: notes, tasks and attachments with their bytes, and the task index."""

from __future__ import annotations

import pytest

from bookctl.domain.cards import Attachment, Card, Note, Task
from bookctl.errors import StoreError
from bookctl.storage.card_models import TaskRef
from tests.storage.conftest import DAY, NOW, add_contact


def test_a_card_holds_notes_tasks_and_attachments_with_ids_of_their_own(store):
    with store.write() as uow:
        ada, bea = add_contact(uow, "Ada"), add_contact(uow, "Bea")
        assert uow.cards.get(ada.id) == Card()
        card = uow.cards.get(ada.id)
        note_id, task_id, file_id = uow.cards.new_id("n"), uow.cards.new_id("t"), uow.cards.new_id("a")
        assert (note_id, task_id, file_id) == ("n-1", "t-1", "a-1")
        card.notes.append(Note(id=note_id, text="Knee", type="call-summary", author="giulia", created_at=NOW))
        card.tasks.append(Task(id=task_id, text="Call back", assignee="giulia", due=DAY, created_at=NOW))
        card.attachments.append(Attachment(id=file_id, name="scan.pdf", size=4, media_type="application/pdf",
                                           sha256="b" * 64, created_at=NOW))
        uow.cards.put_bytes(file_id, b"%PDF")
        other = uow.cards.get(bea.id)
        other.tasks.append(Task(id=uow.cards.new_id("t"), text="Welcome", created_at=NOW, done_at=NOW))
        uow.commit()
    with store.read() as uow:
        card = uow.cards.get(ada.id)
        assert [(n.id, n.text, n.type) for n in card.notes] == [("n-1", "Knee", "call-summary")]
        assert [(t.id, t.due) for t in card.tasks] == [("t-1", DAY)]
        assert [(a.id, a.name, a.size) for a in card.attachments] == [("a-1", "scan.pdf", 4)]
        assert uow.cards.tasks() == {"t-1": TaskRef(contact_id=ada.id, assignee="giulia", due=DAY, done=False),
                                     "t-2": TaskRef(contact_id=bea.id, done=True)}
        assert uow.cards.attachments() == {"a-1": ada.id}
        assert (uow.cards.owner("t-1"), uow.cards.owner("t-2"), uow.cards.owner("a-1")) == (ada.id, bea.id, ada.id)
        assert uow.cards.owner("t-9") is None
        assert uow.cards.read_bytes("a-1") == b"%PDF"
        assert uow.cards.get("c-3") == Card()
    with store.write() as uow:
        assert uow.cards.new_id("n") == "n-2"
        card = uow.cards.get(ada.id)
        card.attachments.clear()
        card.tasks[0].done_at = NOW
        uow.cards.delete_bytes("a-1")
        uow.commit()
    with store.read() as uow:
        assert uow.cards.attachments() == {}
        assert uow.cards.owner("a-1") is None
        assert uow.cards.tasks()["t-1"].done is True
        with pytest.raises(StoreError, match="a-1"):
            uow.cards.read_bytes("a-1")
