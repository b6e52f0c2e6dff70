"""An attachment's bytes and its metadata are one commit: a crash at any point leaves both or neither.

A crash is simulated as in test_journal.py: a BaseException at the step where the process dies,
then the store is opened again as the next command would.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bookctl.domain.settings import Business, Settings
from bookctl.services.attachments import attach, list_attachments, save_attachment
from bookctl.storage.files import journal
from bookctl.storage.files import FileStore
from tests.unit.test_journal import Crash, crash_in

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=ZoneInfo("Europe/Rome"))
DATA = b"%PDF-1.7 waiver " + bytes(range(256)) * 64


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """A store with one contact and the file to attach beside it."""
    root = tmp_path / "store"
    store = FileStore.create(root, Settings(business=Business(name="Studio", currency="EUR", timezone="Europe/Rome")))
    with store.write() as uow:
        uow.contacts.add(first_name="Ada", created_at=NOW)
        uow.commit()
    (tmp_path / "waiver.pdf").write_bytes(DATA)
    return root


def attach_waiver(root: Path) -> None:
    with FileStore(root).write() as uow:
        attach(uow, NOW, "c-1", root.parent / "waiver.pdf")
        uow.commit()


@pytest.mark.parametrize("renames_done", [0, 1, 2, 3, None])
def test_crash_after_the_commit_point_is_rolled_forward_whole(root, monkeypatch, renames_done):
    crash_in(monkeypatch, "_apply", renames_done)
    with pytest.raises(Crash):
        attach_waiver(root)
    monkeypatch.undo()
    with FileStore(root).read() as uow:  # the next reader finishes the commit
        assert [a["id"] for a in list_attachments(uow, "c-1")] == ["a-1"]
        out = root.parent / "out.pdf"
        save_attachment(uow, "a-1", out)
    assert hashlib.sha256(out.read_bytes()).digest() == hashlib.sha256(DATA).digest()


def test_crash_before_the_commit_point_leaves_no_attachment_and_no_bytes(root, monkeypatch):
    crash_in(monkeypatch, "write_atomic")
    with pytest.raises(Crash):
        attach_waiver(root)
    monkeypatch.undo()
    with FileStore(root).write() as uow:  # the next writer clears the abandoned temp files
        assert list_attachments(uow, "c-1") == []
    leftovers = [p for p in root.rglob("*") if p.is_file() and DATA[:64] in p.read_bytes()]
    assert leftovers == []
    assert not (root / journal.JOURNAL_NAME).exists()
