"""Waitlists of full classes (bookctl #20): join, promotion in order, offers with a hold and its
expiry, the cut-off, and capacity never exceeded under parallel books and cancels.

"Now" is Monday 2026-11-23 12:00 in Rome. Yoga Flow is a class of 3 places; its meeting here is on
Wednesday 2026-11-25 at 18:00.
"""

from __future__ import annotations

import concurrent.futures
import os

import pytest

from tests.conftest import run_process

MEETING = "2026-11-25 18:00"


@pytest.fixture
def meeting(ok) -> str:  # noqa: ANN001
    return ok("session", "add", "--service", "yoga-flow", "--start", MEETING)["id"]


@pytest.fixture
def clients(ok):  # noqa: ANN001, ANN201
    """clients(n) -> n new contacts' ids, each with an email."""
    made = []

    def make(n: int) -> list[str]:
        for _ in range(n):
            number = len(made) + 1
            made.append(ok("contact", "add", "--first-name", f"Client{number}",
                           "--email", f"client{number}@example.org")["id"])
        return made[-n:]

    return make


def fill(ok, meeting: str, contacts: list[str]) -> list[dict]:  # noqa: ANN001
    return [ok("session", "book", "--session", meeting, "--contact", c) for c in contacts]


def test_a_full_class_refuses_and_names_the_waitlist_option(ok, run, meeting, clients):
    fill(ok, meeting, clients(3))
    [late] = clients(1)
    result = run("session", "book", "--session", meeting, "--contact", late)
    assert result.exit_code == 1
    assert "is full" in result.stderr and "--waitlist" in result.stderr


def test_joining_the_waitlist_of_a_full_class_owes_nothing_and_has_a_place_in_line(ok, meeting, clients):
    fill(ok, meeting, clients(3))
    first, second = clients(2)
    one = ok("session", "book", "--session", meeting, "--contact", first, "--waitlist")
    two = ok("session", "book", "--session", meeting, "--contact", second, "--waitlist")
    assert (one["status"], one["waitlist_position"], one["due"]["amount"]) == ("waitlisted", 1, "0.00")
    assert (two["status"], two["waitlist_position"]) == ("waitlisted", 2)
    assert ok("session", "show", meeting)["places_left"] == 0


def test_with_places_left_waitlist_books_as_usual(ok, meeting, clients):
    [client] = clients(1)
    booked = ok("session", "book", "--session", meeting, "--contact", client, "--waitlist")
    assert booked["status"] == "confirmed"


def test_an_appointment_has_no_waitlist(ok, refused, clients):
    [client] = clients(1)
    error = refused(1, "session", "book", "--service", "physiotherapy", "--contact", client,
                    "--start", "2026-11-25 10:00", "--waitlist")
    assert "only a class has a waitlist" in error


def test_the_waitlist_size_caps_the_line(ok, refused, meeting, clients):
    ok("service", "edit", "yoga-flow", "--waitlist-size", "1")
    fill(ok, meeting, clients(3))
    first, second = clients(2)
    ok("session", "book", "--session", meeting, "--contact", first, "--waitlist")
    error = refused(1, "session", "book", "--session", meeting, "--contact", second, "--waitlist")
    assert "so is its waitlist (1 of 1)" in error


def test_a_waitlist_size_of_zero_means_no_waitlist(ok, refused, meeting, clients):
    assert ok("service", "edit", "yoga-flow", "--waitlist-size", "0")["waitlist_size"] == 0
    fill(ok, meeting, clients(3))
    [late] = clients(1)
    assert "has no waitlist" in refused(1, "session", "book", "--session", meeting, "--contact", late, "--waitlist")
    assert ok("service", "edit", "yoga-flow", "--waitlist-size", "unlimited")["waitlist_size"] is None


def test_a_bad_waitlist_size_is_a_usage_error(refused):
    assert "--waitlist-size" in refused(2, "service", "edit", "yoga-flow", "--waitlist-size", "lots")
    assert "only a class" in refused(2, "service", "edit", "physiotherapy", "--waitlist-size", "3")


def test_a_client_cannot_wait_twice_for_one_meeting(ok, refused, meeting, clients):
    fill(ok, meeting, clients(3))
    [late] = clients(1)
    ok("session", "book", "--session", meeting, "--contact", late, "--waitlist")
    assert "already on the waitlist" in refused(1, "session", "book", "--session", meeting, "--contact", late,
                                                "--waitlist")


