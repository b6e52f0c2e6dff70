"""Recurring schedules (bookctl #19), driven through the real command line: `schedule add|list|show|
extend|skip|edit|end`, the meetings they put on the calendar, courses booked whole, and the
whole-meeting commands `session cancel SESSION --all`, `session move` and `session reschedule --session`.

"Now" is Monday 2026-11-23 12:00 in Rome (+01:00). With the default horizon of 12 weeks, a class's
meetings go on the calendar up to 2027-02-15. Rome's clocks go forward on 2027-03-28 and back on
2027-10-31.
"""

from __future__ import annotations


import pytest

from tests.conftest import tree_digest

SCHEDULE_KEYS = {"id", "service_id", "staff_id", "days", "at", "from", "until", "count", "capacity", "rrule",
                 "exdates"}
# Every Monday and Wednesday at 18:00 with Giulia, from Monday 2026-11-30 until the end of June 2027.
YOGA_WEEKS = ("--service", "yoga-flow", "--days", "mon,wed", "--at", "18:00", "--from", "2026-11-30",
              "--until", "2027-06-30", "--staff", "giulia-romano")


# --- helpers --------------------------------------------------------------------------------------------


@pytest.fixture
def contact(ok):  # noqa: ANN001, ANN201
    """contact("Ada") -> a new contact's id (with an email address, so --notify can reach them)."""
    def add(first_name: str) -> str:
        email = f"{first_name.lower()}@clients.example"
        return ok("contact", "add", "--first-name", first_name, "--email", email)["id"]

    return add


@pytest.fixture
def course(ok):  # noqa: ANN001, ANN201
    """A course of four Tuesday meetings at 19:00 with Sanne (2026-12-01 .. 2026-12-22), 2 places, 120 EUR
    for the whole course; the `schedule add` JSON."""
    ok("service", "add", "Pilates Course", "--kind", "course", "--capacity", "2", "--price", "120",
       "--duration", "60")
    return ok("schedule", "add", "--service", "pilates-course", "--days", "tue", "--at", "19:00",
              "--from", "2026-12-01", "--count", "4", "--staff", "sanne-de-vries")


def upcoming(ok, schedule: str = "sch-1") -> list[tuple[str, str]]:  # noqa: ANN001
    """(start, status) of each meeting `schedule show` lists from today on."""
    return [(m["start"], m["status"]) for m in ok("schedule", "show", schedule)["upcoming"]]


def starts(ok, schedule: str = "sch-1") -> list[str]:  # noqa: ANN001
    """The starts of the schedule's scheduled meetings from today on."""
    return [start for start, status in upcoming(ok, schedule) if status == "scheduled"]


def meeting_on(ok, day: str, schedule: str = "sch-1") -> str:  # noqa: ANN001
    """The session id of the schedule's meeting on `day` (YYYY-MM-DD)."""
    found = [m["session_id"] for m in ok("schedule", "show", schedule)["upcoming"] if m["start"].startswith(day)]
    assert len(found) == 1, found
    return found[0]


def join(ok, session: str, contact_id: str) -> dict:  # noqa: ANN001
    """Book `contact_id` a place in meeting `session`; the booking's JSON."""
    return ok("session", "book", "--session", session, "--contact", contact_id)


def pay_by_card(ok, booking: str) -> dict:  # noqa: ANN001
    """Collect what is due on `booking` with the sandbox's good card."""
    return ok("payment", "collect", booking, "--method", "card", "--card", "tok_visa")


def appointment(ok, contact_id: str, start: str, staff: str = "giulia-romano") -> dict:  # noqa: ANN001
    """A physiotherapy appointment (45 minutes) with `staff`; the booking's JSON."""
    return ok("session", "book", "--service", "physiotherapy", "--contact", contact_id, "--start", start,
              "--staff", staff)


def outbox(ok) -> list[tuple[str, str, str]]:  # noqa: ANN001
    """(kind, to, booking) of every queued message, sorted."""
    return sorted((m["kind"], m["to"], m["booking"]) for m in ok("outbox", "list"))


def booking(ok, booking_id: str) -> dict:  # noqa: ANN001
    """`session show BOOKING`."""
    return ok("session", "show", booking_id)


# --- schedule add -----------------------------------------------------------------------------------------


def test_schedule_add_prints_the_contract_keys_and_its_meetings(ok):
    shown = ok("schedule", "add", *YOGA_WEEKS)
    assert SCHEDULE_KEYS | {"meetings"} <= set(shown)
    assert {key: shown[key] for key in SCHEDULE_KEYS} == {
        "id": "sch-1", "service_id": "yoga-flow", "staff_id": "giulia-romano", "days": ["mon", "wed"],
        "at": "18:00", "from": "2026-11-30", "until": "2027-06-30", "count": None, "capacity": 3,
        "rrule": "FREQ=WEEKLY;BYDAY=MO,WE;UNTIL=20270630T235959", "exdates": []}
    first = ok("session", "show", shown["meetings"][0])
    assert (first["service_id"], first["staff_id"], first["start"], first["end"], first["capacity"]) == (
        "yoga-flow", "giulia-romano", "2026-11-30T18:00:00+01:00", "2026-11-30T19:00:00+01:00", 3)
    listed = ok("schedule", "list")
    assert [{key: row[key] for key in SCHEDULE_KEYS} for row in listed] == [
        {key: shown[key] for key in SCHEDULE_KEYS}]


@pytest.mark.parametrize(("days", "end", "rrule"), [
    ("mon,wed", ("--until", "2027-06-30"), "FREQ=WEEKLY;BYDAY=MO,WE;UNTIL=20270630T235959"),
    ("fri,tue", ("--count", "10"), "FREQ=WEEKLY;BYDAY=TU,FR;COUNT=10"),
    ("Sunday", ("--count", "1"), "FREQ=WEEKLY;BYDAY=SU;COUNT=1"),
])
def test_schedule_add_writes_the_rrule_text(ok, days, end, rrule):
    shown = ok("schedule", "add", "--service", "yoga-flow", "--days", days, "--at", "18:00", "--from", "2026-11-30",
               *end)
    assert shown["rrule"] == rrule
    assert ok("schedule", "show", shown["id"])["rrule"] == rrule


