"""`bookctl session ...`: the calendar, bookings and attendance, driven through the real command line.

"Now" is pinned to Monday 2026-11-23 12:00 in Rome (+01:00): 2026-11-23 09:00 is in the past,
2026-11-24 is the future.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from tests.conftest import tree_digest

TOMORROW = "2026-11-24"
BOOKING_KEYS = {
    "id", "session_id", "service_id", "contact_id", "staff_id", "start", "end", "status", "attendance",
    "payment_status", "price", "paid", "refunded", "due", "form_responses", "created_at",
}


# --- helpers --------------------------------------------------------------------------------



@pytest.fixture
def contact(bookctl, store: Path):  # noqa: ANN001, ANN201
    """contact("Ada") -> a new contact's id."""
    def add(first_name: str) -> str:
        run = bookctl("contact", "add", "--first-name", first_name, "--store", store, "--format", "json")
        assert run.exit_code == 0, run.stderr
        return run.json()["id"]

    return add


@pytest.fixture
def run(bookctl, store: Path):  # noqa: ANN001, ANN201
    """run("session", "book", ...) with --store and --format json appended."""
    def invoke(*args: str):  # noqa: ANN202
        return bookctl(*args, "--store", store, "--format", "json")

    return invoke


@pytest.fixture
def ok(run):  # noqa: ANN001, ANN201
    """ok(...) -> the JSON of a command that must succeed."""
    def invoke(*args: str):  # noqa: ANN202
        result = run(*args)
        assert result.exit_code == 0, result.stderr
        return result.json()

    return invoke


def appointment(ok, contact_id: str, start: str, *extra: str) -> dict:  # noqa: ANN001
    """Book a physiotherapy appointment."""
    return ok("session", "book", "--service", "physiotherapy", "--contact", contact_id, "--start", start, *extra)


def class_place(ok, contact_id: str, start: str, *extra: str) -> dict:  # noqa: ANN001
    """Book a place in the yoga-flow meeting at `start`."""
    return ok("session", "book", "--service", "yoga-flow", "--contact", contact_id, "--start", start, *extra)


def one_error_line(stderr: str) -> str:
    """The single `error: ...` line a refused command prints."""
    assert stderr.startswith("error: "), stderr
    assert stderr.endswith("\n") and stderr.count("\n") == 1, stderr
    assert "Traceback" not in stderr
    return stderr


def listed_ids(ok, *args: str) -> list[str]:  # noqa: ANN001
    return [row["id"] for row in ok("session", "list", *args)]


# --- session add ----------------------------------------------------------------------------

def test_add_puts_an_empty_class_meeting_on_the_calendar(ok):
    session = ok("session", "add", "--service", "yoga-flow", "--start", f"{TOMORROW} 18:00", "--staff", "sanne-de-vries")
    assert session["service_id"] == "yoga-flow"
    assert session["staff_id"] == "sanne-de-vries"
    assert session["start"] == "2026-11-24T18:00:00+01:00"
    assert session["end"] == "2026-11-24T19:00:00+01:00"
    assert session["capacity"] == 3
    assert session["places_left"] == 3
    assert session["status"] == "scheduled"
    assert session["bookings"] == []
    assert ok("session", "show", session["id"]) == session


def test_add_takes_a_capacity_other_than_the_services(ok):
    session = ok("session", "add", "--service", "yoga-flow", "--start", f"{TOMORROW} 18:00", "--capacity", "5")
    assert (session["capacity"], session["places_left"]) == (5, 5)


def test_add_refuses_an_appointment_service(run, store):
    before = tree_digest(store)
    result = run("session", "add", "--service", "physiotherapy", "--start", f"{TOMORROW} 10:00")
    assert result.exit_code == 1
    assert "appointment" in one_error_line(result.stderr)
    assert "session book" in result.stderr
    assert tree_digest(store) == before


def test_add_refuses_a_past_start_without_allow_past(run, store):
    before = tree_digest(store)
    result = run("session", "add", "--service", "yoga-flow", "--start", "2026-11-23 09:00")
    assert result.exit_code == 1
    assert "in the past" in one_error_line(result.stderr)
    assert "--allow-past" in result.stderr
    assert tree_digest(store) == before


def test_add_records_a_past_meeting_with_allow_past(ok):
    session = ok("session", "add", "--service", "yoga-flow", "--start", "2026-11-23 09:00", "--allow-past")
    assert session["start"] == "2026-11-23T09:00:00+01:00"


def test_add_with_a_bad_start_is_exit_2_naming_the_option(run, store):
    before = tree_digest(store)
    result = run("session", "add", "--service", "yoga-flow", "--start", "tomorrow at six")
    assert result.exit_code == 2
    assert "--start" in one_error_line(result.stderr)
    assert "'tomorrow at six'" in result.stderr
    assert tree_digest(store) == before


def test_add_with_an_impossible_date_is_exit_2(run, store):
    before = tree_digest(store)
    result = run("session", "add", "--service", "yoga-flow", "--start", "2026-02-30 18:00")
    assert result.exit_code == 2
    assert "--start" in one_error_line(result.stderr)
    assert tree_digest(store) == before


def test_add_with_a_start_in_the_spring_forward_gap_is_exit_2_naming_the_option(run, store):
    # On 2027-03-28 Rome's clocks jump from 02:00 to 03:00: 02:30 never happens.
    before = tree_digest(store)
    result = run("session", "add", "--service", "yoga-flow", "--start", "2027-03-28 02:30")
    assert result.exit_code == 2
    assert "--start" in one_error_line(result.stderr)
    assert tree_digest(store) == before


def test_add_with_a_capacity_of_zero_is_exit_2(run, store):
    before = tree_digest(store)
    result = run("session", "add", "--service", "yoga-flow", "--start", f"{TOMORROW} 18:00", "--capacity", "0")
    assert result.exit_code == 2
    assert "--capacity" in one_error_line(result.stderr)
    assert tree_digest(store) == before


