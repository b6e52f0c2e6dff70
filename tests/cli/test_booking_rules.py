"""Booking and money rules that hostile or careless input reached (issue 16), on both backends.

The store: Physiotherapy (an appointment, 45 min, price 65, deposit 20, cancellation fee 25 inside a
24-hour window), Yoga Flow (a class of 3, 60 min), staff Giulia Romano and Sanne de Vries.
Now is 2026-11-23 12:00 in Rome: tomorrow 10:00 is inside the window, 2026-11-26 10:00 outside it.
"""

from __future__ import annotations


import pytest

from tests.cli._payment_fixtures import (  # noqa: F401 - fixtures
    TOMORROW,
    _builtin_providers_only,
    contact,
    figures,
    ok,
    one_error_line,
    refused,
    run,
)
from tests.conftest import tree_digest


def physio(ok, who: str, start: str, *extra: str) -> str:  # noqa: ANN001
    """Book `who` (a contact id) a physiotherapy appointment at `start`: the booking id."""
    return ok("session", "book", "--service", "physiotherapy", "--contact", who, "--start", start, *extra)["id"]


# --- names that commands accept in place of ids ---------------------------------------------

def test_a_service_name_already_taken_in_another_case_and_spacing_is_refused(run, store):
    line = refused(run, store, 1, "service", "add", "  PHYSIOTHERAPY ", "--price", "50", "--duration", "30")
    assert line == "error: service physiotherapy is already named 'Physiotherapy'; choose another name\n"


def test_renaming_a_service_to_another_services_name_is_refused(run, store):
    line = refused(run, store, 1, "service", "edit", "yoga-flow", "--name", "physiotherapy")
    assert line == "error: service physiotherapy is already named 'Physiotherapy'; choose another name\n"


def test_a_service_may_be_renamed_to_its_own_name_in_another_case(ok):
    assert ok("service", "edit", "yoga-flow", "--name", "YOGA FLOW")["name"] == "YOGA FLOW"


def test_a_removed_service_keeps_its_name_and_says_how_to_restore_it(ok, run, store):
    ok("service", "remove", "yoga-flow")
    line = refused(run, store, 1, "service", "add", "Yoga Flow", "--kind", "class", "--price", "18", "--duration", "60")
    assert "'bookctl service edit yoga-flow --restore' brings it back" in line


def test_a_staff_name_already_taken_is_refused(run, store):
    line = refused(run, store, 1, "staff", "add", " giulia ROMANO ")
    assert line == "error: staff member giulia-romano is already named 'Giulia Romano'; choose another name\n"


# --- config set -------------------------------------------------------------------------------

def test_config_set_takes_a_negative_number_as_the_value_for_the_settings_own_check(run, store):
    line = refused(run, store, 2, "config", "set", "policy.cancellation_window_hours", "-3")
    assert line == "error: policy.cancellation_window_hours must be between 0 and 8760\n"


def test_a_negative_stripe_timeout_is_refused_by_its_own_check(run, store):
    line = refused(run, store, 2, "config", "set", "providers.stripe.timeout_seconds", "-3")
    assert line == "error: providers.stripe.timeout_seconds must be more than 0 and at most 600\n"


def test_the_stripe_timeout_is_settable_and_shown_by_config_show(ok):
    ok("config", "set", "providers.stripe.timeout_seconds", "12.5")
    assert ok("config", "show")["providers.stripe.timeout_seconds"] == "12.5"


# --- one client, one place at a time ----------------------------------------------------------

def test_a_client_cannot_hold_two_overlapping_bookings(ok, run, store, contact):
    ada = contact("Ada")
    first = physio(ok, ada, f"{TOMORROW} 10:00", "--staff", "giulia-romano")
    line = refused(run, store, 1, "session", "book", "--service", "physiotherapy", "--contact", ada,
                   "--start", f"{TOMORROW} 10:30", "--staff", "sanne-de-vries")
    assert line == (f"error: contact {ada} already has booking {first} at {TOMORROW} 10:00-10:45; "
                    "give --allow-overlap to book both\n")


def test_allow_overlap_books_the_client_twice_at_once(ok, contact):
    ada = contact("Ada")
    first = physio(ok, ada, f"{TOMORROW} 10:00", "--staff", "giulia-romano")
    second = physio(ok, ada, f"{TOMORROW} 10:30", "--staff", "sanne-de-vries", "--allow-overlap")
    assert [r["id"] for r in ok("session", "list", "--contact", ada)] == [first, second]


