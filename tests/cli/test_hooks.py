"""The store's event hooks (bookctl #20): executables `STORE/hooks/on-EVENT` run after the commit with the
event's JSON on stdin; one that fails or runs too long is reported and undoes nothing; `--no-hooks` and
BOOKCTL_NO_HOOKS=1 skip them; a bookctl a hook runs runs no hooks of its own.

Hooks are real processes whichever way bookctl runs; most tests drive bookctl in-process, one as a real
process. "Now" is Monday 2026-11-23 12:00 in Rome.
"""

from __future__ import annotations

import json
import os
import re
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import NOW, run_process, tree_digest

TOMORROW = "2026-11-24"
EVENT_KEYS = {"event", "event_id", "occurred_at"}


# --- helpers --------------------------------------------------------------------------------------------


def write_hook(store: Path, event: str, body: str, mode: int = 0o755) -> Path:
    """Write `hooks/on-EVENT` as a small sh script running `body`; returns its path."""
    directory = store / "hooks"
    directory.mkdir(exist_ok=True)
    path = directory / f"on-{event}"
    path.write_text(f"#!/bin/sh\n{body}\n")
    path.chmod(mode)
    return path


@pytest.fixture
def received(tmp_path: Path):  # noqa: ANN201
    """A log outside the store that recording hooks append their stdin to; received() -> the events so far."""
    log = tmp_path / "received.ndjson"

    def events() -> list[dict]:
        if not log.exists():
            return []
        return [json.loads(line) for line in log.read_text().splitlines()]

    events.log = log  # type: ignore[attr-defined]
    return events


@pytest.fixture
def record(store: Path, received):  # noqa: ANN001, ANN201
    """record("booking-created", ...) installs a hook for each event that appends its stdin to `received`."""
    def install(*events: str) -> None:
        for event in events:
            write_hook(store, event, f"cat >> '{received.log}'")

    return install


def record_of(event: dict) -> dict:
    """An event's JSON without the keys the event adds: the record as the command prints it."""
    return {k: v for k, v in event.items() if k not in EVENT_KEYS}


def contact_id(ok, name: str = "Ada") -> str:  # noqa: ANN001
    return ok("contact", "add", "--first-name", name)["id"]


def appointment(ok, who: str, start: str = f"{TOMORROW} 10:00") -> dict:  # noqa: ANN001
    """A physiotherapy booking for contact `who`; its JSON."""
    return ok("session", "book", "--service", "physiotherapy", "--contact", who, "--start", start)


def meeting(ok, start: str) -> str:  # noqa: ANN001
    """A yoga-flow meeting with Sanne at `start`; its session id."""
    return ok("session", "add", "--service", "yoga-flow", "--start", start, "--staff", "sanne-de-vries")["id"]