def test_add_refuses_a_meeting_that_overlaps_the_staff_members_appointment(ok, run, contact, store):
    clash = appointment(ok, contact("Ada"), f"{TOMORROW} 18:30", "--staff", "giulia-romano")
    before = tree_digest(store)
    result = run("session", "add", "--service", "yoga-flow", "--start", f"{TOMORROW} 18:00", "--staff", "giulia-romano")
    assert result.exit_code == 1
    assert "Giulia Romano" in one_error_line(result.stderr)
    assert clash["session_id"] in result.stderr
    assert tree_digest(store) == before


def test_add_with_an_unknown_service_is_exit_3(run, store):
    before = tree_digest(store)
    result = run("session", "add", "--service", "pilates", "--start", f"{TOMORROW} 18:00")
    assert result.exit_code == 3
    assert "pilates" in one_error_line(result.stderr)
    assert tree_digest(store) == before


# --- session book ---------------------------------------------------------------------------

def test_booking_an_appointment_creates_its_session(ok, contact):
    ada = contact("Ada")
    booking = appointment(ok, ada, f"{TOMORROW} 10:00", "--staff", "giulia-romano")
    assert booking["contact_id"] == ada
    assert booking["service_id"] == "physiotherapy"
    assert booking["staff_id"] == "giulia-romano"
    assert (booking["status"], booking["attendance"]) == ("confirmed", "booked")
    session = ok("session", "show", booking["session_id"])
    assert session["capacity"] == 1
    assert [b["id"] for b in session["bookings"]] == [booking["id"]]


def test_booking_json_has_every_contract_key(ok, contact):
    booking = appointment(ok, contact("Ada"), f"{TOMORROW} 10:00", "--staff", "giulia-romano")
    assert BOOKING_KEYS <= set(booking)


def test_booking_json_times_carry_the_store_offset(ok, contact):
    booking = appointment(ok, contact("Ada"), f"{TOMORROW} 10:00")
    assert booking["start"] == "2026-11-24T10:00:00+01:00"
    assert booking["end"] == "2026-11-24T10:45:00+01:00"
    assert booking["created_at"] == "2026-11-23T12:00:00+01:00"


def test_booking_json_money_is_amount_and_currency(ok, contact):
    booking = appointment(ok, contact("Ada"), f"{TOMORROW} 10:00")
    assert booking["price"] == {"amount": "65.00", "currency": "EUR"}
    assert booking["paid"] == {"amount": "0.00", "currency": "EUR"}
    assert booking["refunded"] == {"amount": "0.00", "currency": "EUR"}
    assert booking["due"] == {"amount": "65.00", "currency": "EUR"}
    assert booking["payment_status"] == "not_paid"


def test_start_with_an_offset_is_accepted(ok, contact):
    booking = appointment(ok, contact("Ada"), "2026-11-24T09:00:00+00:00")
    assert booking["start"] == "2026-11-24T10:00:00+01:00"


def test_an_appointment_across_the_autumn_clock_change_lasts_its_duration(ok, contact):
    # On 2027-10-31 Rome's clocks go back from 03:00 (+02:00) to 02:00 (+01:00): 02:30 happens twice,
    # so the first one is given with its offset.
    booking = appointment(ok, contact("Ada"), "2027-10-31T02:30+02:00")
    start, end = (datetime.fromisoformat(booking[key]) for key in ("start", "end"))
    assert end - start == timedelta(minutes=45)
    assert booking["end"] == "2027-10-31T02:15:00+01:00"


def test_an_appointment_across_the_spring_clock_change_ends_at_a_real_local_time(ok, contact):
    # 01:30 (+01:00) plus 45 minutes is 03:15 (+02:00): 02:15 does not exist that night.
    booking = appointment(ok, contact("Ada"), "2027-03-28 01:30")
    assert booking["start"] == "2027-03-28T01:30:00+01:00"
    assert booking["end"] == "2027-03-28T03:15:00+02:00"


def test_booking_the_same_class_time_twice_joins_one_session(ok, contact):
    first = class_place(ok, contact("Ada"), f"{TOMORROW} 18:00")
    second = class_place(ok, contact("Bruno"), f"{TOMORROW} 18:00")
    assert first["session_id"] == second["session_id"]
    session = ok("session", "show", first["session_id"])
    assert [b["id"] for b in session["bookings"]] == [first["id"], second["id"]]
    assert session["places_left"] == 1


def test_booking_with_session_joins_that_session(ok, contact):
    session = ok("session", "add", "--service", "yoga-flow", "--start", f"{TOMORROW} 18:00")
    booking = ok("session", "book", "--session", session["id"], "--contact", contact("Ada"))
    assert booking["session_id"] == session["id"]
    assert booking["start"] == "2026-11-24T18:00:00+01:00"
    assert booking["price"] == {"amount": "18.00", "currency": "EUR"}
    assert ok("session", "show", session["id"])["places_left"] == 2


def test_a_full_class_refuses_the_next_booking(ok, run, contact, store):
    session = ok("session", "add", "--service", "yoga-flow", "--start", f"{TOMORROW} 18:00")
    for name in ("Ada", "Bruno", "Chiara"):
        ok("session", "book", "--session", session["id"], "--contact", contact(name))
    dario = contact("Dario")
    before = tree_digest(store)
    result = run("session", "book", "--session", session["id"], "--contact", dario)
    assert result.exit_code == 1
    assert "no places left" in one_error_line(result.stderr)
    assert session["id"] in result.stderr
    assert tree_digest(store) == before


def test_a_full_class_refuses_the_next_booking_by_service_and_start(ok, run, contact, store):
    for name in ("Ada", "Bruno", "Chiara"):
        class_place(ok, contact(name), f"{TOMORROW} 18:00")
    dario = contact("Dario")
    before = tree_digest(store)
    result = run("session", "book", "--service", "yoga-flow", "--contact", dario, "--start", f"{TOMORROW} 18:00")
    assert result.exit_code == 1
    assert "no places left" in one_error_line(result.stderr)
    assert tree_digest(store) == before


