"""Availability (bookctl #19): the rules `session book` keeps for a new appointment (staff hours, the
business hours, time off, buffers, notice, booking window), what `--force` overrides, and
`session slots`, which offers exactly the times those rules leave free.

"Now" is Monday 2026-11-23 12:00 in Rome (+01:00); 2026-11-24 is a Tuesday.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from tests.conftest import tree_digest

TUE = "2026-11-24"
SLOT_KEYS = ["start", "end", "staff_id", "service_id"]
MEETING_SLOT_KEYS = [*SLOT_KEYS, "session_id", "places_left"]


# --- helpers --------------------------------------------------------------------------------------------


def done(result) -> None:  # noqa: ANN001
    """A command that must succeed."""
    assert result.exit_code == 0, result.stderr


def ok(result):  # noqa: ANN001, ANN201
    """The JSON of a command that must succeed."""
    done(result)
    return result.json()


@pytest.fixture
def run(bookctl, store: Path):  # noqa: ANN001, ANN201
    """run("session", "book", ...) on the test's store, with --format json."""
    def invoke(*args: str):  # noqa: ANN202
        return bookctl(*args, "--store", store, "--format", "json")

    return invoke


@pytest.fixture
def contact(run):  # noqa: ANN001, ANN201
    """contact() -> a new contact's id."""
    def add(first_name: str = "Marco") -> str:
        return ok(run("contact", "add", "--first-name", first_name))["id"]

    return add


@pytest.fixture
def book(run, contact):  # noqa: ANN001, ANN201
    """book(start, *extra) -> the Run of booking Physiotherapy (45 min) at `start` for `who` (default: a new
    contact; a refusal test makes its contact before it takes the store's digest)."""
    def invoke(start: str, *extra: str, who: str | None = None):  # noqa: ANN202
        return run("session", "book", "--service", "physiotherapy", "--contact", who or contact(), "--start", start,
                   *extra)

    return invoke


@pytest.fixture
def slots(run):  # noqa: ANN001, ANN201
    """slots(*extra) -> the JSON rows of `session slots --service physiotherapy ...`."""
    def invoke(*extra: str, service: str = "physiotherapy") -> list[dict]:
        return ok(run("session", "slots", "--service", service, *extra))

    return invoke


def starts(rows: list[dict]) -> list[str]:
    """The local wall-clock start 'HH:MM' of each slot."""
    return [datetime.fromisoformat(row["start"]).strftime("%H:%M") for row in rows]


def grid(first: str, last: str, minutes: int) -> list[str]:
    """'HH:MM' from `first` to `last` inclusive, every `minutes`."""
    at, end, found = datetime.strptime(first, "%H:%M"), datetime.strptime(last, "%H:%M"), []
    while at <= end:
        found.append(at.strftime("%H:%M"))
        at += timedelta(minutes=minutes)
    return found


def refused(result, store: Path, before: dict, message: str) -> None:  # noqa: ANN001
    """A refusal by a business rule: exit 1, one error line naming it, nothing recorded."""
    assert result.exit_code == 1, result.stdout
    assert result.stderr == f"error: {message}\n"
    assert tree_digest(store) == before


def forced(result, run, overrode: str) -> dict:  # noqa: ANN001
    """A booking --force made despite one rule: it names the rule in its JSON and on one stderr note."""
    booking = ok(result)
    assert booking["overrode"] == [overrode]
    assert result.stderr == f"note: --force overrode: {overrode}\n"
    assert ok(run("session", "show", booking["id"]))["status"] == "confirmed"
    return booking


# --- session book: the staff's hours -------------------------------------------------------------------


@pytest.fixture
def giulia_tuesday(run):  # noqa: ANN001, ANN201
    """Giulia works on Tuesday 09:00-13:00 only."""
    done(run("staff", "hours", "giulia-romano", "--tue", "09:00-13:00"))


OUTSIDE_GIULIAS_HOURS = "2026-11-24 12:30-13:15 is outside Giulia Romano's hours (tue 09:00-13:00)"


