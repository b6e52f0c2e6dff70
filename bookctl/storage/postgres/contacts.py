"""Contacts in the `contacts` table. A contact's `booking_ids` and `pass_ids` are not stored: they are
read from `bookings` and `passes` (BOOKING_IDS_SQL, PASS_IDS_SQL); its `email_key` column serves `with_email` and its `label_keys` column
(GIN-indexed) `with_label`."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING

from bookctl.domain.models import Contact
from bookctl.errors import NotFoundError
from bookctl.storage.postgres.rows import (
    BOOKING_IDS_SQL,
    CONTACT_ORDER_SQL,
    CONTACTS,
    PASS_IDS_SQL,
    Writes,
)
from bookctl.storage.repositories import Contacts, email_key, label_keys

if TYPE_CHECKING:
    from bookctl.domain.records import ContactLike
    from bookctl.storage.postgres.unit import PostgresUnitOfWork
    from bookctl.storage.read_records import ListedContact

SELECT_CONTACTS = f"SELECT {CONTACTS.select}, {BOOKING_IDS_SQL}, {PASS_IDS_SQL} FROM contacts"


def contact_of(row: tuple) -> Contact:
    """The contact of a row of SELECT_CONTACTS."""
    return CONTACTS.record(row[:-2], booking_ids=list(row[-2]), pass_ids=list(row[-1]))


def contact_keys(contact: Contact) -> tuple[str | None, list[str]]:
    """The columns of a contact's row that its queries look into: `email_key`, `label_keys`."""
    return email_key(contact.email), sorted(label_keys(contact))


def all_contacts(unit: PostgresUnitOfWork) -> Iterator[Contact]:
    """Every contact in id order, read afresh from a server-side cursor."""
    return (contact_of(row) for row in unit._stream(f"{SELECT_CONTACTS} ORDER BY {CONTACT_ORDER_SQL}"))


class PgContacts(Contacts):
    """Contacts by id, as loaded (or made) in this unit."""

    _unit: PostgresUnitOfWork

    def __init__(self, unit: PostgresUnitOfWork) -> None:
        super().__init__(unit)
        self._contacts: dict[str, Contact] = {}
        self._writes = Writes(CONTACTS, "contact", contact_keys)
        self._removed: set[str] = set()
        self._listed: dict[str, ListedContact] = {}  # a read-only unit's listings (list_ahead)

    def _rows(self, where: str, params: list[object]) -> list[tuple]:
        return self._unit._exec(f"{SELECT_CONTACTS} WHERE {where}", params).fetchall()

    def _hold(self, row: tuple) -> Contact:
        contact = self._contacts.get(row[0])
        if contact is None:
            contact = self._contacts[row[0]] = self._unit.seen("contact", contact_of(row))
        return contact

    def get(self, contact_id_: str) -> Contact:
        if contact_id_ in self._removed:
            raise NotFoundError(f"no contact {contact_id_!r}")
        if contact_id_ not in self._contacts:
            rows = self._rows("id = %s", [contact_id_])
            if not rows:
                raise NotFoundError(f"no contact {contact_id_!r}")
            self._hold(rows[0])
        return self._contacts[contact_id_]

    def prefetch(self, ids: Iterable[str]) -> None:
        """Load, in one query, the contacts a listing is about to look up one by one."""
        missing = [i for i in ids if i not in self._contacts and i not in self._removed]
        if missing:
            for row in self._rows("id = ANY(%s)", [missing]):
                self._hold(row)

    def lookup(self, contact_id_: str) -> ContactLike:
        """What `list_ahead` read, else the contact itself."""
        listed = self._listed.get(contact_id_)
        return listed if listed is not None else self.get(contact_id_)

    def list_ahead(self, ids: Iterable[str]) -> None:
        """Read, in one query, what a listing shows of the contacts it is about to look up (names,
        email, phone, labels: not each contact's bookings, which `get` reads too). A read-only unit's."""
        from bookctl.storage.read_records import ListedContact

        missing = [i for i in ids if i not in self._listed and i not in self._contacts]
        if not missing:
            return
        self._unit._sync()
        rows = self._unit._exec("SELECT id, first_name, last_name, email, phone, labels FROM contacts "
                                "WHERE id = ANY(%s)", [missing]).fetchall()
        for row in rows:
            self._listed[row[0]] = ListedContact(id=row[0], first_name=row[1], last_name=row[2], email=row[3],
                                                 phone=row[4], labels=list(row[5] or []))

    def all(self) -> Iterator[Contact]:
        self._unit._sync()
        for contact in all_contacts(self._unit):
            known = self._contacts.get(contact.id)
            if known is None:
                known = contact
                if self._unit.writable:  # a read-only unit keeps nothing it streams
                    self._contacts[contact.id] = self._unit.seen("contact", contact)
            yield known

    def booking_index(self) -> Iterator[tuple[str, list[str]]]:
        """One query over the bookings table (a contact's booking ids are derived from it)."""
        self._unit._sync()
        rows = self._unit._exec("SELECT b.contact_id, array_agg(b.id ORDER BY b.created_at, b.seq) FROM bookings b "
                                "JOIN contacts c ON c.id = b.contact_id WHERE c.erased_at IS NULL "
                                "GROUP BY b.contact_id").fetchall()
        for contact_id, booking_ids in rows:
            yield contact_id, list(booking_ids)

    def names(self, ids: Sequence[str] | None = None) -> dict[str, str]:
        """One query, reading only the names."""
        from bookctl.domain.models import display_name

        self._unit._sync()
        where, params = ("", []) if ids is None else (" AND id = ANY(%s)", [list(ids)])
        rows = self._unit._exec(f"SELECT id, first_name, last_name FROM contacts WHERE erased_at IS NULL{where} "
                                f"ORDER BY {CONTACT_ORDER_SQL}", params).fetchall()
        return {row[0]: display_name(row[1], row[2]) for row in rows}

    def remove(self, contact: Contact) -> None:
        self._unit.require_writable()
        self._removed.add(contact.id)
        self._contacts.pop(contact.id, None)
        self._writes.drop(contact.id)
        self._unit.forget("contact", contact.id)

    def _insert(self, contact: Contact) -> None:
        self._contacts[contact.id] = self._writes.made[contact.id] = contact

    def _ids_with_email(self, key: str) -> list[str] | None:
        self._unit._sync()
        rows = self._unit._exec(f"SELECT id FROM contacts WHERE email_key = %s ORDER BY {CONTACT_ORDER_SQL}",
                                [key]).fetchall()
        return [r[0] for r in rows]

    def _ids_with_label(self, key: str) -> list[str] | None:
        self._unit._sync()
        rows = self._rows(f"label_keys @> ARRAY[%s]::text[] ORDER BY {CONTACT_ORDER_SQL}", [key])
        return [self._hold(row).id for row in rows]  # held: verifying them asks nothing more of the server

    # --- writing -------------------------------------------------------------------------------
    def write(self, contact: Contact) -> None:
        """A changed contact (its booking_ids and pass_ids are derived: a change of them alone is written
        harmlessly)."""
        self._writes.write(contact)

    def flush(self) -> None:
        self._writes.flush(self._unit)

    def flush_removed(self) -> None:
        """Delete the removed contacts: last, once nothing written before still names them."""
        for contact_id in sorted(self._removed):
            self._unit._exec("DELETE FROM contacts WHERE id = %s", [contact_id])
        self._removed.clear()
