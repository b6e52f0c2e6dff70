"""Reading and writing store files: strict on the way in, atomic on the way out."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from bookctl.errors import StoreError, UsageError

M = TypeVar("M", bound=BaseModel)


def dump_json(data: Any) -> bytes:
    """Sorted keys, 2-space indent, trailing newline: a store kept in git diffs cleanly."""
    return (json.dumps(data, sort_keys=True, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def decode_utf8(raw: bytes, path: Path) -> str:
    """The file's text, or a StoreError naming the first bad byte."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise StoreError(f"{path}: invalid UTF-8 at byte {exc.start}; the file is damaged") from None


def read_data(path: Path) -> bytes:
    """The bytes of a data file; FileNotFoundError when it is missing, StoreError naming it when it
    cannot be read."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise
    except OSError as exc:
        raise StoreError(f"{path}: cannot read: {exc.strerror}") from None


def load_json(path: Path, supported_version: int) -> dict[str, Any]:
    """Parse a JSON data file, naming the file and line on any damage, refusing a newer schema."""
    return parse_json(read_data(path), path, supported_version)


def parse_json(raw: bytes, path: Path, supported_version: int) -> dict[str, Any]:
    """`raw`, the bytes of the data file at `path`, parsed as load_json parses them."""
    try:
        data = json.loads(decode_utf8(raw, path))
    except json.JSONDecodeError as exc:
        raise StoreError(f"{path}: line {exc.lineno} column {exc.colno}: {exc.msg}; the file is damaged") from None
    if not isinstance(data, dict):
        raise StoreError(f"{path}: expected a JSON object at the top; the file is damaged")
    check_schema_version(data, path, supported_version)
    return data


def check_schema_version(data: dict[str, Any], path: Path, supported_version: int) -> None:
    """A file written by a newer bookctl is never read (and so never overwritten) by this one."""
    version = data.get("schema_version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise StoreError(f"{path}: field schema_version is missing or not an integer")
    if version > supported_version:
        raise StoreError(
            f"{path}: schema_version {version} is newer than this bookctl understands ({supported_version}); "
            "upgrade bookctl"
        )
    if version < 1:
        raise StoreError(f"{path}: field schema_version {version} is not valid")


def validate(model: type[M], data: dict[str, Any], path: Path) -> M:
    """`model` from `data`, or a StoreError naming the file and the first bad field."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "(top)"
        raise StoreError(f"{path}: field {where}: {first['msg']}; the file is damaged") from None


def fsync_dir(path: Path) -> None:
    """Make a rename in `path` durable."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return  # platforms without directory fds (Windows) make renames durable themselves
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def write_durable(path: Path, data: bytes) -> None:
    """Write `data` to a new file at `path` and fsync it (no rename: the caller renames)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        view = memoryview(data)
        while view:
            written = os.write(fd, view)
            view = view[written:]
        os.fsync(fd)
    finally:
        os.close(fd)


def write_atomic(path: Path, data: bytes) -> None:
    """Replace `path` with `data` so that a reader sees the old file or the new one, never half."""
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        write_durable(tmp, data)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    fsync_dir(path.parent)


class AtomicTextOutput:
    """A text file written in full beside `path` and renamed over it only when the writer finished.

    Used as `with AtomicTextOutput(path) as out: ...`: a reader sees the old file or the new one,
    never half; an exception (or a kill) leaves the old file as it was."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
        self._file = None

    def __enter__(self):  # noqa: ANN204 - a TextIO
        # A path that cannot be written at all is the user's to fix (exit 2, as for attachment get).
        if self.path.is_dir():
            raise UsageError(f"{self.path} is a directory; give a file name to --output")
        try:
            self._file = open(self.tmp, "w", encoding="utf-8", newline="")  # noqa: SIM115
        except OSError as exc:
            raise UsageError(f"cannot write {self.path}: {exc.strerror}") from None
        _remove_stale_temps(self.path)
        return self._file

    def __exit__(self, exc_type, exc, tb) -> None:  # noqa: ANN001
        assert self._file is not None
        try:
            if exc_type is None:
                self._file.flush()
                os.fsync(self._file.fileno())
            self._file.close()
            if exc_type is None:
                os.replace(self.tmp, self.path)
                fsync_dir(self.path.parent)
        except OSError as exc_os:
            self.tmp.unlink(missing_ok=True)
            raise StoreError(f"cannot write {self.path}: {exc_os.strerror}") from None
        finally:
            if exc_type is not None:
                self.tmp.unlink(missing_ok=True)


def _remove_stale_temps(path: Path) -> None:
    """Temporary files beside `path` left by writers that were killed (their process is gone)."""
    prefix = f".{path.name}.tmp-"
    for stale in path.parent.iterdir():
        pid = stale.name[len(prefix):] if stale.name.startswith(prefix) else ""
        if pid.isdigit() and int(pid) != os.getpid() and not _alive(int(pid)):
            stale.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process: not ours to judge
    return True
