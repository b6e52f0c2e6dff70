"""The store's hooks, in the manner of git's and taskwarrior's: an executable `STORE/hooks/on-EVENT`
runs after the commit, with the event's JSON on stdin. What it prints goes to bookctl's stderr (the
command's stdout stays data); one that fails or runs past `hooks.timeout_seconds` is reported on
stderr and undoes nothing. A bookctl the hook runs runs no hooks of its own (BOOKCTL_NO_HOOKS=1), so
a hook cannot set itself off."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bookctl.services.events import Event


def run_hooks(hooks: dict[str, Path], events: list[Event], timeout: float, warn: Callable[[str], None]) -> int:
    """Run the hook of each event, in order; returns how many failed (each told through `warn`)."""
    failed = 0
    for event in events:
        path = hooks.get(event.name)
        if path is None:
            continue
        problem = run_hook(path, json.dumps(event.as_json(), ensure_ascii=False).encode() + b"\n", timeout)
        if problem:
            failed += 1
            warn(f"warning: hook {path.name} for {event.event_id} {problem}; the change stands")
    return failed


def run_hook(path: Path, payload: bytes, timeout: float) -> str | None:
    """Run one hook with `payload` on stdin; None when it exited 0, else what went wrong."""
    root = path.parent.parent
    # BOOKCTL_STORE: a bookctl the hook runs works on this store, not on one the caller's environment names
    env = {**os.environ, "BOOKCTL_NO_HOOKS": "1", "BOOKCTL_HOOK": path.name, "BOOKCTL_STORE": str(root)}
    try:
        process = subprocess.Popen([str(path)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                   cwd=root, env=env, start_new_session=True)
    except OSError as exc:
        return f"could not run: {exc.strerror}"
    try:
        output, _ = process.communicate(payload, timeout=timeout)
    except subprocess.TimeoutExpired:
        output = _kill_group(process)
        _relay(output)
        return f"ran past hooks.timeout_seconds ({timeout:g} s) and was stopped"
    _relay(output)
    if process.returncode < 0:
        return f"was killed by signal {-process.returncode}"
    if process.returncode:
        return f"exited {process.returncode}"
    return None


def _relay(output: bytes | None) -> None:
    """What a hook printed goes to bookctl's stderr: the command's stdout stays its data."""
    if output:
        sys.stderr.write(output.decode("utf-8", "replace"))


def _kill_group(process: subprocess.Popen[bytes]) -> bytes | None:
    """Stop the hook and whatever it started; what it printed before it was stopped."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    try:
        output, _ = process.communicate(timeout=1)  # the rest of the pipe, now its writers are gone
    except subprocess.TimeoutExpired:
        # a process that left the group still holds the pipe: give up on the output, not the wait
        if process.stdout is not None:
            process.stdout.close()
        process.wait()
        return None
    return output