def test_book_outside_the_staffs_hours_is_refused(book, store, giulia_tuesday, contact):
    who = contact()
    before = tree_digest(store)
    refused(book(f"{TUE} 12:30", "--staff", "giulia-romano", who=who), store, before,
            f"{OUTSIDE_GIULIAS_HOURS}; give --force to book it anyway")


def test_book_outside_the_staffs_hours_with_force_is_booked_and_says_what_it_overrode(book, run, giulia_tuesday):
    booking = forced(book(f"{TUE} 12:30", "--staff", "giulia-romano", "--force"), run, OUTSIDE_GIULIAS_HOURS)
    assert (booking["start"], booking["staff_id"]) == ("2026-11-24T12:30:00+01:00", "giulia-romano")


def test_book_ending_exactly_when_the_hours_end_is_accepted(book, giulia_tuesday):
    booking = ok(book(f"{TUE} 12:15", "--staff", "giulia-romano"))
    assert booking["end"] == "2026-11-24T13:00:00+01:00"
    assert "overrode" not in booking


def test_book_on_a_day_off_is_refused_naming_the_day(book, store, giulia_tuesday, contact):
    who = contact()
    before = tree_digest(store)
    refused(book("2026-11-25 10:00", "--staff", "giulia-romano", who=who), store, before,
            "2026-11-25 10:00-10:45 is outside Giulia Romano's hours (wed off); give --force to book it anyway")


# --- session book: the business hours, for a booking without staff ------------------------------------


@pytest.fixture
def business_tuesday(run):  # noqa: ANN001, ANN201
    """The business is open on Tuesday 09:00-12:00 only."""
    done(run("config", "set", "hours.tue", "09:00-12:00"))


OUTSIDE_BUSINESS_HOURS = "2026-11-24 11:30-12:15 is outside the business hours (tue 09:00-12:00)"


def test_book_without_staff_outside_the_business_hours_is_refused(book, store, business_tuesday, contact):
    who = contact()
    before = tree_digest(store)
    refused(book(f"{TUE} 11:30", who=who), store, before, f"{OUTSIDE_BUSINESS_HOURS}; give --force to book it anyway")


def test_book_without_staff_outside_the_business_hours_with_force_is_booked(book, run, business_tuesday):
    booking = forced(book(f"{TUE} 11:30", "--force"), run, OUTSIDE_BUSINESS_HOURS)
    assert booking["staff_id"] is None


def test_book_without_staff_inside_the_business_hours_is_accepted(book, business_tuesday):
    assert "overrode" not in ok(book(f"{TUE} 11:15"))


# --- session book: time off ----------------------------------------------------------------------------


@pytest.fixture
def giulia_at_the_dentist(run):  # noqa: ANN001, ANN201
    """Giulia is off on Tuesday 10:00-12:00."""
    done(run("staff", "off", "giulia-romano", "--from", f"{TUE} 10:00", "--to", f"{TUE} 12:00", "--reason", "Dentist"))


IN_TIME_OFF = "Giulia Romano is off from 2026-11-24 10:00 to 2026-11-24 12:00 (Dentist), off-1"


def test_book_in_the_staffs_time_off_is_refused(book, store, giulia_at_the_dentist, contact):
    who = contact()
    before = tree_digest(store)
    refused(book(f"{TUE} 09:30", "--staff", "giulia-romano", who=who), store, before,
            f"{IN_TIME_OFF}; give --force to book it anyway")


def test_book_in_the_staffs_time_off_with_force_is_booked(book, run, giulia_at_the_dentist):
    forced(book(f"{TUE} 11:30", "--staff", "giulia-romano", "--force"), run, IN_TIME_OFF)


def test_book_back_to_back_with_the_time_off_or_with_another_member_is_accepted(book, giulia_at_the_dentist):
    assert "overrode" not in ok(book(f"{TUE} 09:15", "--staff", "giulia-romano"))  # 09:15-10:00
    assert "overrode" not in ok(book(f"{TUE} 12:00", "--staff", "giulia-romano"))
    assert "overrode" not in ok(book(f"{TUE} 10:30", "--staff", "sanne-de-vries"))


