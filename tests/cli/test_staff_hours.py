"""Staff availability (bookctl #19): `staff hours|off|show|edit|remove`, business hours and
`schedule.horizon_weeks` through `config set`, and the availability options of `service add|edit`."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import tree_digest

OFF_DAYS = {day: "off" for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}


def card(bookctl, store: Path, staff: str = "giulia-romano") -> dict:  # noqa: ANN001
    """`staff show --format json`."""
    result = bookctl("staff", "show", staff, "--store", store, "--format", "json")
    assert result.exit_code == 0, result.stderr
    return result.json()


def done(result) -> None:  # noqa: ANN001
    """A command that must succeed."""
    assert result.exit_code == 0, result.stderr


def ok(result):  # noqa: ANN001, ANN201
    """The JSON of a command that must succeed."""
    done(result)
    return result.json()


def book(bookctl, store: Path, start: str, staff: str = "giulia-romano", *extra: str) -> dict:  # noqa: ANN001
    """An appointment of Physiotherapy with `staff` for a new contact; the booking's JSON."""
    contact = ok(bookctl("contact", "add", "--first-name", "Marco", "--store", store, "--format", "json"))["id"]
    return ok(bookctl("session", "book", "--service", "physiotherapy", "--contact", contact, "--start", start,
                      "--staff", staff, *extra, "--store", store, "--format", "json"))


# --- staff hours --------------------------------------------------------------------------------------


def test_staff_hours_sets_the_days_given_and_the_others_are_off_without_business_hours(bookctl, store):
    shown = ok(bookctl("staff", "hours", "giulia-romano", "--mon", "09:00-13:00, 14:00-18:00", "--tue", "off",
                       "--wed", "10:00-24:00", "--store", store, "--format", "json"))
    hours = {**OFF_DAYS, "mon": "09:00-13:00,14:00-18:00", "wed": "10:00-24:00"}
    assert shown == {"id": "giulia-romano", "name": "Giulia Romano", "email": "giulia@studio.example",
                     "hours": hours, "archived": False}
    assert list(shown) == ["id", "name", "email", "hours", "archived"]
    assert card(bookctl, store)["hours"] == hours


def test_staff_hours_partial_update_keeps_the_days_not_given(bookctl, store):
    done(bookctl("staff", "hours", "giulia-romano", "--mon", "09:00-18:00", "--fri", "09:00-13:00", "--store", store))
    shown = ok(bookctl("staff", "hours", "giulia-romano", "--fri", "off", "--sat", "10:00-12:00",
                       "--store", store, "--format", "json"))
    assert shown["hours"] == {**OFF_DAYS, "mon": "09:00-18:00", "sat": "10:00-12:00"}


def test_staff_hours_without_a_day_only_shows_them(bookctl, store):
    done(bookctl("staff", "hours", "giulia-romano", "--mon", "09:00-18:00", "--store", store))
    before = tree_digest(store)
    shown = ok(bookctl("staff", "hours", "Giulia Romano", "--store", store, "--format", "json"))
    assert shown["hours"]["mon"] == "09:00-18:00"
    assert tree_digest(store) == before


def test_staff_hours_of_a_member_without_their_own_is_null(bookctl, store):
    assert ok(bookctl("staff", "hours", "sanne-de-vries", "--store", store, "--format", "json"))["hours"] is None


def test_staff_hours_table_shows_them_on_one_line(bookctl, store):
    result = bookctl("staff", "hours", "giulia-romano", "--mon", "09:00-13:00,14:00-18:00", "--tue", "09:00-18:00",
                     "--wed", "09:00-18:00", "--store", store)
    assert result.exit_code == 0, result.stderr
    assert "hours     mon 09:00-13:00,14:00-18:00; tue-wed 09:00-18:00; thu-sun off\n" in result.stdout


def test_staff_hours_clear_goes_back_to_the_business_hours(bookctl, store):
    done(bookctl("staff", "hours", "giulia-romano", "--mon", "09:00-18:00", "--store", store))
    shown = ok(bookctl("staff", "hours", "giulia-romano", "--clear", "--store", store, "--format", "json"))
    assert shown["hours"] is None
    assert card(bookctl, store)["hours"] is None


