"""uow.documents on every backend: invoices and quotes, numbered and listed in number order."""

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