# --- session book: buffers -----------------------------------------------------------------------------


@pytest.fixture
def giulia_booked_at_ten(run, book):  # noqa: ANN001, ANN201
    """Physiotherapy keeps 15 minutes free after each session; Giulia has one at 10:00-10:45. Its session id."""
    done(run("service", "edit", "physiotherapy", "--buffer-after", "15"))
    return ok(book(f"{TUE} 10:00", "--staff", "giulia-romano"))["session_id"]


def test_book_inside_the_buffer_of_another_session_of_the_same_staff_is_refused(book, store, contact,
                                                                                 giulia_booked_at_ten):
    who = contact()
    before = tree_digest(store)
    refused(book(f"{TUE} 10:50", "--staff", "giulia-romano", who=who), store, before,
            f"2026-11-24 10:50-11:35 is inside the buffer kept around session {giulia_booked_at_ten} "
            "(2026-11-24 10:00-10:45); give --force to book it anyway")


def test_book_whose_own_buffer_reaches_another_session_is_refused(book, store, giulia_booked_at_ten, contact):
    who = contact()
    before = tree_digest(store)
    refused(book(f"{TUE} 09:05", "--staff", "giulia-romano", who=who), store, before,  # 09:05-09:50, +15 -> 10:05
            f"2026-11-24 09:05-09:50 is inside the buffer kept around session {giulia_booked_at_ten} "
            "(2026-11-24 10:00-10:45); give --force to book it anyway")


def test_book_inside_a_buffer_with_force_is_booked(book, run, giulia_booked_at_ten):
    forced(book(f"{TUE} 10:50", "--staff", "giulia-romano", "--force"), run,
           f"2026-11-24 10:50-11:35 is inside the buffer kept around session {giulia_booked_at_ten} "
           "(2026-11-24 10:00-10:45)")


def test_book_after_the_buffer_or_with_another_member_is_accepted(book, giulia_booked_at_ten):
    assert "overrode" not in ok(book(f"{TUE} 11:00", "--staff", "giulia-romano"))
    assert "overrode" not in ok(book(f"{TUE} 10:50", "--staff", "sanne-de-vries"))


def test_force_does_not_override_a_straight_clash(book, store, giulia_booked_at_ten, contact):
    who = contact()
    before = tree_digest(store)
    refused(book(f"{TUE} 10:30", "--staff", "giulia-romano", "--force", who=who), store, before,
            f"Giulia Romano already has session {giulia_booked_at_ten} from 2026-11-24 10:00 to 10:45, which overlaps")


# --- session book: notice and booking window -----------------------------------------------------------


TOO_SOON = "too soon: Physiotherapy is booked at least 24 hours ahead (from 2026-11-24 12:00)"
TOO_FAR = "too far ahead: Physiotherapy is booked at most 30 days ahead (until 2026-12-23 12:00)"


def test_book_too_soon_is_refused(book, run, store, contact):
    done(run("service", "edit", "physiotherapy", "--min-notice-hours", "24"))
    who = contact()
    before = tree_digest(store)
    refused(book(f"{TUE} 11:45", "--staff", "giulia-romano", who=who), store, before,
            f"{TOO_SOON}; give --force to book it anyway")


def test_book_too_soon_with_force_is_booked(book, run):
    done(run("service", "edit", "physiotherapy", "--min-notice-hours", "24"))
    forced(book(f"{TUE} 11:45", "--staff", "giulia-romano", "--force"), run, TOO_SOON)


def test_book_exactly_at_the_end_of_the_notice_is_accepted(book, run):
    done(run("service", "edit", "physiotherapy", "--min-notice-hours", "24"))
    assert "overrode" not in ok(book(f"{TUE} 12:00", "--staff", "giulia-romano"))