def test_schedule_add_makes_meetings_only_up_to_the_default_horizon_of_12_weeks(ok):
    shown = ok("schedule", "add", *YOGA_WEEKS)
    assert ok("config", "show")["schedule.horizon_weeks"] == 12
    # 2026-11-23 + 12 weeks = Monday 2027-02-15: 12 weeks of two meetings, less the Wednesday 2026-11-25
    # (before --from), plus Monday 2027-02-15 itself.
    assert len(shown["meetings"]) == 23
    made = starts(ok)
    assert len(made) == 23
    assert made[0] == "2026-11-30T18:00:00+01:00"
    assert made[-1] == "2027-02-15T18:00:00+01:00"
    assert [m for m in made if m > "2027-02-16"] == []


def test_schedule_horizon_weeks_setting_changes_how_far_add_goes(ok):
    ok("config", "set", "schedule.horizon_weeks", "2")
    shown = ok("schedule", "add", *YOGA_WEEKS)
    assert len(shown["meetings"]) == 3
    assert starts(ok) == ["2026-11-30T18:00:00+01:00", "2026-12-02T18:00:00+01:00", "2026-12-07T18:00:00+01:00"]


def test_schedule_add_of_a_course_makes_every_meeting_at_once(ok):
    ok("service", "add", "Pilates Course", "--kind", "course", "--capacity", "2", "--price", "120", "--duration", "60")
    # 20 Tuesdays from 2026-12-01: the last, 2027-04-13, is far past the 12-week horizon.
    shown = ok("schedule", "add", "--service", "pilates-course", "--days", "tue", "--at", "19:00",
               "--from", "2026-12-01", "--count", "20")
    assert len(shown["meetings"]) == 20
    made = starts(ok)
    assert len(made) == 20
    assert (made[0], made[-1]) == ("2026-12-01T19:00:00+01:00", "2027-04-13T19:00:00+02:00")


def test_schedule_add_is_refused_for_an_appointment_service(refused, ok):
    line = refused(1, "schedule", "add", "--service", "physiotherapy", "--days", "mon", "--at", "10:00",
                   "--from", "2026-11-30", "--count", "4")
    assert line == ("error: Physiotherapy is an appointment; schedules are for classes and courses "
                    "('bookctl service edit physiotherapy --kind class' if it is one)\n")
    assert ok("schedule", "list") == []


@pytest.mark.parametrize(("change", "message"), [
    ({"--days": "mon,funday"}, "--days 'mon,funday' must list weekdays such as mon,wed,fri"),
    ({"--days": ""}, "--days '' must list weekdays such as mon,wed,fri"),
    ({"--days": "mon,Monday"}, "--days 'mon,Monday' gives a weekday twice"),
    ({"--at": "25:00"}, "--at '25:00' is not a time of day; use HH:MM, such as 18:30"),
    ({"--at": "six pm"}, "--at 'six pm' is not a time of day; use HH:MM, such as 18:30"),
    ({"--until": None}, "give --until D or --count N: when the schedule ends"),
    ({"--count": "10"}, "give --until D or --count N: when the schedule ends"),
    ({"--until": None, "--count": "0"}, "--count must be between 1 and 10000"),
    ({"--until": "2026-11-29"}, "--until 2026-11-29 is before --from 2026-11-30"),
])
def test_schedule_add_refuses_bad_days_at_or_end_and_stores_nothing(refused, ok, change, message):
    options = dict(zip(YOGA_WEEKS[::2], YOGA_WEEKS[1::2], strict=True))
    options.update(change)
    args = [part for key, value in options.items() if value is not None for part in (key, value)]
    assert refused(2, "schedule", "add", *args) == f"error: {message}\n"
    assert ok("schedule", "list") == []


def test_schedule_add_makes_no_meeting_that_has_already_begun(ok):
    # From today, Monday 2026-11-23, at 10:00: at 12:00 today's meeting is already two hours gone, and
    # 'session add' would refuse it without --allow-past.
    shown = ok("schedule", "add", "--service", "yoga-flow", "--days", "mon", "--at", "10:00",
               "--from", "2026-11-23", "--count", "3")
    assert [ok("session", "show", m)["start"] for m in shown["meetings"]] == [
        "2026-11-30T10:00:00+01:00", "2026-12-07T10:00:00+01:00"]


def test_schedule_add_from_today_makes_todays_meeting_still_to_come(ok):
    shown = ok("schedule", "add", "--service", "yoga-flow", "--days", "mon", "--at", "18:00",
               "--from", "2026-11-23", "--count", "2")
    assert [ok("session", "show", m)["start"] for m in shown["meetings"]] == [
        "2026-11-23T18:00:00+01:00", "2026-11-30T18:00:00+01:00"]


def test_schedule_add_that_clashes_with_the_staffs_session_is_refused_whole(ok, refused, contact):
    taken = appointment(ok, contact("Marco"), "2026-12-09 18:30")
    line = refused(1, "schedule", "add", *YOGA_WEEKS)
    assert line == (f"error: the meeting of 2026-12-09 18:00 clashes: Giulia Romano already has session "
                    f"{taken['session_id']} from 2026-12-09 18:30 to 19:15, which overlaps\n")
    assert ok("schedule", "list") == []
    assert [r["id"] for r in ok("session", "list", "--from", "2026-11-30", "--to", "2027-06-30")] == [taken["id"]]


# --- daylight saving time ----------------------------------------------------------------------------------

DST_CASES = pytest.mark.parametrize(("first", "last", "expected"), [
    # Clocks go forward on Sunday 2027-03-28.
    ("2027-03-22", "2027-04-05", ["2027-03-22T18:00:00+01:00", "2027-03-29T18:00:00+02:00",
                                  "2027-04-05T18:00:00+02:00"]),
    # Clocks go back on Sunday 2027-10-31.
    ("2027-10-25", "2027-11-08", ["2027-10-25T18:00:00+02:00", "2027-11-01T18:00:00+01:00",
                                  "2027-11-08T18:00:00+01:00"]),
], ids=["spring-forward", "fall-back"])


def weekly_class(ok, first: str, last: str) -> list[str]:  # noqa: ANN001
    """A Monday 18:00 class from `first` to `last`, within a horizon long enough to reach it; its meetings."""
    ok("config", "set", "schedule.horizon_weeks", "52")
    return ok("schedule", "add", "--service", "yoga-flow", "--days", "mon", "--at", "18:00", "--from", first,
              "--until", last, "--staff", "giulia-romano")["meetings"]


