"""The file store's own indexes (data/labels/, data/contact-documents/): a store written before they
existed still answers, gets them back from its first writer, and `doctor` reports one that disagrees."""

from __future__ import annotations

import json
import shutil
from typing import Any

import pytest

from bookctl.storage.files.emails import bucket_of
from tests.storage.conftest import add_contact, add_invoice, add_quote

INDEXES = ("labels", "contact-documents")


@pytest.fixture
def files_store(make_store: Any) -> Any:
    """A file store with labelled contacts, invoices and a quote, its indexes then deleted."""
    store = make_store("files")
    with store.write() as uow:
        ada = add_contact(uow, "Ada", labels=["VIP"])
        bea = add_contact(uow, "Bea", labels=["Yoga", "vip"])
        add_invoice(uow, ada)
        add_invoice(uow, bea)
        add_quote(uow, ada)
        uow.commit()
    for name in INDEXES:
        assert (store.root / "data" / name / "index.json").is_file()
        shutil.rmtree(store.root / "data" / name)  # as a store written before the indexes
    return store


def answers(uow: Any) -> tuple[list[str], list[str], list[str]]:
    return ([c.id for c in uow.contacts.with_label("vip")], [i.id for i in uow.documents.invoices_of("c-1")],
            [q.id for q in uow.documents.quotes_of("c-1")])


def test_a_reader_without_the_indexes_reads_every_record_and_writes_nothing(files_store):
    with files_store.read() as uow:
        assert answers(uow) == (["c-1", "c-2"], ["INV-0001"], ["Q-0001"])
    assert not any((files_store.root / "data" / name).exists() for name in INDEXES)


def test_a_writer_changing_neither_labels_nor_documents_leaves_the_indexes_to_come(files_store):
    with files_store.write() as uow:
        uow.contacts.get("c-2").phone = "+39 1"
        uow.documents.get_quote("Q-0001").status = "accepted"
        uow.commit()
    assert not any((files_store.root / "data" / name).exists() for name in INDEXES)


def test_the_first_writer_to_change_a_label_or_add_a_document_builds_that_index_in_full(files_store):
    with files_store.write() as uow:
        uow.contacts.get("c-2").labels.append("Pilates")
        uow.commit()
    assert (files_store.root / "data" / "labels" / "index.json").is_file()
    assert not (files_store.root / "data" / "contact-documents").exists()
    with files_store.write() as uow:
        add_quote(uow, uow.contacts.get("c-2"))
        uow.commit()
    for name in INDEXES:
        assert (files_store.root / "data" / name / "index.json").is_file()
    bucket = json.loads((files_store.root / "data" / "labels" / f"{bucket_of('vip'):02x}.json").read_text())
    assert bucket["labels"]["vip"] == ["c-1", "c-2"]
    shard = json.loads((files_store.root / "data" / "contact-documents" / "00000.json").read_text())
    assert (shard["invoices"], shard["quotes"]) == ({"c-1": ["INV-0001"], "c-2": ["INV-0002"]},
                                                    {"c-1": ["Q-0001"], "c-2": ["Q-0002"]})
    with files_store.read() as uow:
        assert answers(uow) == (["c-1", "c-2"], ["INV-0001"], ["Q-0001"])
        assert list(uow.index_problems()) == []


def test_a_writer_that_looks_up_builds_the_indexes_with_its_commit(files_store):
    with files_store.write() as uow:
        assert answers(uow) == (["c-1", "c-2"], ["INV-0001"], ["Q-0001"])
        uow.commit()
    for name in INDEXES:
        assert (files_store.root / "data" / name / "index.json").is_file()


def test_stale_bucket_files_are_rebuilt_with_the_index(files_store):
    folder = files_store.root / "data" / "labels"
    folder.mkdir()
    (folder / f"{bucket_of('gone'):02x}.json").write_text('{"schema_version": 1, "labels": {"gone": ["c-1"]}}')
    with files_store.write() as uow:
        uow.contacts.get("c-1").labels.append("New")
        uow.commit()
    stale = folder / f"{bucket_of('gone'):02x}.json"
    assert not stale.exists() or "gone" not in json.loads(stale.read_text())["labels"]
    with files_store.read() as uow:
        assert uow.contacts.with_label("gone") == []
        assert [c.id for c in uow.contacts.with_label("new")] == ["c-1"]
        assert list(uow.index_problems()) == []


def test_index_problems_name_what_the_indexes_miss_or_list_wrongly(files_store):
    with files_store.write() as uow:
        uow.contacts.get("c-1").labels.append("Pilates")  # builds both indexes
        add_invoice(uow, uow.contacts.get("c-1"))
        uow.commit()
    labels = files_store.root / "data" / "labels" / f"{bucket_of('vip'):02x}.json"
    data = json.loads(labels.read_text())
    data["labels"]["vip"] = ["c-2", "c-7"]
    labels.write_text(json.dumps(data))
    documents = files_store.root / "data" / "contact-documents" / "00000.json"
    data = json.loads(documents.read_text())
    data["invoices"] = {"c-1": ["INV-0001", "INV-0002", "INV-0003"]}
    documents.write_text(json.dumps(data))
    with files_store.read() as uow:
        found = list(uow.index_problems())
    assert [problem for _, problem in found] == [
        "the label index misses contact c-1 under 'vip'; delete data/labels/index.json and the next label added "
        "or removed rebuilds it",
        "the label index lists contact c-7 under 'vip', which it does not have (harmless)",
        "the contact-documents index lists invoice INV-0002 under contact c-1, whose it is not (harmless)",
        "the contact-documents index misses invoice INV-0002 of contact c-2; delete "
        "data/contact-documents/index.json and the next invoice or quote made rebuilds it",
    ]
    assert {file for file, _ in found} == {str(labels), str(documents)}
