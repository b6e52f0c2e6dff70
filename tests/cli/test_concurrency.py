"""Several real bookctl processes on one store: the lock serializes writers, readers need no lock."""

from __future__ import annotations

import pytest

import json
import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

from filelock import FileLock

from tests.conftest import NOW, run_process, tree_digest

START = "2026-11-24 18:00"
LOCKED = "error: store is locked by another bookctl; retry\n"

# A bookctl process that pays its start-up first, says it is ready, and runs `python -m bookctl`
# only once the go file appears, so the racers reach the store lock together.
RACER = """
import runpy, sys, time
from pathlib import Path
ready, go = Path(sys.argv[1]), Path(sys.argv[2])
import bookctl.cli, bookctl.services.calendar, bookctl.storage.files, filelock  # start-up before the race
ready.touch()
deadline = time.monotonic() + 30
while not go.exists():
    if time.monotonic() > deadline:
        sys.exit(99)
    time.sleep(0.002)
sys.argv = ["bookctl", *sys.argv[3:]]
runpy.run_module("bookctl", run_name="__main__", alter_sys=True)
"""

# Takes the store lock the way bookctl does, reports it, and keeps it until killed.
HOLDER = """
import sys
from filelock import FileLock
lock = FileLock(sys.argv[1])
lock.acquire()
print("held", flush=True)
sys.stdin.read()
"""


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BOOKCTL_")}
    env.update({"BOOKCTL_NOW": NOW, **extra})
    return env


def race(tmp_path: Path, commands: list[list[str]], **env: str) -> list[subprocess.CompletedProcess[str]]:
    """Run every command as its own process, released at the same instant; their results in order."""
    barrier = tmp_path / "barrier"
    barrier.mkdir()
    go = barrier / "go"
    procs = []
    for n, args in enumerate(commands):
        ready = barrier / f"ready-{n}"
        procs.append(subprocess.Popen([sys.executable, "-c", RACER, str(ready), str(go), *map(str, args)],
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env(**env)))
    deadline = time.monotonic() + 30
    while not all((barrier / f"ready-{n}").exists() for n in range(len(commands))):
        assert time.monotonic() < deadline, "the racing processes did not start"
        assert all(p.poll() is None for p in procs), [p.communicate() for p in procs if p.poll() is not None]
        time.sleep(0.005)
    go.touch()
    results = []
    for args, proc in zip(commands, procs):
        out, err = proc.communicate(timeout=60)
        results.append(subprocess.CompletedProcess(args, proc.returncode, out, err))
    return results


