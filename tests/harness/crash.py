"""A crash harness: run mutating commands in a child process, `kill -9` it at a random moment, then check
that the store still reads, that no temp file passes for data, that the lock is free, and that every
command the child saw exit 0 is in the store.

Used by tests/cli/test_crash.py (a few trials in CI) and bench/crash_soak.py (hundreds).
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

NOW = "2026-11-23T12:00:00+01:00"
FIRST_DAY = "2026-11-24"

# The child runs bookctl in-process, so kills land inside commands rather than in interpreter start-up.
# After each command that exits 0 it prints `ACK <kind> <json>` and flushes: an acknowledged change.
DRIVER = textwrap.dedent('''
    import contextlib, io, json, random, sys
    from bookctl.cli import app

    store, seed = sys.argv[1], int(sys.argv[2])
    rng = random.Random(seed)

    def run(*args):
        out = io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
            code = app(args=[*args, "--store", store, "--format", "json"], prog_name="bookctl",
                       standalone_mode=False)
        return code, out.getvalue()

    contacts = []
    for n in range(10_000):
        choice = rng.random()
        if choice < 0.3 or not contacts:
            kind, args = "contact", ("contact", "add", "--first-name", f"Crash{seed}x{n}")
        elif choice < 0.8:
            day = 24 + rng.randrange(5)
            kind, args = "booking", ("session", "book", "--service", "yoga-flow", "--contact",
                                     rng.choice(contacts), "--start", f"2026-11-{day} 18:00")
        else:
            kind, args = "booking", ("session", "book", "--service", "physiotherapy", "--contact",
                                     rng.choice(contacts), "--start",
                                     f"2026-12-{1 + rng.randrange(28):02d} {8 + rng.randrange(10):02d}:00")
        code, out = run(*args)
        if code == 0:
            record = json.loads(out)
            if kind == "contact":
                contacts.append(record["id"])
            print("ACK", kind, json.dumps({"id": record["id"]}), flush=True)
''')


@dataclass
class TrialResult:
    """What one trial's child acknowledged before it was killed."""

    acknowledged: list[tuple[str, str]] = field(default_factory=list)


def make_store(root: Path, env: dict[str, str]) -> None:
    """A store with a big class (so bookings rarely fill it) and an appointment service."""
    for args in (
        ("init", root, "--business", "Crash Studio", "--currency", "EUR", "--timezone", "Europe/Rome"),
        ("service", "add", "Yoga Flow", "--kind", "class", "--capacity", "10000", "--price", "18",
         "--duration", "60", "--store", root),
        ("service", "add", "Physiotherapy", "--price", "65", "--duration", "45", "--store", root),
    ):
        bookctl(*args, env=env, check=True)


def child_env() -> dict[str, str]:
    """The environment without the developer's store, with the pinned clock and a short lock timeout."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("BOOKCTL_")}
    env.update({"BOOKCTL_NOW": NOW, "BOOKCTL_LOCK_TIMEOUT": "10"})
    return env


def bookctl(*args: object, env: dict[str, str], check: bool = False) -> subprocess.CompletedProcess[str]:
    """Run bookctl as a real process."""
    done = subprocess.run([sys.executable, "-m", "bookctl", *map(str, args)], capture_output=True, text=True,
                          env=env, timeout=120)
    if check and done.returncode != 0:
        raise AssertionError(f"bookctl {args} exited {done.returncode}: {done.stderr}")
    return done


def run_trial(root: Path, seed: int, rng: random.Random, env: dict[str, str]) -> TrialResult:
    """Start the driver, let it acknowledge a few commands, and kill -9 it at a random moment after."""
    child = subprocess.Popen([sys.executable, "-c", DRIVER, str(root), str(seed)], stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL, text=True, env=env)
    result = TrialResult()
    assert child.stdout is not None
    try:
        for _ in range(rng.randint(1, 4)):
            line = child.stdout.readline()
            if not line:
                break
            _record(result, line)
        # Where the kill lands inside the next command is what varies; no assertion depends on timing.
        time.sleep(rng.uniform(0, 0.08))
    finally:
        child.send_signal(signal.SIGKILL)
        rest, _ = child.communicate(timeout=30)
    for line in rest.splitlines():
        _record(result, line)
    return result


def _record(result: TrialResult, line: str) -> None:
    if line.startswith("ACK "):
        _, kind, payload = line.rstrip("\n").split(" ", 2)
        result.acknowledged.append((kind, json.loads(payload)["id"]))


Runner = Callable[..., tuple[int, str, str]]


def check_store(root: Path, acknowledged: list[tuple[str, str]], run: Runner) -> list[str]:
    """Every problem found after a crash; an empty list means the store survived intact.

    `run(*args)` invokes bookctl (in-process or not) and returns (exit code, stdout, stderr)."""
    problems = []
    # A fresh reader must not trip over the interrupted commit (it is rolled forward or discarded).
    code, out, err = run("session", "list", "--from", FIRST_DAY, "--to", "2026-12-31", "--store", root,
                         "--format", "json")
    if code != 0:
        return [f"session list after the crash exited {code}: {err.strip()}"]
    booked = {row["id"] for row in json.loads(out)}
    code, out, err = run("contact", "list", "--store", root, "--format", "json")
    if code != 0:
        return [f"contact list after the crash exited {code}: {err.strip()}"]
    known = {row["id"] for row in json.loads(out)}
    for kind, record_id in acknowledged:
        if record_id not in (known if kind == "contact" else booked):
            problems.append(f"acknowledged {kind} {record_id} is missing")
    for path in sorted((root / "data").rglob("*")):
        if path.is_file():
            try:
                json.loads(path.read_bytes())
            except ValueError as exc:
                problems.append(f"{path} does not parse: {exc}")
            if not path.name.endswith(".json") or path.name.startswith("."):
                problems.append(f"{path} is not a data file but sits among them")
    code, out, err = run("doctor", "--store", root, "--format", "json")
    if code != 0:
        problems.append(f"doctor after the crash exited {code}: {err.strip()} {out.strip()}")
    # The killed child held the lock; the next writer must get it (the OS released the flock).
    code, _, err = run("contact", "add", "--first-name", "After", "--store", root, "--format", "json")
    if code != 0:
        problems.append(f"a writer after the crash exited {code}: {err.strip()}")
    leftovers = [p.name for p in (root / ".tmp").iterdir()] if (root / ".tmp").is_dir() else []
    if leftovers:
        problems.append(f"temp files left after the next writer: {leftovers}")
    if (root / ".journal.json").exists():
        problems.append("the commit journal is still there after the next writer")
    return problems
