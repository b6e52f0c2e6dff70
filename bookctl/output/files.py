"""Where command output goes besides tables and records: a file written atomically (a temporary file
beside it, fsynced, renamed over it), or raw bytes on stdout. Commands write through these only."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import TextIO


def text_to(output: Path | None, write: Callable[[TextIO], int]) -> int:
    """Run `write(out)` into `output` atomically, or into stdout when `output` is None; its count."""
    from bookctl.storage.io import AtomicTextOutput

    if output is None:
        count = write(sys.stdout)
        sys.stdout.flush()
        return count
    with AtomicTextOutput(output) as out:
        return write(out)


def bytes_to_file(output: Path, data: bytes) -> None:
    """`data` into `output` atomically, replacing it (OSError is the caller's to report)."""
    from bookctl.storage.io import write_atomic

    write_atomic(output, data)


def bytes_to_stdout(data: bytes) -> None:
    """`data` exactly as it is on stdout (as ASCII text where stdout takes only text, as under a test runner)."""
    if hasattr(sys.stdout, "buffer"):
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
    else:
        sys.stdout.write(data.decode("ascii", "replace"))
