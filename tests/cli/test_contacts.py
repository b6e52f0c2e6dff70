"""Clients' cards: `contact add|list|show|edit|delete`."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import NOW, tree_digest




def add_contact(bookctl, store: Path, first_name: str, *options: str) -> dict:  # noqa: ANN001
    """Add a contact and return its JSON."""
    result = bookctl("contact", "add", "--first-name", first_name, *options, "--store", store, "--format", "json")
    assert result.exit_code == 0, result.stderr
    return result.json()


def book(bookctl, store: Path, contact_id: str, service: str = "physiotherapy",  # noqa: ANN001
         start: str = "2026-11-24 10:00") -> dict:
    """Book `contact_id` and return the booking's JSON."""
    result = bookctl("session", "book", "--service", service, "--contact", contact_id, "--start", start,
                     "--store", store, "--format", "json")
    assert result.exit_code == 0, result.stderr
    return result.json()


def listed_ids(bookctl, store: Path, *options: str) -> list[str]:  # noqa: ANN001
    """The ids `contact list` shows with `options`."""
    result = bookctl("contact", "list", *options, "--store", store, "--format", "json")
    assert result.exit_code == 0, result.stderr
    return [c["id"] for c in result.json()]


def delete_on_a_terminal(store: Path, contact_id: str, answer: str) -> subprocess.CompletedProcess[str]:
    """`contact delete` in a real process whose stdin is a terminal on which the user types `answer`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("BOOKCTL_")}
    env["BOOKCTL_NOW"] = NOW
    controller, terminal = pty.openpty()
    try:
        os.write(controller, answer.encode())  # waits in the terminal until the prompt reads it
        return subprocess.run([sys.executable, "-m", "bookctl", "contact", "delete", contact_id, "--store", str(store),
                               "--format", "json"], stdin=terminal, capture_output=True, text=True, env=env,
                              timeout=60)
    finally:
        os.close(terminal)
        os.close(controller)


# --- add ----------------------------------------------------------------------------------------------


def test_contact_add_prints_the_new_contact_with_every_contract_key(bookctl, store):
    result = bookctl("contact", "add", "--first-name", "Zoë", "--last-name", "Girard", "--email", "zoe@example.com",
                     "--phone", "+33 6 12 34 56 78", "--address", "12 rue des Lilas, Lyon", "--store", store,
                     "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert result.json() == {
        "id": "c-1", "first_name": "Zoë", "last_name": "Girard", "email": "zoe@example.com",
        "phone": "+33 6 12 34 56 78", "address": "12 rue des Lilas, Lyon", "emails": [], "phones": [],
        "addresses": [], "company": None, "position": None, "language": None, "tax_id": None, "birthday": None,
        "custom_fields": {}, "labels": [], "created_at": NOW, "erased_at": None,
    }


def test_contact_add_saves_the_contact(bookctl, store):
    added = add_contact(bookctl, store, "Zoë", "--last-name", "Girard", "--email", "zoe@example.com")
    shown = bookctl("contact", "show", added["id"], "--store", store, "--format", "json").json()
    assert {k: v for k, v in shown.items() if k in added} == added


def test_contact_add_gives_each_contact_the_next_number(bookctl, store):
    ids = [add_contact(bookctl, store, name)["id"] for name in ("Marco", "Sanne", "Noa")]
    assert ids == ["c-1", "c-2", "c-3"]


def test_contact_add_trims_surrounding_spaces(bookctl, store):
    added = add_contact(bookctl, store, "  Marco ", "--email", " marco@example.com ")
    assert (added["first_name"], added["email"]) == ("Marco", "marco@example.com")


@pytest.mark.parametrize(("options", "message"), [
    (("--first-name", "Marco", "--email", "marco-at-example.com"),
     "--email 'marco-at-example.com' is not an email address"),
    (("--first-name", "Marco", "--email", "marco@example"), "--email 'marco@example' is not an email address"),
    (("--first-name", "Marco", "--phone", "12"), "--phone '12' is not a phone number"),
    (("--first-name", "Marco", "--phone", "call me"), "--phone 'call me' is not a phone number"),
    (("--first-name", "   "), "--first-name must not be empty"),
    (("--first-name", "Marco", "--last-name", ""), "--last-name must not be empty"),
    (("--first-name", "Mar\x07co"), "--first-name must not contain control characters"),
])
def test_contact_add_refuses_invalid_input_and_writes_nothing(bookctl, store, options, message):
    before = tree_digest(store)
    result = bookctl("contact", "add", *options, "--store", store)
    assert result.exit_code == 2
    assert result.stderr == f"error: {message}\n"
    assert result.stdout == ""
    assert tree_digest(store) == before


def test_contact_add_without_a_first_name_is_exit_2(bookctl, store):
    before = tree_digest(store)
    result = bookctl("contact", "add", "--last-name", "Girard", "--store", store)
    assert result.exit_code == 2
    assert result.stderr.startswith("error: ")
    assert "--first-name" in result.stderr
    assert tree_digest(store) == before


# --- list ---------------------------------------------------------------------------------------------


def test_contact_list_lists_every_contact_in_id_order(bookctl, store):
    for name in ("Marco", "Sanne", "Noa"):
        add_contact(bookctl, store, name)
    result = bookctl("contact", "list", "--store", store, "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert [(c["id"], c["first_name"]) for c in result.json()] == [("c-1", "Marco"), ("c-2", "Sanne"), ("c-3", "Noa")]


def test_contact_list_of_an_empty_store_is_an_empty_list(bookctl, store):
    assert listed_ids(bookctl, store) == []


@pytest.mark.parametrize("needle", ["zoe", "ZOE", "Zoë", "ZOË", "girard", "zoe gir"])
def test_contact_search_ignores_case_and_accents(bookctl, store, needle):
    zoe = add_contact(bookctl, store, "Zoë", "--last-name", "Girard")
    add_contact(bookctl, store, "Marco", "--last-name", "Rossi")
    assert listed_ids(bookctl, store, "--search", needle) == [zoe["id"]]


def test_contact_search_finds_an_accented_name_from_an_unaccented_one_and_back(bookctl, store):
    lefevre = add_contact(bookctl, store, "Léa", "--last-name", "Lefèvre")
    plain = add_contact(bookctl, store, "Lea", "--last-name", "Lefevre")
    assert listed_ids(bookctl, store, "--search", "lefevre") == [lefevre["id"], plain["id"]]
    assert listed_ids(bookctl, store, "--search", "LEFÈVRE") == [lefevre["id"], plain["id"]]


def test_contact_search_matches_email_and_phone(bookctl, store):
    marco = add_contact(bookctl, store, "Marco", "--email", "marco.rossi@example.com")
    sanne = add_contact(bookctl, store, "Sanne", "--phone", "+31 6 1234 5678")
    assert listed_ids(bookctl, store, "--search", "ROSSI@EXAMPLE") == [marco["id"]]
    assert listed_ids(bookctl, store, "--search", "1234 5678") == [sanne["id"]]


def test_contact_search_with_no_match_is_an_empty_list(bookctl, store):
    add_contact(bookctl, store, "Marco")
    assert listed_ids(bookctl, store, "--search", "nobody") == []


def test_booking_labels_the_contact_with_the_service_name(bookctl, store):
    marco = add_contact(bookctl, store, "Marco")
    book(bookctl, store, marco["id"])
    shown = bookctl("contact", "show", marco["id"], "--store", store, "--format", "json").json()
    assert shown["labels"] == ["Physiotherapy"]


def test_contact_list_label_keeps_only_contacts_with_that_label(bookctl, store):
    marco = add_contact(bookctl, store, "Marco")
    add_contact(bookctl, store, "Sanne")
    book(bookctl, store, marco["id"])
    assert listed_ids(bookctl, store, "--label", "Physiotherapy") == [marco["id"]]


def test_contact_list_repeated_label_keeps_contacts_with_all_of_them(bookctl, store):
    marco = add_contact(bookctl, store, "Marco")
    sanne = add_contact(bookctl, store, "Sanne")
    book(bookctl, store, marco["id"])
    book(bookctl, store, marco["id"], "yoga-flow", "2026-11-25 18:00")
    book(bookctl, store, sanne["id"], "physiotherapy", "2026-11-24 11:00")
    assert listed_ids(bookctl, store, "--label", "Physiotherapy") == [marco["id"], sanne["id"]]
    assert listed_ids(bookctl, store, "--label", "Physiotherapy", "--label", "Yoga Flow") == [marco["id"]]


def test_booking_the_same_service_twice_labels_the_contact_once(bookctl, store):
    marco = add_contact(bookctl, store, "Marco")
    book(bookctl, store, marco["id"], start="2026-11-24 10:00")
    book(bookctl, store, marco["id"], start="2026-11-25 10:00")
    shown = bookctl("contact", "show", marco["id"], "--store", store, "--format", "json").json()
    assert shown["labels"] == ["Physiotherapy"]


# --- show ---------------------------------------------------------------------------------------------


def test_contact_show_includes_the_contacts_bookings_newest_first(bookctl, store):
    marco = add_contact(bookctl, store, "Marco")
    first = book(bookctl, store, marco["id"], start="2026-11-24 10:00")
    second = book(bookctl, store, marco["id"], "yoga-flow", "2026-11-26 18:00")
    result = bookctl("contact", "show", marco["id"], "--store", store, "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert result.json()["bookings"] == [second, first]


def test_contact_show_of_a_contact_without_bookings_has_an_empty_booking_list(bookctl, store):
    marco = add_contact(bookctl, store, "Marco")
    shown = bookctl("contact", "show", marco["id"], "--store", store, "--format", "json").json()
    assert shown["bookings"] == []


def test_contact_show_as_a_table_names_the_service_of_each_booking(bookctl, store):
    marco = add_contact(bookctl, store, "Marco")
    booking = book(bookctl, store, marco["id"])
    result = bookctl("contact", "show", marco["id"], "--store", store, "--format", "table")
    assert result.exit_code == 0, result.stderr
    assert "first_name" in result.stdout
    assert booking["id"] in result.stdout
    assert "Physiotherapy" in result.stdout


# --- edit ---------------------------------------------------------------------------------------------


def test_contact_edit_changes_the_given_fields_and_keeps_the_rest(bookctl, store):
    marco = add_contact(bookctl, store, "Marco", "--last-name", "Rossi", "--email", "marco@example.com")
    result = bookctl("contact", "edit", marco["id"], "--email", "m.rossi@example.com", "--phone", "+39 333 123 4567",
                     "--store", store, "--format", "json")
    assert result.exit_code == 0, result.stderr
    edited = result.json()
    assert (edited["first_name"], edited["last_name"]) == ("Marco", "Rossi")
    assert (edited["email"], edited["phone"]) == ("m.rossi@example.com", "+39 333 123 4567")
    shown = bookctl("contact", "show", marco["id"], "--store", store, "--format", "json").json()
    assert (shown["email"], shown["phone"]) == ("m.rossi@example.com", "+39 333 123 4567")


@pytest.mark.parametrize(("options", "message"), [
    (("--email", "nope"), "--email 'nope' is not an email address"),
    (("--phone", "abc"), "--phone 'abc' is not a phone number"),
    (("--first-name", " "), "--first-name must not be empty"),
    (("--address", "Via\x00Roma"), "--address must not contain control characters"),
])
def test_contact_edit_refuses_invalid_input_and_writes_nothing(bookctl, store, options, message):
    marco = add_contact(bookctl, store, "Marco", "--email", "marco@example.com")
    before = tree_digest(store)
    result = bookctl("contact", "edit", marco["id"], *options, "--store", store)
    assert result.exit_code == 2
    assert result.stderr == f"error: {message}\n"
    assert tree_digest(store) == before


def test_contact_edit_with_one_bad_field_changes_no_field(bookctl, store):
    marco = add_contact(bookctl, store, "Marco", "--email", "marco@example.com")
    before = tree_digest(store)
    result = bookctl("contact", "edit", marco["id"], "--first-name", "Mario", "--email", "nope", "--store", store)
    assert result.exit_code == 2
    assert tree_digest(store) == before
    shown = bookctl("contact", "show", marco["id"], "--store", store, "--format", "json").json()
    assert (shown["first_name"], shown["email"]) == ("Marco", "marco@example.com")


# --- delete -------------------------------------------------------------------------------------------


def test_contact_delete_without_yes_off_a_terminal_is_exit_2_and_deletes_nothing(bookctl, store):
    marco = add_contact(bookctl, store, "Marco")
    before = tree_digest(store)
    result = bookctl("contact", "delete", marco["id"], "--store", store)
    assert result.exit_code == 2
    assert result.stderr == "error: this cannot be undone; pass --yes to confirm (stdin is not a terminal)\n"
    assert result.stdout == ""
    assert tree_digest(store) == before


def test_contact_delete_with_yes_prints_the_contact_and_removes_it(bookctl, store):
    marco = add_contact(bookctl, store, "Marco")
    sanne = add_contact(bookctl, store, "Sanne")
    result = bookctl("contact", "delete", marco["id"], "--yes", "--store", store, "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert result.json() == marco
    assert listed_ids(bookctl, store) == [sanne["id"]]
    gone = bookctl("contact", "show", marco["id"], "--store", store)
    assert gone.exit_code == 3
    assert gone.stderr == f"error: no contact {marco['id']!r}\n"


def test_contact_delete_on_a_terminal_asks_and_yes_deletes(bookctl, store):
    marco = add_contact(bookctl, store, "Marco")
    done = delete_on_a_terminal(store, marco["id"], "y\n")
    assert done.returncode == 0, done.stderr
    assert f"Delete Marco ({marco['id']})?" in done.stderr
    assert json.loads(done.stdout) == marco
    assert listed_ids(bookctl, store) == []


def test_contact_delete_on_a_terminal_answered_no_changes_nothing(bookctl, store):
    marco = add_contact(bookctl, store, "Marco")
    before = tree_digest(store)
    done = delete_on_a_terminal(store, marco["id"], "n\n")
    assert done.returncode == 1
    assert done.stderr.endswith("error: aborted; nothing was changed\n")
    assert tree_digest(store) == before


def test_deleted_contacts_id_is_not_handed_out_again(bookctl, store):
    add_contact(bookctl, store, "Marco")
    sanne = add_contact(bookctl, store, "Sanne")
    assert bookctl("contact", "delete", sanne["id"], "--yes", "--store", store).exit_code == 0
    assert add_contact(bookctl, store, "Noa")["id"] == "c-3"


def test_contact_delete_of_a_contact_with_bookings_is_exit_1(bookctl, store):
    marco = add_contact(bookctl, store, "Marco")
    book(bookctl, store, marco["id"])
    before = tree_digest(store)
    result = bookctl("contact", "delete", marco["id"], "--yes", "--store", store)
    assert result.exit_code == 1
    assert result.stderr == (f"error: contact {marco['id']} has 1 booking; a contact with bookings cannot be deleted; "
                             "use --erase to remove their personal data and keep the bookings\n")
    assert tree_digest(store) == before


def test_contact_delete_of_a_contact_whose_booking_was_cancelled_is_still_exit_1(bookctl, store):
    marco = add_contact(bookctl, store, "Marco")
    booking = book(bookctl, store, marco["id"])
    assert bookctl("session", "cancel", booking["id"], "--store", store).exit_code == 0
    before = tree_digest(store)
    result = bookctl("contact", "delete", marco["id"], "--yes", "--store", store)
    assert result.exit_code == 1
    assert tree_digest(store) == before


# --- unknown ids --------------------------------------------------------------------------------------


@pytest.mark.parametrize("contact_id", ["c-999", "nonsense", "", "c-0", "C-1", "c-1 "])
@pytest.mark.parametrize("command", [("show",), ("edit", "--phone", "+39 333 123 4567"), ("delete", "--yes")])
def test_unknown_contact_is_exit_3_whatever_the_shape_of_its_id(bookctl, store, command, contact_id):
    add_contact(bookctl, store, "Marco")
    before = tree_digest(store)
    result = bookctl("contact", command[0], contact_id, *command[1:], "--store", store)
    assert result.exit_code == 3
    assert result.stderr == f"error: no contact {contact_id!r}\n"
    assert tree_digest(store) == before
