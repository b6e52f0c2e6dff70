"""`bookctl store copy --to TARGET`: a store into an empty database or a new directory, ids and all.

Each test runs once per backend of the source store: a file store is copied into PostgreSQL, a
PostgreSQL store into a directory; the round trip then copies the copy back into the first kind.
"""

from __future__ import annotations

import json
import secrets
import shutil
from pathlib import Path

import pytest

from tests.conftest import tree_digest
from tests.pg_server import SECRET_PASSWORD, SECRET_USER, database_digest

# Commands whose whole output must not tell a copy from its source.
READS = {
    "session list": ("session", "list", "--from", "2026-10-01", "--to", "2026-12-31", "--format", "json"),
    "contact list": ("contact", "list", "--format", "json"),
    "contact show": ("contact", "show", "c-7", "--format", "json"),
    "erased contact": ("contact", "show", "c-8", "--format", "json"),
    "contact bookings": ("contact", "bookings", "c-7", "--all", "--format", "json"),
    "form responses": ("contact", "form-responses", "c-7", "--format", "json"),
    "payment list": ("payment", "list", "--format", "json"),
    "contact payments": ("payment", "list", "--contact", "c-7", "--format", "json"),
    "export bookings csv": ("export", "bookings", "--format", "csv"),
    "export bookings json": ("export", "bookings", "--format", "json"),
    "export contacts": ("export", "contacts", "--format", "json"),
    "invoice list": ("invoice", "list", "--format", "json"),
    "quote list": ("quote", "list", "--format", "json"),
    "notes": ("contact", "note", "list", "c-7", "--format", "json"),
    "tasks": ("contact", "task", "list", "--format", "json"),
    "attachments": ("contact", "attachments", "c-7", "--format", "json"),
    "outbox": ("outbox", "list", "--format", "json"),
    "doctor": ("doctor", "--format", "json"),
}
ATTACHMENT = b"%PDF-1.4 knee scan\x00\xff"


def ok(bookctl, *args: str):  # noqa: ANN001, ANN201
    """Run bookctl; it must succeed. Its JSON output."""
    done = bookctl(*args, "--format", "json")
    assert done.exit_code == 0, (args, done.stderr)
    return done.json()


@pytest.fixture
def studio(bookctl, store: Path, tmp_path: Path) -> Path:  # noqa: ANN001
    """The conftest store with a small demo studio and one of every kind of record a copy must keep:
    a moved session, a refund, a booking's invoice and one without a booking, a quote, a note, a task
    and an attachment, an erased and a deleted contact, an idempotent payment and a queued email."""
    ok(bookctl, "demo", "seed", "--contacts", "6", "--bookings", "30", "--start", "2026-11-23", "--store", store)
    zoe = ok(bookctl, "contact", "add", "--first-name", "Zoë", "--email", "zoe@example.com", "--store", store)["id"]
    assert zoe == "c-7"
    moved = ok(bookctl, "session", "book", "--service", "physiotherapy", "--contact", zoe, "--start",
               "2026-11-24 10:00", "--form", "injury=knee", "--store", store)["id"]
    ok(bookctl, "payment", "collect", moved, "--method", "in-person", "--yes", "--idempotency-key", "pay-1",
       "--store", store)
    ok(bookctl, "session", "reschedule", moved, "--start", "2026-11-27 09:00", "--store", store)
    ok(bookctl, "payment", "refund", moved, "--amount", "10", "--manual", "--store", store)
    invoiced = ok(bookctl, "session", "book", "--service", "physiotherapy", "--contact", zoe, "--start",
                  "2026-11-26 11:00", "--store", store)["id"]
    ok(bookctl, "invoice", "create", "--contact", zoe, "--booking", invoiced, "--store", store)
    ok(bookctl, "invoice", "pay", "INV-0001", "--method", "bank-transfer", "--store", store)
    ok(bookctl, "invoice", "create", "--contact", zoe, "--item", "Knee brace=35", "--store", store)
    ok(bookctl, "invoice", "pay", "INV-0002", "--method", "bank-transfer", "--store", store)
    ok(bookctl, "quote", "create", "--contact", zoe, "--item", "Ten sessions=600", "--store", store)
    cancelled = ok(bookctl, "session", "book", "--service", "physiotherapy", "--contact", zoe, "--start",
                   "2026-11-25 10:00", "--store", store)["id"]
    ok(bookctl, "session", "cancel", cancelled, "--notify", "--store", store)
    ok(bookctl, "contact", "note", "add", zoe, "Knee feels better", "--store", store)
    ok(bookctl, "contact", "task", "add", zoe, "Call back", "--assignee", "giulia-romano", "--due", "2026-11-30",
       "--store", store)
    scan = tmp_path / "scan.pdf"
    scan.write_bytes(ATTACHMENT)
    ok(bookctl, "contact", "attach", zoe, scan, "--store", store)
    marco = ok(bookctl, "contact", "add", "--first-name", "Marco", "--email", "marco@example.com", "--store", store)["id"]
    ok(bookctl, "session", "book", "--service", "yoga-flow", "--contact", marco, "--start", "2026-11-26 18:00",
       "--store", store)
    ok(bookctl, "contact", "note", "add", marco, "Private", "--store", store)
    ok(bookctl, "contact", "delete", marco, "--erase", "--yes", "--store", store)
    gone = ok(bookctl, "contact", "add", "--first-name", "Gone", "--store", store)["id"]
    ok(bookctl, "contact", "delete", gone, "--yes", "--store", store)  # the counter stays ahead of the contacts
    return store


