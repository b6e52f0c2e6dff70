"""`remind run` (bookctl #20): a reminder per booking and offset, exactly once, whatever cron does.

"Now" is Monday 2026-11-23 12:00 in Rome. The store's Physiotherapy is 45 minutes with Giulia Romano.
"""

from __future__ import annotations

import collections
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import NOW, run_process, tree_digest
from tests.smtp_server import _running_server, free_port, mail_server  # noqa: F401 - fixtures


@pytest.fixture
def client(ok):  # noqa: ANN001, ANN201
    """client("Ada", "2026-11-24 10:00") -> the booking JSON of a new client's appointment then."""
    def make(first_name: str, start: str, email: bool = True, staff: str = "Giulia Romano") -> dict:
        args = ["contact", "add", "--first-name", first_name]
        if email:
            args += ["--email", f"{first_name.lower()}@clients.example"]
        contact_id = ok(*args)["id"]
        return ok("session", "book", "--service", "physiotherapy", "--contact", contact_id, "--start", start,
                  "--staff", staff)

    return make


def reminders_in_outbox(ok) -> collections.Counter:  # noqa: ANN001
    """How many reminders the outbox holds for each booking."""
    return collections.Counter(m["booking"] for m in ok("outbox", "list") if m["kind"] == "reminder")


def smtp_mode(ok, port: int) -> None:  # noqa: ANN001
    for key, value in (("email.mode", "smtp"), ("email.host", "127.0.0.1"), ("email.port", str(port)),
                       ("email.security", "none"), ("email.sender", "desk@studio-verde.example")):
        ok("config", "set", key, value)


def test_a_booking_starting_within_24_hours_is_reminded_once(ok, client):
    soon = client("Ada", "2026-11-24 10:00")
    client("Bea", "2026-11-25 10:00")  # 46 hours away: not yet
    rows = ok("remind", "run")
    assert [(r["booking"], r["offset"], r["status"]) for r in rows] == [(soon["id"], "24h", "queued")]
    assert ok("remind", "run") == []
    assert reminders_in_outbox(ok) == {soon["id"]: 1}


def test_the_reminder_names_the_booking_and_goes_to_the_client(ok, client):
    soon = client("Ada", "2026-11-24 10:00")
    [row] = ok("remind", "run")
    shown = ok("outbox", "show", row["message"])
    assert shown["to"] == "ada@clients.example" and shown["kind"] == "reminder" and shown["booking"] == soon["id"]


def test_each_offset_reminds_once_and_a_late_booking_gets_one_reminder(ok, client):
    ok("config", "set", "remind.offsets", "24h,2h")
    booking = client("Ada", "2026-11-24 10:00")
    assert [r["offset"] for r in ok("remind", "run")] == ["24h"]
    assert ok("remind", "run", extra_env={"BOOKCTL_NOW": "2026-11-24T07:30:00+01:00"}) == []
    assert [r["offset"] for r in ok("remind", "run", extra_env={"BOOKCTL_NOW": "2026-11-24T08:30:00+01:00"})] == ["2h"]
    late = client("Bea", "2026-11-23 13:00")  # booked an hour before: due for both offsets, one email
    assert [(r["booking"], r["offset"]) for r in ok("remind", "run")] == [(late["id"], "2h")]
    assert reminders_in_outbox(ok) == {booking["id"]: 2, late["id"]: 1}


def test_a_moved_booking_is_reminded_again_for_its_new_time(ok, client):
    booking = client("Ada", "2026-11-24 10:00")
    ok("remind", "run")
    ok("session", "reschedule", booking["id"], "--start", "2026-11-24 11:00")
    assert [r["booking"] for r in ok("remind", "run")] == [booking["id"]]


def test_cancelled_bookings_and_sessions_past_are_not_reminded(ok, client):
    gone = client("Ada", "2026-11-24 10:00")
    ok("session", "cancel", gone["id"])
    assert ok("remind", "run") == []


def test_a_client_without_email_is_marked_and_said(ok, client):
    quiet = client("Ada", "2026-11-24 10:00", email=False)
    [row] = ok("remind", "run")
    assert (row["booking"], row["status"], row["message"]) == (quiet["id"], "no email", None)
    assert ok("remind", "run") == []


def test_dry_run_prints_what_would_be_sent_and_changes_nothing(ok, client, store):
    booking = client("Ada", "2026-11-24 10:00")
    before = tree_digest(store)
    rows = ok("remind", "run", "--dry-run")
    assert [(r["booking"], r["status"]) for r in rows] == [(booking["id"], "would send")]
    assert tree_digest(store) == before


def test_before_overrides_the_offsets_and_a_bad_one_is_exit_2(ok, run, client, store):
    client("Ada", "2026-11-23 13:00")
    client("Bea", "2026-11-23 18:00")
    assert len(ok("remind", "run", "--before", "90m")) == 1
    before = tree_digest(store)
    result = run("remind", "run", "--before", "tomorrow")
    assert result.exit_code == 2
    assert result.stderr == ("error: --before 'tomorrow' is not a duration; use a number with d, h or m, "
                             "such as 24h, 90m or 1h30m\n")
    assert tree_digest(store) == before


def test_a_bad_offsets_setting_is_refused(run):
    result = run("config", "set", "remind.offsets", "24h,24h")
    assert (result.exit_code, result.stderr) == (2, "error: remind.offsets gives one offset twice\n")