def is_gone(pid: int) -> bool:
    """Whether process `pid` has ended (a zombie waiting to be reaped counts as ended)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except (OSError, IndexError):
        return True


# --- the payload of each event ------------------------------------------------------------------------------


def test_booking_created_hook_gets_the_booking_as_printed_plus_event_id_and_time(ok, record, received):
    record("booking-created")
    ada = contact_id(ok)
    printed = appointment(ok, ada)
    [event] = received()
    assert event["event"] == "booking-created"
    assert re.fullmatch(r"evt_[0-9a-f]{32}", event["event_id"])
    assert event["occurred_at"] == NOW
    assert record_of(event) == printed


def test_each_event_has_its_own_event_id(ok, record, received):
    record("booking-created")
    ada = contact_id(ok)
    appointment(ok, ada, f"{TOMORROW} 10:00")
    appointment(ok, ada, f"{TOMORROW} 11:00")
    first, second = received()
    assert first["event_id"] != second["event_id"]


def test_contact_created_hook_gets_the_contact_as_printed(ok, record, received):
    record("contact-created")
    printed = ok("contact", "add", "--first-name", "Ada", "--email", "ada@clients.example")
    [event] = received()
    assert (event["event"], event["occurred_at"]) == ("contact-created", NOW)
    assert record_of(event) == printed


def test_booking_cancelled_hook_gets_the_cancelled_booking(ok, record, received):
    record("booking-cancelled")
    booking = appointment(ok, contact_id(ok))["id"]
    printed = ok("session", "cancel", booking)
    [event] = received()
    assert event["event"] == "booking-cancelled"
    assert record_of(event) == printed
    assert event["status"] == "cancelled"


def test_an_appointment_rescheduled_to_a_new_start_fires_one_booking_rescheduled(ok, record, received):
    record("booking-rescheduled")
    booking = appointment(ok, contact_id(ok))["id"]
    printed = ok("session", "reschedule", booking, "--start", f"{TOMORROW} 15:00")
    [event] = received()
    assert event["event"] == "booking-rescheduled"
    assert record_of(event) == printed
    assert event["start"] == f"{TOMORROW}T15:00:00+01:00"


def test_a_class_booking_moved_to_another_meeting_fires_booking_rescheduled(ok, record, received):
    record("booking-rescheduled")
    first, second = meeting(ok, f"{TOMORROW} 18:00"), meeting(ok, "2026-11-25 18:00")
    booking = ok("session", "book", "--session", first, "--contact", contact_id(ok))["id"]
    printed = ok("session", "reschedule", booking, "--session", second)
    [event] = received()
    assert (event["event"], event["id"], event["session_id"]) == ("booking-rescheduled", booking, second)
    assert record_of(event) == printed


def test_moving_a_whole_session_fires_booking_rescheduled_for_each_booking_in_it(ok, record, received):
    record("booking-rescheduled")
    session = meeting(ok, f"{TOMORROW} 18:00")
    bookings = [ok("session", "book", "--session", session, "--contact", contact_id(ok, name))["id"]
                for name in ("Ada", "Bea")]
    ok("session", "move", session, "--start", f"{TOMORROW} 19:00")
    events = received()
    assert sorted(e["id"] for e in events) == sorted(bookings)
    assert {(e["event"], e["session_id"], e["start"]) for e in events} == {
        ("booking-rescheduled", session, f"{TOMORROW}T19:00:00+01:00")}


def test_checkin_fires_attendance_changed_with_the_new_attendance(ok, record, received):
    record("attendance-changed")
    booking = appointment(ok, contact_id(ok), "2026-11-23 15:00")["id"]
    printed = ok("session", "checkin", booking)
    [event] = received()
    assert (event["event"], event["attendance"]) == ("attendance-changed", "checked_in")
    assert record_of(event) == printed


def test_no_show_fires_attendance_changed(ok, record, received):
    record("attendance-changed")
    booking = ok("session", "book", "--service", "physiotherapy", "--contact", contact_id(ok),
                 "--start", "2026-11-23 09:00", "--allow-past")["id"]
    ok("session", "no-show", booking)
    [event] = received()
    assert (event["event"], event["id"], event["attendance"]) == ("attendance-changed", booking, "no_show")


def test_payment_in_person_fires_payment_with_the_ledger_entry(ok, record, received):
    record("payment")
    booking = appointment(ok, contact_id(ok))["id"]
    printed = ok("payment", "collect", booking, "--method", "in-person", "--yes")
    [event] = received()
    assert event["event"] == "payment"
    assert record_of(event) == printed
    assert (event["kind"], event["status"], event["amount"]) == ("charge", "succeeded", {"amount": "65.00",
                                                                                          "currency": "EUR"})


def test_a_manual_refund_fires_refund_with_the_refund_entry(ok, record, received):
    record("refund")
    booking = appointment(ok, contact_id(ok))["id"]
    ok("payment", "collect", booking, "--method", "in-person", "--yes")
    [printed] = ok("payment", "refund", booking, "--manual", "--amount", "10")
    [event] = received()
    assert event["event"] == "refund"
    assert record_of(event) == printed
    assert (event["kind"], event["amount"]["amount"]) == ("refund", "10.00")


def test_a_refund_is_not_told_to_the_payment_hook(ok, record, received):
    booking = appointment(ok, contact_id(ok))["id"]
    ok("payment", "collect", booking, "--method", "in-person", "--yes")
    record("payment")
    ok("payment", "refund", booking, "--manual", "--amount", "10")
    assert received() == []


def test_booking_a_course_fires_one_booking_created_per_meeting(ok, record, received):
    ok("service", "add", "Pilates Course", "--kind", "course", "--capacity", "2", "--price", "120",
       "--duration", "60")
    course = ok("schedule", "add", "--service", "pilates-course", "--days", "tue", "--at", "19:00",
                "--from", "2026-12-01", "--count", "4", "--staff", "sanne-de-vries")
    record("booking-created")
    lead = ok("session", "book", "--service", "pilates-course", "--contact", contact_id(ok))
    events = received()
    assert [e["event"] for e in events] == ["booking-created"] * 4
    assert [e["id"] for e in events] == lead["course"]["bookings"]
    assert [e["session_id"] for e in events] == course["meetings"]
    assert [e["price"]["amount"] for e in events] == ["120.00", "0.00", "0.00", "0.00"]
    assert len({e["event_id"] for e in events}) == 4


def test_one_command_tells_only_the_hooks_of_its_events(ok, record, received):
    record("booking-created", "booking-cancelled", "payment")
    contact_id(ok)
    assert received() == []


# --- output ----------------------------------------------------------------------------------------------


def test_a_hooks_output_goes_to_stderr_and_stdout_stays_the_commands_json(store, run, ok):
    ada = contact_id(ok)
    quiet = run("session", "book", "--service", "physiotherapy", "--contact", ada, "--start", f"{TOMORROW} 10:00")
    write_hook(store, "booking-created", "cat > /dev/null\necho hook-said-out\necho hook-said-err >&2")
    loud = run("session", "book", "--service", "physiotherapy", "--contact", ada, "--start", f"{TOMORROW} 11:00")
    assert loud.exit_code == 0
    assert "hook-said-out" in loud.stderr and "hook-said-err" in loud.stderr
    assert "hook-said" not in loud.stdout
    expected = quiet.stdout  # the quiet booking's output, with the ids and times that differ swapped in
    for key, value in json.loads(loud.stdout).items():
        if isinstance(value, str) and value != quiet.json()[key]:
            expected = expected.replace(f'"{quiet.json()[key]}"', f'"{value}"')
    assert loud.stdout == expected


# --- failure and timeout ---------------------------------------------------------------------------------------


def test_a_failing_hook_warns_once_and_the_change_stands(store, run, ok):
    write_hook(store, "booking-created", "cat > /dev/null\nexit 3")
    result = run("session", "book", "--service", "physiotherapy", "--contact", contact_id(ok),
                 "--start", f"{TOMORROW} 10:00")
    assert result.exit_code == 0, result.stderr
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 1
    assert re.fullmatch(r"warning: hook on-booking-created .*exited 3; the change stands", warnings[0])
    booking = json.loads(result.stdout)["id"]
    assert ok("session", "show", booking)["status"] == "confirmed"


def test_a_hook_past_the_timeout_is_stopped_with_its_children_and_the_change_stands(store, run, ok, tmp_path):
    ok("config", "set", "hooks.timeout_seconds", "1")
    pid_file = tmp_path / "grandchild.pid"
    write_hook(store, "booking-created", f"sleep 30 &\necho $! > '{pid_file}'\nsleep 30")
    started = time.monotonic()
    result = run("session", "book", "--service", "physiotherapy", "--contact", contact_id(ok),
                 "--start", f"{TOMORROW} 10:00")
    assert time.monotonic() - started < 10
    assert result.exit_code == 0, result.stderr
    [warning] = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    assert warning.startswith("warning: hook on-booking-created ")
    assert "hooks.timeout_seconds" in warning and warning.endswith("; the change stands")
    grandchild = int(pid_file.read_text())
    deadline = time.monotonic() + 5  # SIGKILL is delivered at once; the reaping may lag a little
    while not is_gone(grandchild) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert is_gone(grandchild)
    assert ok("session", "show", json.loads(result.stdout)["id"])["status"] == "confirmed"


def test_a_hooks_output_before_its_timeout_still_reaches_stderr(store, run, ok):
    ok("config", "set", "hooks.timeout_seconds", "1")
    write_hook(store, "contact-created", "echo started-work >&2\nsleep 30")
    result = run("contact", "add", "--first-name", "Ada")
    assert result.exit_code == 0, result.stderr
    assert "started-work" in result.stderr


# --- what runs no hook -------------------------------------------------------------------------------------


def test_no_hooks_option_runs_no_hook(bookctl, store, record, received):
    record("contact-created")
    result = bookctl("--no-hooks", "contact", "add", "--first-name", "Ada", "--store", store, "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert received() == []


def test_bookctl_no_hooks_env_runs_no_hook(ok, record, received):
    record("contact-created")
    ok("contact", "add", "--first-name", "Ada", extra_env={"BOOKCTL_NO_HOOKS": "1"})
    assert received() == []


def test_a_hook_file_that_is_not_executable_is_not_run(store, ok, received):
    write_hook(store, "contact-created", f"cat >> '{received.log}'", mode=0o644)
    ok("contact", "add", "--first-name", "Ada")
    assert received() == []


@pytest.mark.parametrize(("code", "args"), [
    (1, ("session", "book", "--service", "physiotherapy", "--contact", "c-1", "--start", "2026-11-20 10:00")),
    (2, ("session", "book", "--service", "physiotherapy", "--contact", "c-1", "--start", "tomorrow-ish")),
    (3, ("session", "book", "--service", "physiotherapy", "--contact", "c-99", "--start", f"{TOMORROW} 10:00")),
])
def test_a_refused_command_runs_no_hook(ok, refused, record, received, code, args):
    ok("contact", "add", "--first-name", "Ada")
    record("booking-created", "contact-created")
    refused(code, *args)
    assert received() == []


# --- a hook that runs bookctl ------------------------------------------------------------------------------


def test_a_hook_may_run_bookctl_on_the_same_store_without_waiting_for_the_lock(store, ok):
    write_hook(store, "contact-created",
               f"read -r event\n'{sys.executable}' -m bookctl contact note add c-1 'welcomed by the hook'")
    started = time.monotonic()
    ok("contact", "add", "--first-name", "Ada")
    assert time.monotonic() - started < 8  # the lock's timeout is 10 s: the hook did not wait for it
    notes = ok("contact", "note", "list", "c-1")
    assert [n["text"] for n in notes] == ["welcomed by the hook"]


def test_a_bookctl_run_by_a_hook_runs_no_hooks(store, ok, received):
    write_hook(store, "contact-created",
               f"cat >> '{received.log}'\n'{sys.executable}' -m bookctl contact add --first-name Inner")
    ok("contact", "add", "--first-name", "Ada")
    assert [e["first_name"] for e in received()] == ["Ada"]
    assert sorted(c["first_name"] for c in ok("contact", "list")) == ["Ada", "Inner"]


def test_a_hook_runs_bookctl_on_the_store_that_fired_it_whatever_bookctl_store_says(store, ok, tmp_path):
    listed = tmp_path / "listed.json"
    write_hook(store, "contact-created",
               f"cat > /dev/null\n'{sys.executable}' -m bookctl contact list --format json > '{listed}'")
    ok("contact", "add", "--first-name", "Ada", extra_env={"BOOKCTL_STORE": str(tmp_path / "elsewhere")})
    assert [c["first_name"] for c in json.loads(listed.read_text())] == ["Ada"]


# --- a real process ------------------------------------------------------------------------------------------


def test_a_real_bookctl_process_runs_the_hook_and_keeps_stdout_clean(store, record, received):
    record("contact-created")
    write_hook(store, "booking-created", "cat > /dev/null\necho from-the-hook\nexit 1")
    added = run_process("contact", "add", "--first-name", "Ada", "--store", store, "--format", "json")
    assert added.returncode == 0, added.stderr
    [event] = received()
    assert record_of(event) == json.loads(added.stdout)
    before = tree_digest(store)
    booked = run_process("session", "book", "--service", "physiotherapy", "--contact", "c-1",
                         "--start", f"{TOMORROW} 10:00", "--store", store, "--format", "json")
    assert booked.returncode == 0, booked.stderr
    assert json.loads(booked.stdout)["status"] == "confirmed"
    assert "from-the-hook" in booked.stderr
    assert "warning: hook on-booking-created" in booked.stderr and "exited 1" in booked.stderr
    assert tree_digest(store) != before