@pytest.fixture
def other_kind(backend: str, new_database, tmp_path: Path):  # noqa: ANN001, ANN201
    """A target of the other kind than the source store: a fresh database for a file store, a new
    directory for a PostgreSQL store."""
    return lambda name: new_database() if backend == "files" else str(tmp_path / name)


def copy(bookctl, source: Path, target: str):  # noqa: ANN001, ANN201
    """`store copy`; it must succeed. Its summary."""
    done = bookctl("store", "copy", "--to", target, "--store", source, "--format", "json")
    assert done.exit_code == 0, done.stderr
    assert done.stderr == "", "progress is for a terminal only"
    return done.json()


def open_copy(bookctl, source: Path, target: str, where: Path) -> Path:  # noqa: ANN001
    """The store directory of a copy: the directory itself, or `where` with the source's bookctl.toml
    pointed at the database."""
    if "://" not in target:
        return Path(target)
    where.mkdir()
    shutil.copy(source / "bookctl.toml", where / "bookctl.toml")
    ok(bookctl, "config", "set", "storage.url", target, "--store", where)
    return where


def reads(bookctl, store: Path) -> dict[str, str]:  # noqa: ANN001
    """The output of every command of READS on `store`."""
    found = {}
    for name, args in READS.items():
        done = bookctl(*args, "--store", store)
        assert done.exit_code == 0, (name, done.stderr)
        found[name] = done.stdout
    return found


def answers_in_key_order(outputs: dict[str, str]) -> dict[str, str]:
    """`outputs` of READS with each booking's form answers in key order.

    The one thing a file store cannot keep from a PostgreSQL store: the order the answers were typed
    in (its JSON files sort every key; the database keeps them as typed)."""
    def sort_answers(value):  # noqa: ANN001, ANN202
        if isinstance(value, list):
            return [sort_answers(v) for v in value]
        if isinstance(value, dict):
            return {k: dict(sorted(v.items())) if k == "form_responses" and isinstance(v, dict) else sort_answers(v)
                    for k, v in value.items()}
        return value

    found = {}
    for name, output in outputs.items():
        if READS[name][-1] == "json":
            data = sort_answers(json.loads(output))
            if name == "form responses":  # one row per answer, in the order they were typed
                data.sort(key=lambda row: (row["booking_id"], row["key"]))
            output = json.dumps(data, ensure_ascii=False, indent=2)
        found[name] = output
    return found