def test_the_same_contact_cannot_book_one_class_twice(ok, run, contact, store):
    ada = contact("Ada")
    first = class_place(ok, ada, f"{TOMORROW} 18:00")
    before = tree_digest(store)
    result = run("session", "book", "--session", first["session_id"], "--contact", ada)
    assert result.exit_code == 1
    assert "already booked" in one_error_line(result.stderr)
    assert tree_digest(store) == before


def test_booking_in_the_past_is_refused_without_allow_past(run, contact, store):
    ada = contact("Ada")
    before = tree_digest(store)
    result = run("session", "book", "--service", "physiotherapy", "--contact", ada, "--start", "2026-11-23 09:00")
    assert result.exit_code == 1
    assert "in the past" in one_error_line(result.stderr)
    assert "--allow-past" in result.stderr
    assert tree_digest(store) == before


def test_joining_a_past_class_is_refused_without_allow_past(ok, run, contact, store):
    session = ok("session", "add", "--service", "yoga-flow", "--start", "2026-11-23 09:00", "--allow-past")
    ada = contact("Ada")
    before = tree_digest(store)
    result = run("session", "book", "--session", session["id"], "--contact", ada)
    assert result.exit_code == 1
    assert "in the past" in one_error_line(result.stderr)
    assert tree_digest(store) == before


def test_booking_in_the_past_is_recorded_with_allow_past(ok, contact):
    booking = appointment(ok, contact("Ada"), "2026-11-23 09:00", "--allow-past")
    assert booking["start"] == "2026-11-23T09:00:00+01:00"
    assert listed_ids(ok, "--day", "2026-11-23") == [booking["id"]]


def test_staff_cannot_have_two_overlapping_appointments(ok, run, contact, store):
    first = appointment(ok, contact("Ada"), f"{TOMORROW} 10:00", "--staff", "giulia-romano")
    bruno = contact("Bruno")
    before = tree_digest(store)
    result = run("session", "book", "--service", "physiotherapy", "--contact", bruno, "--start", f"{TOMORROW} 10:30",
                 "--staff", "giulia-romano")
    assert result.exit_code == 1
    assert "Giulia Romano" in one_error_line(result.stderr)
    assert first["session_id"] in result.stderr
    assert "10:00" in result.stderr and "10:45" in result.stderr
    assert tree_digest(store) == before


def test_an_appointment_that_starts_earlier_and_runs_into_another_is_refused(ok, run, contact):
    appointment(ok, contact("Ada"), f"{TOMORROW} 10:00", "--staff", "giulia-romano")
    result = run("session", "book", "--service", "physiotherapy", "--contact", contact("Bruno"),
                 "--start", f"{TOMORROW} 09:30", "--staff", "giulia-romano")
    assert result.exit_code == 1
    assert "Giulia Romano" in one_error_line(result.stderr)


def test_back_to_back_appointments_with_one_staff_member_are_fine(ok, contact):
    first = appointment(ok, contact("Ada"), f"{TOMORROW} 10:00", "--staff", "giulia-romano")
    second = appointment(ok, contact("Bruno"), f"{TOMORROW} 10:45", "--staff", "giulia-romano")
    before = appointment(ok, contact("Chiara"), f"{TOMORROW} 09:15", "--staff", "giulia-romano")
    assert listed_ids(ok, "--day", TOMORROW, "--staff", "giulia-romano") == [before["id"], first["id"], second["id"]]


def test_overlapping_appointments_with_different_staff_are_fine(ok, contact):
    appointment(ok, contact("Ada"), f"{TOMORROW} 10:00", "--staff", "giulia-romano")
    other = appointment(ok, contact("Bruno"), f"{TOMORROW} 10:30", "--staff", "sanne-de-vries")
    assert other["staff_id"] == "sanne-de-vries"


def test_booking_an_unknown_contact_is_exit_3(run, store):
    before = tree_digest(store)
    result = run("session", "book", "--service", "physiotherapy", "--contact", "c-99", "--start", f"{TOMORROW} 10:00")
    assert result.exit_code == 3
    assert "c-99" in one_error_line(result.stderr)
    assert tree_digest(store) == before


def test_joining_a_class_with_an_unknown_contact_is_exit_3(ok, run, store):
    session = ok("session", "add", "--service", "yoga-flow", "--start", f"{TOMORROW} 18:00")
    before = tree_digest(store)
    result = run("session", "book", "--session", session["id"], "--contact", "c-99")
    assert result.exit_code == 3
    assert "c-99" in one_error_line(result.stderr)
    assert tree_digest(store) == before


def test_booking_an_unknown_service_is_exit_3(run, contact, store):
    ada = contact("Ada")
    before = tree_digest(store)
    result = run("session", "book", "--service", "massage", "--contact", ada, "--start", f"{TOMORROW} 10:00")
    assert result.exit_code == 3
    assert "massage" in one_error_line(result.stderr)
    assert tree_digest(store) == before


@pytest.mark.parametrize("session_id", ["s-20261124-9", "s-nonsense", "b-20261124-1"])
def test_joining_an_unknown_session_is_exit_3(run, contact, store, session_id):
    ada = contact("Ada")
    before = tree_digest(store)
    result = run("session", "book", "--session", session_id, "--contact", ada)
    assert result.exit_code == 3
    assert session_id in one_error_line(result.stderr)
    assert tree_digest(store) == before


def test_form_answers_are_stored_with_the_booking(ok, contact):
    booking = appointment(ok, contact("Ada"), f"{TOMORROW} 10:00", "--form", "injury=left knee",
                          "--form", "first_visit=yes")
    assert booking["form_responses"] == {"injury": "left knee", "first_visit": "yes"}
    assert ok("session", "show", booking["id"])["form_responses"] == {"injury": "left knee", "first_visit": "yes"}