def test_back_to_back_bookings_of_one_client_do_not_overlap(ok, contact):
    ada = contact("Ada")
    physio(ok, ada, f"{TOMORROW} 10:00")
    assert ok("session", "book", "--service", "yoga-flow", "--contact", ada,
              "--start", f"{TOMORROW} 10:45")["status"] == "confirmed"


def test_a_cancelled_booking_no_longer_holds_the_clients_time(ok, contact):
    ada = contact("Ada")
    ok("session", "cancel", physio(ok, ada, f"{TOMORROW} 10:00"))
    assert physio(ok, ada, f"{TOMORROW} 10:15").startswith("b-")


def test_joining_a_class_that_overlaps_the_clients_appointment_is_refused(ok, run, store, contact):
    ada = contact("Ada")
    first = physio(ok, ada, f"{TOMORROW} 10:00")
    meeting = ok("session", "add", "--service", "yoga-flow", "--start", f"{TOMORROW} 10:30")["id"]
    line = refused(run, store, 1, "session", "book", "--session", meeting, "--contact", ada)
    assert line.startswith(f"error: contact {ada} already has booking {first} at {TOMORROW} 10:00-10:45;")


def test_the_overlap_check_reads_the_clients_own_bookings_not_the_calendar(ok, run, store, contact, monkeypatch):
    from bookctl.storage.files.calendar import FileCalendar
    from bookctl.storage.postgres.calendar import PgCalendar

    ada = contact("Ada")
    physio(ok, ada, f"{TOMORROW} 10:00")
    meeting = ok("session", "add", "--service", "yoga-flow", "--start", f"{TOMORROW} 10:30")["id"]

    def scan(*args: object) -> None:
        raise AssertionError("joining a class scanned the calendar")

    for calendar in (FileCalendar, PgCalendar):
        monkeypatch.setattr(calendar, "sessions_starting", scan)
    assert "give --allow-overlap" in refused(run, store, 1, "session", "book", "--session", meeting, "--contact", ada)


def test_rescheduling_into_another_of_the_clients_bookings_is_refused(ok, run, store, contact):
    ada = contact("Ada")
    first = physio(ok, ada, f"{TOMORROW} 10:00", "--staff", "giulia-romano")
    later = physio(ok, ada, f"{TOMORROW} 12:00", "--staff", "sanne-de-vries")
    line = refused(run, store, 1, "session", "reschedule", later, "--start", f"{TOMORROW} 10:15")
    assert line == (f"error: contact {ada} already has booking {first} at {TOMORROW} 10:00-10:45; "
                    "give --allow-overlap to move it there anyway\n")


def test_reschedule_with_allow_overlap_moves_into_the_clients_other_booking(ok, contact):
    ada = contact("Ada")
    physio(ok, ada, f"{TOMORROW} 10:00", "--staff", "giulia-romano")
    later = physio(ok, ada, f"{TOMORROW} 12:00", "--staff", "sanne-de-vries")
    moved = ok("session", "reschedule", later, "--start", f"{TOMORROW} 10:15", "--allow-overlap")
    assert moved["start"] == f"{TOMORROW}T10:15:00+01:00"


def test_rescheduling_a_booking_over_its_own_old_time_is_no_overlap(ok, contact):
    booking = physio(ok, contact("Ada"), f"{TOMORROW} 10:00")
    assert ok("session", "reschedule", booking, "--start", f"{TOMORROW} 10:15")["end"] == f"{TOMORROW}T11:00:00+01:00"


# --- appointments without staff ---------------------------------------------------------------

def test_two_clients_cannot_take_the_same_appointment_without_staff(ok, run, store, contact):
    first = physio(ok, contact("Ada"), f"{TOMORROW} 10:00")
    line = refused(run, store, 1, "session", "book", "--service", "physiotherapy", "--contact", contact("Bea"),
                   "--start", f"{TOMORROW} 10:00")
    assert line == (f"error: Physiotherapy without staff is taken at {TOMORROW} 10:00-10:45 (booking {first} "
                    "holds its one place); give --staff, or choose another time\n")


def test_an_appointment_without_staff_overlapping_another_is_refused(ok, run, store, contact):
    physio(ok, contact("Ada"), f"{TOMORROW} 10:00")
    line = refused(run, store, 1, "session", "book", "--service", "physiotherapy", "--contact", contact("Bea"),
                   "--start", f"{TOMORROW} 10:30")
    assert "without staff is taken" in line