@DST_CASES
def test_weekly_meetings_stay_at_18_00_local_across_a_clock_change(ok, first, last, expected):
    meetings = weekly_class(ok, first, last)
    shown = [ok("session", "show", m) for m in meetings]
    assert [s["start"] for s in shown] == expected
    assert [s["end"] for s in shown] == [start.replace("T18:", "T19:") for start in expected]
    assert starts(ok) == expected


@DST_CASES
def test_session_list_sees_the_meetings_across_a_clock_change(ok, contact, first, last, expected):
    meetings = weekly_class(ok, first, last)
    ada = contact("Ada")
    for meeting in meetings:
        join(ok, meeting, ada)
    rows = ok("session", "list", "--from", first, "--to", last)
    assert [(r["session_id"], r["start"], r["contact_id"]) for r in rows] == [
        (m, start, ada) for m, start in zip(meetings, expected, strict=True)]


@DST_CASES
def test_session_slots_of_the_class_sees_the_meetings_across_a_clock_change(ok, first, last, expected):
    meetings = weekly_class(ok, first, last)
    slots = ok("session", "slots", "--service", "yoga-flow", "--from", first, "--to", last)
    assert [(s["start"], s["staff_id"], s["service_id"], s["session_id"], s["places_left"]) for s in slots] == [
        (start, "giulia-romano", "yoga-flow", m, 3) for m, start in zip(meetings, expected, strict=True)]
    assert [s["end"] for s in slots] == [start.replace("T18:", "T19:") for start in expected]


# --- schedule extend ---------------------------------------------------------------------------------------


def test_schedule_extend_right_after_add_makes_nothing(ok):
    ok("schedule", "add", *YOGA_WEEKS)
    made = starts(ok)
    rows = ok("schedule", "extend")
    assert [(r["schedule_id"], r["service_id"], r["made"], r["through"]) for r in rows] == [
        ("sch-1", "yoga-flow", 0, "2027-02-15")]
    assert starts(ok) == made


def test_schedule_extend_weeks_goes_further_than_the_horizon(ok):
    ok("schedule", "add", *YOGA_WEEKS)
    rows = ok("schedule", "extend", "--weeks", "14")  # through 2026-11-23 + 14 weeks = 2027-03-01
    assert [(r["made"], r["through"]) for r in rows] == [(4, "2027-03-01")]
    assert starts(ok)[-4:] == ["2027-02-17T18:00:00+01:00", "2027-02-22T18:00:00+01:00",
                               "2027-02-24T18:00:00+01:00", "2027-03-01T18:00:00+01:00"]
    assert [ok("session", "show", m)["start"] for m in rows[0]["meetings"]] == starts(ok)[-4:]


def test_schedule_extend_a_second_time_makes_nothing_twice(ok, store):
    ok("schedule", "add", *YOGA_WEEKS)
    ok("schedule", "extend", "--weeks", "14")
    made = upcoming(ok)
    digest = tree_digest(store)
    rows = ok("schedule", "extend", "--weeks", "14")
    assert [(r["made"], r["through"]) for r in rows] == [(0, "2027-03-01")]
    assert upcoming(ok) == made
    assert tree_digest(store) == digest


def test_schedule_extend_a_week_later_makes_the_next_weeks_meetings(ok):
    ok("schedule", "add", *YOGA_WEEKS)
    a_week_later = {"BOOKCTL_NOW": "2026-11-30T12:00:00+01:00"}
    rows = ok("schedule", "extend", extra_env=a_week_later)
    assert [(r["made"], r["through"]) for r in rows] == [(2, "2027-02-22")]
    assert [ok("session", "show", m)["start"] for m in rows[0]["meetings"]] == [
        "2027-02-17T18:00:00+01:00", "2027-02-22T18:00:00+01:00"]
    rows = ok("schedule", "extend", extra_env={"BOOKCTL_NOW": "2026-12-07T12:00:00+01:00"})
    assert [ok("session", "show", m)["start"] for m in rows[0]["meetings"]] == [
        "2027-02-24T18:00:00+01:00", "2027-03-01T18:00:00+01:00"]


def test_session_list_sees_the_meetings_extend_made(ok, contact):
    ok("schedule", "add", *YOGA_WEEKS)
    meeting = ok("schedule", "extend", "--weeks", "14")[0]["meetings"][-1]
    ada = join(ok, meeting, contact("Ada"))
    rows = ok("session", "list", "--day", "2027-03-01")
    assert [(r["id"], r["session_id"], r["start"]) for r in rows] == [
        (ada["id"], meeting, "2027-03-01T18:00:00+01:00")]


def test_schedule_extend_stops_a_schedule_at_a_clash_naming_it(run, ok, contact):
    ok("schedule", "add", *YOGA_WEEKS)
    taken = appointment(ok, contact("Marco"), "2027-02-22 18:00")
    result = run("schedule", "extend", "--weeks", "16")  # through 2027-03-15
    assert result.exit_code == 1
    assert result.stderr == (f"error: schedule sch-1: Giulia Romano already has session {taken['session_id']} "
                             "from 2027-02-22 18:00 to 18:45, which overlaps\n")
    assert [r["through"] for r in result.json()] == ["2027-02-17"]
    # The meeting before the clash is made; none from the clash on.
    assert starts(ok)[-2:] == ["2027-02-15T18:00:00+01:00", "2027-02-17T18:00:00+01:00"]
    assert len(starts(ok)) == 24


def test_schedule_extend_stopped_by_a_clash_reports_the_meetings_it_made_before_it(run, ok, contact):
    ok("schedule", "add", *YOGA_WEEKS)
    appointment(ok, contact("Marco"), "2027-02-22 18:00")
    result = run("schedule", "extend", "--weeks", "16")
    assert result.exit_code == 1
    made = meeting_on(ok, "2027-02-17")
    assert [(r["schedule_id"], r["made"], r["through"], r["meetings"]) for r in result.json()] == [
        ("sch-1", 1, "2027-02-17", [made])]


def test_schedule_extend_after_the_clash_is_removed_makes_the_meeting(run, ok, contact):
    ok("schedule", "add", *YOGA_WEEKS)
    taken = appointment(ok, contact("Marco"), "2027-02-22 18:00")
    assert run("schedule", "extend", "--weeks", "16").exit_code == 1
    ok("session", "cancel", taken["id"])
    rows = ok("schedule", "extend", "--weeks", "16")
    assert [(r["made"], r["through"]) for r in rows] == [(7, "2027-03-15")]
    assert starts(ok)[-7:] == [f"2027-{day}T18:00:00+01:00" for day in (
        "02-22", "02-24", "03-01", "03-03", "03-08", "03-10", "03-15")]