def test_a_form_answer_may_contain_an_equals_sign(ok, contact):
    booking = appointment(ok, contact("Ada"), f"{TOMORROW} 10:00", "--form", "note=a=b")
    assert booking["form_responses"] == {"note": "a=b"}


def test_a_malformed_form_answer_is_exit_2(run, contact, store):
    ada = contact("Ada")
    before = tree_digest(store)
    result = run("session", "book", "--service", "physiotherapy", "--contact", ada, "--start", f"{TOMORROW} 10:00",
                 "--form", "x")
    assert result.exit_code == 2
    assert "--form" in one_error_line(result.stderr)
    assert "KEY=VALUE" in result.stderr
    assert tree_digest(store) == before


def test_booking_with_a_bad_start_is_exit_2_naming_the_option(run, contact, store):
    ada = contact("Ada")
    before = tree_digest(store)
    result = run("session", "book", "--service", "physiotherapy", "--contact", ada, "--start", "24/11/2026 10:00")
    assert result.exit_code == 2
    assert "--start" in one_error_line(result.stderr)
    assert tree_digest(store) == before


def test_booking_needs_service_and_start_or_a_session(run, contact, store):
    ada = contact("Ada")
    before = tree_digest(store)
    result = run("session", "book", "--service", "physiotherapy", "--contact", ada)
    assert result.exit_code == 2
    assert "--start" in one_error_line(result.stderr)
    assert tree_digest(store) == before


# --- session list ---------------------------------------------------------------------------

def test_list_shows_today_by_default(ok, contact):
    today = appointment(ok, contact("Ada"), "2026-11-23 09:00", "--allow-past")
    appointment(ok, contact("Bruno"), f"{TOMORROW} 10:00")
    appointment(ok, contact("Chiara"), "2026-11-22 10:00", "--allow-past")
    assert listed_ids(ok) == [today["id"]]


def test_list_day_shows_that_day_only(ok, contact):
    appointment(ok, contact("Ada"), "2026-11-23 09:00", "--allow-past")
    tomorrow = appointment(ok, contact("Bruno"), f"{TOMORROW} 10:00")
    appointment(ok, contact("Chiara"), "2026-11-25 10:00")
    assert listed_ids(ok, "--day", TOMORROW) == [tomorrow["id"]]


def test_list_day_covers_the_local_day_across_midnight_utc(ok, contact):
    # 00:30 in Rome is 23:30 UTC of the day before; 23:30 in Rome is still the same local day.
    early = appointment(ok, contact("Ada"), "2026-11-25 00:30")
    late = appointment(ok, contact("Bruno"), "2026-11-25 23:30")
    appointment(ok, contact("Chiara"), "2026-11-24 23:30")
    appointment(ok, contact("Dario"), "2026-11-26 00:30")
    assert listed_ids(ok, "--day", "2026-11-25") == [early["id"], late["id"]]


def test_list_from_to_is_inclusive_at_both_ends(ok, contact):
    appointment(ok, contact("Ada"), f"{TOMORROW} 10:00")
    first = appointment(ok, contact("Bruno"), "2026-11-25 08:00")
    last = appointment(ok, contact("Chiara"), "2026-11-26 19:00")
    appointment(ok, contact("Dario"), "2026-11-27 10:00")
    assert listed_ids(ok, "--from", "2026-11-25", "--to", "2026-11-26") == [first["id"], last["id"]]


def test_list_is_ordered_by_start_not_by_booking_order(ok, contact):
    late = appointment(ok, contact("Ada"), "2026-11-26 10:00")
    early = appointment(ok, contact("Bruno"), "2026-11-25 16:00")
    middle = appointment(ok, contact("Chiara"), "2026-11-26 09:00")
    rows = ok("session", "list", "--from", "2026-11-25", "--to", "2026-11-26")
    assert [row["id"] for row in rows] == [early["id"], middle["id"], late["id"]]
    assert [row["start"] for row in rows] == sorted(row["start"] for row in rows)


def test_list_has_one_row_per_booking_of_a_class(ok, contact):
    first = class_place(ok, contact("Ada"), f"{TOMORROW} 18:00")
    second = class_place(ok, contact("Bruno"), f"{TOMORROW} 18:00")
    rows = ok("session", "list", "--day", TOMORROW)
    assert [row["id"] for row in rows] == [first["id"], second["id"]]
    assert {row["session_id"] for row in rows} == {first["session_id"]}


def test_list_rows_have_the_booking_json_keys(ok, contact):
    booking = appointment(ok, contact("Ada"), f"{TOMORROW} 10:00")
    rows = ok("session", "list", "--day", TOMORROW)
    assert rows == [booking]


def test_list_filters_by_staff(ok, contact):
    giulia = appointment(ok, contact("Ada"), f"{TOMORROW} 10:00", "--staff", "giulia-romano")
    appointment(ok, contact("Bruno"), f"{TOMORROW} 11:00", "--staff", "sanne-de-vries")
    appointment(ok, contact("Chiara"), f"{TOMORROW} 12:00")
    assert listed_ids(ok, "--day", TOMORROW, "--staff", "giulia-romano") == [giulia["id"]]


def test_list_filters_by_service(ok, contact):
    appointment(ok, contact("Ada"), f"{TOMORROW} 10:00")
    yoga = class_place(ok, contact("Bruno"), f"{TOMORROW} 18:00")
    assert listed_ids(ok, "--day", TOMORROW, "--service", "yoga-flow") == [yoga["id"]]


def test_list_filters_by_contact(ok, contact):
    ada, bruno = contact("Ada"), contact("Bruno")
    mine = appointment(ok, ada, f"{TOMORROW} 10:00")
    appointment(ok, bruno, f"{TOMORROW} 11:00")
    also_mine = class_place(ok, ada, f"{TOMORROW} 18:00")
    class_place(ok, bruno, f"{TOMORROW} 18:00")
    assert listed_ids(ok, "--day", TOMORROW, "--contact", ada) == [mine["id"], also_mine["id"]]


