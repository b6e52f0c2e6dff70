"""Concurrent writers on every backend: the write lock serializes read-modify-write, nothing is lost."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

from tests.storage.conftest import add_contact

ROUNDS = 20


def test_two_writers_incrementing_one_field_lose_no_update(store, monkeypatch):
    monkeypatch.setenv("BOOKCTL_LOCK_TIMEOUT", "30")
    with store.write() as uow:
        add_contact(uow, custom_fields={"visits": "0"})
        uow.commit()

    def increment(_: int) -> int:
        for _ in range(ROUNDS):
            with store.write() as uow:
                contact = uow.contacts.get("c-1")
                seen = int(contact.custom_fields["visits"])
                time.sleep(0.002)  # let the other writer run now, were it not kept out
                contact.custom_fields["visits"] = str(seen + 1)
                uow.commit()
        return ROUNDS

    with ThreadPoolExecutor(max_workers=2) as pool:
        assert sum(pool.map(increment, range(2))) == 2 * ROUNDS  # .map re-raises a worker's error
    with store.read() as uow:
        assert uow.contacts.get("c-1").custom_fields["visits"] == str(2 * ROUNDS)