def test_a_cancel_promotes_the_first_in_line_and_emails_them(ok, meeting, clients):
    booked = fill(ok, meeting, clients(3))
    first, second = clients(2)
    one = ok("session", "book", "--session", meeting, "--contact", first, "--waitlist")
    two = ok("session", "book", "--session", meeting, "--contact", second, "--waitlist")
    cancelled = ok("session", "cancel", booked[1]["id"])
    [given] = cancelled["waitlist"]
    assert (given["action"], given["booking"], given["email"]["to"]) == ("promoted", one["id"], "client4@example.org")
    promoted = ok("session", "show", one["id"])
    assert (promoted["status"], promoted["due"]["amount"]) == ("confirmed", "18.00")
    assert [(r["id"], r["waitlist_position"]) for r in ok("waitlist", "list", meeting)] == [(two["id"], 1)]
    kinds = [(m["kind"], m["booking"]) for m in ok("outbox", "list")]
    assert ("confirmation", one["id"]) in kinds
    assert "Yoga Flow" in ok("contact", "show", first)["labels"]


def test_moving_a_booking_to_another_meeting_frees_its_place_for_the_line(ok, meeting, clients):
    other = ok("session", "add", "--service", "yoga-flow", "--start", "2026-11-26 18:00")["id"]
    booked = fill(ok, meeting, clients(3))
    [waiting] = clients(1)
    queued = ok("session", "book", "--session", meeting, "--contact", waiting, "--waitlist")
    moved = ok("session", "reschedule", booked[0]["id"], "--session", other)
    assert [r["booking"] for r in moved["waitlist"]] == [queued["id"]]
    assert ok("session", "show", queued["id"])["status"] == "confirmed"


def test_session_list_leaves_the_waitlist_out_unless_asked(ok, meeting, clients):
    fill(ok, meeting, clients(3))
    [waiting] = clients(1)
    queued = ok("session", "book", "--session", meeting, "--contact", waiting, "--waitlist")
    shown = [r["id"] for r in ok("session", "list", "--day", "2026-11-25")]
    assert queued["id"] not in shown and len(shown) == 3
    with_line = ok("session", "list", "--day", "2026-11-25", "--waitlisted")
    assert [r["status"] for r in with_line if r["id"] == queued["id"]] == ["waitlisted"]


def test_the_export_marks_the_waitlisted(bookctl, ok, store, meeting, clients):
    fill(ok, meeting, clients(3))
    [waiting] = clients(1)
    queued = ok("session", "book", "--session", meeting, "--contact", waiting, "--waitlist")
    rows = ok("export", "bookings", "--from", "2026-11-25", "--to", "2026-11-25")
    assert [r["status"] for r in rows if r["id"] == queued["id"]] == ["waitlisted"]
    csv = bookctl("export", "bookings", "--from", "2026-11-25", "--to", "2026-11-25", "--store", store,
                  "--format", "csv").stdout
    assert any(queued["id"] in line and ",waitlisted," in line for line in csv.splitlines())


def test_a_waitlisted_booking_cannot_be_paid_checked_in_or_moved(ok, refused, meeting, clients):
    fill(ok, meeting, clients(3))
    [waiting] = clients(1)
    queued = ok("session", "book", "--session", meeting, "--contact", waiting, "--waitlist")["id"]
    assert "waitlist" in refused(1, "payment", "collect", queued, "--method", "in-person", "--yes")
    assert "waitlist" in refused(1, "session", "no-show", queued)
    assert "waitlist" in refused(1, "session", "reschedule", queued, "--start", "2026-11-26 18:00")


def test_leaving_the_waitlist_cancels_the_place_in_line(ok, refused, meeting, clients):
    fill(ok, meeting, clients(3))
    first, second = clients(2)
    one = ok("session", "book", "--session", meeting, "--contact", first, "--waitlist")
    two = ok("session", "book", "--session", meeting, "--contact", second, "--waitlist")
    assert ok("waitlist", "leave", one["id"])["status"] == "cancelled"
    assert [(r["id"], r["waitlist_position"]) for r in ok("waitlist", "list")] == [(two["id"], 1)]
    assert "not on a waitlist" in refused(1, "waitlist", "leave", one["id"])


# --- offer mode: a place held for a while -------------------------------------------------------------


def test_offer_mode_holds_the_place_and_accept_takes_it(ok, meeting, clients):
    ok("config", "set", "waitlist.mode", "offer")
    ok("config", "set", "waitlist.hold_hours", "6")
    booked = fill(ok, meeting, clients(3))
    [waiting] = clients(1)
    queued = ok("session", "book", "--session", meeting, "--contact", waiting, "--waitlist")
    [given] = ok("session", "cancel", booked[0]["id"])["waitlist"]
    assert (given["action"], given["offer_expires_at"]) == ("offered", "2026-11-23T18:00:00+01:00")
    assert ok("session", "show", meeting)["places_left"] == 0  # held, not free
    assert [m["kind"] for m in ok("outbox", "list") if m["booking"] == queued["id"]] == ["offer"]
    accepted = ok("waitlist", "accept", queued["id"])
    assert (accepted["status"], accepted["due"]["amount"]) == ("confirmed", "18.00")