def test_list_with_to_before_from_is_exit_2(run, store):
    result = run("session", "list", "--from", "2026-11-26", "--to", "2026-11-25")
    assert result.exit_code == 2
    assert "--to" in one_error_line(result.stderr) and "--from" in result.stderr


def test_list_with_a_bad_day_is_exit_2_naming_the_option(run):
    result = run("session", "list", "--day", "2026-13-01")
    assert result.exit_code == 2
    assert "--day" in one_error_line(result.stderr)


def test_list_with_an_unknown_staff_member_is_exit_3(run):
    result = run("session", "list", "--day", TOMORROW, "--staff", "nobody")
    assert result.exit_code == 3
    assert "nobody" in one_error_line(result.stderr)


def test_list_of_an_empty_day_is_an_empty_json_list(run):
    result = run("session", "list", "--day", TOMORROW)
    assert result.exit_code == 0
    assert result.json() == []


# --- session show ---------------------------------------------------------------------------

def test_show_of_a_booking_id_is_that_booking(ok, contact):
    booking = appointment(ok, contact("Ada"), f"{TOMORROW} 10:00", "--staff", "giulia-romano")
    assert ok("session", "show", booking["id"]) == booking


def test_show_of_a_session_id_lists_its_bookings(ok, contact):
    first = class_place(ok, contact("Ada"), f"{TOMORROW} 18:00")
    second = class_place(ok, contact("Bruno"), f"{TOMORROW} 18:00")
    session = ok("session", "show", first["session_id"])
    assert session["id"] == first["session_id"]
    assert session["bookings"] == [first, second]
    assert (session["capacity"], session["places_left"]) == (3, 1)


@pytest.mark.parametrize("ref", ["b-20261124-1", "s-20261124-1", "c-1", "nonsense"])
def test_show_of_an_unknown_id_is_exit_3(run, ref):
    result = run("session", "show", ref)
    assert result.exit_code == 3
    assert ref in one_error_line(result.stderr)


# --- attendance -----------------------------------------------------------------------------

@pytest.fixture
def this_morning(ok, contact):  # noqa: ANN001, ANN201
    """A physiotherapy booking that started at 09:00 today (now is 12:00)."""
    return appointment(ok, contact("Ada"), "2026-11-23 09:00", "--allow-past", "--staff", "giulia-romano")


def test_checkin_marks_the_booking_checked_in(ok, this_morning):
    checked = ok("session", "checkin", this_morning["id"])
    assert checked["attendance"] == "checked_in"
    assert ok("session", "show", this_morning["id"])["attendance"] == "checked_in"


def test_attendance_goes_booked_checked_in_no_show_and_back_to_booked(ok, this_morning):
    booking_id = this_morning["id"]
    assert ok("session", "checkin", booking_id)["attendance"] == "checked_in"
    assert ok("session", "no-show", booking_id)["attendance"] == "no_show"
    assert ok("session", "attendance", booking_id, "booked")["attendance"] == "booked"
    assert ok("session", "attendance", booking_id, "checked_in")["attendance"] == "checked_in"
    assert ok("session", "attendance", booking_id, "no_show")["attendance"] == "no_show"
    assert ok("session", "show", booking_id)["attendance"] == "no_show"


def test_checking_in_twice_is_harmless(ok, store, this_morning):
    ok("session", "checkin", this_morning["id"])
    before = tree_digest(store)
    assert ok("session", "checkin", this_morning["id"])["attendance"] == "checked_in"
    assert tree_digest(store) == before


def test_a_cancelled_booking_cannot_be_checked_in(ok, run, store, this_morning):
    ok("session", "cancel", this_morning["id"])
    before = tree_digest(store)
    result = run("session", "checkin", this_morning["id"])
    assert result.exit_code == 1
    assert "cancelled" in one_error_line(result.stderr)
    assert tree_digest(store) == before


def test_a_cancelled_booking_cannot_be_marked_no_show(ok, run, store, this_morning):
    ok("session", "cancel", this_morning["id"])
    before = tree_digest(store)
    result = run("session", "no-show", this_morning["id"])
    assert result.exit_code == 1
    assert "cancelled" in one_error_line(result.stderr)
    assert tree_digest(store) == before


def test_checkin_of_a_future_days_booking_is_refused(ok, run, contact, store):
    booking = appointment(ok, contact("Ada"), f"{TOMORROW} 10:00")
    before = tree_digest(store)
    result = run("session", "checkin", booking["id"])
    assert result.exit_code == 1
    assert TOMORROW in one_error_line(result.stderr)
    assert tree_digest(store) == before


def test_checkin_earlier_on_the_sessions_day_is_allowed(ok, contact):
    booking = appointment(ok, contact("Ada"), "2026-11-23 15:00")
    assert ok("session", "checkin", booking["id"])["attendance"] == "checked_in"


def test_no_show_before_the_start_is_refused(ok, run, contact, store):
    booking = appointment(ok, contact("Ada"), "2026-11-23 15:00")
    before = tree_digest(store)
    result = run("session", "no-show", booking["id"])
    assert result.exit_code == 1
    assert "2026-11-23 15:00" in one_error_line(result.stderr)
    assert tree_digest(store) == before


def test_attendance_no_show_before_the_start_is_refused(ok, run, contact, store):
    booking = appointment(ok, contact("Ada"), f"{TOMORROW} 10:00")
    before = tree_digest(store)
    result = run("session", "attendance", booking["id"], "no_show")
    assert result.exit_code == 1
    one_error_line(result.stderr)
    assert tree_digest(store) == before


def test_an_invalid_attendance_value_is_exit_2(run, store, this_morning):
    before = tree_digest(store)
    result = run("session", "attendance", this_morning["id"], "late")
    assert result.exit_code == 2
    assert "'late'" in one_error_line(result.stderr)
    assert "booked, checked_in, no_show" in result.stderr
    assert tree_digest(store) == before