@pytest.mark.parametrize(("option", "value", "message"), [
    ("--tue", "9-12", "--tue '9-12' is not a range of times such as 09:00-13:00"),
    ("--mon", "13:00-09:00", "--mon '13:00-09:00' ends before it starts"),
    ("--sun", "09:00-13:00,12:00-14:00",
     "--sun '12:00-14:00' overlaps or comes before the range before it; give ranges in order"),
])
def test_staff_hours_refuses_a_bad_range_naming_the_option(bookctl, store, option, value, message):
    done(bookctl("staff", "hours", "giulia-romano", "--mon", "09:00-18:00", "--store", store))
    before, digest = card(bookctl, store), tree_digest(store)
    result = bookctl("staff", "hours", "giulia-romano", "--wed", "10:00-12:00", option, value, "--store", store)
    assert result.exit_code == 2
    assert result.stderr == f"error: {message}\n"
    assert card(bookctl, store) == before
    assert tree_digest(store) == digest


def test_staff_hours_refuses_clear_with_days(bookctl, store):
    before = card(bookctl, store)
    result = bookctl("staff", "hours", "giulia-romano", "--clear", "--mon", "09:00-18:00", "--store", store)
    assert result.exit_code == 2
    assert result.stderr == "error: --clear goes back to the business hours; give it without day options\n"
    assert card(bookctl, store) == before


def test_staff_hours_of_an_unknown_member_is_exit_3(bookctl, store):
    result = bookctl("staff", "hours", "nobody", "--mon", "09:00-18:00", "--store", store)
    assert result.exit_code == 3
    assert result.stderr == "error: no staff member 'nobody'; see 'bookctl staff list'\n"


# --- business hours and the schedule horizon (config set) -------------------------------------------


def test_config_set_one_business_day_creates_the_business_hours_with_the_other_days_off(bookctl, store):
    shown = ok(bookctl("config", "set", "hours.mon", "09:00-18:00", "--store", store, "--format", "json"))
    assert {key: value for key, value in shown.items() if key.startswith("hours.")} == {
        f"hours.{day}": text for day, text in {**OFF_DAYS, "mon": "09:00-18:00"}.items()}
    shown = ok(bookctl("config", "set", "hours.tue", "08:00-12:00,13:00-17:00", "--store", store, "--format", "json"))
    assert shown["hours.mon"] == "09:00-18:00"
    assert shown["hours.tue"] == "08:00-12:00,13:00-17:00"
    assert ok(bookctl("config", "show", "--store", store, "--format", "json"))["hours.tue"] == "08:00-12:00,13:00-17:00"


def test_config_set_an_empty_business_day_makes_it_off(bookctl, store):
    done(bookctl("config", "set", "hours.mon", "09:00-18:00", "--store", store))
    assert ok(bookctl("config", "set", "hours.mon", "", "--store", store, "--format", "json"))["hours.mon"] == "off"


def test_config_set_hours_empty_removes_the_business_hours(bookctl, store):
    done(bookctl("config", "set", "hours.mon", "09:00-18:00", "--store", store))
    shown = ok(bookctl("config", "set", "hours", "", "--store", store, "--format", "json"))
    assert not [key for key in shown if key.startswith("hours")]


def test_member_without_hours_starts_from_a_copy_of_the_business_hours(bookctl, store):
    done(bookctl("config", "set", "hours.mon", "09:00-18:00", "--store", store))
    done(bookctl("config", "set", "hours.fri", "09:00-13:00", "--store", store))
    shown = ok(bookctl("staff", "hours", "sanne-de-vries", "--sat", "10:00-12:00", "--store", store, "--format", "json"))
    assert shown["hours"] == {**OFF_DAYS, "mon": "09:00-18:00", "fri": "09:00-13:00", "sat": "10:00-12:00"}
    # A copy: changing the business hours later leaves the member's own alone.
    done(bookctl("config", "set", "hours.mon", "off", "--store", store))
    assert card(bookctl, store, "sanne-de-vries")["hours"]["mon"] == "09:00-18:00"