def assert_reads_alike(bookctl, copied: Path, source: Path, exact: bool) -> None:  # noqa: ANN001
    """Every command of READS gives the same output on `copied` as on `source`: byte for byte when
    `exact`, else with the form answers of a PostgreSQL store in key order."""
    found, expected = reads(bookctl, copied), reads(bookctl, source)
    if not exact:
        found, expected = answers_in_key_order(found), answers_in_key_order(expected)
    assert found == expected


def test_a_copy_reads_the_same_as_its_source(bookctl, studio, other_kind, backend, tmp_path):
    target = other_kind("copy")
    copy(bookctl, studio, target)
    copied = open_copy(bookctl, studio, target, tmp_path / "other")
    # A PostgreSQL store's form answers are in typed order, a file store's in key order.
    assert_reads_alike(bookctl, copied, studio, exact=backend == "files")
    saved = tmp_path / "saved.pdf"
    ok(bookctl, "contact", "attachment", "get", "a-1", "--output", saved, "--store", copied)
    assert saved.read_bytes() == ATTACHMENT


def test_the_summary_counts_what_was_copied_and_says_it_was_verified(bookctl, studio, other_kind):
    target = other_kind("copy")
    summary = copy(bookctl, studio, target)
    assert summary["verified"] is True
    assert summary["target"] == target
    assert {k: summary[k] for k in ("contacts", "invoices", "quotes", "notes", "tasks", "attachments",
                                    "outbox_messages")} == {"contacts": 8, "invoices": 2, "quotes": 1, "notes": 1,
                                                            "tasks": 1, "attachments": 1, "outbox_messages": 1}
    assert summary["bookings"] == 34
    assert summary["ledger_entries"] == len(ok(bookctl, "payment", "list", "--store", studio))
    totals = {(t["currency"], t["kind"], t["status"]): t["amount"] for t in summary["totals"]}
    assert totals[("EUR", "refund", "succeeded")] == "10.00"


def test_new_records_get_the_same_next_ids_in_a_copy_as_in_its_source(bookctl, studio, other_kind, backend,
                                                                          tmp_path):
    target = other_kind("copy")
    copy(bookctl, studio, target)
    copied = open_copy(bookctl, studio, target, tmp_path / "other")
    [paid] = [e["booking_id"] for e in ok(bookctl, "payment", "list", "--contact", "c-7", "--store", studio)
              if e["method"] == "in_person" and e["kind"] == "charge"]
    commands = [
        ("contact", "add", "--first-name", "Nina"),
        ("contact", "note", "add", "c-7", "Second visit"),
        ("contact", "task", "add", "c-7", "Send plan"),
        ("contact", "attach", "c-7", str(tmp_path / "scan.pdf")),
        ("invoice", "create", "--contact", "c-7", "--item", "Tape=5"),
        ("quote", "create", "--contact", "c-7", "--item", "Five sessions=300"),
        # the day the moved session was made on, and the day it moved to
        ("session", "book", "--service", "physiotherapy", "--contact", "c-7", "--start", "2026-11-24 16:00"),
        ("session", "book", "--service", "physiotherapy", "--contact", "c-7", "--start", "2026-11-27 16:00"),
        # a retry of the idempotent payment: the first answer, and no money moves
        ("payment", "collect", paid, "--method", "in-person", "--yes", "--idempotency-key", "pay-1"),
    ]
    for args in commands:
        assert ok(bookctl, *args, "--store", copied) == ok(bookctl, *args, "--store", studio), args
    assert_reads_alike(bookctl, copied, studio, exact=backend == "files")


def test_a_copy_copied_back_reads_the_same_and_is_sound(bookctl, studio, other_kind, backend, new_database, tmp_path):
    there = other_kind("there")
    copy(bookctl, studio, there)
    middle = open_copy(bookctl, studio, there, tmp_path / "middle")
    back = str(tmp_path / "back") if backend == "files" else new_database()
    copy(bookctl, middle, back)
    returned = open_copy(bookctl, middle, back, tmp_path / "returned")
    assert_reads_alike(bookctl, returned, studio, exact=backend == "files")
    assert ok(bookctl, "doctor", "--store", returned)["status"] == "ok"