def test_attendance_of_an_unknown_booking_is_exit_3(run, store):
    before = tree_digest(store)
    result = run("session", "attendance", "b-20261123-42", "checked_in")
    assert result.exit_code == 3
    assert "b-20261123-42" in one_error_line(result.stderr)
    assert tree_digest(store) == before


def test_a_session_id_with_one_active_booking_names_that_booking(ok, this_morning):
    checked = ok("session", "checkin", this_morning["session_id"])
    assert checked["id"] == this_morning["id"]
    assert ok("session", "show", this_morning["id"])["attendance"] == "checked_in"


def test_a_session_id_ignores_cancelled_bookings_when_naming_the_one(ok, contact):
    session = ok("session", "add", "--service", "yoga-flow", "--start", "2026-11-23 09:00", "--allow-past")
    gone = ok("session", "book", "--session", session["id"], "--contact", contact("Ada"), "--allow-past")
    kept = ok("session", "book", "--session", session["id"], "--contact", contact("Bruno"), "--allow-past")
    ok("session", "cancel", gone["id"])
    assert ok("session", "checkin", session["id"])["id"] == kept["id"]


def test_a_session_id_with_several_bookings_is_exit_2_listing_them(ok, run, contact, store):
    session = ok("session", "add", "--service", "yoga-flow", "--start", "2026-11-23 09:00", "--allow-past")
    first = ok("session", "book", "--session", session["id"], "--contact", contact("Ada"), "--allow-past")
    second = ok("session", "book", "--session", session["id"], "--contact", contact("Bruno"), "--allow-past")
    before = tree_digest(store)
    result = run("session", "checkin", session["id"])
    assert result.exit_code == 2
    assert first["id"] in one_error_line(result.stderr) and second["id"] in result.stderr
    assert tree_digest(store) == before


# --- cancel ---------------------------------------------------------------------------------

def test_cancel_marks_the_booking_cancelled(ok, contact):
    booking = appointment(ok, contact("Ada"), f"{TOMORROW} 10:00")
    cancelled = ok("session", "cancel", booking["id"])
    assert cancelled["status"] == "cancelled"
    assert ok("session", "show", booking["id"])["status"] == "cancelled"


def test_cancel_frees_a_place_in_a_full_class(ok, contact):
    session = ok("session", "add", "--service", "yoga-flow", "--start", f"{TOMORROW} 18:00")
    places = [ok("session", "book", "--session", session["id"], "--contact", contact(n)) for n in ("Ada", "Bruno", "Chiara")]
    ok("session", "cancel", places[0]["id"])
    assert ok("session", "show", session["id"])["places_left"] == 1
    dario = ok("session", "book", "--session", session["id"], "--contact", contact("Dario"))
    assert dario["session_id"] == session["id"]
    assert ok("session", "show", session["id"])["places_left"] == 0


def test_a_contact_who_cancelled_can_book_the_class_again(ok, contact):
    ada = contact("Ada")
    first = class_place(ok, ada, f"{TOMORROW} 18:00")
    ok("session", "cancel", first["id"])
    again = class_place(ok, ada, f"{TOMORROW} 18:00")
    assert again["session_id"] == first["session_id"]
    assert again["status"] == "confirmed"


def test_cancelling_twice_is_refused(ok, run, contact, store):
    booking = appointment(ok, contact("Ada"), f"{TOMORROW} 10:00")
    ok("session", "cancel", booking["id"])
    before = tree_digest(store)
    result = run("session", "cancel", booking["id"])
    assert result.exit_code == 1
    assert "already cancelled" in one_error_line(result.stderr)
    assert tree_digest(store) == before


def test_cancelling_an_appointment_frees_the_staff_members_time(ok, contact):
    booking = appointment(ok, contact("Ada"), f"{TOMORROW} 10:00", "--staff", "giulia-romano")
    ok("session", "cancel", booking["id"])
    other = appointment(ok, contact("Bruno"), f"{TOMORROW} 10:15", "--staff", "giulia-romano")
    assert other["status"] == "confirmed"
    assert ok("session", "show", booking["session_id"])["status"] == "cancelled"


def test_cancelled_bookings_still_show_in_the_list(ok, contact):
    booking = appointment(ok, contact("Ada"), f"{TOMORROW} 10:00")
    ok("session", "cancel", booking["id"])
    rows = ok("session", "list", "--day", TOMORROW)
    assert [(row["id"], row["status"]) for row in rows] == [(booking["id"], "cancelled")]


def test_refund_email_without_refund_is_exit_2_and_changes_nothing(ok, run, contact, store):
    booking = appointment(ok, contact("Ada"), f"{TOMORROW} 10:00")
    before = tree_digest(store)
    result = run("session", "cancel", booking["id"], "--refund-email")
    assert result.exit_code == 2
    assert "--refund-email goes with --refund" in one_error_line(result.stderr)
    assert tree_digest(store) == before


@pytest.mark.parametrize("flags", [["--notify"], ["--refund", "--refund-email"]])
def test_mail_to_a_contact_without_an_address_is_refused_before_cancelling(ok, run, contact, store, flags):
    booking = appointment(ok, contact("Ada"), f"{TOMORROW} 10:00")  # Ada has no email address
    before = tree_digest(store)
    result = run("session", "cancel", booking["id"], *flags)
    assert result.exit_code == 1
    assert "email" in one_error_line(result.stderr)
    assert tree_digest(store) == before
    assert ok("session", "show", booking["id"])["status"] == "confirmed"


def test_cancel_of_an_unknown_booking_is_exit_3(run, store):
    before = tree_digest(store)
    result = run("session", "cancel", "b-20261124-5")
    assert result.exit_code == 3
    assert tree_digest(store) == before


# --- reschedule -----------------------------------------------------------------------------