def test_offsets_count_elapsed_hours_across_a_clock_change(ok, client):
    # Rome's clocks go forward on 2027-03-28 at 02:00: 24 hours before 10:00 (+02:00) is 09:00 the day before.
    ok("config", "set", "remind.offsets", "24h")
    booking = ok("session", "book", "--service", "physiotherapy", "--contact",
                 ok("contact", "add", "--first-name", "Ada", "--email", "ada@clients.example")["id"],
                 "--start", "2027-03-28 10:00", "--staff", "Giulia Romano")
    assert ok("remind", "run", extra_env={"BOOKCTL_NOW": "2027-03-27T08:59:00+01:00"}) == []
    assert [r["booking"] for r in ok("remind", "run", extra_env={"BOOKCTL_NOW": "2027-03-27T09:00:00+01:00"})] \
        == [booking["id"]]


def test_in_smtp_mode_each_reminder_is_delivered_once(ok, client, mail_server):
    smtp_mode(ok, mail_server.port)
    first, second = client("Ada", "2026-11-24 10:00"), client("Bea", "2026-11-24 11:00")
    rows = ok("remind", "run")
    assert {(r["booking"], r["status"]) for r in rows} == {(first["id"], "sent"), (second["id"], "sent")}
    assert ok("remind", "run") == []
    assert sorted(r.rcpt_tos[0] for r in mail_server.received) == ["ada@clients.example", "bea@clients.example"]
    assert reminders_in_outbox(ok) == {}


def test_a_mail_server_down_is_exit_5_and_the_next_run_delivers_each_once(ok, run, client, mail_server):
    smtp_mode(ok, free_port())  # nothing listens there
    booking = client("Ada", "2026-11-24 10:00")
    result = run("remind", "run")
    assert result.exit_code == 5
    assert "cannot reach the mail server" in result.stderr and "stay in the outbox, marked" in result.stderr
    assert [(r["booking"], r["status"]) for r in result.json()] == [(booking["id"], "kept")]
    smtp_mode(ok, mail_server.port)  # the server is back
    rows = ok("remind", "run")
    assert [(r["booking"], r["status"]) for r in rows] == [(booking["id"], "sent")]
    assert ok("remind", "run") == []
    assert [r.rcpt_tos for r in mail_server.received] == [["ada@clients.example"]]


def test_piped_without_a_format_it_prints_one_summary_line(bookctl, client, store):
    client("Ada", "2026-11-24 10:00")
    result = bookctl("remind", "run", "--store", store)
    assert (result.exit_code, result.stdout) == (0, "remind: 1 reminder(s): 1 queued\n")


# --- exactly once, whatever happens to the process -----------------------------------------------------------


def _many_due(ok, client, count: int) -> set[str]:  # noqa: ANN001
    starts = [f"2026-11-23 {13 + (n // 2) * 45 // 60:02d}:{(n // 2) * 45 % 60:02d}" for n in range(count)]
    return {client(f"C{n}", start, staff=("Giulia Romano", "Sanne de Vries")[n % 2])["id"]
            for n, start in enumerate(starts)}


def _remind_process(store: Path) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BOOKCTL_")}
    env["BOOKCTL_NOW"] = NOW
    return subprocess.Popen([sys.executable, "-m", "bookctl", "remind", "run", "--store", str(store), "--format",
                             "json"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)


def test_kill_9_at_random_moments_never_sends_a_reminder_twice_nor_loses_one(ok, client, store):
    due = _many_due(ok, client, 16)
    rng = random.Random(20261123)
    for _ in range(8):
        child = _remind_process(store)
        time.sleep(rng.uniform(0.05, 0.6))
        child.send_signal(signal.SIGKILL)
        child.wait()
    assert run_process("remind", "run", "--store", store).returncode == 0  # finishes whatever is left
    assert reminders_in_outbox(ok) == {booking: 1 for booking in due}
    assert ok("remind", "run") == []


def test_runs_at_the_same_time_send_each_reminder_once(ok, client, store):
    due = _many_due(ok, client, 12)
    children = [_remind_process(store) for _ in range(4)]
    for child in children:
        assert child.wait(timeout=120) == 0, child.stderr.read() if child.stderr else ""
    assert reminders_in_outbox(ok) == {booking: 1 for booking in due}


# --- the confirmation, with its invitation ---------------------------------------------------------------------


def _calendar_part(bookctl, store: Path, message: str) -> str:  # noqa: ANN001
    from email import policy
    from email.parser import BytesParser

    raw = bookctl("outbox", "show", message, "--raw", "--store", store).stdout.encode("utf-8")
    parsed = BytesParser(policy=policy.default).parsebytes(raw)
    [part] = [p for p in parsed.walk() if p.get_content_type() == "text/calendar"]
    return part.get_content()


def test_book_notify_queues_a_confirmation_carrying_the_invitation(ok, bookctl, store):
    contact_id = ok("contact", "add", "--first-name", "Ada", "--email", "ada@clients.example")["id"]
    booked = ok("session", "book", "--service", "physiotherapy", "--contact", contact_id, "--start",
                "2026-11-24 10:00", "--staff", "Giulia Romano", "--notify")
    assert booked["email"]["status"] == "queued" and booked["email"]["to"] == "ada@clients.example"
    shown = ok("outbox", "show", booked["email"]["message"])
    assert shown["kind"] == "confirmation"
    calendar = _calendar_part(bookctl, store, booked["email"]["message"])
    assert "METHOD:REQUEST" in calendar and "DTSTART;TZID=Europe/Rome:20261124T100000" in calendar


def test_book_notify_for_a_client_without_email_books_nothing(ok, refused):
    contact_id = ok("contact", "add", "--first-name", "Ada")["id"]
    error = refused(1, "session", "book", "--service", "physiotherapy", "--contact", contact_id, "--start",
                    "2026-11-24 10:00", "--notify")
    assert "has no email address" in error
