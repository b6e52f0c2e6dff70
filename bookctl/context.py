"""What a command receives: where the store is, what time it is, how to show results."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bookctl.errors import StoreError, UsageError

SETTINGS_NAME = "bookctl.toml"


def system_clock() -> datetime:
    """Now, aware, in UTC."""
    return datetime.now(UTC)


def clock_from_env() -> Callable[[], datetime]:
    """`BOOKCTL_NOW` (ISO 8601 with an offset) pins "now" for fixtures and tests; else the system clock."""
    pinned = os.environ.get("BOOKCTL_NOW")
    if not pinned:
        return system_clock
    try:
        moment = datetime.fromisoformat(pinned)
    except ValueError:
        raise UsageError(f"BOOKCTL_NOW {pinned!r} is not an ISO 8601 date and time") from None
    if moment.tzinfo is None:
        raise UsageError(f"BOOKCTL_NOW {pinned!r} needs an offset, such as +01:00 or Z")
    return lambda: moment


def find_store(option: Path | None, cwd: Path | None = None) -> Path:
    """The store directory: --store, then BOOKCTL_STORE, then the nearest ancestor holding bookctl.toml."""
    for explicit, source in ((option, "--store"), (os.environ.get("BOOKCTL_STORE") or None, "BOOKCTL_STORE")):
        if explicit is not None:
            root = Path(explicit).expanduser()
            try:
                found = (root / SETTINGS_NAME).is_file()
            except OSError:  # a name too long to be a path, say
                found = False
            if not found:
                raise StoreError(_not_a_store(root, source))
            return root
    here = (cwd or Path.cwd()).resolve()
    for directory in (here, *here.parents):
        if (directory / SETTINGS_NAME).is_file():
            return directory
    raise StoreError("no bookctl store here; run 'bookctl init'")


def _not_a_store(root: Path, source: str) -> str:
    """Why the directory `source` (--store or BOOKCTL_STORE) names is no store, and what to run."""
    import shlex

    shown = str(root) if len(str(root)) <= 200 else str(root)[:200] + "…"
    command = f"bookctl init {shlex.quote(shown)}"
    init = f"run '{command}'" if "'" not in command else f'run "{command}"'
    try:
        kind = "directory" if root.is_dir() else "file" if root.exists() else None
    except OSError:
        kind = None
    where = f"no bookctl store at {shown}" + (", which BOOKCTL_STORE names" if source == "BOOKCTL_STORE" else "")
    elsewhere = ", or point BOOKCTL_STORE at your store" if source == "BOOKCTL_STORE" else ""
    if kind == "file":
        return f"{where}: it is a file, not a store directory"
    if kind == "directory":
        return f"{where}: the directory has no {SETTINGS_NAME}; {init} to make it one{elsewhere}"
    if source == "BOOKCTL_STORE":
        return f"{where}: there is no such directory; {init}{elsewhere}"
    return f"{where}; {init}"


@dataclass
class AppContext:
    """What a command works with, built once per command line from the global options and reached
    through Typer's `ctx.obj` (see commands/_options.app_context): the store (opened once) and the
    clock."""

    store_option: Path | None = None
    clock: Callable[[], datetime] = field(default_factory=clock_from_env)
    no_hooks: bool = False  # --no-hooks (or BOOKCTL_NO_HOOKS=1): the store's hooks do not run
    _store: Any = field(default=None, repr=False)
    _for_store: dict[Path, AppContext] = field(default_factory=dict, repr=False)

    def store(self):  # noqa: ANN201 - the return type would import storage at start-up
        """The store this command works on: a FileStore, or a PostgresStore when bookctl.toml names a
        database. Opened on first use, then the same for the rest of the command."""
        if self._store is None:
            from bookctl.services.events import NO_HOOKS_ENV, EventListener
            from bookctl.storage.stores import open_store

            root = find_store(self.store_option)
            self._store = open_store(root)
            hooks = not self.no_hooks and os.environ.get(NO_HOOKS_ENV) != "1"
            self._store.listener = EventListener(root, self.clock, hooks_enabled=hooks)
        return self._store

    def with_store(self, option: Path | None) -> AppContext:
        """This context for a --store given after the command (it wins over one given before it)."""
        if option is None:
            return self
        if option not in self._for_store:
            self._for_store[option] = AppContext(store_option=option, clock=self.clock, no_hooks=self.no_hooks)
        return self._for_store[option]
