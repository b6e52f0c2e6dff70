"""uow.contacts on every backend: ids, order, removal, lookup by email and by label."""

from __future__ import annotations

import pytest

from bookctl.errors import NotFoundError
from tests.storage.conftest import NOW, add_contact


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


def test_with_label_is_folded_in_id_order_and_counts_the_units_own_changes(store):
    with store.write() as uow:
        for n in range(1, 301):  # past one file store shard (256 contacts)
            labels = {1: ["VIP", "Yoga"], 2: ["vip"], 3: ["Zoë"], 9: ["Vip"], 10: ["VIP"], 300: ["VIP"]}.get(n, [])
            add_contact(uow, f"Person {n}", labels=labels)
        uow.commit()
    with store.read() as uow:
        assert [c.id for c in uow.contacts.with_label("  VIP ")] == ["c-1", "c-2", "c-9", "c-10", "c-300"]
        assert [c.id for c in uow.contacts.with_label("ZOE")] == ["c-3"]
        assert uow.contacts.with_label("nobody") == []
    with store.write() as uow:
        uow.contacts.get("c-1").labels.remove("VIP")  # unlabel
        uow.contacts.get("c-4").labels.append("vIp")  # label
        uow.contacts.get("c-3").labels = []  # as an erase leaves it
        uow.contacts.remove(uow.contacts.get("c-10"))  # delete
        add_contact(uow, "New", labels=["VIP"])  # c-301
        assert [c.id for c in uow.contacts.with_label("vip")] == ["c-2", "c-4", "c-9", "c-300", "c-301"]
        uow.commit()
    with store.read() as uow:
        assert [c.id for c in uow.contacts.with_label("vip")] == ["c-2", "c-4", "c-9", "c-300", "c-301"]
        assert [c.id for c in uow.contacts.with_label("yoga")] == ["c-1"]
        assert uow.contacts.with_label("zoe") == []
    with store.write() as uow:
        uow.contacts.get("c-2").first_name = "Renamed"  # a change that leaves the labels alone
        uow.commit()
    with store.read() as uow:
        assert [(c.id, c.first_name) for c in uow.contacts.with_label("vip")][:2] == [("c-2", "Renamed"), ("c-4", "Person 4")]


def _make_label_index_stale(store, backend):  # noqa: ANN001, ANN202
    """Have the index list c-2 (which lacks the label) and c-99 (which does not exist) under 'vip'."""
    if backend == "files":
        import json

        from bookctl.storage.files.emails import bucket_of

        path = store.root / "data" / "labels" / f"{bucket_of('vip'):02x}.json"
        data = json.loads(path.read_text(encoding="utf-8"))
        data["labels"]["vip"] = ["c-1", "c-2", "c-3", "c-99"]
        path.write_text(json.dumps(data), encoding="utf-8")
    else:
        conn = store.connect()
        conn.execute("UPDATE contacts SET label_keys = ARRAY['vip'] WHERE id = 'c-2'")
        conn.commit()
        conn.close()


@pytest.mark.parametrize("backend_with_index", ["files", "postgres"])  # the memory store reads every contact
def test_with_label_skips_stale_index_entries(make_store, backend_with_index):
    store = make_store(backend_with_index)
    with store.write() as uow:
        add_contact(uow, "Ada", labels=["VIP"])
        add_contact(uow, "Bea", labels=["Yoga"])
        add_contact(uow, "Cleo", labels=["vip"])
        uow.commit()
    _make_label_index_stale(store, backend_with_index)
    with store.read() as uow:
        assert [c.id for c in uow.contacts.with_label("VIP")] == ["c-1", "c-3"]
    with store.write() as uow:
        assert [c.id for c in uow.contacts.with_label("VIP")] == ["c-1", "c-3"]


def test_names_gives_each_live_contact_its_display_name_in_id_order(store):
    with store.write() as uow:
        for n in range(1, 12):
            add_contact(uow, f"Person {n}")
        uow.contacts.get("c-4").last_name = "Martin"
        uow.contacts.get("c-5").erased_at = NOW
        uow.contacts.remove(uow.contacts.get("c-6"))
        uow.commit()
    with store.read() as uow:
        names = uow.contacts.names()
        assert list(names) == [f"c-{n}" for n in (1, 2, 3, 4, 7, 8, 9, 10, 11)]  # c-10 after c-9
        assert names["c-4"] == "Person 4 Martin"
        assert uow.contacts.names(["c-11", "c-4", "c-5", "c-6", "c-99", "x-1"]) == {"c-4": "Person 4 Martin",
                                                                                  "c-11": "Person 11"}
        assert uow.contacts.names([]) == {}
