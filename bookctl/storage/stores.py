"""Which store a directory is: its files, or the PostgreSQL database its bookctl.toml names."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any

from bookctl.storage.settings_file import SETTINGS_NAME


def database_url(settings_url: str | None) -> str | None:
    """The URL to connect with: BOOKCTL_DATABASE_URL (it may carry the password) over bookctl.toml's."""
    if settings_url is None:
        return None
    from bookctl.storage.postgres.connect import URL_ENV, check_url

    env = os.environ.get(URL_ENV)
    return check_url(env, URL_ENV) if env else settings_url


def _named_url(root: Path) -> str | None:
    """`storage.url` of root's bookctl.toml, read without validating the rest: a file store with a
    damaged bookctl.toml must still open, so that `doctor` can report the damage."""
    try:
        data = tomllib.loads((root / SETTINGS_NAME).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return None
    storage = data.get("storage")
    url = storage.get("url") if isinstance(storage, dict) else None
    return url if isinstance(url, str) else None


def open_store(root: Path) -> Any:  # noqa: ANN401 - a Store (storage.base), imported lazily
    """The store at `root`."""
    url = database_url(_named_url(root))
    if url is None:
        from bookctl.storage.files import FileStore

        return FileStore(root)
    from bookctl.storage.postgres import PostgresStore
    from bookctl.storage.settings_file import read_settings

    return PostgresStore(root, url, read_settings(root / SETTINGS_NAME))
