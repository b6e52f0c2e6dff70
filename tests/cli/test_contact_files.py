"""Attachments, delete and erase (issue #5): files kept with a card, and leaving no personal data behind."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from tests.conftest import NOW, stored_bytes, tree_digest



def ok(bookctl, *args):  # noqa: ANN001, ANN201
    result = bookctl(*args, "--format", "json")
    assert result.exit_code == 0, result.stderr
    return result.json()


def refused(bookctl, store: Path, code: int, *args: str) -> str:  # noqa: ANN001
    before = tree_digest(store)
    result = bookctl(*args, "--store", store)
    assert result.exit_code == code, (result.stdout, result.stderr)
    assert result.stdout == ""
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1
    assert tree_digest(store) == before
    return result.stderr


@pytest.fixture
def zoe(bookctl, store) -> str:  # noqa: ANN001
    return ok(bookctl, "contact", "add", "--first-name", "Zoë", "--store", store)["id"]


@pytest.fixture
def waiver(tmp_path: Path) -> Path:
    """A binary file with every byte value in it."""
    path = tmp_path / "outside" / "medical waiver.pdf"
    path.parent.mkdir()
    data = bytes(range(256)) * 40 + random.Random(5).randbytes(7001)
    path.write_bytes(data)
    return path


# --- attachments --------------------------------------------------------------------------------------


def test_attachment_round_trip_is_byte_identical(bookctl, store, zoe, waiver, tmp_path):
    import hashlib

    meta = ok(bookctl, "contact", "attach", zoe, waiver, "--store", store)
    assert meta == {"id": "a-1", "contact_id": zoe, "name": "medical waiver.pdf", "size": waiver.stat().st_size,
                    "media_type": "application/pdf", "sha256": hashlib.sha256(waiver.read_bytes()).hexdigest(),
                    "created_at": NOW}
    assert ok(bookctl, "contact", "attachments", zoe, "--store", store) == [meta]
    out = tmp_path / "copy.pdf"
    got = ok(bookctl, "contact", "attachment", "get", "a-1", "--output", out, "--store", store)
    assert got["output"] == str(out)
    assert out.read_bytes() == waiver.read_bytes()
    assert [p.name for p in out.parent.iterdir() if p.name.startswith(".copy.pdf")] == []  # no temp file left


@pytest.mark.backends("files")  # about the files themselves
def test_attachment_is_stored_under_a_generated_name(bookctl, store, zoe, waiver):
    ok(bookctl, "contact", "attach", zoe, waiver, "--store", store)
    stored = [p for p in store.rglob("*") if p.is_file() and p.read_bytes() == waiver.read_bytes()]
    assert [p.relative_to(store).as_posix() for p in stored] == ["data/attachments/00000/a-1.bin"]


def test_attachment_get_with_force_replaces_an_existing_output_file(bookctl, store, zoe, waiver, tmp_path):
    ok(bookctl, "contact", "attach", zoe, waiver, "--store", store)
    out = tmp_path / "exists.pdf"
    out.write_bytes(b"old")
    ok(bookctl, "contact", "attachment", "get", "a-1", "-o", out, "--force", "--store", store)
    assert out.read_bytes() == waiver.read_bytes()


def test_attachment_get_refuses_to_write_inside_the_store(bookctl, store, zoe, waiver):
    ok(bookctl, "contact", "attach", zoe, waiver, "--store", store)
    target = store / "data" / "contacts" / "00000.json"
    error = refused(bookctl, store, 2, "contact", "attachment", "get", "a-1", "--output", target)
    assert error == f"error: --output {str(target)!r} is inside the store; write the attachment somewhere else\n"


def test_attach_refuses_a_symlink(bookctl, store, zoe, waiver, tmp_path):
    link = tmp_path / "link.pdf"
    link.symlink_to(waiver)
    error = refused(bookctl, store, 2, "contact", "attach", zoe, link)
    assert error == f"error: FILE {str(link)!r} is a symlink; attach the file it points to\n"


@pytest.mark.parametrize("name", ["../evil.pdf", "../../etc/passwd", "/etc/passwd", "a/b.pdf", "..\\x.pdf",
                                  "C:evil", "..", ""])
def test_attach_refuses_a_name_that_is_not_a_plain_file_name(bookctl, store, zoe, waiver, name):
    refused(bookctl, store, 2, "contact", "attach", zoe, waiver, "--name", name)


def test_attach_keeps_a_given_plain_name(bookctl, store, zoe, waiver):
    assert ok(bookctl, "contact", "attach", zoe, waiver, "--name", "waiver-2026.pdf", "--store", store)["name"] == "waiver-2026.pdf"


def test_attach_refuses_a_directory_and_a_missing_file(bookctl, store, zoe, tmp_path):
    refused(bookctl, store, 2, "contact", "attach", zoe, tmp_path)
    refused(bookctl, store, 2, "contact", "attach", zoe, tmp_path / "nope.pdf")


def test_attach_refuses_a_file_over_the_configured_limit(bookctl, store, zoe, waiver):
    ok(bookctl, "config", "set", "contacts.attachment_max_bytes", "1000", "--store", store)
    error = refused(bookctl, store, 1, "contact", "attach", zoe, waiver)
    assert f"is {waiver.stat().st_size} bytes, over the limit of 1000" in error
    ok(bookctl, "config", "set", "contacts.attachment_max_bytes", str(waiver.stat().st_size), "--store", store)
    ok(bookctl, "contact", "attach", zoe, waiver, "--store", store)


@pytest.mark.parametrize("attachment_id", ["a-2", "a-0", "../../etc/passwd", "/etc/passwd", "a-1/../a-1", "t-1"])
def test_attachment_get_of_an_unknown_id_is_exit_3_and_writes_nothing(bookctl, store, zoe, waiver, tmp_path,
                                                                      attachment_id):
    ok(bookctl, "contact", "attach", zoe, waiver, "--store", store)
    out = tmp_path / "out.pdf"
    error = refused(bookctl, store, 3, "contact", "attachment", "get", attachment_id, "--output", out)
    assert error == f"error: no attachment {attachment_id!r}\n"
    assert not out.exists()


@pytest.mark.backends("files")  # about the files themselves
def test_attachment_whose_bytes_were_damaged_is_exit_4_naming_the_file(bookctl, store, zoe, waiver, tmp_path):
    ok(bookctl, "contact", "attach", zoe, waiver, "--store", store)
    blob = store / "data" / "attachments" / "00000" / "a-1.bin"
    blob.write_bytes(b"x" + blob.read_bytes()[1:])
    out = tmp_path / "out.pdf"
    result = bookctl("contact", "attachment", "get", "a-1", "--output", out, "--store", store)
    assert result.exit_code == 4
    assert result.stderr == f"error: {blob}: does not match its sha256; the file is damaged\n"
    assert not out.exists()


@pytest.mark.backends("files")  # about the files themselves
def test_damaged_card_file_is_exit_4_naming_the_file_and_field(bookctl, store, zoe):
    ok(bookctl, "contact", "note", "add", zoe, "Hello", "--store", store)
    path = store / "data" / "cards" / "00000.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    data["cards"][zoe]["notes"][0]["type"] = "gossip"
    path.write_text(json.dumps(data), encoding="utf-8")
    result = bookctl("contact", "show", zoe, "--store", store)
    assert result.exit_code == 4
    assert result.stderr.startswith(f"error: {path}: field cards.{zoe}.notes.0.type:")


@pytest.mark.backends("files")  # about the files themselves
def test_damaged_card_index_is_exit_4_naming_the_file_and_field(bookctl, store, zoe):
    ok(bookctl, "contact", "task", "add", zoe, "Call", "--store", store)
    path = store / "data" / "cards" / "index.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    data["tasks"]["t-1"]["contact_id"] = "../c-1"
    path.write_text(json.dumps(data), encoding="utf-8")
    before = tree_digest(store)
    result = bookctl("contact", "task", "done", "t-1", "--store", store)
    assert result.exit_code == 4
    assert result.stderr.startswith(f"error: {path}: field tasks.t-1.contact_id:")
    assert tree_digest(store) == before


@pytest.mark.backends("files")  # about the files themselves
def test_card_file_from_a_newer_bookctl_is_refused(bookctl, store, zoe):
    ok(bookctl, "contact", "note", "add", zoe, "Hello", "--store", store)
    path = store / "data" / "cards" / "00000.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    data["schema_version"] = 99
    path.write_text(json.dumps(data), encoding="utf-8")
    result = bookctl("contact", "note", "list", zoe, "--store", store)
    assert result.exit_code == 4
    assert "schema_version 99 is newer than this bookctl understands" in result.stderr


def test_attach_to_an_unknown_contact_is_exit_3(bookctl, store, waiver):
    refused(bookctl, store, 3, "contact", "attach", "c-7", waiver)


# --- delete and erase ---------------------------------------------------------------------------------


PERSONAL = {
    "first": "Wilhelmina", "last": "Quaresma-Zubiri", "email": "wq.private@example.org", "phone": "+33 6 98 76 54 32",
    "address": "17 impasse des Glycines, Rennes", "email2": "wilhelmina.work@example.net", "company": "Quaresma Atelier",
    "tax": "QZ998877", "dog": "Fenrisulfr", "note": "Confided a chronic migraine since 2019",
    "task": "Ring Wilhelmina about the migraine plan", "answer": "sciatica on the right side", "label": "Migraine club",
}


@pytest.fixture
def full_card(bookctl, store, tmp_path):  # noqa: ANN001, ANN201
    """A contact with every kind of personal data, two bookings (one paid-for past one), and a neighbour."""
    p = PERSONAL
    cid = ok(bookctl, "contact", "add", "--first-name", p["first"], "--last-name", p["last"], "--email", p["email"],
             "--phone", p["phone"], "--address", p["address"], "--birthday", "1980-04-04", "--store", store)["id"]
    neighbour = ok(bookctl, "contact", "add", "--first-name", "Marco", "--store", store)["id"]
    for field, value, extra in [("email", p["email2"], ()), ("company", p["company"], ()), ("tax-id", p["tax"], ()),
                                ("Dog name", p["dog"], ("--type", "text"))]:
        ok(bookctl, "contact", "add-field", cid, field, value, *extra, "--store", store)
    ok(bookctl, "contact", "label", cid, p["label"], "--store", store)
    ok(bookctl, "contact", "note", "add", cid, p["note"], "--store", store)
    ok(bookctl, "contact", "task", "add", cid, p["task"], "--assignee", "giulia-romano", "--store", store)
    secret = tmp_path / "scan.bin"
    secret.write_bytes(b"SCAN-OF-ID-CARD-" + random.Random(9).randbytes(3000))
    ok(bookctl, "contact", "attach", cid, secret, "--store", store)
    past = ok(bookctl, "session", "book", "--service", "physiotherapy", "--contact", cid, "--start", "2026-11-20 09:00",
              "--allow-past", "--form", f"injury={p['answer']}", "--store", store)
    ok(bookctl, "session", "checkin", past["id"], "--store", store)
    ok(bookctl, "session", "book", "--service", "yoga-flow", "--contact", cid, "--start", "2026-11-26 18:00",
       "--store", store)
    ok(bookctl, "session", "book", "--service", "yoga-flow", "--contact", neighbour, "--start", "2026-11-26 18:00",
       "--store", store)
    return cid, neighbour, secret.read_bytes(), past["id"]


def _everything(store: Path) -> bytes:
    return stored_bytes(store)


def test_plain_delete_of_a_contact_with_bookings_suggests_erase(bookctl, store, full_card):
    cid, *_ = full_card
    error = refused(bookctl, store, 1, "contact", "delete", cid, "--yes")
    assert error == (f"error: contact {cid} has 2 bookings; a contact with bookings cannot be deleted; "
                     "use --erase to remove their personal data and keep the bookings\n")


def test_erase_without_yes_off_a_terminal_changes_nothing(bookctl, store, full_card):
    cid, *_ = full_card
    refused(bookctl, store, 2, "contact", "delete", cid, "--erase")


def test_erase_leaves_no_personal_data_anywhere_in_the_store(bookctl, store, full_card):
    cid, _, attachment_bytes, _ = full_card
    before = _everything(store)
    for value in PERSONAL.values():  # the check below would prove nothing if they were never stored
        assert value.encode() in before, value
    erased = ok(bookctl, "contact", "delete", cid, "--erase", "--yes", "--store", store)
    assert erased["first_name"] == "(erased)" and erased["erased_at"] == NOW
    after = _everything(store)
    for value in PERSONAL.values():
        assert value.encode() not in after, value
    assert b"1980-04-04" not in after
    assert attachment_bytes[:64] not in after
    assert not (store / "data" / "attachments" / "00000" / "a-1.bin").exists()


def test_erase_drops_the_email_queued_for_the_contact_and_keeps_the_neighbours(bookctl, store, full_card):
    cid, neighbour, _, _ = full_card
    ok(bookctl, "contact", "edit", neighbour, "--email", "marco@example.org", "--store", store)
    for who, start in ((cid, "2026-11-27 10:00"), (neighbour, "2026-11-27 11:00")):
        booking = ok(bookctl, "session", "book", "--service", "physiotherapy", "--contact", who, "--start", start,
                     "--store", store)
        ok(bookctl, "session", "cancel", booking["id"], "--notify", "--store", store)
    queued = ok(bookctl, "outbox", "list", "--store", store)
    assert len(queued) == 2 and PERSONAL["email"].encode() in _everything(store)
    ok(bookctl, "contact", "delete", cid, "--erase", "--yes", "--store", store)
    left = ok(bookctl, "outbox", "list", "--store", store)
    assert [m["booking"] for m in left] == [queued[1]["booking"]]
    assert PERSONAL["email"].encode() not in _everything(store)


def test_erase_keeps_the_bookings_with_attendance_and_price(bookctl, store, full_card):
    cid, neighbour, _, past = full_card
    before = ok(bookctl, "session", "list", "--from", "2026-11-01", "--to", "2026-12-31", "--store", store)
    ok(bookctl, "contact", "delete", cid, "--erase", "--yes", "--store", store)
    after = ok(bookctl, "session", "list", "--from", "2026-11-01", "--to", "2026-12-31", "--store", store)
    strip = lambda rows: [{k: v for k, v in r.items() if k != "form_responses"} for r in rows]  # noqa: E731
    assert strip(after) == strip(before)
    assert [r["form_responses"] for r in after if r["contact_id"] == cid] == [{}, {}]
    card = ok(bookctl, "contact", "show", cid, "--store", store)
    assert [b["id"] for b in card["bookings"]][-1] == past
    assert (card["notes"], card["attachments"], card["labels"], card["custom_fields"]) == ([], [], [], {})
    assert [(t["text"], t["open"]) for t in card["tasks"]] == [("(erased)", False)]
    assert ok(bookctl, "contact", "show", neighbour, "--store", store)["first_name"] == "Marco"


def test_erased_contact_takes_no_new_data_and_cannot_be_erased_twice(bookctl, store, full_card):
    cid, *_ = full_card
    ok(bookctl, "contact", "delete", cid, "--erase", "--yes", "--store", store)
    assert refused(bookctl, store, 1, "contact", "delete", cid, "--erase") == f"error: contact {cid} was already erased\n"
    refused(bookctl, store, 1, "contact", "note", "add", cid, "again")
    refused(bookctl, store, 1, "contact", "edit", cid, "--first-name", "Back")
    refused(bookctl, store, 1, "contact", "add-field", cid, "company", "Back Inc")
    refused(bookctl, store, 1, "contact", "label", cid, "VIP")
    refused(bookctl, store, 1, "session", "book", "--service", "physiotherapy", "--contact", cid,
            "--start", "2026-12-01 10:00")


def test_erase_of_a_contact_without_bookings_anonymises_it_too(bookctl, store, zoe):
    ok(bookctl, "contact", "note", "add", zoe, "private", "--store", store)
    erased = ok(bookctl, "contact", "delete", zoe, "--erase", "--yes", "--store", store)
    assert (erased["id"], erased["first_name"]) == (zoe, "(erased)")
    assert not (store / "data" / "cards" / "00000.json").exists()


def test_plain_delete_removes_the_card_its_tasks_and_attachment_bytes(bookctl, store, zoe, waiver):
    ok(bookctl, "contact", "note", "add", zoe, "private", "--store", store)
    ok(bookctl, "contact", "task", "add", zoe, "call", "--store", store)
    ok(bookctl, "contact", "attach", zoe, waiver, "--store", store)
    ok(bookctl, "contact", "delete", zoe, "--yes", "--store", store)
    assert ok(bookctl, "contact", "task", "list", "--store", store) == []
    assert not (store / "data" / "attachments" / "00000" / "a-1.bin").exists()
    assert waiver.read_bytes()[:64] not in _everything(store)
    assert bookctl("contact", "attachment", "get", "a-1", "--output", waiver.parent / "x", "--store", store).exit_code == 3


def test_erased_contact_shows_as_erased_in_lists(bookctl, store, full_card):
    cid, *_ = full_card
    ok(bookctl, "contact", "delete", cid, "--erase", "--yes", "--store", store)
    rows = ok(bookctl, "contact", "list", "--store", store)
    assert [(r["id"], r["first_name"]) for r in rows][0] == (cid, "(erased)")
    assert ok(bookctl, "contact", "list", "--label", PERSONAL["label"], "--store", store) == []
    assert not any((store / ".tmp").glob("*"))  # nothing of the erased card waits in the journal's temp files
