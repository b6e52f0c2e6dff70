"""The file store's unit of work: loads files on demand, and at commit stages every file that holds
a changed record and commits them through the journal, all or none."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from bookctl.storage.files import journal
from bookctl.storage.io import dump_json, load_json, validate
from bookctl.storage.settings_file import SETTINGS_NAME, read_settings, settings_bytes
from bookctl.storage.unit import UnitOfWork

if TYPE_CHECKING:
    from bookctl.domain.settings import Settings

M = TypeVar("M", bound=BaseModel)
DATA_SCHEMA_VERSION = 1


class Counters(BaseModel):
    """Sequences that are not tied to a day: `data/counters.json`."""

    model_config = ConfigDict(extra="forbid")

    schema_version: int = DATA_SCHEMA_VERSION
    contacts: int = Field(default=0, ge=0)
    invoices: int = Field(default=0, ge=0)
    quotes: int = Field(default=0, ge=0)
    notes: int = Field(default=0, ge=0)
    tasks: int = Field(default=0, ge=0)
    attachments: int = Field(default=0, ge=0)
    messages: int = Field(default=0, ge=0)  # outbox ids: never reused once a message is sent
    schedules: int = Field(default=0, ge=0)
    time_off: int = Field(default=0, ge=0)
    webhooks: int = Field(default=0, ge=0)  # wh-N
    deliveries: int = Field(default=0, ge=0)  # wd-N, webhook deliveries
    plans: int = Field(default=0, ge=0)  # pl-N
    passes: int = Field(default=0, ge=0)  # ps-N


class FileUnitOfWork(UnitOfWork):
    """One view of a store directory; a writable one holds the store lock until it is closed."""

    def __init__(self, root: Path, lock: Any) -> None:  # noqa: ANN401 - a filelock.FileLock or None
        from bookctl.storage.files.calendar import FileCalendar
        from bookctl.storage.files.cards import FileCards
        from bookctl.storage.files.contacts import FileContacts
        from bookctl.storage.files.documents import FileDocuments
        from bookctl.storage.files.ledger import FileLedger
        from bookctl.storage.files.outbox import FileOutbox
        from bookctl.storage.files.plans import FilePlans
        from bookctl.storage.files.replies import FileReplies
        from bookctl.storage.files.timetable import FileTimetable
        from bookctl.storage.files.webhooks import FileWebhookQueue

        super().__init__(writable=lock is not None)
        self.root = root
        self._lock = lock
        self.journal = journal.Journal(root)
        self._files: dict[Path, BaseModel | None] = {}
        self._dirty: set[Path] = set()
        self._counters: Counters | None = None
        self._settings: Settings | None = None
        self.open_repositories(FileCalendar, FileContacts, FileLedger, FileDocuments, FileCards, FileOutbox, FileReplies,
                               FileTimetable, FileWebhookQueue, FilePlans)
        self._writers: dict[str, Callable[[Any], None]] = {
            "contact": self.contacts.write, "session": self.calendar.write_session,
            "booking": self.calendar.write_booking, "entry": self.ledger.write, "invoice": self.documents.write,
            "quote": self.documents.write, "card": self.cards.write, "settings": self._write_settings,
            "schedule": self.timetable.write, "time_off": self.timetable.write, "plan": self.plans.write,
            "pass": self.plans.write}
        self._settings_changed = False
        self._counters_changed = False

    # --- files -------------------------------------------------------------------------------
    def load_file(self, path: Path, model: type[M], create: bool = False,
             check: Callable[[M, Path], None] | None = None, version: int = DATA_SCHEMA_VERSION) -> M | None:
        """The file at `path` as `model` (once per unit), None if it does not exist (a new empty one
        with `create`); `check` cross-checks what validation cannot."""
        if path not in self._files:
            try:
                found = validate(model, load_json(path, version), path)
            except FileNotFoundError:
                found = None
            else:
                if check is not None:
                    check(found, path)
            self._files[path] = found
        if self._files[path] is None and create:
            self._files[path] = model()
        return self._files[path]  # type: ignore[return-value]

    def touch(self, path: Path) -> None:
        """Stage the loaded file at `path` at the coming commit."""
        self.require_writable()
        self._dirty.add(path)

    def loaded(self, folder: Path) -> Iterator[Path]:
        """The files of `folder` this unit holds (made here, perhaps not on disk yet)."""
        return (p for p, f in self._files.items() if p.parent == folder and f is not None)

    def held_in(self, folder: Path) -> Iterator[tuple[Path, BaseModel]]:
        """(path, model) of each file of `folder` this unit holds, as it is now."""
        return ((p, f) for p, f in self._files.items() if p.parent == folder and f is not None)

    def dirty_in(self, folder: Path) -> list[tuple[Path, BaseModel]]:
        """(path, model) of each file of `folder` the coming commit stages, in path order."""
        return [(p, self._files[p]) for p in sorted(self._dirty) if p.parent == folder and self._files[p] is not None]

    def counters(self) -> Counters:
        """`data/counters.json`."""
        if self._counters is None:
            self._counters = self.load_file(self.root / "data" / "counters.json", Counters) or Counters()
        return self._counters

    def next_number(self, counter: str) -> int:
        self.require_writable()
        counters = self.counters()
        setattr(counters, counter, getattr(counters, counter) + 1)
        self._counters_changed = True  # staged once, at commit: a bulk load counts thousands
        return getattr(counters, counter)

    def reserve_number(self, counter: str, number: int) -> None:
        self.require_writable()
        counters = self.counters()
        if getattr(counters, counter) < number:
            setattr(counters, counter, number)
            self._counters_changed = True

    def stage_counters(self) -> None:
        """Write counters.json at the coming commit."""
        self._counters_changed = True

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            self._settings = self.seen("settings", read_settings(self.root / SETTINGS_NAME), key="")
        return self._settings

    # --- the unit of work --------------------------------------------------------------------
    def _write(self, changes: list[tuple[str, Any]]) -> None:
        for kind, record in changes:
            self._writers[kind](record)

    def _write_settings(self, settings: Settings) -> None:
        self._settings_changed = True

    def _spill(self) -> None:
        self.calendar.spill()

    def _commit(self) -> None:
        self.calendar.stage()
        self.contacts.stage()
        self.cards.stage()
        self.documents.stage()  # before the files loop: its index compares the document shards about to go
        for path in sorted(self._dirty):
            model = self._files[path]
            assert model is not None
            self.journal.stage(path, dump_json(model.model_dump(mode="json", exclude_none=True)))
        self._dirty.clear()
        if self._counters_changed:
            self.journal.stage(self.root / "data" / "counters.json", dump_json(self.counters().model_dump(mode="json")))
            self._counters_changed = False
        if self._settings_changed and self._settings is not None:
            self.journal.stage(self.root / SETTINGS_NAME, settings_bytes(self._settings))
            self._settings_changed = False
        self.journal.commit()

    def close(self) -> None:
        self.journal.staged.clear()
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    # --- integrity and copies ----------------------------------------------------------------
    def damaged_files(self) -> Iterator[tuple[str, str]]:
        from bookctl.storage.files.check import damaged_files

        return damaged_files(self)

    def index_problems(self) -> Iterator[tuple[str, str]]:
        yield from self.contacts.label_index_problems()
        yield from self.documents.contact_documents_problems()

    def dump(self) -> Iterator[tuple[str, Any]]:
        from bookctl.storage.files.copying import dump

        return dump(self)

    def load(self, items: Iterable[tuple[str, Any]]) -> None:
        from bookctl.storage.files.copying import load

        load(self, items)