def test_book_too_far_ahead_is_refused(book, run, store, contact):
    done(run("service", "edit", "physiotherapy", "--max-days-ahead", "30"))
    who = contact()
    before = tree_digest(store)
    refused(book("2026-12-23 12:05", "--staff", "giulia-romano", who=who), store, before,
            f"{TOO_FAR}; give --force to book it anyway")


def test_book_too_far_ahead_with_force_is_booked(book, run):
    done(run("service", "edit", "physiotherapy", "--max-days-ahead", "30"))
    forced(book("2027-01-15 10:00", "--staff", "giulia-romano", "--force"), run, TOO_FAR)


def test_book_at_the_last_moment_of_the_window_is_accepted(book, run):
    done(run("service", "edit", "physiotherapy", "--max-days-ahead", "30"))
    assert "overrode" not in ok(book("2026-12-23 12:00", "--staff", "giulia-romano"))


def test_book_breaking_two_rules_names_the_first_and_counts_the_rest(book, run, store, giulia_tuesday, contact):
    done(run("service", "edit", "physiotherapy", "--min-notice-hours", "48"))
    who = contact()
    before = tree_digest(store)
    result = book(f"{TUE} 12:30", "--staff", "giulia-romano", who=who)
    refused(result, store, before, "too soon: Physiotherapy is booked at least 48 hours ahead (from 2026-11-25 12:00) "
                                   "(and 1 more); give --force to book it anyway")


def test_force_over_two_rules_names_both_on_one_note_line(book, run, giulia_tuesday):
    done(run("service", "edit", "physiotherapy", "--min-notice-hours", "48"))
    result = book(f"{TUE} 12:30", "--staff", "giulia-romano", "--force")
    too_soon = "too soon: Physiotherapy is booked at least 48 hours ahead (from 2026-11-25 12:00)"
    assert ok(result)["overrode"] == [too_soon, OUTSIDE_GIULIAS_HOURS]
    assert result.stderr == f"note: --force overrode: {too_soon}; {OUTSIDE_GIULIAS_HOURS}\n"


def test_book_with_nothing_to_override_prints_no_note(book):
    result = book(f"{TUE} 10:00", "--staff", "giulia-romano", "--force")
    assert "overrode" not in ok(result)
    assert result.stderr == ""


# --- joining a class meeting ---------------------------------------------------------------------------


def meeting(run, start: str) -> str:  # noqa: ANN001
    """A Yoga Flow meeting with Sanne at `start`; its session id."""
    return ok(run("session", "add", "--service", "yoga-flow", "--start", start, "--staff", "sanne-de-vries"))["id"]


def test_joining_a_class_meeting_outside_the_staffs_hours_is_accepted(run, contact):
    done(run("staff", "hours", "sanne-de-vries", "--tue", "09:00-10:00"))
    session = meeting(run, f"{TUE} 18:00")
    result = run("session", "book", "--session", session, "--contact", contact())
    booking = ok(result)
    assert booking["session_id"] == session
    assert "overrode" not in booking
    assert result.stderr == ""


def test_joining_a_class_meeting_by_service_and_start_outside_the_hours_is_accepted(run, contact):
    done(run("config", "set", "hours.tue", "09:00-10:00"))
    session = meeting(run, f"{TUE} 18:00")
    booking = ok(run("session", "book", "--service", "yoga-flow", "--contact", contact(), "--start", f"{TUE} 18:00"))
    assert booking["session_id"] == session
    assert "overrode" not in booking


def test_joining_a_class_meeting_too_soon_is_refused(run, contact, store):
    done(run("service", "edit", "yoga-flow", "--min-notice-hours", "24"))
    session = meeting(run, f"{TUE} 10:00")
    who = contact()
    before = tree_digest(store)
    refused(run("session", "book", "--session", session, "--contact", who), store, before,
            "too soon: Yoga Flow is booked at least 24 hours ahead (from 2026-11-24 12:00); "
            "give --force to book it anyway")