@pytest.mark.parametrize(("key", "value", "message"), [
    ("hours.mon", "9-18", "hours.mon '9-18' is not a range of times such as 09:00-13:00"),
    ("hours.monday", "09:00-18:00", "unknown setting 'hours.monday'; business hours are hours.mon, hours.tue, "
                                    "hours.wed, hours.thu, hours.fri, hours.sat, hours.sun"),
    ("hours", "09:00-18:00", "hours takes only an empty value, which removes the business hours; "
                             "set one day with hours.mon .. hours.sun"),
    ("schedule.horizon_weeks", "0", "schedule.horizon_weeks must be between 1 and 520"),
    ("schedule.horizon_weeks", "521", "schedule.horizon_weeks must be between 1 and 520"),
    ("schedule.horizon_weeks", "soon", "schedule.horizon_weeks must be a whole number, not 'soon'"),
])
def test_config_set_refuses_bad_hours_and_horizons(bookctl, store, key, value, message):
    before = tree_digest(store)
    result = bookctl("config", "set", key, value, "--store", store)
    assert result.exit_code == 2
    assert result.stderr == f"error: {message}\n"
    assert tree_digest(store) == before


def test_config_set_schedule_horizon_weeks(bookctl, store):
    assert ok(bookctl("config", "show", "--store", store, "--format", "json"))["schedule.horizon_weeks"] == 12
    assert ok(bookctl("config", "set", "schedule.horizon_weeks", "8", "--store", store,
                      "--format", "json"))["schedule.horizon_weeks"] == 8
    assert ok(bookctl("config", "show", "--store", store, "--format", "json"))["schedule.horizon_weeks"] == 8


# --- staff off ------------------------------------------------------------------------------------------


def test_staff_off_with_dates_is_whole_days(bookctl, store):
    shown = ok(bookctl("staff", "off", "giulia-romano", "--from", "2026-12-24", "--to", "2026-12-26",
                       "--reason", " Christmas ", "--store", store, "--format", "json"))
    assert shown == {"id": "off-1", "staff_id": "giulia-romano", "start": "2026-12-24T00:00:00+01:00",
                     "end": "2026-12-27T00:00:00+01:00", "reason": "Christmas",
                     "created_at": "2026-11-23T12:00:00+01:00"}
    assert card(bookctl, store)["time_off"] == [shown]


def test_staff_off_with_times_in_the_store_zone(bookctl, store):
    shown = ok(bookctl("staff", "off", "Giulia Romano", "--from", "2027-07-01 14:00", "--to", "2027-07-01 18:30",
                       "--store", store, "--format", "json"))
    assert (shown["start"], shown["end"], shown["reason"]) == ("2027-07-01T14:00:00+02:00",
                                                               "2027-07-01T18:30:00+02:00", None)


def test_staff_show_lists_the_time_off_by_start(bookctl, store):
    for start, end in (("2027-02-01", "2027-02-02"), ("2026-12-24", "2026-12-26")):
        ok(bookctl("staff", "off", "giulia-romano", "--from", start, "--to", end, "--store", store, "--format", "json"))
    done(bookctl("staff", "off", "sanne-de-vries", "--from", "2027-01-10", "--to", "2027-01-10", "--store", store))
    shown = card(bookctl, store)
    assert [t["id"] for t in shown["time_off"]] == ["off-2", "off-1"]
    assert list(shown) == ["id", "name", "email", "hours", "archived", "time_off"]


@pytest.mark.parametrize(("args", "message"), [
    (("--from", "2026-12-24 12:00", "--to", "2026-12-24 10:00"),
     "--to '2026-12-24 10:00' is not after --from '2026-12-24 12:00'"),
    (("--from", "2026-12-24 12:00", "--to", "2026-12-24 12:00"),
     "--to '2026-12-24 12:00' is not after --from '2026-12-24 12:00'"),
    (("--from", "2026-12-26", "--to", "2026-12-24"), "--to '2026-12-24' is not after --from '2026-12-26'"),
    (("--from", "Christmas", "--to", "2026-12-24"),
     "--from 'Christmas' is not a valid date and time; use YYYY-MM-DD HH:MM"),
    (("--from", "2026-12-24", "--to", "2026-12-24", "--reason", "away\x1b[2J"),
     "--reason must not contain control characters"),
    (("--from", "2026-12-24"), "give --from and --to (or --remove OFF_ID)"),
    (("--from", "2026-12-24", "--to", "2026-12-24", "--remove", "off-1"),
     "--remove deletes a time off; give it without --from, --to, --reason and --force"),
])
def test_staff_off_refuses_bad_times_and_records_nothing(bookctl, store, args, message):
    before, digest = card(bookctl, store), tree_digest(store)
    result = bookctl("staff", "off", "giulia-romano", *args, "--store", store)
    assert result.exit_code == 2
    assert result.stderr == f"error: {message}\n"
    assert card(bookctl, store) == before
    assert tree_digest(store) == digest