def test_the_offer_email_says_the_meeting_and_the_end_of_the_hold_with_their_weekdays(ok, meeting, clients):
    ok("config", "set", "waitlist.mode", "offer")
    ok("config", "set", "waitlist.hold_hours", "6")
    booked = fill(ok, meeting, clients(3))
    [waiting] = clients(1)
    queued = ok("session", "book", "--session", meeting, "--contact", waiting, "--waitlist")
    ok("session", "cancel", booked[0]["id"])
    [offer] = [m for m in ok("outbox", "list") if m["booking"] == queued["id"]]
    assert offer["subject"] == "A place in Yoga Flow on Wednesday, 25 November 2026 is yours"
    assert ("a place has opened in Yoga Flow on Wednesday, 25 November 2026 at 18:00, and it is held for you "
            "until Monday, 23 November 2026 at 18:00.") in ok("outbox", "show", offer["id"])["text"]


def test_an_offer_held_past_its_hold_is_swept_and_the_place_goes_to_the_next(bookctl, ok, store, meeting, clients):
    ok("config", "set", "waitlist.mode", "offer")
    ok("config", "set", "waitlist.hold_hours", "6")
    booked = fill(ok, meeting, clients(3))
    first, second = clients(2)
    one = ok("session", "book", "--session", meeting, "--contact", first, "--waitlist")
    two = ok("session", "book", "--session", meeting, "--contact", second, "--waitlist")
    ok("session", "cancel", booked[0]["id"])
    assert ok("waitlist", "sweep") == []  # within the hold: nothing to do
    later = {"BOOKCTL_NOW": "2026-11-23T18:30:00+01:00"}
    late = bookctl("waitlist", "accept", one["id"], "--store", store, extra_env=later)
    assert late.exit_code == 1 and "was held until 2026-11-23 18:00" in late.stderr
    swept = bookctl("waitlist", "sweep", "--store", store, "--format", "json", extra_env=later).json()
    assert [(r["action"], r["booking"]) for r in swept] == [("expired", one["id"]), ("offered", two["id"])]
    assert ok("session", "show", one["id"])["status"] == "cancelled"
    again = bookctl("waitlist", "sweep", "--store", store, "--format", "json", extra_env=later).json()
    assert again == []


def test_an_offer_never_holds_past_the_cutoff(ok, meeting, clients):
    ok("config", "set", "waitlist.mode", "offer")
    ok("config", "set", "waitlist.hold_hours", "72")
    ok("config", "set", "waitlist.cutoff_hours", "4")
    booked = fill(ok, meeting, clients(3))
    [waiting] = clients(1)
    ok("session", "book", "--session", meeting, "--contact", waiting, "--waitlist")
    [given] = ok("session", "cancel", booked[0]["id"])["waitlist"]
    assert given["offer_expires_at"] == "2026-11-25T14:00:00+01:00"


def test_no_promotion_within_the_cutoff(bookctl, ok, store, meeting, clients):
    ok("config", "set", "waitlist.cutoff_hours", "3")
    booked = fill(ok, meeting, clients(3))
    [waiting] = clients(1)
    queued = ok("session", "book", "--session", meeting, "--contact", waiting, "--waitlist")
    close = {"BOOKCTL_NOW": "2026-11-25T15:30:00+01:00"}
    result = bookctl("session", "cancel", booked[0]["id"], "--store", store, "--format", "json", extra_env=close)
    assert result.exit_code == 0, result.stderr
    assert "waitlist" not in result.json()
    assert ok("session", "show", queued["id"])["status"] == "waitlisted"
    assert ok("session", "show", meeting)["places_left"] == 1  # free for whoever books it