def test_joining_a_class_meeting_too_far_ahead_is_refused(run, contact, store):
    done(run("service", "edit", "yoga-flow", "--max-days-ahead", "30"))
    session = meeting(run, "2027-01-05 18:00")
    who = contact()
    before = tree_digest(store)
    refused(run("session", "book", "--session", session, "--contact", who), store, before,
            "too far ahead: Yoga Flow is booked at most 30 days ahead (until 2026-12-23 12:00); "
            "give --force to book it anyway")


def test_joining_a_class_meeting_too_soon_with_force_is_booked(run, contact):
    done(run("service", "edit", "yoga-flow", "--min-notice-hours", "24"))
    session = meeting(run, f"{TUE} 10:00")
    forced(run("session", "book", "--session", session, "--contact", contact(), "--force"), run,
           "too soon: Yoga Flow is booked at least 24 hours ahead (from 2026-11-24 12:00)")


# --- a removed member of staff -------------------------------------------------------------------------


REMOVED = ("Sanne de Vries (sanne-de-vries) was removed from the staff; "
           "'bookctl staff edit sanne-de-vries --restore' brings them back")


def test_a_removed_member_of_staff_cannot_be_booked(book, run, store, contact):
    done(run("staff", "remove", "sanne-de-vries"))
    who = contact()
    before = tree_digest(store)
    refused(book(f"{TUE} 10:00", "--staff", "sanne-de-vries", who=who), store, before, REMOVED)


def test_a_removed_member_of_staff_cannot_be_booked_even_with_force(book, run, store, contact):
    done(run("staff", "remove", "sanne-de-vries"))
    who = contact()
    before = tree_digest(store)
    refused(book(f"{TUE} 10:00", "--staff", "sanne-de-vries", "--force", who=who), store, before, REMOVED)


def test_slots_of_a_removed_member_of_staff_are_refused(run, store):
    done(run("staff", "remove", "sanne-de-vries"))
    before = tree_digest(store)
    refused(run("session", "slots", "--service", "physiotherapy", "--day", TUE, "--staff", "sanne-de-vries"),
            store, before, REMOVED)


def test_slots_leave_out_a_removed_member_of_staff(run, slots):
    done(run("staff", "remove", "sanne-de-vries"))
    assert {row["staff_id"] for row in slots("--day", TUE)} == {"giulia-romano"}


# --- session slots: the grid ----------------------------------------------------------------------------


def test_slots_follow_the_service_length_from_the_start_of_the_hours(slots, giulia_tuesday):
    rows = slots("--day", TUE, "--staff", "giulia-romano")
    assert starts(rows) == ["09:00", "09:45", "10:30", "11:15", "12:00"]
    assert [row["end"] for row in rows][-1] == "2026-11-24T12:45:00+01:00"


def test_slots_every_15_minutes(slots, giulia_tuesday):
    rows = slots("--day", TUE, "--staff", "giulia-romano", "--every", "15")
    assert starts(rows) == grid("09:00", "12:15", 15)
    assert all(datetime.fromisoformat(r["end"]) - datetime.fromisoformat(r["start"]) == timedelta(minutes=45)
               for r in rows)


def test_slots_start_the_grid_again_at_each_range_of_hours(run, slots):
    done(run("staff", "hours", "giulia-romano", "--tue", "09:00-10:40,14:10-15:40"))
    assert starts(slots("--day", TUE, "--staff", "giulia-romano")) == ["09:00", "09:45", "14:10", "14:55"]


def test_slots_of_a_member_without_hours_of_their_own_follow_the_business_hours(run, slots, business_tuesday):
    assert starts(slots("--day", TUE, "--staff", "sanne-de-vries")) == ["09:00", "09:45", "10:30", "11:15"]


def test_slots_on_a_day_off_are_none(slots, giulia_tuesday):
    assert slots("--day", "2026-11-25", "--staff", "giulia-romano") == []


def test_slots_leave_out_the_time_off(slots, giulia_tuesday, giulia_at_the_dentist):
    # Off 10:00-12:00: a 45-minute slot may end at 10:00 or start at 12:00.
    rows = slots("--day", TUE, "--staff", "giulia-romano", "--every", "15")
    assert starts(rows) == ["09:00", "09:15", "12:00", "12:15"]


