"""uow.webhooks (the webhook delivery queue) on every backend."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.storage.conftest import BACKENDS, NOW

PAIRS = [(source, target) for source in BACKENDS for target in BACKENDS]

BODY = '{"event":"booking-created","event_id":"evt_1","name":"Zoë"}'.encode()


def _queue(uow, webhook_id="wh-1", event_id="evt_1", body=BODY):
    return uow.webhooks.add(webhook_id, "booking-created", event_id, body, NOW)


def test_deliveries_are_numbered_oldest_first_and_keep_their_body_byte_for_byte(store):
    with store.write() as uow:
        first, second = _queue(uow), _queue(uow, "wh-2", "evt_2", b"{}")
        assert [d.id for d in uow.webhooks.all()] == ["wd-1", "wd-2"]  # a unit sees what it queued
        uow.commit()
    with store.write() as uow:
        for n in range(3, 11):
            _queue(uow, event_id=f"evt_{n}")
        uow.commit()
    with store.read() as uow:
        found = uow.webhooks.all()
    assert [d.id for d in found] == [f"wd-{n}" for n in range(1, 11)]  # wd-10 after wd-9
    assert (found[0].body, found[0].event_id, found[0].attempts, found[0].status) == (BODY, "evt_1", 0, "queued")
    assert found[0].next_attempt_at == NOW and found[0].created_at == NOW
    assert (first.id, second.id, found[1].webhook_id, found[1].body) == ("wd-1", "wd-2", "wh-2", b"{}")


def test_a_queued_delivery_never_committed_is_not_kept(store):
    with store.write() as uow:
        _queue(uow)
    with store.read() as uow:
        assert uow.webhooks.all() == []


def test_a_saved_attempt_is_kept_and_only_due_deliveries_are_due(store):
    with store.write() as uow:
        waiting, given_up, ready = _queue(uow), _queue(uow, event_id="evt_2"), _queue(uow, event_id="evt_3")
        uow.commit()
    with store.write() as uow:
        delivery = uow.webhooks.find(waiting.id)
        delivery.attempts, delivery.next_attempt_at, delivery.last_error = 1, NOW + timedelta(minutes=1), "500"
        uow.webhooks.save(delivery)
        dead = uow.webhooks.find(given_up.id)
        dead.status = "failed"
        uow.webhooks.save(dead)
        uow.commit()
    with store.read() as uow:
        assert [d.id for d in uow.webhooks.due(NOW)] == [ready.id]
        assert [d.id for d in uow.webhooks.due(NOW + timedelta(minutes=1))] == [waiting.id, ready.id]
        kept = uow.webhooks.find(waiting.id)
        assert (kept.attempts, kept.last_error, kept.body) == (1, "500", BODY)
        assert uow.webhooks.find(given_up.id).status == "failed"


def test_a_change_to_a_delivery_is_kept_only_once_saved_and_committed(store):
    with store.write() as uow:
        queued = _queue(uow)
        uow.commit()
    with store.write() as uow:
        uow.webhooks.find(queued.id).attempts = 5  # never saved
        uow.commit()
    with store.write() as uow:
        delivery = uow.webhooks.find(queued.id)
        delivery.attempts = 7
        uow.webhooks.save(delivery)  # saved, never committed
    with store.read() as uow:
        assert uow.webhooks.find(queued.id).attempts == 0


def test_a_removed_delivery_is_gone_once_committed_and_its_id_never_comes_back(store):
    with store.write() as uow:
        first, second = _queue(uow), _queue(uow, "wh-2", "evt_2")
        uow.commit()
    with store.write() as uow:
        uow.webhooks.remove(first.id)
        assert [d.id for d in uow.webhooks.all()] == [second.id]
    with store.read() as uow:
        assert [d.id for d in uow.webhooks.all()] == [first.id, second.id]  # that removal was not committed
    with store.write() as uow:
        uow.webhooks.remove(first.id)
        uow.webhooks.remove("wd-99")  # one already gone is fine
        uow.commit()
    with store.write() as uow:
        assert _queue(uow).id == "wd-3"
        uow.commit()
    with store.read() as uow:
        assert [d.id for d in uow.webhooks.of_webhook("wh-1")] == ["wd-3"]
        assert uow.webhooks.find(first.id) is None


@pytest.mark.parametrize(("source", "target"), PAIRS, ids=[f"{s}-{t}" for s, t in PAIRS])
def test_a_load_of_a_dump_keeps_every_delivery_and_its_counter(make_store, source, target):
    original = make_store(source)
    with original.write() as uow:
        _queue(uow)
        failed = _queue(uow, "wh-2", "evt_2", b'{"a":1}')
        failed.status, failed.attempts, failed.last_error = "failed", 12, "connection refused"
        uow.webhooks.save(failed)
        uow.commit()
    copy = make_store(target)
    with original.read() as src, copy.write() as uow:
        uow.load(src.dump())
        uow.commit()
    with original.read() as src, copy.read() as uow:
        assert uow.webhooks.all() == src.webhooks.all()
        assert uow.webhooks.find("wd-2").status == "failed"
    with copy.write() as uow:
        assert _queue(uow).id == "wd-3"