def test_staff_off_refuses_time_off_over_a_scheduled_session(bookctl, store):
    session = book(bookctl, store, "2026-11-30 10:00")["session_id"]
    before, digest = card(bookctl, store), tree_digest(store)
    result = bookctl("staff", "off", "giulia-romano", "--from", "2026-11-30", "--to", "2026-11-30", "--store", store)
    assert result.exit_code == 1
    assert result.stderr == (f"error: Giulia Romano has a session scheduled during that time off ({session}); "
                             "move or cancel them first, or give --force to record it anyway\n")
    assert card(bookctl, store) == before
    assert tree_digest(store) == digest


def test_staff_off_with_force_records_it_over_a_session(bookctl, store):
    book(bookctl, store, "2026-11-30 10:00")
    shown = ok(bookctl("staff", "off", "giulia-romano", "--from", "2026-11-30 09:00", "--to", "2026-11-30 12:00",
                       "--force", "--store", store, "--format", "json"))
    assert shown["id"] == "off-1"
    assert [t["id"] for t in card(bookctl, store)["time_off"]] == ["off-1"]


def test_staff_off_next_to_a_session_or_for_another_member_does_not_clash(bookctl, store):
    book(bookctl, store, "2026-11-30 10:00")  # 10:00-10:45
    done(bookctl("staff", "off", "giulia-romano", "--from", "2026-11-30 10:45", "--to", "2026-11-30 18:00",
               "--store", store))
    done(bookctl("staff", "off", "sanne-de-vries", "--from", "2026-11-30", "--to", "2026-11-30", "--store", store))


def test_staff_off_over_a_cancelled_session_is_recorded(bookctl, store):
    booking = book(bookctl, store, "2026-11-30 10:00")["id"]
    done(bookctl("session", "cancel", booking, "--store", store, "--format", "json"))
    done(bookctl("staff", "off", "giulia-romano", "--from", "2026-11-30", "--to", "2026-11-30", "--store", store))


def test_staff_off_remove_deletes_it(bookctl, store):
    made = ok(bookctl("staff", "off", "giulia-romano", "--from", "2026-12-24", "--to", "2026-12-26",
                      "--store", store, "--format", "json"))
    removed = ok(bookctl("staff", "off", "giulia-romano", "--remove", made["id"], "--store", store, "--format", "json"))
    assert removed == made
    assert card(bookctl, store)["time_off"] == []


@pytest.mark.parametrize(("member", "message"), [
    ("giulia-romano", "error: no time off 'off-9'; see 'bookctl staff show STAFF'\n"),
    ("sanne-de-vries", None),
])
def test_staff_off_remove_of_an_unknown_or_another_members_time_off_is_exit_3(bookctl, store, member, message):
    done(bookctl("staff", "off", "giulia-romano", "--from", "2026-12-24", "--to", "2026-12-26", "--store", store))
    before, digest = card(bookctl, store), tree_digest(store)
    off_id = "off-9" if message else "off-1"
    result = bookctl("staff", "off", member, "--remove", off_id, "--store", store)
    assert result.exit_code == 3
    assert result.stderr == (message or "error: Sanne de Vries has no time off 'off-1'; "
                                        "see 'bookctl staff show sanne-de-vries'\n")
    assert card(bookctl, store) == before
    assert tree_digest(store) == digest


# --- staff edit -----------------------------------------------------------------------------------------


def test_staff_edit_changes_the_name_and_clears_the_email(bookctl, store):
    shown = ok(bookctl("staff", "edit", "giulia-romano", "--name", "Giulia Romano Bianchi", "--email", "",
                       "--store", store, "--format", "json"))
    assert shown == {"id": "giulia-romano", "name": "Giulia Romano Bianchi", "email": None, "hours": None,
                     "archived": False}
    assert card(bookctl, store) == {**shown, "time_off": []}


def test_staff_edit_may_keep_its_own_name_in_another_case(bookctl, store):
    assert ok(bookctl("staff", "edit", "giulia-romano", "--name", "GIULIA ROMANO", "--email", "g@studio.example",
                      "--store", store, "--format", "json"))["name"] == "GIULIA ROMANO"


