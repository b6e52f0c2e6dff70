"""What a command receives: where the store is, what time it is, how to show results."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

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
    for explicit in (option, os.environ.get("BOOKCTL_STORE") or None):
        if explicit is not None:
            root = Path(explicit).expanduser()
            try:
                found = (root / SETTINGS_NAME).is_file()
            except OSError:  # a name too long to be a path, say
                found = False
            if not found:
                shown = str(root) if len(str(root)) <= 200 else str(root)[:200] + "…"
                raise StoreError(f"no bookctl store at {shown}; run 'bookctl init {shown}'")
            return root
    here = (cwd or Path.cwd()).resolve()
    for directory in (here, *here.parents):
        if (directory / SETTINGS_NAME).is_file():
            return directory
    raise StoreError("no bookctl store here; run 'bookctl init'")


@dataclass
class AppContext:
    """Built once per command from the global options."""

    store_option: Path | None = None
    clock: Callable[[], datetime] = field(default_factory=clock_from_env)

    def store(self):  # noqa: ANN201 - the return type would import storage at start-up
        """The store this command works on: a FileStore, or a PostgresStore when bookctl.toml names a database."""
        from bookctl.storage.stores import open_store

        return open_store(find_store(self.store_option))


_root: AppContext | None = None


def set_root_context(ctx: AppContext) -> AppContext:
    """Remember the context the root command built from the global options."""
    global _root
    _root = ctx
    return ctx


def root_context() -> AppContext:
    """The context of the running command line (a fresh default when there is none)."""
    return _root if _root is not None else AppContext()