def test_slots_leave_out_sessions_and_the_buffers_around_them(run, slots, giulia_tuesday, giulia_booked_at_ten):
    # 10:00-10:45 with 15 minutes after it, and each new slot keeps its own 15 after too.
    rows = slots("--day", TUE, "--staff", "giulia-romano", "--every", "15")
    assert starts(rows) == ["09:00", *grid("11:00", "12:15", 15)]


def test_slots_keep_the_buffer_before_a_session(run, slots, book, giulia_tuesday):
    done(run("service", "edit", "physiotherapy", "--buffer-before", "30"))
    done(book(f"{TUE} 11:00", "--staff", "giulia-romano"))  # 11:00-11:45, and 10:30-11:00 kept free
    rows = slots("--day", TUE, "--staff", "giulia-romano", "--every", "15")
    assert starts(rows) == ["09:00", "09:15", "09:30", "09:45", "12:15"]


def test_slots_ignore_a_cancelled_session(run, slots, book, giulia_tuesday):
    booking = ok(book(f"{TUE} 10:00", "--staff", "giulia-romano"))
    done(run("session", "cancel", booking["id"]))
    assert starts(slots("--day", TUE, "--staff", "giulia-romano")) == ["09:00", "09:45", "10:30", "11:15", "12:00"]


def test_slots_today_start_no_sooner_than_now(run, slots):
    done(run("staff", "hours", "giulia-romano", "--mon", "09:00-18:00"))
    assert starts(slots("--staff", "giulia-romano")) == ["12:00", "12:45", "13:30", "14:15", "15:00", "15:45",
                                                         "16:30", "17:15"]


def test_slots_start_no_sooner_than_the_notice(run, slots):
    done(run("staff", "hours", "giulia-romano", "--mon", "09:00-18:00"))
    done(run("service", "edit", "physiotherapy", "--min-notice-hours", "2"))
    assert starts(slots("--day", "2026-11-23", "--staff", "giulia-romano", "--every", "15"))[:2] == ["14:00", "14:15"]


def test_slots_start_no_later_than_the_booking_window(run, slots, giulia_tuesday):
    done(run("service", "edit", "physiotherapy", "--max-days-ahead", "1"))  # until 2026-11-24 12:00
    assert starts(slots("--day", TUE, "--staff", "giulia-romano", "--every", "15")) == grid("09:00", "12:00", 15)


def test_slots_after_the_booking_window_are_none(run, slots, giulia_tuesday):
    done(run("service", "edit", "physiotherapy", "--max-days-ahead", "1"))
    assert slots("--day", "2026-12-01", "--staff", "giulia-romano") == []


def test_slots_staff_narrows_to_one_member(run, slots, giulia_tuesday):
    done(run("staff", "hours", "sanne-de-vries", "--tue", "10:00-11:30"))
    everyone = slots("--day", TUE)
    assert [(r["start"][11:16], r["staff_id"]) for r in everyone] == [
        ("09:00", "giulia-romano"), ("09:45", "giulia-romano"), ("10:00", "sanne-de-vries"),
        ("10:30", "giulia-romano"), ("10:45", "sanne-de-vries"), ("11:15", "giulia-romano"),
        ("12:00", "giulia-romano")]
    only = slots("--day", TUE, "--staff", "Sanne de Vries")
    assert [(r["start"][11:16], r["staff_id"]) for r in only] == [("10:00", "sanne-de-vries"),
                                                                   ("10:45", "sanne-de-vries")]


def test_slots_json_of_an_appointment_has_exactly_its_keys(slots, giulia_tuesday):
    rows = slots("--day", TUE, "--staff", "giulia-romano")
    assert rows[0] == {"start": "2026-11-24T09:00:00+01:00", "end": "2026-11-24T09:45:00+01:00",
                       "staff_id": "giulia-romano", "service_id": "physiotherapy"}
    assert all(list(row) == SLOT_KEYS for row in rows)


