"""The file store's contacts: `data/contacts/NNNNN.json` holds contacts c-(N*256) .. c-(N*256+255),
`data/emails/` indexes their primary emails (storage/files/emails.py) and `data/labels/` their labels
(storage/files/labels.py)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field

from bookctl.domain.ids import contact_number
from bookctl.domain.models import Contact, display_name
from bookctl.errors import NotFoundError, StoreError
from bookctl.storage.files.emails import EmailIndexFiles
from bookctl.storage.files.labels import LabelIndexFiles
from bookctl.storage.io import dump_json, load_json, read_data, validate
from bookctl.storage.repositories import Contacts

if TYPE_CHECKING:
    from bookctl.storage.files.unit import FileUnitOfWork
    from bookctl.domain.records import ContactLike
    from bookctl.storage.read_records import ContactRecord, ListedContact

SHARD_SIZE = 256
# Read-only lookups read this many shards through the models before the fast decoder pays for its import.
MODELS_UP_TO_SHARDS = 3


class ContactShard(BaseModel):
    """Up to SHARD_SIZE contacts, by number."""

    model_config = ConfigDict(extra="forbid")

    schema_version: int = 1
    contacts: dict[str, Contact] = Field(default_factory=dict)


class FileContacts(EmailIndexFiles, LabelIndexFiles, Contacts):
    """Contact shards, loaded on demand; the email and label indexes follow them at staging."""

    _unit: FileUnitOfWork

    def __init__(self, unit: FileUnitOfWork) -> None:
        super().__init__(unit)
        self.root = unit.root
        self._journal = unit.journal
        self._shards: dict[int, ContactShard | None] = {}
        self._dirty_shards: set[int] = set()
        self._records: dict[int, dict[str, ListedContact]] = {}  # read-only units: lookup()
        self._init_emails()
        self._init_labels(SHARD_SIZE)

    def shard_path(self, shard: int) -> Path:
        return self.root / "data" / "contacts" / f"{shard:05d}.json"

    def load_shard(self, shard: int, create: bool = False) -> ContactShard | None:
        """Contact shard number `shard` (once per unit); a new empty one with `create`."""
        if shard not in self._shards:
            path = self.shard_path(shard)
            try:
                self._shards[shard] = validate(ContactShard, load_json(path, 1), path)
            except FileNotFoundError:
                self._shards[shard] = None
            else:
                _check_shard(self._shards[shard].contacts, shard, path)  # type: ignore[union-attr]
            self._note_loaded_contacts(shard, self._shards[shard])
            self._note_loaded_labels(shard, self._shards[shard])
        found = self._shards[shard]
        if found is None and create:
            found = self._shards[shard] = ContactShard()
        return found

    def get(self, contact_id_: str) -> Contact:
        number = contact_number(contact_id_)
        shard = None if number is None else self.load_shard(number // SHARD_SIZE)
        if shard is None or contact_id_ not in shard.contacts:
            raise NotFoundError(f"no contact {contact_id_!r}")
        return self._unit.seen("contact", shard.contacts[contact_id_])

    def lookup(self, contact_id_: str) -> ContactLike:
        """A read-only unit decodes a shard in one call into plain records; a shard that decoder
        refuses is read through the models, which accept it or name the damage."""
        if self._unit.writable or len(self._shards) < MODELS_UP_TO_SHARDS:
            return self.get(contact_id_)  # a few shards are cheaper through the models than msgspec's import
        number = contact_number(contact_id_)
        shard = None if number is None else self._shard_records(number // SHARD_SIZE)
        if shard is None:
            return self.get(contact_id_)
        found = shard.get(contact_id_)
        if found is None:
            raise NotFoundError(f"no contact {contact_id_!r}")
        return found

    def _shard_records(self, shard_no: int) -> dict[str, ListedContact] | None:
        """Shard `shard_no`'s contacts as read-only records (once per unit); None when the shard is
        loaded as models already, or when the fast decoder refuses it (it is then loaded as models).
        Each whole contact is decoded and checked; what is kept is what a listing reads."""
        if shard_no in self._shards:
            return None
        if shard_no not in self._records:
            from bookctl.storage.read_records import ListedContact, decode_contact_shard

            path = self.shard_path(shard_no)
            try:
                raw = read_data(path)
            except FileNotFoundError:
                self._records[shard_no] = {}
                return self._records[shard_no]
            decoded = decode_contact_shard(raw)
            if decoded is None or decoded.schema_version != 1:
                return None
            _check_shard(decoded.contacts, shard_no, path)
            self._records[shard_no] = {key: ListedContact.of(contact) for key, contact in decoded.contacts.items()}
        return self._records[shard_no]

    def all(self) -> Iterator[Contact]:
        return (self._unit.seen("contact", contact) for contact in self.every())

    def booking_index(self) -> Iterator[tuple[str, list[str]]]:
        """A read-only unit decodes each shard in one call into plain records (checked as `lookup`
        checks them); a shard the decoder refuses, or one already loaded as models, goes through them."""
        if self._unit.writable:
            yield from super().booking_index()
            return
        for shard_no in self._shards_on_disk():
            for contact in self._decoded(shard_no):
                if contact.booking_ids and contact.erased_at is None:
                    yield contact.id, list(contact.booking_ids)

    def names(self, ids: Sequence[str] | None = None) -> dict[str, str]:
        """A read-only unit decodes only the names (storage.read_records.NamedContact) of the shards
        the ids fall in (every shard for None); a shard that decoder refuses goes through the models."""
        if self._unit.writable:
            return super().names(ids)
        from bookctl.storage.read_records import decode_contact_names

        if ids is None:
            wanted, shard_nos = None, self._shards_on_disk()
        else:
            wanted = {i for i in ids if contact_number(i) is not None}
            shard_nos = sorted({contact_number(i) // SHARD_SIZE for i in wanted})  # type: ignore[operator]
        found: dict[str, str] = {}
        for shard_no in shard_nos:
            decoded = None
            if shard_no not in self._shards:
                try:
                    decoded = decode_contact_names(read_data(self.shard_path(shard_no)))
                except FileNotFoundError:
                    continue
            if decoded is None or decoded.schema_version != 1:
                shard = self.load_shard(shard_no)
                contacts = shard.contacts if shard is not None else {}
            else:
                contacts = decoded.contacts
            for key in (contacts if wanted is None else wanted & contacts.keys()):
                contact = contacts[key]
                if contact.erased_at is None and contact.id == key:
                    found[key] = display_name(contact.first_name, contact.last_name)
        return dict(sorted(found.items(), key=lambda item: contact_number(item[0]) or 0))

    def _shards_on_disk(self) -> list[int]:
        folder = self.root / "data" / "contacts"
        return sorted(int(p.stem) for p in folder.glob("*.json") if p.stem.isdigit()) if folder.is_dir() else []

    def _decoded(self, shard_no: int) -> Iterable[Contact | ContactRecord]:
        """Shard `shard_no`'s contacts, decoded in one call into plain records when the fast decoder
        takes the file, else (or when it is loaded as models already) through the models."""
        from bookctl.storage.read_records import decode_contact_shard

        decoded = None
        if shard_no not in self._shards:
            path = self.shard_path(shard_no)
            try:
                raw = read_data(path)
            except FileNotFoundError:
                return ()
            decoded = decode_contact_shard(raw)
        if decoded is None or decoded.schema_version != 1:
            shard = self.load_shard(shard_no)
            return shard.contacts.values() if shard is not None else ()
        _check_shard(decoded.contacts, shard_no, self.shard_path(shard_no))
        return decoded.contacts.values()

    def every(self) -> Iterator[Contact]:
        """Every contact in id order, untracked: for the store's own indexes, which change nothing."""
        folder = self.root / "data" / "contacts"
        on_disk = {int(p.stem) for p in folder.glob("*.json") if p.stem.isdigit()} if folder.is_dir() else set()
        for shard_no in sorted(on_disk | {n for n, s in self._shards.items() if s is not None}):
            shard = self.load_shard(shard_no)
            if shard is not None:
                yield from sorted(shard.contacts.values(), key=lambda c: contact_number(c.id) or 0)

    def remove(self, contact: Contact) -> None:
        self._unit.require_writable()
        number = contact_number(contact.id)
        assert number is not None
        shard = self.load_shard(number // SHARD_SIZE)
        assert shard is not None
        del shard.contacts[contact.id]
        self._dirty_shards.add(number // SHARD_SIZE)
        self._unit.forget("contact", contact.id)

    def _insert(self, contact: Contact) -> None:
        number = contact_number(contact.id)
        assert number is not None
        shard = self.load_shard(number // SHARD_SIZE, create=True)
        assert shard is not None
        if contact.id in shard.contacts:
            raise StoreError(f"{self.root / 'data' / 'counters.json'}: field contacts: {number - 1} is behind the "
                             f"existing contact {contact.id}; the file is damaged")
        shard.contacts[contact.id] = contact

    def write(self, contact: Contact) -> None:
        number = contact_number(contact.id)
        assert number is not None
        self._unit.require_writable()
        self._dirty_shards.add(number // SHARD_SIZE)

    def stage(self) -> None:
        """Stage the changed shards (an emptied one is deleted) and the indexes that follow them."""
        self._stage_emails(self._dirty_shards)
        self._stage_labels(self._dirty_shards)
        for shard_no in sorted(self._dirty_shards):
            shard = self._shards[shard_no]
            assert shard is not None
            data = dump_json(shard.model_dump(mode="json", exclude_none=True)) if shard.contacts else None
            self._journal.stage(self.shard_path(shard_no), data)
        self._dirty_shards.clear()


def _check_shard(contacts: dict[str, Contact] | dict[str, ContactRecord], shard: int, path: Path) -> None:
    """Each contact is filed under its own id, in the shard its number belongs to."""
    for key, contact in contacts.items():
        number = contact_number(key)
        if key != contact.id or number is None or number // SHARD_SIZE != shard:
            raise StoreError(f"{path}: field contacts.{key}: does not belong in this file")
