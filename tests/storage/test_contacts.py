"""uow.contacts on every backend: ids, order, removal, lookup by email."""

from __future__ import annotations

import pytest

from bookctl.errors import NotFoundError
from tests.storage.conftest import add_contact


def test_contacts_count_from_c_1_and_list_in_id_order(store):
    with store.write() as uow:
        made = [add_contact(uow, f"Person {n}", phone=f"+39 {n}") for n in range(1, 12)]
        assert [c.id for c in made] == [f"c-{n}" for n in range(1, 12)]
        assert uow.contacts.get("c-3") is made[2]
        uow.commit()
    with store.read() as uow:
        assert [c.id for c in uow.contacts.all()] == [f"c-{n}" for n in range(1, 12)]  # c-10 after c-9
        found = uow.contacts.get("c-11")
        assert (found.first_name, found.phone) == ("Person 11", "+39 11")
        with pytest.raises(NotFoundError, match=r"^no contact 'c-12'$"):
            uow.contacts.get("c-12")


def test_a_removed_contact_is_gone_and_its_id_never_comes_back(store):
    with store.write() as uow:
        for name in ("Ada", "Bea", "Cleo"):
            add_contact(uow, name)
        uow.commit()
    with store.write() as uow:
        uow.contacts.remove(uow.contacts.get("c-2"))
        uow.commit()
    with store.read() as uow:
        assert [c.id for c in uow.contacts.all()] == ["c-1", "c-3"]
        with pytest.raises(NotFoundError, match=r"^no contact 'c-2'$"):
            uow.contacts.get("c-2")
    with store.write() as uow:
        assert add_contact(uow, "Dora").id == "c-4"


def test_with_email_is_trimmed_case_folded_and_verified(store):
    with store.write() as uow:
        add_contact(uow, "Ada", email="Ada@Example.org")
        add_contact(uow, "Bea", email="bea@example.org")
        add_contact(uow, "Ada again", email="ada@example.ORG ")
        add_contact(uow, "None")
        uow.commit()
    with store.read() as uow:
        assert [c.id for c in uow.contacts.with_email("  ADA@example.org")] == ["c-1", "c-3"]
        assert uow.contacts.with_email("nobody@example.org") == []
    with store.write() as uow:
        uow.contacts.get("c-1").email = "ada@elsewhere.org"
        assert [c.id for c in uow.contacts.with_email("ada@example.org")] == ["c-3"]  # verified: c-1 changed
        uow.commit()
    with store.read() as uow:
        assert [c.id for c in uow.contacts.with_email("ada@example.org")] == ["c-3"]
        assert [c.id for c in uow.contacts.with_email("ADA@elsewhere.org")] == ["c-1"]