def test_each_slot_is_accepted_by_session_book(run, slots, book, giulia_tuesday, giulia_booked_at_ten):
    # Every 60 minutes: 45 and the 15 after never reach the next slot, so each may be booked in turn.
    rows = slots("--day", TUE, "--staff", "giulia-romano", "--every", "60")
    assert starts(rows) == ["09:00", "11:00", "12:00"]
    for row in rows:
        assert "overrode" not in ok(book(row["start"], "--staff", row["staff_id"]))


def test_slots_change_nothing_in_the_store(run, store, giulia_tuesday):
    before = tree_digest(store)
    done(run("session", "slots", "--service", "physiotherapy", "--from", TUE, "--to", "2026-11-30"))
    assert tree_digest(store) == before


# --- session slots --first ------------------------------------------------------------------------------


def test_slots_first_is_the_next_free_one(slots, book, giulia_tuesday):
    done(book(f"{TUE} 09:00", "--staff", "giulia-romano"))
    assert slots("--first", "--staff", "giulia-romano") == [
        {"start": "2026-11-24T09:45:00+01:00", "end": "2026-11-24T10:30:00+01:00",
         "staff_id": "giulia-romano", "service_id": "physiotherapy"}]


def test_slots_first_moves_to_a_later_day_when_today_is_full(run, slots, book):
    done(run("staff", "hours", "giulia-romano", "--mon", "12:00-13:30", "--wed", "15:00-18:00"))
    for start in ("2026-11-23 12:00", "2026-11-23 12:45"):
        done(book(start, "--staff", "giulia-romano"))
    assert [r["start"] for r in slots("--first", "--staff", "giulia-romano")] == ["2026-11-25T15:00:00+01:00"]


def test_slots_first_with_nothing_free_in_the_window_is_exit_1(run, store):
    done(run("staff", "hours", "giulia-romano", "--mon", "09:00-10:00"))
    done(run("service", "edit", "physiotherapy", "--max-days-ahead", "5"))  # next Monday is 7 days away
    before = tree_digest(store)
    refused(run("session", "slots", "--service", "physiotherapy", "--first", "--staff", "giulia-romano"), store,
            before, "no free slot in the booking window; see 'bookctl staff hours' and 'bookctl service show'")


# --- session slots of a class ---------------------------------------------------------------------------


def test_slots_of_a_class_are_its_meetings_with_places_left(run, slots, contact):
    tuesday, wednesday, thursday = (meeting(run, f"2026-11-{day} 18:00") for day in (24, 25, 26))
    done(run("session", "book", "--session", tuesday, "--contact", contact()))
    for _ in range(3):
        done(run("session", "book", "--session", thursday, "--contact", contact()))
    rows = slots("--from", TUE, "--to", "2026-11-26", service="yoga-flow")
    assert rows == [
        {"start": "2026-11-24T18:00:00+01:00", "end": "2026-11-24T19:00:00+01:00", "staff_id": "sanne-de-vries",
         "service_id": "yoga-flow", "session_id": tuesday, "places_left": 2},
        {"start": "2026-11-25T18:00:00+01:00", "end": "2026-11-25T19:00:00+01:00", "staff_id": "sanne-de-vries",
         "service_id": "yoga-flow", "session_id": wednesday, "places_left": 3},
    ]
    assert all(list(row) == MEETING_SLOT_KEYS for row in rows)


def test_slots_of_a_class_leave_out_cancelled_meetings_and_those_too_soon(run, slots):
    done(run("service", "edit", "yoga-flow", "--min-notice-hours", "24"))
    too_soon, cancelled, kept = (meeting(run, start) for start in (f"{TUE} 10:00", f"{TUE} 14:00", f"{TUE} 18:00"))
    done(run("session", "cancel", cancelled, "--all"))
    assert [r["session_id"] for r in slots("--day", TUE, service="yoga-flow")] == [kept]


# --- session slots across a clock change (Europe/Rome) -----------------------------------------------------


