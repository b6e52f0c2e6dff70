"""Card files: the notes, tasks and attachments of contacts, beside their contact shards.

Layout (every JSON file carries `schema_version`):
    data/cards/NNNNN.json               the cards of contacts c-(N*256) .. c-(N*256+255)
    data/cards/index.json               task id -> its contact, assignee, due day and state;
                                        attachment id -> its contact
    data/attachments/NNNNN/a-M.bin      the bytes of attachment a-M (NNNNN = M // 256)
A card command opens one card shard (and the index when it makes or finds a task or attachment
by id); the bytes of an attachment are only read by `contact attachment get`.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from bookctl.domain.ids import contact_number
from bookctl.errors import StoreError
from bookctl.storage.files import dump_json, load_json, validate

if TYPE_CHECKING:
    from bookctl.domain.cards import Card
    from bookctl.storage.card_models import CardIndex, CardShard

CARD_SHARD_SIZE = 256
BLOB_DIR_SIZE = 256
CardKind = Literal["n", "t", "a"]
_CARD_ID = re.compile(r"([nta])-([1-9]\d{0,8})")


def card_number(record_id: str, kind: CardKind) -> int | None:
    """12 for `t-12` when kind is `t`; None if `record_id` is not such an id."""
    match = _CARD_ID.fullmatch(record_id)
    return int(match.group(2)) if match and match.group(1) == kind else None


class CardFiles:
    """The card half of the file unit of work (mixed into FileUnitOfWork)."""

    root: Path
    _journal: object
    _lock: object

    def _init_cards(self) -> None:
        self._cards: dict[int, CardShard | None] = {}
        self._dirty_cards: set[int] = set()
        self._card_index: CardIndex | None = None
        self._card_index_dirty = False

    def _card_path(self, shard: int) -> Path:
        return self.root / "data" / "cards" / f"{shard:05d}.json"

    def _index_path(self) -> Path:
        return self.root / "data" / "cards" / "index.json"

    def blob_path(self, attachment_id: str) -> Path:
        """Where the bytes of `attachment_id` are kept: a name made from the id alone."""
        number = card_number(attachment_id, "a")
        assert number is not None, attachment_id
        return self.root / "data" / "attachments" / f"{number // BLOB_DIR_SIZE:05d}" / f"{attachment_id}.bin"

    def _load_card_shard(self, shard: int) -> CardShard:
        from bookctl.storage.card_models import CARDS_SCHEMA_VERSION, CardShard

        if shard not in self._cards:
            path = self._card_path(shard)
            try:
                found = validate(CardShard, load_json(path, CARDS_SCHEMA_VERSION), path)
            except FileNotFoundError:
                found = None
            if found is not None:
                _check_card_shard(found, shard, path)
            self._cards[shard] = found
        if self._cards[shard] is None:
            self._cards[shard] = CardShard()
        return self._cards[shard]  # type: ignore[return-value]

    def get_card(self, contact_id: str) -> Card:
        """The card of `contact_id` (an empty one if it has none yet); the caller checks the contact."""
        from bookctl.domain.cards import Card

        number = contact_number(contact_id)
        assert number is not None, contact_id
        shard = self._load_card_shard(number // CARD_SHARD_SIZE)
        return shard.cards.setdefault(contact_id, Card())

    def save_card(self, contact_id: str) -> None:
        """Write the contact's card back at commit."""
        self._writable()  # type: ignore[attr-defined]
        number = contact_number(contact_id)
        assert number is not None
        self._dirty_cards.add(number // CARD_SHARD_SIZE)

    def card_index(self) -> CardIndex:
        """Task and attachment ids with the contact each belongs to."""
        from bookctl.storage.card_models import CARDS_SCHEMA_VERSION, CardIndex

        if self._card_index is None:
            path = self._index_path()
            try:
                self._card_index = validate(CardIndex, load_json(path, CARDS_SCHEMA_VERSION), path)
            except FileNotFoundError:
                self._card_index = CardIndex()
            for section, kind in (("tasks", "t"), ("attachments", "a")):
                for key in getattr(self._card_index, section):
                    if card_number(key, kind) is None:  # type: ignore[arg-type]
                        raise StoreError(f"{path}: field {section}.{key}: is not a valid id; the file is damaged")
        return self._card_index

    def save_card_index(self) -> None:
        """Write the index back at commit."""
        self._writable()  # type: ignore[attr-defined]
        self._card_index_dirty = True

    def mint(self, kind: CardKind) -> str:
        """A new note (`n`), task (`t`) or attachment (`a`) id from counters.json."""
        self._writable()  # type: ignore[attr-defined]
        counters = self._load_counters()  # type: ignore[attr-defined]
        field = {"n": "notes", "t": "tasks", "a": "attachments"}[kind]
        setattr(counters, field, getattr(counters, field) + 1)
        self._journal.stage(self.root / "data" / "counters.json",  # type: ignore[attr-defined]
                            dump_json(counters.model_dump(mode="json")))
        return f"{kind}-{getattr(counters, field)}"

    def put_blob(self, attachment_id: str, data: bytes) -> None:
        """Store the bytes at commit, through the journal: all of them or none."""
        self._writable()  # type: ignore[attr-defined]
        self._journal.stage(self.blob_path(attachment_id), data)  # type: ignore[attr-defined]

    def delete_blob(self, attachment_id: str) -> None:
        """Remove the bytes at commit."""
        self._writable()  # type: ignore[attr-defined]
        self._journal.stage(self.blob_path(attachment_id), None)  # type: ignore[attr-defined]

    def read_blob(self, attachment_id: str) -> bytes:
        """The stored bytes, or StoreError naming the missing or unreadable file."""
        path = self.blob_path(attachment_id)
        try:
            return path.read_bytes()
        except FileNotFoundError:
            raise StoreError(f"{path}: missing; the attachment's bytes are lost") from None
        except OSError as exc:
            raise StoreError(f"{path}: cannot read: {exc.strerror}") from None

    def _stage_cards(self) -> None:
        if not self._dirty_cards and not self._card_index_dirty:
            return
        from bookctl.storage.card_models import CardShard

        for shard_no in sorted(self._dirty_cards):
            shard = self._cards[shard_no]
            assert shard is not None
            kept = {cid: card for cid, card in shard.cards.items() if card.notes or card.tasks or card.attachments}
            data = CardShard(cards=kept).model_dump(mode="json", exclude_none=True) if kept else None
            self._journal.stage(self._card_path(shard_no), None if data is None else dump_json(data))  # type: ignore[attr-defined]
        if self._card_index_dirty and self._card_index is not None:
            self._journal.stage(self._index_path(), dump_json(self._card_index.model_dump(mode="json")))  # type: ignore[attr-defined]
        self._dirty_cards.clear()
        self._card_index_dirty = False


def _check_card_shard(shard: CardShard, shard_no: int, path: Path) -> None:
    """A card in the wrong file, or an id of the wrong kind, is damage rather than a silent loss."""
    for key, card in shard.cards.items():
        number = contact_number(key)
        if number is None or number // CARD_SHARD_SIZE != shard_no:
            raise StoreError(f"{path}: field cards.{key}: does not belong in this file")
        for section, kind in (("notes", "n"), ("tasks", "t"), ("attachments", "a")):
            for n, item in enumerate(getattr(card, section)):
                if card_number(item.id, kind) is None:  # type: ignore[arg-type]
                    raise StoreError(f"{path}: field cards.{key}.{section}.{n}.id: {item.id!r} is not a valid id; "
                                     "the file is damaged")
