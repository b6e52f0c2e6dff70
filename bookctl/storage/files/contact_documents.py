"""The contact -> documents index, so that a contact's card, payments and erasure read that contact's
invoices and quotes, not every document of the store.

Layout (every JSON file carries `schema_version`):
    data/contact-documents/index.json    says the index covers every document (written when it is built)
    data/contact-documents/NNNNN.json    the invoice and quote ids, in number order, of the contacts of
                                         contact shard NNNNN (c-(N*256) .. c-(N*256+255))
The index follows the document shards by itself, as the email index follows the contacts
(storage/files/emails.py): at staging, each changed invoice or quote shard is compared with the
contacts its documents had when it was loaded, so every path that writes a document (invoice and
quote commands, store load) keeps it right. A store from before the index is indexed in full by the
first writable unit that adds a document (or changes whose one is) or looks a contact's up; a
read-only unit that finds no index reads every document instead. Lookups verify each id.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bookctl.domain.ids import contact_number
from bookctl.domain.invoices import document_number
from bookctl.storage.io import dump_json

if TYPE_CHECKING:
    from bookctl.storage.files.index_models import ContactDocumentsShard

# kind -> (the documents' folder, the field of the shard model, the id prefix)
INDEXED = {"invoice": ("invoices", "invoices", "INV"), "quote": ("quotes", "quotes", "Q")}
CONTACT_SHARD_SIZE = 256  # as data/contacts/: a contact's documents sit beside its shard's number


class ContactDocumentIndexFiles:
    """The index half of the file store's documents (mixed into FileDocuments)."""

    _unit: Any

    def _init_index(self) -> None:
        self._owners_seen: dict[Path, dict[str, str]] = {}  # document shard -> document id -> contact id when loaded
        self._index_shards: dict[int, ContactDocumentsShard] = {}
        self._dirty_index: set[int] = set()
        self._index_ready: bool | None = None  # None: not looked for yet
        self._index_meta_due = False

    def _index_dir(self) -> Path:
        return self._unit.root / "data" / "contact-documents"

    def _folder(self, kind: str) -> Path:
        return self._unit.root / "data" / INDEXED[kind][0]

    def _note_loaded(self, kind: str, path: Path, shard: Any) -> None:  # noqa: ANN401
        """Remember whose each document of a shard was when this writable unit first held it."""
        if self._unit.writable and path not in self._owners_seen:
            records = getattr(shard, INDEXED[kind][1]) if shard is not None else {}
            self._owners_seen[path] = {rid: record.contact_id for rid, record in records.items()}

    def _has_index(self) -> bool:
        if self._index_ready is None:
            from bookctl.storage.files.index_models import index_complete

            self._index_ready = index_complete(self._index_dir())
        return self._index_ready

    def _index_shard(self, shard_no: int) -> ContactDocumentsShard:
        from bookctl.storage.files.index_models import ContactDocumentsShard, index_file

        if shard_no not in self._index_shards:
            self._index_shards[shard_no] = index_file(self._index_dir() / f"{shard_no:05d}.json", ContactDocumentsShard)
        return self._index_shards[shard_no]

    def _ids_of_contact(self, kind: str, contact_id_: str) -> list[str] | None:
        """The ids indexed for the contact, the document shards this unit holds read as they are now;
        None if the store has no index and this unit may not write one."""
        number = contact_number(contact_id_)
        if number is None:
            return None  # no index entry can name it; let the scan decide
        if not self._has_index():
            if not self._unit.writable:
                return None
            self._build_index()
        _, field, prefix = INDEXED[kind]
        held = {path: getattr(shard, field) for path, shard in self._unit.held_in(self._folder(kind))}
        indexed = getattr(self._index_shard(number // CONTACT_SHARD_SIZE), field).get(contact_id_, [])
        ids = [rid for rid in indexed
               if self.path(kind, document_number(rid, prefix) or 0) not in held]  # type: ignore[attr-defined]
        for records in held.values():
            ids += [rid for rid, record in records.items() if record.contact_id == contact_id_]
        return sorted(ids, key=lambda rid: document_number(rid, prefix) or 0)

    def _move(self, kind: str, record_id: str, old: str | None, new: str | None) -> None:
        field, prefix = INDEXED[kind][1], INDEXED[kind][2]
        old_no, new_no = _contact_shard(old), _contact_shard(new)
        if old is not None and old_no is not None:
            ids = getattr(self._index_shard(old_no), field).get(old, [])
            if record_id in ids:
                ids.remove(record_id)
                if not ids:
                    del getattr(self._index_shard(old_no), field)[old]
                self._dirty_index.add(old_no)
        if new is not None and new_no is not None:
            ids = getattr(self._index_shard(new_no), field).setdefault(new, [])
            if record_id not in ids:
                ids.append(record_id)
                ids.sort(key=lambda rid: document_number(rid, prefix) or 0)  # a contact has few documents
            self._dirty_index.add(new_no)

    def _stage_index(self) -> None:
        """Bring the index to the document shards about to be staged, and stage what changed in it."""
        changes: list[tuple[str, str, str | None, str | None]] = []
        for kind, (_, field, _) in INDEXED.items():
            for path, shard in self._unit.dirty_in(self._folder(kind)):
                records = getattr(shard, field)
                now = {rid: record.contact_id for rid, record in records.items()}
                seen = self._owners_seen.get(path, {})
                changes += [(kind, rid, seen.get(rid), now.get(rid)) for rid in sorted(set(seen) | set(now))
                            if seen.get(rid) != now.get(rid)]
                self._owners_seen[path] = now
        if changes and not self._has_index():
            self._build_index()  # from the documents as they are now: the changes are in it
        else:
            for kind, record_id, old, new in changes:
                self._move(kind, record_id, old, new)
        for shard_no in sorted(self._dirty_index):
            shard = self._index_shards[shard_no]
            data = dump_json(shard.model_dump(mode="json")) if shard.invoices or shard.quotes else None
            self._unit.journal.stage(self._index_dir() / f"{shard_no:05d}.json", data)
        self._dirty_index.clear()
        if self._index_meta_due:
            from bookctl.storage.files.index_models import IndexMeta

            self._unit.journal.stage(self._index_dir() / "index.json", dump_json(IndexMeta().model_dump(mode="json")))
            self._index_meta_due = False

    def _build_index(self) -> None:
        """Index every invoice and quote of the store afresh (once, for a store from before the index);
        any index files already there are rewritten or deleted."""
        from bookctl.storage.files.index_models import ContactDocumentsShard

        self._index_shards = {n: ContactDocumentsShard() for n in _index_files(self._index_dir())}
        self._dirty_index = set(self._index_shards)
        for kind, (_, field, _) in INDEXED.items():
            for document in self.every(kind):  # type: ignore[attr-defined]
                shard_no = _contact_shard(document.contact_id)
                if shard_no is None:
                    continue  # not a contact id: no contact's look-up can want it
                if shard_no not in self._index_shards:
                    self._index_shards[shard_no] = ContactDocumentsShard()
                getattr(self._index_shards[shard_no], field).setdefault(document.contact_id, []).append(document.id)
                self._dirty_index.add(shard_no)
        self._index_ready = True
        self._index_meta_due = True

    def contact_documents_problems(self) -> Iterator[tuple[str, str]]:
        """(file, problem) for each document the index misses under its contact, or lists under another;
        nothing for a store with no index. Reads every document shard and index file."""
        if not self._has_index():
            return
        for kind, (_, field, _) in INDEXED.items():
            expected: dict[str, set[str]] = {}
            for document in self.every(kind):  # type: ignore[attr-defined]
                expected.setdefault(document.contact_id, set()).add(document.id)
            indexed: dict[str, set[str]] = {}
            for shard_no in _index_files(self._index_dir()):
                for contact_id, ids in getattr(self._index_shard(shard_no), field).items():
                    indexed.setdefault(contact_id, set()).update(ids)
            for contact_id in sorted(set(expected) | set(indexed), key=lambda cid: contact_number(cid) or 0):
                shard_no = _contact_shard(contact_id)
                if shard_no is None:
                    continue
                where = str(self._index_dir() / f"{shard_no:05d}.json")
                want, have = expected.get(contact_id, set()), indexed.get(contact_id, set())
                for record_id in sorted(want - have):
                    yield where, (f"the contact-documents index misses {kind} {record_id} of contact {contact_id}; "
                                  "delete data/contact-documents/index.json and the next invoice or quote made "
                                  "rebuilds it")
                for record_id in sorted(have - want):
                    yield where, (f"the contact-documents index lists {kind} {record_id} under contact {contact_id}, "
                                  "whose it is not (harmless)")


def _contact_shard(contact_id: str | None) -> int | None:
    number = None if contact_id is None else contact_number(contact_id)
    return None if number is None else number // CONTACT_SHARD_SIZE


def _index_files(folder: Path) -> list[int]:
    """The contact shard numbers that have an index file in `folder`."""
    if not folder.is_dir():
        return []
    return sorted(int(p.stem) for p in folder.glob("*.json") if p.stem.isdigit())
