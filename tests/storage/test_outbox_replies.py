"""uow.outbox and uow.replies on every backend."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bookctl.errors import NotFoundError
from bookctl.storage.records import Reply
from tests.storage.conftest import NOW


def test_messages_are_queued_by_id_oldest_first_and_removed(store):
    with store.write() as uow:
        first = uow.outbox.add(NOW, b"Subject: one\r\n\r\n1\r\n")
        second = uow.outbox.add(NOW, b"Subject: two\r\n\r\n2\r\n")
        later = [uow.outbox.add(NOW + timedelta(seconds=n), f"Subject: {n}\r\n\r\n".encode()) for n in range(1, 10)]
        assert (first, second, later[0]) == ("m-20261123-110000-1", "m-20261123-110000-2", "m-20261123-110001-3")
        uow.commit()
    with store.read() as uow:
        assert uow.outbox.ids() == [first, second, *later]
        assert uow.outbox.read(second) == b"Subject: two\r\n\r\n2\r\n"
    with store.write() as uow:
        uow.outbox.remove(first)
        uow.outbox.remove("m-20261123-110000-99")  # one already gone is fine
        uow.commit()
    with store.read() as uow:
        assert uow.outbox.ids() == [second, *later]
        with pytest.raises(NotFoundError, match=r"^no message 'm-20261123-110000-1' in the outbox; see 'bookctl outbox list'$"):
            uow.outbox.read(first)
    with store.write() as uow:  # an id is never reused, even once its message is gone
        assert uow.outbox.add(NOW, b"x") == "m-20261123-110000-12"


def test_a_reply_is_kept_by_its_key(store):
    with store.read() as uow:
        assert uow.replies.get("key-1") is None
    with store.write() as uow:
        uow.replies.add("key-1", "payment collect b-1", {"entry": "p-1", "amount": "18.00", "ids": [1, 2]})
        uow.replies.add("key-2", "payment refund p-1", None)
        uow.commit()
    with store.read() as uow:
        assert uow.replies.get("key-1") == Reply(arguments="payment collect b-1",
                                                 result={"entry": "p-1", "amount": "18.00", "ids": [1, 2]})
        assert uow.replies.get("key-2") == Reply(arguments="payment refund p-1", result=None)
        assert uow.replies.get("key-3") is None