def test_reschedule_moves_an_appointment_to_another_day(ok, contact):
    booking = appointment(ok, contact("Ada"), f"{TOMORROW} 10:00", "--staff", "giulia-romano")
    moved = ok("session", "reschedule", booking["id"], "--start", "2026-11-26 15:00")
    assert (moved["id"], moved["session_id"]) == (booking["id"], booking["session_id"])
    assert moved["start"] == "2026-11-26T15:00:00+01:00"
    assert moved["end"] == "2026-11-26T15:45:00+01:00"


def test_a_rescheduled_booking_is_still_shown_by_its_booking_id(ok, contact):
    booking = appointment(ok, contact("Ada"), f"{TOMORROW} 10:00", "--form", "injury=knee")
    ok("session", "reschedule", booking["id"], "--start", "2026-11-26 15:00")
    shown = ok("session", "show", booking["id"])
    assert shown["start"] == "2026-11-26T15:00:00+01:00"
    assert shown["form_responses"] == {"injury": "knee"}
    assert shown["created_at"] == booking["created_at"]


def test_a_rescheduled_appointment_is_still_shown_by_its_session_id(ok, contact):
    booking = appointment(ok, contact("Ada"), f"{TOMORROW} 10:00")
    ok("session", "reschedule", booking["id"], "--start", "2026-11-26 15:00")
    session = ok("session", "show", booking["session_id"])
    assert session["start"] == "2026-11-26T15:00:00+01:00"
    assert [b["id"] for b in session["bookings"]] == [booking["id"]]


def test_a_rescheduled_appointment_is_listed_on_its_new_day_only(ok, contact):
    booking = appointment(ok, contact("Ada"), f"{TOMORROW} 10:00")
    ok("session", "reschedule", booking["id"], "--start", "2026-11-26 15:00")
    assert listed_ids(ok, "--day", "2026-11-26") == [booking["id"]]
    assert listed_ids(ok, "--day", TOMORROW) == []
    assert listed_ids(ok, "--from", TOMORROW, "--to", "2026-11-27") == [booking["id"]]


def test_a_booking_rescheduled_twice_across_three_days_still_resolves(ok, contact):
    booking = appointment(ok, contact("Ada"), f"{TOMORROW} 10:00")
    ok("session", "reschedule", booking["id"], "--start", "2026-11-25 11:00")
    ok("session", "reschedule", booking["id"], "--start", "2026-11-27 16:00")
    assert ok("session", "show", booking["id"])["start"] == "2026-11-27T16:00:00+01:00"
    assert ok("session", "show", booking["session_id"])["start"] == "2026-11-27T16:00:00+01:00"
    assert listed_ids(ok, "--day", "2026-11-25") == []
    assert listed_ids(ok, "--day", "2026-11-27") == [booking["id"]]


@pytest.mark.backends("files")  # about the files themselves
def test_a_booking_rescheduled_twice_points_home_in_one_hop(ok, contact, store):
    booking = appointment(ok, contact("Ada"), f"{TOMORROW} 10:00")
    ok("session", "reschedule", booking["id"], "--start", "2026-11-25 11:00")
    ok("session", "reschedule", booking["id"], "--start", "2026-11-27 16:00")
    home = json.loads((store / "data" / "days" / "2026" / "2026-11-24.json").read_text())
    assert home["moved"] == {booking["id"]: "2026-11-27", booking["session_id"]: "2026-11-27"}
    middle = json.loads((store / "data" / "days" / "2026" / "2026-11-25.json").read_text())
    assert booking["id"] not in json.dumps(middle)


def test_a_booking_rescheduled_away_and_back_home_still_resolves(ok, contact):
    booking = appointment(ok, contact("Ada"), f"{TOMORROW} 10:00")
    ok("session", "reschedule", booking["id"], "--start", "2026-11-26 11:00")
    ok("session", "reschedule", booking["id"], "--start", f"{TOMORROW} 14:00")
    assert ok("session", "show", booking["id"])["start"] == "2026-11-24T14:00:00+01:00"
    assert listed_ids(ok, "--day", "2026-11-26") == []
    assert listed_ids(ok, "--day", TOMORROW) == [booking["id"]]


def test_a_rescheduled_booking_can_then_be_cancelled_by_its_id(ok, contact):
    booking = appointment(ok, contact("Ada"), f"{TOMORROW} 10:00")
    ok("session", "reschedule", booking["id"], "--start", "2026-11-26 11:00")
    assert ok("session", "cancel", booking["id"])["status"] == "cancelled"
    assert ok("session", "show", booking["id"])["status"] == "cancelled"


def test_a_later_booking_on_the_old_day_gets_a_fresh_id(ok, contact):
    booking = appointment(ok, contact("Ada"), f"{TOMORROW} 10:00")
    ok("session", "reschedule", booking["id"], "--start", "2026-11-26 11:00")
    newer = appointment(ok, contact("Bruno"), f"{TOMORROW} 10:00")
    assert newer["id"] not in (booking["id"], booking["session_id"])
    assert newer["session_id"] not in (booking["id"], booking["session_id"])
    assert ok("session", "show", booking["id"])["contact_id"] != newer["contact_id"]


def test_reschedule_moves_a_class_booking_into_another_meeting(ok, contact):
    tuesday = ok("session", "add", "--service", "yoga-flow", "--start", f"{TOMORROW} 18:00")
    thursday = ok("session", "add", "--service", "yoga-flow", "--start", "2026-11-26 18:00")
    booking = ok("session", "book", "--session", tuesday["id"], "--contact", contact("Ada"))
    moved = ok("session", "reschedule", booking["id"], "--start", "2026-11-26 18:00")
    assert (moved["id"], moved["session_id"]) == (booking["id"], thursday["id"])
    assert ok("session", "show", booking["id"])["session_id"] == thursday["id"]
    assert [b["id"] for b in ok("session", "show", thursday["id"])["bookings"]] == [booking["id"]]
    assert ok("session", "show", tuesday["id"])["bookings"] == []
    assert ok("session", "show", tuesday["id"])["places_left"] == 3