@pytest.mark.parametrize(("args", "code", "message"), [
    (("--name", "sanne de vries"), 1,
     "staff member sanne-de-vries is already named 'Sanne de Vries'; choose another name"),
    (("--name", "  "), 2, "the staff name must not be empty"),
    (("--email", "giulia.at.studio"), 2, "--email 'giulia.at.studio' is not an email address"),
])
def test_staff_edit_refuses_a_taken_name_or_a_bad_value(bookctl, store, args, code, message):
    before, digest = card(bookctl, store), tree_digest(store)
    result = bookctl("staff", "edit", "giulia-romano", *args, "--store", store)
    assert result.exit_code == code
    assert result.stderr == f"error: {message}\n"
    assert card(bookctl, store) == before
    assert tree_digest(store) == digest


# --- staff remove ---------------------------------------------------------------------------------------


def test_staff_remove_is_refused_while_a_session_is_scheduled_ahead(bookctl, store):
    session = book(bookctl, store, "2026-12-02 10:00")["session_id"]
    before, digest = card(bookctl, store), tree_digest(store)
    result = bookctl("staff", "remove", "giulia-romano", "--store", store)
    assert result.exit_code == 1
    assert result.stderr == (f"error: Giulia Romano has a session scheduled from now on ({session}); free them with "
                             "'bookctl session move' or 'bookctl session cancel --all' first\n")
    assert card(bookctl, store) == before
    assert tree_digest(store) == digest


def test_staff_remove_lists_the_first_few_sessions(bookctl, store):
    sessions = [book(bookctl, store, f"2026-12-0{day} 10:00")["session_id"] for day in range(1, 8)]
    result = bookctl("staff", "remove", "giulia-romano", "--store", store)
    assert result.exit_code == 1
    assert f"has 7 sessions scheduled from now on ({', '.join(sessions[:5])} and 2 more)" in result.stderr


def test_staff_remove_archives_once_the_session_is_cancelled(bookctl, store):
    booking = book(bookctl, store, "2026-12-02 10:00")["id"]
    done(bookctl("session", "cancel", booking, "--store", store, "--format", "json"))
    shown = ok(bookctl("staff", "remove", "giulia-romano", "--store", store, "--format", "json"))
    assert shown["archived"] is True
    assert card(bookctl, store)["archived"] is True


def test_staff_remove_is_not_held_back_by_past_sessions(bookctl, store):
    book(bookctl, store, "2026-11-20 10:00", "giulia-romano", "--allow-past")
    assert ok(bookctl("staff", "remove", "giulia-romano", "--store", store, "--format", "json"))["archived"] is True


def test_removed_staff_are_left_out_of_the_list_unless_all(bookctl, store):
    done(bookctl("staff", "remove", "sanne-de-vries", "--store", store))
    listed = ok(bookctl("staff", "list", "--store", store, "--format", "json"))
    assert [s["id"] for s in listed] == ["giulia-romano"]
    listed = ok(bookctl("staff", "list", "--all", "--store", store, "--format", "json"))
    assert [(s["id"], s["archived"]) for s in listed] == [("giulia-romano", False), ("sanne-de-vries", True)]


def test_staff_edit_restore_brings_a_removed_member_back(bookctl, store):
    done(bookctl("staff", "remove", "sanne-de-vries", "--store", store))
    assert ok(bookctl("staff", "edit", "sanne-de-vries", "--restore", "--store", store,
                      "--format", "json"))["archived"] is False
    assert [s["id"] for s in ok(bookctl("staff", "list", "--store", store, "--format", "json"))] == [
        "giulia-romano", "sanne-de-vries"]


def test_a_removed_members_name_stays_taken(bookctl, store):
    done(bookctl("staff", "remove", "sanne-de-vries", "--store", store))
    result = bookctl("staff", "add", "Sanne de Vries", "--store", store)
    assert result.exit_code == 1
    assert result.stderr == ("error: staff member sanne-de-vries is already named 'Sanne de Vries', removed; "
                             "'bookctl staff edit sanne-de-vries --restore' brings it back; choose another name\n")


def test_staff_list_table_shows_each_members_hours(bookctl, store):
    done(bookctl("staff", "hours", "giulia-romano", "--mon", "09:00-18:00", "--store", store))
    result = bookctl("staff", "list", "--store", store)
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["id", "name", "email", "hours"]
    assert lines[2].endswith("mon 09:00-18:00; tue-sun off")
    assert lines[3].endswith("business hours")


# --- service availability options -------------------------------------------------------------------------