def bookctl_json(*args: str):  # noqa: ANN201
    result = run_process(*args, "--format", "json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def add_contacts(bookctl, store: Path, count: int) -> list[str]:  # noqa: ANN001
    ids = []
    for n in range(count):
        run = bookctl("contact", "add", "--first-name", f"Client{n}", "--store", store, "--format", "json")
        assert run.exit_code == 0, run.stderr
        ids.append(run.json()["id"])
    return ids


def test_two_processes_booking_at_once_both_land(bookctl, store, tmp_path):
    ada, bruno = add_contacts(bookctl, store, 2)
    results = race(tmp_path, [
        ["session", "book", "--service", "yoga-flow", "--start", START, "--contact", who, "--store", store,
         "--format", "json"]
        for who in (ada, bruno)
    ])
    assert [r.returncode for r in results] == [0, 0], [r.stderr for r in results]
    booked = [json.loads(r.stdout) for r in results]
    rows = bookctl_json("session", "list", "--day", "2026-11-24", "--store", store)
    assert sorted(row["id"] for row in rows) == sorted(b["id"] for b in booked)
    assert sorted(row["contact_id"] for row in rows) == sorted([ada, bruno])
    assert len({row["session_id"] for row in rows}) == 1  # the second joined the meeting the first created


def test_two_processes_booking_appointments_at_once_both_land(bookctl, store, tmp_path):
    ada, bruno = add_contacts(bookctl, store, 2)
    results = race(tmp_path, [
        ["session", "book", "--service", "physiotherapy", "--start", start, "--contact", who, "--store", store,
         "--format", "json"]
        for who, start in ((ada, "2026-11-24 10:00"), (bruno, "2026-11-24 11:00"))
    ])
    assert [r.returncode for r in results] == [0, 0], [r.stderr for r in results]
    rows = bookctl_json("session", "list", "--day", "2026-11-24", "--store", store)
    assert [row["contact_id"] for row in rows] == [ada, bruno]
    assert len({row["id"] for row in rows}) == 2
    assert len({row["session_id"] for row in rows}) == 2
    for who in (ada, bruno):  # each contact's card indexes its booking
        assert len(bookctl_json("session", "list", "--contact", who, "--store", store)) == 1


def test_six_processes_racing_for_three_places_fill_the_class_exactly(bookctl, store, tmp_path):
    session = bookctl("session", "add", "--service", "yoga-flow", "--start", START, "--store", store,
                      "--format", "json").json()
    contacts = add_contacts(bookctl, store, 6)
    results = race(tmp_path, [
        ["session", "book", "--session", session["id"], "--contact", who, "--store", store, "--format", "json"]
        for who in contacts
    ])
    codes = sorted(r.returncode for r in results)
    assert codes == [0, 0, 0, 1, 1, 1], [r.stderr for r in results]
    for refused in (r for r in results if r.returncode == 1):
        assert refused.stderr.startswith("error: ") and "no places left" in refused.stderr, refused.stderr
    winners = sorted(json.loads(r.stdout)["contact_id"] for r in results if r.returncode == 0)
    shown = bookctl_json("session", "show", session["id"], "--store", store)
    assert sorted(b["contact_id"] for b in shown["bookings"] if b["status"] == "confirmed") == winners
    assert len(shown["bookings"]) == 3
    assert shown["places_left"] == 0


@pytest.mark.backends("files")  # about the files themselves
def test_a_held_lock_makes_a_mutating_command_exit_4(bookctl, store):
    contact = add_contacts(bookctl, store, 1)[0]
    before = tree_digest(store)
    with FileLock(str(store / ".bookctl.lock")):
        result = run_process("session", "book", "--service", "physiotherapy", "--contact", contact,
                             "--start", "2026-11-24 10:00", "--store", store, env={"BOOKCTL_LOCK_TIMEOUT": "0"})
    assert result.returncode == 4
    assert result.stderr == LOCKED
    assert tree_digest(store) == before


@pytest.mark.backends("files")  # about the files themselves
def test_a_held_lock_does_not_block_a_read_command(bookctl, store):
    contact = add_contacts(bookctl, store, 1)[0]
    booked = bookctl("session", "book", "--service", "physiotherapy", "--contact", contact,
                     "--start", "2026-11-24 10:00", "--store", store, "--format", "json").json()
    with FileLock(str(store / ".bookctl.lock")):
        result = run_process("session", "list", "--day", "2026-11-24", "--store", store, "--format", "json",
                             env={"BOOKCTL_LOCK_TIMEOUT": "0"})
    assert result.returncode == 0, result.stderr
    assert [row["id"] for row in json.loads(result.stdout)] == [booked["id"]]


@pytest.mark.backends("files")  # about the files themselves
def test_a_lock_left_by_a_killed_process_does_not_block_the_next_command(bookctl, store):
    contact = add_contacts(bookctl, store, 1)[0]
    with subprocess.Popen([sys.executable, "-c", HOLDER, str(store / ".bookctl.lock")],
                          stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True) as holder:
        try:
            ready, _, _ = select.select([holder.stdout], [], [], 30)
            assert ready and holder.stdout.readline() == "held\n"
            locked = run_process("session", "book", "--service", "physiotherapy", "--contact", contact,
                                 "--start", "2026-11-24 10:00", "--store", store, env={"BOOKCTL_LOCK_TIMEOUT": "0"})
            assert locked.returncode == 4  # the holder really holds it
            os.kill(holder.pid, signal.SIGKILL)
            assert holder.wait(timeout=30) == -signal.SIGKILL
        finally:
            if holder.poll() is None:
                holder.kill()
    result = run_process("session", "book", "--service", "physiotherapy", "--contact", contact,
                         "--start", "2026-11-24 10:00", "--store", store, "--format", "json",
                         env={"BOOKCTL_LOCK_TIMEOUT": "0"})
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["contact_id"] == contact


# Runs bookctl in-process, one command at a time (each takes and releases the store lock as the
# CLI does), and acknowledges each command that exited 0 with its JSON on one line.
WORKER = """
import contextlib, io, json, sys
from bookctl.cli import app
store, contact, worker = sys.argv[1], sys.argv[2], int(sys.argv[3])

def run(*args):
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(sys.stderr):
        code = app(args=[*args, "--store", store, "--format", "json"], prog_name="bookctl", standalone_mode=False)
    if code == 0:
        print(args[0], args[1], out.getvalue().replace("\\n", " "), flush=True)
    return code, out.getvalue()

for n in range(100):
    # ten days of ten classes each, like a studio's fortnight; before the pinned BOOKCTL_NOW: --allow-past
    start = f"2026-11-{10 + n % 10:02d} {8 + n // 10:02d}:00"
    code, out = run("session", "book", "--service", "big-class", "--contact", contact, "--start", start,
                    "--allow-past")
    if code != 0:
        continue
    booking = json.loads(out)["id"]
    if n % 10 == worker % 10:
        run("session", "checkin", booking)
    if n % 10 == (worker + 5) % 10:
        run("payment", "collect", booking, "--method", "card", "--card", "tok_visa")
"""


def test_eight_processes_making_a_hundred_bookings_each_lose_nothing(bookctl, store, tmp_path):
    assert bookctl("service", "add", "Big Class", "--kind", "class", "--capacity", "100", "--price", "12",
                   "--duration", "30", "--store", store).exit_code == 0
    contacts = add_contacts(bookctl, store, 8)
    workers = [subprocess.Popen([sys.executable, "-c", WORKER, str(store), contact, str(w)], text=True,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=_env(BOOKCTL_LOCK_TIMEOUT="120"))
               for w, contact in enumerate(contacts)]
    acknowledged: dict[str, list[dict]] = {"session book": [], "session checkin": [], "payment collect": []}
    for worker in workers:
        out, err = worker.communicate(timeout=600)
        assert worker.returncode == 0, err
        for line in out.splitlines():
            first, second, record = line.split(" ", 2)
            acknowledged[f"{first} {second}"].append(json.loads(record))
    booked = acknowledged["session book"]
    assert len(booked) == 800, "every booking of a free place must have gone through"
    assert len({b["id"] for b in booked}) == 800, "booking ids must be unique"

    rows = {r["id"]: r for r in bookctl("session", "list", "--from", "2026-11-10", "--to", "2026-11-19", "--store", store,
                                         "--format", "json").json()}
    assert set(rows) == {b["id"] for b in booked}
    assert {c["id"] for c in acknowledged["session checkin"]} == {i for i, r in rows.items()
                                                                   if r["attendance"] == "checked_in"}
    paid = {p["booking_id"] for p in acknowledged["payment collect"]}
    assert len(paid) == 80 and paid == {i for i, r in rows.items() if r["payment_status"] == "paid"}
    payments = bookctl("payment", "list", "--store", store, "--format", "json").json()
    assert len({p["id"] for p in payments}) == len(payments) == 80
    assert bookctl("doctor", "--store", store).exit_code == 0