def test_a_copy_into_an_empty_directory_fills_it(bookctl, studio, backend, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    copy(bookctl, studio, str(empty))
    assert_reads_alike(bookctl, empty, studio, exact=backend == "files")


def test_a_database_with_empty_bookctl_tables_is_an_empty_database(bookctl, studio, new_database, tmp_path):
    url = new_database()
    ok(bookctl, "init", tmp_path / "blank", "--business", "Blank", "--database", url)
    copy(bookctl, studio, url)
    assert_reads_alike(bookctl, open_copy(bookctl, studio, url, tmp_path / "other"), studio, exact=True)


def test_a_database_holding_records_is_refused_and_left_unchanged(bookctl, studio, new_database, tmp_path):
    url = new_database()
    ok(bookctl, "init", tmp_path / "used", "--business", "Used", "--database", url)
    ok(bookctl, "contact", "add", "--first-name", "Ada", "--store", tmp_path / "used")
    before = database_digest(url)
    done = bookctl("store", "copy", "--to", url, "--store", studio)
    assert done.exit_code == 1, done.stderr
    assert done.stderr.startswith("error: the database ") and "is not empty" in done.stderr
    assert done.stdout == ""
    assert database_digest(url) == before


def test_a_directory_holding_files_is_refused_and_left_unchanged(bookctl, studio, tmp_path):
    full = tmp_path / "full"
    full.mkdir()
    (full / "notes.txt").write_text("mine\n")
    before = tree_digest(full)
    done = bookctl("store", "copy", "--to", full, "--store", studio)
    assert done.exit_code == 1, done.stderr
    assert done.stderr == f"error: {full} is not empty; copy into a new or empty directory\n"
    assert tree_digest(full) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["full", "scan.pdf", "store"])


@pytest.mark.parametrize("url", ["postgresql://", "mysql://db.example/studio"])
def test_a_target_url_that_is_not_postgresql_is_exit_2(bookctl, studio, url):
    done = bookctl("store", "copy", "--to", url, "--store", studio)
    assert done.exit_code == 2, done.stderr
    assert done.stderr.startswith("error: --to ") and done.stderr.count("\n") == 1


def test_the_password_of_the_target_url_is_never_shown(bookctl, studio, postgres_server):
    name = f"secret_{secrets.token_hex(6)}"
    postgres_server.create_database(name, owner=SECRET_USER)
    try:
        done = bookctl("store", "copy", "--to", postgres_server.url(name, SECRET_USER, SECRET_PASSWORD),
                       "--store", studio, "--format", "json")
        assert done.exit_code == 0, done.stderr
        assert SECRET_PASSWORD not in done.stdout + done.stderr
        assert done.json()["target"] == postgres_server.url(name, SECRET_USER)
    finally:
        postgres_server.drop_database(name)


def test_a_copy_that_does_not_match_its_source_is_exit_4_and_leaves_nothing(bookctl, studio, other_kind, tmp_path,
                                                                           monkeypatch):
    import bookctl.storage.copy as store_copy

    counted = store_copy.census

    def one_booking_short(uow):  # noqa: ANN001, ANN202 - as if the copy had lost a booking
        found = counted(uow)
        found.counts["bookings"] -= 1
        return found

    monkeypatch.setattr(store_copy, "census", one_booking_short)
    target = other_kind("copy")
    before = sorted(tmp_path.iterdir())
    done = bookctl("store", "copy", "--to", target, "--store", studio)
    assert done.exit_code == 4, done.stderr
    assert done.stderr == "error: the copy does not match its source (bookings 34 != 33); nothing was kept\n"
    if "://" in target:
        assert database_digest(target) == {}, "the copy's tables were left behind"
    assert sorted(tmp_path.iterdir()) == before, "a directory copy was left behind"


@pytest.mark.backends("files")
def test_a_store_with_problems_is_not_copied(bookctl, studio, new_database):
    (studio / "data" / "days" / "2026" / "2026-11-24.json").unlink()
    url = new_database()
    done = bookctl("store", "copy", "--to", url, "--store", studio)
    assert done.exit_code == 4, done.stderr
    assert done.stderr.startswith("error: the store has ")
    assert database_digest(url) == {}
