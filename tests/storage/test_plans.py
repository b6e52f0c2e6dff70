"""uow.plans (plans and the passes sold of them) on every backend."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bookctl.errors import NotFoundError
from tests.storage.conftest import add_contact, add_pass, add_plan, eur

SPENT = datetime(2026, 11, 24, 9, tzinfo=UTC)  # when the credits of a test's pass move


def test_plans_are_numbered_and_kept_with_their_changes(store):
    with store.write() as uow:
        pack = add_plan(uow)
        monthly = add_plan(uow, "Monthly", kind="membership", price=eur(6000), sessions=None, valid_days=None,
                           period="month", service_ids=[])
        assert (pack.id, monthly.id) == ("pl-1", "pl-2")
        uow.commit()
    with store.write() as uow:
        uow.plans.plan("pl-1").price = eur(16000)
        uow.commit()
    with store.read() as uow:
        assert [(p.id, p.name, p.price) for p in uow.plans.plans()] == [
            ("pl-1", "Ten classes", eur(16000)), ("pl-2", "Monthly", eur(6000))]
        assert uow.plans.plan("pl-2").sessions is None
        with pytest.raises(NotFoundError, match=r"^no plan 'pl-3'; see 'bookctl plan list --all'$"):
            uow.plans.plan("pl-3")


def test_a_pass_is_linked_on_its_contact_and_found_through_it(store):
    with store.write() as uow:
        ada, bea = add_contact(uow, "Ada"), add_contact(uow, "Bea")
        pack = add_plan(uow)
        first, other, second = add_pass(uow, pack, ada), add_pass(uow, pack, bea), add_pass(uow, pack, ada)
        assert (first.id, other.id, second.id) == ("ps-1", "ps-2", "ps-3")
        assert ada.pass_ids == ["ps-1", "ps-3"]
        uow.commit()
    with store.read() as uow:
        assert uow.contacts.get(ada.id).pass_ids == ["ps-1", "ps-3"]
        assert [p.id for p in uow.plans.passes_of(ada.id)] == ["ps-1", "ps-3"]
        assert [p.id for p in uow.plans.passes_of(bea.id)] == ["ps-2"]
        assert [p.id for p in uow.plans.passes()] == ["ps-1", "ps-2", "ps-3"]
        found = uow.plans.get_pass("ps-3")
        assert (found.contact_id, found.plan_name, found.balance, found.sessions) == (ada.id, "Ten classes", 10, 10)
        # 90 days from the 23rd of November, Rome: the start of the 21st of February.
        assert found.expires_at == datetime(2027, 2, 20, 23, 0, tzinfo=UTC)
        with pytest.raises(NotFoundError, match=r"^no pass 'ps-9'; see 'bookctl contact passes CONTACT'$"):
            uow.plans.get_pass("ps-9")
        with pytest.raises(NotFoundError):
            uow.plans.get_pass("b-20261123-1")
        with pytest.raises(NotFoundError):
            uow.plans.passes_of("c-99")


def test_a_change_of_a_pass_is_kept_and_a_rollback_keeps_nothing(store):
    with store.write() as uow:
        ada = add_contact(uow)
        add_pass(uow, add_plan(uow), ada)
        uow.commit()
    with store.write() as uow:
        uow.plans.get_pass("ps-1").move("used", SPENT, credits=3)  # 10 - 3
        uow.commit()
    with store.write() as uow:  # never committed
        uow.plans.get_pass("ps-1").move("used", SPENT, credits=7)  # to 0: used_up
        add_pass(uow, uow.plans.plan("pl-1"), uow.contacts.get(ada.id))
        uow.plans.plan("pl-1").archived = True
    with store.read() as uow:
        assert [(p.id, p.balance, p.status) for p in uow.plans.passes_of(ada.id)] == [("ps-1", 7, "active")]
        assert uow.plans.plan("pl-1").archived is False


def test_one_unit_hands_out_one_pass_object(store):
    with store.write() as uow:
        ada = add_contact(uow)
        add_pass(uow, add_plan(uow), ada)
        uow.commit()
    with store.write() as uow:
        held = uow.plans.get_pass("ps-1")
        held.move("expired", SPENT, credits=7)
        assert uow.plans.passes_of(ada.id)[0] is held
        assert next(uow.plans.passes()) is held
        uow.commit()
    with store.read() as uow:
        assert uow.plans.get_pass("ps-1").balance == 3


def test_passes_fill_their_shards_in_number_order(store):
    with store.write() as uow:
        ada = add_contact(uow)
        pack = add_plan(uow)
        for _ in range(300):  # past one file's 256 on the file store
            add_pass(uow, pack, ada)
        uow.commit()
    with store.read() as uow:
        assert [p.id for p in uow.plans.passes()] == [f"ps-{n}" for n in range(1, 301)]
        assert uow.plans.get_pass("ps-300").contact_id == ada.id
        assert len(uow.plans.passes_of(ada.id)) == 300
