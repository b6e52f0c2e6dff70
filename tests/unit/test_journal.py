"""bookctl.storage.journal: multi-file commits that survive a crash at any point.

A crash is simulated by raising a BaseException (nothing in bookctl catches it) at the step where
the process would have died, then opening the store again as the next command would.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bookctl.domain.money import Money
from bookctl.domain.settings import Business, Settings
from bookctl.errors import StoreError
from bookctl.storage.files import journal
from bookctl.storage.files import FileStore
from tests.conftest import tree_digest

ROME = ZoneInfo("Europe/Rome")
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=ROME)
START = datetime(2026, 11, 24, 18, 0, tzinfo=ROME)
CONTACTS = Path("data/contacts/00000.json")
COUNTERS = Path("data/counters.json")
DAY = Path("data/days/2026/2026-11-24.json")
DAY_INDEX = Path("data/days/2026/days.json")  # lists the new day, in the same commit


class Crash(BaseException):
    """The process dies here."""


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """An empty store."""
    root = tmp_path / "store"
    FileStore.create(root, Settings(business=Business(name="Studio Verde", currency="EUR", timezone="Europe/Rome")))
    return root


def book_ada(root: Path) -> tuple[str, str]:
    """One unit of work touching three files: a contact (and its counter) and a booking (its day file).
    Returns (contact id, booking id); the caller decides whether the commit survives."""
    uow = FileStore(root).write()
    try:
        contact = uow.contacts.add(first_name="Ada", created_at=NOW)
        session = uow.calendar.add_session(service_id="yoga-flow", staff_id=None, start=START, end=START + timedelta(hours=1),
                                  capacity=3, created_at=NOW)
        booking = uow.calendar.add_booking(session, contact_id=contact.id, price=Money(minor=1800, currency="EUR"),
                                  created_at=NOW)
        uow.commit()
    finally:
        uow.close()
    return contact.id, booking.id


def crash_in(monkeypatch: pytest.MonkeyPatch, name: str, renames_done: int | None = None) -> None:
    """Make `journal.<name>` kill the process; for `_apply`, after `renames_done` entries (None: all)."""
    real = getattr(journal, name)

    def dying(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        if name == "_apply" and renames_done != 0:
            root, entries = args
            real(root, entries if renames_done is None else entries[:renames_done])
        raise Crash

    monkeypatch.setattr(journal, name, dying)


def assert_ada_is_booked(root: Path, contact_id: str, booking_id: str) -> None:
    with FileStore(root).read() as uow:
        assert uow.contacts.get(contact_id).first_name == "Ada"
        assert uow.contacts.get(contact_id).booking_ids == [booking_id]
        booking = uow.calendar.get_booking(booking_id)
        assert booking.contact_id == contact_id
        assert uow.calendar.get_session(booking.session_id).start == START


def leftovers(root: Path) -> list[str]:
    tmp = root / journal.TMP_DIR_NAME
    return sorted(p.name for p in tmp.iterdir()) if tmp.is_dir() else []


# --- a commit -------------------------------------------------------------------------------

def test_a_commit_writes_every_staged_file(root):
    (root / "old.json").write_bytes(b"old\n")
    (root / "gone.json").write_bytes(b"gone\n")
    commit = journal.Journal(root)
    commit.stage(root / "data" / "deep" / "new" / "a.json", b'{"a": 1}\n')
    commit.stage(root / "old.json", b"new\n")
    commit.stage(root / "gone.json", None)
    commit.commit()
    assert (root / "data" / "deep" / "new" / "a.json").read_bytes() == b'{"a": 1}\n'
    assert (root / "old.json").read_bytes() == b"new\n"
    assert not (root / "gone.json").exists()


def test_a_commit_leaves_no_journal_or_temp_files(root):
    commit = journal.Journal(root)
    commit.stage(root / "a.json", b"a\n")
    commit.stage(root / "b.json", b"b\n")
    commit.commit()
    assert not (root / journal.JOURNAL_NAME).exists()
    assert leftovers(root) == []
    assert not journal.needs_recovery(root)


def test_a_commit_with_nothing_staged_touches_nothing(root):
    before = tree_digest(root)
    journal.Journal(root).commit()
    assert tree_digest(root) == before
    assert not (root / journal.TMP_DIR_NAME).exists()


def test_a_unit_of_work_commits_all_its_files(root):
    contact_id, booking_id = book_ada(root)
    assert all((root / path).is_file() for path in (CONTACTS, COUNTERS, DAY, DAY_INDEX))
    assert_ada_is_booked(root, contact_id, booking_id)


def test_a_unit_of_work_closed_without_commit_changes_nothing(root):
    before = tree_digest(root)
    with FileStore(root).write() as uow:
        uow.contacts.add(first_name="Ada", created_at=NOW)
    assert tree_digest(root) == before


# --- a crash after the commit point ---------------------------------------------------------

def test_a_crash_after_the_commit_point_leaves_the_journal_and_the_temp_files(root, monkeypatch):
    crash_in(monkeypatch, "_apply", renames_done=0)
    with pytest.raises(Crash):
        book_ada(root)
    entries = json.loads((root / journal.JOURNAL_NAME).read_text())["entries"]
    assert sorted(Path(e["path"]) for e in entries) == [CONTACTS, COUNTERS, DAY, DAY_INDEX]
    assert all((root / e["tmp"]).is_file() for e in entries)
    assert not any((root / path).exists() for path in (CONTACTS, COUNTERS, DAY, DAY_INDEX))


def test_the_next_writer_rolls_a_committed_change_forward(root, monkeypatch):
    with monkeypatch.context() as patch:
        crash_in(patch, "_apply", renames_done=0)
        with pytest.raises(Crash):
            book_ada(root)
    FileStore(root).write().close()
    assert not journal.needs_recovery(root)
    assert leftovers(root) == []
    assert_ada_is_booked(root, "c-1", "b-20261124-2")


def test_the_next_reader_rolls_a_committed_change_forward(root, monkeypatch):
    with monkeypatch.context() as patch:
        crash_in(patch, "_apply", renames_done=0)
        with pytest.raises(Crash):
            book_ada(root)
    with FileStore(root).read() as uow:
        assert uow.contacts.get("c-1").first_name == "Ada"
        assert uow.calendar.get_booking("b-20261124-2").contact_id == "c-1"
    assert not journal.needs_recovery(root)
    assert leftovers(root) == []


def test_a_commit_interrupted_between_renames_is_completed(root, monkeypatch):
    with monkeypatch.context() as patch:
        crash_in(patch, "_apply", renames_done=1)
        with pytest.raises(Crash):
            book_ada(root)
    assert (root / CONTACTS).is_file() and not (root / DAY).exists()  # half-applied on disk
    FileStore(root).write().close()
    assert_ada_is_booked(root, "c-1", "b-20261124-2")


def test_the_rolled_forward_files_are_the_ones_a_clean_commit_writes(root, tmp_path, monkeypatch):
    clean = tmp_path / "clean"
    FileStore.create(clean, Settings(business=Business(name="Studio Verde", currency="EUR", timezone="Europe/Rome")))
    book_ada(clean)
    with monkeypatch.context() as patch:
        crash_in(patch, "_apply", renames_done=1)
        with pytest.raises(Crash):
            book_ada(root)
    FileStore(root).write().close()
    assert tree_digest(root) == tree_digest(clean)


def test_a_later_command_works_normally_after_recovery(root, monkeypatch):
    with monkeypatch.context() as patch:
        crash_in(patch, "_apply", renames_done=0)
        with pytest.raises(Crash):
            book_ada(root)
    with FileStore(root).write() as uow:
        uow.contacts.add(first_name="Bruno", created_at=NOW)
        uow.commit()
    with FileStore(root).read() as uow:
        assert [c.first_name for c in uow.contacts.all()] == ["Ada", "Bruno"]
        assert uow.calendar.get_booking("b-20261124-2").contact_id == "c-1"


# --- a crash before the commit point --------------------------------------------------------

def test_a_crash_before_the_commit_point_leaves_the_data_unchanged(root, monkeypatch):
    book_ada(root)
    before = tree_digest(root)
    with monkeypatch.context() as patch:
        crash_in(patch, "write_atomic")  # dies writing the journal, after the temp files
        with pytest.raises(Crash):
            with FileStore(root).write() as uow:
                uow.contacts.get("c-1").first_name = "Adele"
                uow.commit()
    assert leftovers(root) != []
    assert not journal.needs_recovery(root)
    with FileStore(root).read() as uow:
        assert uow.contacts.get("c-1").first_name == "Ada"
    assert {k: v for k, v in tree_digest(root).items() if not k.startswith(journal.TMP_DIR_NAME)} == before


def test_the_next_writer_clears_what_an_uncommitted_change_left(root, monkeypatch):
    book_ada(root)
    before = tree_digest(root)
    with monkeypatch.context() as patch:
        crash_in(patch, "write_atomic")
        with pytest.raises(Crash):
            with FileStore(root).write() as uow:
                uow.contacts.add(first_name="Bruno", created_at=NOW)
                uow.commit()
    FileStore(root).write().close()
    assert leftovers(root) == []
    assert tree_digest(root) == before
    with FileStore(root).read() as uow:
        assert [c.first_name for c in uow.contacts.all()] == ["Ada"]


def test_stray_temp_files_without_a_journal_are_cleared_by_the_next_writer(root):
    book_ada(root)
    before = tree_digest(root)
    tmp = root / journal.TMP_DIR_NAME
    tmp.mkdir(exist_ok=True)
    (tmp / "0-00000.json").write_text('{"schema_version": 1, "contacts": {}}\n')
    (tmp / "1-2026-11-24.json").write_text("{ half a fi")
    FileStore(root).write().close()
    assert leftovers(root) == []
    assert tree_digest(root) == before
    assert_ada_is_booked(root, "c-1", "b-20261124-2")


def test_stray_temp_files_are_ignored_by_a_reader(root):
    book_ada(root)
    tmp = root / journal.TMP_DIR_NAME
    tmp.mkdir(exist_ok=True)
    (tmp / "0-00000.json").write_text('{"schema_version": 1, "contacts": {}}\n')
    assert_ada_is_booked(root, "c-1", "b-20261124-2")


# --- replaying a journal --------------------------------------------------------------------

def test_replaying_a_journal_whose_renames_all_happened_is_a_no_op(root, monkeypatch):
    with monkeypatch.context() as patch:
        crash_in(patch, "_apply", renames_done=None)  # every rename done, the journal not yet removed
        with pytest.raises(Crash):
            book_ada(root)
    assert journal.needs_recovery(root)
    before = tree_digest(root)
    journal.recover(root)
    assert not journal.needs_recovery(root)
    after = tree_digest(root)
    assert {k: v for k, v in before.items() if k != journal.JOURNAL_NAME} == after
    assert_ada_is_booked(root, "c-1", "b-20261124-2")


def test_replaying_a_finished_journal_does_not_undo_a_delete(root):
    (root / "kept.json").write_bytes(b"kept\n")
    (root / "gone.json").write_bytes(b"gone\n")
    commit = journal.Journal(root)
    commit.stage(root / "kept.json", b"new\n")
    commit.stage(root / "gone.json", None)
    commit.commit()
    entries = [{"op": "write", "path": "kept.json", "tmp": f"{journal.TMP_DIR_NAME}/0-kept.json"},
               {"op": "delete", "path": "gone.json"}]
    (root / journal.JOURNAL_NAME).write_text(json.dumps({"schema_version": 1, "entries": entries}))
    journal.recover(root)
    assert (root / "kept.json").read_bytes() == b"new\n"
    assert not (root / "gone.json").exists()
    assert not journal.needs_recovery(root)


def test_recovering_twice_is_the_same_as_once(root, monkeypatch):
    with monkeypatch.context() as patch:
        crash_in(patch, "_apply", renames_done=1)
        with pytest.raises(Crash):
            book_ada(root)
    journal.recover(root)
    once = tree_digest(root)
    journal.recover(root)
    assert tree_digest(root) == once


def test_a_damaged_journal_is_a_store_error_and_is_kept(root):
    (root / journal.JOURNAL_NAME).write_text('{"entries": [')
    with pytest.raises(StoreError, match="journal"):
        FileStore(root).write()
    assert (root / journal.JOURNAL_NAME).read_text() == '{"entries": ['


def test_a_damaged_journal_releases_the_lock(root, monkeypatch):
    monkeypatch.setenv("BOOKCTL_LOCK_TIMEOUT", "0")
    (root / journal.JOURNAL_NAME).write_text("not json")
    with pytest.raises(StoreError):
        FileStore(root).write()
    (root / journal.JOURNAL_NAME).unlink()
    FileStore(root).write().close()  # would time out if the failed attempt had kept the lock