def test_schedule_extend_never_makes_a_moved_meeting_again(ok):
    ok("schedule", "add", *YOGA_WEEKS)
    meeting = meeting_on(ok, "2027-02-15")
    ok("session", "move", meeting, "--start", "2027-02-16 18:00")
    ok("schedule", "extend", "--weeks", "14")
    made = starts(ok)
    assert "2027-02-15T18:00:00+01:00" not in made
    assert made.count("2027-02-16T18:00:00+01:00") == 1
    assert made[-4:] == [f"2027-{day}T18:00:00+01:00" for day in ("02-17", "02-22", "02-24", "03-01")]


# --- schedule skip -----------------------------------------------------------------------------------------


def test_schedule_skip_of_a_day_the_rule_does_not_meet_is_refused(ok, refused):
    ok("schedule", "add", *YOGA_WEEKS)
    line = refused(1, "schedule", "skip", "sch-1", "2026-12-01")
    assert line == "error: schedule sch-1 has no meeting on 2026-12-01 (mon, wed at 18:00)\n"


def test_schedule_skip_of_a_day_before_the_schedule_starts_is_refused(ok, refused):
    ok("schedule", "add", *YOGA_WEEKS)
    assert refused(1, "schedule", "skip", "sch-1", "2026-11-25") == (
        "error: schedule sch-1 has no meeting on 2026-11-25 (mon, wed at 18:00)\n")


def test_schedule_skip_of_a_day_already_skipped_is_refused(ok, refused):
    ok("schedule", "add", *YOGA_WEEKS)
    ok("schedule", "skip", "sch-1", "2026-12-07")
    assert refused(1, "schedule", "skip", "sch-1", "2026-12-07") == "error: schedule sch-1 already skips 2026-12-07\n"


def test_schedule_skip_cancels_the_meeting_and_its_bookings(ok, contact):
    ok("schedule", "add", *YOGA_WEEKS)
    meeting = meeting_on(ok, "2026-12-07")
    ada, bea = join(ok, meeting, contact("Ada")), join(ok, meeting, contact("Bea"))
    shown = ok("schedule", "skip", "sch-1", "2026-12-07", "--refund", "--notify")
    assert shown["exdates"] == ["2026-12-07"]
    assert shown["cancelled"]["id"] == meeting
    assert shown["cancelled"]["status"] == "cancelled"
    assert ok("session", "show", meeting)["status"] == "cancelled"
    assert [booking(ok, b["id"])["status"] for b in (ada, bea)] == ["cancelled", "cancelled"]
    assert ("2026-12-07T18:00:00+01:00", "scheduled") not in upcoming(ok)
    assert meeting_on(ok, "2026-12-09") != meeting  # the other meetings stand


def test_schedule_skip_with_refund_refunds_the_paid_booking(ok, contact):
    ok("schedule", "add", *YOGA_WEEKS)
    meeting = meeting_on(ok, "2026-12-07")
    ada, bea = join(ok, meeting, contact("Ada")), join(ok, meeting, contact("Bea"))
    charge = pay_by_card(ok, ada["id"])
    ok("schedule", "skip", "sch-1", "2026-12-07", "--refund", "--notify")
    paid = booking(ok, ada["id"])
    assert (paid["payment_status"], paid["refunded"]) == ("refunded", {"amount": "18.00", "currency": "EUR"})
    assert booking(ok, bea["id"])["payment_status"] == "not_paid"
    entries = ok("payment", "list", "--booking", ada["id"])
    assert [(e["kind"], e["amount"]["amount"], e["status"]) for e in entries] == [
        ("charge", "18.00", "succeeded"), ("refund", "18.00", "succeeded")]
    assert entries[1]["refund_of"] == charge["id"]
    assert ok("payment", "list", "--booking", bea["id"]) == []


def test_schedule_skip_with_notify_queues_the_cancellation_and_refund_emails(ok, contact):
    ok("schedule", "add", *YOGA_WEEKS)
    meeting = meeting_on(ok, "2026-12-07")
    ada, bea = join(ok, meeting, contact("Ada")), join(ok, meeting, contact("Bea"))
    pay_by_card(ok, ada["id"])
    ok("schedule", "skip", "sch-1", "2026-12-07", "--refund", "--notify")
    assert outbox(ok) == [("cancellation", "ada@clients.example", ada["id"]),
                          ("cancellation", "bea@clients.example", bea["id"]),
                          ("refund", "ada@clients.example", ada["id"])]


def test_schedule_show_lists_the_skipped_day_in_its_exdates(ok):
    ok("schedule", "add", *YOGA_WEEKS)
    ok("schedule", "skip", "sch-1", "2026-12-09")
    ok("schedule", "skip", "sch-1", "2026-12-02")
    shown = ok("schedule", "show", "sch-1")
    assert shown["exdates"] == ["2026-12-02", "2026-12-09"]
    assert [row["exdates"] for row in ok("schedule", "list")] == [["2026-12-02", "2026-12-09"]]


def test_schedule_skip_beyond_the_horizon_records_the_exdate_and_extend_never_makes_it(ok):
    ok("schedule", "add", *YOGA_WEEKS)
    shown = ok("schedule", "skip", "sch-1", "2027-03-01")
    assert shown["exdates"] == ["2027-03-01"]
    assert shown["cancelled"] is None
    ok("schedule", "extend", "--weeks", "16")
    made = starts(ok)
    assert "2027-03-01T18:00:00+01:00" not in made
    assert made[-5:] == [f"2027-{day}T18:00:00+01:00" for day in ("02-24", "03-03", "03-08", "03-10", "03-15")]
    ok("schedule", "extend", "--weeks", "16")
    assert starts(ok) == made


# --- schedule edit -----------------------------------------------------------------------------------------


def test_schedule_edit_at_moves_the_unbooked_meetings_to_come(ok):
    meetings = ok("schedule", "add", *YOGA_WEEKS)["meetings"]
    shown = ok("schedule", "edit", "sch-1", "--at", "19:30")
    assert shown["at"] == "19:30"
    assert shown["changed"] == meetings
    moved = starts(ok)
    assert len(moved) == 23
    assert all("T19:30:00+01:00" in start for start in moved)
    first = ok("session", "show", meetings[0])
    assert (first["start"], first["end"]) == ("2026-11-30T19:30:00+01:00", "2026-11-30T20:30:00+01:00")


