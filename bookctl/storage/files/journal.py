"""All-or-nothing commits of several files.

Each file of a commit is first written in full to `.tmp/` and fsynced. Then the journal, which
lists every rename the commit makes, is written atomically: that write is the commit point. Then
the renames happen and the journal is removed. A crash before the journal leaves only garbage in
`.tmp/`, which the next writer clears; a crash after it is rolled forward by the next writer (or
reader), because replaying a rename whose temp file is gone is a no-op.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from bookctl.errors import StoreError
from bookctl.storage.io import dump_json, fsync_dir, write_atomic, write_durable

JOURNAL_NAME = ".journal.json"
TMP_DIR_NAME = ".tmp"


class Journal:
    """The pending changes of one unit of work, and the means to make them durable at once."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.staged: dict[Path, bytes | None] = {}

    def stage(self, path: Path, data: bytes | None) -> None:
        """Write `data` to `path` at commit (None deletes it)."""
        self.staged[path] = data

    def commit(self) -> None:
        """Make every staged change durable, all of them or none."""
        if not self.staged:
            return
        tmp_dir = self.root / TMP_DIR_NAME
        tmp_dir.mkdir(exist_ok=True)
        entries = []
        for n, (path, data) in enumerate(sorted(self.staged.items())):
            rel = path.relative_to(self.root).as_posix()
            if data is None:
                entries.append({"op": "delete", "path": rel})
                continue
            tmp = tmp_dir / f"{n}-{path.name}"
            write_durable(tmp, data)
            entries.append({"op": "write", "path": rel, "tmp": tmp.relative_to(self.root).as_posix()})
        fsync_dir(tmp_dir)
        journal = self.root / JOURNAL_NAME
        write_atomic(journal, dump_json({"schema_version": 1, "entries": entries}))
        _apply(self.root, entries)
        journal.unlink()
        fsync_dir(self.root)
        self.staged.clear()


def needs_recovery(root: Path) -> bool:
    """Whether a commit was interrupted after its commit point."""
    return (root / JOURNAL_NAME).exists()


def recover(root: Path) -> None:
    """Finish an interrupted commit and clear abandoned temp files. Call with the store lock held."""
    journal = root / JOURNAL_NAME
    if journal.exists():
        try:
            entries = json.loads(journal.read_text(encoding="utf-8"))["entries"]
        except (ValueError, KeyError, TypeError, UnicodeDecodeError):
            raise StoreError(f"{journal}: the commit journal is damaged; inspect it by hand") from None
        _check_entries(root, journal, entries)
        _apply(root, entries)
        journal.unlink()
        fsync_dir(root)
    tmp_dir = root / TMP_DIR_NAME
    if tmp_dir.is_dir():
        for leftover in tmp_dir.iterdir():
            leftover.unlink(missing_ok=True)


def _check_entries(root: Path, journal: Path, entries: object) -> None:
    """Refuse, before touching anything, a journal that names a path outside the store's data."""
    def inside(rel: object, top: Path) -> bool:
        if not isinstance(rel, str) or not rel or rel.startswith("/") or "\\" in rel:
            return False
        return ".." not in Path(rel).parts and (root / rel).resolve().is_relative_to(top.resolve())

    if not isinstance(entries, list):
        raise StoreError(f"{journal}: the commit journal is damaged (entries is not a list); inspect it by hand")
    for n, entry in enumerate(entries):
        ok = isinstance(entry, dict) and entry.get("op") in ("write", "delete") and inside(entry.get("path"), root)
        if ok and entry["op"] == "write":
            ok = inside(entry.get("tmp"), root / TMP_DIR_NAME)
        if not ok:
            raise StoreError(f"{journal}: entry {n} names a path outside the store or is malformed; "
                             "the commit journal is damaged; inspect it by hand")


def _apply(root: Path, entries: list[dict[str, str]]) -> None:
    touched: set[Path] = set()
    for entry in entries:
        path = root / entry["path"]
        if entry["op"] == "delete":
            path.unlink(missing_ok=True)
        else:
            tmp = root / entry["tmp"]
            if not tmp.exists():
                continue  # renamed before the interruption
            _make_parents(path.parent, root)
            os.replace(tmp, path)
        touched.add(path.parent)
    for directory in sorted(touched):
        fsync_dir(directory)


def _make_parents(directory: Path, root: Path) -> None:
    """Create `directory` and fsync each parent that gained an entry, so the new path survives a crash."""
    missing = []
    while not directory.exists() and directory != root:
        missing.append(directory)
        directory = directory.parent
    for new_dir in reversed(missing):
        new_dir.mkdir(exist_ok=True)
        fsync_dir(new_dir.parent)
