"""The store directory's own files, the same on every backend: `bookctl.toml` (business, policy,
services, staff; PostgreSQL keeps its settings there too) and `templates/LANGUAGE/NAME` overrides."""

from __future__ import annotations

import os
import tomllib
from collections.abc import Callable
from pathlib import Path

from bookctl.domain.settings import SCHEMA_VERSION
from bookctl.domain.settings import Settings
from bookctl.errors import StoreError
from bookctl.storage.io import check_schema_version, decode_utf8, validate, write_atomic

SETTINGS_NAME = "bookctl.toml"


def read_settings(path: Path) -> Settings:
    """Parse and validate `bookctl.toml`, naming the line or field of any damage."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise StoreError(f"{path}: cannot read: {exc.strerror}") from None
    try:
        data = tomllib.loads(decode_utf8(raw, path))
    except tomllib.TOMLDecodeError as exc:
        raise StoreError(f"{path}: invalid TOML: {exc}") from None
    check_schema_version(data, path, SCHEMA_VERSION)
    return validate(Settings, data, path)


def write_settings(root: Path, settings: Settings) -> None:
    """Replace `root`'s bookctl.toml atomically."""
    write_atomic(root / SETTINGS_NAME, settings_bytes(settings))


def settings_bytes(settings: Settings) -> bytes:
    """`bookctl.toml` as written by tomli-w."""
    import tomli_w

    return tomli_w.dumps(settings.to_toml_dict()).encode("utf-8")


def read_template_override(root: Path, language: str, name: str) -> str | None:
    """The store's own `templates/LANGUAGE/NAME`, if it has one, else None."""
    path = root / "templates" / language / name
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise StoreError(f"{path}: cannot read: {exc.strerror}") from None
    return decode_utf8(raw, path)


def lock_timeout(configured: Callable[[], int]) -> int:
    """Seconds to wait for the store's write lock: BOOKCTL_LOCK_TIMEOUT, else `configured()`."""
    env = os.environ.get("BOOKCTL_LOCK_TIMEOUT")
    if env:
        try:
            return max(0, int(env))
        except ValueError:
            raise StoreError(f"BOOKCTL_LOCK_TIMEOUT {env!r} is not a whole number of seconds") from None
    return configured()
