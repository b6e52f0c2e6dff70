"""The front desk's day: clients named as they give themselves on the phone (a name, an email),
what is paid and due at check-in, short answers from the money commands, and one way to write labels."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

TOMORROW = "2026-11-24"


@pytest.fixture
def people(ok) -> dict[str, str]:  # noqa: ANN001
    """Three clients: two Martins, and an Ada beside an Adam."""
    made = {}
    for key, args in {
        "zoe": ("--first-name", "Zoë", "--last-name", "Martin", "--email", "Zoe.Martin@Example.org"),
        "paul": ("--first-name", "Paul", "--last-name", "Martin", "--phone", "+39 333 111 2222"),
        "ada": ("--first-name", "Ada", "--email", "ada@example.org"),
        "adam": ("--first-name", "Adam", "--last-name", "Rossi"),
    }.items():
        made[key] = ok("contact", "add", *args)["id"]
    return made


def _book(run, contact: str, at: str = "10:00"):  # noqa: ANN001, ANN202
    return run("session", "book", "--service", "physiotherapy", "--contact", contact, "--start", f"{TOMORROW} {at}")


# --- --contact takes an id, an email or a name ---------------------------------------------------------------


@pytest.mark.parametrize("given", ["zoe.martin@example.org", "ZOE.MARTIN@EXAMPLE.ORG", "Zoë Martin", "zoe martin",
                                   "  ZOË MARTIN "])
def test_a_booking_names_its_client_by_email_or_by_name_in_any_case_or_accent(run, people, given: str) -> None:
    result = _book(run, given)
    assert result.exit_code == 0, result.stderr
    assert result.json()["contact_id"] == people["zoe"]


def test_a_whole_name_wins_over_names_that_contain_it(run, people) -> None:
    result = _book(run, "ada")
    assert result.exit_code == 0, result.stderr
    assert result.json()["contact_id"] == people["ada"]


def test_a_unique_part_of_a_name_is_enough(run, people) -> None:
    result = _book(run, "rossi")
    assert result.json()["contact_id"] == people["adam"]


def test_several_matches_are_refused_listing_each_with_its_id(refused, people) -> None:
    error = refused(1, "session", "book", "--service", "physiotherapy", "--contact", "martin",
                    "--start", f"{TOMORROW} 10:00")
    assert error == (f"error: --contact 'martin' matches 2: {people['zoe']} Zoë Martin <Zoe.Martin@Example.org>; "
                     f"{people['paul']} Paul Martin; give an id\n")


def test_no_match_points_at_the_contact_search(refused, people) -> None:
    error = refused(3, "session", "book", "--service", "physiotherapy", "--contact", "Marta Bianchi",
                    "--start", f"{TOMORROW} 10:00")
    assert error == "error: no contact matches 'Marta Bianchi'; see 'bookctl contact list --search 'Marta Bianchi''\n"


def test_an_unknown_email_is_not_found(refused, people) -> None:
    error = refused(3, "session", "book", "--service", "physiotherapy", "--contact", "nobody@example.org",
                    "--start", f"{TOMORROW} 10:00")
    assert "no contact matches 'nobody@example.org'" in error


def test_an_erased_contact_is_no_longer_found_by_name(run, ok, refused, people) -> None:
    assert run("contact", "delete", people["ada"], "--erase", "--yes").exit_code == 0
    error = refused(3, "session", "book", "--service", "physiotherapy", "--contact", "ada@example.org",
                    "--start", f"{TOMORROW} 10:00")
    assert "no contact matches" in error
    assert _book(run, "ada").json()["contact_id"] == people["adam"]  # the one Ada left is Adam


def test_listings_take_a_name_or_an_email_too(run, ok, people) -> None:
    booked = _book(run, people["zoe"]).json()
    _book(run, people["paul"], "11:00")
    assert [r["id"] for r in ok("session", "list", "--contact", "zoë martin")] == [booked["id"]]
    ok("payment", "collect", booked["id"], "--method", "in-person", "--amount", "20", "--yes")
    assert [p["booking_id"] for p in ok("payment", "list", "--contact", "zoe.martin@example.org")] == [booked["id"]]
    exported = ok("export", "bookings", "--from", TOMORROW, "--to", TOMORROW, "--contact", "Zoe")
    assert [r["id"] for r in exported] == [booked["id"]]
    invoice = ok("invoice", "create", "--contact", "paul martin", "--item", "Oil=12.50")
    assert invoice["contact_id"] == people["paul"]


def test_staff_and_services_match_by_a_unique_part_without_accents(run, ok, people) -> None:
    booked = ok("session", "book", "--service", "PHYSIO", "--staff", "giulia", "--contact", people["zoe"],
                "--start", f"{TOMORROW} 10:00")
    assert (booked["service_id"], booked["staff_id"]) == ("physiotherapy", "giulia-romano")


def test_a_staff_part_shared_by_two_is_refused_listing_both(refused, people) -> None:
    error = refused(1, "session", "list", "--staff", "an", "--day", TOMORROW)
    assert error == ("error: --staff 'an' matches 2: giulia-romano Giulia Romano; sanne-de-vries Sanne de Vries; "
                     "give an id\n")


# --- what the desk reads -------------------------------------------------------------------------------------


def test_the_day_list_shows_what_is_paid_of_the_price_and_what_is_due(bookctl, store: Path, ok, people) -> None:
    booked = ok("session", "book", "--service", "physiotherapy", "--contact", people["zoe"],
                "--start", f"{TOMORROW} 10:00")
    ok("session", "book", "--service", "physiotherapy", "--contact", people["paul"], "--start", f"{TOMORROW} 11:00")
    ok("payment", "collect", booked["id"], "--method", "card", "--card", "tok_visa", "--amount", "20")
    table = bookctl("session", "list", "--day", TOMORROW, "--store", store).stdout.splitlines()
    header = table[0].split()
    assert header[-3:] == ["payment", "paid", "due"]
    assert "price" not in header
    assert table[2].endswith("deposit_paid  20.00 of 65.00  45.00 EUR"), table[2]
    assert table[3].endswith("not_paid      0.00 of 65.00   65.00 EUR"), table[3]


def test_a_card_payment_shows_the_few_fields_that_say_what_happened(bookctl, store: Path, ok, people) -> None:
    booked = ok("session", "book", "--service", "physiotherapy", "--contact", people["zoe"],
                "--start", f"{TOMORROW} 10:00")
    result = bookctl("payment", "collect", booked["id"], "--method", "card", "--card", "tok_visa", "--store", store)
    assert result.exit_code == 0, result.stderr
    fields = [line.split()[0] for line in result.stdout.splitlines()]
    assert fields == ["id", "booking_id", "kind", "method", "amount", "status", "card"]
    assert "card        visa ending 4242" in result.stdout
    assert max(map(len, result.stdout.splitlines())) <= 80


def test_json_keeps_every_field_of_the_payment(ok, people) -> None:
    booked = ok("session", "book", "--service", "physiotherapy", "--contact", people["zoe"],
                "--start", f"{TOMORROW} 10:00")
    entry = ok("payment", "collect", booked["id"], "--method", "card", "--card", "tok_visa")
    assert {"reference", "created_at", "idempotency_key", "card_brand", "card_last4", "settled_at"} <= set(entry)


def test_a_refund_fits_a_terminal_and_shows_its_reason(bookctl, store: Path, ok, people) -> None:
    booked = ok("session", "book", "--service", "physiotherapy", "--contact", people["zoe"],
                "--start", f"{TOMORROW} 10:00")
    ok("payment", "collect", booked["id"], "--method", "card", "--card", "tok_visa")
    result = bookctl("payment", "refund", booked["id"], "--amount", "5", "--reason", "late start", "--store", store)
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["id", "booking_id", "kind", "method", "amount", "status", "reason"]
    assert lines[2].split()[2:6] == ["refund", "card", "5.00", "EUR"]
    assert lines[2].endswith("late start")
    assert max(map(len, lines)) <= 100


def test_labels_are_written_one_way_in_the_listing_and_the_export(bookctl, store: Path, ok, people) -> None:
    ok("contact", "label", people["zoe"], "VIP", "Morning, early")

    def labels(*command: str) -> list[str]:
        text = bookctl(*command, "--format", "csv", "--store", store).stdout
        cell = next(row["labels"] for row in csv.DictReader(io.StringIO(text)) if row["id"] == people["zoe"])
        return json.loads(cell)

    assert labels("contact", "list") == labels("export", "contacts")
    assert sorted(labels("contact", "list")) == ["Morning, early", "VIP"]  # a comma inside a label survives