def test_the_cutoff_is_counted_in_elapsed_hours_across_a_clock_change(bookctl, ok, store, clients):
    # Rome leaves summer time at 03:00 on Sunday 2026-10-25: 4 elapsed hours before 05:00 is 02:00 CEST.
    meeting = bookctl("session", "add", "--service", "yoga-flow", "--start", "2026-10-25 05:00", "--store", store,
                      "--format", "json", extra_env={"BOOKCTL_NOW": "2026-10-24T12:00:00+02:00"}).json()["id"]
    ok("config", "set", "waitlist.cutoff_hours", "4")
    env = {"BOOKCTL_NOW": "2026-10-24T12:00:00+02:00"}
    booked = []
    for contact in clients(4):
        made = bookctl("session", "book", "--session", meeting, "--contact", contact, "--waitlist", "--store", store,
                       "--format", "json", extra_env=env)
        assert made.exit_code == 0, made.stderr
        booked.append(made.json())
    # 02:30 CEST is 00:30 UTC: 3.5 elapsed hours before 04:00 UTC, inside the cut-off (wall clock says 2.5).
    inside = {"BOOKCTL_NOW": "2026-10-25T02:30:00+02:00"}
    done = bookctl("session", "cancel", booked[0]["id"], "--store", store, "--format", "json", extra_env=inside)
    assert "waitlist" not in done.json()
    # 01:30 CEST is 23:30 UTC: 4.5 elapsed hours before, outside it.
    booked_again = booked[1:]
    outside = {"BOOKCTL_NOW": "2026-10-25T01:30:00+02:00"}
    done = bookctl("session", "cancel", booked_again[0]["id"], "--store", store, "--format", "json", extra_env=outside)
    assert [r["booking"] for r in done.json()["waitlist"]] == [booked[3]["id"]]


def test_sweep_promotes_into_places_already_free_in_auto_mode(ok, meeting, clients):
    ok("config", "set", "waitlist.mode", "offer")
    booked = fill(ok, meeting, clients(3))
    [waiting] = clients(1)
    queued = ok("session", "book", "--session", meeting, "--contact", waiting, "--waitlist")
    ok("session", "cancel", booked[0]["id"])
    ok("waitlist", "leave", queued["id"])  # the offer turned down: the place is free, no one waits
    assert ok("session", "show", meeting)["places_left"] == 1
    assert ok("waitlist", "sweep") == []


def test_cancelling_the_whole_meeting_cancels_its_waitlist(ok, meeting, clients):
    fill(ok, meeting, clients(3))
    [waiting] = clients(1)
    queued = ok("session", "book", "--session", meeting, "--contact", waiting, "--waitlist")
    ok("session", "cancel", meeting, "--all")
    assert ok("session", "show", queued["id"])["status"] == "cancelled"
    assert ok("waitlist", "list") == []


def test_waitlist_commands_refuse_unknown_bookings(refused):
    assert refused(3, "waitlist", "accept", "b-20261125-99")
    assert refused(3, "waitlist", "leave", "b-20261125-99")


def test_waitlist_accept_of_one_still_waiting_says_its_place(ok, refused, meeting, clients):
    ok("config", "set", "waitlist.mode", "offer")
    fill(ok, meeting, clients(3))
    [waiting] = clients(1)
    queued = ok("session", "book", "--session", meeting, "--contact", waiting, "--waitlist")
    assert "number 1 on the waitlist" in refused(1, "waitlist", "accept", queued["id"])


# --- capacity under parallel processes --------------------------------------------------------------------


def test_capacity_is_never_exceeded_under_parallel_books_and_cancels(ok, store, meeting, clients):
    booked = fill(ok, meeting, clients(3))
    waiting = clients(6)
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("BOOKCTL_")},
           "BOOKCTL_NOW": "2026-11-23T12:00:00+01:00", "BOOKCTL_STORE": str(store)}
    jobs = [("session", "book", "--session", meeting, "--contact", c, "--waitlist", "--format", "json") for c in waiting]
    jobs += [("session", "cancel", b["id"], "--format", "json") for b in booked[:2]]

    def run_one(args: tuple[str, ...]) -> int:
        return run_process(*args, env=env).returncode

    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        codes = list(pool.map(run_one, jobs))
    assert codes == [0] * len(jobs)
    rows = ok("session", "list", "--day", "2026-11-25", "--waitlisted")
    confirmed = [r for r in rows if r["status"] == "confirmed"]
    assert len(confirmed) == 3  # two cancelled, two promoted (or booked straight into a free place)
    waiting_now = [r for r in rows if r["status"] == "waitlisted"]
    assert len(waiting_now) == 4
    assert ok("session", "show", meeting)["places_left"] == 0


def test_a_promotion_runs_the_waitlist_promoted_hook_with_the_booking(ok, store, meeting, clients):
    import json

    hooks = store / "hooks"
    hooks.mkdir()
    hook = hooks / "on-waitlist-promoted"
    hook.write_text('#!/bin/sh\ncat >> "$(dirname "$0")/promoted.ndjson"\n')
    hook.chmod(0o755)
    booked = fill(ok, meeting, clients(3))
    [waiting] = clients(1)
    queued = ok("session", "book", "--session", meeting, "--contact", waiting, "--waitlist")
    ok("session", "cancel", booked[0]["id"])
    [event] = [json.loads(line) for line in (hooks / "promoted.ndjson").read_text().splitlines()]
    assert (event["event"], event["id"], event["status"]) == ("waitlist-promoted", queued["id"], "confirmed")