def test_service_add_and_edit_round_trip_the_availability_options(bookctl, store):
    shown = ok(bookctl("service", "add", "Massage", "--price", "70", "--duration", "60", "--buffer-before", "10",
                       "--buffer-after", "15", "--min-notice-hours", "24", "--max-days-ahead", "60",
                       "--staff", "giulia-romano, Sanne de Vries", "--store", store, "--format", "json"))
    assert {key: shown[key] for key in ("buffer_before_minutes", "buffer_after_minutes", "min_notice_hours",
                                        "max_days_ahead", "staff_ids")} == {
        "buffer_before_minutes": 10, "buffer_after_minutes": 15, "min_notice_hours": 24, "max_days_ahead": 60,
        "staff_ids": ["giulia-romano", "sanne-de-vries"]}
    assert shown["price"] == {"amount": "70.00", "currency": "EUR"}
    assert ok(bookctl("service", "show", "massage", "--store", store, "--format", "json")) == shown
    edited = ok(bookctl("service", "edit", "massage", "--buffer-before", "0", "--min-notice-hours", "2",
                        "--max-days-ahead", "0", "--staff", "", "--store", store, "--format", "json"))
    assert edited == {**shown, "buffer_before_minutes": 0, "min_notice_hours": 2, "max_days_ahead": None,
                      "staff_ids": []}
    edited = ok(bookctl("service", "edit", "massage", "--staff", "sanne-de-vries", "--max-days-ahead", "3650",
                        "--store", store, "--format", "json"))
    assert (edited["staff_ids"], edited["max_days_ahead"]) == (["sanne-de-vries"], 3650)
    assert ok(bookctl("service", "show", "massage", "--store", store, "--format", "json")) == edited


def test_service_add_defaults_have_no_availability_limits(bookctl, store):
    shown = ok(bookctl("service", "show", "physiotherapy", "--store", store, "--format", "json"))
    assert {key: shown[key] for key in ("buffer_before_minutes", "buffer_after_minutes", "min_notice_hours",
                                        "max_days_ahead", "staff_ids")} == {
        "buffer_before_minutes": 0, "buffer_after_minutes": 0, "min_notice_hours": 0, "max_days_ahead": None,
        "staff_ids": []}


@pytest.mark.parametrize(("command", "option", "value", "message"), [
    ("add", "--buffer-before", "1441", "--buffer-before must be between 0 and 1440 minutes"),
    ("add", "--buffer-after", "-1", "--buffer-after must be between 0 and 1440 minutes"),
    ("add", "--min-notice-hours", "8761", "--min-notice-hours must be between 0 and 8760"),
    ("add", "--max-days-ahead", "0", "--max-days-ahead must be between 1 and 3650"),
    ("add", "--max-days-ahead", "3651", "--max-days-ahead must be between 1 and 3650"),
    ("edit", "--buffer-before", "-5", "--buffer-before must be between 0 and 1440 minutes"),
    ("edit", "--buffer-after", "2000", "--buffer-after must be between 0 and 1440 minutes"),
    ("edit", "--min-notice-hours", "-1", "--min-notice-hours must be between 0 and 8760"),
    ("edit", "--max-days-ahead", "3651", "--max-days-ahead must be between 0 and 3650 (0 removes the limit)"),
])
def test_service_availability_options_out_of_range_are_exit_2(bookctl, store, command, option, value, message):
    before = tree_digest(store)
    args = (("add", "Massage", "--price", "70", "--duration", "60") if command == "add"
            else ("edit", "physiotherapy"))
    result = bookctl("service", *args, option, value, "--store", store)
    assert result.exit_code == 2
    assert result.stderr == f"error: {message}\n"
    assert tree_digest(store) == before


def test_service_staff_must_name_a_member(bookctl, store):
    before = tree_digest(store)
    result = bookctl("service", "edit", "physiotherapy", "--staff", "giulia-romano,nobody", "--store", store)
    assert result.exit_code == 3
    assert result.stderr == "error: no staff member 'nobody'; see 'bookctl staff list'\n"
    assert tree_digest(store) == before


def test_service_staff_refuses_a_removed_member(bookctl, store):
    done(bookctl("staff", "remove", "sanne-de-vries", "--store", store))
    before = tree_digest(store)
    result = bookctl("service", "edit", "physiotherapy", "--staff", "sanne-de-vries", "--store", store)
    assert result.exit_code == 1
    assert result.stderr == ("error: staff member sanne-de-vries was removed; "
                             "'bookctl staff edit sanne-de-vries --restore' brings them back\n")
    assert tree_digest(store) == before