def test_schedule_edit_at_leaves_the_meetings_already_past_where_they_were(ok):
    meetings = ok("schedule", "add", *YOGA_WEEKS)["meetings"]
    later = {"BOOKCTL_NOW": "2026-12-03T12:00:00+01:00"}  # after the meetings of 2026-11-30 and 2026-12-02
    shown = ok("schedule", "edit", "sch-1", "--at", "19:30", extra_env=later)
    assert shown["changed"] == meetings[2:]
    assert [ok("session", "show", m)["start"] for m in meetings[:3]] == [
        "2026-11-30T18:00:00+01:00", "2026-12-02T18:00:00+01:00", "2026-12-07T19:30:00+01:00"]


def test_schedule_edit_at_into_a_clash_with_the_staffs_session_is_refused(ok, refused, contact):
    ok("schedule", "add", *YOGA_WEEKS)
    taken = appointment(ok, contact("Marco"), "2026-12-14 19:00")
    line = refused(1, "schedule", "edit", "sch-1", "--at", "18:30")
    assert line == (f"error: Giulia Romano already has session {taken['session_id']} from 2026-12-14 19:00 "
                    "to 19:45, which overlaps\n")
    assert ok("schedule", "show", "sch-1")["at"] == "18:00"
    assert all(start.endswith("T18:00:00+01:00") for start in starts(ok))


def test_schedule_edit_at_refuses_a_booked_meeting_without_move_booked(ok, refused, contact):
    ok("schedule", "add", *YOGA_WEEKS)
    meeting = meeting_on(ok, "2026-12-02")
    join(ok, meeting, contact("Ada"))
    line = refused(1, "schedule", "edit", "sch-1", "--at", "19:30")
    assert line == (f"error: meeting {meeting} has bookings; give --move-booked --notify to move them and tell the "
                    "clients, or leave the time and staff as they are\n")
    assert ok("schedule", "show", "sch-1")["at"] == "18:00"


def test_schedule_edit_move_booked_notify_moves_the_booked_meeting_and_emails_the_client(ok, contact):
    ok("schedule", "add", *YOGA_WEEKS)
    meeting = meeting_on(ok, "2026-12-02")
    ada = join(ok, meeting, contact("Ada"))
    shown = ok("schedule", "edit", "sch-1", "--at", "19:30", "--move-booked", "--notify")
    assert shown["at"] == "19:30"
    moved = booking(ok, ada["id"])
    assert (moved["session_id"], moved["start"], moved["status"]) == (meeting, "2026-12-02T19:30:00+01:00",
                                                                      "confirmed")
    assert outbox(ok) == [("rescheduled", "ada@clients.example", ada["id"])]
    assert all("T19:30:00+01:00" in start for start in starts(ok))


def test_schedule_edit_capacity_below_a_meetings_bookings_is_refused(ok, refused, contact):
    ok("schedule", "add", *YOGA_WEEKS)
    meeting = meeting_on(ok, "2026-12-02")
    join(ok, meeting, contact("Ada"))
    join(ok, meeting, contact("Bea"))
    line = refused(1, "schedule", "edit", "sch-1", "--capacity", "1")
    assert line == f"error: session {meeting} has 2 bookings, more than --capacity 1\n"


def test_schedule_edit_capacity_changes_the_meetings_to_come(ok, contact):
    ok("schedule", "add", *YOGA_WEEKS)
    meeting = meeting_on(ok, "2026-12-02")
    join(ok, meeting, contact("Ada"))
    join(ok, meeting, contact("Bea"))
    assert ok("schedule", "edit", "sch-1", "--capacity", "2")["capacity"] == 2
    shown = ok("session", "show", meeting)
    assert (shown["capacity"], shown["places_left"]) == (2, 0)


# --- schedule end ------------------------------------------------------------------------------------------


def test_schedule_end_after_a_day_cancels_the_later_unbooked_meetings_and_sets_until(ok):
    meetings = ok("schedule", "add", *YOGA_WEEKS)["meetings"]
    shown = ok("schedule", "end", "sch-1", "--after", "2026-12-09")
    assert (shown["until"], shown["count"]) == ("2026-12-09", None)
    assert shown["rrule"] == "FREQ=WEEKLY;BYDAY=MO,WE;UNTIL=20261209T235959"
    assert shown["cancelled"] == meetings[4:]
    assert starts(ok) == ["2026-11-30T18:00:00+01:00", "2026-12-02T18:00:00+01:00",
                          "2026-12-07T18:00:00+01:00", "2026-12-09T18:00:00+01:00"]
    assert {ok("session", "show", m)["status"] for m in meetings[4:]} == {"cancelled"}


def test_schedule_end_makes_extend_stop_there(ok):
    ok("schedule", "add", *YOGA_WEEKS)
    ok("schedule", "end", "sch-1", "--after", "2026-12-09")
    rows = ok("schedule", "extend", "--weeks", "20")
    assert [r["made"] for r in rows] == [0]
    assert len(starts(ok)) == 4


def test_schedule_end_is_refused_while_a_later_meeting_has_bookings(ok, refused, contact):
    ok("schedule", "add", *YOGA_WEEKS)
    meeting = meeting_on(ok, "2026-12-14")
    join(ok, meeting, contact("Ada"))
    line = refused(1, "schedule", "end", "sch-1", "--after", "2026-12-09")
    assert line == (f"error: meetings after 2026-12-09 have bookings ({meeting}); cancel them with "
                    "'bookctl session cancel SESSION --all --refund --notify' first\n")


# --- courses -----------------------------------------------------------------------------------------------


def test_booking_a_course_makes_one_booking_per_meeting_with_the_price_on_the_first(ok, course, contact):
    ada = contact("Ada")
    lead = ok("session", "book", "--service", "pilates-course", "--contact", ada)
    assert lead["course"]["schedule_id"] == course["id"]
    assert lead["course"]["meetings"] == 4
    places = [booking(ok, b) for b in lead["course"]["bookings"]]
    assert places[0]["id"] == lead["id"]
    assert [p["session_id"] for p in places] == course["meetings"]
    assert [p["contact_id"] for p in places] == [ada] * 4
    assert [p["price"]["amount"] for p in places] == ["120.00", "0.00", "0.00", "0.00"]
    assert [p["due"]["amount"] for p in places] == ["120.00", "0.00", "0.00", "0.00"]
    assert [p["status"] for p in places] == ["confirmed"] * 4
    rows = ok("session", "list", "--contact", ada)
    assert sorted(r["id"] for r in rows) == sorted(lead["course"]["bookings"])