def elapsed_minutes(row: dict) -> float:
    """How long a slot lasts in real elapsed time, in minutes."""
    return (datetime.fromisoformat(row["end"]) - datetime.fromisoformat(row["start"])) / timedelta(minutes=1)


def test_slots_on_the_spring_forward_day_are_real_instants(run, slots):
    done(run("staff", "hours", "giulia-romano", "--sun", "00:00-06:00"))
    rows = slots("--day", "2027-03-28", "--staff", "giulia-romano")  # 02:00-03:00 does not exist
    assert [r["start"] for r in rows] == [
        "2027-03-28T00:00:00+01:00", "2027-03-28T00:45:00+01:00", "2027-03-28T01:30:00+01:00",
        "2027-03-28T03:15:00+02:00", "2027-03-28T04:00:00+02:00", "2027-03-28T04:45:00+02:00"]
    assert not [r for r in rows if r["start"][11:13] == "02"]
    assert [elapsed_minutes(r) for r in rows] == [45] * 6
    assert rows[2]["end"] == "2027-03-28T03:15:00+02:00"


def test_slots_on_the_autumn_fall_back_day_are_real_instants(run, slots):
    done(run("staff", "hours", "giulia-romano", "--sun", "00:00-06:00"))
    rows = slots("--day", "2027-10-31", "--staff", "giulia-romano")  # 7 hours between 00:00 and 06:00
    assert sorted((r["start"] for r in rows), key=datetime.fromisoformat) == [
        "2027-10-31T00:00:00+02:00", "2027-10-31T00:45:00+02:00", "2027-10-31T01:30:00+02:00",
        "2027-10-31T02:15:00+02:00", "2027-10-31T02:00:00+01:00", "2027-10-31T02:45:00+01:00",
        "2027-10-31T03:30:00+01:00", "2027-10-31T04:15:00+01:00", "2027-10-31T05:00:00+01:00"]
    assert [elapsed_minutes(r) for r in rows] == [45] * 9


def test_slots_on_the_autumn_fall_back_day_are_listed_in_time_order(run, slots):
    done(run("staff", "hours", "giulia-romano", "--sun", "00:00-06:00"))
    rows = slots("--day", "2027-10-31", "--staff", "giulia-romano")
    instants = [datetime.fromisoformat(r["start"]) for r in rows]
    assert instants == sorted(instants), [r["start"] for r in rows]


def test_a_slot_in_the_repeated_hour_is_accepted_by_session_book(run, slots, book):
    done(run("staff", "hours", "giulia-romano", "--sun", "00:00-06:00"))
    rows = {r["start"]: r for r in slots("--day", "2027-10-31", "--staff", "giulia-romano")}
    booking = ok(book("2027-10-31T02:00:00+01:00", "--staff", "giulia-romano"))
    assert (booking["start"], booking["end"]) == ("2027-10-31T02:00:00+01:00", "2027-10-31T02:45:00+01:00")
    assert rows["2027-10-31T02:00:00+01:00"]["end"] == booking["end"]


# --- session slots: bad input -----------------------------------------------------------------------------


@pytest.mark.parametrize("every", ["0", "1441", "-15"])
def test_slots_every_out_of_range_is_exit_2(run, store, every):
    before = tree_digest(store)
    result = run("session", "slots", "--service", "physiotherapy", "--every", every)
    assert result.exit_code == 2
    assert result.stderr == "error: --every must be between 1 and 1440 minutes\n"
    assert tree_digest(store) == before


def test_slots_every_that_is_not_a_number_is_exit_2(run):
    result = run("session", "slots", "--service", "physiotherapy", "--every", "often")
    assert result.exit_code == 2
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1, result.stderr
    assert "'--every'" in result.stderr


def test_slots_of_an_unknown_service_is_exit_3(run, store):
    before = tree_digest(store)
    result = run("session", "slots", "--service", "pilates")
    assert result.exit_code == 3
    assert result.stderr == "error: no service 'pilates'; see 'bookctl service list'\n"
    assert tree_digest(store) == before