def test_reschedule_of_a_class_booking_into_a_full_meeting_is_refused(ok, run, contact, store):
    tuesday = ok("session", "add", "--service", "yoga-flow", "--start", f"{TOMORROW} 18:00")
    thursday = ok("session", "add", "--service", "yoga-flow", "--start", "2026-11-26 18:00")
    for name in ("Bruno", "Chiara", "Dario"):
        ok("session", "book", "--session", thursday["id"], "--contact", contact(name))
    booking = ok("session", "book", "--session", tuesday["id"], "--contact", contact("Ada"))
    before = tree_digest(store)
    result = run("session", "reschedule", booking["id"], "--start", "2026-11-26 18:00")
    assert result.exit_code == 1
    assert "no places left" in one_error_line(result.stderr)
    assert tree_digest(store) == before


def test_reschedule_into_a_staff_clash_is_refused(ok, run, contact, store):
    clash = appointment(ok, contact("Ada"), "2026-11-26 10:00", "--staff", "giulia-romano")
    booking = appointment(ok, contact("Bruno"), f"{TOMORROW} 10:00", "--staff", "giulia-romano")
    before = tree_digest(store)
    result = run("session", "reschedule", booking["id"], "--start", "2026-11-26 10:30")
    assert result.exit_code == 1
    assert "Giulia Romano" in one_error_line(result.stderr)
    assert clash["session_id"] in result.stderr
    assert tree_digest(store) == before


def test_reschedule_within_its_own_time_is_not_a_clash(ok, contact):
    booking = appointment(ok, contact("Ada"), f"{TOMORROW} 10:00", "--staff", "giulia-romano")
    moved = ok("session", "reschedule", booking["id"], "--start", f"{TOMORROW} 10:15")
    assert moved["start"] == "2026-11-24T10:15:00+01:00"


def test_reschedule_across_the_autumn_clock_change_keeps_the_duration(ok, contact):
    booking = appointment(ok, contact("Ada"), "2027-10-30 10:00")
    moved = ok("session", "reschedule", booking["id"], "--start", "2027-10-31T02:30+01:00")
    start, end = (datetime.fromisoformat(moved[key]) for key in ("start", "end"))
    assert end - start == timedelta(minutes=45)
    assert (moved["start"], moved["end"]) == ("2027-10-31T02:30:00+01:00", "2027-10-31T03:15:00+01:00")


@pytest.mark.parametrize("command", ["book", "reschedule", "add"])
def test_a_local_time_in_the_autumn_fold_is_refused_asking_for_an_offset(ok, run, contact, store, command):
    booking = appointment(ok, contact("Ada"), "2027-10-30 10:00")
    args = {"book": ("session", "book", "--service", "physiotherapy", "--contact", contact("Bea")),
            "reschedule": ("session", "reschedule", booking["id"]),
            "add": ("session", "add", "--service", "yoga-flow")}[command]
    before = tree_digest(store)
    result = run(*args, "--start", "2027-10-31 02:30")
    assert result.exit_code == 2
    assert one_error_line(result.stderr) == (
        "error: --start '2027-10-31 02:30' happens twice in Europe/Rome: the clocks go back; give the offset, "
        "2027-10-31T02:30+02:00 for the first or 2027-10-31T02:30+01:00 for the second\n")
    assert tree_digest(store) == before


@pytest.mark.parametrize(("start", "message"), [
    ("0001-01-01 10:00", "--start '0001-01-01 10:00' is out of range; give a year from 1900 to 2999"),
    ("9999-12-31 23:00", "--start '9999-12-31 23:00' is out of range; give a year from 1900 to 2999"),
    ("9999-12-31T23:59+00:00", "--start '9999-12-31T23:59+00:00' is out of range; give a year from 1900 to 2999"),
    ("2026-11-24 10:00:30", "--start '2026-11-24 10:00:30' has seconds; times are to the minute (YYYY-MM-DD HH:MM)"),
])
def test_a_start_out_of_range_or_with_seconds_is_exit_2(run, contact, store, start, message):
    who = contact("Ada")
    before = tree_digest(store)
    result = run("session", "book", "--service", "physiotherapy", "--contact", who, "--start", start)
    assert (result.exit_code, one_error_line(result.stderr)) == (2, f"error: {message}\n")
    assert tree_digest(store) == before


def test_a_start_with_zero_seconds_is_the_same_minute(ok, contact):
    assert appointment(ok, contact("Ada"), f"{TOMORROW} 10:00:00")["start"] == "2026-11-24T10:00:00+01:00"


def test_reschedule_of_a_cancelled_booking_is_refused(ok, run, contact, store):
    booking = appointment(ok, contact("Ada"), f"{TOMORROW} 10:00")
    ok("session", "cancel", booking["id"])
    before = tree_digest(store)
    result = run("session", "reschedule", booking["id"], "--start", "2026-11-26 10:00")
    assert result.exit_code == 1
    assert "cancelled" in one_error_line(result.stderr)
    assert tree_digest(store) == before


def test_reschedule_into_the_past_is_refused(ok, run, contact, store):
    booking = appointment(ok, contact("Ada"), f"{TOMORROW} 10:00")
    before = tree_digest(store)
    result = run("session", "reschedule", booking["id"], "--start", "2026-11-23 09:00")
    assert result.exit_code == 1
    assert "in the past" in one_error_line(result.stderr)
    assert tree_digest(store) == before


def test_reschedule_with_a_bad_start_is_exit_2(ok, run, contact, store):
    booking = appointment(ok, contact("Ada"), f"{TOMORROW} 10:00")
    before = tree_digest(store)
    result = run("session", "reschedule", booking["id"], "--start", "next week")
    assert result.exit_code == 2
    assert "--start" in one_error_line(result.stderr)
    assert tree_digest(store) == before
