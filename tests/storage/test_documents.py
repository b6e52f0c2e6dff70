"""uow.documents on every backend: invoices and quotes, numbered and listed in number order, and by contact."""

from __future__ import annotations

from datetime import date

import pytest

from bookctl.errors import NotFoundError
from tests.storage.conftest import add_contact, add_invoice, add_quote


def test_invoices_and_quotes_are_numbered_apart_and_listed_in_number_order(store):
    with store.write() as uow:
        ada = add_contact(uow)
        invoices = [add_invoice(uow, ada, 100 * n, due=date(2026, 12, n)) for n in range(1, 12)]
        quotes = [add_quote(uow, ada, 100 * n) for n in range(1, 4)]
        assert [i.id for i in invoices[:2]] == ["INV-0001", "INV-0002"]
        assert [q.id for q in quotes] == ["Q-0001", "Q-0002", "Q-0003"]
        assert uow.documents.get_invoice("INV-0002") is invoices[1]
        uow.commit()
    with store.read() as uow:
        assert [i.id for i in uow.documents.invoices()] == [f"INV-{n:04d}" for n in range(1, 12)]
        assert [q.id for q in uow.documents.quotes()] == ["Q-0001", "Q-0002", "Q-0003"]
        found = uow.documents.get_invoice("INV-0010")
        assert (found.id, found.total.minor, found.due, found.contact_id, found.status) == \
            ("INV-0010", 1000, date(2026, 12, 10), ada.id, "open")
        assert uow.documents.get_invoice("inv-10").id == "INV-0010"  # as it is typed
        assert uow.documents.get_quote("Q-0002").total.minor == 200
        with pytest.raises(NotFoundError, match=r"^no invoice 'INV-0012'$"):
            uow.documents.get_invoice("INV-0012")
        with pytest.raises(NotFoundError, match=r"^no quote 'Q-0004'$"):
            uow.documents.get_quote("Q-0004")
        with pytest.raises(NotFoundError, match=r"^no invoice 'nonsense'$"):
            uow.documents.get_invoice("nonsense")
    with store.write() as uow:
        assert add_invoice(uow, uow.contacts.get(ada.id)).id == "INV-0012"
        assert add_quote(uow, uow.contacts.get(ada.id)).id == "Q-0004"


def test_invoices_of_and_quotes_of_are_the_contacts_own_in_number_order(store):
    with store.write() as uow:
        ada, bea, cleo = add_contact(uow, "Ada"), add_contact(uow, "Bea"), add_contact(uow, "Cleo")
        for n in range(1, 261):  # past one file store shard (256 documents)
            add_invoice(uow, ada if n % 3 == 0 or n == 260 else bea, n)
        for n in range(1, 6):
            add_quote(uow, bea if n % 2 else ada, n)
        uow.commit()
    expected = [f"INV-{n:04d}" for n in range(1, 261) if n % 3 == 0 or n == 260]
    with store.read() as uow:
        assert [i.id for i in uow.documents.invoices_of(ada.id)] == expected
        assert [i.id for i in uow.documents.invoices_of(bea.id)] == \
            [i.id for i in uow.documents.invoices() if i.contact_id == bea.id]
        assert [q.id for q in uow.documents.quotes_of(ada.id)] == ["Q-0002", "Q-0004"]
        assert [q.id for q in uow.documents.quotes_of(bea.id)] == ["Q-0001", "Q-0003", "Q-0005"]
        assert uow.documents.invoices_of(cleo.id) == uow.documents.quotes_of(cleo.id) == []
        assert uow.documents.invoices_of("c-99") == []
    with store.write() as uow:
        made = add_invoice(uow, uow.contacts.get(cleo.id))
        assert [i.id for i in uow.documents.invoices_of(cleo.id)] == [made.id]  # before the commit too
        moved = uow.documents.get_invoice("INV-0003")
        moved.contact_id = cleo.id  # not something a command does, but the index must follow it
        assert [i.id for i in uow.documents.invoices_of(cleo.id)] == ["INV-0003", made.id]
        uow.commit()
    with store.read() as uow:
        assert [i.id for i in uow.documents.invoices_of(cleo.id)] == ["INV-0003", "INV-0261"]
        assert [i.id for i in uow.documents.invoices_of(ada.id)] == [i for i in expected if i != "INV-0003"]