def test_a_course_has_one_ledger_collected_on_its_first_booking(ok, course, contact):
    ada = contact("Ada")
    lead = ok("session", "book", "--service", "pilates-course", "--contact", ada)
    charge = pay_by_card(ok, lead["id"])
    assert (charge["booking_id"], charge["amount"]["amount"]) == (lead["id"], "120.00")
    entries = ok("payment", "list", "--contact", ada)
    assert [(e["kind"], e["booking_id"], e["amount"]["amount"]) for e in entries] == [
        ("charge", lead["id"], "120.00")]
    assert booking(ok, lead["id"])["payment_status"] == "paid"


def test_a_full_meeting_refuses_the_whole_course_booking(ok, run, store, course, contact):
    ada, bea, cleo = contact("Ada"), contact("Bea"), contact("Cleo")
    first = ok("session", "book", "--service", "pilates-course", "--contact", ada)
    for place in first["course"]["bookings"][1:]:  # Ada keeps only the first meeting's place
        ok("session", "cancel", place)
    ok("session", "book", "--service", "pilates-course", "--contact", bea)
    # The first meeting is full (Ada, Bea); the three others have a place left.
    assert [ok("session", "show", m)["places_left"] for m in course["meetings"]] == [0, 1, 1, 1]
    before, listed = tree_digest(store), ok("session", "list", "--from", "2026-12-01", "--to", "2026-12-31")
    result = run("session", "book", "--service", "pilates-course", "--contact", cleo)
    assert result.exit_code == 1
    assert result.stderr == (f"error: Pilates Course is full on 2026-12-01 19:00 (session {course['meetings'][0]}): "
                             "no places left of 2\n")
    assert tree_digest(store) == before
    assert ok("session", "list", "--from", "2026-12-01", "--to", "2026-12-31") == listed
    assert ok("session", "list", "--contact", cleo) == []
    assert [ok("session", "show", m)["places_left"] for m in course["meetings"]] == [0, 1, 1, 1]


def test_attendance_is_kept_per_meeting_of_a_course(ok, course, contact):
    lead = ok("session", "book", "--service", "pilates-course", "--contact", contact("Ada"))
    places = lead["course"]["bookings"]
    checked = ok("session", "checkin", places[1], extra_env={"BOOKCTL_NOW": "2026-12-08T19:05:00+01:00"})
    assert (checked["id"], checked["attendance"]) == (places[1], "checked_in")
    assert [booking(ok, p)["attendance"] for p in places] == ["booked", "checked_in", "booked", "booked"]


def test_cancelling_the_first_booking_of_a_course_cancels_its_places_to_come(ok, course, contact):
    lead = ok("session", "book", "--service", "pilates-course", "--contact", contact("Ada"))
    places = lead["course"]["bookings"]
    cancelled = ok("session", "cancel", lead["id"])
    assert cancelled["status"] == "cancelled"
    assert cancelled["course_cancelled"] == places[1:]
    assert [booking(ok, p)["status"] for p in places] == ["cancelled"] * 4
    assert [ok("session", "show", m)["places_left"] for m in course["meetings"]] == [2, 2, 2, 2]


def test_cancelling_the_first_booking_mid_course_cancels_only_the_places_to_come(ok, course, contact):
    lead = ok("session", "book", "--service", "pilates-course", "--contact", contact("Ada"))
    places = lead["course"]["bookings"]
    mid_course = {"BOOKCTL_NOW": "2026-12-09T12:00:00+01:00"}  # after the meetings of 12-01 and 12-08
    cancelled = ok("session", "cancel", lead["id"], extra_env=mid_course)
    assert cancelled["course_cancelled"] == places[2:]
    assert [booking(ok, p)["status"] for p in places] == ["cancelled", "confirmed", "cancelled", "cancelled"]


def test_cancelling_one_later_meeting_of_a_course_cancels_only_that_place(ok, course, contact):
    lead = ok("session", "book", "--service", "pilates-course", "--contact", contact("Ada"))
    places = lead["course"]["bookings"]
    cancelled = ok("session", "cancel", places[2])
    assert cancelled["status"] == "cancelled"
    assert "course_cancelled" not in cancelled
    assert [booking(ok, p)["status"] for p in places] == ["confirmed", "confirmed", "cancelled", "confirmed"]
    assert [ok("session", "show", m)["places_left"] for m in course["meetings"]] == [1, 1, 2, 1]


# --- session cancel SESSION --all --------------------------------------------------------------------------


@pytest.fixture
def full_meeting(ok, contact):  # noqa: ANN001, ANN201
    """The yoga meeting of 2026-12-02 with Ada and Bea paid by card and Cleo not paid: (session, [bookings])."""
    ok("schedule", "add", *YOGA_WEEKS)
    meeting = meeting_on(ok, "2026-12-02")
    places = [join(ok, meeting, contact(name))["id"] for name in ("Ada", "Bea", "Cleo")]
    for place in places[:2]:
        pay_by_card(ok, place)
    return meeting, places


def test_session_cancel_all_cancels_every_booking_of_the_meeting(ok, full_meeting):
    meeting, places = full_meeting
    shown = ok("session", "cancel", meeting, "--all")
    assert (shown["id"], shown["status"]) == (meeting, "cancelled")
    assert sorted(b["id"] for b in shown["bookings"]) == sorted(places)
    assert {b["status"] for b in shown["bookings"]} == {"cancelled"}
    assert [booking(ok, p)["status"] for p in places] == ["cancelled"] * 3
    # Without --refund the money stays paid.
    assert [booking(ok, p)["payment_status"] for p in places] == ["paid", "paid", "not_paid"]
    assert ok("outbox", "list") == []


def test_session_cancel_all_with_refund_refunds_each_paid_booking_in_full(ok, full_meeting):
    meeting, places = full_meeting
    ok("session", "cancel", meeting, "--all", "--refund")
    shown = [booking(ok, p) for p in places]
    assert [(b["payment_status"], b["refunded"]["amount"]) for b in shown] == [
        ("refunded", "18.00"), ("refunded", "18.00"), ("not_paid", "0.00")]
    for place in places[:2]:
        entries = ok("payment", "list", "--booking", place)
        assert [(e["kind"], e["amount"]["amount"], e["status"]) for e in entries] == [
            ("charge", "18.00", "succeeded"), ("refund", "18.00", "succeeded")]
    assert ok("payment", "list", "--booking", places[2]) == []


