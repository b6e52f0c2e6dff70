"""The file store's cards: the notes, tasks and attachments of contacts, beside their contact shards.
    data/cards/NNNNN.json            the cards of contacts c-(N*256) .. c-(N*256+255)
    data/cards/index.json            task id -> its contact, assignee, due day and state;
                                     attachment id -> its contact (kept by this module from the cards)
    data/attachments/NNNNN/a-M.bin   the bytes of attachment a-M (NNNNN = M // 256)
A card command opens one card shard (and the index when it finds a task or attachment by id)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from bookctl.domain.ids import card_number, contact_number, id_order
from bookctl.errors import StoreError
from bookctl.storage.io import dump_json
from bookctl.storage.repositories import Cards

if TYPE_CHECKING:
    from bookctl.domain.cards import Card
    from bookctl.storage.card_models import CardIndex, CardShard, TaskRef
    from bookctl.storage.files.unit import FileUnitOfWork

CARD_SHARD_SIZE = 256
BLOB_DIR_SIZE = 256

class FileCards(Cards):
    """Card shards and the index, loaded on demand; the index follows each changed card at commit."""

    _unit: FileUnitOfWork

    def __init__(self, unit: FileUnitOfWork) -> None:
        super().__init__(unit)
        self._owners: dict[int, str] = {}  # id() of each card handed out -> its contact
        self._dirty: set[str] = set()  # contacts whose card changed

    def shard_path(self, shard: int) -> Path:
        return self._unit.root / "data" / "cards" / f"{shard:05d}.json"

    def index_path(self) -> Path:
        return self._unit.root / "data" / "cards" / "index.json"

    def blob_path(self, attachment_id: str) -> Path:
        """Where the bytes of `attachment_id` are kept: a name made from the id alone."""
        number = card_number(attachment_id, "a")
        assert number is not None, attachment_id
        return self._unit.root / "data" / "attachments" / f"{number // BLOB_DIR_SIZE:05d}" / f"{attachment_id}.bin"

    def load_shard(self, shard: int) -> CardShard:
        from bookctl.storage.card_models import CARDS_SCHEMA_VERSION, CardShard

        return self._unit.load_file(self.shard_path(shard), CardShard, create=True, check=_check_card_shard,
                                    version=CARDS_SCHEMA_VERSION)  # type: ignore[return-value]

    def index(self) -> CardIndex:
        """Task and attachment ids with the contact each belongs to."""
        from bookctl.storage.card_models import CARDS_SCHEMA_VERSION, CardIndex

        return self._unit.load_file(self.index_path(), CardIndex, create=True, check=_check_index,
                                    version=CARDS_SCHEMA_VERSION)  # type: ignore[return-value]

    def get(self, contact_id_: str) -> Card:
        from bookctl.domain.cards import Card

        number = contact_number(contact_id_)
        assert number is not None, contact_id_
        card = self.load_shard(number // CARD_SHARD_SIZE).cards.setdefault(contact_id_, Card())
        self._owners[id(card)] = contact_id_
        return self._unit.seen("card", card, key=contact_id_)

    def tasks(self) -> dict[str, TaskRef]:
        return dict(self.index().tasks)

    def attachments(self) -> dict[str, str]:
        return dict(self.index().attachments)

    def owner(self, item_id: str) -> str | None:
        if card_number(item_id, "t"):
            ref = self.index().tasks.get(item_id)
            return None if ref is None else ref.contact_id
        return self.index().attachments.get(item_id) if card_number(item_id, "a") else None

    def bytes_location(self, attachment_id: str) -> str:
        return str(self.blob_path(attachment_id))

    def put_bytes(self, attachment_id: str, data: bytes) -> None:
        self._unit.require_writable()
        self._unit.journal.stage(self.blob_path(attachment_id), data)

    def delete_bytes(self, attachment_id: str) -> None:
        self._unit.require_writable()
        self._unit.journal.stage(self.blob_path(attachment_id), None)

    def read_bytes(self, attachment_id: str) -> bytes:
        path = self.blob_path(attachment_id)
        try:
            return path.read_bytes()
        except FileNotFoundError:
            raise StoreError(f"{path}: missing; the attachment's bytes are lost") from None
        except OSError as exc:
            raise StoreError(f"{path}: cannot read: {exc.strerror}") from None

    def write(self, card: Card) -> None:
        self._unit.require_writable()
        self._dirty.add(self._owners[id(card)])

    def stage(self) -> None:
        """Stage each changed card's shard (empty cards dropped) and bring the index in line with it."""
        if not self._dirty:
            return
        from bookctl.storage.card_models import CardShard, TaskRef

        index = self.index()
        for contact_id_ in sorted(self._dirty):
            card = self.get(contact_id_)
            for task_id in [t for t, ref in index.tasks.items() if ref.contact_id == contact_id_]:
                del index.tasks[task_id]
            for file_id in [a for a, owner in index.attachments.items() if owner == contact_id_]:
                del index.attachments[file_id]
            for task in card.tasks:
                index.tasks[task.id] = TaskRef(contact_id=contact_id_, assignee=task.assignee, due=task.due,
                                               done=task.done_at is not None)
            for attachment in card.attachments:
                index.attachments[attachment.id] = contact_id_
        index.tasks = dict(sorted(index.tasks.items(), key=lambda kv: id_order(kv[0])))
        index.attachments = dict(sorted(index.attachments.items(), key=lambda kv: id_order(kv[0])))
        for shard_no in sorted({(contact_number(c) or 0) // CARD_SHARD_SIZE for c in self._dirty}):
            shard = self.load_shard(shard_no)
            kept = {cid: card for cid, card in shard.cards.items() if card.notes or card.tasks or card.attachments}
            data = CardShard(cards=kept).model_dump(mode="json", exclude_none=True) if kept else None
            self._unit.journal.stage(self.shard_path(shard_no), None if data is None else dump_json(data))
        self._unit.journal.stage(self.index_path(), dump_json(index.model_dump(mode="json")))
        self._dirty.clear()


def _check_index(index: CardIndex, path: Path) -> None:
    for section, kind in (("tasks", "t"), ("attachments", "a")):
        for key in getattr(index, section):
            if card_number(key, kind) is None:
                raise StoreError(f"{path}: field {section}.{key}: is not a valid id; the file is damaged")


def _check_card_shard(shard: CardShard, path: Path) -> None:
    """A card in the wrong file, or an id of the wrong kind, is damage rather than a silent loss."""
    shard_no = int(path.stem)
    for key, card in shard.cards.items():
        number = contact_number(key)
        if number is None or number // CARD_SHARD_SIZE != shard_no:
            raise StoreError(f"{path}: field cards.{key}: does not belong in this file")
        for section, kind in (("notes", "n"), ("tasks", "t"), ("attachments", "a")):
            for n, item in enumerate(getattr(card, section)):
                if card_number(item.id, kind) is None:
                    raise StoreError(f"{path}: field cards.{key}.{section}.{n}.id: {item.id!r} is not a valid id; "
                                     "the file is damaged")
