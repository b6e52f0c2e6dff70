"""Contacts of a memory store, in id order."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from bookctl.domain.ids import id_order
from bookctl.domain.models import Contact
from bookctl.domain.values import fold
from bookctl.errors import NotFoundError
from bookctl.storage.memory.state import thaw
from bookctl.storage.repositories import Contacts, email_key

if TYPE_CHECKING:
    from bookctl.storage.memory.unit import MemoryUnitOfWork


class MemoryContacts(Contacts):
    _unit: MemoryUnitOfWork

    def get(self, contact_id_: str) -> Contact:
        contact = self._unit.known("contact", contact_id_, lambda: self._thaw(contact_id_))
        if contact is None:
            raise NotFoundError(f"no contact {contact_id_!r}")
        return contact

    def all(self) -> Iterator[Contact]:
        unit = self._unit
        unit.sync()
        for contact_id in sorted(unit.state.contacts, key=id_order):
            contact = self.get(contact_id) if unit.writable else self._thaw(contact_id)
            if contact is not None:  # None: removed since the listing began
                yield contact

    def remove(self, contact: Contact) -> None:
        self._unit.require_writable()
        self._unit.state.contacts.pop(contact.id, None)  # the unit's own state: gone at commit
        self._unit.drop("contact", contact.id)

    def _insert(self, contact: Contact) -> None:
        self._unit.hold("contact", contact.id, contact)

    def _ids_with_email(self, key: str) -> list[str] | None:
        self._unit.sync()
        contacts = self._unit.state.contacts
        return sorted((i for i, d in contacts.items() if email_key(d.get("email")) == key), key=id_order)

    def _ids_with_label(self, key: str) -> list[str] | None:
        self._unit.sync()  # a scan of the dumps: memory holds no index
        contacts = self._unit.state.contacts
        return sorted((i for i, d in contacts.items() if key in {fold(label) for label in d.get("labels", [])}),
                      key=id_order)

    def _thaw(self, contact_id_: str) -> Contact | None:
        dump = self._unit.state.contacts.get(contact_id_)
        return None if dump is None else thaw(Contact, dump)