def test_session_cancel_all_with_notify_emails_every_client(ok, full_meeting):
    meeting, places = full_meeting
    shown = ok("session", "cancel", meeting, "--all", "--refund", "--notify")
    assert outbox(ok) == [("cancellation", "ada@clients.example", places[0]),
                          ("cancellation", "bea@clients.example", places[1]),
                          ("cancellation", "cleo@clients.example", places[2]),
                          ("refund", "ada@clients.example", places[0]),
                          ("refund", "bea@clients.example", places[1])]
    assert len(shown["emails"]) == 5


def test_session_cancel_all_a_second_time_is_refused_as_already_cancelled(ok, refused, full_meeting):
    meeting, _ = full_meeting
    ok("session", "cancel", meeting, "--all", "--refund")
    assert refused(1, "session", "cancel", meeting, "--all", "--refund") == (
        f"error: session {meeting} is already cancelled\n")


@pytest.mark.parametrize("extra", [("--amount", "5"), ("--charge-fee",), ("--idempotency-key", "k-1")],
                         ids=["amount", "charge-fee", "idempotency-key"])
def test_session_cancel_all_refuses_options_of_one_booking(refused, full_meeting, extra):
    meeting, _ = full_meeting
    line = refused(2, "session", "cancel", meeting, "--all", "--refund", *extra)
    assert line == (f"error: {extra[0]} goes with one booking, not --all (a re-run of --all resumes its pending "
                    "refunds by itself; --notify sends each client both emails)\n")


def test_session_cancel_all_refuses_a_booking_id(refused, full_meeting):
    _, places = full_meeting
    line = refused(2, "session", "cancel", places[0], "--all")
    assert line == f"error: --all cancels a whole meeting: give its session id (s-...), not '{places[0]}'\n"


# --- session move ------------------------------------------------------------------------------------------


def test_session_move_moves_the_meeting_with_its_bookings_keeping_their_ids(ok, contact):
    ok("schedule", "add", *YOGA_WEEKS)
    meeting = meeting_on(ok, "2026-12-02")
    places = [join(ok, meeting, contact(name))["id"] for name in ("Ada", "Bea")]
    shown = ok("session", "move", meeting, "--start", "2026-12-03 17:00")
    assert (shown["id"], shown["start"], shown["end"]) == (meeting, "2026-12-03T17:00:00+01:00",
                                                           "2026-12-03T18:00:00+01:00")
    assert sorted(b["id"] for b in shown["bookings"]) == sorted(places)
    for place in places:
        moved = booking(ok, place)
        assert (moved["session_id"], moved["start"], moved["status"]) == (meeting, "2026-12-03T17:00:00+01:00",
                                                                          "confirmed")
    rows = ok("session", "list", "--day", "2026-12-03")
    assert sorted(r["id"] for r in rows) == sorted(places)
    assert ok("session", "list", "--day", "2026-12-02") == []
    assert ok("outbox", "list") == []


def test_session_move_with_notify_queues_a_rescheduled_email_per_client(ok, contact):
    ok("schedule", "add", *YOGA_WEEKS)
    meeting = meeting_on(ok, "2026-12-02")
    places = [join(ok, meeting, contact(name))["id"] for name in ("Ada", "Bea")]
    shown = ok("session", "move", meeting, "--start", "2026-12-03 17:00", "--notify")
    assert outbox(ok) == [("rescheduled", "ada@clients.example", places[0]),
                          ("rescheduled", "bea@clients.example", places[1])]
    assert sorted(e["booking"] for e in shown["emails"]) == sorted(places)


def test_session_move_into_a_clash_with_the_staffs_other_session_is_refused(ok, refused, contact):
    ok("schedule", "add", *YOGA_WEEKS)
    meeting = meeting_on(ok, "2026-12-02")
    join(ok, meeting, contact("Ada"))
    taken = appointment(ok, contact("Marco"), "2026-12-03 17:30")
    line = refused(1, "session", "move", meeting, "--start", "2026-12-03 17:00")
    assert line == (f"error: Giulia Romano already has session {taken['session_id']} from 2026-12-03 17:30 "
                    "to 18:15, which overlaps\n")
    assert ok("session", "show", meeting)["start"] == "2026-12-02T18:00:00+01:00"


def test_session_move_onto_the_schedules_next_meeting_is_refused(ok, refused):
    ok("schedule", "add", *YOGA_WEEKS)
    meeting, other = meeting_on(ok, "2026-12-02"), meeting_on(ok, "2026-12-07")
    line = refused(1, "session", "move", meeting, "--start", "2026-12-07 18:30")
    assert f"already has session {other} from 2026-12-07 18:00 to 19:00, which overlaps" in line


# --- session reschedule of a class booking ------------------------------------------------------------------


def test_session_reschedule_of_a_class_booking_to_a_time_with_no_meeting_says_session(ok, refused, contact):
    ok("schedule", "add", *YOGA_WEEKS)
    place = join(ok, meeting_on(ok, "2026-12-02"), contact("Ada"))
    line = refused(1, "session", "reschedule", place["id"], "--start", "2026-12-03 18:00")
    assert line == ("error: Yoga Flow has no meeting at 2026-12-03 18:00; give --session of an existing one "
                    "('bookctl session slots --service yoga-flow' lists them) or put one on the calendar with "
                    "'bookctl session add'\n")


def test_session_reschedule_of_a_class_booking_to_another_meeting_moves_it(ok, contact):
    ok("schedule", "add", *YOGA_WEEKS)
    meeting, other = meeting_on(ok, "2026-12-02"), meeting_on(ok, "2026-12-09")
    place = join(ok, meeting, contact("Ada"))
    moved = ok("session", "reschedule", place["id"], "--session", other)
    assert (moved["id"], moved["session_id"], moved["start"], moved["status"]) == (
        place["id"], other, "2026-12-09T18:00:00+01:00", "confirmed")
    assert booking(ok, place["id"])["session_id"] == other
    assert ok("session", "show", meeting)["places_left"] == 3
    assert ok("session", "show", other)["places_left"] == 2