def test_a_second_client_at_the_same_time_is_booked_with_staff(ok, contact):
    physio(ok, contact("Ada"), f"{TOMORROW} 10:00")
    assert physio(ok, contact("Bea"), f"{TOMORROW} 10:00", "--staff", "giulia-romano").startswith("b-")


def test_rescheduling_onto_another_appointment_without_staff_is_refused(ok, run, store, contact):
    physio(ok, contact("Ada"), f"{TOMORROW} 10:00")
    later = physio(ok, contact("Bea"), f"{TOMORROW} 12:00")
    assert "without staff is taken" in refused(run, store, 1, "session", "reschedule", later,
                                               "--start", f"{TOMORROW} 10:00")


# --- the cancellation fee outside its window ---------------------------------------------------

def test_charge_fee_outside_the_cancellation_window_is_refused_and_nothing_changes(ok, run, store, contact):
    booking = physio(ok, contact("Ada"), "2026-11-26 10:00")
    line = refused(run, store, 1, "session", "cancel", booking, "--charge-fee")
    assert line == (f"error: booking {booking} starts in 70 hours, outside the 24-hour cancellation window; "
                    "no fee applies: cancel without --charge-fee\n")
    assert ok("session", "show", booking)["status"] == "confirmed"


# --- payment_status from the net ----------------------------------------------------------------

def test_a_booking_refunded_in_full_and_paid_again_is_paid(ok, contact):
    booking = physio(ok, contact("Ada"), f"{TOMORROW} 10:00")
    ok("payment", "collect", booking, "--method", "card", "--card", "tok_visa")
    ok("payment", "refund", booking)
    ok("payment", "collect", booking, "--method", "card", "--card", "tok_visa")
    assert figures(ok, booking) == ("paid", "65.00", "65.00", "0.00")


# --- idempotency keys compare what the arguments mean -----------------------------------------

@pytest.fixture
def paid_ten(ok, contact):  # noqa: ANN001, ANN201
    """(booking, the payment JSON) after `payment collect --amount 10 --idempotency-key k`."""
    booking = physio(ok, contact("Ada"), f"{TOMORROW} 10:00")
    return booking, ok("payment", "collect", booking, "--method", "card", "--card", "tok_visa", "--amount", "10",
                       "--idempotency-key", "k")


def test_the_same_key_with_the_same_amount_written_otherwise_returns_the_first_payment(ok, run, store, paid_ten):
    booking, first = paid_ten
    before = tree_digest(store)
    again = run("payment", "collect", booking, "--method", "card", "--card", "tok_visa", "--amount", "10.00",
                "--idempotency-key", "k")
    assert (again.exit_code, again.json()) == (0, first)
    assert tree_digest(store) == before  # no second charge, on the ledger or the sandbox's books
    assert [e["amount"]["amount"] for e in ok("payment", "list", "--booking", booking)] == ["10.00"]


def test_the_same_key_with_another_amount_is_a_usage_error(run, store, paid_ten):
    booking, _ = paid_ten
    line = refused(run, store, 2, "payment", "collect", booking, "--method", "card", "--card", "tok_visa",
                   "--amount", "11", "--idempotency-key", "k")
    assert line == "error: idempotency key 'k' was already used with other arguments; use a new key\n"


@pytest.mark.backends("files")  # the key's record is rewritten by hand, as an older bookctl wrote it
def test_a_key_recorded_with_the_amount_as_typed_still_returns_the_first_payment(ok, run, store, paid_ten):
    import json

    from bookctl.services.payments import _fingerprint

    booking, first = paid_ten
    as_typed = _fingerprint("payment collect", {"booking": booking, "method": "card", "amount": "10",
                                                "provider": None, "card": "tok_visa", "save_card": False})
    [shard] = (store / "data" / "idempotency").glob("*.json")
    data = json.loads(shard.read_text(encoding="utf-8"))
    [record] = data["keys"].values()
    record["arguments"] = as_typed
    shard.write_text(json.dumps(data), encoding="utf-8")
    again = run("payment", "collect", booking, "--method", "card", "--card", "tok_visa", "--amount", "10",
                "--idempotency-key", "k")
    assert (again.exit_code, again.json()) == (0, first), again.stderr
    assert [e["amount"]["amount"] for e in ok("payment", "list", "--booking", booking)] == ["10.00"]