def test_session_reschedule_of_a_class_booking_by_start_of_another_meeting_moves_it(ok, contact):
    ok("schedule", "add", *YOGA_WEEKS)
    meeting, other = meeting_on(ok, "2026-12-02"), meeting_on(ok, "2026-12-09")
    place = join(ok, meeting, contact("Ada"))
    moved = ok("session", "reschedule", place["id"], "--start", "2026-12-09 18:00")
    assert (moved["id"], moved["session_id"]) == (place["id"], other)


def test_session_reschedule_of_a_class_booking_to_another_services_meeting_is_refused(ok, refused, contact):
    ok("schedule", "add", *YOGA_WEEKS)
    place = join(ok, meeting_on(ok, "2026-12-02"), contact("Ada"))
    foreign = appointment(ok, contact("Marco"), "2026-12-04 10:00")
    line = refused(1, "session", "reschedule", place["id"], "--session", foreign["session_id"])
    assert line == f"error: session {foreign['session_id']} is not a meeting of Yoga Flow\n"


# --- what a whole-meeting change must never do (found in review) -------------------------------------------


def test_cancelling_a_course_s_first_meeting_whole_is_refused_so_the_course_keeps_its_money(ok, refused, course, contact):
    held = ok("session", "book", "--service", "pilates-course", "--contact", contact("Ada"))
    error = refused(1, "session", "cancel", held["session_id"], "--all")
    assert f"holds booking {held['id']}, which holds its course's price and ledger" in error
    assert ok("session", "show", held["id"])["due"] == {"amount": "120.00", "currency": "EUR"}


def test_a_meeting_with_a_pending_payment_is_not_cancelled_whole(ok, run, refused, contact):
    session = ok("session", "add", "--service", "yoga-flow", "--start", "2026-11-25 18:00")["id"]
    booking = join(ok, session, contact("Ada"))["id"]
    # The card's answer is lost on the way back: the charge stays pending (exit 5) until reconciled.
    assert run("payment", "collect", booking, "--method", "card", "--card", "tok_lostAnswer").exit_code == 5
    error = refused(1, "session", "cancel", session, "--all", "--refund")
    assert f"booking {booking} has payments pending; run 'bookctl payment reconcile {booking}'" in error


def test_a_meeting_that_has_begun_is_not_cancelled_whole_nor_skipped(ok, refused, run):
    ok("schedule", "add", *YOGA_WEEKS)
    at_the_class = {"BOOKCTL_NOW": "2026-11-30T18:10:00+01:00"}
    result = run("session", "cancel", "s-20261130-1", "--all", extra_env=at_the_class)
    assert result.exit_code == 1 and "began at 2026-11-30 18:00" in result.stderr
    later = run("schedule", "skip", "sch-1", "2026-11-30", extra_env={"BOOKCTL_NOW": "2026-12-03T12:00:00+01:00"})
    assert later.exit_code == 1 and "2026-11-30 is past" in later.stderr


def test_schedule_edit_never_moves_a_meeting_to_a_time_already_gone(ok):
    ok("schedule", "add", "--service", "yoga-flow", "--days", "mon", "--at", "18:00", "--from", "2026-11-23",
       "--count", "3", "--staff", "giulia-romano")
    shown = ok("schedule", "edit", "sch-1", "--at", "09:00")  # now is 12:00 on Monday the 23rd
    assert "s-20261123-1" not in shown["changed"]
    assert ok("session", "show", "s-20261123-1")["start"] == "2026-11-23T18:00:00+01:00"
    assert ok("session", "show", "s-20261130-1")["start"] == "2026-11-30T09:00:00+01:00"


def test_schedule_edit_of_the_staff_keeps_a_meeting_moved_by_hand_at_its_time(ok):
    ok("schedule", "add", *YOGA_WEEKS)
    ok("session", "move", "s-20261202-1", "--start", "2026-12-02 19:30")
    ok("schedule", "edit", "sch-1", "--staff", "sanne-de-vries")
    moved = ok("session", "show", "s-20261202-1")
    assert (moved["start"], moved["staff_id"]) == ("2026-12-02T19:30:00+01:00", "sanne-de-vries")


def test_session_move_refuses_to_put_a_client_in_two_places_unless_allowed(ok, refused, contact):
    ada = contact("Ada")
    ok("schedule", "add", *YOGA_WEEKS)
    join(ok, "s-20261130-1", ada)
    other = appointment(ok, ada, "2026-12-01 10:00", staff="sanne-de-vries")
    error = refused(1, "session", "move", "s-20261130-1", "--start", "2026-12-01 10:00", "--force")
    assert f"already has booking {other['id']}" in error and "--allow-overlap" in error
    ok("session", "move", "s-20261130-1", "--start", "2026-12-01 10:00", "--force", "--allow-overlap")


def test_course_slots_offer_a_course_while_it_can_be_booked_whole(ok, run, course, contact):
    slots = ok("session", "slots", "--service", "pilates-course", "--from", "2026-11-23", "--to", "2026-12-31")
    assert [(s["session_id"], s["places_left"]) for s in slots] == [(course["meetings"][0], 2)]
    started = run("session", "slots", "--service", "pilates-course", "--from", "2026-11-23", "--to", "2026-12-31",
                  extra_env={"BOOKCTL_NOW": "2026-12-02T12:00:00+01:00"})
    assert started.exit_code == 0 and started.json() == []


def test_a_member_who_runs_a_schedule_is_not_removed(ok, refused):
    ok("schedule", "add", "--service", "yoga-flow", "--days", "mon", "--at", "18:00", "--from", "2027-06-07",
       "--count", "4", "--staff", "giulia-romano")  # beyond the horizon: no meeting yet
    assert "runs schedule sch-1" in refused(1, "staff", "remove", "giulia-romano")


def test_cancellation_emails_are_reported_even_when_a_refund_is_left_pending(ok, run, contact):
    session = ok("session", "add", "--service", "yoga-flow", "--start", "2026-11-25 18:00", "--staff",
                 "giulia-romano")["id"]
    booking = join(ok, session, contact("Ada"))["id"]
    ok("payment", "collect", booking, "--method", "card", "--card", "tok_refundFail")
    result = run("session", "cancel", session, "--all", "--refund", "--notify")
    assert result.exit_code == 5, result.stderr
    sent = {m["kind"] for m in ok("outbox", "list") if m["booking"] == booking}
    assert sent == {"cancellation"}
    assert [e["booking"] for e in result.json()["emails"]] == [booking]
